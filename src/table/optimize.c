/* Optimize a frame's memory: lossless integer downcasting, exact float64 ->
 * float32 (lossy only when asked), low-cardinality string columns flagged
 * as dictionary candidates; a report of the bytes saved. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "table/frame.h"
#include "util/alloc.h"
#include "util/error.h"

static int is_int(ps_type t) { return t >= PS_TYPE_INT8 && t <= PS_TYPE_UINT64; }

static int get_i(const ps_column *c, int64_t r, int64_t *v, uint64_t *u) {
  switch (c->type) {
    case PS_TYPE_INT8: *v = ((const int8_t *)c->values)[r]; return 0;
    case PS_TYPE_INT16: *v = ((const int16_t *)c->values)[r]; return 0;
    case PS_TYPE_INT32: *v = ((const int32_t *)c->values)[r]; return 0;
    case PS_TYPE_INT64: *v = ((const int64_t *)c->values)[r]; return 0;
    case PS_TYPE_UINT8: *v = ((const uint8_t *)c->values)[r]; return 0;
    case PS_TYPE_UINT16: *v = ((const uint16_t *)c->values)[r]; return 0;
    case PS_TYPE_UINT32: *v = ((const uint32_t *)c->values)[r]; return 0;
    default: *u = ((const uint64_t *)c->values)[r]; return 1;
  }
}

static ps_type narrow_int(const ps_column *c) {
  int64_t mn = INT64_MAX, mx = INT64_MIN;
  int any = 0;
  for (int64_t r = 0; r < c->length; r++) {
    if (c->validity && !ps_bit_get(c->validity, r)) continue;
    int64_t v = 0;
    uint64_t u = 0;
    if (get_i(c, r, &v, &u)) {
      if (u > (uint64_t)INT64_MAX) return c->type;
      v = (int64_t)u;
    }
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    any = 1;
  }
  if (!any) return c->type;
  ps_type t;
  if (mn >= 0) t = mx <= UINT8_MAX ? PS_TYPE_UINT8 : mx <= UINT16_MAX ? PS_TYPE_UINT16 : mx <= UINT32_MAX ? PS_TYPE_UINT32 : PS_TYPE_INT64;
  else t = (mn >= INT8_MIN && mx <= INT8_MAX) ? PS_TYPE_INT8
         : (mn >= INT16_MIN && mx <= INT16_MAX) ? PS_TYPE_INT16
         : (mn >= INT32_MIN && mx <= INT32_MAX) ? PS_TYPE_INT32 : PS_TYPE_INT64;
  return ps_type_width(t) < ps_type_width(c->type) ? t : c->type;
}

static int convert_int(const ps_column *c, ps_type t, ps_column *d) {
  size_t w = ps_type_width(t);
  void *buf = ps__malloc((size_t)(c->length ? c->length : 1) * w);
  if (!buf) return PS_NOMEM();
  for (int64_t r = 0; r < c->length; r++) {
    int64_t v = 0;
    uint64_t u = 0;
    if (get_i(c, r, &v, &u)) v = (int64_t)u;
    if (c->validity && !ps_bit_get(c->validity, r)) v = 0;
    switch (t) {
      case PS_TYPE_INT8: ((int8_t *)buf)[r] = (int8_t)v; break;
      case PS_TYPE_INT16: ((int16_t *)buf)[r] = (int16_t)v; break;
      case PS_TYPE_INT32: ((int32_t *)buf)[r] = (int32_t)v; break;
      case PS_TYPE_UINT8: ((uint8_t *)buf)[r] = (uint8_t)v; break;
      case PS_TYPE_UINT16: ((uint16_t *)buf)[r] = (uint16_t)v; break;
      case PS_TYPE_UINT32: ((uint32_t *)buf)[r] = (uint32_t)v; break;
      default: ((int64_t *)buf)[r] = v; break;
    }
  }
  int rc = ps_column_append_values(d, buf, NULL, c->validity, c->length);
  ps__free_mem(buf);
  return rc;
}

static int float_exact(const ps_column *c) {
  const double *v = c->values;
  for (int64_t r = 0; r < c->length; r++) {
    if (c->validity && !ps_bit_get(c->validity, r)) continue;
    if (isnan(v[r])) continue;
    if ((double)(float)v[r] != v[r]) return 0;
  }
  return 1;
}

static int convert_float(const ps_column *c, ps_column *d) {
  float *buf = ps__malloc((size_t)(c->length ? c->length : 1) * sizeof *buf);
  if (!buf) return PS_NOMEM();
  for (int64_t r = 0; r < c->length; r++) buf[r] = (float)((const double *)c->values)[r];
  int rc = ps_column_append_values(d, buf, NULL, c->validity, c->length);
  ps__free_mem(buf);
  return rc;
}

/* Distinct values of a string column (open addressing on FNV-1a), stopping past `cap`. */
static int64_t distinct_strings(const ps_column *c, int64_t cap) {
  size_t size = 1;
  while (size < (size_t)cap * 2 + 2) size <<= 1;
  int64_t *slots = ps__malloc(size * sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 0; i < size; i++) slots[i] = -1;
  int64_t n = 0;
  const int64_t *off = c->values;
  for (int64_t r = 0; r < c->length && n <= cap; r++) {
    if (c->validity && !ps_bit_get(c->validity, r)) continue;
    const char *s = c->bytes + off[r];
    size_t len = (size_t)(off[r + 1] - off[r]);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    size_t k = (size_t)h & (size - 1);
    for (;;) {
      int64_t o = slots[k];
      if (o < 0) {
        slots[k] = r;
        n++;
        break;
      }
      if ((size_t)(off[o + 1] - off[o]) == len && memcmp(c->bytes + off[o], s, len) == 0) break;
      k = (k + 1) & (size - 1);
    }
  }
  ps__free_mem(slots);
  return n;
}

void ps_optimize_report_clear(ps_optimize_report *r) {
  if (!r) return;
  ps__free_mem(r->details_json);
  memset(r, 0, sizeof *r);
}

int ps_frame_optimize(const ps_frame *f, const ps_optimize_options *opt, ps_frame **out, ps_optimize_report *rep) {
  ps_optimize_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!f || !out) return ps__error(PS_ERR_INVALID, "ps_frame_optimize: NULL argument");
  *out = NULL;
  double ratio = opt->dictionary_ratio > 0 ? opt->dictionary_ratio : 0.5;
  ps_optimize_report r;
  memset(&r, 0, sizeof r);
  json_t *details = json_array();
  ps_frame *o = NULL;
  int rc = PS_OK;
  if (!details) return PS_NOMEM();
  PS_CHECK(ps_frame_new(&o));
  for (int i = 0; i < f->ncols; i++) {
    const ps_column *c = f->cols[i];
    ps_type t = c->type;
    int dict = 0, lossy = 0;
    if (i != f->index) {
      if (is_int(c->type) && !opt->skip_integers) t = narrow_int(c);
      if (c->type == PS_TYPE_FLOAT64) {
        if (float_exact(c)) t = PS_TYPE_FLOAT32;
        else if (opt->lossy_floats) t = PS_TYPE_FLOAT32, lossy = 1;
      }
      if (c->type == PS_TYPE_STRING && c->length > 0) {
        int64_t cap = (int64_t)((double)c->length * ratio);
        int64_t nd = distinct_strings(c, cap);
        if (nd < 0) {
          rc = PS_NOMEM();
          goto fail;
        }
        dict = nd <= cap && nd < c->length;
      }
    }
    ps_column *nc;
    PS_CHECK(ps__column_new(c->name, t, c->unit, c->tz, &nc));
    nc->nullable = c->nullable;
    if (t == c->type) rc = ps__column_append_range(nc, c, 0, c->length);
    else if (t == PS_TYPE_FLOAT32) rc = convert_float(c, nc);
    else rc = convert_int(c, t, nc);
    if (rc == PS_OK) rc = ps__frame_adopt_column(o, nc);
    else ps__column_free(nc);
    if (rc < 0) goto fail;
    if (t != c->type || dict) {
      json_t *e = json_pack("{s:s, s:s, s:s, s:b, s:b}", "column", c->name, "from", ps_type_name(c->type), "to",
                            ps_type_name(t), "dictionary", dict, "lossy", lossy);
      if (!e || json_array_append_new(details, e)) {
        rc = PS_NOMEM();
        goto fail;
      }
      r.columns_changed += t != c->type;
      r.dictionary_columns += dict;
      r.lossy |= lossy;
    }
  }
  o->index = f->index;
  PS_CHECK(ps_frame_validate(o));
  r.bytes_before = ps_frame_memory_bytes(f);
  r.bytes_after = ps_frame_memory_bytes(o);
  if (rep) {
    r.details_json = json_dumps(details, JSON_COMPACT);
    if (!r.details_json) {
      rc = PS_NOMEM();
      goto fail;
    }
    *rep = r;
  }
  json_decref(details);
  *out = o;
  return PS_OK;
fail:
  json_decref(details);
  ps_frame_free(o);
  return rc;
}
