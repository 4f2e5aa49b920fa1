/* Filter expressions: internal evaluation and statistics pruning.
 * The public constructors/parser live in pystore.h. */
#ifndef PS_TABLE_EXPR_H
#define PS_TABLE_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "pystore.h"

/* Statistics of one column over a range of rows (a row group or a page),
 * already decoded to the column's logical type. */
typedef struct ps_col_stats {
  ps_type type;            /* column type (as in the frame) */
  ps_time_unit unit;       /* TIMESTAMP unit */
  int has_min_max;         /* 0 = unknown (all-null, NaN-only, absent...) */
  union { int64_t i; uint64_t u; double d; } min, max; /* ints/bool/date/timestamp: i (UINT64: u); floats: d */
  const char *min_s, *max_s; /* STRING/BINARY bounds (not NUL-terminated) */
  size_t min_len, max_len;
  int64_t null_count;      /* -1 = unknown */
  int64_t num_values;      /* rows covered (nulls included) */
} ps_col_stats;

/* Callback giving the stats of `column` for the range being considered.
 * Return 1 and fill *out if known, 0 if unknown (the predicate then assumes
 * "may match"), or a negative status to abort. */
typedef int (*ps_stats_fn)(void *ctx, const char *column, ps_col_stats *out);

/* 1 if rows described by the stats may satisfy e, 0 if certainly none do,
 * negative on error (e.g. a literal that can't be converted to the
 * column's type: PS_ERR_SCHEMA naming the column and the literal). */
int ps__expr_may_match(const ps_expr *e, ps_stats_fn stats, void *ctx);

/* Evaluate e over every row of f: sel[i] = 1 if row i matches, else 0.
 * Unknown column -> PS_ERR_NOT_FOUND naming it; literal that does not
 * convert to the column's type -> PS_ERR_SCHEMA. NULL never matches a
 * comparison (SQL semantics: x != 5 is false for a null x); IS NULL does. */
int ps__expr_eval(const ps_expr *e, const ps_frame *f, uint8_t *sel);

/* Check that every column e mentions exists in `schema` (a frame, possibly
 * empty) and every literal converts to that column's type. */
int ps__expr_bind_check(const ps_expr *e, const ps_frame *schema);

/* Names of the columns e references, each once, in first-use order.
 * *names is an array of borrowed pointers into e; free the array with free(). */
int ps__expr_columns(const ps_expr *e, const char ***names, size_t *n);

#endif
