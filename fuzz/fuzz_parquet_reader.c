/* libFuzzer target: open and fully read arbitrary bytes as a Parquet file,
 * with and without a filter. Must never crash, hang or over-allocate. */
#include <stddef.h>
#include <stdint.h>

#include "pystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ps_parquet_file *f;
  if (ps_parquet_open_buffer(data, size, "fuzz.parquet", &f) != PS_OK) return 0;
  ps_read_options ro = {.threads = 1};
  ps_frame *fr = NULL;
  if (ps_parquet_read(f, &ro, &fr) == PS_OK) ps_frame_free(fr);
  char *json = NULL;
  if (ps_parquet_describe(f, &json) == PS_OK) ps_free(json);
  /* a filter on the first column exercises statistics and page pruning */
  ps_frame *schema = NULL;
  if (ps_parquet_schema(f, &schema) == PS_OK && ps_frame_num_columns(schema) > 0) {
    ps_expr *e = NULL;
    ps_value v = {.kind = PS_VALUE_INT, .i = 1};
    if (ps_expr_compare(ps_column_name(ps_frame_column(schema, 0)), PS_OP_GE, &v, &e) == PS_OK) {
      ro.filter = e;
      fr = NULL;
      if (ps_parquet_read(f, &ro, &fr) == PS_OK) ps_frame_free(fr);
      ps_expr_free(e);
    }
  }
  ps_frame_free(schema);
  ps_parquet_close(f);
  return 0;
}
