/* Thrift compact protocol (the subset Parquet uses). The reader is written
 * for hostile input: every read checks the bytes left, errors are sticky
 * (after the first one every read yields 0 and field_next ends the struct),
 * nesting is capped at TC_MAX_DEPTH, and list sizes are bounded by the bytes
 * that remain, so a malformed footer can't make the caller over-allocate. */
#include "parquet/thrift.h"

#include <string.h>

#include "pystore.h"

/* ---------------------------------------------------------------- writer */

void tc_writer_init(tc_writer *w, ps_buf *out) {
  memset(w, 0, sizeof *w);
  w->out = out;
}

static void put_byte(tc_writer *w, uint8_t b) {
  if (!w->err && ps_buf_append_byte(w->out, b) < 0) w->err = PS_ERR_NOMEM;
}

static void put_bytes(tc_writer *w, const void *p, size_t n) {
  if (!w->err && ps_buf_append(w->out, p, n) < 0) w->err = PS_ERR_NOMEM;
}

static void put_varint(tc_writer *w, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (uint8_t)v;
  put_bytes(w, tmp, n);
}

static uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

void tc_write_struct_begin(tc_writer *w) {
  if (w->depth + 1 >= TC_MAX_DEPTH) {
    w->err = PS_ERR_INTERNAL;
    return;
  }
  w->last_id[++w->depth] = 0;
}

void tc_write_struct_end(tc_writer *w) {
  put_byte(w, TC_STOP);
  if (w->depth > 0) w->depth--;
}

void tc_write_field_begin(tc_writer *w, int type, int16_t id) {
  int delta = id - w->last_id[w->depth];
  if (delta > 0 && delta <= 15) {
    put_byte(w, (uint8_t)((delta << 4) | type));
  } else {
    put_byte(w, (uint8_t)type);
    put_varint(w, zigzag64(id));
  }
  w->last_id[w->depth] = id;
}

void tc_write_bool_field(tc_writer *w, int16_t id, int v) { tc_write_field_begin(w, v ? TC_TRUE : TC_FALSE, id); }

void tc_write_i32_field(tc_writer *w, int16_t id, int32_t v) {
  tc_write_field_begin(w, TC_I32, id);
  tc_write_i32(w, v);
}

void tc_write_i64_field(tc_writer *w, int16_t id, int64_t v) {
  tc_write_field_begin(w, TC_I64, id);
  tc_write_i64(w, v);
}

void tc_write_binary_field(tc_writer *w, int16_t id, const void *p, size_t n) {
  tc_write_field_begin(w, TC_BINARY, id);
  tc_write_binary(w, p, n);
}

void tc_write_string_field(tc_writer *w, int16_t id, const char *s) { tc_write_binary_field(w, id, s, strlen(s)); }

void tc_write_list_begin(tc_writer *w, int elem_type, uint32_t size) {
  if (size < 15) {
    put_byte(w, (uint8_t)((size << 4) | (uint32_t)elem_type));
  } else {
    put_byte(w, (uint8_t)(0xF0 | elem_type));
    put_varint(w, size);
  }
}

void tc_write_i8(tc_writer *w, int8_t v) { put_byte(w, (uint8_t)v); }
void tc_write_i32(tc_writer *w, int32_t v) { put_varint(w, zigzag64(v)); }
void tc_write_i64(tc_writer *w, int64_t v) { put_varint(w, zigzag64(v)); }

void tc_write_binary(tc_writer *w, const void *p, size_t n) {
  put_varint(w, n);
  put_bytes(w, p, n);
}

void tc_write_bool_elem(tc_writer *w, int v) { put_byte(w, v ? 1 : 2); }

/* ---------------------------------------------------------------- reader */

void tc_reader_init(tc_reader *r, const void *data, size_t len) {
  memset(r, 0, sizeof *r);
  r->p = data;
  r->end = r->p + len;
}

void tc_fail(tc_reader *r, const char *what) {
  if (!r->err) {
    r->err = PS_ERR_CORRUPT;
    r->what = what;
  }
  r->p = r->end; /* nothing more is read after an error */
}

static uint8_t get_byte(tc_reader *r) {
  if (r->p >= r->end) {
    tc_fail(r, "unexpected end of data");
    return 0;
  }
  return *r->p++;
}

static uint64_t get_varint(tc_reader *r, int max_bytes) {
  uint64_t v = 0;
  for (int shift = 0, i = 0; i < max_bytes; i++, shift += 7) {
    if (r->p >= r->end) {
      tc_fail(r, "unexpected end of data in a varint");
      return 0;
    }
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
  tc_fail(r, "varint too long");
  return 0;
}

static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

void tc_read_struct_begin(tc_reader *r) {
  if (r->depth + 1 >= TC_MAX_DEPTH) {
    tc_fail(r, "structures nested too deeply");
    return;
  }
  r->last_id[++r->depth] = 0;
}

void tc_read_struct_end(tc_reader *r) {
  if (r->depth > 0) r->depth--;
}

int tc_read_field_next(tc_reader *r, int *type, int16_t *id, int *bool_value) {
  if (r->err) return 0;
  uint8_t b = get_byte(r);
  if (r->err || b == TC_STOP) return 0;
  int t = b & 0x0F, delta = b >> 4;
  int64_t fid;
  if (delta) {
    fid = r->last_id[r->depth] + delta;
  } else {
    fid = unzigzag(get_varint(r, 3));
  }
  if (r->err) return 0;
  if (fid < INT16_MIN || fid > INT16_MAX) {
    tc_fail(r, "field id out of range");
    return 0;
  }
  if (t == TC_TRUE || t == TC_FALSE) {
    *bool_value = t == TC_TRUE;
    t = TC_TRUE; /* one "bool" type for callers */
  } else if (t < TC_I8 || t > TC_UUID) {
    tc_fail(r, "unknown field type");
    return 0;
  }
  r->last_id[r->depth] = (int16_t)fid;
  *type = t;
  *id = (int16_t)fid;
  return 1;
}

int32_t tc_read_i32(tc_reader *r) {
  int64_t v = unzigzag(get_varint(r, 5));
  if (v < INT32_MIN || v > INT32_MAX) {
    tc_fail(r, "i32 out of range");
    return 0;
  }
  return (int32_t)v;
}

int64_t tc_read_i64(tc_reader *r) { return unzigzag(get_varint(r, 10)); }

int8_t tc_read_i8(tc_reader *r) { return (int8_t)get_byte(r); }

double tc_read_double(tc_reader *r) {
  if (r->end - r->p < 8) {
    tc_fail(r, "unexpected end of data in a double");
    return 0;
  }
  double d;
  memcpy(&d, r->p, 8); /* little-endian on the platforms we build for */
  r->p += 8;
  return d;
}

const uint8_t *tc_read_binary(tc_reader *r, uint32_t *len) {
  uint64_t n = get_varint(r, 5);
  *len = 0;
  if (r->err) return NULL;
  if (n > (uint64_t)(r->end - r->p)) {
    tc_fail(r, "binary length exceeds the data");
    return NULL;
  }
  const uint8_t *p = r->p;
  r->p += n;
  *len = (uint32_t)n;
  return p;
}

uint32_t tc_read_list_begin(tc_reader *r, int *elem_type) {
  uint8_t b = get_byte(r);
  if (r->err) return 0;
  uint64_t n = b >> 4;
  int t = b & 0x0F;
  if (n == 15) n = get_varint(r, 5);
  if (r->err) return 0;
  if (t == TC_FALSE) t = TC_TRUE;
  if (t < TC_TRUE || t > TC_UUID) {
    tc_fail(r, "unknown list element type");
    return 0;
  }
  /* every element takes at least one byte */
  if (n > (uint64_t)(r->end - r->p)) {
    tc_fail(r, "list size exceeds the data");
    return 0;
  }
  *elem_type = t;
  return (uint32_t)n;
}

int tc_read_bool_elem(tc_reader *r) {
  uint8_t b = get_byte(r);
  return b == 1; /* 1 = true; 0 (some writers) or 2 = false */
}

static void skip(tc_reader *r, int type, int depth) {
  if (r->err) return;
  if (depth >= TC_MAX_DEPTH) {
    tc_fail(r, "values nested too deeply");
    return;
  }
  switch (type) {
    case TC_TRUE:
    case TC_FALSE:
      return; /* a bool field's value is in its header */
    case TC_I8:
      get_byte(r);
      return;
    case TC_I16:
    case TC_I32:
    case TC_I64:
      get_varint(r, 10);
      return;
    case TC_DOUBLE:
      tc_read_double(r);
      return;
    case TC_BINARY: {
      uint32_t n;
      tc_read_binary(r, &n);
      return;
    }
    case TC_UUID:
      if (r->end - r->p < 16) tc_fail(r, "unexpected end of data in a uuid");
      else r->p += 16;
      return;
    case TC_LIST:
    case TC_SET: {
      int et;
      uint32_t n = tc_read_list_begin(r, &et);
      for (uint32_t i = 0; i < n && !r->err; i++) {
        if (et == TC_TRUE) get_byte(r);
        else skip(r, et, depth + 1);
      }
      return;
    }
    case TC_MAP: {
      uint64_t n = get_varint(r, 5);
      if (r->err || n == 0) return;
      uint8_t kv = get_byte(r);
      if (n > (uint64_t)(r->end - r->p)) {
        tc_fail(r, "map size exceeds the data");
        return;
      }
      int kt = kv >> 4, vt = kv & 0x0F;
      for (uint64_t i = 0; i < n && !r->err; i++) {
        if (kt == TC_TRUE || kt == TC_FALSE) get_byte(r);
        else skip(r, kt, depth + 1);
        if (vt == TC_TRUE || vt == TC_FALSE) get_byte(r);
        else skip(r, vt, depth + 1);
      }
      return;
    }
    case TC_STRUCT: {
      tc_read_struct_begin(r);
      int t, bv;
      int16_t id;
      while (tc_read_field_next(r, &t, &id, &bv)) skip(r, t, depth + 1);
      tc_read_struct_end(r);
      return;
    }
    default:
      tc_fail(r, "unknown value type");
  }
}

void tc_skip(tc_reader *r, int type) { skip(r, type, r->depth); }
