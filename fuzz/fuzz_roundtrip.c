/* libFuzzer target: Parquet write -> read round trip.
 *
 * The input chooses the write options (codec and level, row group and page
 * sizes, V1/V2 pages, dictionary with fallback, delta, byte stream split,
 * page index, page CRCs, ns stored as us), how the frame is handed to the
 * writer (one call, or the streaming writer in batches), a filter, an
 * offset/limit and a projection, then the frame itself (fuzz_util.h: every
 * column type, nulls, empty strings, NaN payloads, -0.0, infinities, all
 * time units, zones). The file is read back from memory
 * (ps_parquet_open_buffer on an exact-size copy) and must equal the frame
 * exactly: bitwise floats, null vs empty string, unit and zone, the index
 * mark. A filtered read must equal ps_frame_filter of the frame (pruning by
 * statistics and page indexes must never drop a matching row); a projected
 * read must equal the column. Any difference aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "parquet/writer.h"
#include "pystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Row `row` of `c` as a filter literal of the column's kind. */
static void cell_value(const ps_column *c, int64_t row, ps_value *v) {
  memset(v, 0, sizeof *v);
  const void *vals = ps_column_values(c);
  switch (ps_column_type(c)) {
    case PS_TYPE_BOOL: v->kind = PS_VALUE_BOOL; v->i = ((const uint8_t *)vals)[row]; break;
    case PS_TYPE_INT8: v->kind = PS_VALUE_INT; v->i = ((const int8_t *)vals)[row]; break;
    case PS_TYPE_INT16: v->kind = PS_VALUE_INT; v->i = ((const int16_t *)vals)[row]; break;
    case PS_TYPE_INT32: case PS_TYPE_DATE: v->kind = PS_VALUE_INT; v->i = ((const int32_t *)vals)[row]; break;
    case PS_TYPE_UINT8: v->kind = PS_VALUE_INT; v->i = ((const uint8_t *)vals)[row]; break;
    case PS_TYPE_UINT16: v->kind = PS_VALUE_INT; v->i = ((const uint16_t *)vals)[row]; break;
    case PS_TYPE_UINT32: v->kind = PS_VALUE_INT; v->i = ((const uint32_t *)vals)[row]; break;
    case PS_TYPE_UINT64: v->kind = PS_VALUE_UINT; v->u = ((const uint64_t *)vals)[row]; break;
    case PS_TYPE_INT64: case PS_TYPE_TIMESTAMP: v->kind = PS_VALUE_INT; v->i = ((const int64_t *)vals)[row]; break;
    case PS_TYPE_FLOAT32: v->kind = PS_VALUE_DOUBLE; v->d = ((const float *)vals)[row]; break;
    case PS_TYPE_FLOAT64: v->kind = PS_VALUE_DOUBLE; v->d = ((const double *)vals)[row]; break;
    case PS_TYPE_STRING: case PS_TYPE_BINARY: v->kind = PS_VALUE_STRING; v->s = ps_column_string(c, row, &v->len); break;
  }
}

/* A filter on column `col` from two control bytes: a comparison with the
 * value of some row, IN of two rows' values, or IS [NOT] NULL. */
static ps_expr *make_filter(const ps_frame *f, uint8_t sel, uint8_t op, uint16_t row) {
  const ps_column *c = ps_frame_column(f, sel % ps_frame_num_columns(f));
  int64_t n = ps_frame_num_rows(f);
  ps_expr *e = NULL;
  const char *name = ps_column_name(c);
  if (op % 9 == 6) {
    ps_expr_is_null(name, (op >> 4) & 1, &e);
    return e;
  }
  if (n == 0) return NULL;
  int64_t r1 = row % n, r2 = (row / 7 + 1) % n;
  ps_value v[2];
  cell_value(c, r1, &v[0]);
  cell_value(c, r2, &v[1]);
  if (op % 9 >= 7) {
    ps_expr_in(name, op % 9 == 8, v, 2, &e);
    return e;
  }
  static const ps_op ops[] = {PS_OP_EQ, PS_OP_NE, PS_OP_LT, PS_OP_LE, PS_OP_GT, PS_OP_GE};
  ps_expr_compare(name, ops[op % 9], &v[0], &e);
  return e;
}

/* Write `f` with the one-call API, the streaming writer in one batch, or
 * the streaming writer in two or three row ranges cut at input-chosen rows. */
static int write_frame(const char *path, const ps_frame *f, const ps_write_options *wo, uint8_t how) {
  if ((how & 3) == 0) return ps_parquet_write(path, f, wo);
  ps_parquet_writer *w;
  int rc = ps_parquet_writer_open(path, wo, &w);
  if (rc != PS_OK) return rc;
  if ((how & 3) == 1) {
    rc = ps_parquet_writer_write(w, f);
  } else {
    int64_t n = ps_frame_num_rows(f), from = 0;
    int batches = how & 3;
    for (int b = 0; b < batches && rc == PS_OK; b++) {
      int64_t to = b == batches - 1 ? n : from + (n - from) * (1 + ((how >> (2 + b)) & 3)) / 5;
      rc = ps__parquet_writer_write_rows(w, f, from, to - from);
      from = to;
    }
  }
  if (rc != PS_OK) {
    ps_parquet_writer_abort(w);
    return rc;
  }
  return ps_parquet_writer_close(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  fz_input in = fz_input_make(data, size);
  ps_write_options wo;
  fz_write_options(&in, &wo);
  uint8_t how = fz_u8(&in);
  uint8_t fsel = fz_u8(&in), fop = fz_u8(&in);
  uint16_t frow = fz_u16(&in);
  uint8_t offset = fz_u8(&in), limit = fz_u8(&in), proj = fz_u8(&in);
  fz_frame_notes notes;
  ps_frame *f = fz_make_frame(&in, &notes);
  if (!f) return 0;
  char path[96];
  fz_temp_path(path, sizeof path, "roundtrip", ".parquet");
  int rc = write_frame(path, f, &wo, how);
  if (rc != PS_OK) {
    /* the only refusals: a value that does not fit the stored unit */
    FZ_CHECK(rc == PS_ERR_LIMIT && (notes.big_seconds || (wo.timestamp_micros && notes.sub_micros)));
    ps_frame_free(f);
    unlink(path);
    return 0;
  }
  size_t fsize = 0;
  uint8_t *buf = fz_read_file(path, &fsize);
  unlink(path);
  FZ_CHECK(buf != NULL);
  ps_parquet_file *pf = NULL;
  FZ_CHECK(ps_parquet_open_buffer(buf, fsize, "roundtrip.parquet", &pf) == PS_OK);
  int64_t n = ps_frame_num_rows(f);
  int micros = wo.timestamp_micros;
  FZ_CHECK(ps_parquet_num_rows(pf) == n);

  /* everything */
  ps_read_options ro = {.threads = 1};
  ps_frame *got = NULL;
  FZ_CHECK(ps_parquet_read(pf, &ro, &got) == PS_OK);
  fz_frame_equal(f, 0, n, got, micros);
  ps_frame_free(got);

  /* the schema alone */
  ps_frame *schema = NULL;
  FZ_CHECK(ps_parquet_schema(pf, &schema) == PS_OK);
  fz_frame_equal(f, 0, 0, schema, micros);
  ps_frame_free(schema);

  /* a filter, with offset and limit: exactly the rows ps_frame_filter keeps */
  ps_expr *e = micros ? NULL : make_filter(f, fsel, fop, frow);
  ps_frame *want = NULL;
  if (e && ps_frame_filter(f, e, &want) == PS_OK) {
    int64_t nw = ps_frame_num_rows(want);
    ro.filter = e;
    ro.offset = offset % 4 == 0 ? 0 : offset % (nw + 2);
    ro.limit = limit % 3 == 0 ? 0 : limit % 7;
    int64_t from = ro.offset < nw ? ro.offset : nw, count = nw - from;
    if (ro.limit && count > ro.limit) count = ro.limit;
    got = NULL;
    FZ_CHECK(ps_parquet_read(pf, &ro, &got) == PS_OK);
    fz_frame_equal(want, from, count, got, 0);
    ps_frame_free(got);
  }
  ps_frame_free(want);
  ps_expr_free(e);

  /* one column, without the index */
  const ps_column *pc = ps_frame_column(f, proj % ps_frame_num_columns(f));
  const char *cols[1] = {ps_column_name(pc)};
  ps_read_options po = {.columns = cols, .num_columns = 1, .no_index = 1, .threads = 1};
  got = NULL;
  FZ_CHECK(ps_parquet_read(pf, &po, &got) == PS_OK);
  FZ_CHECK(ps_frame_num_columns(got) == 1 && ps_frame_num_rows(got) == n);
  fz_column_meta_equal(pc, ps_frame_column(got, 0), micros);
  fz_column_equal(pc, 0, ps_frame_column(got, 0), 0, n,
                  micros && ps_column_type(pc) == PS_TYPE_TIMESTAMP && ps_column_unit(pc) == PS_UNIT_NS ? 1000 : 1);
  ps_frame_free(got);

  ps_parquet_close(pf);
  free(buf);
  ps_frame_free(f);
  return 0;
}
