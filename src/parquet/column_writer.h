/* Encoding one column chunk (one column of one row group) into memory:
 * pages, dictionary, statistics and page-index entries. Chunks of a row group
 * are encoded in parallel, then written out in order by the file writer. */
#ifndef PS_PARQUET_COLUMN_WRITER_H
#define PS_PARQUET_COLUMN_WRITER_H

#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "parquet/stats.h"
#include "table/frame.h"
#include "util/buf.h"

typedef struct pq_chunk_options {
  int codec;            /* PQ_CODEC_* */
  int level;
  int64_t page_bytes;
  int v2;
  ps_switch dictionary;
  int64_t dictionary_bytes;
  ps_switch delta;
  ps_switch byte_stream_split;
  int checksum;
} pq_chunk_options;

typedef struct pq_page_entry {
  int64_t offset;            /* relative to the chunk start */
  int32_t size;              /* header + body */
  int64_t first_row;
  int64_t null_count;
  int all_null;
  size_t min_off, max_off;   /* encoded bounds in arena */
  uint32_t min_len, max_len;
} pq_page_entry;

typedef struct pq_chunk_out {
  ps_buf data;               /* [dictionary page] data pages */
  ps_buf arena;              /* statistics and page-bound bytes */
  pq_column_meta meta;       /* offsets relative to the chunk start; stats ptrs are arena offsets */
  int encodings[6];
  pq_page_encoding_stats enc_stats[3];
  pq_bytes path;
  pq_page_entry *pages;
  int npages, pages_cap;
  int boundary_order;        /* PQ_ORDER_* over the pages' bounds */
  int sorted;                /* values are non-decreasing (no nulls): sorting_columns hint */
} pq_chunk_out;

/* Encode rows [start, start+n) of col. */
int pq_encode_column_chunk(const ps_column *col, const pq_leaf *leaf, int64_t start, int64_t n,
                           const pq_chunk_options *opt, pq_chunk_out *out);
void pq_chunk_out_free(pq_chunk_out *out);

#endif
