/* Page compression through the system libraries (snappy, zlib, zstd, lz4, brotli). */
#ifndef PS_CODEC_CODEC_H
#define PS_CODEC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "pystore.h"

/* Parquet's CompressionCodec numbers. */
enum {
  PQ_CODEC_UNCOMPRESSED = 0,
  PQ_CODEC_SNAPPY = 1,
  PQ_CODEC_GZIP = 2,
  PQ_CODEC_LZO = 3,
  PQ_CODEC_BROTLI = 4,
  PQ_CODEC_LZ4 = 5, /* deprecated Hadoop framing: read only */
  PQ_CODEC_ZSTD = 6,
  PQ_CODEC_LZ4_RAW = 7
};

/* ps_codec (API) -> Parquet codec number. */
int ps_codec_to_parquet(ps_codec c);
const char *ps_parquet_codec_name(int pq_codec);

/* Worst-case compressed size of n input bytes. */
size_t ps_compress_bound(int pq_codec, size_t n);
/* Compress src into dst (capacity >= ps_compress_bound). level 0 = default.
 * Writes the compressed length. */
int ps_compress(int pq_codec, int level, const void *src, size_t n, void *dst, size_t cap, size_t *out_len);
/* Decompress exactly `dst_len` bytes (the page's uncompressed size). A
 * stream that decodes to any other size is PS_ERR_CORRUPT. */
int ps_decompress(int pq_codec, const void *src, size_t n, void *dst, size_t dst_len);

/* CRC-32 (zlib polynomial) of a buffer; _update continues a running CRC
 * (start from 0) so a body stored in pieces needs no copy. */
uint32_t ps_crc32(const void *p, size_t n);
uint32_t ps_crc32_update(uint32_t crc, const void *p, size_t n);

#endif
