/* Out of memory at every allocation: the allocation hook
 * (ps__alloc_fail_after, which jansson also allocates through) makes the
 * n-th allocation and all later ones fail, for n = 0, 1, 2, ... until the
 * operation succeeds. Every failing call must return an error (PS_ERR_NOMEM
 * for nearly all), never crash, leak nothing (run under ASan's leak check
 * and valgrind), and a failed store mutation must leave the store exactly as
 * it was: the digest of every path, size and content under the base path
 * (lock files aside) is compared before and after.
 *
 * CI sweeps every failure point up to a dense limit and then with a growing
 * step; PS_FAULT_FULL=1 sweeps every point. The figures are printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_fault_util.h"
#include "test_store_util.h"
#include "util/alloc.h"

static char base[256];
static long dense = 400;
static long total_points = 0;

/* One operation under test: returns its status; `check` (may be NULL)
 * verifies the result of a successful run; `undo` (may be NULL) removes
 * what a successful run created, so the next run starts from the same state. */
typedef struct op {
  const char *name;
  int (*run)(void *ctx);
  int (*check)(void *ctx); /* 1 = good */
  void (*cleanup)(void *ctx); /* after every run (success or failure): free outputs */
  void *ctx;
  const char *root;  /* tree compared after each failure (NULL = none) */
  int allow_other;   /* statuses other than NOMEM accepted (with a message) */
} op;

/* Sweep: n = 0, 1, ... until the operation succeeds. Returns the number of
 * failure points, or -1 if a check failed. */
static long sweep(const op *o) {
  char *before = o->root ? tree_digest(o->root) : NULL;
  long points = 0;
  int bad = 0;
  for (long n = 0;; n = fault_next(n, dense)) {
    ps__alloc_fail_after(n);
    int rc = o->run(o->ctx);
    ps__alloc_fail_after(-1);
    if (rc == PS_OK) {
      if (o->check && !o->check(o->ctx)) {
        fprintf(stderr, "  %s: wrong result after succeeding at n = %ld\n", o->name, n);
        bad = 1;
      }
      if (o->cleanup) o->cleanup(o->ctx);
      break;
    }
    points++;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", ps_errmsg());
    if (rc != PS_ERR_NOMEM && !o->allow_other) {
      fprintf(stderr, "  %s: n = %ld: %s (%s), expected PS_ERR_NOMEM\n", o->name, n, ps_status_name(rc), msg);
      bad = 1;
    }
    if (!msg[0]) {
      fprintf(stderr, "  %s: n = %ld: %s without a message\n", o->name, n, ps_status_name(rc));
      bad = 1;
    }
    if (o->cleanup) o->cleanup(o->ctx);
    if (before && !tree_same(o->root, before, o->name)) {
      fprintf(stderr, "  %s: n = %ld failed with %s (%s) but changed the store\n", o->name, n, ps_status_name(rc), msg);
      bad = 1;
      free(before);
      before = tree_digest(o->root);
    }
    if (bad) break;
    if (n > 2000000) {
      fprintf(stderr, "  %s: never succeeds\n", o->name);
      bad = 1;
      break;
    }
  }
  free(before);
  printf("  %-28s %6ld failure points%s\n", o->name, points, fault_full() ? "" : " (sampled past the dense range)");
  total_points += points;
  return bad ? -1 : points;
}

/* ---- fixtures ---- */

static ps_store *st;
static ps_collection *coll;

static ps_frame *frame_tz(int64_t from, int n, const char *tz) {
  int64_t *d = malloc(sizeof *d * (size_t)n);
  double *v = malloc(sizeof *v * (size_t)n);
  for (int i = 0; i < n; i++) {
    d[i] = from + i;
    v[i] = (double)(from + i) + 0.5;
  }
  ps_frame *f = mk_frame_tz(d, v, n, 0, tz);
  free(d);
  free(v);
  return f;
}

static int item_equals(const char *item, const ps_frame *want) {
  ps_frame *r = NULL;
  int rc = ps_item_read(coll, item, NULL, &r);
  int ok = rc == PS_OK && frames_equal(r, want);
  if (!ok) fprintf(stderr, "  item %s: %s rows=%lld\n", item, ps_status_name(rc), r ? (long long)ps_frame_num_rows(r) : -1LL);
  ps_frame_free(r);
  return ok;
}

/* ---- Parquet / CSV / expressions ---- */

typedef struct file_ctx {
  char dir[300], path[400];
  const ps_frame *in;
  const ps_frame *want;
  ps_expr *filter;
  ps_frame *out;
  ps_expr *expr;
  const char *text;
  const char *want_text;
} file_ctx;

static int run_parquet_write(void *v) {
  file_ctx *x = v;
  ps_write_options wo = {.codec = PS_CODEC_ZSTD, .row_group_rows = 16, .page_bytes = 256};
  return ps_parquet_write(x->path, x->in, &wo);
}

static int check_parquet_write(void *v) {
  file_ctx *x = v;
  ps_frame *r = NULL;
  int ok = ps_parquet_read_file(x->path, NULL, &r) == PS_OK && frames_equal(r, x->in);
  ps_frame_free(r);
  remove(x->path);
  return ok;
}

static int run_parquet_read(void *v) {
  file_ctx *x = v;
  const char *cols[] = {"close", "sym"};
  ps_read_options ro = {.columns = cols, .num_columns = 2, .filter = x->filter};
  ps_parquet_file *f;
  int rc = ps_parquet_open(x->path, &f);
  if (rc < 0) return rc;
  rc = ps_parquet_read(f, &ro, &x->out);
  ps_parquet_close(f);
  return rc;
}

static int check_read(void *v) {
  file_ctx *x = v;
  return frames_equal(x->out, x->want);
}

static void free_out(void *v) {
  file_ctx *x = v;
  ps_frame_free(x->out);
  x->out = NULL;
}

static int run_csv_read(void *v) {
  file_ctx *x = v;
  ps_csv_options co = {.index = "Date"};
  return ps_csv_read_file(x->path, &co, &x->out);
}

static int run_csv_write(void *v) {
  file_ctx *x = v;
  return ps_csv_write_file(x->path, x->in);
}

static int check_csv_write(void *v) {
  file_ctx *x = v;
  ps_frame *r = NULL;
  ps_csv_options co = {.index = "Date"};
  int ok = ps_csv_read_file(x->path, &co, &r) == PS_OK && ps_frame_num_rows(r) == ps_frame_num_rows(x->in);
  ps_frame_free(r);
  remove(x->path);
  return ok;
}

static int run_expr_parse(void *v) {
  file_ctx *x = v;
  return ps_expr_parse(x->text, &x->expr);
}

static int check_expr(void *v) {
  file_ctx *x = v;
  char *s = NULL;
  int ok = ps_expr_to_string(x->expr, &s) == PS_OK && strcmp(s, x->want_text) == 0;
  if (!ok) fprintf(stderr, "  expr: '%s' != '%s'\n", s ? s : "(null)", x->want_text);
  ps_free(s);
  return ok;
}

static void free_expr(void *v) {
  file_ctx *x = v;
  ps_expr_free(x->expr);
  x->expr = NULL;
}

static int run_expr_to_string(void *v) {
  file_ctx *x = v;
  char *s = NULL;
  int rc = ps_expr_to_string(x->filter, &s);
  ps_free(s);
  return rc;
}

static void test_files(void) {
  file_ctx x;
  memset(&x, 0, sizeof x);
  snprintf(x.dir, sizeof x.dir, "%s/files", base);
  ASSERT(mkdir(x.dir, 0777) == 0);
  snprintf(x.path, sizeof x.path, "%s/f.parquet", x.dir);
  ps_frame *in = frame_tz(0, 40, "America/New_York");
  ASSERT(in);
  x.in = in;
  op w = {"parquet write", run_parquet_write, check_parquet_write, NULL, &x, x.dir, 0};
  ASSERT(sweep(&w) >= 0);

  /* read with a filter and a column subset */
  ASSERT_OK(run_parquet_write(&x));
  ASSERT_OK(ps_expr_parse("close > 10 and sym != 'S13'", &x.filter));
  ps_frame *want = NULL;
  ASSERT_OK(run_parquet_read(&x));
  want = x.out;
  x.out = NULL;
  ASSERT_EQ_INT(ps_frame_num_rows(want), 29);
  x.want = want;
  op r = {"parquet read (filter, cols)", run_parquet_read, check_read, free_out, &x, NULL, 0};
  ASSERT(sweep(&r) >= 0);
  op ts = {"expr to_string", run_expr_to_string, NULL, NULL, &x, NULL, 0};
  ASSERT(sweep(&ts) >= 0);
  ps_frame_free(want);
  remove(x.path);

  /* CSV */
  snprintf(x.path, sizeof x.path, "%s/f.csv", x.dir);
  op cw = {"csv write", run_csv_write, check_csv_write, NULL, &x, x.dir, 0};
  ASSERT(sweep(&cw) >= 0);
  ASSERT_OK(run_csv_write(&x));
  ASSERT_OK(run_csv_read(&x));
  want = x.out;
  x.out = NULL;
  x.want = want;
  op cr = {"csv read", run_csv_read, check_read, free_out, &x, NULL, 0};
  ASSERT(sweep(&cr) >= 0);
  ps_frame_free(want);
  remove(x.path);

  /* expressions */
  x.text = "close > 0.9 AND (sym == 'AAPL' OR sym in ('MSFT', 'IBM')) and not (volume is null) and `Date` >= '2024-01-02'";
  ASSERT_OK(ps_expr_parse(x.text, &x.expr));
  char *want_text = NULL;
  ASSERT_OK(ps_expr_to_string(x.expr, &want_text));
  free_expr(&x);
  x.want_text = want_text;
  op ep = {"expr parse", run_expr_parse, check_expr, free_expr, &x, NULL, 0};
  ASSERT(sweep(&ep) >= 0);
  ps_free(want_text);
  ps_expr_free(x.filter);
  ps_frame_free(in);
}

/* ---- store operations ---- */

typedef struct store_ctx {
  const char *item;
  ps_frame *data;     /* input */
  ps_frame *want;     /* the item after a successful run */
  const char *meta;
  int64_t part_rows;
  int64_t out_parts;
  /* stream */
  int64_t pos, chunk;
  /* outputs */
  ps_frame *out;
  char **names;
  char *text;
} store_ctx;

static int run_write_new(void *v) {
  store_ctx *x = v;
  ps_item_write_options wo = {.metadata = x->meta, .part_rows = x->part_rows};
  return ps_item_write(coll, x->item, x->data, &wo);
}

static int check_item(void *v) {
  store_ctx *x = v;
  return item_equals(x->item, x->want);
}

static void delete_item(void *v) {
  store_ctx *x = v;
  ps_item_delete(coll, x->item);
}

static int run_overwrite(void *v) {
  store_ctx *x = v;
  ps_item_write_options wo = {.overwrite = 1, .metadata = x->meta, .part_rows = x->part_rows};
  return ps_item_write(coll, x->item, x->data, &wo);
}

static int run_append(void *v) {
  store_ctx *x = v;
  ps_append_options ao = {.part_rows = x->part_rows};
  return ps_item_append(coll, x->item, x->data, &ao);
}

static int stream_next(void *u, ps_frame **out) {
  store_ctx *x = u;
  *out = NULL;
  if (x->pos >= ps_frame_num_rows(x->data)) return PS_OK;
  /* chunks in reverse order: every one after the first is out of order (spilled) */
  int64_t n = ps_frame_num_rows(x->data);
  int64_t end = n - x->pos, start = end - x->chunk < 0 ? 0 : end - x->chunk;
  int64_t *d = malloc(sizeof *d * (size_t)(end - start));
  double *val = malloc(sizeof *val * (size_t)(end - start));
  for (int64_t i = start; i < end; i++) {
    d[i - start] = day_at(x->data, i);
    val[i - start] = dbl(x->data, "close", i);
  }
  /* built with the hook paused: the batch is the caller's side */
  long budget = ps__alloc_budget();
  ps__alloc_fail_after(-1);
  *out = mk_frame(d, val, (int)(end - start));
  ps__alloc_fail_after(budget);
  free(d);
  free(val);
  x->pos += end - start;
  return *out ? PS_OK : PS_ERR_NOMEM;
}

static int run_stream(void *v) {
  store_ctx *x = v;
  x->pos = 0;
  ps_stream_options so = {.chunk_rows = x->chunk};
  return ps_item_append_stream(coll, x->item, stream_next, x, &so);
}

static int run_snapshot_create(void *v) {
  store_ctx *x = v;
  return ps_snapshot_create(coll, "snapB", &x->text);
}

static int check_snapshot(void *v) {
  store_ctx *x = v;
  int ok = x->text && strcmp(x->text, "snapB") == 0;
  ps_frame *r = NULL;
  ps_item_read_options ro = {.snapshot = "snapB"};
  ok = ok && ps_item_read(coll, x->item, &ro, &r) == PS_OK && frames_equal(r, x->want);
  ps_frame_free(r);
  return ok;
}

static void snapshot_cleanup(void *v) {
  store_ctx *x = v;
  ps_free(x->text);
  x->text = NULL;
  ps_snapshot_delete(coll, "snapB");
}

static int run_restore(void *v) {
  store_ctx *x = v;
  return ps_snapshot_restore(coll, "snap0", x->item);
}

static int run_rebalance(void *v) {
  store_ctx *x = v;
  ps_partition_options po = {.strategy = PS_PARTITION_MONTHLY};
  return ps_item_rebalance(coll, x->item, &po, &x->out_parts);
}

static int run_compact(void *v) {
  store_ctx *x = v;
  return ps_item_compact(coll, x->item, 100, &x->out_parts);
}

static int run_set_metadata(void *v) {
  store_ctx *x = v;
  return ps_item_set_metadata(coll, x->item, x->meta);
}

static int check_metadata(void *v) {
  store_ctx *x = v;
  char *j = NULL;
  int ok = ps_item_metadata(coll, x->item, NULL, &j) == PS_OK && strstr(j, "\"new\": 2") != NULL;
  if (!ok) fprintf(stderr, "  metadata: %s\n", j ? j : "(null)");
  ps_free(j);
  return ok;
}

static int run_item_read(void *v) {
  store_ctx *x = v;
  ps_expr *e = NULL;
  int rc = ps_expr_parse("volume >= 3", &e);
  if (rc < 0) return rc;
  const char *cols[] = {"close"};
  ps_item_read_options ro = {.columns = cols, .num_columns = 1, .filter = e, .start = "2024-01-05", .end = "2024-02-20"};
  rc = ps_item_read(coll, x->item, &ro, &x->out);
  ps_expr_free(e);
  return rc;
}

static int check_out(void *v) {
  store_ctx *x = v;
  return frames_equal(x->out, x->want);
}

static void free_store_out(void *v) {
  store_ctx *x = v;
  ps_frame_free(x->out);
  x->out = NULL;
  ps_names_free(x->names);
  x->names = NULL;
  ps_free(x->text);
  x->text = NULL;
}

static int run_chunked(void *v) {
  store_ctx *x = v;
  ps_chunk_options co = {.chunk_rows = 7, .start = "2024-01-03"};
  ps_chunk_reader *r;
  int rc = ps_item_chunks_open(coll, x->item, &co, &r);
  if (rc < 0) return rc;
  ps_frame *acc = NULL;
  for (;;) {
    ps_frame *ch = NULL;
    rc = ps_chunk_reader_next(r, &ch);
    if (rc < 0 || !ch) break;
    if (!acc) {
      acc = ch;
      continue;
    }
    /* concatenate outside the hook's reach would need copies: count rows only */
    int64_t n = ps_frame_num_rows(ch);
    for (int i = 0; i < ps_frame_num_columns(acc) && rc == PS_OK; i++)
      rc = ps_column_append_values(ps_frame_column(acc, i), ps_column_values(ps_frame_column(ch, i)),
                                   ps_column_bytes(ps_frame_column(ch, i)), ps_column_validity(ps_frame_column(ch, i)), n);
    if (rc == PS_OK) rc = ps_frame_validate(acc);
    ps_frame_free(ch);
    if (rc < 0) break;
  }
  ps_chunk_reader_close(r);
  if (rc < 0) {
    ps_frame_free(acc);
    return rc;
  }
  x->out = acc;
  return PS_OK;
}

static int run_list(void *v) {
  store_ctx *x = v;
  char **a = NULL, **b = NULL, **c = NULL;
  ps_store_options so = {.base_path = base};
  int rc = ps_list_stores(&so, &a);
  if (rc == PS_OK) rc = ps_store_list_collections(st, &b);
  if (rc == PS_OK) rc = ps_collection_list_items(coll, "{\"source\": \"test\"}", &c);
  if (rc == PS_OK) {
    /* "s" / "c" / the items with that metadata */
    int ok = a[0] && strcmp(a[0], "files") == 0 && a[1] && strcmp(a[1], "s") == 0 && !a[2] && b[0] && strcmp(b[0], "c") == 0 && !b[1] && c[0] &&
             strcmp(c[0], x->item) == 0 && !c[1];
    if (!ok) {
      fprintf(stderr, "  lists: wrong names: %s %s %s\n", a[0] ? a[0] : "-", b[0] ? b[0] : "-", c[0] ? c[0] : "-");
      rc = PS_ERR_INTERNAL;
    }
  }
  ps_names_free(a);
  ps_names_free(b);
  ps_names_free(c);
  return rc;
}

static int run_open(void *v) {
  (void)v;
  ps_store_options so = {.base_path = base};
  ps_store *s2;
  int rc = ps_store_open("s", &so, 0, &s2);
  if (rc < 0) return rc;
  ps_collection *c2;
  rc = ps_collection_open(s2, "c", 0, &c2);
  ps_collection_close(c2);
  ps_store_close(s2);
  return rc;
}

static int run_create_store(void *v) {
  (void)v;
  ps_store_options so = {.base_path = base};
  ps_store *s2;
  int rc = ps_store_open("s2", &so, 1, &s2);
  if (rc < 0) return rc;
  ps_collection *c2;
  rc = ps_collection_open(s2, "c2", 1, &c2);
  ps_collection_close(c2);
  ps_store_close(s2);
  return rc;
}

static void delete_store2(void *v) {
  (void)v;
  ps_store_options so = {.base_path = base};
  ps_delete_store(&so, "s2");
}

static int run_item_info(void *v) {
  store_ctx *x = v;
  ps_item_info info;
  int rc = ps_item_info_get(coll, x->item, NULL, &info);
  if (rc == PS_OK) rc = ps_item_metadata(coll, x->item, NULL, &x->text);
  if (rc == PS_OK) {
    ps_free(x->text);
    x->text = NULL;
    rc = ps_cached_item_info(coll, x->item, &info);
  }
  return rc;
}

/* batch */
typedef struct batch_ctx {
  ps_batch_write_item w[3];
  ps_batch_read_item r[3];
  const ps_frame *data[3];
  int bad;
} batch_ctx;

static int run_batch_write(void *v) {
  batch_ctx *x = v;
  static const char *names[3] = {"B0", "B1", "B2"};
  for (int i = 0; i < 3; i++) {
    memset(&x->w[i], 0, sizeof x->w[i]);
    x->w[i].item = names[i];
    x->w[i].data = x->data[i];
    x->w[i].metadata = "{\"batch\": true}";
  }
  ps_batch_options bo = {.threads = 2};
  int rc = ps_write_batch(coll, x->w, 3, &bo);
  /* per item: success = the item reads back; failure = no item */
  for (int i = 0; i < 3; i++) {
    ps__alloc_fail_after(-1);
    if (x->w[i].status == PS_OK) {
      if (!item_equals(names[i], x->data[i])) x->bad = 1;
    } else {
      if (ps_item_exists(coll, names[i])) {
        fprintf(stderr, "  batch write: %s failed (%s) but exists\n", names[i], x->w[i].errmsg ? x->w[i].errmsg : "");
        x->bad = 1;
      }
      if (x->w[i].status != PS_ERR_NOMEM) {
        fprintf(stderr, "  batch write: %s: %s\n", names[i], ps_status_name(x->w[i].status));
        x->bad = 1;
      }
    }
  }
  if (x->bad) return PS_ERR_INTERNAL;
  return rc;
}

static void batch_write_cleanup(void *v) {
  batch_ctx *x = v;
  for (int i = 0; i < 3; i++)
    if (x->w[i].item) ps_item_delete(coll, x->w[i].item);
  ps_batch_write_clear(x->w, 3);
}

static int check_batch(void *v) {
  batch_ctx *x = v;
  return !x->bad;
}

static int run_batch_read(void *v) {
  batch_ctx *x = v;
  static const char *names[3] = {"B0", "B1", "B2"};
  for (int i = 0; i < 3; i++) {
    memset(&x->r[i], 0, sizeof x->r[i]);
    x->r[i].item = names[i];
  }
  ps_batch_options bo = {.threads = 2};
  int rc = ps_read_batch(coll, x->r, 3, &bo);
  for (int i = 0; i < 3; i++) {
    if (x->r[i].status == PS_OK) {
      if (!frames_equal(x->r[i].frame, x->data[i]) || !x->r[i].metadata_json) x->bad = 1;
    } else if (x->r[i].frame || x->r[i].status != PS_ERR_NOMEM) {
      x->bad = 1;
    }
  }
  if (x->bad) return PS_ERR_INTERNAL;
  return rc;
}

static void batch_read_cleanup(void *v) {
  batch_ctx *x = v;
  ps_batch_read_clear(x->r, 3);
}

static void test_store_ops(void) {
  ps_store_options so = {.base_path = base};
  ASSERT_OK(ps_store_open("s", &so, 1, &st));
  ASSERT_OK(ps_collection_open(st, "c", 1, &coll));
  /* the item: days 0..59 in parts of 10 rows, metadata */
  ps_frame *base_rows = frame_tz(0, 60, NULL);
  ps_item_write_options wo = {.overwrite = 1, .metadata = "{\"source\": \"test\"}", .part_rows = 10};
  ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
  ASSERT_OK(ps_snapshot_create(coll, "snap0", NULL));
  store_ctx x;
  memset(&x, 0, sizeof x);
  x.item = "IT";

  /* reads first (the state is the fixture) */
  {
    ASSERT_OK(run_item_read(&x));
    x.want = x.out;
    x.out = NULL;
    ASSERT(ps_frame_num_rows(x.want) > 0);
    op o = {"item read (range, filter)", run_item_read, check_out, free_store_out, &x, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(x.want);
    ASSERT_OK(run_chunked(&x));
    x.want = x.out;
    x.out = NULL;
    ASSERT_EQ_INT(ps_frame_num_rows(x.want), 58);
    op ch = {"chunked read", run_chunked, check_out, free_store_out, &x, base, 0};
    ASSERT(sweep(&ch) >= 0);
    ps_frame_free(x.want);
    x.want = NULL;
    op li = {"store/collection/item lists", run_list, NULL, NULL, &x, base, 0};
    ASSERT(sweep(&li) >= 0);
    op op_ = {"store+collection open", run_open, NULL, NULL, &x, base, 0};
    ASSERT(sweep(&op_) >= 0);
    op inf = {"item info+metadata", run_item_info, NULL, free_store_out, &x, base, 0};
    ASSERT(sweep(&inf) >= 0);
    op cs = {"store+collection create", run_create_store, NULL, delete_store2, &x, base, 0};
    ASSERT(sweep(&cs) >= 0);
  }

  /* write a new item */
  {
    store_ctx y = x;
    y.item = "NEW";
    y.data = frame_tz(0, 30, "UTC");
    y.want = y.data;
    y.meta = "{\"a\": [1, 2, {\"b\": null}]}";
    y.part_rows = 10;
    op o = {"item write (new)", run_write_new, check_item, delete_item, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(y.data);
  }
  /* overwrite */
  {
    store_ctx y = x;
    y.data = frame_tz(100, 25, NULL);
    y.want = y.data;
    y.meta = "{\"source\": \"test\", \"v\": 2}";
    y.part_rows = 10;
    op o = {"item overwrite", run_overwrite, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo)); /* back to the fixture */
    ps_frame_free(y.data);
  }
  /* appends: after the range, into a gap inside it, overlapping */
  {
    store_ctx y = x;
    y.data = frame_tz(60, 5, NULL);
    ASSERT_OK(run_append(&y));
    ASSERT_OK(ps_item_read(coll, "IT", NULL, &y.want));
    ASSERT_EQ_INT(ps_frame_num_rows(y.want), 65);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
    op o = {"append after range", run_append, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(y.data);
    ps_frame_free(y.want);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
  }
  {
    /* days 0..59 minus 25..34, then append 25..34 into the gap */
    int64_t d[50];
    double val[50];
    int k = 0;
    for (int i = 0; i < 60; i++)
      if (i < 25 || i >= 35) {
        d[k] = i;
        val[k] = i + 0.5;
        k++;
      }
    ps_frame *gappy = mk_frame(d, val, k);
    ps_item_write_options w2 = {.overwrite = 1, .metadata = "{\"source\": \"test\"}", .part_rows = 25};
    ASSERT_OK(ps_item_write(coll, "IT", gappy, &w2));
    store_ctx y = x;
    y.data = frame_tz(25, 10, NULL);
    ps_frame *all = frame_tz(0, 60, NULL);
    /* volume/sym columns are per-batch row numbers: expected = merge */
    ASSERT_OK(ps_item_append(coll, "IT", y.data, NULL));
    ASSERT_OK(ps_item_read(coll, "IT", NULL, &y.want));
    ASSERT_OK(ps_item_write(coll, "IT", gappy, &w2));
    op o = {"append inside range (gap)", run_append, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(y.want);
    ps_frame_free(y.data);
    ps_frame_free(all);
    ps_frame_free(gappy);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
  }
  {
    store_ctx y = x;
    int64_t d[] = {5, 30, 6, 70};
    double val[] = {-5, -30, -6, -70};
    y.data = mk_frame(d, val, 4);
    ASSERT_OK(ps_item_append(coll, "IT", y.data, NULL));
    ASSERT_OK(ps_item_read(coll, "IT", NULL, &y.want));
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
    op o = {"append overlapping", run_append, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(y.want);
    ps_frame_free(y.data);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
  }
  /* append_stream with spilled runs */
  {
    store_ctx y = x;
    y.data = frame_tz(50, 30, NULL); /* overlaps 50..59, extends to 79 */
    y.chunk = 8;
    ASSERT_OK(run_stream(&y));
    ASSERT_OK(ps_item_read(coll, "IT", NULL, &y.want));
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
    op o = {"append_stream (spilled runs)", run_stream, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(y.want);
    ps_frame_free(y.data);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
  }
  /* snapshots */
  {
    store_ctx y = x;
    ASSERT_OK(ps_item_read(coll, "IT", NULL, &y.want));
    op o = {"snapshot create", run_snapshot_create, check_snapshot, snapshot_cleanup, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(y.want);
  }
  {
    store_ctx y = x;
    ps_frame *other = frame_tz(200, 12, NULL);
    ps_item_write_options w2 = {.overwrite = 1, .metadata = "{\"source\": \"other\"}", .part_rows = 5};
    ASSERT_OK(ps_item_write(coll, "IT", other, &w2));
    y.want = base_rows;
    op o = {"snapshot restore", run_restore, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ps_frame_free(other);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
  }
  /* rebalance (monthly) and compact */
  {
    store_ctx y = x;
    y.want = base_rows;
    op o = {"rebalance (monthly)", run_rebalance, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
    ASSERT_EQ_INT(y.out_parts, 2);
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
    op c = {"compact", run_compact, check_item, NULL, &y, base, 0};
    ASSERT(sweep(&c) >= 0);
    ASSERT(y.out_parts >= 1 && y.out_parts <= 2); /* the monthly strategy is remembered */
    ASSERT_OK(ps_item_write(coll, "IT", base_rows, &wo));
  }
  /* metadata */
  {
    store_ctx y = x;
    y.meta = "{\"source\": \"test\", \"new\": 2, \"nested\": {\"k\": [true, 1.5]}}";
    op o = {"item set_metadata", run_set_metadata, check_metadata, NULL, &y, base, 0};
    ASSERT(sweep(&o) >= 0);
  }
  /* batches */
  {
    batch_ctx b;
    memset(&b, 0, sizeof b);
    ps_frame *d0 = frame_tz(0, 12, NULL), *d1 = frame_tz(5, 20, NULL), *d2 = frame_tz(40, 3, NULL);
    b.data[0] = d0;
    b.data[1] = d1;
    b.data[2] = d2;
    op o = {"batch write (3 items)", run_batch_write, check_batch, batch_write_cleanup, &b, base, 0};
    tree_ignore_generation = 1; /* items that succeeded are deleted again by the test */
    long pts = sweep(&o);
    tree_ignore_generation = 0;
    ASSERT(pts >= 0);
    ASSERT(!b.bad);
    for (int i = 0; i < 3; i++) {
      char nm[8];
      snprintf(nm, sizeof nm, "B%d", i);
      ps_item_write_options w3 = {.part_rows = 5};
      ASSERT_OK(ps_item_write(coll, nm, b.data[i], &w3));
    }
    op r = {"batch read (3 items)", run_batch_read, check_batch, batch_read_cleanup, &b, base, 0};
    ASSERT(sweep(&r) >= 0);
    ASSERT(!b.bad);
    ps_frame_free(d0);
    ps_frame_free(d1);
    ps_frame_free(d2);
  }
  ps_frame_free(base_rows);
  ps_collection_close(coll);
  ps_store_close(st);
}

int main(void) {
  ps_log_set_level(PS_LOG_OFF);
  if (fault_under_valgrind()) dense = 60;
  fault_mk_base(base, sizeof base, "oom");
  printf("allocation failure sweeps (%s):\n", fault_full() ? "every point" : "dense range then sampled");
  RUN(test_files);
  RUN(test_store_ops);
  printf("total: %ld failure points\n", total_points);
  rm_base(base);
  TEST_MAIN_END();
}
