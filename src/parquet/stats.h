/* Column statistics: computed over physical values when writing, decoded
 * into frame terms (ps_col_stats) when pruning. */
#ifndef PS_PARQUET_STATS_H
#define PS_PARQUET_STATS_H

#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "table/expr.h"
#include "util/buf.h"

/* Running min/max over physical values. */
typedef struct pq_minmax {
  int has;                                     /* a non-null, non-NaN value was seen */
  union { int64_t i; uint64_t u; double d; } min, max;
  const uint8_t *smin, *smax;                  /* BYTE_ARRAY: borrowed from the data */
  uint32_t smin_len, smax_len;
  int64_t null_count;
  int64_t nan_count;
} pq_minmax;

void pq_minmax_init(pq_minmax *m);
/* Add n dense non-null physical values. For INT32 `values` is int32_t[],
 * INT64 int64_t[], FLOAT float[], DOUBLE double[], BOOLEAN uint8_t[],
 * BYTE_ARRAY int64 offsets[n+1] + bytes. */
void pq_minmax_add(pq_minmax *m, const pq_leaf *leaf, const void *values, const uint8_t *bytes, int64_t n);
void pq_minmax_merge(pq_minmax *into, const pq_minmax *from, const pq_leaf *leaf);
/* Fill a pq_statistics (min_value/max_value, null_count, and the deprecated
 * min/max for signed orders); the value bytes are copied into `arena`
 * (offsets are fixed up by pq_stats_fix_arena after the arena stops moving).
 * Long strings are truncated (min: prefix; max: prefix incremented). */
int pq_minmax_to_statistics(const pq_minmax *m, const pq_leaf *leaf, ps_buf *arena, pq_statistics *out);
/* Encoded min/max bytes for the page index (empty when none). Appended to
 * arena; min_off and max_off are offsets in the arena. */
int pq_minmax_encode_bounds(const pq_minmax *m, const pq_leaf *leaf, ps_buf *arena, size_t *min_off, uint32_t *min_len,
                            size_t *max_off, uint32_t *max_len);
/* Compare two encoded stat values of this leaf (for page-index boundary order). */
int pq_stat_compare(const pq_leaf *leaf, pq_bytes a, pq_bytes b);

/* Decode file statistics (min/max as raw bytes) into frame terms.
 * Returns 1 if min/max are usable, 0 if not (the null count may still be). */
int pq_stats_decode(const pq_leaf *leaf, const pq_bytes *min, const pq_bytes *max, int64_t null_count,
                    int64_t num_values, ps_col_stats *out);
/* Pick the usable min/max out of a pq_statistics (new fields, or the
 * deprecated ones when the order is signed) and decode them. */
int pq_statistics_decode(const pq_leaf *leaf, const pq_statistics *st, int64_t num_values, ps_col_stats *out);

#endif
