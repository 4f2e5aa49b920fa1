/* An open Parquet file: mapped bytes, parsed footer, leaf descriptions. */
#ifndef PS_PARQUET_FILE_H
#define PS_PARQUET_FILE_H

#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "util/error.h"

struct ps_parquet_file {
  char *path;
  int fd;
  int64_t size;
  const uint8_t *map;   /* whole file mapped read-only (committed files never change) */
  int owns_map;         /* 0 when the caller's buffer (ps_parquet_open_buffer) */
  uint8_t *footer;      /* FileMetaData bytes; parsed pq_bytes point here */
  pq_file_meta meta;
  int nleaves;
  pq_leaf *leaves;
  int index_leaf;       /* from the pandas metadata, -1 = none */
  char **kv_values;     /* NUL-terminated copies, parallel to meta.kv */
  char errmsg[PS_ERRMSG_MAX];
};

/* Byte range [*start, *start + *len) of a column chunk, validated at open. */
void pq_chunk_range(const pq_column_meta *m, int64_t *start, int64_t *len);

#endif
