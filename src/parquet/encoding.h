/* Parquet value and level encodings (encode and decode).
 * Decoders take untrusted input: they never read past `end`, never write
 * more than the caller's `count`, and return PS_ERR_CORRUPT (with a
 * ps__error message naming the encoding and the problem) on bad input. */
#ifndef PS_PARQUET_ENCODING_H
#define PS_PARQUET_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Bits needed to represent v (0 for 0). */
static inline int pq_bit_width(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

/* ---- RLE / bit-packed hybrid (levels, dictionary indices, RLE booleans) ---- */

/* Encode `count` values of `bit_width` (0..32) bits. No length prefix.
 * Runs of >= 8 equal values become RLE runs, the rest bit-packed groups. */
int pq_rle_encode(ps_buf *out, const uint32_t *values, int64_t count, int bit_width);
/* Same for 1-bit definition levels given as a validity bitmap (bit i set =
 * level 1), starting at bit `offset`. Fast path for all-ones/all-zeros runs. */
int pq_rle_encode_bitmap(ps_buf *out, const uint8_t *bitmap, int64_t offset, int64_t count);
/* Decode exactly `count` values into out. Input shorter than needed is
 * PS_ERR_CORRUPT. Any value >= `max_value` (if max_value > 0) is
 * PS_ERR_CORRUPT too (dictionary index out of range). */
int pq_rle_decode(const uint8_t *p, const uint8_t *end, int bit_width, uint32_t *out, int64_t count, uint32_t max_value);
/* Decode 1-bit levels straight into a validity bitmap: bit (offset + i) of
 * bitmap set iff level i == 1 (bitmap bits must start cleared). Writes the
 * number of ones (present values) to *num_valid. */
int pq_rle_decode_bitmap(const uint8_t *p, const uint8_t *end, int64_t count, uint8_t *bitmap, int64_t offset,
                         int64_t *num_valid);

/* ---- PLAIN booleans (bit-packed LSB first) ---- */
int pq_plain_encode_bool(ps_buf *out, const uint8_t *values, int64_t count); /* values are 0/1 bytes */
int pq_plain_decode_bool(const uint8_t *p, const uint8_t *end, uint8_t *out, int64_t count);

/* ---- DELTA_BINARY_PACKED (INT32/INT64; 128-value blocks, 4 miniblocks) ---- */
int pq_delta_encode_i64(ps_buf *out, const int64_t *values, int64_t count);
int pq_delta_encode_i32(ps_buf *out, const int32_t *values, int64_t count);
/* Decode exactly `count` values; *consumed receives the bytes used (needed
 * by DELTA_BYTE_ARRAY, where two streams follow each other). */
int pq_delta_decode_i64(const uint8_t *p, const uint8_t *end, int64_t *out, int64_t count, size_t *consumed);
int pq_delta_decode_i32(const uint8_t *p, const uint8_t *end, int32_t *out, int64_t count, size_t *consumed);

/* ---- BYTE_STREAM_SPLIT (value width 4 or 8 bytes) ---- */
int pq_bss_encode(ps_buf *out, const void *values, int64_t count, int width);
int pq_bss_decode(const uint8_t *p, const uint8_t *end, void *out, int64_t count, int width);

/* ---- Byte arrays ----
 * Decoded byte arrays are produced as offsets + bytes: `offsets` has count+1
 * entries (offsets[0] is set by the caller to the running total; each decoder
 * fills offsets[1..count]), bytes are appended to `bytes`. */
/* PLAIN: uint32 length + bytes, repeated. */
int pq_plain_decode_byte_array(const uint8_t *p, const uint8_t *end, int64_t count, int64_t *offsets, ps_buf *bytes);
/* DELTA_LENGTH_BYTE_ARRAY: delta-coded lengths, then concatenated data. */
int pq_dlba_decode(const uint8_t *p, const uint8_t *end, int64_t count, int64_t *offsets, ps_buf *bytes);
int pq_dlba_encode(ps_buf *out, const int64_t *offsets, const uint8_t *bytes, int64_t count);
/* DELTA_BYTE_ARRAY: delta-coded prefix lengths, then a DLBA of suffixes. */
int pq_dba_decode(const uint8_t *p, const uint8_t *end, int64_t count, int64_t *offsets, ps_buf *bytes);
int pq_dba_encode(ps_buf *out, const int64_t *offsets, const uint8_t *bytes, int64_t count);

#endif
