/* Sorting and merging frames by their index column (used by the store's
 * write/append): stable sort, duplicate-index policies, merge of two sorted
 * frames, gathers and slices. All functions keep the column order, types and
 * index mark of their input. */
#ifndef PS_TABLE_MERGE_H
#define PS_TABLE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "pystore.h"

/* Three-way compare of row i of a and row j of b (columns of the same type).
 * Nulls sort first; float NaN sorts after every number. */
int ps__value_cmp(const ps_column *a, int64_t i, const ps_column *b, int64_t j);
/* Text of one value for messages ("2024-01-02T00:00:00", "42", "'abc'"). */
void ps__value_string(const ps_column *c, int64_t row, char *buf, size_t size);

/* 1 if the index column of f is non-decreasing. */
int ps__frame_index_sorted(const ps_frame *f);

/* Append rows src[rows[0..n)] to dst (same columns in the same order).
 * Consecutive runs are copied in bulk. */
int ps__frame_append_rows(ps_frame *dst, const ps_frame *src, const int64_t *rows, int64_t n);
/* Append rows [from, from+n) of src to dst. */
int ps__frame_append_range(ps_frame *dst, const ps_frame *src, int64_t from, int64_t n);
/* New frame with rows [from, from+n) of f. */
int ps__frame_slice(const ps_frame *f, int64_t from, int64_t n, ps_frame **out);

/* New frame: the rows of f stably sorted by its index, with duplicate index
 * values resolved by `dup` (KEEP_LAST keeps the last occurrence, KEEP_FIRST
 * the first, ERROR fails with PS_ERR_DUPLICATE naming the value, KEEP_ALL
 * keeps all in input order). f must have an index column. */
int ps__frame_sort_dedup(const ps_frame *f, ps_duplicates dup, ps_frame **out);
/* The same, without a copy when `f` already is sorted and free of repeats:
 * *view is `f` itself (borrowed) or *owned (caller frees *owned). */
int ps__frame_sort_dedup_view(const ps_frame *f, ps_duplicates dup, const ps_frame **view, ps_frame **owned);

/* Merge `old` and `add`, both sorted by index and with the same columns,
 * into a new sorted frame. For an index value present in both: KEEP_LAST
 * takes add's rows (replacing all of old's rows with that value), KEEP_FIRST
 * keeps old's rows and drops add's, ERROR fails with PS_ERR_DUPLICATE,
 * KEEP_ALL keeps old's rows then add's. `out_overlaps` (may be NULL) gets
 * the number of index values found in both. */
int ps__frame_merge_sorted(const ps_frame *old, const ps_frame *add, ps_duplicates dup, ps_frame **out,
                           int64_t *out_overlaps);

#endif
