/* Sorting / de-duplicating / merging frames by index. */
#include "table/merge.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "table/frame.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timefmt.h"

static int cmp_double(double x, double y) {
  int nx = isnan(x), ny = isnan(y);
  if (nx || ny) return nx - ny;
  return x < y ? -1 : x > y;
}

int ps__value_cmp(const ps_column *a, int64_t i, const ps_column *b, int64_t j) {
  int na = a->validity && !ps_bit_get(a->validity, i);
  int nb = b->validity && !ps_bit_get(b->validity, j);
  if (na || nb) return nb - na ? (na ? -1 : 1) : 0;
  switch (a->type) {
    case PS_TYPE_BOOL:
    case PS_TYPE_UINT8: {
      uint8_t x = ((const uint8_t *)a->values)[i], y = ((const uint8_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_INT8: {
      int8_t x = ((const int8_t *)a->values)[i], y = ((const int8_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_INT16: {
      int16_t x = ((const int16_t *)a->values)[i], y = ((const int16_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_UINT16: {
      uint16_t x = ((const uint16_t *)a->values)[i], y = ((const uint16_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_INT32:
    case PS_TYPE_DATE: {
      int32_t x = ((const int32_t *)a->values)[i], y = ((const int32_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_UINT32: {
      uint32_t x = ((const uint32_t *)a->values)[i], y = ((const uint32_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_INT64:
    case PS_TYPE_TIMESTAMP: {
      int64_t x = ((const int64_t *)a->values)[i], y = ((const int64_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_UINT64: {
      uint64_t x = ((const uint64_t *)a->values)[i], y = ((const uint64_t *)b->values)[j];
      return x < y ? -1 : x > y;
    }
    case PS_TYPE_FLOAT32:
      return cmp_double(((const float *)a->values)[i], ((const float *)b->values)[j]);
    case PS_TYPE_FLOAT64:
      return cmp_double(((const double *)a->values)[i], ((const double *)b->values)[j]);
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY: {
      const int64_t *oa = a->values, *ob = b->values;
      size_t la = (size_t)(oa[i + 1] - oa[i]), lb = (size_t)(ob[j + 1] - ob[j]);
      size_t m = la < lb ? la : lb;
      int c = m ? memcmp(a->bytes + oa[i], b->bytes + ob[j], m) : 0;
      if (c) return c < 0 ? -1 : 1;
      return la < lb ? -1 : la > lb;
    }
  }
  return 0;
}

void ps__value_string(const ps_column *c, int64_t row, char *buf, size_t size) {
  if (size < 48) {
    if (size) buf[0] = 0;
    return;
  }
  if (c->validity && !ps_bit_get(c->validity, row)) {
    snprintf(buf, size, "null");
    return;
  }
  switch (c->type) {
    case PS_TYPE_TIMESTAMP:
      ps_format_timestamp(buf, ((const int64_t *)c->values)[row], c->unit, c->tz != NULL);
      return;
    case PS_TYPE_DATE:
      ps_format_date(buf, ((const int32_t *)c->values)[row]);
      return;
    case PS_TYPE_FLOAT32: snprintf(buf, size, "%.9g", ((const float *)c->values)[row]); return;
    case PS_TYPE_FLOAT64: snprintf(buf, size, "%.17g", ((const double *)c->values)[row]); return;
    case PS_TYPE_UINT64: snprintf(buf, size, "%" PRIu64, ((const uint64_t *)c->values)[row]); return;
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY: {
      size_t n;
      const char *s = ps_column_string(c, row, &n);
      if (n > size - 8) n = size - 8;
      snprintf(buf, size, "'%.*s'", (int)n, s);
      return;
    }
    default: {
      int64_t v = ps__column_get_i64(c, row);
      snprintf(buf, size, "%" PRId64, v);
      return;
    }
  }
}

int ps__frame_index_sorted(const ps_frame *f) {
  if (f->index < 0) return 0;
  const ps_column *c = f->cols[f->index];
  for (int64_t i = 1; i < c->length; i++)
    if (ps__value_cmp(c, i - 1, c, i) > 0) return 0;
  return 1;
}

static void sync_rows(ps_frame *f) { f->nrows = f->ncols ? f->cols[0]->length : 0; }

int ps__frame_append_range(ps_frame *dst, const ps_frame *src, int64_t from, int64_t n) {
  if (n <= 0) return PS_OK;
  for (int c = 0; c < src->ncols; c++) PS_TRY(ps__column_append_range(dst->cols[c], src->cols[c], from, n));
  sync_rows(dst);
  return PS_OK;
}

int ps__frame_append_rows(ps_frame *dst, const ps_frame *src, const int64_t *rows, int64_t n) {
  int64_t k = 0;
  while (k < n) {
    int64_t start = k;
    while (k + 1 < n && rows[k + 1] == rows[k] + 1) k++;
    k++;
    PS_TRY(ps__frame_append_range(dst, src, rows[start], k - start));
  }
  sync_rows(dst);
  return PS_OK;
}

int ps__frame_slice(const ps_frame *f, int64_t from, int64_t n, ps_frame **out) {
  ps_frame *r;
  PS_TRY(ps__frame_clone_empty(f, &r));
  int rc = ps__frame_append_range(r, f, from, n);
  if (rc < 0) {
    ps_frame_free(r);
    return rc;
  }
  *out = r;
  return PS_OK;
}

/* Stable bottom-up merge sort of row numbers by index value. */
static void sort_perm(const ps_column *c, int64_t *a, int64_t *tmp, int64_t n) {
  /* insertion sort runs of 16, then merge */
  const int64_t RUN = 16;
  for (int64_t s = 0; s < n; s += RUN) {
    int64_t e = s + RUN < n ? s + RUN : n;
    for (int64_t i = s + 1; i < e; i++) {
      int64_t v = a[i], j = i;
      while (j > s && ps__value_cmp(c, a[j - 1], c, v) > 0) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = v;
    }
  }
  for (int64_t w = RUN; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      if (mid >= hi || ps__value_cmp(c, a[mid - 1], c, a[mid]) <= 0) continue;
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = ps__value_cmp(c, a[j], c, a[i]) < 0 ? a[j++] : a[i++];
      while (i < mid) tmp[k++] = a[i++];
      while (j < hi) tmp[k++] = a[j++];
      memcpy(a + lo, tmp + lo, (size_t)(hi - lo) * sizeof *a);
    }
  }
}

static int dup_error(const ps_column *c, int64_t row) {
  char v[128];
  ps__value_string(c, row, v, sizeof v);
  return ps__error(PS_ERR_DUPLICATE, "duplicate index value %s in column '%s'", v, c->name);
}

/* 1 if the index is strictly increasing (sorted, no duplicates). */
static int index_strictly_increasing(const ps_frame *f) {
  const ps_column *c = f->cols[f->index];
  for (int64_t i = 1; i < c->length; i++)
    if (ps__value_cmp(c, i - 1, c, i) >= 0) return 0;
  return 1;
}

int ps__frame_sort_dedup_view(const ps_frame *f, ps_duplicates dup, const ps_frame **view, ps_frame **owned) {
  *owned = NULL;
  *view = NULL;
  if (f->index < 0) return ps__error(PS_ERR_INVALID, "frame has no index column");
  /* the common case (rows arrive in order, no repeats) needs no copy */
  if (dup == PS_DUP_KEEP_ALL ? ps__frame_index_sorted(f) : index_strictly_increasing(f)) {
    *view = f;
    return PS_OK;
  }
  PS_TRY(ps__frame_sort_dedup(f, dup, owned));
  *view = *owned;
  return PS_OK;
}

int ps__frame_sort_dedup(const ps_frame *f, ps_duplicates dup, ps_frame **out) {
  *out = NULL;
  if (f->index < 0) return ps__error(PS_ERR_INVALID, "frame has no index column");
  const ps_column *ic = f->cols[f->index];
  int64_t n = f->nrows;
  int64_t *perm = ps__malloc((size_t)(n ? n : 1) * sizeof *perm);
  int64_t *tmp = ps__malloc((size_t)(n ? n : 1) * sizeof *tmp);
  int rc = PS_OK;
  ps_frame *r = NULL;
  if (!perm || !tmp) {
    rc = PS_NOMEM();
    goto done;
  }
  for (int64_t i = 0; i < n; i++) perm[i] = i;
  if (!ps__frame_index_sorted(f)) sort_perm(ic, perm, tmp, n);
  /* resolve equal runs */
  int64_t m = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i + 1;
    while (j < n && ps__value_cmp(ic, perm[i], ic, perm[j]) == 0) j++;
    if (j - i > 1 && dup != PS_DUP_KEEP_ALL) {
      if (dup == PS_DUP_ERROR) {
        rc = dup_error(ic, perm[i]);
        goto done;
      }
      perm[m++] = dup == PS_DUP_KEEP_FIRST ? perm[i] : perm[j - 1];
    } else {
      for (int64_t k = i; k < j; k++) perm[m++] = perm[k];
    }
    i = j;
  }
  PS_CHECK(ps__frame_clone_empty(f, &r));
  PS_CHECK(ps__frame_append_rows(r, f, perm, m));
  *out = r;
  r = NULL;
fail:
done:
  ps_frame_free(r);
  ps__free_mem(perm);
  ps__free_mem(tmp);
  return rc;
}

int ps__frame_merge_sorted(const ps_frame *old, const ps_frame *add, ps_duplicates dup, ps_frame **out,
                           int64_t *out_overlaps) {
  *out = NULL;
  if (out_overlaps) *out_overlaps = 0;
  if (old->index < 0 || add->index < 0 || old->ncols != add->ncols)
    return ps__error(PS_ERR_INVALID, "merge: frames must have the same columns and an index");
  const ps_column *oc = old->cols[old->index], *ac = add->cols[add->index];
  ps_frame *r;
  PS_TRY(ps__frame_clone_empty(old, &r));
  int rc = PS_OK;
  int64_t i = 0, j = 0, no = old->nrows, na = add->nrows, overlaps = 0;
  while (i < no || j < na) {
    if (j >= na) {
      PS_CHECK(ps__frame_append_range(r, old, i, no - i));
      break;
    }
    if (i >= no) {
      PS_CHECK(ps__frame_append_range(r, add, j, na - j));
      break;
    }
    int c = ps__value_cmp(oc, i, ac, j);
    if (c < 0) {
      /* run of old rows below add[j] */
      int64_t s = i;
      while (i < no && ps__value_cmp(oc, i, ac, j) < 0) i++;
      PS_CHECK(ps__frame_append_range(r, old, s, i - s));
    } else if (c > 0) {
      int64_t s = j;
      while (j < na && ps__value_cmp(oc, i, ac, j) > 0) j++;
      PS_CHECK(ps__frame_append_range(r, add, s, j - s));
    } else {
      int64_t si = i, sj = j;
      while (i < no && ps__value_cmp(oc, i, oc, si) == 0) i++;
      while (j < na && ps__value_cmp(ac, j, ac, sj) == 0) j++;
      overlaps++;
      switch (dup) {
        case PS_DUP_ERROR:
          rc = dup_error(oc, si);
          goto fail;
        case PS_DUP_KEEP_FIRST: PS_CHECK(ps__frame_append_range(r, old, si, i - si)); break;
        case PS_DUP_KEEP_ALL:
          PS_CHECK(ps__frame_append_range(r, old, si, i - si));
          PS_CHECK(ps__frame_append_range(r, add, sj, j - sj));
          break;
        default: PS_CHECK(ps__frame_append_range(r, add, sj, j - sj)); break;
      }
    }
  }
  if (out_overlaps) *out_overlaps = overlaps;
  *out = r;
  return PS_OK;
fail:
  ps_frame_free(r);
  return rc;
}
