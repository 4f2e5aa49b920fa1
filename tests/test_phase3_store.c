/* Phase 3 store features: streaming append, batch write/read, partitioning,
 * rebalance, chunked reads, metadata cache, memory budgets, pruning logs. */
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "test_store_util.h"
#include "table/merge.h"

#define SEC_NS 1000000000LL

static char g_base[256];
static ps_store *g_store;

/* index ts = T0 + idx[i] seconds, v = val[i], k = i (int64) */
static ps_frame *mk_ts(const int64_t *idx, const double *val, int64_t n, const char *tz, int64_t unit_ns) {
  ps_frame *f;
  ps_frame_new(&f);
  ps_column *d, *v, *k;
  ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, tz, &d);
  ps_frame_add_column(f, "v", PS_TYPE_FLOAT64, 0, NULL, &v);
  ps_frame_add_column(f, "k", PS_TYPE_INT64, 0, NULL, &k);
  for (int64_t i = 0; i < n; i++) {
    ps_column_append_int(d, T0_NS + idx[i] * unit_ns);
    ps_column_append_double(v, val[i]);
    ps_column_append_int(k, i);
  }
  ps_frame_validate(f);
  ps_frame_set_index(f, "ts");
  return f;
}

static ps_frame *mk_seq(int64_t from, int64_t n, double tag) {
  int64_t *idx = malloc(sizeof *idx * (size_t)(n ? n : 1));
  double *val = malloc(sizeof *val * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) {
    idx[i] = from + i;
    val[i] = tag + (double)i;
  }
  ps_frame *f = mk_ts(idx, val, n, NULL, SEC_NS);
  free(idx);
  free(val);
  return f;
}

static int frames_equal(const ps_frame *a, const ps_frame *b) {
  if (ps_frame_num_rows(a) != ps_frame_num_rows(b) || ps_frame_num_columns(a) != ps_frame_num_columns(b)) {
    fprintf(stderr, "  shape %lld x %d vs %lld x %d\n", (long long)ps_frame_num_rows(a), ps_frame_num_columns(a),
            (long long)ps_frame_num_rows(b), ps_frame_num_columns(b));
    return 0;
  }
  for (int c = 0; c < ps_frame_num_columns(a); c++) {
    const ps_column *x = ps_frame_column(a, c);
    const ps_column *y = ps_frame_column_by_name(b, ps_column_name(x));
    if (!y || ps_column_type(x) != ps_column_type(y)) return 0;
    for (int64_t r = 0; r < ps_frame_num_rows(a); r++)
      if (ps__value_cmp(x, r, y, r) != 0) {
        fprintf(stderr, "  column %s row %lld differs\n", ps_column_name(x), (long long)r);
        return 0;
      }
  }
  return 1;
}

static ps_frame *read_all(ps_collection *c, const char *item) {
  ps_frame *f = NULL;
  if (ps_item_read(c, item, NULL, &f) != PS_OK) fprintf(stderr, "read %s: %s\n", item, ps_errmsg());
  return f;
}

static char *ps__path_join_test(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *s = malloc(n);
  snprintf(s, n, "%s/%s", a, b);
  return s;
}

static int dir_has_temp(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp-") || strncmp(e->d_name, "spill.", 6) == 0) found = 1;
  closedir(d);
  return found;
}

/* ---- a batch source over a list of frames ---- */
typedef struct src {
  ps_frame **frames;
  int n, pos;
  int fail_at; /* return an error when asked for this batch (-1 = never) */
} src;

static int src_next(void *u, ps_frame **out) {
  src *s = u;
  *out = NULL;
  if (s->pos == s->fail_at) return PS_ERR_IO;
  if (s->pos >= s->n) return PS_OK;
  return ps_frame_clone(s->frames[s->pos++], out);
}

static ps_frame *concat(ps_frame **fs, int n) {
  ps_frame *acc;
  ps_frame_clone(fs[0], &acc);
  for (int i = 1; i < n; i++) ps__frame_append_range(acc, fs[i], 0, ps_frame_num_rows(fs[i]));
  return acc;
}

static unsigned g_rand = 12345;
static int64_t rnd(int64_t n) {
  g_rand = g_rand * 1103515245u + 12345u;
  return (int64_t)((g_rand >> 8) % (unsigned)n);
}

/* streaming append of many chunks == one append: in order, out of order,
 * overlapping stored rows, every duplicate policy */
static void test_stream_equals_append(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "stream", 1, &c));
  for (int mode = 0; mode < 2; mode++) {
    for (int pol = 0; pol < 4; pol++) {
      enum { NB = 12 };
      ps_frame *b[NB];
      for (int i = 0; i < NB; i++) {
        if (mode == 0) {
          b[i] = mk_seq(2000 + i * 300, 300, i * 1000.0); /* in order, after the stored range */
        } else {
          int64_t idx[300];
          double val[300];
          for (int k = 0; k < 300; k++) {
            idx[k] = 500 + rnd(3000); /* overlaps stored rows, duplicates */
            val[k] = i * 1000.0 + k;
          }
          b[i] = mk_ts(idx, val, 300, NULL, SEC_NS);
        }
      }
      ps_frame *base = mk_seq(0, 1000, 0.5);
      char a_name[32], s_name[32];
      snprintf(a_name, sizeof a_name, "A%d%d", mode, pol);
      snprintf(s_name, sizeof s_name, "S%d%d", mode, pol);
      ps_item_write_options wo = {0};
      wo.part_rows = 300; /* several stored parts */
      ASSERT_OK(ps_item_write(c, a_name, base, &wo));
      ASSERT_OK(ps_item_write(c, s_name, base, &wo));
      ps_frame *all = concat(b, NB);
      ps_append_options ao = {0};
      ao.duplicates = (ps_duplicates)pol;
      int rc_a = ps_item_append(c, a_name, all, &ao);
      src s = {b, NB, 0, -1};
      ps_stream_options so = {0};
      so.duplicates = (ps_duplicates)pol;
      so.chunk_rows = 128; /* 29 chunks -> more runs than the merge fan-in */
      int64_t runs = 0, rows = 0;
      so.out_spilled_runs = &runs;
      so.out_rows = &rows;
      int rc_s = ps_item_append_stream(c, s_name, src_next, &s, &so);
      ASSERT_EQ_INT(rc_s, rc_a);
      if (pol == PS_DUP_ERROR && mode == 1) ASSERT_EQ_INT(rc_s, PS_ERR_DUPLICATE);
      if (rc_s == PS_OK) ASSERT_EQ_INT(rows, NB * 300);
      if (mode == 0) ASSERT_EQ_INT(runs, 0);
      else if (pol != PS_DUP_ERROR) ASSERT(runs > 16);
      ps_frame *fa = read_all(c, a_name), *fs = read_all(c, s_name);
      ASSERT(fa && fs);
      ASSERT(frames_equal(fa, fs));
      char *dir = ps__path_join_test(ps_collection_path(c), s_name);
      ASSERT(!dir_has_temp(dir));
      free(dir);
      ps_frame_free(fa);
      ps_frame_free(fs);
      ps_frame_free(all);
      ps_frame_free(base);
      for (int i = 0; i < NB; i++) ps_frame_free(b[i]);
    }
  }
  ps_collection_close(c);
}

/* a stream that fails midway (source error, bad schema) commits nothing */
static void test_stream_atomic(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "atomic", 1, &c));
  ps_frame *base = mk_seq(0, 100, 0);
  ASSERT_OK(ps_item_write(c, "x", base, NULL));
  ps_item_info before;
  ASSERT_OK(ps_item_info_get(c, "x", NULL, &before));
  ps_frame *b[6];
  for (int i = 0; i < 6; i++) b[i] = mk_seq(i % 2 ? 50 + i * 10 : 1000 + i * 100, 100, i);
  for (int variant = 0; variant < 2; variant++) {
    src s = {b, 6, 0, variant == 0 ? 4 : -1};
    if (variant == 1) {
      /* batch 3 has an extra column */
      ps_frame_free(b[3]);
      b[3] = mk_seq(3000, 10, 0);
      ps_frame *f = b[3];
      ps_frame *g;
      ps_frame_new(&g);
      ps_column *d, *v, *k, *x;
      ps_frame_add_column(g, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &d);
      ps_frame_add_column(g, "v", PS_TYPE_FLOAT64, 0, NULL, &v);
      ps_frame_add_column(g, "k", PS_TYPE_INT64, 0, NULL, &k);
      ps_frame_add_column(g, "extra", PS_TYPE_INT64, 0, NULL, &x);
      for (int r = 0; r < 10; r++) {
        ps_column_append_int(d, T0_NS + (3000 + r) * SEC_NS);
        ps_column_append_double(v, 1);
        ps_column_append_int(k, 1);
        ps_column_append_int(x, 1);
      }
      ps_frame_validate(g);
      ps_frame_set_index(g, "ts");
      ps_frame_free(f);
      b[3] = g;
    }
    ps_stream_options so = {0};
    so.chunk_rows = 50;
    int rc = ps_item_append_stream(c, "x", src_next, &s, &so);
    ASSERT_EQ_INT(rc, variant == 0 ? PS_ERR_IO : PS_ERR_SCHEMA);
    ASSERT(strstr(ps_errmsg(), "atomic/x") != NULL);
    ps_item_info after;
    ASSERT_OK(ps_item_info_get(c, "x", NULL, &after));
    ASSERT_EQ_INT(after.version, before.version);
    ASSERT_EQ_INT(after.num_rows, 100);
    char *dir = ps__path_join_test(ps_collection_path(c), "x");
    ASSERT(!dir_has_temp(dir));
    free(dir);
  }
  /* create = 1 on a missing item, and a failing create leaves no item */
  src s2 = {b, 3, 0, -1};
  ps_stream_options so = {0};
  so.create = 1;
  so.metadata = "{\"source\": \"stream\"}";
  ASSERT_OK(ps_item_append_stream(c, "new", src_next, &s2, &so));
  ps_frame *all = concat(b, 3), *expect;
  ASSERT_OK(ps__frame_sort_dedup(all, PS_DUP_KEEP_LAST, &expect));
  ps_frame *got = read_all(c, "new");
  ASSERT(got && frames_equal(expect, got));
  char *meta;
  ASSERT_OK(ps_item_metadata(c, "new", NULL, &meta));
  ASSERT(strstr(meta, "\"stream\"") != NULL);
  ps_free(meta);
  src s3 = {b, 3, 0, 2};
  ASSERT_RC(ps_item_append_stream(c, "new2", src_next, &s3, &so), PS_ERR_IO);
  ASSERT(!ps_item_exists(c, "new2"));
  ps_frame_free(all);
  ps_frame_free(expect);
  ps_frame_free(got);
  for (int i = 0; i < 6; i++) ps_frame_free(b[i]);
  ps_frame_free(base);
  ps_collection_close(c);
}

static void test_batch(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "batch", 1, &c));
  enum { N = 8 };
  ps_frame *d[N];
  ps_batch_write_item w[N];
  char names[N][16];
  memset(w, 0, sizeof w);
  for (int i = 0; i < N; i++) {
    d[i] = mk_seq(i * 10, 500 + i, i);
    snprintf(names[i], sizeof names[i], "it%d", i);
    w[i].item = names[i];
    w[i].data = d[i];
    w[i].metadata = "{\"batch\": true}";
  }
  ps_frame *bad;
  ps_frame_clone(d[0], &bad);
  ps_frame_drop_column(bad, "ts"); /* no index: this item must fail alone */
  w[5].data = bad;
  ps_batch_options bo = {0};
  bo.threads = 4;
  int rc = ps_write_batch(c, w, N, &bo);
  ASSERT_EQ_INT(rc, PS_ERR_INVALID);
  for (int i = 0; i < N; i++) {
    if (i == 5) {
      ASSERT(w[i].status < 0 && w[i].errmsg && strstr(w[i].errmsg, "index"));
      continue;
    }
    ASSERT_OK(w[i].status);
    ASSERT(w[i].errmsg == NULL);
  }
  ps_batch_write_clear(w, N);
  /* equal to single writes */
  ASSERT_OK(ps_item_write(c, "single", d[3], NULL));
  ps_batch_read_item r[N + 1];
  memset(r, 0, sizeof r);
  for (int i = 0; i < N; i++) r[i].item = names[i];
  r[N].item = "single";
  const char *cols[] = {"v"};
  r[2].options.columns = cols;
  r[2].options.num_columns = 1;
  r[2].options.start = "2024-01-01T00:01:00";
  rc = ps_read_batch(c, r, N + 1, &bo);
  ASSERT_EQ_INT(rc, PS_ERR_NOT_FOUND);
  ASSERT(r[5].status == PS_ERR_NOT_FOUND && r[5].errmsg && r[5].frame == NULL);
  ASSERT(frames_equal(r[3].frame, r[N].frame));
  ASSERT(strstr(r[3].metadata_json, "batch") != NULL);
  ASSERT_EQ_INT(ps_frame_num_columns(r[2].frame), 2);
  ASSERT_EQ_INT(ps_frame_num_rows(r[2].frame), 502 - 40);
  for (int i = 0; i < N; i++)
    if (i != 5) ASSERT(frames_equal(r[i].frame, r[i].frame) && (i == 2 || ps_frame_num_rows(r[i].frame) == 500 + i));
  ps_batch_read_clear(r, N + 1);
  for (int i = 0; i < N; i++) ps_frame_free(d[i]);
  ps_frame_free(bad);
  ps_collection_close(c);
}

/* hourly rows for `days` days from 2023-01-01 (naive, or zoned) */
static ps_frame *mk_hourly(int64_t start_s, int64_t hours, const char *tz) {
  int64_t *idx = malloc(sizeof *idx * (size_t)hours);
  double *val = malloc(sizeof *val * (size_t)hours);
  for (int64_t i = 0; i < hours; i++) {
    idx[i] = start_s + i * 3600;
    val[i] = (double)i;
  }
  ps_frame *f = mk_ts(idx, val, hours, tz, SEC_NS);
  free(idx);
  free(val);
  return f;
}

static int month_of(const char *iso) { return atoi(iso + 5); }

static void check_parts(ps_collection *c, const char *item, int64_t want_parts, int strategy) {
  ps_part_info *p;
  int64_t n;
  ASSERT_OK(ps_item_parts(c, item, &p, &n));
  ASSERT_EQ_INT(n, want_parts);
  for (int64_t k = 0; k < n; k++) {
    ASSERT(p[k].min && p[k].max && p[k].bytes > 0);
    if (k > 0) ASSERT(strcmp(p[k - 1].max, p[k].min) < 0); /* ordered, non-overlapping */
    if (strategy == PS_PARTITION_MONTHLY) ASSERT(strncmp(p[k].min, p[k].max, 7) == 0);
    if (strategy == PS_PARTITION_QUARTERLY) ASSERT((month_of(p[k].min) - 1) / 3 == (month_of(p[k].max) - 1) / 3 && strncmp(p[k].min, p[k].max, 4) == 0);
    if (strategy == PS_PARTITION_YEARLY) ASSERT(strncmp(p[k].min, p[k].max, 4) == 0);
  }
  ps_part_info_free(p, n);
}

static void test_partitioning(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "part", 1, &c));
  /* 2024-01-01 .. 2025-12-31 hourly: 24 months, 8 quarters, 2 years */
  ps_frame *f = mk_hourly(0, 731 * 24, NULL);
  struct { const char *name; int s; int64_t parts; } cases[] = {
      {"monthly", PS_PARTITION_MONTHLY, 24}, {"quarterly", PS_PARTITION_QUARTERLY, 8}, {"yearly", PS_PARTITION_YEARLY, 2}};
  for (int i = 0; i < 3; i++) {
    ps_partition_options po = {0};
    po.strategy = (ps_partition_strategy)cases[i].s;
    ASSERT_OK(ps_item_write_partitioned(c, cases[i].name, f, NULL, &po));
    check_parts(c, cases[i].name, cases[i].parts, cases[i].s);
    ps_frame *g = read_all(c, cases[i].name);
    ASSERT(g && frames_equal(f, g));
    ps_frame_free(g);
    ps_partition_options back;
    ASSERT_OK(ps_item_partitioning(c, cases[i].name, &back));
    ASSERT_EQ_INT(back.strategy, cases[i].s);
    /* a range read opens only the parts it needs */
    ps_item_read_options ro = {0};
    int64_t opened = 0;
    ro.start = "2024-03-05";
    ro.end = "2024-03-20";
    ro.parts_read = &opened;
    ASSERT_OK(ps_item_read(c, cases[i].name, &ro, &g));
    ASSERT_EQ_INT(opened, 1);
    ASSERT_EQ_INT(ps_frame_num_rows(g), 15 * 24 + 1);
    ps_frame_free(g);
  }
  /* size: 17544 rows x 24 bytes; target 100 KB -> ceil(421056 / 100000 ~ 4166 rows) parts */
  ps_partition_options po = {PS_PARTITION_SIZE, 100000};
  ASSERT_OK(ps_item_write_partitioned(c, "size", f, NULL, &po));
  int64_t per = 100000 / 24;
  check_parts(c, "size", (731 * 24 + per - 1) / per, PS_PARTITION_SIZE);
  /* auto: 400 KB over 2 years with a 128 MB target -> yearly; non-time index -> size */
  po.strategy = PS_PARTITION_AUTO;
  po.target_bytes = 0;
  ASSERT_OK(ps_item_write_partitioned(c, "auto", f, NULL, &po));
  ps_partition_options back;
  ASSERT_OK(ps_item_partitioning(c, "auto", &back));
  ASSERT_EQ_INT(back.strategy, PS_PARTITION_YEARLY);
  po.target_bytes = 30000; /* ~17 KB per month, ~52 KB per quarter -> monthly */
  ASSERT_OK(ps_item_write_partitioned(c, "auto2", f, NULL, &po));
  ASSERT_OK(ps_item_partitioning(c, "auto2", &back));
  ASSERT_EQ_INT(back.strategy, PS_PARTITION_MONTHLY);
  /* monthly needs a time index */
  ps_frame *ints;
  ps_frame_new(&ints);
  ps_column *ic;
  ps_frame_add_column(ints, "i", PS_TYPE_INT64, 0, NULL, &ic);
  ps_column_append_int(ic, 1);
  ps_frame_validate(ints);
  ps_frame_set_index(ints, "i");
  po.strategy = PS_PARTITION_MONTHLY;
  ASSERT_RC(ps_item_write_partitioned(c, "ints", ints, NULL, &po), PS_ERR_INVALID);
  po.strategy = PS_PARTITION_AUTO;
  ASSERT_OK(ps_item_write_partitioned(c, "ints", ints, NULL, &po));
  ASSERT_OK(ps_item_partitioning(c, "ints", &back));
  ASSERT_EQ_INT(back.strategy, PS_PARTITION_SIZE);
  ps_frame_free(ints);
  ps_frame_free(f);
  ps_collection_close(c);
}

/* zone-aware boundaries: local midnight in America/New_York */
static void test_partition_tz(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "parttz", 1, &c));
  /* 2024-01-31T00:00Z .. +48 h: local NY time is UTC-5, so Feb starts at 05:00Z on Feb 1 */
  int64_t start = 30 * 86400;
  ps_frame *f = mk_hourly(start, 48, "America/New_York");
  ps_partition_options po = {PS_PARTITION_MONTHLY, 0};
  ASSERT_OK(ps_item_write_partitioned(c, "ny", f, NULL, &po));
  ps_part_info *p;
  int64_t n;
  ASSERT_OK(ps_item_parts(c, "ny", &p, &n));
  ASSERT_EQ_INT(n, 2);
  ASSERT_EQ_INT(p[0].rows, 24 + 5); /* Jan 31 00:00Z .. Feb 1 04:00Z */
  ASSERT_EQ_INT(p[1].rows, 48 - 29);
  ps_part_info_free(p, n);
  /* UTC index: the boundary is at 00:00Z */
  ps_frame *u = mk_hourly(start, 48, "UTC");
  ASSERT_OK(ps_item_write_partitioned(c, "utc", u, NULL, &po));
  ASSERT_OK(ps_item_parts(c, "utc", &p, &n));
  ASSERT_EQ_INT(n, 2);
  ASSERT_EQ_INT(p[0].rows, 24);
  ps_part_info_free(p, n);
  ps_frame_free(f);
  ps_frame_free(u);
  ps_collection_close(c);
}

/* appends (and stream appends) follow the remembered strategy */
static void test_append_follows_strategy(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "follow", 1, &c));
  ps_frame *f = mk_hourly(0, 90 * 24, NULL); /* Jan..Mar 2024 (to Mar 30) */
  ps_partition_options po = {PS_PARTITION_MONTHLY, 0};
  ASSERT_OK(ps_item_write_partitioned(c, "m", f, NULL, &po));
  ASSERT_OK(ps_item_write_partitioned(c, "ms", f, NULL, &po));
  check_parts(c, "m", 3, PS_PARTITION_MONTHLY);
  ps_frame *more = mk_hourly(90 * 24 * 3600, 20 * 24, NULL); /* Mar 31 .. Apr 19 */
  ASSERT_OK(ps_item_append(c, "m", more, NULL));
  check_parts(c, "m", 4, PS_PARTITION_MONTHLY);
  ps_frame *more2 = mk_hourly(110 * 24 * 3600, 5 * 24, NULL);
  ASSERT_OK(ps_item_append(c, "m", more2, NULL));
  check_parts(c, "m", 4, PS_PARTITION_MONTHLY);
  ps_frame *bs[2] = {more, more2};
  src s = {bs, 2, 0, -1};
  ps_stream_options so = {0};
  so.chunk_rows = 100;
  ASSERT_OK(ps_item_append_stream(c, "ms", src_next, &s, &so));
  check_parts(c, "ms", 4, PS_PARTITION_MONTHLY);
  ps_frame *a = read_all(c, "m"), *b = read_all(c, "ms");
  ASSERT(a && b && frames_equal(a, b));
  ASSERT_EQ_INT(ps_frame_num_rows(a), 115 * 24);
  /* compaction keeps the monthly layout */
  int64_t parts;
  ASSERT_OK(ps_item_compact(c, "m", 0, &parts));
  check_parts(c, "m", 4, PS_PARTITION_MONTHLY);
  ps_frame_free(a);
  ps_frame_free(b);
  ps_frame_free(f);
  ps_frame_free(more);
  ps_frame_free(more2);
  ps_collection_close(c);
}

static void test_rebalance(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "rebal", 1, &c));
  ps_frame *f = mk_hourly(0, 366 * 24, NULL);
  ps_item_write_options wo = {0};
  wo.metadata = "{\"source\": \"x\"}";
  wo.part_rows = 1000;
  ASSERT_OK(ps_item_write(c, "r", f, &wo));
  char *m1, *m2;
  ASSERT_OK(ps_item_metadata(c, "r", NULL, &m1));
  ps_partition_options po = {PS_PARTITION_QUARTERLY, 0};
  int64_t parts = 0;
  ASSERT_OK(ps_item_rebalance(c, "r", &po, &parts));
  ASSERT_EQ_INT(parts, 4);
  check_parts(c, "r", 4, PS_PARTITION_QUARTERLY);
  ps_frame *g = read_all(c, "r");
  ASSERT(g && frames_equal(f, g));
  ps_frame_free(g);
  ASSERT_OK(ps_item_metadata(c, "r", NULL, &m2));
  ASSERT_EQ_STR(m1, m2);
  po.strategy = PS_PARTITION_SIZE;
  po.target_bytes = 24 * 2000;
  ASSERT_OK(ps_item_rebalance(c, "r", &po, &parts));
  ASSERT_EQ_INT(parts, (366 * 24 + 1999) / 2000);
  g = read_all(c, "r");
  ASSERT(g && frames_equal(f, g));
  po.strategy = PS_PARTITION_NONE;
  ASSERT_RC(ps_item_rebalance(c, "r", &po, &parts), PS_ERR_INVALID);
  ps_free(m1);
  ps_free(m2);
  ps_frame_free(g);
  ps_frame_free(f);
  ps_collection_close(c);
}

static void test_chunked_read(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "chunks", 1, &c));
  ps_frame *f = mk_seq(0, 100000, 0.25);
  ps_item_write_options wo = {0};
  wo.part_rows = 33333;
  ASSERT_OK(ps_item_write(c, "big", f, &wo));
  ps_chunk_reader *r;
  ps_chunk_options co = {0};
  co.chunk_rows = 10000;
  ASSERT_OK(ps_item_chunks_open(c, "big", &co, &r));
  ps_frame *acc = NULL, *ch;
  int nch = 0;
  for (;;) {
    ASSERT_OK(ps_chunk_reader_next(r, &ch));
    if (!ch) break;
    ASSERT_EQ_INT(ps_frame_num_rows(ch), 10000);
    if (!acc) acc = ch;
    else {
      ps__frame_append_range(acc, ch, 0, ps_frame_num_rows(ch));
      ps_frame_free(ch);
    }
    nch++;
  }
  ASSERT_EQ_INT(nch, 10);
  ASSERT_EQ_INT(ps_chunk_reader_rows(r), 100000);
  ps_chunk_reader_close(r);
  ASSERT(frames_equal(f, acc));
  ps_frame_free(acc);
  acc = NULL;
  /* columns + filter + start/end == ps_item_read with the same options */
  ps_expr *flt;
  ASSERT_OK(ps_expr_parse("v > 20000.5 and k != 30001", &flt));
  const char *cols[] = {"v"};
  co.columns = cols;
  co.num_columns = 1;
  co.filter = flt;
  co.start = "2024-01-01T05:00:00";
  co.end = "2024-01-01T20:00:00";
  co.chunk_rows = 7000;
  ASSERT_OK(ps_item_chunks_open(c, "big", &co, &r));
  nch = 0;
  for (;;) {
    ASSERT_OK(ps_chunk_reader_next(r, &ch));
    if (!ch) break;
    ASSERT(ps_frame_num_rows(ch) <= 7000);
    if (!acc) acc = ch;
    else {
      ps__frame_append_range(acc, ch, 0, ps_frame_num_rows(ch));
      ps_frame_free(ch);
    }
    nch++;
  }
  ps_chunk_reader_close(r);
  ps_item_read_options ro = {0};
  ro.columns = cols;
  ro.num_columns = 1;
  ro.filter = flt;
  ro.start = co.start;
  ro.end = co.end;
  ps_frame *whole;
  ASSERT_OK(ps_item_read(c, "big", &ro, &whole));
  ASSERT_EQ_INT(ps_frame_num_rows(whole), 72000 - 20000 - 1 + 1 - 1);
  ASSERT(frames_equal(whole, acc));
  ASSERT_EQ_INT(nch, (ps_frame_num_rows(whole) + 6999) / 7000);
  ps_frame_free(whole);
  ps_frame_free(acc);
  ps_expr_free(flt);
  /* memory budgets: clean PS_ERR_LIMIT, not a crash */
  co = (ps_chunk_options){0};
  co.chunk_rows = 10000;
  co.memory_budget = 1000;
  ASSERT_RC(ps_item_chunks_open(c, "big", &co, &r), PS_ERR_LIMIT);
  ps_frame *g = NULL;
  ASSERT_RC(ps_item_read_budget(c, "big", NULL, 100000, &g), PS_ERR_LIMIT);
  ASSERT(g == NULL && strstr(ps_errmsg(), "budget"));
  ASSERT_OK(ps_item_read_budget(c, "big", NULL, 100000000, &g));
  ASSERT(frames_equal(f, g));
  ps_frame_free(g);
  /* append with a small budget switches to streaming and gives the same result */
  ps_frame *add = mk_seq(50000, 100000, 7.0);
  ASSERT_OK(ps_item_write(c, "big2", f, &wo));
  ASSERT_OK(ps_item_append(c, "big", add, NULL));
  ASSERT_OK(ps_item_append_budget(c, "big2", add, NULL, 500000));
  ps_frame *x = read_all(c, "big"), *y = read_all(c, "big2");
  ASSERT(x && y && frames_equal(x, y));
  ASSERT_RC(ps_item_append_budget(c, "big2", add, NULL, 10), PS_ERR_LIMIT);
  ps_frame_free(x);
  ps_frame_free(y);
  ps_frame_free(add);
  ps_frame_free(f);
  ps_collection_close(c);
}

static void test_cache(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "cache", 1, &c));
  ps_cache_set_ttl(300);
  ps_frame *f = mk_seq(0, 10, 0);
  ASSERT_OK(ps_item_write(c, "a", f, NULL));
  char **names;
  ASSERT_OK(ps_cached_list_items(c, &names));
  ASSERT(names[0] && !names[1]);
  ps_names_free(names);
  ps_cache_stats s0, s1;
  ps_cache_stats_get(&s0);
  ASSERT_OK(ps_cached_list_items(c, &names));
  ps_names_free(names);
  ps_cache_stats_get(&s1);
  ASSERT_EQ_INT(s1.hits, s0.hits + 1);
  /* own write: never stale */
  ASSERT_OK(ps_item_write(c, "b", f, NULL));
  ASSERT_OK(ps_cached_list_items(c, &names));
  ASSERT(names[0] && names[1] && !names[2]);
  ps_names_free(names);
  char *m;
  ASSERT_OK(ps_item_set_metadata(c, "a", "{\"v\": 1}"));
  ASSERT_OK(ps_cached_item_metadata(c, "a", &m));
  ASSERT(strstr(m, "\"v\": 1"));
  ps_free(m);
  ps_item_info info;
  ASSERT_OK(ps_cached_item_info(c, "a", &info));
  ASSERT_EQ_INT(info.num_rows, 10);
  /* another process writes: revalidated */
  for (int round = 0; round < 3; round++) {
    pid_t pid = fork();
    if (pid == 0) {
      ps_collection *cc;
      int ok = ps_collection_open(g_store, "cache", 0, &cc) == PS_OK;
      char meta[64], nm[16];
      snprintf(meta, sizeof meta, "{\"v\": %d}", 10 + round);
      snprintf(nm, sizeof nm, "child%d", round);
      ok = ok && ps_item_set_metadata(cc, "a", meta) == PS_OK;
      ps_frame *g = mk_seq(100, 5, 0);
      ok = ok && ps_item_append(cc, "a", g, NULL) == PS_OK;
      ok = ok && ps_item_write(cc, nm, g, NULL) == PS_OK;
      _exit(ok ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char want[32];
    snprintf(want, sizeof want, "\"v\": %d", 10 + round);
    ASSERT_OK(ps_cached_item_metadata(c, "a", &m));
    ASSERT(strstr(m, want));
    ps_free(m);
    ASSERT_OK(ps_cached_item_info(c, "a", &info));
    ASSERT_EQ_INT(info.num_rows, 15);
    ASSERT_OK(ps_cached_list_items(c, &names));
    int n = 0;
    while (names[n]) n++;
    ASSERT_EQ_INT(n, 3 + round);
    ps_names_free(names);
  }
  ps_part_info *p;
  int64_t np;
  ASSERT_OK(ps_item_parts(c, "a", &p, &np));
  ASSERT(np >= 1);
  ps_part_info_free(p, np);
  ASSERT_OK(ps_item_delete(c, "b"));
  ASSERT_OK(ps_cached_list_items(c, &names));
  for (int i = 0; names[i]; i++) ASSERT(strcmp(names[i], "b") != 0);
  ps_names_free(names);
  ps_cache_set_ttl(0); /* disabled: still correct */
  ASSERT_OK(ps_cached_item_info(c, "a", &info));
  ps_cache_stats_get(&s1);
  ASSERT_EQ_INT(s1.entries, 0);
  ps_cache_set_ttl(300);
  ps_frame_free(f);
  ps_collection_close(c);
}

typedef struct logcap {
  int pruned, warnings;
} logcap;

static void sink(void *u, ps_log_level lv, const char *msg) {
  logcap *l = u;
  if (lv == PS_LOG_DEBUG && strstr(msg, "pruned")) l->pruned++;
  if (lv == PS_LOG_WARNING) l->warnings++;
}

static void test_pruning_log(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "logs", 1, &c));
  ps_frame *f = mk_seq(0, 5000, 0);
  ps_item_write_options wo = {0};
  wo.part_rows = 1000;
  ASSERT_OK(ps_item_write(c, "l", f, &wo));
  logcap cap = {0, 0};
  ps_log_set_sink(sink, &cap);
  ps_log_set_level(PS_LOG_DEBUG);
  ps_item_read_options ro = {0};
  ro.start = "2024-01-01T00:20:00";
  ro.end = "2024-01-01T00:30:00";
  ps_frame *g;
  ASSERT_OK(ps_item_read(c, "l", &ro, &g));
  ps_frame_free(g);
  ASSERT(cap.pruned >= 4); /* four of the five parts */
  ps_log_set_level(PS_LOG_WARNING);
  int before = cap.pruned;
  ASSERT_OK(ps_item_read(c, "l", &ro, &g));
  ps_frame_free(g);
  ASSERT_EQ_INT(cap.pruned, before);
  ps_log_set_sink(NULL, NULL);
  ps_frame_free(f);
  ps_collection_close(c);
}

/* streaming 2,000,000 rows keeps RSS growth bounded (about a chunk + a row group) */
typedef struct gen {
  int64_t next, total, chunk;
  int64_t base_rss, max_rss;
} gen;

static int gen_next(void *u, ps_frame **out) {
  gen *g = u;
  *out = NULL;
  if (g->next >= g->total) return PS_OK;
  ps_memory_info mi;
  if (ps_memory_info_get(&mi) == PS_OK && mi.rss_bytes > g->max_rss) g->max_rss = mi.rss_bytes;
  int64_t n = g->total - g->next < g->chunk ? g->total - g->next : g->chunk;
  ps_frame *f;
  ps_frame_new(&f);
  ps_column *ts;
  ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &ts);
  int64_t *tv = malloc(sizeof *tv * (size_t)n);
  double *dv = malloc(sizeof *dv * (size_t)n);
  for (int64_t i = 0; i < n; i++) tv[i] = T0_NS + (g->next + i) * SEC_NS;
  ps_column_append_values(ts, tv, NULL, NULL, n);
  for (int k = 0; k < 20; k++) {
    char nm[8];
    snprintf(nm, sizeof nm, "c%d", k);
    ps_column *c;
    ps_frame_add_column(f, nm, PS_TYPE_FLOAT64, 0, NULL, &c);
    for (int64_t i = 0; i < n; i++) dv[i] = (double)(g->next + i) * 0.5 + k;
    ps_column_append_values(c, dv, NULL, NULL, n);
  }
  free(tv);
  free(dv);
  ps_frame_validate(f);
  ps_frame_set_index(f, "ts");
  g->next += n;
  *out = f;
  return PS_OK;
}

static void test_stream_memory_bounded(void) {
  ps_collection *c;
  ASSERT_OK(ps_collection_open(g_store, "rss", 1, &c));
#if defined(__SANITIZE_ADDRESS__)
  int64_t total = 300000;
#else
  int64_t total = 2000000;
#endif
  ps_memory_info mi;
  ASSERT_OK(ps_memory_info_get(&mi));
  gen g = {0, total, 10000, mi.rss_bytes, mi.rss_bytes};
  ps_stream_options so = {0};
  so.create = 1;
  int64_t rows = 0;
  so.out_rows = &rows;
  ASSERT_OK(ps_item_append_stream(c, "big", gen_next, &g, &so));
  ASSERT_EQ_INT(rows, total);
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "big", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, total);
  double growth = (double)(g.max_rss - g.base_rss) / 1048576.0;
  printf("stream %lld rows x 21 columns (%.0f MB of data): RSS growth %.1f MB\n", (long long)total,
         total * 21 * 8 / 1048576.0, growth);
  ps_collection_close(c);
#if !defined(__SANITIZE_ADDRESS__) /* ASan's quarantine keeps freed memory resident */
  ASSERT(growth < 200);
#endif
}

int main(void) {
  mk_base(g_base, sizeof g_base, "p3store");
  ps_store_options so = {0};
  so.base_path = g_base;
  so.no_fsync = 1;
  if (ps_store_open("s", &so, 1, &g_store) != PS_OK) {
    fprintf(stderr, "store: %s\n", ps_errmsg());
    return 1;
  }
  RUN(test_stream_equals_append);
  RUN(test_stream_atomic);
  RUN(test_batch);
  RUN(test_partitioning);
  RUN(test_partition_tz);
  RUN(test_append_follows_strategy);
  RUN(test_rebalance);
  RUN(test_chunked_read);
  RUN(test_cache);
  RUN(test_pruning_log);
  RUN(test_stream_memory_bounded);
  ps_store_close(g_store);
  rm_base(g_base);
  TEST_MAIN_END();
}
