/* PyStore compatibility: stores written by Python PyStore (pyarrow, dask and
 * fastparquet flavours, built here from the layout description), PyStore's own
 * test scenarios (reference §8.4) and one regression test per user complaint
 * (reference §9).
 *
 * §9 complaint -> test (here unless noted)
 * | # | complaint                                             | test                                   |
 * |---|-------------------------------------------------------|----------------------------------------|
 * | 1 | append drops rows with identical values (#43 #69 #38) | test_append_scenarios (identical_values)|
 * | 2 | no upsert, new rows at stored index dropped (#65 #32) | test_append_scenarios (keep_last)      |
 * | 3 | append silently does nothing (#54 #21 #26 #48 #53 #14)| test_append_scenarios (errors returned)|
 * | 4 | append slow / rewrites everything (#56 #17 #23 #36)   | test_complaint_append_cost             |
 * | 5 | appended data not sorted (#76 #69)                    | test_append_scenarios (sort order)     |
 * | 6 | tz-aware append fails (#35)                           | test_complaint_timezones               |
 * | 7 | ns precision lost, int index read as dates (#25 #75 #10)| test_complaint_ns_and_int_index      |
 * | 8 | metadata files parsed as Parquet (#62), engines       | test_legacy_* (fixtures with _metadata,|
 * |   |                                                       | _common_metadata, metadata.json)       |
 * | 9 | paths: ~ not expanded, trailing separators (#68 #72)  | test_store_scenarios                   |
 * |10 | _updated uses %I instead of %M (#64)                  | test_complaint_updated_format          |
 * |11 | unsupported inputs: regex chars in names (#45)        | test_edge_cases                        |
 * |12 | remote storage (#12)                                  | declined upstream; not applicable      |
 * |13 | concurrency / non-atomic replace                      | test_store_crash.c (kill -9, 4 writers)|
 * |   | legacy duplicate index values must all be read        | test_legacy_dask_summary_duplicates    |
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "parquet/metadata.h"
#include "test.h"
#include "test_store_util.h"
#include "util/buf.h"

static char base[256];

static ps_collection *open_coll(ps_store **st, const char *store, const char *coll) {
  ps_store_options o = {0};
  o.base_path = base;
  o.no_fsync = 1;
  if (ps_store_open(store, &o, 1, st) != PS_OK) return NULL;
  ps_collection *c;
  if (ps_collection_open(*st, coll, 1, &c) != PS_OK) return NULL;
  return c;
}

static int count_names(char **n) {
  int k = 0;
  while (n && n[k]) k++;
  return k;
}

static void write_text(const char *dir, const char *name, const char *text) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static int file_exists(const char *dir, const char *name) {
  char p[1024];
  struct stat sb;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return stat(p, &sb) == 0;
}

static char *item_dir(ps_collection *c, const char *item) {
  static char d[800];
  snprintf(d, sizeof d, "%s/%s", ps_collection_path(c), item);
  mkdir(d, 0777);
  return d;
}

/* ---- fixtures ---- */

/* A frame with an index column `iname` (timestamp ns, zone tz, or int64 if
 * !ts) holding idx[], then close = val[]; the index column comes LAST, as
 * pyarrow stores it. */
static ps_frame *legacy_frame(const char *iname, int ts, const char *tz, const int64_t *idx, const double *val, int n) {
  ps_frame *f;
  ps_column *c, *i;
  ps_frame_new(&f);
  ps_frame_add_column(f, "close", PS_TYPE_FLOAT64, 0, NULL, &c);
  ps_frame_add_column(f, iname, ts ? PS_TYPE_TIMESTAMP : PS_TYPE_INT64, ts ? PS_UNIT_NS : 0, tz, &i);
  for (int k = 0; k < n; k++) {
    ps_column_append_double(c, val[k]);
    ps_column_append_int(i, idx[k]);
  }
  ps_frame_validate(f);
  return f;
}

/* pandas metadata as pyarrow 15 writes it for a frame with column close and index `iname`. */
static void pyarrow_pandas_json(char *buf, size_t n, const char *iname, int named, const char *itype, const char *tz) {
  char idxname[80], meta[120];
  if (named) snprintf(idxname, sizeof idxname, "\"%s\"", iname);
  else snprintf(idxname, sizeof idxname, "null");
  if (tz) snprintf(meta, sizeof meta, "{\"timezone\": \"%s\"}", tz);
  else snprintf(meta, sizeof meta, "null");
  snprintf(buf, n,
           "{\"index_columns\": [\"%s\"], \"column_indexes\": [{\"name\": null, \"field_name\": null, "
           "\"pandas_type\": \"unicode\", \"numpy_type\": \"object\", \"metadata\": {\"encoding\": \"UTF-8\"}}], "
           "\"columns\": [{\"name\": \"close\", \"field_name\": \"close\", \"pandas_type\": \"float64\", "
           "\"numpy_type\": \"float64\", \"metadata\": null}, {\"name\": %s, \"field_name\": \"%s\", "
           "\"pandas_type\": \"%s\", \"numpy_type\": \"%s\", \"metadata\": %s}], "
           "\"creator\": {\"library\": \"pyarrow\", \"version\": \"15.0.2\"}, \"pandas_version\": \"2.2.1\"}",
           iname, idxname, iname, tz ? "datetimetz" : strcmp(itype, "int64") == 0 ? "int64" : "datetime",
           strcmp(itype, "int64") == 0 ? "int64" : "datetime64[ns]", meta);
}

static int write_pyarrow_part(const char *dir, const char *file, const ps_frame *f, const char *pandas) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, file);
  const char *kv[] = {"pandas", pandas, NULL};
  ps_write_options o = {0};
  o.created_by = "parquet-cpp-arrow version 15.0.2";
  o.metadata = kv;
  return ps_parquet_write(p, f, &o);
}

static int read_all(const char *path, uint8_t **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  *data = malloc((size_t)n);
  *len = fread(*data, 1, (size_t)n, f);
  fclose(f);
  return *len == (size_t)n ? 0 : -1;
}

static int write_footer_file(const char *path, const pq_file_meta *m) {
  ps_buf b = {0};
  if (pq_write_file_meta(&b, m) < 0) return -1;
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  uint32_t len = (uint32_t)b.len;
  fwrite("PAR1", 1, 4, f);
  fwrite(b.data, 1, b.len, f);
  fwrite(&len, 4, 1, f);
  fwrite("PAR1", 1, 4, f);
  ps_buf_free(&b);
  return fclose(f);
}

/* dask/pyarrow summary files: _metadata = every part's row groups with
 * file_path set, _common_metadata = the schema without row groups. */
static int write_summary(const char *dir, int nparts) {
  pq_file_meta metas[8];
  uint8_t *bufs[8];
  pq_row_group rgs[64];
  uint32_t nrg = 0;
  int64_t rows = 0;
  char names[8][32];
  for (int k = 0; k < nparts; k++) {
    char p[1024];
    size_t len;
    snprintf(names[k], sizeof names[k], "part.%d.parquet", k);
    snprintf(p, sizeof p, "%s/%s", dir, names[k]);
    if (read_all(p, &bufs[k], &len)) return -1;
    uint32_t flen;
    memcpy(&flen, bufs[k] + len - 8, 4);
    if (pq_parse_file_meta(bufs[k] + len - 8 - flen, flen, &metas[k]) < 0) return -1;
    for (uint32_t r = 0; r < metas[k].num_row_groups; r++) {
      pq_row_group *rg = &rgs[nrg++];
      *rg = metas[k].row_groups[r];
      for (uint32_t c = 0; c < rg->num_columns; c++) {
        rg->columns[c].has_file_path = 1;
        rg->columns[c].file_path = (pq_bytes){(const uint8_t *)names[k], (uint32_t)strlen(names[k])};
      }
      rows += rg->num_rows;
    }
  }
  pq_file_meta all = metas[0];
  all.row_groups = rgs;
  all.num_row_groups = nrg;
  all.num_rows = rows;
  char p[1024];
  snprintf(p, sizeof p, "%s/_metadata", dir);
  int rc = write_footer_file(p, &all);
  all.row_groups = NULL;
  all.num_row_groups = 0;
  all.num_rows = 0;
  snprintf(p, sizeof p, "%s/_common_metadata", dir);
  if (rc == 0) rc = write_footer_file(p, &all);
  for (int k = 0; k < nparts; k++) {
    pq_file_meta_free(&metas[k]);
    free(bufs[k]);
  }
  return rc;
}

/* A part as fastparquet 0.8 writes it with times='int96': Date INT96 (required,
 * plain, uncompressed), close DOUBLE; pandas metadata in fastparquet's flavour. */
static int write_fastparquet_part(const char *dir, const char *file, const int64_t *ns, const double *close, int n,
                                  const char *tz) {
  ps_buf body = {0};
  ps_buf_append(&body, "PAR1", 4);
  int64_t offsets[2], sizes[2];
  for (int col = 0; col < 2; col++) {
    ps_buf vals = {0};
    for (int i = 0; i < n; i++) {
      if (col == 0) {
        int64_t days = ns[i] >= 0 ? ns[i] / 86400000000000LL : -((-ns[i] + 86399999999999LL) / 86400000000000LL);
        uint64_t nanos = (uint64_t)(ns[i] - days * 86400000000000LL);
        uint32_t jd = (uint32_t)(days + 2440588);
        ps_buf_append(&vals, &nanos, 8);
        ps_buf_append(&vals, &jd, 4);
      } else {
        ps_buf_append(&vals, &close[i], 8);
      }
    }
    pq_page_header h;
    memset(&h, 0, sizeof h);
    h.type = PQ_PAGE_DATA;
    h.uncompressed_page_size = h.compressed_page_size = (int32_t)vals.len;
    h.has_data_page_header = 1;
    h.data_page_header.num_values = n;
    h.data_page_header.encoding = PQ_ENC_PLAIN;
    h.data_page_header.def_encoding = PQ_ENC_RLE;
    h.data_page_header.rep_encoding = PQ_ENC_RLE;
    offsets[col] = (int64_t)body.len;
    size_t before = body.len;
    if (pq_write_page_header(&body, &h) < 0) return -1;
    ps_buf_append(&body, vals.data, vals.len);
    sizes[col] = (int64_t)(body.len - before);
    ps_buf_free(&vals);
  }
  char pandas[1024];
  snprintf(pandas, sizeof pandas,
           "{\"columns\": [{\"field_name\": \"Date\", \"metadata\": %s%s%s, \"name\": \"Date\", \"numpy_type\": "
           "\"datetime64[ns]\", \"pandas_type\": \"%s\"}, {\"field_name\": \"close\", \"metadata\": null, \"name\": "
           "\"close\", \"numpy_type\": \"float64\", \"pandas_type\": \"float64\"}], \"column_indexes\": "
           "[{\"field_name\": null, \"metadata\": null, \"name\": null, \"numpy_type\": \"object\", \"pandas_type\": "
           "\"mixed-integer\"}], \"creator\": {\"library\": \"fastparquet\", \"version\": \"0.8.3\"}, "
           "\"index_columns\": [\"Date\"], \"pandas_version\": \"1.5.3\", \"partition_columns\": []}",
           tz ? "{\"timezone\": \"" : "null", tz ? tz : "", tz ? "\"}" : "", tz ? "datetimetz" : "datetime");
  pq_schema_element sch[3];
  memset(sch, 0, sizeof sch);
  sch[0].name = (pq_bytes){(const uint8_t *)"schema", 6};
  sch[0].num_children = 2;
  sch[0].converted_type = PQ_CT_NONE;
  const char *cn[2] = {"Date", "close"};
  int ct[2] = {PQ_INT96, PQ_DOUBLE};
  pq_column_chunk chunks[2];
  memset(chunks, 0, sizeof chunks);
  int encs[2] = {PQ_ENC_PLAIN, PQ_ENC_RLE};
  pq_bytes paths[2];
  for (int c = 0; c < 2; c++) {
    sch[c + 1].has_type = 1;
    sch[c + 1].type = ct[c];
    sch[c + 1].has_repetition = 1;
    sch[c + 1].repetition = PQ_REQUIRED;
    sch[c + 1].name = (pq_bytes){(const uint8_t *)cn[c], (uint32_t)strlen(cn[c])};
    sch[c + 1].converted_type = PQ_CT_NONE;
    paths[c] = sch[c + 1].name;
    chunks[c].file_offset = offsets[c];
    chunks[c].has_meta_data = 1;
    pq_column_meta *cm = &chunks[c].meta_data;
    cm->type = ct[c];
    cm->encodings = encs;
    cm->num_encodings = 2;
    cm->path = &paths[c];
    cm->path_len = 1;
    cm->codec = 0; /* UNCOMPRESSED */
    cm->num_values = n;
    cm->total_uncompressed_size = cm->total_compressed_size = sizes[c];
    cm->data_page_offset = offsets[c];
  }
  pq_row_group rg;
  memset(&rg, 0, sizeof rg);
  rg.columns = chunks;
  rg.num_columns = 2;
  rg.num_rows = n;
  rg.total_byte_size = sizes[0] + sizes[1];
  pq_kv kv = {(pq_bytes){(const uint8_t *)"pandas", 6}, 1, (pq_bytes){(const uint8_t *)pandas, (uint32_t)strlen(pandas)}};
  const char *cb = "fastparquet-python version 0.8.3 (build 0)";
  pq_file_meta fm;
  memset(&fm, 0, sizeof fm);
  fm.version = 1;
  fm.schema = sch;
  fm.num_schema = 3;
  fm.num_rows = n;
  fm.row_groups = &rg;
  fm.num_row_groups = 1;
  fm.kv = &kv;
  fm.num_kv = 1;
  fm.has_created_by = 1;
  fm.created_by = (pq_bytes){(const uint8_t *)cb, (uint32_t)strlen(cb)};
  ps_buf foot = {0};
  if (pq_write_file_meta(&foot, &fm) < 0) return -1;
  uint32_t flen = (uint32_t)foot.len;
  ps_buf_append(&body, foot.data, foot.len);
  ps_buf_append(&body, &flen, 4);
  ps_buf_append(&body, "PAR1", 4);
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, file);
  FILE *f = fopen(p, "wb");
  if (!f) return -1;
  fwrite(body.data, 1, body.len, f);
  ps_buf_free(&foot);
  ps_buf_free(&body);
  return fclose(f);
}

static int64_t i64_at(const ps_frame *f, const char *col, int64_t row) {
  return ((const int64_t *)ps_column_values(ps_frame_column_by_name(f, col)))[row];
}

/* ---- stores written by Python PyStore ---- */

/* pyarrow parts, unnamed index (__index_level_0__), no _metadata, a leftover
 * __<item> temp dir of an interrupted append, a .lock_ dir of PyStore 1.0. */
static void test_legacy_pyarrow_unnamed(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "py", "eod");
  ASSERT(c);
  char pj[2048];
  pyarrow_pandas_json(pj, sizeof pj, "__index_level_0__", 0, "datetime", NULL);
  int64_t i0[] = {T0_NS, T0_NS + DAY_NS, T0_NS + 2 * DAY_NS}, i1[] = {T0_NS + 3 * DAY_NS, T0_NS + 4 * DAY_NS + 1};
  double v0[] = {1, 2, 3}, v1[] = {4, 5};
  ps_frame *a = legacy_frame("__index_level_0__", 1, NULL, i0, v0, 3), *b = legacy_frame("__index_level_0__", 1, NULL, i1, v1, 2);
  char *dir = item_dir(c, "AAPL");
  ASSERT_OK(write_pyarrow_part(dir, "part.0.parquet", a, pj));
  ASSERT_OK(write_pyarrow_part(dir, "part.1.parquet", b, pj));
  write_text(dir, "pystore_metadata.json", "{\"source\": \"yahoo\", \"_updated\": \"2024-07-10 09:09:30.123456\"}");
  /* the temp item of an interrupted 0.1.24 append, holding a full copy */
  dir = item_dir(c, "__AAPL");
  ASSERT_OK(write_pyarrow_part(dir, "part.0.parquet", a, pj));
  item_dir(c, ".lock_collection");
  ps_frame_free(a);
  ps_frame_free(b);
  char **items;
  ASSERT_OK(ps_collection_list_items(c, NULL, &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ASSERT_EQ_STR(items[0], "AAPL");
  ps_names_free(items);
  ASSERT_OK(ps_collection_list_items(c, "{\"source\": \"yahoo\"}", &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ps_names_free(items);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "AAPL", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 5);
  ASSERT(ps_frame_index(r) >= 0);
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(r, ps_frame_index(r))), "__index_level_0__");
  ASSERT_EQ_INT(i64_at(r, "__index_level_0__", 4), T0_NS + 4 * DAY_NS + 1); /* ns kept */
  ASSERT(dbl(r, "close", 4) == 5);
  ps_frame_free(r);
  /* filters on the unnamed index and on values */
  ps_item_read_options ro = {0};
  ro.start = "2024-01-02";
  ro.end = "2024-01-04";
  ASSERT_OK(ps_item_read(c, "AAPL", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ps_frame_free(r);
  ps_expr *e;
  ASSERT_OK(ps_expr_parse("close >= 4", &e));
  memset(&ro, 0, sizeof ro);
  ro.filter = e;
  ASSERT_OK(ps_item_read(c, "AAPL", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 2);
  ps_frame_free(r);
  ps_expr_free(e);
  ps_collection_close(c);
  ps_store_close(st);
}

/* dask: __null_dask_index__ (int64), _metadata/_common_metadata summary
 * footers, and index values repeated within and across parts (PyStore
 * allowed them): every stored row must come back, sorted, stable. */
static void test_legacy_dask_summary_duplicates(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "dk", "coll");
  ASSERT(c);
  char pj[2048];
  pyarrow_pandas_json(pj, sizeof pj, "__null_dask_index__", 0, "int64", NULL);
  int64_t i0[] = {5, 6, 7, 7}, i1[] = {7, 8, 9}, i2[] = {0, 1, 9};
  double v0[] = {50, 60, 70, 71}, v1[] = {72, 80, 90}, v2[] = {0, 10, 91};
  char *dir = item_dir(c, "X");
  ps_frame *f;
  f = legacy_frame("__null_dask_index__", 0, NULL, i0, v0, 4);
  ASSERT_OK(write_pyarrow_part(dir, "part.0.parquet", f, pj));
  ps_frame_free(f);
  f = legacy_frame("__null_dask_index__", 0, NULL, i1, v1, 3);
  ASSERT_OK(write_pyarrow_part(dir, "part.1.parquet", f, pj));
  ps_frame_free(f);
  f = legacy_frame("__null_dask_index__", 0, NULL, i2, v2, 3); /* unsorted append of 0.1.24 */
  ASSERT_OK(write_pyarrow_part(dir, "part.2.parquet", f, pj));
  ps_frame_free(f);
  ASSERT_EQ_INT(write_summary(dir, 3), 0);
  /* the summary really is a Parquet footer whose row groups point at the parts */
  char p[1024];
  snprintf(p, sizeof p, "%s/_metadata", dir);
  ps_parquet_file *pf = NULL;
  ASSERT_RC(ps_parquet_open(p, &pf), PS_ERR_UNSUPPORTED);
  ASSERT(strstr(ps_errmsg(), "part.0.parquet"));
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "X", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, 10);
  ASSERT_EQ_INT(info.num_parts, 3);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "X", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(r, ps_frame_index(r))), "__null_dask_index__");
  const double want[] = {0, 10, 50, 60, 70, 71, 72, 80, 90, 91}; /* stable: part order within equal keys */
  for (int i = 0; i < 10; i++) ASSERT(dbl(r, "close", i) == want[i]);
  ps_frame_free(r);
  ASSERT_OK(ps_item_tail(c, "X", 3, NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ASSERT(dbl(r, "close", 2) == 91);
  ps_frame_free(r);
  /* snapshot of the legacy item, then append onto it: stored duplicates
   * not touched by the new rows survive; keep_last replaces index 9's rows */
  ASSERT_OK(ps_snapshot_create(c, "s", NULL));
  int64_t ni[] = {9, 10};
  double nv[] = {99, 100};
  f = legacy_frame("__null_dask_index__", 0, NULL, ni, nv, 2);
  ASSERT_OK(ps_frame_set_index(f, "__null_dask_index__"));
  ASSERT_OK(ps_item_append(c, "X", f, NULL));
  ps_frame_free(f);
  ASSERT(!file_exists(dir, "_metadata") && !file_exists(dir, "_common_metadata"));
  ASSERT_OK(ps_item_read(c, "X", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10); /* 0,1,5,6,7,7,7,8,9(new),10 */
  ASSERT(dbl(r, "close", 4) == 70 && dbl(r, "close", 5) == 71 && dbl(r, "close", 6) == 72 && dbl(r, "close", 8) == 99);
  ps_frame_free(r);
  ps_item_read_options ro = {0};
  ro.snapshot = "s";
  ASSERT_OK(ps_item_read(c, "X", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ASSERT(dbl(r, "close", 9) == 91);
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}

/* pyarrow, named tz-aware DatetimeIndex ("Date", America/New_York). */
static void test_legacy_named_tz(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "tz", "coll");
  ASSERT(c);
  char pj[2048];
  pyarrow_pandas_json(pj, sizeof pj, "Date", 1, "datetime", "America/New_York");
  int64_t i0[] = {T0_NS, T0_NS + DAY_NS};
  double v0[] = {1, 2};
  ps_frame *f = legacy_frame("Date", 1, "UTC", i0, v0, 2); /* isAdjustedToUTC */
  char *dir = item_dir(c, "SPY");
  ASSERT_OK(write_pyarrow_part(dir, "part.0.parquet", f, pj));
  ps_frame_free(f);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "SPY", NULL, &r));
  const ps_column *ic = ps_frame_column(r, ps_frame_index(r));
  ASSERT_EQ_STR(ps_column_name(ic), "Date");
  ASSERT(ps_column_tz(ic) && strcmp(ps_column_tz(ic), "America/New_York") == 0);
  ps_frame_free(r);
  /* aware append in the same zone works; naive is refused naming the column */
  double v[] = {3};
  int64_t ai[] = {T0_NS + 2 * DAY_NS};
  f = legacy_frame("Date", 1, "America/New_York", ai, v, 1);
  ASSERT_OK(ps_frame_set_index(f, "Date"));
  ASSERT_OK(ps_item_append(c, "SPY", f, NULL));
  ps_frame_free(f);
  f = legacy_frame("Date", 1, NULL, ai, v, 1);
  ASSERT_OK(ps_frame_set_index(f, "Date"));
  ASSERT_RC(ps_item_append(c, "SPY", f, NULL), PS_ERR_SCHEMA);
  ASSERT(strstr(ps_errmsg(), "Date") && strstr(ps_errmsg(), "SPY"));
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "SPY", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ic = ps_frame_column(r, ps_frame_index(r));
  ASSERT(ps_column_tz(ic) && strcmp(ps_column_tz(ic), "America/New_York") == 0);
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}

/* fastparquet (PyStore <= 0.1.23): INT96 timestamps, legacy metadata.json,
 * _metadata file, parts out of order. */
static void test_legacy_fastparquet_int96(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "fp", "coll");
  ASSERT(c);
  char *dir = item_dir(c, "OLD");
  int64_t i0[] = {T0_NS + 2 * DAY_NS, T0_NS + 3 * DAY_NS + 1}, i1[] = {T0_NS - DAY_NS + 7, T0_NS};
  double v0[] = {3, 4}, v1[] = {1, 2};
  ASSERT_EQ_INT(write_fastparquet_part(dir, "part.0.parquet", i0, v0, 2, NULL), 0);
  ASSERT_EQ_INT(write_fastparquet_part(dir, "part.1.parquet", i1, v1, 2, NULL), 0);
  write_text(dir, "metadata.json", "{\"source\": \"quandl\", \"_updated\": \"2019-05-01 11:11:12.000000\"}");
  write_text(dir, "_metadata", "PAR1 not really"); /* fastparquet era summary: never parsed (#62) */
  char **items;
  ASSERT_OK(ps_collection_list_items(c, "{\"source\": \"quandl\"}", &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ps_names_free(items);
  char *m;
  ASSERT_OK(ps_item_metadata(c, "OLD", NULL, &m));
  ASSERT(strstr(m, "quandl"));
  ps_free(m);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "OLD", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 4);
  const ps_column *ic = ps_frame_column(r, ps_frame_index(r));
  ASSERT_EQ_STR(ps_column_name(ic), "Date");
  ASSERT(ps_column_type(ic) == PS_TYPE_TIMESTAMP && ps_column_unit(ic) == PS_UNIT_NS && !ps_column_tz(ic));
  ASSERT_EQ_INT(i64_at(r, "Date", 0), T0_NS - DAY_NS + 7); /* pre-epoch-day ns, sorted first */
  ASSERT_EQ_INT(i64_at(r, "Date", 3), T0_NS + 3 * DAY_NS + 1);
  ASSERT(dbl(r, "close", 0) == 1 && dbl(r, "close", 3) == 4);
  ps_frame_free(r);
  ps_item_read_options ro = {0};
  ro.start = "2024-01-01";
  ro.end = "2024-01-03";
  ASSERT_OK(ps_item_read(c, "OLD", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 2);
  ps_frame_free(r);
  ASSERT_OK(ps_snapshot_create(c, "pre", NULL));
  /* append a naive ns frame; the user metadata of metadata.json carries over */
  int64_t ai[] = {T0_NS + 10 * DAY_NS};
  double av[] = {10};
  ps_frame *f;
  ps_column *cc, *dc;
  ps_frame_new(&f);
  ps_frame_add_column(f, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &dc);
  ps_frame_add_column(f, "close", PS_TYPE_FLOAT64, 0, NULL, &cc);
  ps_column_append_int(dc, ai[0]);
  ps_column_append_double(cc, av[0]);
  ps_frame_validate(f);
  ps_frame_set_index(f, "Date");
  ASSERT_OK(ps_item_append(c, "OLD", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "OLD", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 5);
  ASSERT(dbl(r, "close", 4) == 10);
  ps_frame_free(r);
  ASSERT_OK(ps_item_metadata(c, "OLD", NULL, &m));
  ASSERT(strstr(m, "quandl"));
  ps_free(m);
  ASSERT_OK(ps_snapshot_restore(c, "pre", "OLD"));
  ASSERT_OK(ps_item_read(c, "OLD", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 4);
  ps_frame_free(r);
  /* a tz-aware fastparquet INT96 part: the zone comes from the pandas metadata */
  dir = item_dir(c, "AWARE");
  ASSERT_EQ_INT(write_fastparquet_part(dir, "part.0.parquet", i0, v0, 2, "Europe/London"), 0);
  ASSERT_OK(ps_item_read(c, "AWARE", NULL, &r));
  ic = ps_frame_column(r, ps_frame_index(r));
  ASSERT(ps_column_tz(ic) && strcmp(ps_column_tz(ic), "Europe/London") == 0);
  ASSERT_EQ_INT(i64_at(r, "Date", 1), T0_NS + 3 * DAY_NS + 1);
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}


/* ---- PyStore's test suite (§8.4), ported ---- */

/* test_store.py + path complaints (#68 ~, trailing separators) */
static void test_store_scenarios(void) {
  ps_store_options o = {0};
  char p[400];
  snprintf(p, sizeof p, "%s/sub//", base);
  o.base_path = p;
  o.no_fsync = 1;
  ps_store *st;
  ASSERT_RC(ps_store_open("test_store", &o, 0, &st), PS_ERR_NOT_FOUND); /* exists-detection */
  ASSERT_OK(ps_store_open("test_store", &o, 1, &st));
  char *meta;
  ASSERT_OK(ps_store_metadata(st, &meta));
  ASSERT(strstr(meta, "pyarrow") && strstr(meta, "_updated"));
  ps_free(meta);
  ps_store_close(st);
  char **names;
  ASSERT_OK(ps_list_stores(&o, &names));
  ASSERT_EQ_INT(count_names(names), 1);
  ps_names_free(names);
  ASSERT_OK(ps_delete_store(&o, "test_store"));
  ASSERT_RC(ps_delete_store(&o, "test_store"), PS_ERR_NOT_FOUND); /* delete nonexistent */
  ASSERT(strstr(ps_errmsg(), "test_store"));
  /* path with spaces, and "~/" expanded against $HOME */
  char home[400], *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
  snprintf(home, sizeof home, "%s/my home", base);
  mkdir(home, 0777);
  setenv("HOME", home, 1);
  o.base_path = "~/stores";
  ASSERT_OK(ps_store_open("s", &o, 1, &st));
  ASSERT(strncmp(ps_store_path(st), home, strlen(home)) == 0);
  ps_store_close(st);
  if (old) setenv("HOME", old, 1);
  free(old);
  /* invalid path: a file where the base directory should be */
  snprintf(p, sizeof p, "%s/afile", base);
  write_text(base, "afile", "x");
  o.base_path = p;
  ASSERT(ps_store_open("s", &o, 1, &st) < 0);
}

/* test_collection.py */
static void test_collection_scenarios(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "cs", "test_collection");
  ASSERT(c);
  char sp[800];
  snprintf(sp, sizeof sp, "%s/_snapshots", ps_collection_path(c));
  struct stat sb;
  ASSERT(stat(sp, &sb) == 0 && S_ISDIR(sb.st_mode));
  ps_collection *c2;
  ASSERT_OK(ps_collection_open(st, "test_collection", 0, &c2)); /* opening an existing one */
  ps_collection_close(c2);
  ASSERT_RC(ps_collection_open(st, "missing", 0, &c2), PS_ERR_NOT_FOUND);
  ps_frame *f = mk_range(0, 5);
  ps_item_write_options wo = {0};
  wo.metadata = "{\"source\": \"Quandl\"}";
  ASSERT_OK(ps_item_write(c, "A", f, &wo));
  wo.metadata = "{\"source\": \"Yahoo\"}";
  ASSERT_OK(ps_item_write(c, "B", f, &wo));
  ps_frame_free(f);
  char **items;
  ASSERT_OK(ps_collection_list_items(c, NULL, &items));
  ASSERT_EQ_INT(count_names(items), 2);
  ps_names_free(items);
  ASSERT_OK(ps_collection_list_items(c, "{\"source\": \"Quandl\"}", &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ASSERT_EQ_STR(items[0], "A");
  ps_names_free(items);
  ASSERT_OK(ps_collection_list_items(c, "{\"source\": \"Quandl\", \"x\": 1}", &items)); /* AND */
  ASSERT_EQ_INT(count_names(items), 0);
  ps_names_free(items);
  ps_collection_close(c);
  ASSERT_OK(ps_store_delete_collection(st, "test_collection"));
  ASSERT_RC(ps_store_delete_collection(st, "test_collection"), PS_ERR_NOT_FOUND);
  char **colls;
  ASSERT_OK(ps_store_list_collections(st, &colls));
  ASSERT_EQ_INT(count_names(colls), 0);
  ps_names_free(colls);
  ps_store_close(st);
}

/* test_write_read.py */
static void test_write_read_scenarios(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "wr", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 100), *r;
  ASSERT_OK(ps_item_write(c, "I", f, NULL));
  ASSERT_RC(ps_item_write(c, "I", f, NULL), PS_ERR_EXISTS); /* overwrite error */
  ASSERT(strstr(ps_errmsg(), "I"));
  ps_frame *g = mk_range(500, 3);
  ps_item_write_options wo = {0};
  wo.overwrite = 1;
  ASSERT_OK(ps_item_write(c, "I", g, &wo));
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ASSERT_EQ_INT(day_at(r, 0), 500);
  ps_frame_free(r);
  ps_frame_free(g);
  ASSERT_RC(ps_item_read(c, "NOPE", NULL, &r), PS_ERR_NOT_FOUND); /* read nonexistent */
  ASSERT(strstr(ps_errmsg(), "NOPE"));
  ASSERT_OK(ps_item_write(c, "J", f, NULL));
  ps_expr *e;
  ASSERT_OK(ps_expr_parse("close < 10", &e));
  ps_item_read_options ro = {0};
  ro.filter = e;
  ASSERT_OK(ps_item_read(c, "J", &ro, &r)); /* read with filters */
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  ps_expr_free(e);
  const char *cols[] = {"close"};
  memset(&ro, 0, sizeof ro);
  ro.columns = cols;
  ro.num_columns = 1;
  ASSERT_OK(ps_item_read(c, "J", &ro, &r)); /* read with columns: index kept */
  ASSERT_EQ_INT(ps_frame_num_columns(r), 2);
  ASSERT(ps_frame_index(r) >= 0 && !ps_frame_column_by_name(r, "sym"));
  ps_frame_free(r);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

/* test_append.py (12 scenarios) + complaints 1, 2, 3, 5 */
static void test_append_scenarios(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "ap", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 5), *r;
  ASSERT_OK(ps_item_write(c, "I", f, &(ps_item_write_options){.metadata = "{\"k\": \"v\"}"}));
  /* basic */
  ps_frame *g = mk_range(5, 5);
  ASSERT_OK(ps_item_append(c, "I", g, NULL));
  ps_frame_free(g);
  /* nonexistent item: an error, not a silent no-op (complaint 3) */
  ASSERT_RC(ps_item_append(c, "NOPE", f, NULL), PS_ERR_NOT_FOUND);
  ASSERT(strstr(ps_errmsg(), "NOPE"));
  /* empty frame: no-op */
  g = mk_range(0, 0);
  ASSERT_OK(ps_item_append(c, "I", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  /* duplicates: keep_last (upsert, complaint 2), keep_first, error */
  int64_t d[] = {9};
  double v[] = {900};
  g = mk_frame(d, v, 1);
  ASSERT_RC(ps_item_append(c, "I", g, &(ps_append_options){.duplicates = PS_DUP_ERROR}), PS_ERR_DUPLICATE);
  ASSERT(strstr(ps_errmsg(), "I"));
  ASSERT_OK(ps_item_append(c, "I", g, &(ps_append_options){.duplicates = PS_DUP_KEEP_FIRST}));
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT(dbl(r, "close", 9) == 9.5);
  ps_frame_free(r);
  ASSERT_OK(ps_item_append(c, "I", g, NULL));
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT(dbl(r, "close", 9) == 900 && ps_frame_num_rows(r) == 10);
  ps_frame_free(r);
  ps_frame_free(g);
  /* validate_schema: a type change is refused naming the column and both types */
  ps_frame *bad;
  ps_column *dc, *cc, *vc, *sc;
  ps_frame_new(&bad);
  ps_frame_add_column(bad, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &dc);
  ps_frame_add_column(bad, "close", PS_TYPE_STRING, 0, NULL, &cc);
  ps_frame_add_column(bad, "volume", PS_TYPE_INT64, 0, NULL, &vc);
  ps_frame_add_column(bad, "sym", PS_TYPE_STRING, 0, NULL, &sc);
  ps_column_append_int(dc, T0_NS + 50 * DAY_NS);
  ps_column_append_string(cc, "x", 1);
  ps_column_append_int(vc, 1);
  ps_column_append_string(sc, "x", 1);
  ps_frame_validate(bad);
  ps_frame_set_index(bad, "Date");
  ASSERT_RC(ps_item_append(c, "I", bad, NULL), PS_ERR_SCHEMA);
  ASSERT(strstr(ps_errmsg(), "close") && strstr(ps_errmsg(), "float64") && strstr(ps_errmsg(), "string"));
  ps_frame_free(bad);
  /* preserves metadata */
  char *m;
  ASSERT_OK(ps_item_metadata(c, "I", NULL, &m));
  ASSERT(strstr(m, "\"k\"") && strstr(m, "_updated"));
  ps_free(m);
  /* maintains sort order: older rows appended go into place (complaint 5) */
  g = mk_range(-5, 5);
  ASSERT_OK(ps_item_append(c, "I", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 15);
  ASSERT(is_sorted_unique(r) && day_at(r, 0) == -5);
  ps_frame_free(r);
  /* nanosecond */
  int64_t nd[] = {100};
  double nv[] = {1};
  g = mk_frame_tz(nd, nv, 1, 1, NULL);
  ASSERT_OK(ps_item_append(c, "I", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(ps_item_tail(c, "I", 1, NULL, &r));
  ASSERT_EQ_INT(idx_at(r, 0), T0_NS + 100 * DAY_NS + 1);
  ps_frame_free(r);
  /* identical values at different timestamps (#69: expects 6 rows; complaint 1) */
  int64_t id[] = {0, 1, 2};
  double iv[] = {1, 1, 1};
  g = mk_frame(id, iv, 3);
  ps_column *vol = ps_frame_column_by_name(g, "volume");
  ps_column *sym = ps_frame_column_by_name(g, "sym");
  (void)vol;
  (void)sym;
  ASSERT_OK(ps_item_write(c, "SAME", g, NULL));
  ps_frame_free(g);
  int64_t id2[] = {3, 4, 5};
  g = mk_frame(id2, iv, 3);
  ASSERT_OK(ps_item_append(c, "SAME", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(ps_item_read(c, "SAME", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 6);
  ps_frame_free(r);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

/* test_snapshots.py */
static void test_snapshot_scenarios(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "sn", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 5), *r;
  ASSERT_OK(ps_item_write(c, "I", f, &(ps_item_write_options){.metadata = "{\"m\": 1}"}));
  char *name;
  ASSERT_OK(ps_snapshot_create(c, "snap 1-x", &name)); /* invalid name sanitised */
  ASSERT_EQ_STR(name, "snap1x");
  ps_free(name);
  ASSERT_RC(ps_snapshot_create(c, "snap1x", NULL), PS_ERR_EXISTS);
  ASSERT_OK(ps_snapshot_create(c, NULL, &name)); /* auto-name: microseconds */
  ASSERT(strlen(name) >= 16);
  ps_free(name);
  ps_frame *g = mk_range(5, 5);
  ASSERT_OK(ps_item_append(c, "I", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(ps_item_set_metadata(c, "I", "{\"m\": 2}"));
  ps_item_read_options ro = {0};
  ro.snapshot = "snap1x";
  ASSERT_OK(ps_item_read(c, "I", &ro, &r)); /* read from snapshot */
  ASSERT_EQ_INT(ps_frame_num_rows(r), 5);
  ps_frame_free(r);
  char *m;
  ASSERT_OK(ps_item_metadata(c, "I", "snap1x", &m)); /* metadata preserved */
  ASSERT(strstr(m, "\"m\": 1"));
  ps_free(m);
  ASSERT_RC(ps_item_read(c, "NOTIN", &ro, &r), PS_ERR_NOT_FOUND); /* item not in snapshot */
  char **snaps;
  ASSERT_OK(ps_snapshot_list(c, &snaps));
  ASSERT_EQ_INT(count_names(snaps), 2);
  ps_names_free(snaps);
  ASSERT_OK(ps_snapshot_restore(c, "snap1x", "I"));
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 5);
  ps_frame_free(r);
  ASSERT_OK(ps_snapshot_delete(c, "snap1x"));
  ASSERT_RC(ps_snapshot_delete(c, "snap1x"), PS_ERR_NOT_FOUND); /* delete nonexistent */
  ASSERT_OK(ps_snapshot_delete_all(c));
  ASSERT_OK(ps_snapshot_list(c, &snaps));
  ASSERT_EQ_INT(count_names(snaps), 0);
  ps_names_free(snaps);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

/* test_edge_cases.py (+ complaint 11: regex characters in names) */
static void test_edge_cases(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "edge cases", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 3), *r;
  const char *names[] = {"a_b", "a-b", "a.b", "UPPER", "1leading", "^GSPC", "BRK.B", "日経225"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    ASSERT_OK(ps_item_write(c, names[i], f, NULL));
    ASSERT_OK(ps_item_read(c, names[i], NULL, &r));
    ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
    ps_frame_free(r);
  }
  const char *bad[] = {"", ".", "..", "a/b", "_snapshots", "__tmp", ".hidden"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) ASSERT_RC(ps_item_write(c, bad[i], f, NULL), PS_ERR_NAME);
  /* empty frame */
  ps_frame *e = mk_range(0, 0);
  ASSERT_OK(ps_item_write(c, "EMPTY", e, NULL));
  ASSERT_OK(ps_item_read(c, "EMPTY", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 0);
  ps_frame_free(r);
  ps_frame_free(e);
  /* long column names, index name preservation */
  ps_frame *w;
  ps_column *ix, *lc;
  char longname[201];
  memset(longname, 'x', 200);
  longname[200] = 0;
  ps_frame_new(&w);
  ps_frame_add_column(w, "my_index", PS_TYPE_INT64, 0, NULL, &ix);
  ps_frame_add_column(w, longname, PS_TYPE_FLOAT64, 0, NULL, &lc);
  ps_column_append_int(ix, 1);
  ps_column_append_double(lc, 2);
  ps_frame_validate(w);
  ps_frame_set_index(w, "my_index");
  ASSERT_OK(ps_item_write(c, "LONG", w, NULL));
  ps_frame_free(w);
  ASSERT_OK(ps_item_read(c, "LONG", NULL, &r));
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(r, ps_frame_index(r))), "my_index");
  ASSERT(ps_frame_column_by_name(r, longname));
  ps_frame_free(r);
  /* append after delete and recreate */
  ASSERT_OK(ps_item_delete(c, "a_b"));
  ASSERT_RC(ps_item_append(c, "a_b", f, NULL), PS_ERR_NOT_FOUND);
  ASSERT_OK(ps_item_write(c, "a_b", f, NULL));
  ps_frame *g = mk_range(3, 2);
  ASSERT_OK(ps_item_append(c, "a_b", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(ps_item_read(c, "a_b", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 5);
  ps_frame_free(r);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

/* ---- §9 complaints without a scenario above ---- */

/* 4: appending after the stored range does not rewrite stored parts (#56) */
static void test_complaint_append_cost(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "cost", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 1000);
  ASSERT_OK(ps_item_write(c, "I", f, NULL));
  ps_frame_free(f);
  char p[900];
  snprintf(p, sizeof p, "%s/I/part.0.parquet", ps_collection_path(c));
  struct stat a, b;
  ASSERT(stat(p, &a) == 0);
  f = mk_range(1000, 10);
  ASSERT_OK(ps_item_append(c, "I", f, NULL));
  ps_frame_free(f);
  ASSERT(stat(p, &b) == 0 && a.st_ino == b.st_ino && a.st_mtime == b.st_mtime);
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "I", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, 1010);
  ASSERT_EQ_INT(info.num_parts, 2);
  ps_collection_close(c);
  ps_store_close(st);
}

/* 6: tz-aware index (#35): zone kept; naive into aware refused */
static void test_complaint_timezones(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "tzc", "coll");
  ASSERT(c);
  int64_t d[] = {0, 1};
  double v[] = {1, 2};
  ps_frame *f = mk_frame_tz(d, v, 2, 0, "Asia/Tokyo"), *r;
  ASSERT_OK(ps_item_write(c, "I", f, NULL));
  ps_frame_free(f);
  int64_t d2[] = {2};
  f = mk_frame_tz(d2, v, 1, 0, "Asia/Tokyo");
  ASSERT_OK(ps_item_append(c, "I", f, NULL));
  ps_frame_free(f);
  f = mk_frame(d2, v, 1);
  ASSERT_RC(ps_item_append(c, "I", f, NULL), PS_ERR_SCHEMA);
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column(r, ps_frame_index(r))), "Asia/Tokyo");
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}

/* 7: ns precision (#25, #75) and integer indexes > 1e6 stay integers (#10) */
static void test_complaint_ns_and_int_index(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "ns", "coll");
  ASSERT(c);
  int64_t d[] = {0};
  double v[] = {1};
  ps_frame *f = mk_frame_tz(d, v, 1, 1, NULL), *r;
  ASSERT_OK(ps_item_write(c, "NS", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "NS", NULL, &r));
  ASSERT_EQ_INT(idx_at(r, 0), T0_NS + 1);
  ps_frame_free(r);
  ps_column *ix, *vc;
  ps_frame_new(&f);
  ps_frame_add_column(f, "n", PS_TYPE_INT64, 0, NULL, &ix);
  ps_frame_add_column(f, "v", PS_TYPE_FLOAT64, 0, NULL, &vc);
  ps_column_append_int(ix, 20000000);
  ps_column_append_double(vc, 1);
  ps_frame_validate(f);
  ps_frame_set_index(f, "n");
  ASSERT_OK(ps_item_write(c, "INT", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "INT", NULL, &r));
  ASSERT(ps_column_type(ps_frame_column(r, ps_frame_index(r))) == PS_TYPE_INT64);
  ASSERT_EQ_INT(i64_at(r, "n", 0), 20000000);
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}

/* 10: _updated = "%Y-%m-%d %H:%M:%S.%f" in UTC (#64 had the hour as minutes) */
static void test_complaint_updated_format(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "upd", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 1);
  ASSERT_OK(ps_item_write(c, "I", f, NULL));
  ps_frame_free(f);
  time_t now = time(NULL);
  char *m;
  ASSERT_OK(ps_item_metadata(c, "I", NULL, &m));
  const char *u = strstr(m, "\"_updated\": \"");
  ASSERT(u);
  int Y, M, D, h, mi, s, us;
  ASSERT_EQ_INT(sscanf(u + 13, "%4d-%2d-%2d %2d:%2d:%2d.%6d", &Y, &M, &D, &h, &mi, &s, &us), 7);
  struct tm tm;
  gmtime_r(&now, &tm);
  int got = h * 60 + mi, want = tm.tm_hour * 60 + tm.tm_min;
  ASSERT(got == want || (got + 1) % 1440 == want);
  ps_free(m);
  ps_collection_close(c);
  ps_store_close(st);
}

int main(void) {
  mk_base(base, sizeof base, "pystore");
  RUN(test_legacy_pyarrow_unnamed);
  RUN(test_legacy_dask_summary_duplicates);
  RUN(test_legacy_named_tz);
  RUN(test_legacy_fastparquet_int96);
  RUN(test_store_scenarios);
  RUN(test_collection_scenarios);
  RUN(test_write_read_scenarios);
  RUN(test_append_scenarios);
  RUN(test_snapshot_scenarios);
  RUN(test_edge_cases);
  RUN(test_complaint_append_cost);
  RUN(test_complaint_timezones);
  RUN(test_complaint_ns_and_int_index);
  RUN(test_complaint_updated_format);
  if (!test__failures) rm_base(base);
  TEST_MAIN_END();
}
