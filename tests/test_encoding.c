/* Parquet encodings: known answers from the spec, round trips, corrupt input. */
#include <stdint.h>
#include <time.h>

#include "parquet/encoding.h"
#include "test.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

static int bytes_eq(const ps_buf *b, const uint8_t *want, size_t n) { return b->len == n && memcmp(b->data, want, n) == 0; }

/* Values of bw bits: random, or run-heavy (runs of 1..40 equal values). */
static void fill_values(uint32_t *v, int64_t n, int bw, int runs) {
  uint32_t mask = bw == 32 ? 0xffffffffu : (uint32_t)((1ull << bw) - 1);
  int64_t i = 0;
  while (i < n) {
    uint32_t x = (uint32_t)rnd() & mask;
    int64_t r = runs ? 1 + (int64_t)(rnd() % 40) : 1;
    for (int64_t k = 0; k < r && i < n; k++) v[i++] = x;
  }
}

/* ---------------------------------------------------------------- RLE */

static void test_rle_known_answers(void) {
  ps_buf b = {0};
  /* spec: 0..7 bit-packed on 3 bits = 10001000 11000110 11111010, header (1 group << 1) | 1 */
  uint32_t v8[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  ASSERT_OK(pq_rle_encode(&b, v8, 8, 3));
  const uint8_t want1[] = {0x03, 0x88, 0xC6, 0xFA};
  ASSERT(bytes_eq(&b, want1, sizeof want1));
  uint32_t out[200];
  ASSERT_OK(pq_rle_decode(want1, want1 + 4, 3, out, 8, 0));
  for (int i = 0; i < 8; i++) ASSERT_EQ_INT(out[i], i);

  /* 100 x 5 on 3 bits: RLE run, header varint(100 << 1) = C8 01, value in 1 byte */
  uint32_t v100[100];
  for (int i = 0; i < 100; i++) v100[i] = 5;
  ps_buf_clear(&b);
  ASSERT_OK(pq_rle_encode(&b, v100, 100, 3));
  const uint8_t want2[] = {0xC8, 0x01, 0x05};
  ASSERT(bytes_eq(&b, want2, sizeof want2));

  /* value of a run takes ceil(bw/8) bytes, little endian: 10 x 0x12345 on 17 bits */
  for (int i = 0; i < 10; i++) v100[i] = 0x12345;
  ps_buf_clear(&b);
  ASSERT_OK(pq_rle_encode(&b, v100, 10, 17));
  const uint8_t want3[] = {0x14, 0x45, 0x23, 0x01};
  ASSERT(bytes_eq(&b, want3, sizeof want3));

  /* 3 values 1,2,3 on 2 bits: one group padded with zeros (2 bytes): 03, 1 | 2<<2 | 3<<4 = 0x39, 00 */
  uint32_t v3[3] = {1, 2, 3};
  ps_buf_clear(&b);
  ASSERT_OK(pq_rle_encode(&b, v3, 3, 2));
  const uint8_t want4[] = {0x03, 0x39, 0x00};
  ASSERT(bytes_eq(&b, want4, sizeof want4));

  /* hand-made mixed stream: run of 9 x 1, then 8 literal values on 1 bit */
  const uint8_t mixed[] = {0x12, 0x01, 0x03, 0xA5};
  ASSERT_OK(pq_rle_decode(mixed, mixed + sizeof mixed, 1, out, 17, 0));
  const uint32_t wantm[17] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1};
  for (int i = 0; i < 17; i++) ASSERT_EQ_INT(out[i], wantm[i]);
  /* literal before a long run is padded to 8 by borrowing from the run */
  uint32_t lr[20] = {1, 2, 3};
  for (int i = 3; i < 20; i++) lr[i] = 7;
  ps_buf_clear(&b);
  ASSERT_OK(pq_rle_encode(&b, lr, 20, 3));
  /* 03 [1,2,3,7,7,7,7,7 on 3 bits] then run 12 x 7: 18 07 */
  ASSERT_EQ_INT(b.len, 1 + 3 + 2);
  ASSERT_EQ_INT(b.data[0], 0x03);
  ASSERT_EQ_INT(b.data[4], 12 << 1);
  ASSERT_EQ_INT(b.data[5], 7);
  ASSERT_OK(pq_rle_decode(b.data, b.data + b.len, 3, out, 20, 0));
  for (int i = 0; i < 20; i++) ASSERT_EQ_INT(out[i], lr[i]);
  ps_buf_free(&b);
}

static void test_rle_roundtrip_all_widths(void) {
  const int64_t counts[] = {0, 1, 7, 8, 9, 15, 63, 100, 1000, 4099};
  uint32_t *v = malloc(4099 * sizeof *v), *out = malloc(4099 * sizeof *out);
  ps_buf b = {0};
  for (int bw = 0; bw <= 32; bw++) {
    for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
      for (int runs = 0; runs < 2; runs++) {
        int64_t n = counts[ci];
        fill_values(v, n, bw, runs);
        ps_buf_clear(&b);
        ASSERT_OK(pq_rle_encode(&b, v, n, bw));
        /* decode into an exactly sized heap buffer (ASan checks the bound) */
        uint32_t *o = malloc((size_t)(n ? n : 1) * sizeof *o);
        int rc = pq_rle_decode(b.data, b.data + b.len, bw, o, n, 0);
        int same = rc == PS_OK && (n == 0 || memcmp(o, v, (size_t)n * sizeof *v) == 0);
        free(o);
        if (!same) fprintf(stderr, "bw %d count %lld runs %d\n", bw, (long long)n, runs);
        ASSERT(same);
        uint32_t mx = 0;
        for (int64_t i = 0; i < n; i++) mx = v[i] > mx ? v[i] : mx;
        if (mx < UINT32_MAX) ASSERT_OK(pq_rle_decode(b.data, b.data + b.len, bw, out, n, mx + 1));
        if (mx > 0) ASSERT_RC(pq_rle_decode(b.data, b.data + b.len, bw, out, n, mx), PS_ERR_CORRUPT);
      }
    }
  }
  /* runs of >= 8 really become RLE runs */
  for (int i = 0; i < 1000; i++) v[i] = 3;
  ps_buf_clear(&b);
  ASSERT_OK(pq_rle_encode(&b, v, 1000, 20));
  ASSERT_EQ_INT(b.len, 2 + 3);
  /* values wider than the bit width are refused by the encoder */
  v[0] = 8;
  ASSERT_RC(pq_rle_encode(&b, v, 1, 3), PS_ERR_INVALID);
  ASSERT_RC(pq_rle_encode(&b, v, 1, 33), PS_ERR_INVALID);
  ps_buf_free(&b);
  free(v);
  free(out);
}

static int bit(const uint8_t *bm, int64_t i) { return (bm[i >> 3] >> (i & 7)) & 1; }

static void test_rle_bitmap(void) {
  const int64_t counts[] = {0, 1, 5, 8, 13, 64, 65, 200, 1000, 5003};
  ps_buf b = {0};
  for (int64_t off = 0; off < 19; off += (off < 9 ? 1 : 5)) {
    for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
      for (int shape = 0; shape < 4; shape++) {
        int64_t n = counts[ci];
        size_t nbytes = (size_t)(off + n + 7) / 8 + 1;
        uint8_t *src = malloc(nbytes);
        for (size_t k = 0; k < nbytes; k++) src[k] = (uint8_t)rnd();
        /* shapes: random bits, long runs, all ones, all zeros */
        if (shape == 1) {
          int64_t i = 0;
          while (i < n) {
            int v = (int)(rnd() & 1);
            int64_t r = 1 + (int64_t)(rnd() % 100);
            for (int64_t k = 0; k < r && i < n; k++, i++) {
              if (v) src[(off + i) >> 3] |= (uint8_t)(1u << ((off + i) & 7));
              else src[(off + i) >> 3] &= (uint8_t)~(1u << ((off + i) & 7));
            }
          }
        } else if (shape >= 2) {
          for (int64_t i = 0; i < n; i++) {
            if (shape == 2) src[(off + i) >> 3] |= (uint8_t)(1u << ((off + i) & 7));
            else src[(off + i) >> 3] &= (uint8_t)~(1u << ((off + i) & 7));
          }
        }
        ps_buf_clear(&b);
        ASSERT_OK(pq_rle_encode_bitmap(&b, src, off, n));
        if (shape >= 2 && n >= 8) ASSERT(b.len <= 4); /* one RLE run */
        /* as plain 1-bit values */
        uint32_t *vals = malloc((size_t)(n ? n : 1) * sizeof *vals);
        ASSERT_OK(pq_rle_decode(b.data, b.data + b.len, 1, vals, n, 0));
        int64_t ones = 0;
        for (int64_t i = 0; i < n; i++) {
          ASSERT_EQ_INT(vals[i], bit(src, off + i));
          ones += vals[i];
        }
        /* into a bitmap at another offset, surrounded by bits that must survive */
        int64_t doff = (off * 7 + 3) % 13;
        size_t dbytes = (size_t)(doff + n + 7) / 8;
        uint8_t *dst = malloc(dbytes ? dbytes : 1);
        uint8_t *orig = malloc(dbytes ? dbytes : 1);
        for (size_t k = 0; k < dbytes; k++) orig[k] = dst[k] = (uint8_t)rnd();
        int64_t nv = -1;
        ASSERT_OK(pq_rle_decode_bitmap(b.data, b.data + b.len, n, dst, doff, &nv));
        ASSERT_EQ_INT(nv, ones);
        for (int64_t i = 0; i < doff; i++) ASSERT_EQ_INT(bit(dst, i), bit(orig, i));
        for (int64_t i = 0; i < n; i++) ASSERT_EQ_INT(bit(dst, doff + i), bit(src, off + i));
        for (int64_t i = doff + n; i < (int64_t)dbytes * 8; i++) ASSERT_EQ_INT(bit(dst, i), bit(orig, i));
        free(dst);
        free(orig);
        free(vals);
        free(src);
      }
    }
  }
  /* the writer's all-ones shortcut: varint(n << 1), value 1 */
  uint8_t bm[4] = {0};
  const uint8_t ones_run[] = {0x80, 0x01, 0x01}; /* 64 ones */
  uint8_t big[9] = {0};
  int64_t nv;
  ASSERT_OK(pq_rle_decode_bitmap(ones_run, ones_run + 3, 64, big, 3, &nv));
  ASSERT_EQ_INT(nv, 64);
  ASSERT_EQ_INT(big[0], 0xF8);
  ASSERT_EQ_INT(big[8], 0x07);
  /* level 2 in a 1-bit stream is corrupt */
  const uint8_t lvl2[] = {0x10, 0x02};
  ASSERT_RC(pq_rle_decode_bitmap(lvl2, lvl2 + 2, 8, bm, 0, &nv), PS_ERR_CORRUPT);
  ps_buf_free(&b);
}

static void test_rle_corrupt(void) {
  uint32_t out[64];
  uint8_t bm[16] = {0};
  int64_t nv;
  const uint8_t ok[] = {0x03, 0x88, 0xC6, 0xFA};
  /* bit width 33 / negative */
  ASSERT_RC(pq_rle_decode(ok, ok + 4, 33, out, 8, 0), PS_ERR_CORRUPT);
  ASSERT_RC(pq_rle_decode(ok, ok + 4, -1, out, 8, 0), PS_ERR_CORRUPT);
  /* truncated: missing data bytes, missing header, missing run value */
  ASSERT_RC(pq_rle_decode(ok, ok + 2, 3, out, 8, 0), PS_ERR_CORRUPT);
  ASSERT_RC(pq_rle_decode(ok, ok, 3, out, 1, 0), PS_ERR_CORRUPT);
  ASSERT_RC(pq_rle_decode(NULL, NULL, 3, out, 1, 0), PS_ERR_CORRUPT);
  ASSERT_OK(pq_rle_decode(NULL, NULL, 3, out, 0, 0));
  const uint8_t novalue[] = {0x10};
  ASSERT_RC(pq_rle_decode(novalue, novalue + 1, 3, out, 8, 0), PS_ERR_CORRUPT);
  const uint8_t half_header[] = {0x80};
  ASSERT_RC(pq_rle_decode(half_header, half_header + 1, 3, out, 8, 0), PS_ERR_CORRUPT);
  /* more values requested than the stream holds */
  ASSERT_RC(pq_rle_decode(ok, ok + 4, 3, out, 9, 0), PS_ERR_CORRUPT);
  /* huge run lengths: longer than the values expected, header over 32 bits, varint over 64 bits */
  /* a run longer than the values wanted is cut to them (writers pad final runs) */
  const uint8_t huge[] = {0xFE, 0xFF, 0xFF, 0xFF, 0x07, 0x01};
  ASSERT_OK(pq_rle_decode(huge, huge + sizeof huge, 1, out, 64, 0));
  ASSERT_EQ_INT(out[0], 1);
  ASSERT_EQ_INT(out[63], 1);
  memset(bm, 0, 8);
  ASSERT_OK(pq_rle_decode_bitmap(huge, huge + sizeof huge, 64, bm, 0, &nv));
  ASSERT_EQ_INT(nv, 64);
  const uint8_t over32[] = {0x80, 0x80, 0x80, 0x80, 0x10, 0x01};
  ASSERT_RC(pq_rle_decode(over32, over32 + sizeof over32, 1, out, 64, 0), PS_ERR_CORRUPT);
  const uint8_t over64[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01};
  ASSERT_RC(pq_rle_decode(over64, over64 + sizeof over64, 1, out, 64, 0), PS_ERR_CORRUPT);
  const uint8_t hugepacked[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0xAA};
  ASSERT_RC(pq_rle_decode(hugepacked, hugepacked + sizeof hugepacked, 1, out, 64, 0), PS_ERR_CORRUPT);
  ASSERT_RC(pq_rle_decode_bitmap(hugepacked, hugepacked + sizeof hugepacked, 64, bm, 0, &nv), PS_ERR_CORRUPT);
  /* bit-packed run with more than the 7 padding values of the last group
   * (DuckDB writes these): the surplus is ignored */
  const uint8_t extra_group[] = {0x05, 0xFF, 0xFF};
  ASSERT_OK(pq_rle_decode(extra_group, extra_group + 3, 1, out, 8, 0));
  ASSERT_EQ_INT(out[7], 1);
  /* run value wider than the bit width */
  const uint8_t wide[] = {0x10, 0x09};
  ASSERT_RC(pq_rle_decode(wide, wide + 2, 3, out, 8, 0), PS_ERR_CORRUPT);
  /* dictionary index >= max_value, in a run and in a bit-packed group */
  const uint8_t idx_run[] = {0x10, 0x04};
  ASSERT_RC(pq_rle_decode(idx_run, idx_run + 2, 3, out, 8, 4), PS_ERR_CORRUPT);
  ASSERT_OK(pq_rle_decode(idx_run, idx_run + 2, 3, out, 8, 5));
  ASSERT_RC(pq_rle_decode(ok, ok + 4, 3, out, 8, 7), PS_ERR_CORRUPT);
  ASSERT_OK(pq_rle_decode(ok, ok + 4, 3, out, 8, 8));
  /* the message names the encoding */
  ASSERT_RC(pq_rle_decode(ok, ok + 2, 3, out, 8, 0), PS_ERR_CORRUPT);
  ASSERT(strstr(ps_errmsg(), "RLE") != NULL);
  /* every truncation of a random stream either fails cleanly or still yields the right values */
  uint32_t v[300], o[300];
  fill_values(v, 300, 11, 1);
  ps_buf b = {0};
  ASSERT_OK(pq_rle_encode(&b, v, 300, 11));
  for (size_t len = 0; len < b.len; len++) {
    uint8_t *cut = malloc(len ? len : 1);
    memcpy(cut, b.data, len);
    int rc = pq_rle_decode(cut, cut + len, 11, o, 300, 0);
    free(cut);
    ASSERT(rc == PS_ERR_CORRUPT || (rc == PS_OK && memcmp(o, v, sizeof v) == 0));
    if (len < b.len / 2) ASSERT_EQ_INT(rc, PS_ERR_CORRUPT);
  }
  ps_buf_free(&b);
}

/* ---------------------------------------------------------------- PLAIN booleans */

static void test_plain_bool(void) {
  uint8_t v[1003], o[1003];
  ps_buf b = {0};
  const uint8_t v10[10] = {1, 0, 1, 1, 0, 0, 0, 1, 1, 0};
  ASSERT_OK(pq_plain_encode_bool(&b, v10, 10));
  const uint8_t want[] = {0x8D, 0x01};
  ASSERT(bytes_eq(&b, want, 2));
  for (int64_t n = 0; n <= 1003; n += (n < 20 ? 1 : 197)) {
    for (int64_t i = 0; i < n; i++) v[i] = (uint8_t)(rnd() & 1);
    ps_buf_clear(&b);
    ASSERT_OK(pq_plain_encode_bool(&b, v, n));
    ASSERT_EQ_INT(b.len, (n + 7) / 8);
    memset(o, 0xEE, sizeof o);
    ASSERT_OK(pq_plain_decode_bool(b.data, b.data + b.len, o, n));
    for (int64_t i = 0; i < n; i++) ASSERT_EQ_INT(o[i], v[i]);
    ASSERT_EQ_INT(o[n < 1003 ? n : 1002], n < 1003 ? 0xEE : v[1002]);
    if (n > 0) ASSERT_RC(pq_plain_decode_bool(b.data, b.data + b.len - 1, o, n), PS_ERR_CORRUPT);
  }
  ps_buf_free(&b);
}

/* ---------------------------------------------------------------- DELTA_BINARY_PACKED */

/* Reference encoder with any block size / miniblock count, bit by bit; the
 * last miniblock is cut to the bytes it needs when `truncate_last`, and
 * unused miniblocks of the last block get bit width `junk`. */
static void put_v(ps_buf *b, uint64_t v) {
  while (v >= 0x80) {
    ps_buf_append_byte(b, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  ps_buf_append_byte(b, (uint8_t)v);
}
static uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63)); }
static void ref_delta(ps_buf *b, const int64_t *v, int64_t n, int bs, int nmb, int truncate_last, int junk) {
  put_v(b, (uint64_t)bs);
  put_v(b, (uint64_t)nmb);
  put_v(b, (uint64_t)n);
  put_v(b, zz(n ? v[0] : 0));
  int vpm = bs / nmb;
  uint64_t *d = malloc((size_t)bs * 8);
  for (int64_t pos = 1; pos < n; pos += bs) {
    int64_t cnt = n - pos < bs ? n - pos : bs;
    int64_t mn = INT64_MAX;
    for (int64_t j = 0; j < cnt; j++) {
      int64_t dl = (int64_t)((uint64_t)v[pos + j] - (uint64_t)v[pos + j - 1]);
      d[j] = (uint64_t)dl;
      if (dl < mn) mn = dl;
    }
    put_v(b, zz(mn));
    int w[64];
    for (int m = 0; m < nmb; m++) {
      uint64_t all = 0;
      for (int j = m * vpm; j < (m + 1) * vpm && j < cnt; j++) all |= d[j] - (uint64_t)mn;
      w[m] = m * vpm < cnt ? pq_bit_width(all) : junk;
      ps_buf_append_byte(b, (uint8_t)w[m]);
    }
    for (int m = 0; m < nmb && m * vpm < cnt; m++) {
      int64_t nvals = vpm;
      if (truncate_last && (m + 1) * vpm >= cnt) nvals = cnt - m * vpm;
      size_t nbytes = (size_t)(nvals * w[m] + 7) / 8, at = b->len;
      for (size_t k = 0; k < nbytes; k++) ps_buf_append_byte(b, 0);
      for (int64_t j = 0; j < nvals; j++) {
        int64_t idx = m * vpm + j;
        uint64_t x = idx < cnt ? d[idx] - (uint64_t)mn : 0;
        for (int k = 0; k < w[m]; k++)
          if ((x >> k) & 1) {
            size_t bitpos = (size_t)j * (size_t)w[m] + (size_t)k;
            b->data[at + bitpos / 8] |= (uint8_t)(1u << (bitpos % 8));
          }
      }
    }
  }
  free(d);
}

static void test_delta_known_answers(void) {
  ps_buf b = {0};
  int64_t out[16];
  size_t used;
  /* spec example 1: 1..5: deltas all 1 -> min delta 1, bit widths 0, no data */
  const int64_t a[] = {1, 2, 3, 4, 5};
  ASSERT_OK(pq_delta_encode_i64(&b, a, 5));
  const uint8_t want1[] = {0x80, 0x01, 0x04, 0x05, 0x02, /* block */ 0x02, 0x00, 0x00, 0x00, 0x00};
  ASSERT(bytes_eq(&b, want1, sizeof want1));
  ASSERT_OK(pq_delta_decode_i64(want1, want1 + sizeof want1, out, 5, &used));
  ASSERT_EQ_INT(used, sizeof want1);
  for (int i = 0; i < 5; i++) ASSERT_EQ_INT(out[i], a[i]);

  /* spec example 2: 7,5,3,1,2,3,4,5: deltas -2 -2 -2 1 1 1 1, min -2 (zigzag 3),
   * adjusted 0 0 0 3 3 3 3 on 2 bits: 0xC0 0xFF, miniblock padded to 32 values */
  const int32_t c[] = {7, 5, 3, 1, 2, 3, 4, 5};
  ps_buf_clear(&b);
  ASSERT_OK(pq_delta_encode_i32(&b, c, 8));
  const uint8_t want2[] = {0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00, 0x00,
                           0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  ASSERT(bytes_eq(&b, want2, sizeof want2));
  int32_t o32[8];
  ASSERT_OK(pq_delta_decode_i32(want2, want2 + sizeof want2, o32, 8, &used));
  ASSERT_EQ_INT(used, sizeof want2);
  for (int i = 0; i < 8; i++) ASSERT_EQ_INT(o32[i], c[i]);

  /* the same values as another writer may lay them out: one miniblock of 128
   * values per block (2 bits -> 32 bytes), unpadded at the end of the page */
  uint8_t other[5 + 2 + 32] = {0x80, 0x01, 0x01, 0x08, 0x0E, 0x03, 0x02, 0xC0, 0x3F};
  ASSERT_OK(pq_delta_decode_i32(other, other + sizeof other, o32, 8, &used));
  ASSERT_EQ_INT(used, sizeof other);
  for (int i = 0; i < 8; i++) ASSERT_EQ_INT(o32[i], c[i]);
  ASSERT_OK(pq_delta_decode_i32(other, other + 9, o32, 8, &used)); /* last miniblock cut short */
  ASSERT_EQ_INT(used, 9);
  for (int i = 0; i < 8; i++) ASSERT_EQ_INT(o32[i], c[i]);

  /* zero values and one value: header only */
  ps_buf_clear(&b);
  ASSERT_OK(pq_delta_encode_i64(&b, a, 0));
  const uint8_t want0[] = {0x80, 0x01, 0x04, 0x00, 0x00};
  ASSERT(bytes_eq(&b, want0, sizeof want0));
  ps_buf_clear(&b);
  const int64_t neg[] = {-3};
  ASSERT_OK(pq_delta_encode_i64(&b, neg, 1));
  const uint8_t want_1[] = {0x80, 0x01, 0x04, 0x01, 0x05};
  ASSERT(bytes_eq(&b, want_1, sizeof want_1));
  ps_buf_free(&b);
}

static int delta_rt64(const int64_t *v, int64_t n) {
  ps_buf b = {0};
  int64_t *o = malloc((size_t)(n ? n : 1) * 8);
  size_t used = 0;
  int ok = pq_delta_encode_i64(&b, v, n) == PS_OK && pq_delta_decode_i64(b.data, b.data + b.len, o, n, &used) == PS_OK &&
           used == b.len && (n == 0 || memcmp(o, v, (size_t)n * 8) == 0);
  /* trailing bytes (a following stream) are not consumed */
  if (ok) {
    ps_buf_append(&b, "xyz", 3);
    ok = pq_delta_decode_i64(b.data, b.data + b.len, o, n, &used) == PS_OK && used == b.len - 3;
  }
  free(o);
  ps_buf_free(&b);
  return ok;
}

static int delta_rt32(const int32_t *v, int64_t n) {
  ps_buf b = {0};
  int32_t *o = malloc((size_t)(n ? n : 1) * 4);
  size_t used = 0;
  int ok = pq_delta_encode_i32(&b, v, n) == PS_OK && pq_delta_decode_i32(b.data, b.data + b.len, o, n, &used) == PS_OK &&
           used == b.len && (n == 0 || memcmp(o, v, (size_t)n * 4) == 0);
  /* 32-bit streams never need more than 32 bits per delta */
  free(o);
  ps_buf_free(&b);
  return ok;
}

static void test_delta_roundtrip(void) {
  const int64_t counts[] = {0, 1, 2, 31, 32, 33, 127, 128, 129, 255, 256, 257, 1000, 5000};
  int64_t *v = malloc(5000 * 8);
  int32_t *w = malloc(5000 * 4);
  for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
    int64_t n = counts[ci];
    for (int shape = 0; shape < 8; shape++) {
      int64_t acc = 1700000000000000000ll;
      for (int64_t i = 0; i < n; i++) {
        switch (shape) {
          case 0: v[i] = (int64_t)rnd(); break;                              /* random 64-bit */
          case 1: acc += (int64_t)(rnd() % 1000); v[i] = acc; break;          /* sorted timestamps */
          case 2: v[i] = 42; break;                                           /* constant */
          case 3: v[i] = (i & 1) ? INT64_MAX : INT64_MIN; break;              /* extremes, max wrap */
          case 4: v[i] = (i % 3 == 0) ? INT64_MIN : (i % 3 == 1) ? 0 : INT64_MAX; break;
          case 5: v[i] = -(int64_t)(i * 1000); break;                         /* descending */
          case 6: v[i] = (int64_t)(rnd() % 100) - 50; break;                  /* small random */
          default: v[i] = (int64_t)(rnd() >> (rnd() % 64)) * ((rnd() & 1) ? 1 : -1); break;
        }
      }
      if (!delta_rt64(v, n)) fprintf(stderr, "i64 count %lld shape %d\n", (long long)n, shape);
      ASSERT(delta_rt64(v, n));
      for (int64_t i = 0; i < n; i++) {
        switch (shape) {
          case 3: w[i] = (i & 1) ? INT32_MAX : INT32_MIN; break;
          case 4: w[i] = (i % 3 == 0) ? INT32_MIN : (i % 3 == 1) ? 0 : INT32_MAX; break;
          default: w[i] = (int32_t)(uint32_t)(uint64_t)v[i]; break;
        }
      }
      if (!delta_rt32(w, n)) fprintf(stderr, "i32 count %lld shape %d\n", (long long)n, shape);
      ASSERT(delta_rt32(w, n));
    }
  }
  /* i32 deltas wrap in 32 bits: 128 random values need at most
   * 10 (header) + 5 (min delta) + 4 (widths) + 4 * 32 * 4 bytes */
  ps_buf b = {0};
  for (int i = 0; i < 128; i++) w[i] = (i & 1) ? INT32_MIN : (int32_t)(uint32_t)rnd();
  ASSERT_OK(pq_delta_encode_i32(&b, w, 128));
  ASSERT(b.len <= 10 + 5 + 4 + 512);
  ps_buf_free(&b);
  free(v);
  free(w);
}

static void test_delta_other_writers(void) {
  const struct {
    int bs, nmb, trunc, junk;
  } layouts[] = {{128, 4, 0, 0}, {128, 1, 0, 0}, {256, 8, 0, 0}, {512, 2, 1, 0}, {128, 4, 1, 255}, {1024, 32, 1, 99}};
  const int64_t counts[] = {1, 2, 100, 129, 300, 1025, 3000};
  int64_t *v = malloc(3000 * 8), *o = malloc(3000 * 8);
  int32_t *o32 = malloc(3000 * 4);
  for (size_t li = 0; li < sizeof layouts / sizeof *layouts; li++) {
    for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
      int64_t n = counts[ci];
      for (int64_t i = 0; i < n; i++) v[i] = (i % 7 == 3) ? (int64_t)rnd() : (int64_t)(i * 3);
      ps_buf b = {0};
      ref_delta(&b, v, n, layouts[li].bs, layouts[li].nmb, layouts[li].trunc, layouts[li].junk);
      /* a following stream (only where the last miniblock is padded, as the spec says) */
      size_t tail = layouts[li].trunc ? 0 : 2;
      if (tail) ps_buf_append(&b, "\x01\x02", 2);
      size_t used;
      ASSERT_OK(pq_delta_decode_i64(b.data, b.data + b.len, o, n, &used));
      ASSERT_EQ_INT(used, b.len - tail);
      for (int64_t i = 0; i < n; i++) ASSERT_EQ_INT(o[i], v[i]);
      ASSERT_OK(pq_delta_decode_i32(b.data, b.data + b.len, o32, n, &used));
      for (int64_t i = 0; i < n; i++) ASSERT_EQ_INT(o32[i], (int32_t)(uint32_t)(uint64_t)v[i]);
      /* fewer values than the stream holds: the rest is skipped, consumed still covers it */
      ASSERT_OK(pq_delta_decode_i64(b.data, b.data + b.len, o, n / 2, &used));
      ASSERT_EQ_INT(used, b.len - tail);
      for (int64_t i = 0; i < n / 2; i++) ASSERT_EQ_INT(o[i], v[i]);
      ps_buf_free(&b);
    }
  }
  free(v);
  free(o);
  free(o32);
}

static void test_delta_corrupt(void) {
  int64_t out[300];
  size_t used;
  /* block size not a multiple of 128 (the spec's own toy example uses 8) */
  const uint8_t bs8[] = {0x08, 0x01, 0x05, 0x02, 0x02, 0x00};
  ASSERT_RC(pq_delta_decode_i64(bs8, bs8 + sizeof bs8, out, 5, &used), PS_ERR_CORRUPT);
  ASSERT(strstr(ps_errmsg(), "DELTA_BINARY_PACKED") != NULL);
  /* miniblock count not giving multiples of 32 values */
  const uint8_t mb3[] = {0x80, 0x01, 0x03, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00};
  ASSERT_RC(pq_delta_decode_i64(mb3, mb3 + sizeof mb3, out, 5, &used), PS_ERR_CORRUPT);
  const uint8_t mb0[] = {0x80, 0x01, 0x00, 0x05, 0x02};
  ASSERT_RC(pq_delta_decode_i64(mb0, mb0 + sizeof mb0, out, 5, &used), PS_ERR_CORRUPT);
  const uint8_t mb8[] = {0x80, 0x01, 0x08, 0x05, 0x02}; /* 16 values per miniblock */
  ASSERT_RC(pq_delta_decode_i64(mb8, mb8 + sizeof mb8, out, 5, &used), PS_ERR_CORRUPT);
  /* bit width 65 */
  uint8_t w65[5 + 1 + 4 + 8 * 65] = {0x80, 0x01, 0x04, 0x03, 0x00, 0x00, 65, 0, 0, 0};
  ASSERT_RC(pq_delta_decode_i64(w65, w65 + sizeof w65, out, 3, &used), PS_ERR_CORRUPT);
  w65[6] = 64; /* 64 is fine */
  ASSERT_OK(pq_delta_decode_i64(w65, w65 + sizeof w65, out, 3, &used));
  /* stream holds fewer values than expected */
  const uint8_t few[] = {0x80, 0x01, 0x04, 0x01, 0x02};
  ASSERT_RC(pq_delta_decode_i64(few, few + sizeof few, out, 2, &used), PS_ERR_CORRUPT);
  /* huge value count with nothing behind it */
  const uint8_t huge[] = {0x80, 0x01, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x02};
  ASSERT_RC(pq_delta_decode_i64(huge, huge + sizeof huge, out, 2, &used), PS_ERR_CORRUPT);
  /* varint longer than 10 bytes */
  const uint8_t longv[] = {0x80, 0x01, 0x04, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  ASSERT_RC(pq_delta_decode_i64(longv, longv + sizeof longv, out, 2, &used), PS_ERR_CORRUPT);
  /* every truncation fails cleanly or still gives the right values */
  int64_t v[300];
  for (int i = 0; i < 300; i++) v[i] = (int64_t)rnd() % 100000;
  ps_buf b = {0};
  ASSERT_OK(pq_delta_encode_i64(&b, v, 300));
  for (size_t len = 0; len < b.len; len++) {
    uint8_t *cut = malloc(len ? len : 1);
    memcpy(cut, b.data, len);
    int rc = pq_delta_decode_i64(cut, cut + len, out, 300, &used);
    free(cut);
    ASSERT(rc == PS_ERR_CORRUPT || (rc == PS_OK && memcmp(out, v, sizeof v) == 0));
    if (len < b.len - 4 * 17) ASSERT_EQ_INT(rc, PS_ERR_CORRUPT);
  }
  /* empty input is fine for zero values only */
  ASSERT_OK(pq_delta_decode_i64(NULL, NULL, out, 0, &used));
  ASSERT_EQ_INT(used, 0);
  ASSERT_RC(pq_delta_decode_i64(NULL, NULL, out, 1, &used), PS_ERR_CORRUPT);
  ps_buf_free(&b);
}

/* ---------------------------------------------------------------- BYTE_STREAM_SPLIT */

static void test_bss(void) {
  ps_buf b = {0};
  /* spec-style: two floats 1.0f (00 00 80 3F) and 2.0f (00 00 00 40) */
  const float f[2] = {1.0f, 2.0f};
  ASSERT_OK(pq_bss_encode(&b, f, 2, 4));
  const uint8_t want[] = {0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x3F, 0x40};
  ASSERT(bytes_eq(&b, want, sizeof want));
  float fo[2];
  ASSERT_OK(pq_bss_decode(want, want + 8, fo, 2, 4));
  ASSERT(fo[0] == 1.0f && fo[1] == 2.0f);
  for (int width = 4; width <= 8; width += 4) {
    for (int64_t n = 0; n < 300; n += 37) {
      uint8_t *v = malloc((size_t)n * 8 + 1), *o = malloc((size_t)n * 8 + 1);
      for (int64_t i = 0; i < n * width; i++) v[i] = (uint8_t)rnd();
      ps_buf_clear(&b);
      ASSERT_OK(pq_bss_encode(&b, v, n, width));
      ASSERT_EQ_INT(b.len, n * width);
      ASSERT_OK(pq_bss_decode(b.data, b.data + b.len, o, n, width));
      ASSERT(n == 0 || memcmp(o, v, (size_t)(n * width)) == 0);
      if (n > 0) {
        ASSERT_RC(pq_bss_decode(b.data, b.data + b.len - 1, o, n, width), PS_ERR_CORRUPT);
        ASSERT_RC(pq_bss_decode(b.data, b.data + b.len - width, o, n, width), PS_ERR_CORRUPT);
      }
      free(v);
      free(o);
    }
  }
  ASSERT_RC(pq_bss_decode(want, want + 8, fo, 1, 3), PS_ERR_CORRUPT);
  ps_buf_free(&b);
}

/* ---------------------------------------------------------------- byte arrays */

static const char *strs[] = {"", "axis", "axle", "babble", "babyhood", "", "", "日本語テキスト", "日本語", "naïve café",
                             "naïve", "a", "ab", "abc", "abc", "", "x\0y", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "z"};
#define NSTRS ((int64_t)(sizeof strs / sizeof *strs))

static void make_strings(int64_t n, int64_t **off_out, uint8_t **bytes_out) {
  int64_t *off = malloc((size_t)(n + 1) * 8);
  ps_buf b = {0};
  off[0] = 0;
  for (int64_t i = 0; i < n; i++) {
    const char *s = strs[(i * 7 + i / NSTRS) % NSTRS];
    size_t l = strlen(s);
    if (s[0] == 'x') l = 3; /* embedded NUL */
    if (i % 11 == 10) { /* some random binary */
      uint8_t r[20];
      l = rnd() % 20;
      for (size_t k = 0; k < l; k++) r[k] = (uint8_t)rnd();
      ps_buf_append(&b, r, l);
    } else {
      ps_buf_append(&b, s, l);
    }
    off[i + 1] = off[i] + (int64_t)l;
  }
  *off_out = off;
  *bytes_out = b.data ? b.data : calloc(1, 1);
}

typedef int (*enc_fn)(ps_buf *, const int64_t *, const uint8_t *, int64_t);
typedef int (*dec_fn)(const uint8_t *, const uint8_t *, int64_t, int64_t *, ps_buf *);

static void ba_roundtrip(enc_fn enc, dec_fn dec) {
  const int64_t counts[] = {0, 1, 2, 19, 127, 128, 129, 1000};
  for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
    int64_t n = counts[ci];
    int64_t *off;
    uint8_t *bytes;
    make_strings(n, &off, &bytes);
    ps_buf e = {0};
    ASSERT_OK(enc(&e, off, bytes, n));
    /* decode after existing content: offsets continue from the running total */
    ps_buf out = {0};
    ps_buf_append(&out, "PREFIX", 6);
    int64_t *o = malloc((size_t)(n + 1) * 8);
    o[0] = 6;
    ASSERT_OK(dec(e.data, e.data + e.len, n, o, &out));
    ASSERT_EQ_INT(out.len, 6 + off[n]);
    ASSERT(memcmp(out.data, "PREFIX", 6) == 0);
    for (int64_t i = 0; i < n; i++) {
      ASSERT_EQ_INT(o[i + 1] - o[i], off[i + 1] - off[i]);
      ASSERT(memcmp(out.data + o[i], bytes + off[i], (size_t)(off[i + 1] - off[i])) == 0);
    }
    /* truncations fail cleanly */
    for (size_t len = 0; len + 1 < e.len && n > 0; len += 1 + len / 8) {
      ps_buf t = {0};
      uint8_t *cut = malloc(len ? len : 1);
      memcpy(cut, e.data, len);
      o[0] = 0;
      int rc = dec(cut, cut + len, n, o, &t);
      free(cut);
      ps_buf_free(&t);
      if (off[n] > 0 || len < 5) ASSERT_RC(rc, PS_ERR_CORRUPT);
    }
    free(o);
    ps_buf_free(&out);
    ps_buf_free(&e);
    free(off);
    free(bytes);
  }
}

static void test_dlba(void) {
  ba_roundtrip(pq_dlba_encode, pq_dlba_decode);
  /* spec: Hello World Foobar ABCDEF -> lengths 5 5 6 6, then the bytes concatenated */
  const char *data = "HelloWorldFoobarABCDEF";
  const int64_t off[] = {0, 5, 10, 16, 22};
  ps_buf b = {0};
  ASSERT_OK(pq_dlba_encode(&b, off, (const uint8_t *)data, 4));
  int32_t lens[4];
  size_t used;
  ASSERT_OK(pq_delta_decode_i32(b.data, b.data + b.len, lens, 4, &used));
  ASSERT(lens[0] == 5 && lens[1] == 5 && lens[2] == 6 && lens[3] == 6);
  ASSERT_EQ_INT(b.len - used, 22);
  ASSERT(memcmp(b.data + used, data, 22) == 0);
  /* a negative length and lengths beyond the data are corrupt */
  ps_buf bad = {0};
  const int32_t neg[] = {3, -1};
  ASSERT_OK(pq_delta_encode_i32(&bad, neg, 2));
  ps_buf_append(&bad, "abcdef", 6);
  int64_t o[3] = {0};
  ps_buf t = {0};
  ASSERT_RC(pq_dlba_decode(bad.data, bad.data + bad.len, 2, o, &t), PS_ERR_CORRUPT);
  ASSERT(strstr(ps_errmsg(), "DELTA_LENGTH_BYTE_ARRAY") != NULL);
  ps_buf_clear(&bad);
  const int32_t big[] = {3, 4};
  ASSERT_OK(pq_delta_encode_i32(&bad, big, 2));
  ps_buf_append(&bad, "abcdef", 6);
  ASSERT_RC(pq_dlba_decode(bad.data, bad.data + bad.len, 2, o, &t), PS_ERR_CORRUPT);
  ps_buf_free(&t);
  ps_buf_free(&bad);
  ps_buf_free(&b);
}

static void test_dba(void) {
  ba_roundtrip(pq_dba_encode, pq_dba_decode);
  /* spec: axis axle babble babyhood -> prefixes 0 2 0 3, suffixes axis le babble yhood */
  const char *data = "axisaxlebabblebabyhood";
  const int64_t off[] = {0, 4, 8, 14, 22};
  ps_buf b = {0};
  ASSERT_OK(pq_dba_encode(&b, off, (const uint8_t *)data, 4));
  int32_t pre[4], suf[4];
  size_t u1, u2;
  ASSERT_OK(pq_delta_decode_i32(b.data, b.data + b.len, pre, 4, &u1));
  ASSERT(pre[0] == 0 && pre[1] == 2 && pre[2] == 0 && pre[3] == 3);
  ASSERT_OK(pq_delta_decode_i32(b.data + u1, b.data + b.len, suf, 4, &u2));
  ASSERT(suf[0] == 4 && suf[1] == 2 && suf[2] == 6 && suf[3] == 5);
  ASSERT_EQ_INT(b.len - u1 - u2, 17);
  ASSERT(memcmp(b.data + u1 + u2, "axislebabbleyhood", 17) == 0);
  /* corrupt: first prefix nonzero, prefix longer than the previous value */
  int64_t o[3] = {0};
  ps_buf t = {0}, bad = {0};
  const int32_t p1[] = {1, 0}, s1[] = {2, 2};
  ASSERT_OK(pq_delta_encode_i32(&bad, p1, 2));
  ASSERT_OK(pq_delta_encode_i32(&bad, s1, 2));
  ps_buf_append(&bad, "abcd", 4);
  ASSERT_RC(pq_dba_decode(bad.data, bad.data + bad.len, 2, o, &t), PS_ERR_CORRUPT);
  ASSERT(strstr(ps_errmsg(), "DELTA_BYTE_ARRAY") != NULL);
  ps_buf_clear(&bad);
  const int32_t p2[] = {0, 3};
  ASSERT_OK(pq_delta_encode_i32(&bad, p2, 2));
  ASSERT_OK(pq_delta_encode_i32(&bad, s1, 2));
  ps_buf_append(&bad, "abcd", 4);
  ASSERT_RC(pq_dba_decode(bad.data, bad.data + bad.len, 2, o, &t), PS_ERR_CORRUPT);
  /* valid version of the same: prefix 2 of "ab" + "cd" = "abcd" */
  ps_buf_clear(&bad);
  const int32_t p3[] = {0, 2};
  ASSERT_OK(pq_delta_encode_i32(&bad, p3, 2));
  ASSERT_OK(pq_delta_encode_i32(&bad, s1, 2));
  ps_buf_append(&bad, "abcd", 4);
  ASSERT_OK(pq_dba_decode(bad.data, bad.data + bad.len, 2, o, &t));
  ASSERT_EQ_INT(o[1], 2);
  ASSERT_EQ_INT(o[2], 6);
  ASSERT(t.len == 6 && memcmp(t.data, "ababcd", 6) == 0);
  ps_buf_free(&t);
  ps_buf_free(&bad);
  ps_buf_free(&b);
}

static void test_plain_byte_array(void) {
  const uint8_t in[] = {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 2, 0, 0, 0, 0xC3, 0xA9};
  int64_t o[4] = {10};
  ps_buf b = {0};
  ASSERT_OK(pq_plain_decode_byte_array(in, in + sizeof in, 3, o, &b));
  ASSERT(o[1] == 13 && o[2] == 13 && o[3] == 15);
  ASSERT(b.len == 5 && memcmp(b.data, "abc\xC3\xA9", 5) == 0);
  ps_buf_clear(&b);
  ASSERT_RC(pq_plain_decode_byte_array(in, in + sizeof in - 1, 3, o, &b), PS_ERR_CORRUPT);
  ASSERT_RC(pq_plain_decode_byte_array(in, in + 2, 1, o, &b), PS_ERR_CORRUPT);
  const uint8_t huge[] = {0xFF, 0xFF, 0xFF, 0xFF, 'a'};
  ASSERT_RC(pq_plain_decode_byte_array(huge, huge + sizeof huge, 1, o, &b), PS_ERR_CORRUPT);
  ASSERT(strstr(ps_errmsg(), "PLAIN") != NULL);
  ASSERT_EQ_INT(b.len, 0);
  ps_buf_free(&b);
}

/* Random garbage into every decoder: only PS_OK or PS_ERR_CORRUPT (ASan
 * and UBSan builds check the rest). */
static void test_garbage(void) {
  uint8_t in[256];
  uint32_t u[512];
  int64_t i64[513];
  int32_t i32[512];
  uint8_t bm[80], bools[512];
  for (int iter = 0; iter < 20000; iter++) {
    size_t len = rnd() % sizeof in;
    for (size_t k = 0; k < len; k++) in[k] = (uint8_t)rnd();
    if (iter & 1 && len > 4) { /* plausible delta header */
      in[0] = 0x80;
      in[1] = 0x01;
      in[2] = (uint8_t)(1u << (rnd() % 3));
      in[3] = (uint8_t)(rnd() % 120);
    }
    int64_t n = (int64_t)(rnd() % 512);
    int bw = (int)(rnd() % 34);
    ps_buf b = {0};
    int rc[8];
    int64_t nv;
    rc[0] = pq_rle_decode(in, in + len, bw, u, n, (uint32_t)(rnd() % 64));
    rc[1] = pq_rle_decode_bitmap(in, in + len, n, bm, (int64_t)(rnd() % 64), &nv);
    rc[2] = pq_delta_decode_i64(in, in + len, i64, n, &(size_t){0});
    rc[3] = pq_delta_decode_i32(in, in + len, i32, n, &(size_t){0});
    i64[0] = 0;
    rc[4] = pq_dlba_decode(in, in + len, n, i64, &b);
    ps_buf_clear(&b);
    i64[0] = 0;
    rc[5] = pq_dba_decode(in, in + len, n, i64, &b);
    ps_buf_clear(&b);
    i64[0] = 0;
    rc[6] = pq_plain_decode_byte_array(in, in + len, n, i64, &b);
    rc[7] = pq_plain_decode_bool(in, in + len, bools, n);
    ps_buf_free(&b);
    for (int k = 0; k < 8; k++) {
      if (rc[k] != PS_OK && rc[k] != PS_ERR_CORRUPT) fprintf(stderr, "decoder %d returned %d\n", k, rc[k]);
      ASSERT(rc[k] == PS_OK || rc[k] == PS_ERR_CORRUPT);
    }
  }
}

/* ---------------------------------------------------------------- throughput (informational) */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_throughput_report(void) {
  const int64_t n = 1 << 20;
  uint32_t *v = malloc((size_t)n * 4), *o = malloc((size_t)n * 4);
  int64_t *t = malloc((size_t)n * 8), *to = malloc((size_t)n * 8);
  uint8_t *bm = malloc((size_t)n / 8 + 8), *bo = calloc((size_t)n / 8 + 8, 1);
  ps_buf b = {0};
  const int reps = 20;
  /* dictionary indices: 1000-entry dictionary (10 bits), random, few runs */
  for (int64_t i = 0; i < n; i++) v[i] = (uint32_t)(rnd() % 1000);
  ASSERT_OK(pq_rle_encode(&b, v, n, 10));
  double t0 = now();
  for (int r = 0; r < reps; r++) ASSERT_OK(pq_rle_decode(b.data, b.data + b.len, 10, o, n, 1000));
  double dict = (double)n * reps / (now() - t0) / 1e6;
  ASSERT(memcmp(o, v, (size_t)n * 4) == 0);
  /* 1-bit levels: 10% nulls in runs of 1..20 */
  int64_t i = 0;
  while (i < n) {
    int valid = rnd() % 10 != 0;
    int64_t r = valid ? 1 + (int64_t)(rnd() % 180) : 1 + (int64_t)(rnd() % 20);
    for (int64_t k = 0; k < r && i < n; k++, i++) {
      if (valid) bm[i >> 3] |= (uint8_t)(1u << (i & 7));
      else bm[i >> 3] &= (uint8_t)~(1u << (i & 7));
    }
  }
  ps_buf_clear(&b);
  ASSERT_OK(pq_rle_encode_bitmap(&b, bm, 0, n));
  int64_t nv;
  t0 = now();
  for (int r = 0; r < reps; r++) ASSERT_OK(pq_rle_decode_bitmap(b.data, b.data + b.len, n, bo, 3, &nv));
  double lv = (double)n * reps / (now() - t0) / 1e6;
  /* random 1-bit levels (all bit-packed) */
  for (int64_t k = 0; k < n / 8; k++) bm[k] = (uint8_t)rnd();
  ps_buf_clear(&b);
  ASSERT_OK(pq_rle_encode_bitmap(&b, bm, 0, n));
  t0 = now();
  for (int r = 0; r < reps; r++) ASSERT_OK(pq_rle_decode_bitmap(b.data, b.data + b.len, n, bo, 3, &nv));
  double lvr = (double)n * reps / (now() - t0) / 1e6;
  /* delta: nanosecond timestamps with jitter */
  int64_t acc = 1700000000000000000ll;
  for (int64_t k = 0; k < n; k++) t[k] = acc += 1000000 + (int64_t)(rnd() % 5000);
  ps_buf_clear(&b);
  ASSERT_OK(pq_delta_encode_i64(&b, t, n));
  size_t used;
  t0 = now();
  for (int r = 0; r < reps; r++) ASSERT_OK(pq_delta_decode_i64(b.data, b.data + b.len, to, n, &used));
  double dl = (double)n * reps / (now() - t0) / 1e6;
  ASSERT(memcmp(t, to, (size_t)n * 8) == 0);
  /* encoders */
  t0 = now();
  for (int r = 0; r < reps; r++) {
    ps_buf_clear(&b);
    ASSERT_OK(pq_rle_encode(&b, v, n, 10));
  }
  double enc_dict = (double)n * reps / (now() - t0) / 1e6;
  t0 = now();
  for (int r = 0; r < reps; r++) {
    ps_buf_clear(&b);
    ASSERT_OK(pq_delta_encode_i64(&b, t, n));
  }
  double enc_delta = (double)n * reps / (now() - t0) / 1e6;
  printf("throughput (Mvalues/s): rle dict idx decode %.0f, levels decode (runs) %.0f, levels decode (random) %.0f, "
         "delta i64 decode %.0f; rle encode %.0f, delta encode %.0f\n",
         dict, lv, lvr, dl, enc_dict, enc_delta);
  ps_buf_free(&b);
  free(v);
  free(o);
  free(t);
  free(to);
  free(bm);
  free(bo);
}

int main(void) {
  RUN(test_rle_known_answers);
  RUN(test_rle_roundtrip_all_widths);
  RUN(test_rle_bitmap);
  RUN(test_rle_corrupt);
  RUN(test_plain_bool);
  RUN(test_delta_known_answers);
  RUN(test_delta_roundtrip);
  RUN(test_delta_other_writers);
  RUN(test_delta_corrupt);
  RUN(test_bss);
  RUN(test_plain_byte_array);
  RUN(test_dlba);
  RUN(test_dba);
  RUN(test_garbage);
  RUN(test_throughput_report);
  TEST_MAIN_END();
}
