/* Decoding the pages of one column chunk into frame column memory. */
#ifndef PS_PARQUET_PAGE_DECODER_H
#define PS_PARQUET_PAGE_DECODER_H

#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "table/frame.h"
#include "util/buf.h"

/* Where decoded rows go. Fixed-width values are written at col->values[row..];
 * STRING/BINARY rows are appended to col (row == col->length). Validity bits
 * go to `validity` at bit `vrow` (NULL for REQUIRED columns). */
typedef struct pq_sink {
  ps_column *col;
  int64_t row;
  uint8_t *validity;
  int64_t vrow;
  int64_t nulls;
  /* Gather mode (gather != NULL): only rows gather[0..ngather) of the row
   * group (sorted) are appended to col, with their validity (validity/row
   * unused); pages without such rows are not even decompressed. The ranges
   * passed to pq_decode_chunk must cover the row group. */
  const int64_t *gather;
  int64_t ngather, gpos;
} pq_sink;

/* A row range [begin, end) relative to the row group. */
typedef struct pq_row_range {
  int64_t begin, end;
} pq_row_range;

typedef struct pq_chunk_source {
  const char *path;        /* for messages */
  const char *column;      /* for messages */
  const pq_leaf *leaf;
  const pq_column_meta *meta;
  const uint8_t *data;     /* the chunk's bytes (from the first page) */
  size_t len;
  int64_t num_rows;        /* rows in the row group */
  const pq_offset_index *offset_index; /* optional: lets pages outside the ranges be skipped unread */
  int64_t chunk_offset;    /* file offset of data[0] */
  int verify_crc;          /* check the CRC-32 of every page decoded that carries one */
} pq_chunk_source;

typedef struct pq_decode_stats {
  int64_t pages_total, pages_read;
  int64_t bytes_read; /* page headers and bodies decoded */
  int64_t pages_crc;  /* pages whose CRC-32 was verified */
} pq_decode_stats;

/* Decode the rows of `ranges` (sorted, disjoint, within the row group) into
 * the sink, in order. Untrusted input: any inconsistency is PS_ERR_CORRUPT
 * naming the file, column, page and problem. */
int pq_decode_chunk(const pq_chunk_source *src, const pq_row_range *ranges, int nranges, pq_sink *sink,
                    pq_decode_stats *stats);

#endif
