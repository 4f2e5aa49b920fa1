/* Thrift compact protocol: the subset Parquet needs, with skipping of unknown
 * fields. The reader never reads past `end`, bounds every length by the bytes
 * left and caps nesting depth, so hostile input cannot crash or over-allocate. */
#ifndef PS_PARQUET_THRIFT_H
#define PS_PARQUET_THRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum {
  TC_STOP = 0,
  TC_TRUE = 1,
  TC_FALSE = 2,
  TC_I8 = 3,
  TC_I16 = 4,
  TC_I32 = 5,
  TC_I64 = 6,
  TC_DOUBLE = 7,
  TC_BINARY = 8,
  TC_LIST = 9,
  TC_SET = 10,
  TC_MAP = 11,
  TC_STRUCT = 12,
  TC_UUID = 13
};

#define TC_MAX_DEPTH 64

/* ---- writer ---- */
typedef struct tc_writer {
  ps_buf *out;
  int16_t last_id[TC_MAX_DEPTH];
  int depth;
  int err; /* sticky: first failure (PS_ERR_NOMEM) */
} tc_writer;

void tc_writer_init(tc_writer *w, ps_buf *out);
void tc_write_struct_begin(tc_writer *w);           /* push field-id context */
void tc_write_struct_end(tc_writer *w);             /* writes STOP, pops */
void tc_write_field_begin(tc_writer *w, int type, int16_t id);
void tc_write_bool_field(tc_writer *w, int16_t id, int v); /* value in the type nibble */
void tc_write_i32_field(tc_writer *w, int16_t id, int32_t v);
void tc_write_i64_field(tc_writer *w, int16_t id, int64_t v);
void tc_write_binary_field(tc_writer *w, int16_t id, const void *p, size_t n);
void tc_write_string_field(tc_writer *w, int16_t id, const char *s);
void tc_write_list_begin(tc_writer *w, int elem_type, uint32_t size);
void tc_write_i8(tc_writer *w, int8_t v);
void tc_write_i32(tc_writer *w, int32_t v);
void tc_write_i64(tc_writer *w, int64_t v);
void tc_write_binary(tc_writer *w, const void *p, size_t n);
void tc_write_bool_elem(tc_writer *w, int v); /* list<bool> element: 1 = true, 2 = false */

/* ---- reader ---- */
typedef struct tc_reader {
  const uint8_t *p, *end;
  int16_t last_id[TC_MAX_DEPTH];
  int depth;
  int err;           /* sticky: PS_ERR_CORRUPT once anything is wrong */
  const char *what;  /* short description of the first error */
} tc_reader;

void tc_reader_init(tc_reader *r, const void *data, size_t len);
/* Struct iteration: call struct_begin, then field_next until it returns 0
 * (STOP or error), then struct_end. field_next yields the field type and id;
 * for bool fields *bool_value holds the value. */
void tc_read_struct_begin(tc_reader *r);
int tc_read_field_next(tc_reader *r, int *type, int16_t *id, int *bool_value);
void tc_read_struct_end(tc_reader *r);
int32_t tc_read_i32(tc_reader *r);
int64_t tc_read_i64(tc_reader *r);
int8_t tc_read_i8(tc_reader *r);
double tc_read_double(tc_reader *r);
/* Binary: pointer into the input buffer (no copy) and its length. */
const uint8_t *tc_read_binary(tc_reader *r, uint32_t *len);
/* List header: element type and count (count bounded by bytes left). */
uint32_t tc_read_list_begin(tc_reader *r, int *elem_type);
int tc_read_bool_elem(tc_reader *r);
/* Skip a value of the given type (fields we don't know). */
void tc_skip(tc_reader *r, int type);
/* Mark the reader failed with `what` (first error wins). */
void tc_fail(tc_reader *r, const char *what);

#endif
