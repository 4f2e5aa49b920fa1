/* Mapping between frame column types and Parquet schema elements, and the
 * pandas key/value metadata that lets pandas/pyarrow/Dask restore the index,
 * dtypes and time zones. */
#ifndef PS_PARQUET_SCHEMA_H
#define PS_PARQUET_SCHEMA_H

#include "parquet/metadata.h"
#include "table/frame.h"

/* How a leaf column is stored and how it maps to a frame column. */
typedef struct pq_leaf {
  char *name;              /* owned, NUL-terminated */
  int physical;            /* PQ_BOOLEAN .. PQ_FIXED */
  int type_length;         /* FIXED_LEN_BYTE_ARRAY */
  int optional;            /* OPTIONAL (1) or REQUIRED (0) */
  ps_type type;            /* frame type */
  ps_time_unit unit;       /* unit of the values in the file (TIMESTAMP) */
  ps_time_unit frame_unit; /* unit in the frame (differs for stored-as-ms seconds) */
  int utc;                 /* TIMESTAMP isAdjustedToUTC */
  char *tz;                /* zone for the frame (owned), NULL = naive */
  int int96;               /* INT96 legacy timestamps */
  int decimal_scale;       /* >= 0: DECIMAL to be converted to float64; -1 otherwise */
  int unsigned_order;      /* statistics use unsigned comparison */
  int float16;             /* FIXED[2] FLOAT16 -> float32 */
} pq_leaf;

/* Schema element for writing column `col` (name points into col). */
int pq_schema_element_for_column(const ps_column *col, int micros, pq_schema_element *out, pq_leaf *leaf);
/* Interpret a parsed leaf element. Unsupported types -> PS_ERR_UNSUPPORTED naming the column. */
int pq_leaf_from_element(const pq_schema_element *el, pq_leaf *out);
void pq_leaf_clear(pq_leaf *leaf);

/* The "pandas" metadata JSON for a frame's schema. Caller frees *out_json with free(). */
int pq_pandas_metadata_build(const ps_frame *schema, char **out_json);
/* Apply "pandas" metadata to the leaves read from a file: marks the index
 * (by column name, returned in *index_leaf or -1), restores time zone names
 * and the seconds unit. Malformed JSON is ignored (it is only a hint).
 * Returns PS_OK, or PS_ERR_NOMEM when memory ran out (never a silently
 * partial result). */
int pq_pandas_metadata_apply(const char *json, size_t len, pq_leaf *leaves, int nleaves, int *index_leaf);

#endif
