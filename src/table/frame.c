/* ps_frame / ps_column: construction, growth, accessors. */
#include "table/frame.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

const char *ps_type_name(ps_type t) {
  switch (t) {
    case PS_TYPE_BOOL: return "bool";
    case PS_TYPE_INT8: return "int8";
    case PS_TYPE_INT16: return "int16";
    case PS_TYPE_INT32: return "int32";
    case PS_TYPE_INT64: return "int64";
    case PS_TYPE_UINT8: return "uint8";
    case PS_TYPE_UINT16: return "uint16";
    case PS_TYPE_UINT32: return "uint32";
    case PS_TYPE_UINT64: return "uint64";
    case PS_TYPE_FLOAT32: return "float32";
    case PS_TYPE_FLOAT64: return "float64";
    case PS_TYPE_TIMESTAMP: return "timestamp";
    case PS_TYPE_DATE: return "date";
    case PS_TYPE_STRING: return "string";
    case PS_TYPE_BINARY: return "binary";
  }
  return "unknown";
}

size_t ps_type_width(ps_type t) {
  switch (t) {
    case PS_TYPE_BOOL:
    case PS_TYPE_INT8:
    case PS_TYPE_UINT8: return 1;
    case PS_TYPE_INT16:
    case PS_TYPE_UINT16: return 2;
    case PS_TYPE_INT32:
    case PS_TYPE_UINT32:
    case PS_TYPE_FLOAT32:
    case PS_TYPE_DATE: return 4;
    case PS_TYPE_INT64:
    case PS_TYPE_UINT64:
    case PS_TYPE_FLOAT64:
    case PS_TYPE_TIMESTAMP: return 8;
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY: return 0;
  }
  return 0;
}

static const char *unit_name(ps_time_unit u) {
  switch (u) {
    case PS_UNIT_S: return "s";
    case PS_UNIT_MS: return "ms";
    case PS_UNIT_US: return "us";
    default: return "ns";
  }
}

void ps__column_type_string(const ps_column *col, char *buf, size_t size) {
  if (col->type == PS_TYPE_TIMESTAMP) {
    if (col->tz)
      snprintf(buf, size, "timestamp[%s, %s]", unit_name(col->unit), col->tz);
    else
      snprintf(buf, size, "timestamp[%s]", unit_name(col->unit));
  } else {
    snprintf(buf, size, "%s", ps_type_name(col->type));
  }
}

static int valid_type(ps_type t) { return t >= PS_TYPE_BOOL && t <= PS_TYPE_BINARY; }

int ps__column_new(const char *name, ps_type type, ps_time_unit unit, const char *tz, ps_column **out) {
  *out = NULL;
  if (!name) return ps__error(PS_ERR_INVALID, "column name is NULL");
  if (!valid_type(type)) return ps__error(PS_ERR_INVALID, "column '%s': invalid type %d", name, (int)type);
  if (type == PS_TYPE_TIMESTAMP && (unsigned)unit > PS_UNIT_S)
    return ps__error(PS_ERR_INVALID, "column '%s': invalid time unit %d", name, (int)unit);
  ps_column *c = ps__calloc(1, sizeof *c);
  if (!c) return PS_NOMEM();
  c->name = ps__strdup(name);
  c->type = type;
  c->unit = type == PS_TYPE_TIMESTAMP ? unit : PS_UNIT_NS;
  c->nullable = 1;
  if (type == PS_TYPE_TIMESTAMP && tz && *tz) c->tz = ps__strdup(tz);
  if (!c->name || (type == PS_TYPE_TIMESTAMP && tz && *tz && !c->tz)) {
    ps__column_free(c);
    return PS_NOMEM();
  }
  if (ps_is_string_type(type)) {
    c->values = ps__calloc(1, sizeof(int64_t)); /* offsets[0] = 0 */
    /* a byte buffer from the start: a column of only empty strings and nulls
     * still has one, so `bytes + offset` is never NULL + 0 anywhere */
    c->bytes = ps__malloc(16);
    c->bytes_cap = 16;
    if (!c->values || !c->bytes) {
      ps__column_free(c);
      return PS_NOMEM();
    }
  }
  *out = c;
  return PS_OK;
}

void ps__column_free(ps_column *c) {
  if (!c) return;
  ps__free_mem(c->name);
  ps__free_mem(c->tz);
  ps__free_mem(c->values);
  ps__free_mem(c->bytes);
  ps__free_mem(c->validity);
  ps__free_mem(c);
}

/* Grow to hold `rows` rows; new slots from row `filled` on are zeroed (the
 * caller is about to overwrite [length, filled), so zeroing those first
 * would only touch every page twice). */
static int reserve_filled(ps_column *c, int64_t rows, int64_t filled) {
  if (rows <= c->capacity) return PS_OK;
  if (rows > (INT64_MAX >> 4)) return ps__error(PS_ERR_LIMIT, "column '%s': too many rows", c->name);
  int64_t cap = c->capacity ? c->capacity : 64;
  while (cap < rows) cap = cap < (1 << 20) ? cap * 2 : cap + cap / 2;
  size_t w = ps_type_width(c->type);
  size_t bytes = ps_is_string_type(c->type) ? (size_t)(cap + 1) * sizeof(int64_t) : (size_t)cap * w;
  size_t old_bytes = ps_is_string_type(c->type) ? (size_t)(c->capacity + 1) * sizeof(int64_t) : (size_t)c->capacity * w;
  void *v = ps__realloc(c->values, bytes);
  if (!v) return PS_NOMEM();
  size_t keep = ps_is_string_type(c->type) ? (size_t)(filled + 1) * sizeof(int64_t) : (size_t)filled * w;
  if (keep < old_bytes) keep = old_bytes;
  if (keep < bytes) memset((char *)v + keep, 0, bytes - keep);
  c->values = v;
  if (c->validity) {
    size_t ob = (size_t)(c->capacity + 7) / 8, nb = (size_t)(cap + 7) / 8;
    uint8_t *bm = ps__realloc(c->validity, nb);
    if (!bm) return PS_NOMEM();
    memset(bm + ob, 0, nb - ob);
    c->validity = bm;
  }
  c->capacity = cap;
  return PS_OK;
}

int ps__column_reserve(ps_column *c, int64_t rows) { return reserve_filled(c, rows, c->length); }

int ps__column_reserve_uninit(ps_column *c, int64_t rows) {
  if (c->values || c->length || c->validity) return reserve_filled(c, rows, rows);
  if (rows > (INT64_MAX >> 4)) return ps__error(PS_ERR_LIMIT, "column '%s': too many rows", c->name);
  size_t w = ps_type_width(c->type);
  size_t bytes = ps_is_string_type(c->type) ? (size_t)(rows + 1) * sizeof(int64_t) : (size_t)rows * w;
  void *v = ps__malloc(bytes ? bytes : 1);
  if (!v) return PS_NOMEM();
  if (ps_is_string_type(c->type)) ((int64_t *)v)[0] = 0;
  c->values = v;
  c->capacity = rows;
  return PS_OK;
}

int ps__column_reserve_bytes(ps_column *c, int64_t extra) {
  if (c->bytes_len + extra <= c->bytes_cap) return PS_OK;
  if (extra > (INT64_MAX >> 2) - c->bytes_len) return ps__error(PS_ERR_LIMIT, "column '%s': string data too large", c->name);
  int64_t need = c->bytes_len + extra;
  int64_t cap = c->bytes_cap ? c->bytes_cap : 256;
  while (cap < need) cap *= 2;
  char *b = ps__realloc(c->bytes, (size_t)cap);
  if (!b) return PS_NOMEM();
  c->bytes = b;
  c->bytes_cap = cap;
  return PS_OK;
}

int ps__column_make_validity(ps_column *c) {
  if (c->validity) return PS_OK;
  size_t nb = (size_t)(c->capacity + 7) / 8;
  c->validity = ps__malloc(nb ? nb : 1);
  if (!c->validity) return PS_NOMEM();
  memset(c->validity, 0, nb ? nb : 1);
  /* rows so far are valid */
  int64_t full = c->length / 8;
  memset(c->validity, 0xff, (size_t)full);
  for (int64_t i = full * 8; i < c->length; i++) ps_bit_set(c->validity, i);
  return PS_OK;
}

/* ---- frame ---- */

int ps_frame_new(ps_frame **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_frame_new: out is NULL");
  ps_frame *f = ps__calloc(1, sizeof *f);
  if (!f) return PS_NOMEM();
  f->index = -1;
  *out = f;
  return PS_OK;
}

void ps_frame_free(ps_frame *f) {
  if (!f) return;
  for (int i = 0; i < f->ncols; i++) ps__column_free(f->cols[i]);
  ps__free_mem(f->cols);
  ps__free_mem(f);
}

int64_t ps_frame_num_rows(const ps_frame *f) { return f ? f->nrows : 0; }
int ps_frame_num_columns(const ps_frame *f) { return f ? f->ncols : 0; }
ps_column *ps_frame_column(const ps_frame *f, int i) { return (f && i >= 0 && i < f->ncols) ? f->cols[i] : NULL; }

int ps_frame_column_index(const ps_frame *f, const char *name) {
  if (!f || !name) return -1;
  for (int i = 0; i < f->ncols; i++)
    if (strcmp(f->cols[i]->name, name) == 0) return i;
  return -1;
}

ps_column *ps_frame_column_by_name(const ps_frame *f, const char *name) {
  int i = ps_frame_column_index(f, name);
  return i < 0 ? NULL : f->cols[i];
}

int ps__frame_adopt_column(ps_frame *f, ps_column *c) {
  if (ps_frame_column_index(f, c->name) >= 0) {
    int rc = ps__error(PS_ERR_EXISTS, "duplicate column name '%s'", c->name);
    ps__column_free(c);
    return rc;
  }
  if (f->ncols == f->cap) {
    int cap = f->cap ? f->cap * 2 : 8;
    ps_column **cols = ps__realloc(f->cols, (size_t)cap * sizeof *cols);
    if (!cols) {
      ps__column_free(c);
      return PS_NOMEM();
    }
    f->cols = cols;
    f->cap = cap;
  }
  f->cols[f->ncols++] = c;
  if (f->ncols == 1) f->nrows = c->length;
  return PS_OK;
}

int ps_frame_add_column(ps_frame *f, const char *name, ps_type type, ps_time_unit unit, const char *tz,
                        ps_column **out_col) {
  if (out_col) *out_col = NULL;
  if (!f) return ps__error(PS_ERR_INVALID, "ps_frame_add_column: frame is NULL");
  if (f->nrows > 0)
    return ps__error(PS_ERR_SCHEMA, "cannot add empty column '%s' to a frame with %lld rows", name ? name : "(null)",
                     (long long)f->nrows);
  ps_column *c;
  PS_TRY(ps__column_new(name, type, unit, tz, &c));
  PS_TRY(ps__frame_adopt_column(f, c));
  if (out_col) *out_col = c;
  return PS_OK;
}

int ps_frame_drop_column(ps_frame *f, const char *name) {
  int i = ps_frame_column_index(f, name);
  if (i < 0) return ps__error(PS_ERR_NOT_FOUND, "no column named '%s'", name ? name : "(null)");
  ps__column_free(f->cols[i]);
  memmove(&f->cols[i], &f->cols[i + 1], (size_t)(f->ncols - i - 1) * sizeof *f->cols);
  f->ncols--;
  if (f->index == i)
    f->index = -1;
  else if (f->index > i)
    f->index--;
  if (f->ncols == 0) f->nrows = 0;
  return PS_OK;
}

int ps_frame_set_index(ps_frame *f, const char *name) {
  if (!f) return ps__error(PS_ERR_INVALID, "ps_frame_set_index: frame is NULL");
  if (!name) {
    f->index = -1;
    return PS_OK;
  }
  int i = ps_frame_column_index(f, name);
  if (i < 0) return ps__error(PS_ERR_NOT_FOUND, "index column '%s' not in frame", name);
  f->index = i;
  return PS_OK;
}

int ps_frame_index(const ps_frame *f) { return f ? f->index : -1; }

int ps_frame_validate(ps_frame *f) {
  if (!f) return ps__error(PS_ERR_INVALID, "ps_frame_validate: frame is NULL");
  if (f->ncols == 0) {
    f->nrows = 0;
    return PS_OK;
  }
  int64_t n = f->cols[0]->length;
  for (int i = 1; i < f->ncols; i++)
    if (f->cols[i]->length != n)
      return ps__error(PS_ERR_SCHEMA, "column '%s' has %lld rows but column '%s' has %lld", f->cols[i]->name,
                       (long long)f->cols[i]->length, f->cols[0]->name, (long long)n);
  f->nrows = n;
  return PS_OK;
}

/* ---- column accessors ---- */
const char *ps_column_name(const ps_column *c) { return c ? c->name : NULL; }
ps_type ps_column_type(const ps_column *c) { return c ? c->type : (ps_type)0; }
ps_time_unit ps_column_unit(const ps_column *c) { return c ? c->unit : PS_UNIT_NS; }
const char *ps_column_tz(const ps_column *c) { return c ? c->tz : NULL; }
int64_t ps_column_length(const ps_column *c) { return c ? c->length : 0; }
int64_t ps_column_null_count(const ps_column *c) { return c ? c->null_count : 0; }
const void *ps_column_values(const ps_column *c) { return c ? c->values : NULL; }
const uint8_t *ps_column_validity(const ps_column *c) { return c ? c->validity : NULL; }
const char *ps_column_bytes(const ps_column *c) { return c ? c->bytes : NULL; }
int ps_column_nullable(const ps_column *c) { return c ? c->nullable : 0; }

int ps_column_is_null(const ps_column *c, int64_t row) {
  if (!c || row < 0 || row >= c->length || !c->validity) return 0;
  return !ps_bit_get(c->validity, row);
}

const char *ps_column_string(const ps_column *c, int64_t row, size_t *len) {
  if (!c || !ps_is_string_type(c->type) || row < 0 || row >= c->length) {
    if (len) *len = 0;
    return NULL;
  }
  const int64_t *off = c->values;
  if (len) *len = (size_t)(off[row + 1] - off[row]);
  return c->bytes ? c->bytes + off[row] : "";
}

int ps_column_set_nullable(ps_column *c, int nullable) {
  if (!c) return ps__error(PS_ERR_INVALID, "ps_column_set_nullable: column is NULL");
  if (!nullable && c->null_count)
    return ps__error(PS_ERR_SCHEMA, "column '%s' has %lld nulls and cannot be made non-nullable", c->name,
                     (long long)c->null_count);
  c->nullable = nullable ? 1 : 0;
  return PS_OK;
}

/* ---- appends ---- */

static int grow1(ps_column *c) {
  if (c->length + 1 > c->capacity) return ps__column_reserve(c, c->length + 1);
  return PS_OK;
}

static void mark_valid(ps_column *c) {
  if (c->validity) ps_bit_set(c->validity, c->length);
}

static int int_fits(ps_column *c, int64_t v) {
  switch (c->type) {
    case PS_TYPE_INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case PS_TYPE_INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case PS_TYPE_INT32:
    case PS_TYPE_DATE: return v >= INT32_MIN && v <= INT32_MAX;
    case PS_TYPE_UINT8: return v >= 0 && v <= UINT8_MAX;
    case PS_TYPE_UINT16: return v >= 0 && v <= UINT16_MAX;
    case PS_TYPE_UINT32: return v >= 0 && v <= (int64_t)UINT32_MAX;
    case PS_TYPE_UINT64: return v >= 0;
    default: return 1;
  }
}

int ps_column_append_int(ps_column *c, int64_t v) {
  if (!c) return ps__error(PS_ERR_INVALID, "column is NULL");
  switch (c->type) {
    case PS_TYPE_INT8: case PS_TYPE_INT16: case PS_TYPE_INT32: case PS_TYPE_INT64:
    case PS_TYPE_UINT8: case PS_TYPE_UINT16: case PS_TYPE_UINT32: case PS_TYPE_UINT64:
    case PS_TYPE_DATE: case PS_TYPE_TIMESTAMP: break;
    default:
      return ps__error(PS_ERR_SCHEMA, "column '%s' (%s): cannot append an integer", c->name, ps_type_name(c->type));
  }
  if (!int_fits(c, v))
    return ps__error(PS_ERR_SCHEMA, "column '%s' (%s): value %lld out of range at row %lld", c->name,
                     ps_type_name(c->type), (long long)v, (long long)c->length);
  PS_TRY(grow1(c));
  void *p = (char *)c->values + (size_t)c->length * ps_type_width(c->type);
  switch (ps_type_width(c->type)) {
    case 1: *(int8_t *)p = (int8_t)v; break;
    case 2: *(int16_t *)p = (int16_t)v; break;
    case 4: *(int32_t *)p = (int32_t)v; break;
    default: *(int64_t *)p = v; break;
  }
  mark_valid(c);
  c->length++;
  return PS_OK;
}

int ps_column_append_uint(ps_column *c, uint64_t v) {
  if (!c) return ps__error(PS_ERR_INVALID, "column is NULL");
  if (c->type != PS_TYPE_UINT64) {
    if (v > (uint64_t)INT64_MAX)
      return ps__error(PS_ERR_SCHEMA, "column '%s' (%s): value %llu out of range at row %lld", c->name,
                       ps_type_name(c->type), (unsigned long long)v, (long long)c->length);
    return ps_column_append_int(c, (int64_t)v);
  }
  PS_TRY(grow1(c));
  ((uint64_t *)c->values)[c->length] = v;
  mark_valid(c);
  c->length++;
  return PS_OK;
}

int ps_column_append_double(ps_column *c, double v) {
  if (!c) return ps__error(PS_ERR_INVALID, "column is NULL");
  if (c->type != PS_TYPE_FLOAT32 && c->type != PS_TYPE_FLOAT64)
    return ps__error(PS_ERR_SCHEMA, "column '%s' (%s): cannot append a float", c->name, ps_type_name(c->type));
  PS_TRY(grow1(c));
  if (c->type == PS_TYPE_FLOAT32)
    ((float *)c->values)[c->length] = (float)v;
  else
    ((double *)c->values)[c->length] = v;
  mark_valid(c);
  c->length++;
  return PS_OK;
}

int ps_column_append_bool(ps_column *c, int v) {
  if (!c) return ps__error(PS_ERR_INVALID, "column is NULL");
  if (c->type != PS_TYPE_BOOL)
    return ps__error(PS_ERR_SCHEMA, "column '%s' (%s): cannot append a bool", c->name, ps_type_name(c->type));
  PS_TRY(grow1(c));
  ((uint8_t *)c->values)[c->length] = v ? 1 : 0;
  mark_valid(c);
  c->length++;
  return PS_OK;
}

int ps_column_append_string(ps_column *c, const char *s, size_t len) {
  if (!c) return ps__error(PS_ERR_INVALID, "column is NULL");
  if (!ps_is_string_type(c->type))
    return ps__error(PS_ERR_SCHEMA, "column '%s' (%s): cannot append a string", c->name, ps_type_name(c->type));
  if (!s && len) return ps__error(PS_ERR_INVALID, "column '%s': NULL string with length %zu", c->name, len);
  PS_TRY(grow1(c));
  PS_TRY(ps__column_reserve_bytes(c, (int64_t)len));
  if (len) memcpy(c->bytes + c->bytes_len, s, len);
  c->bytes_len += (int64_t)len;
  int64_t *off = c->values;
  off[c->length + 1] = c->bytes_len;
  mark_valid(c);
  c->length++;
  return PS_OK;
}

int ps_column_append_null(ps_column *c) {
  if (!c) return ps__error(PS_ERR_INVALID, "column is NULL");
  if (!c->nullable) return ps__error(PS_ERR_SCHEMA, "column '%s' is not nullable (row %lld)", c->name, (long long)c->length);
  PS_TRY(grow1(c));
  PS_TRY(ps__column_make_validity(c));
  if (ps_is_string_type(c->type)) {
    int64_t *off = c->values;
    off[c->length + 1] = c->bytes_len;
  }
  /* value slot is already zero (reserve zero-fills) */
  ps_bit_clear(c->validity, c->length);
  c->null_count++;
  c->length++;
  return PS_OK;
}

int ps_column_append_values(ps_column *c, const void *values, const char *bytes, const uint8_t *validity, int64_t n) {
  if (!c) return ps__error(PS_ERR_INVALID, "column is NULL");
  if (n < 0 || (n > 0 && !values)) return ps__error(PS_ERR_INVALID, "column '%s': bad bulk append arguments", c->name);
  if (n == 0) return PS_OK;
  int64_t nulls = 0;
  if (validity) {
    for (int64_t i = 0; i < n; i++) nulls += !ps_bit_get(validity, i);
    if (nulls && !c->nullable)
      return ps__error(PS_ERR_SCHEMA, "column '%s' is not nullable but %lld of the appended rows are null", c->name,
                       (long long)nulls);
  }
  PS_TRY(reserve_filled(c, c->length + n, c->length + n)); /* every new slot is written below */
  if (nulls) PS_TRY(ps__column_make_validity(c));
  if (ps_is_string_type(c->type)) {
    const int64_t *so = values;
    int64_t total = so[n] - so[0];
    if (total < 0) return ps__error(PS_ERR_INVALID, "column '%s': offsets decrease", c->name);
    for (int64_t i = 0; i < n; i++)
      if (so[i + 1] < so[i]) return ps__error(PS_ERR_INVALID, "column '%s': offsets decrease at row %lld", c->name, (long long)i);
    if (total && !bytes) return ps__error(PS_ERR_INVALID, "column '%s': string bytes are NULL", c->name);
    PS_TRY(ps__column_reserve_bytes(c, total));
    if (total) memcpy(c->bytes + c->bytes_len, bytes + so[0], (size_t)total);
    int64_t *off = c->values;
    int64_t base = c->bytes_len - so[0];
    for (int64_t i = 1; i <= n; i++) off[c->length + i] = so[i] + base;
    c->bytes_len += total;
  } else {
    size_t w = ps_type_width(c->type);
    memcpy((char *)c->values + (size_t)c->length * w, values, (size_t)n * w);
    if (c->type == PS_TYPE_BOOL) {
      uint8_t *b = (uint8_t *)c->values + c->length;
      for (int64_t i = 0; i < n; i++) b[i] = b[i] ? 1 : 0;
    }
  }
  if (c->validity) {
    for (int64_t i = 0; i < n; i++) {
      if (!validity || ps_bit_get(validity, i))
        ps_bit_set(c->validity, c->length + i);
      else
        ps_bit_clear(c->validity, c->length + i);
    }
  }
  c->null_count += nulls;
  c->length += n;
  return PS_OK;
}

/* ---- copies ---- */

int ps__column_same_type(const ps_column *a, const ps_column *b) {
  if (strcmp(a->name, b->name) != 0 || a->type != b->type) return 0;
  if (a->type == PS_TYPE_TIMESTAMP) {
    if (a->unit != b->unit) return 0;
    if ((a->tz == NULL) != (b->tz == NULL)) return 0;
    if (a->tz && strcmp(a->tz, b->tz) != 0) return 0;
  }
  return 1;
}

int ps__column_append_range(ps_column *dst, const ps_column *src, int64_t from, int64_t n) {
  if (from < 0 || n < 0 || from + n > src->length)
    return ps__error(PS_ERR_INVALID, "column '%s': row range out of bounds", src->name);
  if (n == 0) return PS_OK;
  const uint8_t *validity = NULL;
  uint8_t *tmp = NULL;
  if (src->validity && src->null_count) {
    if ((from & 7) == 0) {
      validity = src->validity + (from >> 3);
    } else {
      tmp = ps__calloc((size_t)(n + 7) / 8, 1);
      if (!tmp) return PS_NOMEM();
      for (int64_t i = 0; i < n; i++)
        if (ps_bit_get(src->validity, from + i)) ps_bit_set(tmp, i);
      validity = tmp;
    }
  }
  int rc;
  if (ps_is_string_type(src->type))
    rc = ps_column_append_values(dst, (const int64_t *)src->values + from, src->bytes, validity, n);
  else
    rc = ps_column_append_values(dst, (const char *)src->values + (size_t)from * ps_type_width(src->type), NULL,
                                 validity, n);
  ps__free_mem(tmp);
  return rc;
}

#define GATHER(T)                                \
  do {                                           \
    const T *sv = (const T *)src->values;        \
    T *dv = (T *)dst->values + base;             \
    for (int64_t k = 0; k < count; k++) dv[k] = sv[idx[k]]; \
  } while (0)

int ps__column_append_indices(ps_column *dst, const ps_column *src, const int64_t *idx, int64_t count) {
  if (count <= 0) return PS_OK;
  int64_t base = dst->length;
  PS_TRY(reserve_filled(dst, base + count, base + count)); /* all written below */
  int src_nulls = src->validity && src->null_count;
  if (src_nulls && !dst->validity) PS_TRY(ps__column_make_validity(dst));
  if (ps_is_string_type(src->type)) {
    const int64_t *so = src->values;
    int64_t total = 0;
    for (int64_t k = 0; k < count; k++) total += so[idx[k] + 1] - so[idx[k]];
    PS_TRY(ps__column_reserve_bytes(dst, total));
    int64_t *doff = (int64_t *)dst->values + base;
    int64_t pos = dst->bytes_len;
    doff[0] = pos;
    for (int64_t k = 0; k < count; k++) {
      int64_t i = idx[k], l = so[i + 1] - so[i];
      if (l) memcpy(dst->bytes + pos, src->bytes + so[i], (size_t)l);
      pos += l;
      doff[k + 1] = pos;
    }
    dst->bytes_len = pos;
  } else {
    switch (ps_type_width(src->type)) {
      case 1: GATHER(uint8_t); break;
      case 2: GATHER(uint16_t); break;
      case 4: GATHER(uint32_t); break;
      default: GATHER(uint64_t); break;
    }
  }
  if (dst->validity) {
    int64_t nulls = 0;
    for (int64_t k = 0; k < count; k++) {
      if (!src_nulls || ps_bit_get(src->validity, idx[k])) {
        ps_bit_set(dst->validity, base + k);
      } else {
        ps_bit_clear(dst->validity, base + k);
        nulls++;
      }
    }
    dst->null_count += nulls;
  }
  dst->length = base + count;
  return PS_OK;
}
#undef GATHER

int ps__column_append_selected(ps_column *dst, const ps_column *src, const uint8_t *sel, int64_t n) {
  if (n < 0 || n > src->length) return ps__error(PS_ERR_INVALID, "column '%s': selection longer than the column", src->name);
  int64_t count = 0;
  for (int64_t i = 0; i < n; i++) count += sel[i] != 0;
  if (count == 0) return PS_OK;
  if (count == n) return ps__column_append_range(dst, src, 0, n);
  int64_t *idx = ps__malloc((size_t)count * sizeof *idx);
  if (!idx) return PS_NOMEM();
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++)
    if (sel[i]) idx[k++] = i;
  int rc = ps__column_append_indices(dst, src, idx, count);
  ps__free_mem(idx);
  return rc;
}

int ps__frame_clone_empty(const ps_frame *src, ps_frame **out) {
  ps_frame *f;
  PS_TRY(ps_frame_new(&f));
  for (int i = 0; i < src->ncols; i++) {
    const ps_column *s = src->cols[i];
    ps_column *c;
    int rc = ps_frame_add_column(f, s->name, s->type, s->unit, s->tz, &c);
    if (rc < 0) {
      ps_frame_free(f);
      return rc;
    }
    c->nullable = s->nullable;
  }
  f->index = src->index;
  *out = f;
  return PS_OK;
}

int ps_frame_clone(const ps_frame *src, ps_frame **out) {
  if (!src || !out) return ps__error(PS_ERR_INVALID, "ps_frame_clone: NULL argument");
  ps_frame *f;
  PS_TRY(ps__frame_clone_empty(src, &f));
  for (int i = 0; i < src->ncols; i++) {
    int rc = ps__column_append_range(f->cols[i], src->cols[i], 0, src->cols[i]->length);
    if (rc < 0) {
      ps_frame_free(f);
      return rc;
    }
  }
  f->nrows = src->nrows;
  *out = f;
  return PS_OK;
}
