/* The "ARROW:schema" footer key/value entry: base64 of an Arrow IPC Schema
 * message. pyarrow and Polars take a timestamp column's time zone name (and
 * its Arrow type) from it, so the writer stores one next to the "pandas"
 * entry, and the reader takes zone names from files written by them. */
#ifndef PS_PARQUET_ARROW_SCHEMA_H
#define PS_PARQUET_ARROW_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "parquet/schema.h"
#include "table/frame.h"

/* Arrow Schema.fbs `Type` union ids used here. */
enum {
  PQ_ARROW_NULL = 1,
  PQ_ARROW_INT = 2,
  PQ_ARROW_FLOAT = 3,
  PQ_ARROW_BINARY = 4,
  PQ_ARROW_UTF8 = 5,
  PQ_ARROW_BOOL = 6,
  PQ_ARROW_DECIMAL = 7,
  PQ_ARROW_DATE = 8,
  PQ_ARROW_TIME = 9,
  PQ_ARROW_TIMESTAMP = 10,
  PQ_ARROW_LARGE_BINARY = 19,
  PQ_ARROW_LARGE_UTF8 = 20
};

/* The ARROW:schema value for a frame's columns as the writer stores them
 * (`micros`: nanosecond timestamps are written as microseconds). Caller frees
 * *out_b64 with free(). */
int pq_arrow_schema_build(const ps_frame *schema, int micros, char **out_b64);

/* Take time zone names from an ARROW:schema value: each top-level Timestamp
 * field with a non-empty zone sets the tz of the UTC-adjusted TIMESTAMP leaf
 * of the same name. Malformed input is ignored as a whole (it is only a hint).
 * Returns PS_OK, or PS_ERR_NOMEM when memory ran out (never a silent partial
 * result). */
int pq_arrow_schema_apply(const char *b64, size_t len, pq_leaf *leaves, int nleaves);

/* ---- internals, exposed for tests and the fuzz target ---- */

/* One decoded top-level field; strings point into the decoded buffer and are
 * valid only during the callback. */
typedef struct pq_arrow_field {
  const char *name; /* NULL when absent */
  size_t name_len;
  int nullable;
  int type_id;             /* PQ_ARROW_* (0 = NONE) */
  int bit_width, is_signed; /* Int */
  int precision;           /* FloatingPoint: 0 HALF, 1 SINGLE, 2 DOUBLE */
  int unit;                /* Timestamp: TimeUnit 0 s .. 3 ns; Date: 0 DAY, 1 MILLISECOND */
  const char *tz;          /* Timestamp; NULL when absent */
  size_t tz_len;
} pq_arrow_field;

typedef void (*pq_arrow_field_fn)(void *ctx, int index, const pq_arrow_field *field);

/* Decode an ARROW:schema value (base64) and validate all of it; only when it
 * is consistent, call fn (may be NULL) for each top-level field in order.
 * Returns the number of fields, or -1 for malformed input (fn never called). */
int pq_arrow_schema_visit(const char *b64, size_t len, pq_arrow_field_fn fn, void *ctx);

/* Standard base64 with padding; caller frees *out with free(). */
int pq_base64_encode(const uint8_t *data, size_t len, char **out);

#endif
