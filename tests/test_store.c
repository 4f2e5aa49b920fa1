/* Store layer: names, stores/collections, metadata, item write/read with
 * filters, append policies and cost rules, schemas, snapshots, legacy
 * (Python PyStore) items. Regression tests for PyStore's issues are named
 * after them (#43/#69 etc., see docs/store.md). */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "test.h"
#include "test_store_util.h"

static char base[256];
static ps_store_options sopt;

static ps_collection *open_coll(ps_store **st, const char *store, const char *coll) {
  if (ps_store_open(store, &sopt, 1, st) != PS_OK) return NULL;
  ps_collection *c = NULL;
  if (ps_collection_open(*st, coll, 1, &c) != PS_OK) return NULL;
  return c;
}

static int count_names(char **names) {
  int n = 0;
  while (names && names[n]) n++;
  return n;
}

static int file_exists(const char *dir, const char *name) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  struct stat st;
  return stat(p, &st) == 0;
}

static ino_t inode_of(const char *dir, const char *name) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  struct stat st;
  return stat(p, &st) == 0 ? st.st_ino : 0;
}

static int count_parquet(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l > 8 && strcmp(e->d_name + l - 8, ".parquet") == 0) n++;
  }
  closedir(d);
  return n;
}

/* ---- names ---- */
static void test_names(void) {
  ps_store *st;
  ASSERT_OK(ps_store_open("s", &sopt, 1, &st));
  ps_collection *c;
  const char *good[] = {"AAPL", "^GSPC", "BRK.B", "日経225", "a b", "x_y-z"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    ASSERT_OK(ps_collection_open(st, good[i], 1, &c));
    ps_collection_close(c);
  }
  const char *bad[] = {"", ".", "..", "a/b", "_snapshots", "__tmp", ".hidden", "\xff\xfe", "a\nb"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) ASSERT_RC(ps_collection_open(st, bad[i], 1, &c), PS_ERR_NAME);
  char longname[300];
  memset(longname, 'x', 299);
  longname[299] = 0;
  ASSERT_RC(ps_collection_open(st, longname, 1, &c), PS_ERR_NAME);
  ps_store *x;
  ASSERT_RC(ps_store_open("../escape", &sopt, 1, &x), PS_ERR_NAME);
  ASSERT(strstr(ps_errmsg(), "../escape") != NULL);
  /* item names with regex characters work end to end (#45) */
  ASSERT_OK(ps_collection_open(st, "idx", 1, &c));
  ps_frame *f = mk_range(0, 3);
  ASSERT_OK(ps_item_write(c, "^GSPC", f, NULL));
  ASSERT_OK(ps_item_write(c, "日経225", f, NULL));
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "^GSPC", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ps_frame_free(r);
  ASSERT_RC(ps_item_write(c, "..", f, NULL), PS_ERR_NAME);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

/* ---- stores, collections, metadata, paths ---- */
static void test_store_crud(void) {
  ps_store_options o = sopt;
  char sub[512];
  snprintf(sub, sizeof sub, "%s/crud///", base);
  o.base_path = sub;
  ps_store *st;
  ASSERT_RC(ps_store_open("nope", &o, 0, &st), PS_ERR_NOT_FOUND);
  ASSERT_OK(ps_store_open("one", &o, 1, &st));
  char *meta;
  ASSERT_OK(ps_store_metadata(st, &meta));
  ASSERT(strstr(meta, "\"engine\": \"pyarrow\"") || strstr(meta, "\"engine\":\"pyarrow\""));
  ASSERT(strstr(meta, "_updated"));
  ps_free(meta);
  ps_store *st2;
  ASSERT_OK(ps_store_open("two", &o, 1, &st2));
  char **names;
  ASSERT_OK(ps_list_stores(&o, &names));
  ASSERT_EQ_INT(count_names(names), 2);
  ASSERT_EQ_STR(names[0], "one");
  ps_names_free(names);
  ps_collection *c;
  ASSERT_RC(ps_collection_open(st, "c1", 0, &c), PS_ERR_NOT_FOUND);
  ASSERT_OK(ps_collection_open(st, "c1", 1, &c));
  char snapdir[600];
  snprintf(snapdir, sizeof snapdir, "%s/_snapshots", ps_collection_path(c));
  struct stat sb;
  ASSERT(stat(snapdir, &sb) == 0 && S_ISDIR(sb.st_mode));
  ps_collection_close(c);
  ASSERT_OK(ps_collection_open(st, "c2", 1, &c));
  ps_collection_close(c);
  ASSERT_OK(ps_store_list_collections(st, &names));
  ASSERT_EQ_INT(count_names(names), 2);
  ps_names_free(names);
  ASSERT_OK(ps_store_delete_collection(st, "c2"));
  ASSERT_RC(ps_store_delete_collection(st, "c2"), PS_ERR_NOT_FOUND);
  ASSERT_OK(ps_store_list_collections(st, &names));
  ASSERT_EQ_INT(count_names(names), 1);
  ps_names_free(names);
  ps_store_close(st);
  ps_store_close(st2);
  ASSERT_OK(ps_delete_store(&o, "two"));
  ASSERT_RC(ps_delete_store(&o, "two"), PS_ERR_NOT_FOUND);
  ASSERT_OK(ps_list_stores(&o, &names));
  ASSERT_EQ_INT(count_names(names), 1);
  ps_names_free(names);
  /* base path: PYSTORE_PATH, ~ expansion (#68), trailing slashes */
  char *bp;
  ASSERT_OK(ps_base_path(&o, &bp));
  ASSERT(bp[strlen(bp) - 1] != '/');
  ps_free(bp);
  const char *home = getenv("HOME");
  if (home) {
    ps_store_options t = {0};
    t.base_path = "~/somewhere";
    ASSERT_OK(ps_base_path(&t, &bp));
    ASSERT(strncmp(bp, home, strlen(home)) == 0 && strstr(bp, "/somewhere"));
    ps_free(bp);
  }
  setenv("PYSTORE_PATH", "/tmp/from-env", 1);
  ps_store_options e = {0};
  ASSERT_OK(ps_base_path(&e, &bp));
  ASSERT_EQ_STR(bp, "/tmp/from-env");
  ps_free(bp);
  unsetenv("PYSTORE_PATH");
}

/* ---- write / read ---- */
static void test_write_read(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "wr", "daily");
  ASSERT(c);
  int64_t days[] = {5, 1, 3, 2, 4, 0, 9, 8, 7, 6};
  double vals[] = {5, 1, 3, 2, 4, 0, 9, 8, 7, 6};
  /* ns precision kept (#25/#75): +1 ns */
  ps_frame *f = mk_frame_tz(days, vals, 10, 1, NULL);
  ps_item_write_options wo = {0};
  wo.metadata = "{\"source\": \"test\", \"n\": 1}";
  wo.part_rows = 3;
  ASSERT_OK(ps_item_write(c, "AAPL", f, &wo));
  ASSERT_RC(ps_item_write(c, "AAPL", f, &wo), PS_ERR_EXISTS);
  ASSERT(ps_item_exists(c, "AAPL"));
  ASSERT(!ps_item_exists(c, "MSFT"));
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "AAPL", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, 10);
  ASSERT_EQ_INT(info.num_parts, 4);
  ASSERT(info.has_manifest);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "AAPL", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ASSERT(is_sorted_unique(r));
  for (int i = 0; i < 10; i++) {
    ASSERT_EQ_INT(idx_at(r, i), T0_NS + i * DAY_NS + 1);
    ASSERT(dbl(r, "close", i) == (double)i);
  }
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(r, ps_frame_index(r))), "Date");
  ps_frame_free(r);
  /* start/end (inclusive, ISO strings) prune parts */
  ps_item_read_options ro = {0};
  int64_t parts = -1;
  ro.start = "2024-01-04";
  ro.end = "2024-01-05T00:00:00.000000001";
  ro.parts_read = &parts;
  ASSERT_OK(ps_item_read(c, "AAPL", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 2); /* days 3 and 4 (+1ns) */
  ASSERT_EQ_INT(day_at(r, 0), 3);
  ASSERT_EQ_INT(parts, 1); /* only the part holding days 3..5 */
  ps_frame_free(r);
  /* columns + filter */
  const char *cols[] = {"close"};
  ps_expr *e;
  ASSERT_OK(ps_expr_parse("close >= 7", &e));
  memset(&ro, 0, sizeof ro);
  ro.columns = cols;
  ro.num_columns = 1;
  ro.filter = e;
  ASSERT_OK(ps_item_read(c, "AAPL", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ASSERT_EQ_INT(ps_frame_num_columns(r), 2); /* close + index */
  ASSERT(ps_frame_index(r) >= 0);
  ps_frame_free(r);
  /* filter + start together */
  ro.start = "2024-01-09";
  ASSERT_OK(ps_item_read(c, "AAPL", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 2);
  ps_frame_free(r);
  ps_expr_free(e);
  /* limit, head, tail */
  memset(&ro, 0, sizeof ro);
  ro.limit = 4;
  ASSERT_OK(ps_item_read(c, "AAPL", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 4);
  ps_frame_free(r);
  ASSERT_OK(ps_item_head(c, "AAPL", 2, NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 2);
  ASSERT_EQ_INT(day_at(r, 0), 0);
  ps_frame_free(r);
  ASSERT_OK(ps_item_tail(c, "AAPL", 4, NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 4);
  ASSERT_EQ_INT(day_at(r, 0), 6);
  ASSERT_EQ_INT(day_at(r, 3), 9);
  ps_frame_free(r);
  /* schema without data */
  ASSERT_OK(ps_item_schema(c, "AAPL", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 0);
  ASSERT_EQ_INT(ps_frame_num_columns(r), 4);
  ps_frame_free(r);
  /* metadata: user keys + _updated with minutes, in UTC (#64) */
  char *m;
  ASSERT_OK(ps_item_metadata(c, "AAPL", NULL, &m));
  ASSERT(strstr(m, "\"source\": \"test\"") || strstr(m, "\"source\":\"test\""));
  /* "_updated": "YYYY-MM-DD HH:MM:SS.ffffff" with real minutes, in UTC (#64) */
  const char *u = strstr(m, "\"_updated\"");
  ASSERT(u);
  u = strchr(u + 10, '"');
  ASSERT(u);
  u++;
  int yy, mo, dd, hh, mi, ss, us;
  ASSERT_EQ_INT(sscanf(u, "%4d-%2d-%2d %2d:%2d:%2d.%6d", &yy, &mo, &dd, &hh, &mi, &ss, &us), 7);
  {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int diff = (tm.tm_hour * 60 + tm.tm_min) - (hh * 60 + mi);
    ASSERT(diff >= 0 && diff <= 2);
  }
  ps_free(m);
  char **items;
  ASSERT_OK(ps_item_write(c, "MSFT", f, NULL));
  ASSERT_OK(ps_collection_list_items(c, NULL, &items));
  ASSERT_EQ_INT(count_names(items), 2);
  ps_names_free(items);
  ASSERT_OK(ps_collection_list_items(c, "{\"source\": \"test\"}", &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ASSERT_EQ_STR(items[0], "AAPL");
  ps_names_free(items);
  ASSERT_OK(ps_collection_list_items(c, "{\"source\": \"test\", \"n\": 2}", &items));
  ASSERT_EQ_INT(count_names(items), 0);
  ps_names_free(items);
  ASSERT_OK(ps_item_set_metadata(c, "MSFT", "{\"source\": \"test\", \"n\": 2}"));
  ASSERT_OK(ps_collection_list_items(c, "{\"n\": 2}", &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ASSERT_EQ_STR(items[0], "MSFT");
  ps_names_free(items);
  /* overwrite replaces data and metadata atomically */
  ps_frame *g = mk_range(100, 2);
  ps_item_write_options ow = {0};
  ow.overwrite = 1;
  ASSERT_OK(ps_item_write(c, "AAPL", g, &ow));
  ASSERT_OK(ps_item_read(c, "AAPL", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 2);
  ASSERT_EQ_INT(day_at(r, 0), 100);
  ps_frame_free(r);
  char dir[600];
  snprintf(dir, sizeof dir, "%s/AAPL", ps_collection_path(c));
  ASSERT_EQ_INT(count_parquet(dir), 1);
  ASSERT_OK(ps_item_metadata(c, "AAPL", NULL, &m));
  ASSERT(!strstr(m, "source"));
  ps_free(m);
  /* delete, then recreate */
  ASSERT_OK(ps_item_delete(c, "AAPL"));
  ASSERT_RC(ps_item_delete(c, "AAPL"), PS_ERR_NOT_FOUND);
  ASSERT(!ps_item_exists(c, "AAPL"));
  ps_frame *rr = NULL;
  ASSERT_RC(ps_item_read(c, "AAPL", NULL, &rr), PS_ERR_NOT_FOUND);
  ASSERT_OK(ps_item_write(c, "AAPL", g, NULL));
  ps_frame_free(g);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

/* ---- append ---- */
static void test_append_after_range_is_cheap(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "ap", "cost");
  ASSERT(c);
  ps_frame *f = mk_range(0, 100);
  ps_item_write_options wo = {0};
  wo.part_rows = 50;
  ASSERT_OK(ps_item_write(c, "X", f, &wo));
  ps_frame_free(f);
  char dir[600];
  snprintf(dir, sizeof dir, "%s/X", ps_collection_path(c));
  ino_t p0 = inode_of(dir, "part.0.parquet"), p1 = inode_of(dir, "part.1.parquet");
  ASSERT(p0 && p1);
  /* entirely after: only a new part; old parts untouched (#56) */
  f = mk_range(100, 10);
  ASSERT_OK(ps_item_append(c, "X", f, NULL));
  ps_frame_free(f);
  ASSERT_EQ_INT(inode_of(dir, "part.0.parquet"), p0);
  ASSERT_EQ_INT(inode_of(dir, "part.1.parquet"), p1);
  ASSERT_EQ_INT(count_parquet(dir), 3);
  /* overlapping the second part only: part 0 kept, part 1 rewritten */
  int64_t d[] = {70, 75};
  double v[] = {-1, -2};
  f = mk_frame(d, v, 2);
  ASSERT_OK(ps_item_append(c, "X", f, NULL));
  ps_frame_free(f);
  ASSERT_EQ_INT(inode_of(dir, "part.0.parquet"), p0);
  ASSERT(!file_exists(dir, "part.1.parquet"));
  ASSERT(file_exists(dir, "part.2.parquet")); /* the appended part was not touched */
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "X", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 110);
  ASSERT(is_sorted_unique(r));
  ASSERT(dbl(r, "close", 70) == -1); /* upsert (#32, #65) */
  ASSERT(dbl(r, "close", 75) == -2);
  ASSERT(dbl(r, "close", 71) == 71.5);
  ps_frame_free(r);
  /* rows before the stored range, out of order (#76) */
  int64_t d2[] = {-3, -10, -5};
  double v2[] = {3, 10, 5};
  f = mk_frame(d2, v2, 3);
  ASSERT_OK(ps_item_append(c, "X", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "X", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 113);
  ASSERT(is_sorted_unique(r));
  ASSERT_EQ_INT(day_at(r, 0), -10);
  ps_frame_free(r);
  /* a gap between parts: no stored part is rewritten */
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "X", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, 113);
  ps_collection_close(c);
  ps_store_close(st);
}

static void test_append_policies(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "ap", "pol");
  ASSERT(c);
  int64_t d[] = {0, 1, 2, 3};
  double v[] = {10, 10, 10, 10}; /* identical values at different index values */
  ps_frame *base_f = mk_frame(d, v, 4);
  const char *names[] = {"keep_last", "keep_first", "error", "keep_all"};
  for (int p = 0; p < 4; p++) {
    ps_duplicates dup;
    ASSERT_OK(ps_duplicates_from_name(names[p], &dup));
    ASSERT_OK(ps_item_write(c, names[p], base_f, NULL));
    /* #43/#69/#38: identical values at new index values are all kept */
    int64_t d2[] = {4, 5};
    double v2[] = {10, 10};
    ps_frame *f = mk_frame(d2, v2, 2);
    ps_append_options ao = {0};
    ao.duplicates = dup;
    ASSERT_OK(ps_item_append(c, names[p], f, &ao));
    ps_frame_free(f);
    ps_frame *r;
    ASSERT_OK(ps_item_read(c, names[p], NULL, &r));
    ASSERT_EQ_INT(ps_frame_num_rows(r), 6);
    ps_frame_free(r);
    /* now an overlapping batch: day 2 exists; day 6 twice inside the batch */
    int64_t d3[] = {6, 2, 6};
    double v3[] = {61, 20, 62};
    f = mk_frame(d3, v3, 3);
    int rc = ps_item_append(c, names[p], f, &ao);
    ps_frame_free(f);
    ASSERT_OK(ps_item_read(c, names[p], NULL, &r));
    switch (dup) {
      case PS_DUP_KEEP_LAST:
        ASSERT_OK(rc);
        ASSERT_EQ_INT(ps_frame_num_rows(r), 7);
        ASSERT(dbl(r, "close", 2) == 20);
        ASSERT(dbl(r, "close", 6) == 62);
        break;
      case PS_DUP_KEEP_FIRST:
        ASSERT_OK(rc);
        ASSERT_EQ_INT(ps_frame_num_rows(r), 7);
        ASSERT(dbl(r, "close", 2) == 10);
        ASSERT(dbl(r, "close", 6) == 61);
        break;
      case PS_DUP_ERROR:
        ASSERT_EQ_INT(rc, PS_ERR_DUPLICATE);
        ASSERT_EQ_INT(ps_frame_num_rows(r), 6); /* nothing written */
        break;
      case PS_DUP_KEEP_ALL:
        ASSERT_OK(rc);
        ASSERT_EQ_INT(ps_frame_num_rows(r), 9);
        ASSERT(dbl(r, "close", 2) == 10 && dbl(r, "close", 3) == 20);
        ASSERT(dbl(r, "close", 7) == 61 && dbl(r, "close", 8) == 62);
        break;
    }
    ps_frame_free(r);
  }
  /* error policy with a collision against stored data only */
  int64_t d4[] = {100, 3};
  double v4[] = {1, 2};
  ps_frame *f = mk_frame(d4, v4, 2);
  ps_append_options ao = {0};
  ao.duplicates = PS_DUP_ERROR;
  ASSERT_RC(ps_item_append(c, "error", f, &ao), PS_ERR_DUPLICATE);
  ASSERT(strstr(ps_errmsg(), "2024-01-04"));
  ps_frame_free(f);
  ps_duplicates dd;
  ASSERT_RC(ps_duplicates_from_name("values", &dd), PS_ERR_INVALID);
  /* append to a missing item fails loudly (#54) unless create */
  f = mk_range(0, 2);
  ASSERT_RC(ps_item_append(c, "missing", f, NULL), PS_ERR_NOT_FOUND);
  ao.create = 1;
  ao.duplicates = PS_DUP_KEEP_LAST;
  ASSERT_OK(ps_item_append(c, "missing", f, &ao));
  ASSERT(ps_item_exists(c, "missing"));
  /* empty append is a no-op */
  ps_frame *empty = mk_range(0, 0);
  ASSERT_OK(ps_item_append(c, "missing", empty, NULL));
  ps_frame_free(empty);
  ps_frame_free(f);
  ps_frame_free(base_f);
  /* metadata preserved by append */
  ps_item_write_options wo = {0};
  wo.metadata = "{\"source\": \"Quandl\"}";
  f = mk_range(0, 2);
  ASSERT_OK(ps_item_write(c, "meta", f, &wo));
  ps_frame_free(f);
  f = mk_range(2, 2);
  ASSERT_OK(ps_item_append(c, "meta", f, NULL));
  ps_frame_free(f);
  char *m;
  ASSERT_OK(ps_item_metadata(c, "meta", NULL, &m));
  ASSERT(strstr(m, "Quandl"));
  ps_free(m);
  ps_collection_close(c);
  ps_store_close(st);
}

static void test_append_schema(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "ap", "schema");
  ASSERT(c);
  ps_frame *f = mk_range(0, 3);
  ASSERT_OK(ps_item_write(c, "S", f, NULL));
  ps_frame_free(f);
  /* different column type */
  ps_frame *g;
  ASSERT_OK(ps_frame_new(&g));
  ps_column *d, *x, *v, *s;
  ps_frame_add_column(g, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &d);
  ps_frame_add_column(g, "close", PS_TYPE_FLOAT32, 0, NULL, &x);
  ps_frame_add_column(g, "volume", PS_TYPE_INT32, 0, NULL, &v);
  ps_frame_add_column(g, "sym", PS_TYPE_STRING, 0, NULL, &s);
  ps_column_append_int(d, T0_NS + 10 * DAY_NS);
  ps_column_append_double(x, 1.5);
  ps_column_append_int(v, 7);
  ps_column_append_string(s, "z", 1);
  ps_frame_validate(g);
  ps_frame_set_index(g, "Date");
  ASSERT_RC(ps_item_append(c, "S", g, NULL), PS_ERR_SCHEMA);
  ASSERT(strstr(ps_errmsg(), "close") && strstr(ps_errmsg(), "float64") && strstr(ps_errmsg(), "float32"));
  /* opt-in lossless widening */
  ps_append_options ao = {0};
  ao.widen = 1;
  ASSERT_OK(ps_item_append(c, "S", g, &ao));
  ps_frame_free(g);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "S", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 4);
  ASSERT(dbl(r, "close", 3) == 1.5);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(r, "volume")), PS_TYPE_INT64);
  ps_frame_free(r);
  /* missing column */
  f = mk_range(20, 1);
  ASSERT_OK(ps_frame_drop_column(f, "sym"));
  ASSERT_RC(ps_item_append(c, "S", f, NULL), PS_ERR_SCHEMA);
  ASSERT(strstr(ps_errmsg(), "sym"));
  ps_frame_free(f);
  /* naive -> aware is a schema error (#35); aware keeps its zone */
  int64_t dd[] = {0, 1};
  double vv[] = {1, 2};
  f = mk_frame_tz(dd, vv, 2, 0, "America/New_York");
  ASSERT_OK(ps_item_write(c, "TZ", f, NULL));
  ps_frame_free(f);
  int64_t dd2[] = {2};
  f = mk_frame_tz(dd2, vv, 1, 0, NULL);
  ASSERT_RC(ps_item_append(c, "TZ", f, NULL), PS_ERR_SCHEMA);
  ASSERT(strstr(ps_errmsg(), "America/New_York"));
  ps_frame_free(f);
  f = mk_frame_tz(dd2, vv, 1, 0, "UTC");
  ASSERT_RC(ps_item_append(c, "TZ", f, NULL), PS_ERR_SCHEMA);
  ps_frame_free(f);
  f = mk_frame_tz(dd2, vv, 1, 0, "America/New_York");
  ASSERT_OK(ps_item_append(c, "TZ", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "TZ", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column_by_name(r, "Date")), "America/New_York");
  ps_frame_free(r);
  /* column order may differ */
  ASSERT_OK(ps_frame_new(&g));
  ps_frame_add_column(g, "sym", PS_TYPE_STRING, 0, NULL, &s);
  ps_frame_add_column(g, "volume", PS_TYPE_INT64, 0, NULL, &v);
  ps_frame_add_column(g, "close", PS_TYPE_FLOAT64, 0, NULL, &x);
  ps_frame_add_column(g, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &d);
  ps_column_append_string(s, "q", 1);
  ps_column_append_int(v, 9);
  ps_column_append_double(x, 9.5);
  ps_column_append_int(d, T0_NS + 30 * DAY_NS);
  ps_frame_validate(g);
  ps_frame_set_index(g, "Date");
  ASSERT_OK(ps_item_append(c, "S", g, NULL));
  ps_frame_free(g);
  ASSERT_OK(ps_item_read(c, "S", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 5);
  ASSERT(dbl(r, "close", 4) == 9.5);
  ps_frame_free(r);
  /* no index / null index */
  ASSERT_OK(ps_frame_new(&g));
  ps_frame_add_column(g, "a", PS_TYPE_INT64, 0, NULL, &v);
  ps_column_append_int(v, 1);
  ps_frame_validate(g);
  ASSERT_RC(ps_item_write(c, "noindex", g, NULL), PS_ERR_INVALID);
  ps_frame_set_index(g, "a");
  ps_column_append_null(v);
  ps_frame_validate(g);
  ASSERT_RC(ps_item_write(c, "nullindex", g, NULL), PS_ERR_INVALID);
  ps_frame_free(g);
  ps_collection_close(c);
  ps_store_close(st);
}

/* Integer index above 1e6 stays an integer (#10); string index. */
static void test_other_indexes(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "ix", "kinds");
  ASSERT(c);
  ps_frame *f;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *k, *v;
  ps_frame_add_column(f, "id", PS_TYPE_INT64, 0, NULL, &k);
  ps_frame_add_column(f, "v", PS_TYPE_FLOAT64, 0, NULL, &v);
  for (int i = 9; i >= 0; i--) {
    ps_column_append_int(k, 2000000 + i * 10);
    ps_column_append_double(v, i);
  }
  ps_frame_validate(f);
  ps_frame_set_index(f, "id");
  ps_item_write_options wo = {0};
  wo.part_rows = 4;
  ASSERT_OK(ps_item_write(c, "ints", f, &wo));
  ps_frame_free(f);
  ps_item_read_options ro = {0};
  int64_t parts = 0;
  ro.start = "2000015";
  ro.end = "2000030";
  ro.parts_read = &parts;
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "ints", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 2);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(r, "id")), PS_TYPE_INT64);
  ASSERT_EQ_INT(((const int64_t *)ps_column_values(ps_frame_column_by_name(r, "id")))[0], 2000020);
  ASSERT_EQ_INT(parts, 1);
  ps_frame_free(r);
  ro.start = "abc";
  ASSERT_RC(ps_item_read(c, "ints", &ro, &r), PS_ERR_INVALID);
  /* string index */
  ASSERT_OK(ps_frame_new(&f));
  ps_frame_add_column(f, "key", PS_TYPE_STRING, 0, NULL, &k);
  ps_frame_add_column(f, "v", PS_TYPE_FLOAT64, 0, NULL, &v);
  const char *keys[] = {"m", "b", "x", "a"};
  for (int i = 0; i < 4; i++) {
    ps_column_append_string(k, keys[i], 1);
    ps_column_append_double(v, i);
  }
  ps_frame_validate(f);
  ps_frame_set_index(f, "key");
  ASSERT_OK(ps_item_write(c, "strs", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_frame_new(&f));
  ps_frame_add_column(f, "key", PS_TYPE_STRING, 0, NULL, &k);
  ps_frame_add_column(f, "v", PS_TYPE_FLOAT64, 0, NULL, &v);
  ps_column_append_string(k, "c", 1);
  ps_column_append_double(v, 9);
  ps_column_append_string(k, "m", 1);
  ps_column_append_double(v, 8);
  ps_frame_validate(f);
  ps_frame_set_index(f, "key");
  ASSERT_OK(ps_item_append(c, "strs", f, NULL));
  ps_frame_free(f);
  memset(&ro, 0, sizeof ro);
  ro.start = "b";
  ro.end = "m";
  ASSERT_OK(ps_item_read(c, "strs", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3); /* b c m */
  size_t len;
  const char *s0 = ps_column_string(ps_frame_column_by_name(r, "key"), 1, &len);
  ASSERT(len == 1 && s0[0] == 'c');
  ASSERT(dbl(r, "v", 2) == 8);
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}

/* ---- snapshots ---- */
static void test_snapshots(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "sn", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 10);
  ps_item_write_options wo = {0};
  wo.metadata = "{\"v\": 1}";
  ASSERT_OK(ps_item_write(c, "A", f, &wo));
  ASSERT_OK(ps_item_write(c, "B", f, NULL));
  ps_frame_free(f);
  char *name;
  ASSERT_OK(ps_snapshot_create(c, "snap-1 x", &name));
  ASSERT_EQ_STR(name, "snap1x"); /* sanitised as PyStore */
  ps_free(name);
  ASSERT_RC(ps_snapshot_create(c, "snap1x", NULL), PS_ERR_EXISTS);
  ASSERT_OK(ps_snapshot_create(c, NULL, &name)); /* default: microseconds since the epoch */
  ASSERT(strlen(name) >= 16);
  ps_free(name);
  ASSERT_RC(ps_snapshot_create(c, "..", NULL), PS_ERR_NAME);
  char **snaps;
  ASSERT_OK(ps_snapshot_list(c, &snaps));
  ASSERT_EQ_INT(count_names(snaps), 2);
  ps_names_free(snaps);
  /* snapshots are not items */
  char **items;
  ASSERT_OK(ps_collection_list_items(c, NULL, &items));
  ASSERT_EQ_INT(count_names(items), 2);
  ps_names_free(items);
  /* change live data: overlap rewrite + metadata */
  f = mk_range(5, 10);
  ASSERT_OK(ps_item_append(c, "A", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_set_metadata(c, "A", "{\"v\": 2}"));
  ASSERT_OK(ps_item_delete(c, "B"));
  ps_item_read_options ro = {0};
  ro.snapshot = "snap1x";
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "A", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  ASSERT_OK(ps_item_read(c, "B", &ro, &r)); /* deleted live, still in the snapshot */
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  char *m;
  ASSERT_OK(ps_item_metadata(c, "A", "snap1x", &m));
  ASSERT(strstr(m, "\"v\": 1") || strstr(m, "\"v\":1"));
  ps_free(m);
  ro.snapshot = "nope";
  ASSERT_RC(ps_item_read(c, "A", &ro, &r), PS_ERR_NOT_FOUND);
  /* restore */
  ASSERT_OK(ps_snapshot_restore(c, "snap1x", "A"));
  ASSERT_OK(ps_item_read(c, "A", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  ASSERT_OK(ps_item_metadata(c, "A", NULL, &m));
  ASSERT(strstr(m, "\"v\": 1") || strstr(m, "\"v\":1"));
  ps_free(m);
  ASSERT_OK(ps_snapshot_restore(c, "snap1x", "B"));
  ASSERT(ps_item_exists(c, "B"));
  ASSERT_RC(ps_snapshot_restore(c, "snap1x", "C"), PS_ERR_NOT_FOUND);
  /* the restored item appends normally */
  f = mk_range(10, 1);
  ASSERT_OK(ps_item_append(c, "A", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_read(c, "A", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 11);
  ps_frame_free(r);
  /* snapshot still intact after live changes */
  ro.snapshot = "snap1x";
  ASSERT_OK(ps_item_read(c, "A", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  ASSERT_OK(ps_snapshot_delete(c, "snap1x"));
  ASSERT_RC(ps_snapshot_delete(c, "snap1x"), PS_ERR_NOT_FOUND);
  ASSERT_OK(ps_snapshot_delete_all(c));
  ASSERT_OK(ps_snapshot_list(c, &snaps));
  ASSERT_EQ_INT(count_names(snaps), 0);
  ps_names_free(snaps);
  ps_collection_close(c);
  ps_store_close(st);
}

/* ---- an item written by Python PyStore (no manifest) ---- */
static void test_legacy_item(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "lg", "coll");
  ASSERT(c);
  char dir[700], p[800];
  snprintf(dir, sizeof dir, "%s/OLD", ps_collection_path(c));
  ASSERT(mkdir(dir, 0777) == 0);
  /* two parts, the second before the first (PyStore's unsorted append) */
  ps_frame *a = mk_range(10, 5), *b = mk_range(0, 5);
  snprintf(p, sizeof p, "%s/part.0.parquet", dir);
  ASSERT_OK(ps_parquet_write(p, a, NULL));
  snprintf(p, sizeof p, "%s/part.1.parquet", dir);
  ASSERT_OK(ps_parquet_write(p, b, NULL));
  ps_frame_free(a);
  ps_frame_free(b);
  snprintf(p, sizeof p, "%s/pystore_metadata.json", dir);
  FILE *fp = fopen(p, "w");
  ASSERT(fp);
  fputs("{\"source\": \"yahoo\", \"_updated\": \"2020-01-01 10:10:00.000000\"}", fp);
  fclose(fp);
  snprintf(p, sizeof p, "%s/_common_metadata", dir);
  fp = fopen(p, "w");
  fputs("not parquet", fp); /* must be ignored (#62) */
  fclose(fp);
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "OLD", NULL, &info));
  ASSERT(!info.has_manifest);
  ASSERT_EQ_INT(info.num_rows, 10);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "OLD", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ASSERT(is_sorted_unique(r));
  ps_frame_free(r);
  char **items;
  ASSERT_OK(ps_collection_list_items(c, "{\"source\": \"yahoo\"}", &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ps_names_free(items);
  ASSERT_OK(ps_snapshot_create(c, "before", NULL));
  /* first append brings it under a manifest */
  ps_frame *f = mk_range(7, 5);
  ASSERT_OK(ps_item_append(c, "OLD", f, NULL));
  ps_frame_free(f);
  ASSERT_OK(ps_item_info_get(c, "OLD", NULL, &info));
  ASSERT(info.has_manifest);
  ASSERT_EQ_INT(info.num_rows, 13); /* 0..4, 7..14 */
  ASSERT(!file_exists(dir, "_common_metadata"));
  ASSERT(!file_exists(dir, "part.0.parquet") && !file_exists(dir, "part.1.parquet"));
  ASSERT_OK(ps_item_read(c, "OLD", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 13);
  ASSERT(is_sorted_unique(r));
  ps_frame_free(r);
  char *m;
  ASSERT_OK(ps_item_metadata(c, "OLD", NULL, &m));
  ASSERT(strstr(m, "yahoo"));
  ps_free(m);
  ps_item_read_options ro = {0};
  ro.snapshot = "before";
  ASSERT_OK(ps_item_read(c, "OLD", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  ASSERT_OK(ps_snapshot_restore(c, "before", "OLD"));
  ASSERT_OK(ps_item_read(c, "OLD", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 10);
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}

/* Leftovers of a crashed commit are ignored by readers and cleaned by the next writer. */
static void test_leftovers(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "lo", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 5);
  ASSERT_OK(ps_item_write(c, "I", f, NULL));
  ps_frame_free(f);
  char dir[700], p[800];
  snprintf(dir, sizeof dir, "%s/I", ps_collection_path(c));
  /* an uncommitted part and temp files */
  f = mk_range(100, 3);
  snprintf(p, sizeof p, "%s/part.99.parquet", dir);
  ASSERT_OK(ps_parquet_write(p, f, NULL));
  ps_frame_free(f);
  snprintf(p, sizeof p, "%s/part.5.parquet.tmp-1-1", dir);
  FILE *fp = fopen(p, "w");
  fputs("junk", fp);
  fclose(fp);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 5);
  ps_frame_free(r);
  f = mk_range(5, 1);
  ASSERT_OK(ps_item_append(c, "I", f, NULL));
  ps_frame_free(f);
  ASSERT(!file_exists(dir, "part.99.parquet"));
  ASSERT(!file_exists(dir, "part.5.parquet.tmp-1-1"));
  ASSERT_OK(ps_item_read(c, "I", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 6);
  ps_frame_free(r);
  /* leftover temp dir of a crashed item creation is not an item */
  char tmpd[800];
  snprintf(tmpd, sizeof tmpd, "%s/.tmp-J-1-1", ps_collection_path(c));
  ASSERT(mkdir(tmpd, 0777) == 0);
  char **items;
  ASSERT_OK(ps_collection_list_items(c, NULL, &items));
  ASSERT_EQ_INT(count_names(items), 1);
  ps_names_free(items);
  f = mk_range(0, 1);
  ASSERT_OK(ps_item_write(c, "J", f, NULL));
  ps_frame_free(f);
  struct stat sb;
  ASSERT(stat(tmpd, &sb) != 0);
  ps_collection_close(c);
  ps_store_close(st);
}

/* Many small appends add small parts (PyStore #17, #23); compaction merges them. */
static void test_compact(void) {
  ps_store *st;
  ps_collection *c = open_coll(&st, "cp", "coll");
  ASSERT(c);
  ps_frame *f = mk_range(0, 100);
  ps_item_write_options wo = {0};
  wo.part_rows = 100;
  ASSERT_OK(ps_item_write(c, "C", f, &wo));
  ps_frame_free(f);
  for (int i = 0; i < 20; i++) {
    f = mk_range(100 + i * 5, 5);
    ASSERT_OK(ps_item_append(c, "C", f, NULL));
    ps_frame_free(f);
  }
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "C", NULL, &info));
  ASSERT_EQ_INT(info.num_parts, 21);
  char dir[600];
  snprintf(dir, sizeof dir, "%s/C", ps_collection_path(c));
  ino_t big = inode_of(dir, "part.0.parquet");
  int64_t parts;
  ASSERT_OK(ps_item_compact(c, "C", 50, &parts));
  ASSERT_EQ_INT(parts, 3); /* the 100-row part untouched + 100 rows in 2 parts */
  ASSERT_EQ_INT(inode_of(dir, "part.0.parquet"), big);
  ASSERT_EQ_INT(count_parquet(dir), 3);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "C", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 200);
  for (int i = 0; i < 200; i++) ASSERT_EQ_INT(day_at(r, i), i);
  ps_frame_free(r);
  ASSERT_OK(ps_item_compact(c, "C", 50, &parts)); /* nothing to do */
  ASSERT_EQ_INT(parts, 3);
  ps_collection_close(c);
  ps_store_close(st);
}

/* A writer holding the item lock makes others wait (or fail with PS_ERR_LOCKED); readers never wait. */
static void test_lock_timeout(void) {
  ps_store_options o = sopt;
  o.lock_timeout_ms = 50;
  ps_store *st;
  ASSERT_OK(ps_store_open("lk", &o, 1, &st));
  ps_collection *c;
  ASSERT_OK(ps_collection_open(st, "coll", 1, &c));
  ps_frame *f = mk_range(0, 3);
  ASSERT_OK(ps_item_write(c, "L", f, NULL));
  char p[700];
  snprintf(p, sizeof p, "%s/L/.lock", ps_collection_path(c));
  int fd = open(p, O_RDWR | O_CREAT, 0666);
  ASSERT(fd >= 0);
  ASSERT(flock(fd, LOCK_EX) == 0);
  ps_frame *g = mk_range(3, 1);
  ASSERT_RC(ps_item_append(c, "L", g, NULL), PS_ERR_LOCKED);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "L", NULL, &r)); /* readers do not lock */
  ASSERT_EQ_INT(ps_frame_num_rows(r), 3);
  ps_frame_free(r);
  close(fd);
  ASSERT_OK(ps_item_append(c, "L", g, NULL));
  ps_frame_free(g);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

int main(void) {
  mk_base(base, sizeof base, "store");
  memset(&sopt, 0, sizeof sopt);
  sopt.base_path = base;
  RUN(test_names);
  RUN(test_store_crud);
  RUN(test_write_read);
  RUN(test_append_after_range_is_cheap);
  RUN(test_append_policies);
  RUN(test_append_schema);
  RUN(test_other_indexes);
  RUN(test_snapshots);
  RUN(test_legacy_item);
  RUN(test_leftovers);
  RUN(test_compact);
  RUN(test_lock_timeout);
  if (!test__failures) rm_base(base);
  TEST_MAIN_END();
}
