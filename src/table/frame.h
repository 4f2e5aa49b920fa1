/* Internal layout of ps_frame / ps_column (see pystore.h for the contract). */
#ifndef PS_TABLE_FRAME_H
#define PS_TABLE_FRAME_H

#include <stdint.h>

#include "pystore.h"

struct ps_column {
  char *name;
  ps_type type;
  ps_time_unit unit;
  char *tz;         /* TIMESTAMP only; NULL = naive */
  int nullable;     /* 1 = OPTIONAL (default) */
  int64_t length;
  int64_t capacity; /* rows allocated in values (and validity) */
  void *values;     /* fixed width: capacity * width; STRING/BINARY: int64 offsets[capacity + 1] */
  char *bytes;      /* STRING/BINARY data */
  int64_t bytes_len, bytes_cap;
  uint8_t *validity; /* NULL = all valid; else bitmap with (capacity + 7) / 8 bytes */
  int64_t null_count;
};

struct ps_frame {
  ps_column **cols;
  int ncols, cap;
  int64_t nrows;
  int index; /* column position of the index, -1 = none */
};

static inline int ps_bit_get(const uint8_t *bm, int64_t i) { return (bm[i >> 3] >> (i & 7)) & 1; }
static inline void ps_bit_set(uint8_t *bm, int64_t i) { bm[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline void ps_bit_clear(uint8_t *bm, int64_t i) { bm[i >> 3] &= (uint8_t)~(1u << (i & 7)); }
static inline int ps_is_string_type(ps_type t) { return t == PS_TYPE_STRING || t == PS_TYPE_BINARY; }

/* Row `row` of an integer-like column (ints up to 32 bits unsigned, int64,
 * bool, DATE, TIMESTAMP) as int64. */
static inline int64_t ps__column_get_i64(const ps_column *c, int64_t row) {
  switch (ps_type_width(c->type)) {
    case 1: return c->type == PS_TYPE_INT8 ? ((const int8_t *)c->values)[row] : ((const uint8_t *)c->values)[row];
    case 2: return c->type == PS_TYPE_INT16 ? ((const int16_t *)c->values)[row] : ((const uint16_t *)c->values)[row];
    case 4: return c->type == PS_TYPE_UINT32 ? (int64_t)((const uint32_t *)c->values)[row] : ((const int32_t *)c->values)[row];
    default: return ((const int64_t *)c->values)[row];
  }
}

/* Ensure capacity for `rows` rows in total (not extra); values past length are zero. */
int ps__column_reserve(ps_column *col, int64_t rows);
/* For a fresh, empty column: room for exactly `rows` rows WITHOUT zeroing
 * them (the caller writes every slot, nulls included, before the column is
 * used). Skipping the memset matters: on a big read, zeroing the output on
 * one thread costs more than decoding it on all of them. Falls back to
 * ps__column_reserve for a column that already holds data. */
int ps__column_reserve_uninit(ps_column *col, int64_t rows);
/* Ensure room for `extra` more string bytes. */
int ps__column_reserve_bytes(ps_column *col, int64_t extra);
/* Create the validity bitmap (all rows so far valid). */
int ps__column_make_validity(ps_column *col);
/* A standalone column (not in a frame); freed with ps__column_free. */
int ps__column_new(const char *name, ps_type type, ps_time_unit unit, const char *tz, ps_column **out);
void ps__column_free(ps_column *col);
/* Append an already built column to a frame (frame takes ownership, also on failure). */
int ps__frame_adopt_column(ps_frame *frame, ps_column *col);
/* Same name/type/unit/tz (nullable not compared). */
int ps__column_same_type(const ps_column *a, const ps_column *b);
/* Append rows [from, from+n) of src to dst (same type). */
int ps__column_append_range(ps_column *dst, const ps_column *src, int64_t from, int64_t n);
/* Append rows idx[0..count) of src (positions in src, any order). */
int ps__column_append_indices(ps_column *dst, const ps_column *src, const int64_t *idx, int64_t count);
/* Append the rows of src whose selection byte is non-zero. */
int ps__column_append_selected(ps_column *dst, const ps_column *src, const uint8_t *sel, int64_t n);
/* New frame with the same columns (types, index) and no rows. */
int ps__frame_clone_empty(const ps_frame *src, ps_frame **out);
/* "timestamp[ns, UTC]" style description of a column type into buf. */
void ps__column_type_string(const ps_column *col, char *buf, size_t size);

#endif
