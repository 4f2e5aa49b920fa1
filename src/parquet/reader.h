/* Parquet reader internals shared with the store layer. */
#ifndef PS_PARQUET_READER_H
#define PS_PARQUET_READER_H

#include "pystore.h"

/* ps_parquet_read that appends the rows to `into` instead of returning a new
 * frame: the parts of one item decode straight into one result, no
 * concatenation copy. `into` is empty (columns are added) or holds the
 * columns this read produces (else PS_ERR_SCHEMA). On failure `into` is
 * left in an unspecified state; it is still the caller's to free. */
int ps__parquet_read_append(ps_parquet_file *f, const ps_read_options *opt, ps_frame *into);
/* ps_parquet_read limited to row groups [first, first + count). */
int ps__parquet_read_row_groups(ps_parquet_file *f, const ps_read_options *opt, int first, int count, ps_frame **out);

#endif
