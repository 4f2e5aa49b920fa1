/* libFuzzer target: the Parquet value/level decoders (src/parquet/encoding.c).
 *
 * Input: [selector][param][count lo][count hi][payload...]
 *   selector % 9: 0 RLE values, 1 RLE levels -> bitmap, 2 DELTA i64, 3 DELTA i32,
 *                 4 BYTE_STREAM_SPLIT, 5 PLAIN byte arrays, 6 DELTA_LENGTH_BYTE_ARRAY,
 *                 7 DELTA_BYTE_ARRAY, 8 PLAIN booleans
 *   param: bit width (RLE, % 34 so 33 is tried), bitmap offset, BSS width, ...
 *   count: values to decode (at most 4096).
 * Output buffers are sized exactly for `count`, so ASan catches any overrun.
 * Whatever decodes successfully is encoded again and must decode to the same
 * values (abort otherwise). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/encoding.h"
#include "pystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond) abort();
}

/* Decoders may only succeed or report corruption (or a page limit). */
static void check_rc(int rc) { check(rc == PS_OK || rc == PS_ERR_CORRUPT || rc == PS_ERR_LIMIT); }

/* End of an encoded buffer (an empty ps_buf has no data pointer at all). */
static const uint8_t *bend(const ps_buf *b) { return b->data ? b->data + b->len : NULL; }

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

static void fuzz_rle(const uint8_t *p, const uint8_t *end, int bw, int64_t n, uint32_t max_value) {
  uint32_t *out = xmalloc((size_t)n * 4);
  int rc = pq_rle_decode(p, end, bw, out, n, max_value);
  check_rc(rc);
  if (rc == PS_OK) {
    check(bw <= 32);
    for (int64_t i = 0; i < n; i++) check(max_value == 0 || out[i] < max_value);
    ps_buf b = {0};
    check(pq_rle_encode(&b, out, n, bw) == PS_OK);
    uint32_t *again = xmalloc((size_t)n * 4);
    check(pq_rle_decode(b.data, bend(&b), bw, again, n, max_value) == PS_OK);
    check(n == 0 || memcmp(out, again, (size_t)n * 4) == 0);
    free(again);
    ps_buf_free(&b);
  }
  free(out);
}

static void fuzz_bitmap(const uint8_t *p, const uint8_t *end, int64_t off, int64_t n) {
  size_t nb = (size_t)(off + n + 7) / 8;
  uint8_t *bm = xmalloc(nb);
  memset(bm, 0, nb ? nb : 1);
  int64_t nv = -1;
  int rc = pq_rle_decode_bitmap(p, end, n, bm, off, &nv);
  check_rc(rc);
  if (rc == PS_OK) {
    check(nv >= 0 && nv <= n);
    ps_buf b = {0};
    check(pq_rle_encode_bitmap(&b, bm, off, n) == PS_OK);
    uint8_t *bm2 = xmalloc(nb);
    memset(bm2, 0xFF, nb ? nb : 1);
    int64_t nv2 = -1;
    check(pq_rle_decode_bitmap(b.data, bend(&b), n, bm2, off, &nv2) == PS_OK);
    check(nv2 == nv);
    for (int64_t i = off; i < off + n; i++) check(((bm[i >> 3] ^ bm2[i >> 3]) >> (i & 7) & 1) == 0);
    free(bm2);
    ps_buf_free(&b);
  }
  free(bm);
}

static void fuzz_delta(const uint8_t *p, const uint8_t *end, int64_t n, int is32) {
  size_t w = is32 ? 4 : 8, used = 0;
  void *out = xmalloc((size_t)n * w);
  int rc = is32 ? pq_delta_decode_i32(p, end, out, n, &used) : pq_delta_decode_i64(p, end, out, n, &used);
  check_rc(rc);
  if (rc == PS_OK) {
    check(used <= (size_t)(end - p));
    ps_buf b = {0};
    check((is32 ? pq_delta_encode_i32(&b, out, n) : pq_delta_encode_i64(&b, out, n)) == PS_OK);
    void *again = xmalloc((size_t)n * w);
    size_t used2 = 0;
    rc = is32 ? pq_delta_decode_i32(b.data, bend(&b), again, n, &used2)
              : pq_delta_decode_i64(b.data, bend(&b), again, n, &used2);
    check(rc == PS_OK && used2 == b.len);
    check(n == 0 || memcmp(out, again, (size_t)n * w) == 0);
    free(again);
    ps_buf_free(&b);
  }
  free(out);
}

static void fuzz_bss(const uint8_t *p, const uint8_t *end, int width, int64_t n) {
  void *out = xmalloc((size_t)n * (size_t)width);
  int rc = pq_bss_decode(p, end, out, n, width);
  check_rc(rc);
  if (rc == PS_OK) {
    ps_buf b = {0};
    check(pq_bss_encode(&b, out, n, width) == PS_OK);
    void *again = xmalloc((size_t)n * (size_t)width);
    check(pq_bss_decode(b.data, bend(&b), again, n, width) == PS_OK);
    check(n == 0 || memcmp(out, again, (size_t)n * (size_t)width) == 0);
    free(again);
    ps_buf_free(&b);
  }
  free(out);
}

typedef int (*ba_dec)(const uint8_t *, const uint8_t *, int64_t, int64_t *, ps_buf *);
typedef int (*ba_enc)(ps_buf *, const int64_t *, const uint8_t *, int64_t);

static void fuzz_byte_arrays(const uint8_t *p, const uint8_t *end, int64_t n, ba_dec dec, ba_enc enc) {
  int64_t *off = xmalloc((size_t)(n + 1) * 8);
  off[0] = 0;
  ps_buf bytes = {0};
  int rc = dec(p, end, n, off, &bytes);
  check_rc(rc);
  if (rc == PS_OK) {
    for (int64_t i = 0; i < n; i++) check(off[i + 1] >= off[i]);
    check((size_t)off[n] == bytes.len);
    if (enc) {
      ps_buf b = {0}, bytes2 = {0};
      check(enc(&b, off, bytes.data, n) == PS_OK);
      int64_t *off2 = xmalloc((size_t)(n + 1) * 8);
      off2[0] = 0;
      check(dec(b.data, bend(&b), n, off2, &bytes2) == PS_OK);
      check(memcmp(off, off2, (size_t)(n + 1) * 8) == 0);
      check(bytes.len == bytes2.len && (bytes.len == 0 || memcmp(bytes.data, bytes2.data, bytes.len) == 0));
      free(off2);
      ps_buf_free(&b);
      ps_buf_free(&bytes2);
    }
  }
  ps_buf_free(&bytes);
  free(off);
}

static void fuzz_bool(const uint8_t *p, const uint8_t *end, int64_t n) {
  uint8_t *out = xmalloc((size_t)n);
  int rc = pq_plain_decode_bool(p, end, out, n);
  check_rc(rc);
  if (rc == PS_OK) {
    for (int64_t i = 0; i < n; i++) check(out[i] <= 1);
    ps_buf b = {0};
    check(pq_plain_encode_bool(&b, out, n) == PS_OK);
    check(b.len == (size_t)(n + 7) / 8 && (b.len == 0 || memcmp(b.data, p, b.len - 1) == 0));
    ps_buf_free(&b);
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  int sel = data[0] % 9, param = data[1];
  int64_t n = (int64_t)((data[2] | (data[3] << 8)) % 4097);
  /* the payload is copied to its own allocation so reads past it are caught */
  size_t len = size - 4;
  uint8_t *copy = xmalloc(len);
  if (len) memcpy(copy, data + 4, len);
  const uint8_t *p = copy, *end = copy + len;
  switch (sel) {
    case 0: fuzz_rle(p, end, param % 34, n, (uint32_t)(param >= 128 ? (param - 120) * 3 : 0)); break;
    case 1: fuzz_bitmap(p, end, param % 64, n); break;
    case 2: fuzz_delta(p, end, n, 0); break;
    case 3: fuzz_delta(p, end, n, 1); break;
    case 4: fuzz_bss(p, end, (param & 1) ? 8 : 4, n); break;
    case 5: fuzz_byte_arrays(p, end, n, pq_plain_decode_byte_array, NULL); break;
    case 6: fuzz_byte_arrays(p, end, n, pq_dlba_decode, pq_dlba_encode); break;
    case 7: fuzz_byte_arrays(p, end, n, pq_dba_decode, pq_dba_encode); break;
    default: fuzz_bool(p, end, n); break;
  }
  free(copy);
  return 0;
}
