#include "parquet/stats.h"

#include <math.h>
#include <string.h>

#include "util/error.h"
#include "util/timefmt.h"

#define PQ_STAT_MAX_BYTES 1024 /* longer string bounds are truncated */

void pq_minmax_init(pq_minmax *m) { memset(m, 0, sizeof *m); }

static int bytes_cmp(const uint8_t *a, uint32_t al, const uint8_t *b, uint32_t bl) {
  uint32_t n = al < bl ? al : bl;
  int c = n ? memcmp(a, b, n) : 0;
  if (c) return c;
  return al < bl ? -1 : al > bl ? 1 : 0;
}

void pq_minmax_add(pq_minmax *m, const pq_leaf *lf, const void *values, const uint8_t *bytes, int64_t n) {
  if (n <= 0) return;
  switch (lf->physical) {
    case PQ_BOOLEAN: {
      const uint8_t *v = values;
      int64_t lo = 1, hi = 0;
      for (int64_t i = 0; i < n; i++) {
        if (v[i]) hi = 1; else lo = 0;
      }
      if (!m->has) { m->min.i = lo; m->max.i = hi; m->has = 1; }
      else { if (lo < m->min.i) m->min.i = lo; if (hi > m->max.i) m->max.i = hi; }
      break;
    }
    case PQ_INT32: {
      const int32_t *v = values;
      if (lf->unsigned_order) {
        uint32_t lo = (uint32_t)v[0], hi = lo;
        for (int64_t i = 1; i < n; i++) {
          uint32_t x = (uint32_t)v[i];
          lo = x < lo ? x : lo;
          hi = x > hi ? x : hi;
        }
        if (!m->has || lo < m->min.u) m->min.u = lo;
        if (!m->has || hi > m->max.u) m->max.u = hi;
      } else {
        int32_t lo = v[0], hi = lo;
        for (int64_t i = 1; i < n; i++) {
          lo = v[i] < lo ? v[i] : lo;
          hi = v[i] > hi ? v[i] : hi;
        }
        if (!m->has || lo < m->min.i) m->min.i = lo;
        if (!m->has || hi > m->max.i) m->max.i = hi;
      }
      m->has = 1;
      break;
    }
    case PQ_INT64: {
      const int64_t *v = values;
      if (lf->unsigned_order) {
        uint64_t lo = (uint64_t)v[0], hi = lo;
        for (int64_t i = 1; i < n; i++) {
          uint64_t x = (uint64_t)v[i];
          lo = x < lo ? x : lo;
          hi = x > hi ? x : hi;
        }
        if (!m->has || lo < m->min.u) m->min.u = lo;
        if (!m->has || hi > m->max.u) m->max.u = hi;
      } else {
        int64_t lo = v[0], hi = lo;
        for (int64_t i = 1; i < n; i++) {
          lo = v[i] < lo ? v[i] : lo;
          hi = v[i] > hi ? v[i] : hi;
        }
        if (!m->has || lo < m->min.i) m->min.i = lo;
        if (!m->has || hi > m->max.i) m->max.i = hi;
      }
      m->has = 1;
      break;
    }
    case PQ_FLOAT:
    case PQ_DOUBLE: {
      double lo = INFINITY, hi = -INFINITY;
      int64_t nans = 0;
      int any = 0;
      if (lf->physical == PQ_FLOAT) {
        const float *v = values;
        for (int64_t i = 0; i < n; i++) {
          double x = v[i];
          if (x != x) { nans++; continue; }
          any = 1;
          lo = x < lo ? x : lo;
          hi = x > hi ? x : hi;
        }
      } else {
        const double *v = values;
        for (int64_t i = 0; i < n; i++) {
          double x = v[i];
          if (x != x) { nans++; continue; }
          any = 1;
          lo = x < lo ? x : lo;
          hi = x > hi ? x : hi;
        }
      }
      m->nan_count += nans;
      if (any) {
        if (!m->has || lo < m->min.d) m->min.d = lo;
        if (!m->has || hi > m->max.d) m->max.d = hi;
        m->has = 1;
      }
      break;
    }
    case PQ_BYTE_ARRAY: {
      const int64_t *off = values;
      for (int64_t i = 0; i < n; i++) {
        const uint8_t *s = bytes + off[i];
        uint32_t len = (uint32_t)(off[i + 1] - off[i]);
        if (!m->has) {
          m->smin = m->smax = s;
          m->smin_len = m->smax_len = len;
          m->has = 1;
          continue;
        }
        if (bytes_cmp(s, len, m->smin, m->smin_len) < 0) { m->smin = s; m->smin_len = len; }
        else if (bytes_cmp(s, len, m->smax, m->smax_len) > 0) { m->smax = s; m->smax_len = len; }
      }
      break;
    }
    default: break;
  }
}

void pq_minmax_merge(pq_minmax *into, const pq_minmax *from, const pq_leaf *lf) {
  into->null_count += from->null_count;
  into->nan_count += from->nan_count;
  if (!from->has) return;
  if (!into->has) {
    int64_t nc = into->null_count, nn = into->nan_count;
    *into = *from;
    into->null_count = nc;
    into->nan_count = nn;
    return;
  }
  switch (lf->physical) {
    case PQ_FLOAT:
    case PQ_DOUBLE:
      if (from->min.d < into->min.d) into->min.d = from->min.d;
      if (from->max.d > into->max.d) into->max.d = from->max.d;
      break;
    case PQ_BYTE_ARRAY:
      if (bytes_cmp(from->smin, from->smin_len, into->smin, into->smin_len) < 0) { into->smin = from->smin; into->smin_len = from->smin_len; }
      if (bytes_cmp(from->smax, from->smax_len, into->smax, into->smax_len) > 0) { into->smax = from->smax; into->smax_len = from->smax_len; }
      break;
    default:
      if (lf->unsigned_order) {
        if (from->min.u < into->min.u) into->min.u = from->min.u;
        if (from->max.u > into->max.u) into->max.u = from->max.u;
      } else {
        if (from->min.i < into->min.i) into->min.i = from->min.i;
        if (from->max.i > into->max.i) into->max.i = from->max.i;
      }
  }
}

/* Encode one bound as PLAIN bytes (no length prefix) into the arena. */
static int encode_bound(const pq_minmax *m, const pq_leaf *lf, int is_max, ps_buf *arena, size_t *off, uint32_t *len,
                        int *exact) {
  *off = arena->len;
  *exact = 1;
  switch (lf->physical) {
    case PQ_BOOLEAN: {
      uint8_t b = (uint8_t)(is_max ? m->max.i : m->min.i);
      *len = 1;
      return ps_buf_append(arena, &b, 1);
    }
    case PQ_INT32: {
      int32_t v = lf->unsigned_order ? (int32_t)(uint32_t)(is_max ? m->max.u : m->min.u) : (int32_t)(is_max ? m->max.i : m->min.i);
      *len = 4;
      return ps_buf_append(arena, &v, 4);
    }
    case PQ_INT64: {
      int64_t v = lf->unsigned_order ? (int64_t)(is_max ? m->max.u : m->min.u) : (is_max ? m->max.i : m->min.i);
      *len = 8;
      return ps_buf_append(arena, &v, 8);
    }
    case PQ_FLOAT:
    case PQ_DOUBLE: {
      double d = is_max ? m->max.d : m->min.d;
      /* spec: a zero min is written as -0.0 and a zero max as +0.0 */
      if (d == 0.0) d = is_max ? 0.0 : -0.0;
      if (lf->physical == PQ_FLOAT) {
        float f = (float)d;
        *len = 4;
        return ps_buf_append(arena, &f, 4);
      }
      *len = 8;
      return ps_buf_append(arena, &d, 8);
    }
    case PQ_BYTE_ARRAY: {
      const uint8_t *s = is_max ? m->smax : m->smin;
      uint32_t n = is_max ? m->smax_len : m->smin_len;
      if (n <= PQ_STAT_MAX_BYTES) {
        *len = n;
        return ps_buf_append(arena, s, n);
      }
      *exact = 0;
      if (!is_max) {
        *len = PQ_STAT_MAX_BYTES;
        return ps_buf_append(arena, s, PQ_STAT_MAX_BYTES);
      }
      /* max: truncate, then increment the last byte that is not 0xff */
      int k = PQ_STAT_MAX_BYTES - 1;
      while (k >= 0 && s[k] == 0xff) k--;
      if (k < 0) return 1; /* no finite upper bound: caller omits max */
      PS_TRY(ps_buf_append(arena, s, (size_t)k + 1));
      arena->data[arena->len - 1]++;
      *len = (uint32_t)k + 1;
      return PS_OK;
    }
  }
  return 1;
}

int pq_minmax_encode_bounds(const pq_minmax *m, const pq_leaf *lf, ps_buf *arena, size_t *min_off, uint32_t *min_len,
                            size_t *max_off, uint32_t *max_len) {
  *min_off = *max_off = arena->len;
  *min_len = *max_len = 0;
  if (!m->has) return PS_OK;
  int exact;
  int rc = encode_bound(m, lf, 0, arena, min_off, min_len, &exact);
  if (rc < 0) return rc;
  rc = encode_bound(m, lf, 1, arena, max_off, max_len, &exact);
  if (rc < 0) return rc;
  if (rc == 1) { /* unbounded max: page index needs some bytes; use the full min..all-0xff prefix */
    *max_off = *min_off;
    *max_len = 0;
  }
  return PS_OK;
}

int pq_minmax_to_statistics(const pq_minmax *m, const pq_leaf *lf, ps_buf *arena, pq_statistics *st) {
  memset(st, 0, sizeof *st);
  st->has_null_count = 1;
  st->null_count = m->null_count;
  if (!m->has) return PS_OK;
  size_t lo_off = 0, hi_off = 0;
  uint32_t lo_len = 0, hi_len = 0;
  int lo_exact = 1, hi_exact = 1;
  int rc = encode_bound(m, lf, 0, arena, &lo_off, &lo_len, &lo_exact);
  if (rc < 0) return rc;
  /* pointers are stored as offsets for now (the arena may move) */
  st->has_min_value = 1;
  st->min_value.ptr = (const uint8_t *)(uintptr_t)lo_off;
  st->min_value.len = lo_len;
  if (!lo_exact) { st->has_is_min_value_exact = 1; st->is_min_value_exact = 0; }
  rc = encode_bound(m, lf, 1, arena, &hi_off, &hi_len, &hi_exact);
  if (rc < 0) return rc;
  if (rc == 0) {
    st->has_max_value = 1;
    st->max_value.ptr = (const uint8_t *)(uintptr_t)hi_off;
    st->max_value.len = hi_len;
    if (!hi_exact) { st->has_is_max_value_exact = 1; st->is_max_value_exact = 0; }
  }
  /* deprecated min/max only where the order is signed (Arrow does the same) */
  if (!lf->unsigned_order && lf->physical != PQ_BYTE_ARRAY && st->has_max_value) {
    st->has_min = st->has_max = 1;
    st->min = st->min_value;
    st->max = st->max_value;
  }
  return PS_OK;
}

static int64_t read_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }
static int32_t read_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

/* Decode one bound; returns 0 when unusable. */
static int decode_bound(const pq_leaf *lf, const pq_bytes *b, ps_col_stats *out, int is_max) {
  if (!b || !b->ptr) return 0;
  switch (lf->physical) {
    case PQ_BOOLEAN:
      if (b->len < 1) return 0;
      if (is_max) out->max.i = b->ptr[0] != 0; else out->min.i = b->ptr[0] != 0;
      return 1;
    case PQ_INT32: {
      if (b->len != 4 || lf->decimal_scale >= 0) return 0;
      int32_t v = read_i32(b->ptr);
      int64_t x = lf->unsigned_order ? (int64_t)(uint32_t)v : (int64_t)v;
      if (is_max) out->max.i = x; else out->min.i = x;
      return 1;
    }
    case PQ_INT64: {
      if (b->len != 8 || lf->decimal_scale >= 0) return 0;
      int64_t v = read_i64(b->ptr);
      if (lf->type == PS_TYPE_TIMESTAMP && lf->frame_unit != lf->unit) {
        int64_t c;
        if (ps_convert_time_unit(v, lf->unit, lf->frame_unit, &c) < 0) return 0;
        /* coarser unit: floor is a valid lower bound; the upper bound may need +1 */
        if (is_max && ps_unit_per_second(lf->frame_unit) < ps_unit_per_second(lf->unit)) {
          if (c == INT64_MAX) return 0;
          c += 1;
        }
        v = c;
      }
      if (lf->unsigned_order) {
        if (is_max) out->max.u = (uint64_t)v; else out->min.u = (uint64_t)v;
      } else {
        if (is_max) out->max.i = v; else out->min.i = v;
      }
      return 1;
    }
    case PQ_FLOAT: {
      if (b->len != 4) return 0;
      float f;
      memcpy(&f, b->ptr, 4);
      if (f != f) return 0;
      if (is_max) out->max.d = f; else out->min.d = f;
      return 1;
    }
    case PQ_DOUBLE: {
      if (b->len != 8) return 0;
      double d;
      memcpy(&d, b->ptr, 8);
      if (d != d) return 0;
      if (is_max) out->max.d = d; else out->min.d = d;
      return 1;
    }
    case PQ_BYTE_ARRAY:
      if (lf->decimal_scale >= 0) return 0;
      if (is_max) { out->max_s = (const char *)b->ptr; out->max_len = b->len; }
      else { out->min_s = (const char *)b->ptr; out->min_len = b->len; }
      return 1;
    default: return 0; /* INT96, FIXED: not used for pruning */
  }
}

int pq_stats_decode(const pq_leaf *lf, const pq_bytes *min, const pq_bytes *max, int64_t null_count, int64_t num_values,
                    ps_col_stats *out) {
  memset(out, 0, sizeof *out);
  out->type = lf->type;
  out->unit = lf->frame_unit;
  out->null_count = null_count;
  out->num_values = num_values;
  if (lf->int96 || lf->float16) return 0;
  if (decode_bound(lf, min, out, 0) && decode_bound(lf, max, out, 1)) {
    out->has_min_max = 1;
    return 1;
  }
  return 0;
}

int pq_statistics_decode(const pq_leaf *lf, const pq_statistics *st, int64_t num_values, ps_col_stats *out) {
  int64_t nc = st && st->has_null_count ? st->null_count : -1;
  const pq_bytes *lo = NULL, *hi = NULL;
  if (st) {
    if (st->has_min_value && st->has_max_value) {
      lo = &st->min_value;
      hi = &st->max_value;
    } else if (st->has_min && st->has_max && !lf->unsigned_order && lf->physical != PQ_BYTE_ARRAY) {
      lo = &st->min;
      hi = &st->max;
    }
  }
  return pq_stats_decode(lf, lo, hi, nc, num_values, out);
}

int pq_stat_compare(const pq_leaf *lf, pq_bytes a, pq_bytes b) {
  switch (lf->physical) {
    case PQ_INT32:
      if (a.len == 4 && b.len == 4) {
        int32_t x = read_i32(a.ptr), y = read_i32(b.ptr);
        if (lf->unsigned_order) return (uint32_t)x < (uint32_t)y ? -1 : (uint32_t)x > (uint32_t)y;
        return x < y ? -1 : x > y;
      }
      return 0;
    case PQ_INT64:
      if (a.len == 8 && b.len == 8) {
        int64_t x = read_i64(a.ptr), y = read_i64(b.ptr);
        if (lf->unsigned_order) return (uint64_t)x < (uint64_t)y ? -1 : (uint64_t)x > (uint64_t)y;
        return x < y ? -1 : x > y;
      }
      return 0;
    case PQ_FLOAT:
      if (a.len == 4 && b.len == 4) {
        float x, y;
        memcpy(&x, a.ptr, 4);
        memcpy(&y, b.ptr, 4);
        return x < y ? -1 : x > y;
      }
      return 0;
    case PQ_DOUBLE:
      if (a.len == 8 && b.len == 8) {
        double x, y;
        memcpy(&x, a.ptr, 8);
        memcpy(&y, b.ptr, 8);
        return x < y ? -1 : x > y;
      }
      return 0;
    case PQ_BOOLEAN:
      if (a.len && b.len) return (a.ptr[0] != 0) - (b.ptr[0] != 0);
      return 0;
    default: return bytes_cmp(a.ptr, a.len, b.ptr, b.len);
  }
}
