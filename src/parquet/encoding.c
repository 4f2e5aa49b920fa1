/* Parquet value and level encodings.
 *
 * Decoders treat their input as untrusted: every read is bounded by `end`,
 * every write by the caller's `count`, and every problem is reported as
 * PS_ERR_CORRUPT with a message naming the encoding. Unaligned loads go
 * through memcpy; arithmetic that may wrap is done on unsigned types. */
#include "parquet/encoding.h"

#include <limits.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

#define PS_AI static inline __attribute__((always_inline))

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PS_LE64(x) __builtin_bswap64(x)
#else
#define PS_LE64(x) (x)
#endif

PS_AI uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return PS_LE64(v);
}

PS_AI void store64(uint8_t *p, uint64_t v) {
  v = PS_LE64(v);
  memcpy(p, &v, 8);
}

static inline size_t avail(const uint8_t *p, const uint8_t *end) { return p < end ? (size_t)(end - p) : 0; }

/* ---- varints ---- */

/* ULEB128 of at most 10 bytes. Returns 1 on success, 0 if truncated, -1 if
 * it does not fit 64 bits. Advances *pp only on success. */
static int read_uleb(const uint8_t **pp, const uint8_t *end, uint64_t *out) {
  const uint8_t *p = *pp;
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) return 0;
    uint8_t b = *p++;
    if (shift == 63 && b > 1) return -1;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *pp = p;
      *out = v;
      return 1;
    }
  }
  return -1;
}

static inline size_t put_uleb(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static inline uint64_t zigzag_enc(int64_t v) {
  uint64_t u = (uint64_t)v;
  return (u << 1) ^ (0 - (u >> 63));
}

static inline uint64_t zigzag_dec(uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }

/* ======================================================================
 * RLE / bit-packed hybrid
 * ====================================================================== */

/* Unpack 8 values of bw (1..32) bits. Reads up to in[bw + 7]. */
PS_AI void unpack8_u32(const uint8_t *in, uint32_t *out, const int bw) {
  const uint64_t mask = ((uint64_t)1 << bw) - 1;
#pragma GCC unroll 8
  for (int j = 0; j < 8; j++) {
    const int bit = j * bw;
    out[j] = (uint32_t)((load64(in + (bit >> 3)) >> (bit & 7)) & mask);
  }
}

/* Unpack ngroups groups of 8 values; reads up to in[ngroups * bw + 7]. */
static void unpack_groups_u32(const uint8_t *in, uint32_t *out, int64_t ngroups, int bw) {
  switch (bw) {
#define PS_UNPACK_CASE(B)                                                        \
  case B:                                                                        \
    for (int64_t g = 0; g < ngroups; g++) unpack8_u32(in + g * (B), out + g * 8, B); \
    break;
    PS_UNPACK_CASE(1) PS_UNPACK_CASE(2) PS_UNPACK_CASE(3) PS_UNPACK_CASE(4) PS_UNPACK_CASE(5)
    PS_UNPACK_CASE(6) PS_UNPACK_CASE(7) PS_UNPACK_CASE(8) PS_UNPACK_CASE(9) PS_UNPACK_CASE(10)
    PS_UNPACK_CASE(11) PS_UNPACK_CASE(12) PS_UNPACK_CASE(13) PS_UNPACK_CASE(14) PS_UNPACK_CASE(15)
    PS_UNPACK_CASE(16) PS_UNPACK_CASE(17) PS_UNPACK_CASE(18) PS_UNPACK_CASE(19) PS_UNPACK_CASE(20)
    PS_UNPACK_CASE(21) PS_UNPACK_CASE(22) PS_UNPACK_CASE(23) PS_UNPACK_CASE(24) PS_UNPACK_CASE(25)
    PS_UNPACK_CASE(26) PS_UNPACK_CASE(27) PS_UNPACK_CASE(28) PS_UNPACK_CASE(29) PS_UNPACK_CASE(30)
    PS_UNPACK_CASE(31) PS_UNPACK_CASE(32)
#undef PS_UNPACK_CASE
    default: memset(out, 0, (size_t)ngroups * 8 * sizeof *out); break;
  }
}

/* Decode `take` values of a bit-packed run whose data starts at p (`av`
 * readable bytes, at least ceil(take * bw / 8)). */
static void unpack_run_u32(const uint8_t *p, size_t av, int bw, uint32_t *out, int64_t take) {
  if (bw == 0) {
    memset(out, 0, (size_t)take * sizeof *out);
    return;
  }
  int64_t full = take / 8;
  /* groups that can be read straight from the input (8 bytes of slack) */
  int64_t direct = av >= 8 ? (int64_t)((av - 8) / (size_t)bw) : 0;
  if (direct > full) direct = full;
  unpack_groups_u32(p, out, direct, bw);
  for (int64_t g = direct; g * 8 < take; g++) {
    uint8_t tmp[32 + 8] = {0};
    uint32_t vals[8];
    size_t off = (size_t)g * (size_t)bw;
    size_t n = av - off < (size_t)bw ? av - off : (size_t)bw;
    memcpy(tmp, p + off, n);
    unpack_groups_u32(tmp, vals, 1, bw);
    int64_t k = take - g * 8 < 8 ? take - g * 8 : 8;
    memcpy(out + g * 8, vals, (size_t)k * sizeof *out);
  }
}

static uint32_t max_u32(const uint32_t *v, int64_t n) {
  uint32_t m[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) m[k] = v[i + k] > m[k] ? v[i + k] : m[k];
  }
  for (; i < n; i++) m[0] = v[i] > m[0] ? v[i] : m[0];
  for (int k = 1; k < 8; k++) m[0] = m[k] > m[0] ? m[k] : m[0];
  return m[0];
}

/* Reads a run header; *bitpacked and *n (groups or run length). */
static int rle_header(const uint8_t **p, const uint8_t *end, int *bitpacked, uint64_t *n) {
  uint64_t h;
  int r = read_uleb(p, end, &h);
  if (r == 0) return ps__error(PS_ERR_CORRUPT, "RLE: stream ends inside a run header");
  if (r < 0 || h > UINT32_MAX) return ps__error(PS_ERR_CORRUPT, "RLE: run header does not fit 32 bits");
  *bitpacked = (int)(h & 1);
  *n = h >> 1;
  return PS_OK;
}

int pq_rle_decode(const uint8_t *p, const uint8_t *end, int bit_width, uint32_t *out, int64_t count,
                  uint32_t max_value) {
  if (bit_width < 0 || bit_width > 32) return ps__error(PS_ERR_CORRUPT, "RLE: bit width %d (must be 0..32)", bit_width);
  if (count < 0) return ps__error(PS_ERR_INVALID, "RLE: negative value count");
  const int check = max_value > 0 && (bit_width == 32 || max_value < ((uint64_t)1 << bit_width));
  const size_t vbytes = ((size_t)bit_width + 7) / 8;
  int64_t i = 0;
  while (i < count) {
    int bp = 0;
    uint64_t n = 0;
    PS_TRY(rle_header(&p, end, &bp, &n));
    int64_t rem = count - i;
    size_t av = avail(p, end);
    if (bp) {
      uint64_t nvals = n * 8; /* n < 2^31 */
      /* a final run may be padded past the values left (DuckDB pads whole
       * runs, not just the last group of 8): decode what is needed */
      int64_t take = (int64_t)nvals < rem ? (int64_t)nvals : rem;
      uint64_t need = ((uint64_t)take * (uint64_t)bit_width + 7) / 8;
      if (need > av)
        return ps__error(PS_ERR_CORRUPT, "RLE: bit-packed run truncated (%llu bytes needed, %zu left)",
                         (unsigned long long)need, av);
      /* in slices, so the range check reads values still in L1 */
      for (int64_t c = 0; c < take; c += 2048) {
        int64_t k = take - c < 2048 ? take - c : 2048;
        size_t off = (size_t)(c / 8) * (size_t)bit_width;
        unpack_run_u32(p + off, av - off, bit_width, out + i + c, k);
        if (check) {
          uint32_t m = max_u32(out + i + c, k);
          if (m >= max_value)
            return ps__error(PS_ERR_CORRUPT, "RLE: value %u out of range (must be < %u)", m, max_value);
        }
      }
      uint64_t full = n * (uint64_t)bit_width;
      p += full < av ? full : av;
      i += take;
    } else {
      if (n > (uint64_t)rem) n = (uint64_t)rem; /* an over-long final run: take what is needed */
      if (av < vbytes) return ps__error(PS_ERR_CORRUPT, "RLE: stream ends inside a run value");
      uint32_t v = 0;
      for (size_t k = 0; k < vbytes; k++) v |= (uint32_t)p[k] << (8 * k);
      p += vbytes;
      if (bit_width < 32 && (v >> bit_width) != 0)
        return ps__error(PS_ERR_CORRUPT, "RLE: run value %u wider than %d bits", v, bit_width);
      if (check && v >= max_value)
        return ps__error(PS_ERR_CORRUPT, "RLE: value %u out of range (must be < %u)", v, max_value);
      uint32_t *o = out + i;
      if (v == 0) {
        memset(o, 0, (size_t)n * sizeof *o);
      } else {
        for (uint64_t k = 0; k < n; k++) o[k] = v;
      }
      i += (int64_t)n;
    }
  }
  return PS_OK;
}

/* Set or clear bits [start, start + n) of bm. */
static void fill_bits(uint8_t *bm, int64_t start, int64_t n, int v) {
  if (n <= 0) return;
  uint8_t *b = bm + (start >> 3);
  int s = (int)(start & 7);
  if (s) {
    int k = n < 8 - s ? (int)n : 8 - s;
    uint8_t mask = (uint8_t)(((1u << k) - 1) << s);
    *b = v ? (uint8_t)(*b | mask) : (uint8_t)(*b & ~mask);
    b++;
    n -= k;
  }
  size_t nb = (size_t)(n >> 3);
  memset(b, v ? 0xff : 0, nb);
  int rem = (int)(n & 7);
  if (rem) {
    uint8_t mask = (uint8_t)((1u << rem) - 1);
    b[nb] = v ? (uint8_t)(b[nb] | mask) : (uint8_t)(b[nb] & ~mask);
  }
}

/* Write n bits from src (starting at its bit 0) into dst at bit pos,
 * leaving dst's other bits alone. */
static void write_bits(uint8_t *dst, int64_t pos, const uint8_t *src, int64_t n) {
  uint8_t *d = dst + (pos >> 3);
  int s = (int)(pos & 7);
  size_t nb = (size_t)(n >> 3);
  int rem = (int)(n & 7);
  if (s == 0) {
    memcpy(d, src, nb);
    if (rem) {
      uint8_t mask = (uint8_t)((1u << rem) - 1);
      d[nb] = (uint8_t)((d[nb] & ~mask) | (src[nb] & mask));
    }
    return;
  }
  const uint8_t low = (uint8_t)((1u << s) - 1);
  for (size_t i = 0; i < nb; i++) {
    unsigned v = (unsigned)src[i] << s;
    d[i] = (uint8_t)((d[i] & low) | (v & 0xff));
    d[i + 1] = (uint8_t)((d[i + 1] & ~low) | (v >> 8));
  }
  for (int k = 0; k < rem; k++) {
    int64_t q = pos + (int64_t)nb * 8 + k;
    uint8_t m = (uint8_t)(1u << (q & 7));
    if ((src[nb] >> k) & 1)
      dst[q >> 3] |= m;
    else
      dst[q >> 3] &= (uint8_t)~m;
  }
}

/* Number of set bits among the first n bits of p. */
static int64_t count_ones(const uint8_t *p, int64_t n) {
  int64_t c = 0;
  size_t nb = (size_t)(n >> 3), i = 0;
  for (; i + 8 <= nb; i += 8) c += __builtin_popcountll(load64(p + i));
  for (; i < nb; i++) c += __builtin_popcount(p[i]);
  int rem = (int)(n & 7);
  if (rem) c += __builtin_popcount(p[nb] & ((1u << rem) - 1));
  return c;
}

int pq_rle_decode_bitmap(const uint8_t *p, const uint8_t *end, int64_t count, uint8_t *bitmap, int64_t offset,
                         int64_t *num_valid) {
  if (count < 0 || offset < 0) return ps__error(PS_ERR_INVALID, "RLE: negative level count or offset");
  int64_t i = 0, ones = 0;
  while (i < count) {
    int bp = 0;
    uint64_t n = 0;
    PS_TRY(rle_header(&p, end, &bp, &n));
    int64_t rem = count - i;
    size_t av = avail(p, end);
    if (bp) {
      uint64_t nvals = n * 8;
      /* a final run may be padded past the values left (DuckDB pads whole
       * runs, not just the last group of 8): decode what is needed */
      int64_t take = (int64_t)nvals < rem ? (int64_t)nvals : rem;
      size_t need = (size_t)(take + 7) / 8;
      if (need > av)
        return ps__error(PS_ERR_CORRUPT, "RLE: bit-packed levels truncated (%zu bytes needed, %zu left)", need, av);
      write_bits(bitmap, offset + i, p, take);
      ones += count_ones(p, take);
      p += n < av ? n : av;
      i += take;
    } else {
      if (n > (uint64_t)rem) n = (uint64_t)rem; /* an over-long final run: take what is needed */
      if (av < 1) return ps__error(PS_ERR_CORRUPT, "RLE: stream ends inside a run value");
      uint8_t v = *p++;
      if (v > 1) return ps__error(PS_ERR_CORRUPT, "RLE: level %u in a 1-bit level stream", v);
      fill_bits(bitmap, offset + i, (int64_t)n, v);
      if (v) ones += (int64_t)n;
      i += (int64_t)n;
    }
  }
  if (num_valid) *num_valid = ones;
  return PS_OK;
}

/* ---- RLE encoding ---- */

static int rle_put_run(ps_buf *out, uint32_t v, int64_t n, int bw) {
  PS_TRY(ps_buf_reserve(out, 10 + 4));
  uint8_t *d = out->data + out->len;
  size_t k = put_uleb(d, (uint64_t)n << 1);
  for (int b = 0; b < (bw + 7) / 8; b++) d[k++] = (uint8_t)(v >> (8 * b));
  out->len += k;
  return PS_OK;
}

/* Pack 8*ngroups values of bw bits LSB first. */
static void pack_u32(uint8_t *d, const uint32_t *v, int64_t n, int bw) {
  uint64_t acc = 0;
  int nb = 0;
  for (int64_t i = 0; i < n; i++) {
    acc |= (uint64_t)v[i] << nb;
    nb += bw;
    while (nb >= 8) {
      *d++ = (uint8_t)acc;
      acc >>= 8;
      nb -= 8;
    }
  }
}

/* Bit-packed run of n values (the last group padded with zeros). */
static int rle_put_literal(ps_buf *out, const uint32_t *v, int64_t n, int bw) {
  if (n <= 0) return PS_OK;
  int64_t groups = (n + 7) / 8;
  PS_TRY(ps_buf_reserve(out, 10 + (size_t)groups * (size_t)bw));
  uint8_t *d = out->data + out->len;
  size_t k = put_uleb(d, ((uint64_t)groups << 1) | 1);
  int64_t full = n / 8;
  pack_u32(d + k, v, full * 8, bw);
  k += (size_t)full * (size_t)bw;
  if (n % 8) {
    uint32_t last[8] = {0};
    memcpy(last, v + full * 8, (size_t)(n % 8) * sizeof *v);
    pack_u32(d + k, last, 8, bw);
    k += (size_t)bw;
  }
  out->len += k;
  return PS_OK;
}

int pq_rle_encode(ps_buf *out, const uint32_t *values, int64_t count, int bit_width) {
  if (bit_width < 0 || bit_width > 32) return ps__error(PS_ERR_INVALID, "RLE: bit width %d (must be 0..32)", bit_width);
  if (count < 0) return ps__error(PS_ERR_INVALID, "RLE: negative value count");
  if (bit_width < 32) {
    uint32_t all = 0;
    for (int64_t i = 0; i < count; i++) all |= values[i];
    if (all >> bit_width) return ps__error(PS_ERR_INVALID, "RLE: value does not fit %d bits", bit_width);
  }
  int64_t i = 0, lit = 0;
  while (i < count) {
    uint32_t v = values[i];
    int64_t j = i + 1;
    while (j < count && values[j] == v) j++;
    int64_t r = j - i;
    if (r >= 8) {
      int64_t pending = i - lit;
      if (pending > 0) {
        /* literal runs must hold whole groups of 8: borrow from the run */
        int64_t pad = (8 - (pending & 7)) & 7;
        if (r - pad < 8) {
          i = j;
          continue;
        }
        PS_TRY(rle_put_literal(out, values + lit, pending + pad, bit_width));
        r -= pad;
      }
      PS_TRY(rle_put_run(out, v, r, bit_width));
      lit = j;
    }
    i = j;
  }
  return rle_put_literal(out, values + lit, count - lit, bit_width);
}

/* Up to 64 bits of bm starting at bit `pos`, never reading at or past byte
 * (endbit + 7) / 8. Bits past endbit are unspecified. */
static inline uint64_t load_bits(const uint8_t *bm, int64_t pos, int64_t endbit) {
  int64_t byte = pos >> 3;
  int s = (int)(pos & 7);
  int64_t av = ((endbit + 7) >> 3) - byte;
  uint64_t lo, hi;
  if (av >= 9) {
    lo = load64(bm + byte);
    hi = bm[byte + 8];
  } else {
    uint8_t tmp[9] = {0};
    memcpy(tmp, bm + byte, (size_t)av);
    lo = load64(tmp);
    hi = tmp[8];
  }
  return s ? (lo >> s) | (hi << (64 - s)) : lo;
}

/* Length of the run of equal bits starting at relative position i. */
static int64_t bit_run(const uint8_t *bm, int64_t offset, int64_t i, int64_t count, int v) {
  int64_t r = 0, endbit = offset + count;
  while (i + r < count) {
    uint64_t w = load_bits(bm, offset + i + r, endbit);
    if (v) w = ~w;
    int64_t left = count - (i + r);
    if (left < 64) w |= ~(uint64_t)0 << left;
    if (w == 0) {
      r += 64;
      continue;
    }
    r += __builtin_ctzll(w);
    break;
  }
  return r;
}

/* Bit-packed run of the n bits at relative position start (1-bit levels). */
static int rle_put_bit_literal(ps_buf *out, const uint8_t *bm, int64_t offset, int64_t start, int64_t n,
                               int64_t endbit) {
  if (n <= 0) return PS_OK;
  int64_t groups = (n + 7) / 8;
  PS_TRY(ps_buf_reserve(out, 10 + (size_t)groups + 8));
  uint8_t *d = out->data + out->len;
  size_t k = put_uleb(d, ((uint64_t)groups << 1) | 1);
  for (int64_t b = 0; b < n; b += 64) {
    uint64_t w = load_bits(bm, offset + start + b, endbit);
    int64_t left = n - b;
    if (left < 64) w &= ((uint64_t)1 << left) - 1;
    store64(d + k, w); /* room reserved: groups + 8 */
    k += left >= 64 ? 8 : (size_t)(left + 7) / 8;
  }
  out->len += k;
  return PS_OK;
}

int pq_rle_encode_bitmap(ps_buf *out, const uint8_t *bitmap, int64_t offset, int64_t count) {
  if (count < 0 || offset < 0) return ps__error(PS_ERR_INVALID, "RLE: negative level count or offset");
  int64_t i = 0, lit = 0, endbit = offset + count;
  while (i < count) {
    int v = (bitmap[(offset + i) >> 3] >> ((offset + i) & 7)) & 1;
    int64_t r = bit_run(bitmap, offset, i, count, v);
    int64_t j = i + r;
    if (r >= 8) {
      int64_t pending = i - lit;
      if (pending > 0) {
        int64_t pad = (8 - (pending & 7)) & 7;
        if (r - pad < 8) {
          i = j;
          continue;
        }
        PS_TRY(rle_put_bit_literal(out, bitmap, offset, lit, pending + pad, endbit));
        r -= pad;
      }
      PS_TRY(rle_put_run(out, (uint32_t)v, r, 1));
      lit = j;
    }
    i = j;
  }
  return rle_put_bit_literal(out, bitmap, offset, lit, count - lit, endbit);
}

/* ======================================================================
 * PLAIN booleans
 * ====================================================================== */

/* 8 bytes (any nonzero = true) to 8 bits, LSB first. */
PS_AI uint8_t bytes_to_bits(uint64_t w) {
  w |= w >> 4;
  w |= w >> 2;
  w |= w >> 1;
  w &= 0x0101010101010101ull;
  return (uint8_t)((w * 0x0102040810204080ull) >> 56);
}

/* 8 bits to 8 bytes of 0/1. */
PS_AI uint64_t bits_to_bytes(uint8_t b) {
  uint64_t x = (uint64_t)b * 0x0101010101010101ull;
  x &= 0x8040201008040201ull;
  return ((x + 0x7f7f7f7f7f7f7f7full) >> 7) & 0x0101010101010101ull;
}

int pq_plain_encode_bool(ps_buf *out, const uint8_t *values, int64_t count) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "PLAIN: negative boolean count");
  if (count == 0) return PS_OK;
  size_t nbytes = (size_t)(count + 7) / 8;
  PS_TRY(ps_buf_reserve(out, nbytes));
  uint8_t *d = out->data + out->len;
  int64_t full = count / 8;
  for (int64_t g = 0; g < full; g++) d[g] = bytes_to_bits(load64(values + g * 8));
  if (count % 8) {
    uint8_t tmp[8] = {0};
    memcpy(tmp, values + full * 8, (size_t)(count % 8));
    d[full] = bytes_to_bits(load64(tmp));
  }
  out->len += nbytes;
  return PS_OK;
}

int pq_plain_decode_bool(const uint8_t *p, const uint8_t *end, uint8_t *out, int64_t count) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "PLAIN: negative boolean count");
  size_t need = (size_t)(count + 7) / 8;
  if (need > avail(p, end))
    return ps__error(PS_ERR_CORRUPT, "PLAIN: %lld booleans need %zu bytes, page has %zu", (long long)count, need,
                     avail(p, end));
  int64_t full = count / 8;
  for (int64_t g = 0; g < full; g++) store64(out + g * 8, bits_to_bytes(p[g]));
  if (count % 8) {
    uint8_t tmp[8];
    store64(tmp, bits_to_bytes(p[full]));
    memcpy(out + full * 8, tmp, (size_t)(count % 8));
  }
  return PS_OK;
}

/* ======================================================================
 * DELTA_BINARY_PACKED
 * ====================================================================== */

#define DELTA_BLOCK 128
#define DELTA_MINIBLOCKS 4
#define DELTA_MB_VALUES (DELTA_BLOCK / DELTA_MINIBLOCKS)

/* Unpack 32 values of bw (0..64) bits; reads up to in[4 * bw + 8]. */
PS_AI void unpack32_u64(const uint8_t *in, uint64_t *out, const int bw) {
  const uint64_t mask = bw == 64 ? ~(uint64_t)0 : ((uint64_t)1 << bw) - 1;
#pragma GCC unroll 32
  for (int j = 0; j < 32; j++) {
    const int bit = j * bw;
    const uint8_t *q = in + (bit >> 3);
    const int s = bit & 7;
    uint64_t w = load64(q) >> s;
    if (bw > 56 && s) w |= (uint64_t)q[8] << (64 - s);
    out[j] = w & mask;
  }
}

static void unpack32_dispatch(const uint8_t *in, uint64_t *out, int bw) {
  switch (bw) {
#define PS_U64_CASE(B) \
  case B: unpack32_u64(in, out, B); break;
    PS_U64_CASE(1) PS_U64_CASE(2) PS_U64_CASE(3) PS_U64_CASE(4) PS_U64_CASE(5) PS_U64_CASE(6) PS_U64_CASE(7)
    PS_U64_CASE(8) PS_U64_CASE(9) PS_U64_CASE(10) PS_U64_CASE(11) PS_U64_CASE(12) PS_U64_CASE(13)
    PS_U64_CASE(14) PS_U64_CASE(15) PS_U64_CASE(16) PS_U64_CASE(17) PS_U64_CASE(18) PS_U64_CASE(19)
    PS_U64_CASE(20) PS_U64_CASE(21) PS_U64_CASE(22) PS_U64_CASE(23) PS_U64_CASE(24) PS_U64_CASE(25)
    PS_U64_CASE(26) PS_U64_CASE(27) PS_U64_CASE(28) PS_U64_CASE(29) PS_U64_CASE(30) PS_U64_CASE(31)
    PS_U64_CASE(32) PS_U64_CASE(33) PS_U64_CASE(34) PS_U64_CASE(35) PS_U64_CASE(36) PS_U64_CASE(37)
    PS_U64_CASE(38) PS_U64_CASE(39) PS_U64_CASE(40) PS_U64_CASE(41) PS_U64_CASE(42) PS_U64_CASE(43)
    PS_U64_CASE(44) PS_U64_CASE(45) PS_U64_CASE(46) PS_U64_CASE(47) PS_U64_CASE(48) PS_U64_CASE(49)
    PS_U64_CASE(50) PS_U64_CASE(51) PS_U64_CASE(52) PS_U64_CASE(53) PS_U64_CASE(54) PS_U64_CASE(55)
    PS_U64_CASE(56) PS_U64_CASE(57) PS_U64_CASE(58) PS_U64_CASE(59) PS_U64_CASE(60) PS_U64_CASE(61)
    PS_U64_CASE(62) PS_U64_CASE(63) PS_U64_CASE(64)
#undef PS_U64_CASE
    default: memset(out, 0, 32 * sizeof *out); break;
  }
}

enum { OUT_I64, OUT_I32, OUT_OR_LOW32 };

static void delta_store(void *out, int mode, int64_t idx, const uint64_t *v, int64_t n) {
  switch (mode) {
    case OUT_I64: {
      int64_t *o = (int64_t *)out + idx;
      for (int64_t k = 0; k < n; k++) o[k] = (int64_t)v[k];
      break;
    }
    case OUT_I32: {
      int32_t *o = (int32_t *)out + idx;
      for (int64_t k = 0; k < n; k++) o[k] = (int32_t)(uint32_t)v[k];
      break;
    }
    default: {
      int64_t *o = (int64_t *)out + idx;
      for (int64_t k = 0; k < n; k++) o[k] = (int64_t)((uint64_t)o[k] | (uint32_t)v[k]);
      break;
    }
  }
}

/* Decode the first `count` values of a DELTA_BINARY_PACKED stream (which
 * may hold more; the rest is parsed to find its end). */
static int delta_decode(const uint8_t *p0, const uint8_t *end, void *out, int64_t count, size_t *consumed,
                        int mode) {
  const uint8_t *p = p0;
  if (consumed) *consumed = 0;
  if (count < 0) return ps__error(PS_ERR_INVALID, "DELTA_BINARY_PACKED: negative value count");
  if (count == 0 && p >= end) return PS_OK; /* empty stream for an all-null page */
  uint64_t bs, nmb, total, zfirst;
  if (read_uleb(&p, end, &bs) <= 0 || read_uleb(&p, end, &nmb) <= 0 || read_uleb(&p, end, &total) <= 0 ||
      read_uleb(&p, end, &zfirst) <= 0)
    return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: truncated or malformed header");
  if (bs == 0 || bs % 128 != 0 || bs > ((uint64_t)1 << 31))
    return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: block size %llu (must be a multiple of 128)",
                     (unsigned long long)bs);
  if (nmb == 0 || bs % nmb != 0 || (bs / nmb) % 32 != 0)
    return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: %llu miniblocks in a block of %llu values",
                     (unsigned long long)nmb, (unsigned long long)bs);
  if (total < (uint64_t)count)
    return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: stream holds %llu values, %lld expected",
                     (unsigned long long)total, (long long)count);
  const uint64_t vpm = bs / nmb;
  uint64_t last = zigzag_dec(zfirst);
  if (count > 0) delta_store(out, mode, 0, &last, 1);
  uint64_t left = total ? total - 1 : 0;
  int64_t idx = 1;
  uint64_t vals[32];
  while (left > 0) {
    uint64_t zmin;
    if (read_uleb(&p, end, &zmin) <= 0)
      return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: truncated or malformed block header");
    const uint64_t mind = zigzag_dec(zmin);
    if (avail(p, end) < nmb) return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: truncated miniblock bit widths");
    const uint8_t *widths = p;
    p += nmb;
    for (uint64_t m = 0; m < nmb && left > 0; m++) {
      int bw = widths[m];
      if (bw > 64) return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: miniblock bit width %d (must be <= 64)", bw);
      uint64_t n = vpm < left ? vpm : left;
      uint64_t full = vpm / 8 * (uint64_t)bw;
      size_t av = avail(p, end);
      uint64_t need = (n * (uint64_t)bw + 7) / 8;
      if (need > av)
        return ps__error(PS_ERR_CORRUPT, "DELTA_BINARY_PACKED: truncated miniblock (%llu bytes needed, %zu left)",
                         (unsigned long long)need, av);
      uint64_t want = idx < count ? (uint64_t)(count - idx) : 0;
      if (want > n) want = n;
      for (uint64_t k = 0; k < want; k += 32) {
        size_t off = (size_t)(k / 8) * (size_t)bw;
        if (bw == 0) {
          memset(vals, 0, sizeof vals);
        } else if (av - off >= 4 * (size_t)bw + 9) {
          unpack32_dispatch(p + off, vals, bw);
        } else {
          uint8_t tmp[4 * 64 + 16] = {0};
          size_t c = av - off < 4 * (size_t)bw ? av - off : 4 * (size_t)bw;
          memcpy(tmp, p + off, c);
          unpack32_dispatch(tmp, vals, bw);
        }
        int64_t chunk = (int64_t)(want - k < 32 ? want - k : 32);
        for (int64_t j = 0; j < chunk; j++) {
          last += mind + vals[j];
          vals[j] = last;
        }
        delta_store(out, mode, idx, vals, chunk);
        idx += chunk;
      }
      p += full < av ? full : av;
      left -= n;
    }
  }
  if (consumed) *consumed = (size_t)(p - p0);
  return PS_OK;
}

int pq_delta_decode_i64(const uint8_t *p, const uint8_t *end, int64_t *out, int64_t count, size_t *consumed) {
  return delta_decode(p, end, out, count, consumed, OUT_I64);
}

int pq_delta_decode_i32(const uint8_t *p, const uint8_t *end, int32_t *out, int64_t count, size_t *consumed) {
  return delta_decode(p, end, out, count, consumed, OUT_I32);
}

/* ---- encoding ---- */

enum { SRC_I64, SRC_I32, SRC_LEN, SRC_SUFFIX };

typedef struct {
  int kind;
  const void *a;       /* values or offsets */
  const int32_t *pre;  /* SRC_SUFFIX: prefix lengths */
} val_src;

static void fetch(const val_src *s, int64_t from, int64_t n, int64_t *dst) {
  switch (s->kind) {
    case SRC_I64: memcpy(dst, (const int64_t *)s->a + from, (size_t)n * 8); break;
    case SRC_I32: {
      const int32_t *v = (const int32_t *)s->a + from;
      for (int64_t k = 0; k < n; k++) dst[k] = v[k];
      break;
    }
    case SRC_LEN: {
      const int64_t *o = (const int64_t *)s->a + from;
      for (int64_t k = 0; k < n; k++) dst[k] = o[k + 1] - o[k];
      break;
    }
    default: {
      const int64_t *o = (const int64_t *)s->a + from;
      const int32_t *pre = s->pre + from;
      for (int64_t k = 0; k < n; k++) dst[k] = o[k + 1] - o[k] - pre[k];
      break;
    }
  }
}

static void put_bits(uint8_t **d, uint64_t *acc, int *nb, uint64_t v, int bits) {
  *acc |= v << *nb;
  *nb += bits;
  while (*nb >= 8) {
    *(*d)++ = (uint8_t)*acc;
    *acc >>= 8;
    *nb -= 8;
  }
}

/* Pack 32 values of bw (1..64) bits: 4 * bw bytes. */
static void pack32_u64(uint8_t *d, const uint64_t *v, int bw) {
  uint64_t acc = 0;
  int nb = 0;
  for (int j = 0; j < 32; j++) {
    if (bw <= 32) {
      put_bits(&d, &acc, &nb, v[j], bw);
    } else {
      put_bits(&d, &acc, &nb, v[j] & 0xffffffffu, 32);
      put_bits(&d, &acc, &nb, v[j] >> 32, bw - 32);
    }
  }
}

static int delta_encode(ps_buf *out, const val_src *src, int64_t count, int is32) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "DELTA_BINARY_PACKED: negative value count");
  int64_t first = 0;
  if (count > 0) fetch(src, 0, 1, &first);
  if (is32) first = (int32_t)(uint32_t)(uint64_t)first;
  PS_TRY(ps_buf_reserve(out, 40));
  uint8_t *d = out->data + out->len;
  size_t k = put_uleb(d, DELTA_BLOCK);
  k += put_uleb(d + k, DELTA_MINIBLOCKS);
  k += put_uleb(d + k, (uint64_t)count);
  k += put_uleb(d + k, zigzag_enc(first));
  out->len += k;
  uint64_t prev = (uint64_t)first;
  int64_t vals[DELTA_BLOCK];
  uint64_t adj[DELTA_BLOCK];
  for (int64_t pos = 1; pos < count; pos += DELTA_BLOCK) {
    int64_t n = count - pos < DELTA_BLOCK ? count - pos : DELTA_BLOCK;
    fetch(src, pos, n, vals);
    int64_t mind = INT64_MAX;
    for (int64_t j = 0; j < n; j++) {
      uint64_t v = (uint64_t)vals[j];
      int64_t dl = is32 ? (int64_t)(int32_t)(uint32_t)(v - prev) : (int64_t)(v - prev);
      prev = v;
      adj[j] = (uint64_t)dl;
      if (dl < mind) mind = dl;
    }
    for (int64_t j = 0; j < n; j++) {
      uint64_t a = adj[j] - (uint64_t)mind;
      adj[j] = is32 ? (uint32_t)a : a;
    }
    for (int64_t j = n; j < DELTA_BLOCK; j++) adj[j] = 0;
    int widths[DELTA_MINIBLOCKS];
    size_t body = 0;
    for (int m = 0; m < DELTA_MINIBLOCKS; m++) {
      uint64_t all = 0;
      if ((int64_t)m * DELTA_MB_VALUES < n)
        for (int j = 0; j < DELTA_MB_VALUES; j++) all |= adj[m * DELTA_MB_VALUES + j];
      widths[m] = pq_bit_width(all);
      if ((int64_t)m * DELTA_MB_VALUES < n) body += (size_t)widths[m] * 4;
    }
    PS_TRY(ps_buf_reserve(out, 10 + DELTA_MINIBLOCKS + body));
    d = out->data + out->len;
    k = put_uleb(d, zigzag_enc(mind));
    for (int m = 0; m < DELTA_MINIBLOCKS; m++) d[k++] = (uint8_t)widths[m];
    for (int m = 0; m < DELTA_MINIBLOCKS && (int64_t)m * DELTA_MB_VALUES < n; m++) {
      if (widths[m] == 0) continue;
      pack32_u64(d + k, adj + m * DELTA_MB_VALUES, widths[m]);
      k += (size_t)widths[m] * 4;
    }
    out->len += k;
  }
  return PS_OK;
}

int pq_delta_encode_i64(ps_buf *out, const int64_t *values, int64_t count) {
  val_src s = {SRC_I64, values, NULL};
  return delta_encode(out, &s, count, 0);
}

int pq_delta_encode_i32(ps_buf *out, const int32_t *values, int64_t count) {
  val_src s = {SRC_I32, values, NULL};
  return delta_encode(out, &s, count, 1);
}

/* ======================================================================
 * BYTE_STREAM_SPLIT
 * ====================================================================== */

int pq_bss_encode(ps_buf *out, const void *values, int64_t count, int width) {
  if (width != 4 && width != 8) return ps__error(PS_ERR_INVALID, "BYTE_STREAM_SPLIT: value width %d (must be 4 or 8)", width);
  if (count < 0) return ps__error(PS_ERR_INVALID, "BYTE_STREAM_SPLIT: negative value count");
  if (count == 0) return PS_OK;
  size_t n = (size_t)count;
  PS_TRY(ps_buf_reserve(out, n * (size_t)width));
  uint8_t *d = out->data + out->len;
  const uint8_t *s = values;
  if (width == 4) {
    for (size_t i = 0; i < n; i++)
      for (size_t k = 0; k < 4; k++) d[k * n + i] = s[i * 4 + k];
  } else {
    for (size_t i = 0; i < n; i++)
      for (size_t k = 0; k < 8; k++) d[k * n + i] = s[i * 8 + k];
  }
  out->len += n * (size_t)width;
  return PS_OK;
}

int pq_bss_decode(const uint8_t *p, const uint8_t *end, void *out, int64_t count, int width) {
  if (width != 4 && width != 8)
    return ps__error(PS_ERR_CORRUPT, "BYTE_STREAM_SPLIT: value width %d (must be 4 or 8)", width);
  if (count < 0) return ps__error(PS_ERR_INVALID, "BYTE_STREAM_SPLIT: negative value count");
  if (count == 0) return PS_OK;
  size_t av = avail(p, end);
  if (av % (size_t)width != 0)
    return ps__error(PS_ERR_CORRUPT, "BYTE_STREAM_SPLIT: %zu bytes is not a multiple of the value width %d", av, width);
  size_t stride = av / (size_t)width, n = (size_t)count;
  if (n > stride)
    return ps__error(PS_ERR_CORRUPT, "BYTE_STREAM_SPLIT: %lld values expected, page holds %zu", (long long)count, stride);
  uint8_t *d = out;
  if (width == 4) {
    const uint8_t *s0 = p, *s1 = p + stride, *s2 = p + 2 * stride, *s3 = p + 3 * stride;
    for (size_t i = 0; i < n; i++) {
      uint8_t b[4] = {s0[i], s1[i], s2[i], s3[i]};
      memcpy(d + i * 4, b, 4);
    }
  } else {
    const uint8_t *s[8];
    for (int k = 0; k < 8; k++) s[k] = p + (size_t)k * stride;
    for (size_t i = 0; i < n; i++) {
      uint8_t b[8] = {s[0][i], s[1][i], s[2][i], s[3][i], s[4][i], s[5][i], s[6][i], s[7][i]};
      memcpy(d + i * 8, b, 8);
    }
  }
  return PS_OK;
}

/* ======================================================================
 * Byte arrays
 * ====================================================================== */

int pq_plain_decode_byte_array(const uint8_t *p, const uint8_t *end, int64_t count, int64_t *offsets, ps_buf *bytes) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "PLAIN: negative byte array count");
  /* pass 1: validate and size */
  const uint8_t *q = p;
  size_t total = 0;
  for (int64_t i = 0; i < count; i++) {
    if (avail(q, end) < 4)
      return ps__error(PS_ERR_CORRUPT, "PLAIN: byte array %lld of %lld: truncated length", (long long)i, (long long)count);
    uint32_t len;
    memcpy(&len, q, 4);
    q += 4;
    if (len > avail(q, end))
      return ps__error(PS_ERR_CORRUPT, "PLAIN: byte array %lld of %lld: length %u exceeds the %zu bytes left",
                       (long long)i, (long long)count, len, avail(q, end));
    q += len;
    total += len;
  }
  PS_TRY(ps_buf_reserve(bytes, total));
  uint8_t *d = total ? bytes->data + bytes->len : NULL;
  q = p;
  for (int64_t i = 0; i < count; i++) {
    uint32_t len;
    memcpy(&len, q, 4);
    if (len) {
      memcpy(d, q + 4, len);
      d += len;
    }
    q += 4 + (size_t)len;
    offsets[i + 1] = offsets[i] + (int64_t)len;
  }
  bytes->len += total;
  return PS_OK;
}

/* Lengths already in offsets[1..count] (as decoded int64 of an INT32
 * stream): validate against `av` data bytes; returns the total in *total. */
static int check_lengths(const char *enc, const int64_t *offsets, int64_t count, size_t av, size_t *total) {
  size_t t = 0;
  for (int64_t i = 0; i < count; i++) {
    int32_t l = (int32_t)(uint32_t)(uint64_t)offsets[i + 1];
    if (l < 0) return ps__error(PS_ERR_CORRUPT, "%s: negative length %d for value %lld", enc, l, (long long)i);
    t += (size_t)l;
    if (t > av)
      return ps__error(PS_ERR_CORRUPT, "%s: lengths need more than the %zu data bytes left (value %lld)", enc, av,
                       (long long)i);
  }
  *total = t;
  return PS_OK;
}

int pq_dlba_decode(const uint8_t *p, const uint8_t *end, int64_t count, int64_t *offsets, ps_buf *bytes) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "DELTA_LENGTH_BYTE_ARRAY: negative value count");
  if (count == 0) return PS_OK;
  size_t used;
  int rc = delta_decode(p, end, offsets + 1, count, &used, OUT_I64);
  if (rc < 0) return ps__error_prefix(rc, "DELTA_LENGTH_BYTE_ARRAY lengths");
  const uint8_t *data = p + used;
  size_t total = 0;
  PS_TRY(check_lengths("DELTA_LENGTH_BYTE_ARRAY", offsets, count, avail(data, end), &total));
  PS_TRY(ps_buf_reserve(bytes, total));
  if (total) memcpy(bytes->data + bytes->len, data, total);
  bytes->len += total;
  for (int64_t i = 0; i < count; i++) offsets[i + 1] = offsets[i] + (int32_t)(uint32_t)(uint64_t)offsets[i + 1];
  return PS_OK;
}

#define DBA_MAX_BYTES ((uint64_t)1 << 31)

int pq_dba_decode(const uint8_t *p, const uint8_t *end, int64_t count, int64_t *offsets, ps_buf *bytes) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "DELTA_BYTE_ARRAY: negative value count");
  if (count == 0) return PS_OK;
  /* prefix lengths -> high 32 bits of offsets[1..count], suffix lengths -> low 32 */
  size_t used1, used2;
  int rc = delta_decode(p, end, offsets + 1, count, &used1, OUT_I64);
  if (rc < 0) return ps__error_prefix(rc, "DELTA_BYTE_ARRAY prefix lengths");
  for (int64_t i = 0; i < count; i++) {
    int32_t pl = (int32_t)(uint32_t)(uint64_t)offsets[i + 1];
    if (pl < 0) return ps__error(PS_ERR_CORRUPT, "DELTA_BYTE_ARRAY: negative prefix length %d", pl);
    offsets[i + 1] = (int64_t)((uint64_t)pl << 32);
  }
  const uint8_t *q = p + used1;
  rc = delta_decode(q, end, offsets + 1, count, &used2, OUT_OR_LOW32);
  if (rc < 0) return ps__error_prefix(rc, "DELTA_BYTE_ARRAY suffix lengths");
  const uint8_t *data = q + used2;
  size_t av = avail(data, end), suffix_total = 0;
  uint64_t total = 0, prev_len = 0;
  for (int64_t i = 0; i < count; i++) {
    uint64_t v = (uint64_t)offsets[i + 1];
    uint64_t pl = v >> 32;
    int32_t sl = (int32_t)(uint32_t)v;
    if (sl < 0) return ps__error(PS_ERR_CORRUPT, "DELTA_BYTE_ARRAY: negative suffix length %d", sl);
    if (pl > prev_len)
      return ps__error(PS_ERR_CORRUPT, "DELTA_BYTE_ARRAY: prefix length %llu longer than the previous value (%llu)",
                       (unsigned long long)pl, (unsigned long long)prev_len);
    suffix_total += (size_t)sl;
    if (suffix_total > av)
      return ps__error(PS_ERR_CORRUPT, "DELTA_BYTE_ARRAY: suffixes need more than the %zu data bytes left", av);
    prev_len = pl + (uint64_t)sl;
    total += prev_len;
    if (total > DBA_MAX_BYTES)
      return ps__error(PS_ERR_LIMIT, "DELTA_BYTE_ARRAY: values expand to more than %llu bytes in one page",
                       (unsigned long long)DBA_MAX_BYTES);
  }
  if (total == 0) {
    for (int64_t i = 0; i < count; i++) offsets[i + 1] = offsets[i];
    return PS_OK;
  }
  PS_TRY(ps_buf_reserve(bytes, (size_t)total));
  uint8_t *base = bytes->data + bytes->len;
  uint8_t *d = base;
  const uint8_t *prev = base;
  for (int64_t i = 0; i < count; i++) {
    uint64_t v = (uint64_t)offsets[i + 1];
    size_t pl = (size_t)(v >> 32), sl = (uint32_t)v;
    if (pl) memmove(d, prev, pl); /* never overlaps: pl <= previous length */
    if (sl) memcpy(d + pl, data, sl);
    data += sl;
    prev = d;
    d += pl + sl;
    offsets[i + 1] = offsets[i] + (int64_t)(pl + sl);
  }
  bytes->len += (size_t)total;
  return PS_OK;
}

static int check_offsets(const char *enc, const int64_t *offsets, int64_t count) {
  for (int64_t i = 0; i < count; i++) {
    int64_t l = offsets[i + 1] - offsets[i];
    if (l < 0 || l > INT32_MAX) return ps__error(PS_ERR_INVALID, "%s: value %lld has length %lld", enc, (long long)i, (long long)l);
  }
  return PS_OK;
}

int pq_dlba_encode(ps_buf *out, const int64_t *offsets, const uint8_t *bytes, int64_t count) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "DELTA_LENGTH_BYTE_ARRAY: negative value count");
  PS_TRY(check_offsets("DELTA_LENGTH_BYTE_ARRAY", offsets, count));
  val_src s = {SRC_LEN, offsets, NULL};
  PS_TRY(delta_encode(out, &s, count, 1));
  if (count == 0 || offsets[count] == offsets[0]) return PS_OK;
  return ps_buf_append(out, bytes + offsets[0], (size_t)(offsets[count] - offsets[0]));
}

int pq_dba_encode(ps_buf *out, const int64_t *offsets, const uint8_t *bytes, int64_t count) {
  if (count < 0) return ps__error(PS_ERR_INVALID, "DELTA_BYTE_ARRAY: negative value count");
  PS_TRY(check_offsets("DELTA_BYTE_ARRAY", offsets, count));
  int32_t *pre = NULL;
  if (count > 0) {
    pre = ps__malloc((size_t)count * sizeof *pre);
    if (!pre) return PS_NOMEM();
  }
  size_t suffix_total = 0;
  for (int64_t i = 0; i < count; i++) {
    int64_t len = offsets[i + 1] - offsets[i];
    int64_t k = 0;
    if (i > 0) {
      int64_t plen = offsets[i] - offsets[i - 1];
      int64_t lim = plen < len ? plen : len;
      if (lim > 0) {
        const uint8_t *a = bytes + offsets[i - 1], *b = bytes + offsets[i];
        while (k < lim && a[k] == b[k]) k++;
      }
    }
    pre[i] = (int32_t)k;
    suffix_total += (size_t)(len - k);
  }
  int rc;
  val_src sp = {SRC_I32, pre, NULL};
  val_src ss = {SRC_SUFFIX, offsets, pre};
  PS_CHECK(delta_encode(out, &sp, count, 1));
  PS_CHECK(delta_encode(out, &ss, count, 1));
  PS_CHECK(ps_buf_reserve(out, suffix_total));
  for (int64_t i = 0; i < count; i++) {
    size_t sl = (size_t)(offsets[i + 1] - offsets[i] - pre[i]);
    if (sl) ps_buf_append_unchecked(out, bytes + offsets[i] + pre[i], sl);
  }
fail:
  ps__free_mem(pre);
  return rc;
}
