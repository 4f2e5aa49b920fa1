#include "codec/codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <libdeflate.h>
#include <lz4.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "util/error.h"

int ps_codec_to_parquet(ps_codec c) {
  switch (c) {
    case PS_CODEC_NONE: return PQ_CODEC_UNCOMPRESSED;
    case PS_CODEC_GZIP: return PQ_CODEC_GZIP;
    case PS_CODEC_ZSTD: return PQ_CODEC_ZSTD;
    case PS_CODEC_LZ4_RAW: return PQ_CODEC_LZ4_RAW;
    case PS_CODEC_BROTLI: return PQ_CODEC_BROTLI;
    case PS_CODEC_DEFAULT:
    case PS_CODEC_SNAPPY:
    default: return PQ_CODEC_SNAPPY;
  }
}

const char *ps_parquet_codec_name(int c) {
  switch (c) {
    case PQ_CODEC_UNCOMPRESSED: return "UNCOMPRESSED";
    case PQ_CODEC_SNAPPY: return "SNAPPY";
    case PQ_CODEC_GZIP: return "GZIP";
    case PQ_CODEC_LZO: return "LZO";
    case PQ_CODEC_BROTLI: return "BROTLI";
    case PQ_CODEC_LZ4: return "LZ4";
    case PQ_CODEC_ZSTD: return "ZSTD";
    case PQ_CODEC_LZ4_RAW: return "LZ4_RAW";
  }
  return "UNKNOWN";
}

int ps_codec_from_name(const char *name, ps_codec *out) {
  static const struct {
    const char *name;
    ps_codec codec;
  } names[] = {{"snappy", PS_CODEC_SNAPPY}, {"none", PS_CODEC_NONE},     {"uncompressed", PS_CODEC_NONE},
               {"gzip", PS_CODEC_GZIP},     {"zstd", PS_CODEC_ZSTD},     {"lz4", PS_CODEC_LZ4_RAW},
               {"lz4_raw", PS_CODEC_LZ4_RAW}, {"brotli", PS_CODEC_BROTLI}};
  for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
    if (strcasecmp(name, names[i].name) == 0) {
      *out = names[i].codec;
      return PS_OK;
    }
  }
  return ps__error(PS_ERR_INVALID, "unknown codec '%s' (use none, snappy, gzip, zstd, lz4_raw, brotli)",
                   name ? name : "(null)");
}

const char *ps_codec_name(ps_codec c) {
  switch (c) {
    case PS_CODEC_NONE: return "none";
    case PS_CODEC_GZIP: return "gzip";
    case PS_CODEC_ZSTD: return "zstd";
    case PS_CODEC_LZ4_RAW: return "lz4_raw";
    case PS_CODEC_BROTLI: return "brotli";
    default: return "snappy";
  }
}

size_t ps_compress_bound(int codec, size_t n) {
  switch (codec) {
    case PQ_CODEC_SNAPPY: return snappy_max_compressed_length(n);
    case PQ_CODEC_GZIP: return compressBound((uLong)n) + 32;
    case PQ_CODEC_ZSTD: return ZSTD_compressBound(n);
    case PQ_CODEC_LZ4_RAW: return (size_t)LZ4_compressBound((int)(n > (size_t)LZ4_MAX_INPUT_SIZE ? LZ4_MAX_INPUT_SIZE : n));
    case PQ_CODEC_BROTLI: return BrotliEncoderMaxCompressedSize(n) ? BrotliEncoderMaxCompressedSize(n) : n + 1024;
    default: return n;
  }
}

static int gzip_compress(int level, const void *src, size_t n, void *dst, size_t cap, size_t *out_len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, level ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return ps__error(PS_ERR_CODEC, "gzip: deflateInit2 failed");
  zs.next_in = (Bytef *)(uintptr_t)src;
  zs.avail_in = (uInt)n;
  zs.next_out = dst;
  zs.avail_out = (uInt)cap;
  int zr = deflate(&zs, Z_FINISH);
  *out_len = zs.total_out;
  deflateEnd(&zs);
  if (zr != Z_STREAM_END) return ps__error(PS_ERR_CODEC, "gzip: deflate failed (%d)", zr);
  return PS_OK;
}

static int gzip_decompress(const void *src, size_t n, void *dst, size_t dst_len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  /* 15+32: accept gzip or zlib headers */
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return ps__error(PS_ERR_CODEC, "gzip: inflateInit2 failed");
  zs.next_in = (Bytef *)(uintptr_t)src;
  zs.avail_in = (uInt)n;
  zs.next_out = dst;
  zs.avail_out = (uInt)dst_len;
  int zr;
  for (;;) {
    zr = inflate(&zs, Z_FINISH);
    /* multi-member gzip: keep going while input remains */
    if (zr == Z_STREAM_END && zs.avail_in > 0 && zs.avail_out > 0) {
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    break;
  }
  size_t got = zs.total_out;
  int trailing = zs.avail_in > 0;
  inflateEnd(&zs);
  if (zr == Z_BUF_ERROR && zs.avail_out == 0) zr = Z_STREAM_END;
  if (zr != Z_STREAM_END && !(zr == Z_OK && got == dst_len))
    return ps__error(PS_ERR_CORRUPT, "gzip: corrupt stream (zlib %d)", zr);
  if (got != dst_len || trailing)
    return ps__error(PS_ERR_CORRUPT, "gzip: stream decodes to %zu bytes, page says %zu", got, dst_len);
  return PS_OK;
}

int ps_compress(int codec, int level, const void *src, size_t n, void *dst, size_t cap, size_t *out_len) {
  switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
      if (cap < n) return ps__error(PS_ERR_INTERNAL, "compress: buffer too small");
      if (n) memcpy(dst, src, n);
      *out_len = n;
      return PS_OK;
    case PQ_CODEC_SNAPPY: {
      size_t len = cap;
      if (snappy_compress(src, n, dst, &len) != SNAPPY_OK) return ps__error(PS_ERR_CODEC, "snappy: compress failed");
      *out_len = len;
      return PS_OK;
    }
    case PQ_CODEC_GZIP: return gzip_compress(level, src, n, dst, cap, out_len);
    case PQ_CODEC_ZSTD: {
      size_t r = ZSTD_compress(dst, cap, src, n, level ? level : 3);
      if (ZSTD_isError(r)) return ps__error(PS_ERR_CODEC, "zstd: %s", ZSTD_getErrorName(r));
      *out_len = r;
      return PS_OK;
    }
    case PQ_CODEC_LZ4_RAW: {
      if (n > (size_t)LZ4_MAX_INPUT_SIZE) return ps__error(PS_ERR_LIMIT, "lz4: page of %zu bytes too large", n);
      int r = LZ4_compress_default(src, dst, (int)n, (int)(cap > INT32_MAX ? INT32_MAX : cap));
      if (r <= 0 && n > 0) return ps__error(PS_ERR_CODEC, "lz4: compress failed");
      *out_len = (size_t)r;
      return PS_OK;
    }
    case PQ_CODEC_BROTLI: {
      size_t len = cap;
      if (!BrotliEncoderCompress(level ? level : 5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, src, &len, dst))
        return ps__error(PS_ERR_CODEC, "brotli: compress failed");
      *out_len = len;
      return PS_OK;
    }
  }
  return ps__error(PS_ERR_UNSUPPORTED, "compression codec %s (%d) is not supported for writing",
                   ps_parquet_codec_name(codec), codec);
}

/* Deprecated LZ4 (5): Hadoop framing (BE u32 raw length, BE u32 block length, block)*,
 * or a bare block as some old writers produced. */
static int lz4_hadoop_decompress(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len) {
  size_t ip = 0, op = 0;
  int ok = 1;
  while (ip < n) {
    if (n - ip < 8) { ok = 0; break; }
    uint32_t raw = (uint32_t)src[ip] << 24 | (uint32_t)src[ip + 1] << 16 | (uint32_t)src[ip + 2] << 8 | src[ip + 3];
    uint32_t clen = (uint32_t)src[ip + 4] << 24 | (uint32_t)src[ip + 5] << 16 | (uint32_t)src[ip + 6] << 8 | src[ip + 7];
    ip += 8;
    if (clen > n - ip || raw > dst_len - op) { ok = 0; break; }
    int r = LZ4_decompress_safe((const char *)src + ip, (char *)dst + op, (int)clen, (int)raw);
    if (r < 0 || (uint32_t)r != raw) { ok = 0; break; }
    ip += clen;
    op += raw;
  }
  if (ok && op == dst_len) return PS_OK;
  int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dst_len);
  if (r >= 0 && (size_t)r == dst_len) return PS_OK;
  return ps__error(PS_ERR_CORRUPT, "lz4: corrupt block");
}

int ps_decompress(int codec, const void *src, size_t n, void *dst, size_t dst_len) {
  switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
      if (n != dst_len) return ps__error(PS_ERR_CORRUPT, "uncompressed page: %zu bytes stored, %zu declared", n, dst_len);
      if (n) memcpy(dst, src, n);
      return PS_OK;
    case PQ_CODEC_SNAPPY: {
      size_t len;
      if (snappy_uncompressed_length(src, n, &len) != SNAPPY_OK) return ps__error(PS_ERR_CORRUPT, "snappy: corrupt header");
      if (len != dst_len) return ps__error(PS_ERR_CORRUPT, "snappy: block decodes to %zu bytes, page says %zu", len, dst_len);
      len = dst_len;
      if (snappy_uncompress(src, n, dst, &len) != SNAPPY_OK || len != dst_len)
        return ps__error(PS_ERR_CORRUPT, "snappy: corrupt input");
      return PS_OK;
    }
    case PQ_CODEC_GZIP: return gzip_decompress(src, n, dst, dst_len);
    case PQ_CODEC_ZSTD: {
      size_t r = ZSTD_decompress(dst, dst_len, src, n);
      if (ZSTD_isError(r)) return ps__error(PS_ERR_CORRUPT, "zstd: %s", ZSTD_getErrorName(r));
      if (r != dst_len) return ps__error(PS_ERR_CORRUPT, "zstd: frame decodes to %zu bytes, page says %zu", r, dst_len);
      return PS_OK;
    }
    case PQ_CODEC_LZ4_RAW: {
      if (n > INT32_MAX || dst_len > INT32_MAX) return ps__error(PS_ERR_LIMIT, "lz4: page too large");
      int r = LZ4_decompress_safe(src, dst, (int)n, (int)dst_len);
      if (r < 0 || (size_t)r != dst_len) return ps__error(PS_ERR_CORRUPT, "lz4_raw: corrupt block");
      return PS_OK;
    }
    case PQ_CODEC_LZ4:
      if (n > INT32_MAX || dst_len > INT32_MAX) return ps__error(PS_ERR_LIMIT, "lz4: page too large");
      return lz4_hadoop_decompress(src, n, dst, dst_len);
    case PQ_CODEC_BROTLI: {
      size_t len = dst_len;
      BrotliDecoderResult r = BrotliDecoderDecompress(n, src, &len, dst);
      if (r != BROTLI_DECODER_RESULT_SUCCESS || len != dst_len) return ps__error(PS_ERR_CORRUPT, "brotli: corrupt stream");
      return PS_OK;
    }
  }
  return ps__error(PS_ERR_UNSUPPORTED, "compression codec %s (%d) is not supported", ps_parquet_codec_name(codec), codec);
}

uint32_t ps_crc32(const void *p, size_t n) { return ps_crc32_update(0, p, n); }

/* libdeflate_crc32(crc, NULL, n) returns 0 (its initial value), not crc: an
 * empty piece (an all-null page's values are NULL, 0 bytes) must leave the
 * running CRC alone. */
uint32_t ps_crc32_update(uint32_t crc, const void *p, size_t n) { return n ? libdeflate_crc32(crc, p, n) : crc; }
