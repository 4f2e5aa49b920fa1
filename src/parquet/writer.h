/* Parquet writer internals shared with the store layer. */
#ifndef PS_PARQUET_WRITER_H
#define PS_PARQUET_WRITER_H

#include <stdint.h>

#include "pystore.h"

/* ps_parquet_write of rows [from, from + n) of `frame` (n < 0: to the end),
 * encoded straight from the frame's memory: no slice copy. */
int ps__parquet_write_rows(const char *path, const ps_frame *frame, int64_t from, int64_t n, const ps_write_options *opt);

/* ps_parquet_writer_write of rows [from, from + n) of `batch`. */
int ps__parquet_writer_write_rows(ps_parquet_writer *w, const ps_frame *batch, int64_t from, int64_t n);

#endif
