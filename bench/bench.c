/* bench: pystore's side of the peer benchmark (bench/run.sh drives it).
 *
 *   bench gen DIR [--rows-scale small]
 *       Generate the data sets deterministically and write the reference
 *       Parquet files every engine reads (DIR/ref_*.parquet, written by
 *       pystore with default options: snappy) plus DIR/meta.json, which
 *       tells bench/peers.mjs the row counts, filter bounds and columns.
 *   bench list DIR
 *       Print the workload names, one per line.
 *   bench run WORKLOAD DIR [--repeat N]
 *       Run WORKLOAD N times (default 3), each time in a fresh forked child,
 *       and print one JSON line:
 *       {"workload", "engine":"pystore", "seconds" (best), "times", "rows",
 *        "file_bytes", "decoded_bytes", "peak_rss", "base_rss",
 *        "child_maxrss", "hwm_reset", "threads"}.
 *       peak_rss: the child's VmHWM right after the timed call, the high-water
 *       mark having been reset (/proc/self/clear_refs "5") just before it,
 *       so it is the peak RSS of the call (input frame included for writes);
 *       base_rss: VmRSS just before the call; both the max over runs.
 *       child_maxrss: ru_maxrss of the child from wait4 (whole life, setup
 *       included).
 *
 * Only the library calls are timed: ps_parquet_write for writes; for reads
 * ps_parquet_open + ps_parquet_read + ps_parquet_close (what
 * ps_parquet_read_file does), with the clock stopped while RssAnon/RssFile
 * are sampled before the close ("anon_delta"/"file_delta" in the output).
 * Generating the input frame, counting rows and freeing are not timed.
 *
 * Workloads ("<data set>.<operation>"):
 *   w1m.*, w100k.*  ts (ns, sorted, 1 s steps; the index) + c0..c19 float64
 *                   uniform in [0,1). Operations: write_snappy, write_zstd,
 *                   read_all, read_cols (ts + c3, c11, c19), read_ts10
 *                   (ts >= A and ts < B, 10% of rows), read_c0gt (c0 > 0.9).
 *   ohlcv.*         ts, symbol (100 distinct, sorted by ts then symbol),
 *                   open/high/low/close float64, volume int64. Operations:
 *                   write (snappy), read_all, read_sym (symbol == 'SYM042').
 *   memcpy          memcpy of the decoded size of w1m (21 x 8 bytes x rows)
 *                   into a freshly allocated (not yet faulted) buffer.
 */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pystore.h"

#define NCOLS 20
#define TS_BASE_S 1704067200LL /* 2024-01-01T00:00:00 */
#define NS 1000000000LL
#define NSYM 100

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  exit(1);
}

static void check(int rc, const char *what) {
  if (rc < 0) die("%s: %s (%s)", what, ps_strerror(rc), ps_errmsg());
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- deterministic random numbers (xoshiro256**, splitmix64 seeding) ---- */
typedef struct rng { uint64_t s[4]; } rng;
static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static void rng_seed(rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(rng *r) {
  uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return res;
}
static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* ---- data sets ---- */
typedef enum dataset { DS_W1M, DS_W100K, DS_OHLCV } dataset;

static int64_t g_scale = 1; /* row divisor: 1 (full) or 10 (--rows-scale small) */

static int64_t ds_rows(dataset d) {
  switch (d) {
  case DS_W1M: return 1000000 / g_scale;
  case DS_W100K: return 100000 / g_scale;
  case DS_OHLCV: return 1000000 / g_scale;
  }
  return 0;
}
static const char *ds_name(dataset d) { return d == DS_W1M ? "w1m" : d == DS_W100K ? "w100k" : "ohlcv"; }

static void add_col(ps_frame *f, const char *name, ps_type t, const void *vals, const char *bytes, int64_t n) {
  ps_column *c;
  check(ps_frame_add_column(f, name, t, PS_UNIT_NS, NULL, &c), name);
  check(ps_column_append_values(c, vals, bytes, NULL, n), name);
}

/* The wide data set: ts = (TS_BASE_S + first + i) s + sub_ns, c0..c19 from
 * `r` (column by column). gen_wide(rows) is first = 0, seed 42. */
static ps_frame *gen_wide_at(int64_t rows, int64_t first, int64_t sub_ns, rng *rp) {
  ps_frame *f;
  check(ps_frame_new(&f), "frame");
  int64_t *ts = malloc((size_t)(rows ? rows : 1) * sizeof *ts);
  double *v = malloc((size_t)(rows ? rows : 1) * sizeof *v);
  if (!ts || !v) die("out of memory");
  for (int64_t i = 0; i < rows; i++) ts[i] = (TS_BASE_S + first + i) * NS + sub_ns;
  add_col(f, "ts", PS_TYPE_TIMESTAMP, ts, NULL, rows);
  rng r0, *r = rp;
  if (!r) {
    rng_seed(&r0, 42);
    r = &r0;
  }
  for (int c = 0; c < NCOLS; c++) {
    char name[16];
    snprintf(name, sizeof name, "c%d", c);
    for (int64_t i = 0; i < rows; i++) v[i] = rng_unit(r);
    add_col(f, name, PS_TYPE_FLOAT64, v, NULL, rows);
  }
  free(ts);
  free(v);
  check(ps_frame_set_index(f, "ts"), "index");
  check(ps_frame_validate(f), "validate");
  return f;
}

static ps_frame *gen_wide(int64_t rows) { return gen_wide_at(rows, 0, 0, NULL); }

static ps_frame *gen_ohlcv(int64_t rows) {
  int64_t steps = rows / NSYM;
  rows = steps * NSYM;
  ps_frame *f;
  check(ps_frame_new(&f), "frame");
  int64_t *ts = malloc((size_t)rows * sizeof *ts), *vol = malloc((size_t)rows * sizeof *vol);
  int64_t *off = malloc((size_t)(rows + 1) * sizeof *off);
  char *sym = malloc((size_t)rows * 6);
  double *o = malloc((size_t)rows * sizeof *o), *h = malloc((size_t)rows * sizeof *h);
  double *l = malloc((size_t)rows * sizeof *l), *c = malloc((size_t)rows * sizeof *c);
  if (!ts || !vol || !off || !sym || !o || !h || !l || !c) die("out of memory");
  double price[NSYM];
  rng r;
  rng_seed(&r, 7);
  for (int s = 0; s < NSYM; s++) price[s] = 10.0 + 190.0 * rng_unit(&r);
  off[0] = 0;
  for (int64_t t = 0, i = 0; t < steps; t++) {
    for (int s = 0; s < NSYM; s++, i++) {
      ts[i] = (TS_BASE_S + t) * NS;
      char buf[8];
      snprintf(buf, sizeof buf, "SYM%03d", s);
      memcpy(sym + i * 6, buf, 6);
      off[i + 1] = (i + 1) * 6;
      double open = price[s], close = open * (1.0 + (rng_unit(&r) - 0.5) * 0.002);
      double hi = (open > close ? open : close) * (1.0 + rng_unit(&r) * 0.001);
      double lo = (open < close ? open : close) * (1.0 - rng_unit(&r) * 0.001);
      o[i] = open;
      h[i] = hi;
      l[i] = lo;
      c[i] = close;
      vol[i] = 100 + (int64_t)(rng_next(&r) % 100000);
      price[s] = close;
    }
  }
  add_col(f, "ts", PS_TYPE_TIMESTAMP, ts, NULL, rows);
  add_col(f, "symbol", PS_TYPE_STRING, off, sym, rows);
  add_col(f, "open", PS_TYPE_FLOAT64, o, NULL, rows);
  add_col(f, "high", PS_TYPE_FLOAT64, h, NULL, rows);
  add_col(f, "low", PS_TYPE_FLOAT64, l, NULL, rows);
  add_col(f, "close", PS_TYPE_FLOAT64, c, NULL, rows);
  add_col(f, "volume", PS_TYPE_INT64, vol, NULL, rows);
  free(ts), free(vol), free(off), free(sym), free(o), free(h), free(l), free(c);
  check(ps_frame_set_index(f, "ts"), "index");
  check(ps_frame_validate(f), "validate");
  return f;
}

static ps_frame *gen(dataset d) { return d == DS_OHLCV ? gen_ohlcv(ds_rows(d)) : gen_wide(ds_rows(d)); }

/* Decoded (in-memory) size of a frame: values, string offsets + bytes, validity. */
static int64_t frame_bytes(const ps_frame *f) {
  int64_t total = 0;
  for (int i = 0; i < ps_frame_num_columns(f); i++) {
    const ps_column *c = ps_frame_column(f, i);
    int64_t n = ps_column_length(c);
    ps_type t = ps_column_type(c);
    if (t == PS_TYPE_STRING || t == PS_TYPE_BINARY) {
      const int64_t *off = ps_column_values(c);
      total += (n + 1) * 8 + (n > 0 ? off[n] - off[0] : 0);
    } else {
      total += n * (int64_t)ps_type_width(t);
    }
    if (ps_column_validity(c)) total += (n + 7) / 8;
  }
  return total;
}

/* ISO-8601 (naive) of TS_BASE_S + sec. */
static void iso(int64_t sec, char *buf, size_t n) {
  time_t t = (time_t)(TS_BASE_S + sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* The 10% range filter on the wide sets: rows [45%, 55%). */
static void ts_bounds(dataset d, int64_t *a_sec, int64_t *b_sec) {
  int64_t rows = ds_rows(d);
  *a_sec = rows * 45 / 100;
  *b_sec = rows * 55 / 100;
}

static const char *read_cols[] = {"c3", "c11", "c19"};

/* ---- paths and the scale file ---- */
static void path_of(char *out, size_t n, const char *dir, const char *fmt, const char *a, const char *b) {
  char name[256];
  snprintf(name, sizeof name, fmt, a, b);
  snprintf(out, n, "%s/%s", dir, name);
}

static void load_scale(const char *dir) {
  char p[4096];
  snprintf(p, sizeof p, "%s/scale.txt", dir);
  FILE *fp = fopen(p, "r");
  if (!fp) die("%s: %s (run 'bench gen %s' first)", p, strerror(errno), dir);
  if (fscanf(fp, "%" SCNd64, &g_scale) != 1 || g_scale < 1) die("%s: bad content", p);
  fclose(fp);
}

static int64_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static int cmd_gen(const char *dir) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) die("mkdir %s: %s", dir, strerror(errno));
  char p[4096];
  snprintf(p, sizeof p, "%s/scale.txt", dir);
  FILE *fp = fopen(p, "w");
  if (!fp) die("%s: %s", p, strerror(errno));
  fprintf(fp, "%" PRId64 "\n", g_scale);
  fclose(fp);
  snprintf(p, sizeof p, "%s/meta.json", dir);
  FILE *mj = fopen(p, "w");
  if (!mj) die("%s: %s", p, strerror(errno));
  fprintf(mj, "{\n  \"scale\": %" PRId64 ",\n  \"datasets\": {\n", g_scale);
  for (int d = DS_W1M; d <= DS_OHLCV; d++) {
    ps_frame *f = gen((dataset)d);
    char ref[4096];
    path_of(ref, sizeof ref, dir, "ref_%s.parquet%s", ds_name((dataset)d), "");
    ps_write_options wo = {0};
    check(ps_parquet_write(ref, f, &wo), ref);
    int64_t a, b;
    ts_bounds((dataset)d, &a, &b);
    char ia[64], ib[64];
    iso(a, ia, sizeof ia);
    iso(b, ib, sizeof ib);
    fprintf(mj,
            "    \"%s\": {\"rows\": %" PRId64 ", \"ref\": \"ref_%s.parquet\", \"decoded_bytes\": %" PRId64
            ", \"ref_bytes\": %" PRId64 ",\n      \"ts_lo_iso\": \"%s\", \"ts_hi_iso\": \"%s\", \"ts_lo_ns\": \"%" PRId64
            "\", \"ts_hi_ns\": \"%" PRId64 "\",\n      \"read_cols\": [\"c3\", \"c11\", \"c19\"], \"symbol\": \"SYM042\"}%s\n",
            ds_name((dataset)d), ps_frame_num_rows(f), ds_name((dataset)d), frame_bytes(f), file_size(ref), ia, ib,
            (int64_t)((TS_BASE_S + a) * NS), (int64_t)((TS_BASE_S + b) * NS), d == DS_OHLCV ? "" : ",");
    fprintf(stderr, "bench: wrote %s (%" PRId64 " rows, %" PRId64 " bytes)\n", ref, ps_frame_num_rows(f), file_size(ref));
    ps_frame_free(f);
  }
  fprintf(mj, "  }\n}\n");
  fclose(mj);
  return 0;
}

/* ---- workloads ---- */
static const char *const workloads[] = {
    "w1m.write_snappy",  "w1m.write_zstd",  "w1m.read_all",  "w1m.read_cols",  "w1m.read_ts10",  "w1m.read_c0gt",
    "w100k.write_snappy", "w100k.write_zstd", "w100k.read_all", "w100k.read_cols", "w100k.read_ts10", "w100k.read_c0gt",
    "ohlcv.write",       "ohlcv.read_all",  "ohlcv.read_sym", "memcpy"};
#define NWORKLOADS ((int)(sizeof workloads / sizeof workloads[0]))

typedef struct result {
  double seconds;
  double warm_seconds; /* memcpy only: the same copy again into the now-faulted buffer */
  int64_t rows, file_bytes, decoded_bytes, base_rss, peak_rss;
  int64_t anon_rss, file_rss, base_anon, base_file; /* reads: sampled after the read, before close */
  int hwm_reset;
  int ok;
  /* store / seed workloads (-1 = not measured) */
  int64_t new_part_bytes;  /* sum of the sizes of parts that are new after the call */
  int64_t io_write, io_read; /* /proc/self/io write_bytes / read_bytes during the call */
  int64_t parts_read;      /* ps_item_read_options.parts_read */
  int64_t stats_bytes;     /* ps_read_stats.bytes_read (totals over parts) */
  int64_t cols_bytes;      /* compressed size of the requested non-index columns */
  int64_t index_bytes;     /* compressed size of the index column */
  int64_t parts_before, parts_after, item_rows;
  int64_t items;           /* items written / listed / snapshotted */
  double cb_seconds;       /* stream: time spent in the batch callback (data generation) */
  int cold;                /* 1 = page cache dropped before the call */
} result;

/* /proc/self/status field in bytes (VmRSS, VmHWM), 0 if absent. */
static int64_t proc_status(const char *key) {
  FILE *fp = fopen("/proc/self/status", "r");
  if (!fp) return 0;
  char line[256];
  size_t kl = strlen(key);
  int64_t v = 0;
  while (fgets(line, sizeof line, fp))
    if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
      v = strtoll(line + kl + 1, NULL, 10) * 1024;
      break;
    }
  fclose(fp);
  return v;
}

/* Reset the peak-RSS high-water mark to the current RSS (Linux >= 4.0) so
 * VmHWM after the timed call is the peak of that call; returns VmRSS now. */
static int g_hwm_reset;
static int64_t start_peak(void) {
  FILE *fp = fopen("/proc/self/clear_refs", "w");
  g_hwm_reset = fp && fputs("5", fp) >= 0;
  if (fp && fclose(fp) != 0) g_hwm_reset = 0;
  return proc_status("VmRSS");
}

static volatile unsigned char g_sink;

static void run_memcpy(result *res) {
  int64_t n = ds_rows(DS_W1M) * (NCOLS + 1) * 8;
  unsigned char *src = malloc((size_t)n);
  if (!src) die("out of memory");
  for (int64_t i = 0; i < n; i++) src[i] = (unsigned char)(i * 131);
  res->base_rss = start_peak();
  double t0 = now();
  unsigned char *dst = malloc((size_t)n); /* fresh: page faults are part of the cost, as for a reader */
  if (!dst) die("out of memory");
  memcpy(dst, src, (size_t)n);
  res->seconds = now() - t0;
  res->peak_rss = proc_status("VmHWM");
  g_sink = dst[n / 2];
  for (int k = 0; k < 3; k++) { /* warm: destination already faulted in; best of 3 */
    src[k] ^= 1;
    double t1 = now();
    memcpy(dst, src, (size_t)n);
    double w = now() - t1;
    if (k == 0 || w < res->warm_seconds) res->warm_seconds = w;
    g_sink ^= dst[n / 3 + k];
  }
  res->rows = ds_rows(DS_W1M);
  res->decoded_bytes = n;
  res->file_bytes = 0;
  free(dst);
  free(src);
}

static int is_store_workload(const char *wl);
static void run_store_once(const char *wl, const char *dir, result *res);

static void run_once(const char *wl, const char *dir, result *res) {
  memset(res, 0, sizeof *res);
  if (is_store_workload(wl)) {
    run_store_once(wl, dir, res);
    return;
  }
  if (strcmp(wl, "memcpy") == 0) {
    run_memcpy(res);
    res->ok = 1;
    return;
  }
  const char *dot = strchr(wl, '.');
  if (!dot) die("unknown workload %s", wl);
  dataset d;
  size_t dl = (size_t)(dot - wl);
  if (dl == 3 && strncmp(wl, "w1m", 3) == 0) d = DS_W1M;
  else if (dl == 5 && strncmp(wl, "w100k", 5) == 0) d = DS_W100K;
  else if (dl == 5 && strncmp(wl, "ohlcv", 5) == 0) d = DS_OHLCV;
  else die("unknown workload %s", wl);
  const char *op = dot + 1;
  char path[4096];

  if (strncmp(op, "write", 5) == 0) {
    ps_frame *f = gen(d);
    ps_write_options wo = {0};
    wo.threads = 0; /* all cores */
    if (strcmp(op, "write_zstd") == 0) wo.codec = PS_CODEC_ZSTD;
    else if (strcmp(op, "write_snappy") == 0 || strcmp(op, "write") == 0) wo.codec = PS_CODEC_SNAPPY;
    else die("unknown workload %s", wl);
    path_of(path, sizeof path, dir, "out_pystore_%s_%s.parquet", ds_name(d), op);
    res->base_rss = start_peak();
    double t0 = now();
    check(ps_parquet_write(path, f, &wo), path);
    res->seconds = now() - t0;
  res->peak_rss = proc_status("VmHWM");
    res->rows = ps_frame_num_rows(f);
    res->decoded_bytes = frame_bytes(f);
    res->file_bytes = file_size(path);
    ps_frame_free(f);
    res->ok = 1;
    return;
  }

  /* reads: every engine reads the same reference file */
  path_of(path, sizeof path, dir, "ref_%s.parquet%s", ds_name(d), "");
  ps_read_options ro = {0};
  ro.threads = 0;
  ps_expr *e = NULL;
  if (strcmp(op, "read_all") == 0) {
  } else if (strcmp(op, "read_cols") == 0 && d != DS_OHLCV) {
    ro.columns = read_cols;
    ro.num_columns = 3;
  } else if (strcmp(op, "read_ts10") == 0 && d != DS_OHLCV) {
    int64_t a, b;
    ts_bounds(d, &a, &b);
    char ia[64], ib[64];
    iso(a, ia, sizeof ia);
    iso(b, ib, sizeof ib);
    ps_value va = {.kind = PS_VALUE_STRING, .s = ia, .len = strlen(ia)};
    ps_value vb = {.kind = PS_VALUE_STRING, .s = ib, .len = strlen(ib)};
    ps_expr *ea, *eb;
    check(ps_expr_compare("ts", PS_OP_GE, &va, &ea), "expr");
    check(ps_expr_compare("ts", PS_OP_LT, &vb, &eb), "expr");
    check(ps_expr_and(ea, eb, &e), "expr");
  } else if (strcmp(op, "read_c0gt") == 0 && d != DS_OHLCV) {
    ps_value v = {.kind = PS_VALUE_DOUBLE, .d = 0.9};
    check(ps_expr_compare("c0", PS_OP_GT, &v, &e), "expr");
  } else if (strcmp(op, "read_sym") == 0 && d == DS_OHLCV) {
    ps_value v = {.kind = PS_VALUE_STRING, .s = "SYM042", .len = 6};
    check(ps_expr_compare("symbol", PS_OP_EQ, &v, &e), "expr");
  } else {
    die("unknown workload %s", wl);
  }
  ro.filter = e;
  res->base_rss = start_peak();
  res->base_anon = proc_status("RssAnon");
  res->base_file = proc_status("RssFile");
  ps_frame *out = NULL;
  /* ps_parquet_read_file is open + read + close; they are called one by one
   * so that RssAnon / RssFile (mapped file pages) can be sampled before the
   * close, with the clock stopped. */
  ps_parquet_file *pf = NULL;
  double t0 = now();
  check(ps_parquet_open(path, &pf), path);
  check(ps_parquet_read(pf, &ro, &out), path);
  double t1 = now();
  res->anon_rss = proc_status("RssAnon");
  res->file_rss = proc_status("RssFile");
  double t2 = now();
  ps_parquet_close(pf);
  res->seconds = (t1 - t0) + (now() - t2);
  res->peak_rss = proc_status("VmHWM");
  res->rows = ps_frame_num_rows(out);
  res->decoded_bytes = frame_bytes(out);
  res->file_bytes = file_size(path);
  ps_frame_free(out);
  ps_expr_free(e);
  res->ok = 1;
}

/* ======================================================================
 * Store and Phase 3 workloads (issue 3: store workloads; issue 4: the
 * seed's PHASE3_PERFORMANCE_SUMMARY.md table).
 *
 *   bench store-setup DIR    build DIR/store/bench/{seed,app,snap100,list10k}
 *   bench store-clean DIR [--big]   delete them (--big: only the big collection)
 *   bench list-store / list-big    workload names
 *
 * Store options everywhere: no_fsync = 1 (no engine fsyncs), default codec
 * (snappy), default part size (~99 MB of in-memory data per part).
 * Workloads that modify an item restore it from the snapshot "base" first
 * (untimed), so every run starts from the same state.
 * ====================================================================== */
static const char *const store_workloads[] = {
    "seed.write100k", "seed.batch10",   "seed.append1m",  "seed.read1m",     "seed.read3of20",
    "seed.read3of20_cold", "seed.filter10", "seed.filter_ts10", "store.snapshot100", "store.list10k"};
static const char *const big_workloads[] = {
    "seed.stream10m", "store.append1k",  "store.append1m", "store.append_mid1k",
    "store.read_range1pct", "seed.append5m"};
#define NSTORE ((int)(sizeof store_workloads / sizeof store_workloads[0]))
#define NBIG ((int)(sizeof big_workloads / sizeof big_workloads[0]))

static int64_t big_rows(void) { return 10000000 / g_scale; }
static int64_t seed_rows(void) { return 1000000 / g_scale; }
static int64_t w100k_rows(void) { return 100000 / g_scale; }

static ps_store *open_store(const char *dir) {
  char base[PATH_MAX + 16], rdir[PATH_MAX];
  if (!realpath(dir, rdir)) die("%s: %s", dir, strerror(errno));
  snprintf(base, sizeof base, "%s/store", rdir); /* absolute: store.json is read by the peers */
  ps_store_options so = {0};
  so.base_path = base;
  so.no_fsync = 1;
  ps_store *st;
  check(ps_store_open("bench", &so, 1, &st), "store open");
  return st;
}
static ps_collection *open_coll(ps_store *st, const char *name) {
  ps_collection *c;
  check(ps_collection_open(st, name, 1, &c), name);
  return c;
}

static int64_t proc_io(const char *key) {
  FILE *fp = fopen("/proc/self/io", "r");
  if (!fp) return -1;
  char line[256];
  size_t kl = strlen(key);
  int64_t v = -1;
  while (fgets(line, sizeof line, fp))
    if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
      v = strtoll(line + kl + 1, NULL, 10);
      break;
    }
  fclose(fp);
  return v;
}

/* Parts of an item: names and sizes. */
typedef struct partset { int64_t n; char **names; int64_t *bytes; } partset;
static partset parts_of(ps_collection *c, const char *item) {
  partset p = {0};
  ps_part_info *pi;
  int64_t n;
  check(ps_item_parts(c, item, &pi, &n), "parts");
  p.n = n;
  p.names = calloc((size_t)n + 1, sizeof *p.names);
  p.bytes = calloc((size_t)n + 1, sizeof *p.bytes);
  for (int64_t i = 0; i < n; i++) {
    p.names[i] = strdup(pi[i].file);
    p.bytes[i] = pi[i].bytes;
  }
  ps_part_info_free(pi, n);
  return p;
}
static void partset_free(partset *p) {
  for (int64_t i = 0; i < p->n; i++) free(p->names[i]);
  free(p->names);
  free(p->bytes);
}
/* Bytes of the parts of `after` that `before` does not have. */
static int64_t new_bytes(const partset *before, const partset *after) {
  int64_t t = 0;
  for (int64_t i = 0; i < after->n; i++) {
    int found = 0;
    for (int64_t j = 0; j < before->n && !found; j++) found = strcmp(after->names[i], before->names[j]) == 0;
    if (!found) t += after->bytes[i];
  }
  return t;
}

/* Compressed size of the column chunks named in cols (and of the index "ts")
 * over every part of the item, from the footers (ps_parquet_describe). */
static void compressed_sizes(ps_collection *c, const char *item, const char *const *cols, int ncols, int64_t *cols_b,
                             int64_t *index_b) {
  partset p = parts_of(c, item);
  *cols_b = *index_b = 0;
  for (int64_t i = 0; i < p.n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", ps_collection_path(c), item, p.names[i]);
    ps_parquet_file *pf;
    check(ps_parquet_open(path, &pf), path);
    char *js;
    check(ps_parquet_describe(pf, &js), path);
    for (const char *q = js; (q = strstr(q, "\"column\"")) != NULL;) {
      q += 8;
      while (*q == ' ' || *q == ':') q++;
      if (*q != '"') continue;
      const char *ne = strchr(q + 1, '"');
      if (!ne) break;
      size_t nl = (size_t)(ne - q - 1);
      const char *cs = strstr(ne, "\"compressed_size\"");
      if (!cs) break;
      cs += 17;
      while (*cs == ' ' || *cs == ':') cs++;
      int64_t v = strtoll(cs, NULL, 10);
      if (nl == 2 && strncmp(q + 1, "ts", 2) == 0) *index_b += v;
      for (int k = 0; k < ncols; k++)
        if (strlen(cols[k]) == nl && strncmp(q + 1, cols[k], nl) == 0) *cols_b += v;
      q = ne;
    }
    ps_free(js);
    ps_parquet_close(pf);
  }
  partset_free(&p);
}

static void restore_base(ps_collection *c, const char *item) {
  check(ps_snapshot_restore(c, "base", item), "restore");
}

static int cmd_store_setup(const char *dir) {
  load_scale(dir);
  double t0 = now();
  ps_store *st = open_store(dir);
  /* seed/i1m: the 1M-row item the seed reads run on */
  ps_collection *seed = open_coll(st, "seed");
  ps_frame *f = gen_wide(seed_rows());
  ps_item_write_options wo = {0};
  wo.overwrite = 1;
  check(ps_item_write(seed, "i1m", f, &wo), "seed/i1m");
  /* app/a1m: the 1M-row item seed.append1m appends to (restored from "base") */
  ps_collection *app = open_coll(st, "app");
  check(ps_item_write(app, "a1m", f, &wo), "app/a1m");
  ps_frame_free(f);
  ps_snapshot_delete(app, "base");
  check(ps_snapshot_create(app, "base", NULL), "snapshot app");
  /* snap100: 100 items x 10,000 rows */
  ps_collection *s100 = open_coll(st, "snap100");
  ps_snapshot_delete_all(s100);
  ps_frame *small = gen_wide(10000 / g_scale);
  ps_batch_write_item items[100];
  char names[100][16];
  for (int i = 0; i < 100; i++) {
    snprintf(names[i], sizeof names[i], "item%03d", i);
    items[i] = (ps_batch_write_item){.item = names[i], .data = small};
  }
  ps_batch_options bo = {0};
  bo.overwrite = 1;
  check(ps_write_batch(s100, items, 100, &bo), "snap100");
  ps_batch_write_clear(items, 100);
  ps_frame_free(small);
  /* list10k: 10,000 items x 10 rows (written once; kept if already there) */
  ps_collection *l10k = open_coll(st, "list10k");
  int64_t nitems = 10000 / g_scale;
  char **have;
  check(ps_collection_list_items(l10k, NULL, &have), "list");
  int64_t nh = 0;
  while (have[nh]) nh++;
  ps_names_free(have);
  if (nh != nitems) {
    ps_frame *tiny = gen_wide(10);
    ps_batch_write_item *bi = calloc((size_t)nitems, sizeof *bi);
    char (*nm)[16] = calloc((size_t)nitems, sizeof *nm);
    for (int64_t i = 0; i < nitems; i++) {
      snprintf(nm[i], sizeof nm[i], "it%05d", (int)i);
      bi[i] = (ps_batch_write_item){.item = nm[i], .data = tiny};
    }
    check(ps_write_batch(l10k, bi, (size_t)nitems, &bo), "list10k");
    ps_batch_write_clear(bi, (size_t)nitems);
    free(bi);
    free(nm);
    ps_frame_free(tiny);
  }
  /* The paths and bounds the peers need. */
  char p[4096];
  snprintf(p, sizeof p, "%s/store.json", dir);
  FILE *fp = fopen(p, "w");
  if (!fp) die("%s: %s", p, strerror(errno));
  int64_t r1 = seed_rows(), rb = big_rows();
  char a[64], b[64], c1[64], c2[64];
  iso(r1 * 45 / 100, a, sizeof a);
  iso(r1 * 55 / 100, b, sizeof b);
  iso(rb * 50 / 100, c1, sizeof c1);
  iso(rb * 51 / 100 - 1, c2, sizeof c2);
  fprintf(fp,
          "{\"seed_item\": \"%s/i1m\", \"big_item\": \"%s/big/i10m\", \"seed_rows\": %" PRId64 ", \"big_rows\": %" PRId64
          ",\n \"ts10_lo_iso\": \"%s\", \"ts10_hi_iso\": \"%s\", \"range1_lo_iso\": \"%s\", \"range1_hi_iso\": \"%s\",\n"
          " \"w100k_rows\": %" PRId64 ", \"append1k_rows\": %d}\n",
          ps_collection_path(seed), ps_store_path(st), r1, rb, a, b, c1, c2, w100k_rows(), 1000);
  fclose(fp);
  ps_collection_close(seed);
  ps_collection_close(app);
  ps_collection_close(s100);
  ps_collection_close(l10k);
  ps_store_close(st);
  fprintf(stderr, "bench: store setup in %.1f s\n", now() - t0);
  return 0;
}

static int cmd_store_clean(const char *dir, int big_only) {
  ps_store *st = open_store(dir);
  if (big_only) {
    int rc = ps_store_delete_collection(st, "big");
    if (rc < 0 && rc != PS_ERR_NOT_FOUND) check(rc, "delete big");
    ps_store_close(st);
    return 0;
  }
  ps_store_close(st);
  char base[4096];
  snprintf(base, sizeof base, "%s/store", dir);
  ps_store_options so = {0};
  so.base_path = base;
  int rc = ps_delete_store(&so, "bench");
  if (rc < 0 && rc != PS_ERR_NOT_FOUND) check(rc, "delete store");
  return 0;
}

/* Streaming source: batches of 100,000 rows (the index continues), values
 * from one generator; the time spent here is reported as cb_seconds. */
typedef struct stream_src { int64_t total, done, batch; rng r; double cb; } stream_src;
static int stream_next(void *user, ps_frame **out) {
  stream_src *s = user;
  double t0 = now();
  if (s->done >= s->total) {
    *out = NULL;
  } else {
    int64_t n = s->total - s->done < s->batch ? s->total - s->done : s->batch;
    *out = gen_wide_at(n, s->done, 0, &s->r);
    s->done += n;
  }
  s->cb += now() - t0;
  return PS_OK;
}

static void drop_caches_for(ps_collection *c, const char *item, result *res) {
  partset p = parts_of(c, item);
  for (int64_t i = 0; i < p.n; i++) { /* flush this item's dirty pages (no_fsync writes) so they can be dropped */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", ps_collection_path(c), item, p.names[i]);
    FILE *fp = fopen(path, "r");
    if (fp) {
      fsync(fileno(fp));
      fclose(fp);
    }
  }
  partset_free(&p);
  FILE *fp = fopen("/proc/sys/vm/drop_caches", "w");
  res->cold = fp && fputs("1", fp) >= 0;
  if (fp && fclose(fp) != 0) res->cold = 0;
}

static void run_store_once(const char *wl, const char *dir, result *res) {
  res->new_part_bytes = res->io_write = res->io_read = res->parts_read = res->stats_bytes = -1;
  res->cols_bytes = res->index_bytes = res->parts_before = res->parts_after = res->item_rows = res->items = -1;
  ps_store *st = open_store(dir);
  ps_collection *c = NULL;
  const char *item = NULL;
  ps_frame *in = NULL;       /* input of writes / appends */
  ps_frame *out = NULL;      /* result of reads */
  ps_item_read_options ro = {0};
  ps_read_stats stats = {0};
  int64_t parts_read = 0;
  ro.stats = &stats;
  ro.parts_read = &parts_read;
  ps_expr *e = NULL;
  const char *cols3[] = {"c3", "c11", "c19"};
  char lo[64], hi[64];
  enum { K_WRITE, K_BATCH, K_APPEND, K_READ, K_STREAM, K_SNAP, K_LIST } kind;
  int64_t app_rows = 0, app_first = 0, app_sub = 0;
  int cold = 0;

  if (strcmp(wl, "seed.write100k") == 0) {
    kind = K_WRITE;
    c = open_coll(st, "w");
    item = "w100k";
    in = gen_wide(w100k_rows());
  } else if (strcmp(wl, "seed.batch10") == 0) {
    kind = K_BATCH;
    c = open_coll(st, "batch");
    in = gen_wide(w100k_rows());
  } else if (strcmp(wl, "seed.append1m") == 0) {
    kind = K_APPEND, c = open_coll(st, "app"), item = "a1m";
    app_rows = seed_rows(), app_first = seed_rows();
  } else if (strcmp(wl, "seed.append5m") == 0) {
    kind = K_APPEND, c = open_coll(st, "big"), item = "i10m";
    app_rows = 5 * seed_rows(), app_first = big_rows();
  } else if (strcmp(wl, "store.append1k") == 0) {
    kind = K_APPEND, c = open_coll(st, "big"), item = "i10m";
    app_rows = 1000, app_first = big_rows();
  } else if (strcmp(wl, "store.append1m") == 0) {
    kind = K_APPEND, c = open_coll(st, "big"), item = "i10m";
    app_rows = seed_rows(), app_first = big_rows();
  } else if (strcmp(wl, "store.append_mid1k") == 0) {
    kind = K_APPEND, c = open_coll(st, "big"), item = "i10m";
    app_rows = 1000, app_first = big_rows() / 2, app_sub = NS / 2; /* between stored rows: overlaps one part */
  } else if (strncmp(wl, "seed.read", 9) == 0 || strncmp(wl, "seed.filter", 11) == 0) {
    kind = K_READ, c = open_coll(st, "seed"), item = "i1m";
    if (strncmp(wl, "seed.read3of20", 14) == 0) {
      ro.columns = cols3;
      ro.num_columns = 3;
      cold = strcmp(wl, "seed.read3of20_cold") == 0;
    } else if (strcmp(wl, "seed.filter10") == 0) {
      ps_value v = {.kind = PS_VALUE_DOUBLE, .d = 0.9};
      check(ps_expr_compare("c0", PS_OP_GT, &v, &e), "expr");
      ro.filter = e;
    } else if (strcmp(wl, "seed.filter_ts10") == 0) {
      iso(seed_rows() * 45 / 100, lo, sizeof lo);
      iso(seed_rows() * 55 / 100 - 1, hi, sizeof hi); /* end is inclusive */
      ro.start = lo, ro.end = hi;
    } else if (strcmp(wl, "seed.read1m") != 0) die("unknown workload %s", wl);
  } else if (strcmp(wl, "store.read_range1pct") == 0) {
    kind = K_READ, c = open_coll(st, "big"), item = "i10m";
    iso(big_rows() * 50 / 100, lo, sizeof lo);
    iso(big_rows() * 51 / 100 - 1, hi, sizeof hi);
    ro.start = lo, ro.end = hi;
  } else if (strcmp(wl, "seed.stream10m") == 0) {
    kind = K_STREAM, c = open_coll(st, "big"), item = "i10m";
  } else if (strcmp(wl, "store.snapshot100") == 0) {
    kind = K_SNAP, c = open_coll(st, "snap100");
  } else if (strcmp(wl, "store.list10k") == 0) {
    kind = K_LIST, c = open_coll(st, "list10k");
  } else {
    die("unknown workload %s", wl);
  }

  partset before = {0}, after = {0};
  ps_batch_write_item bitems[10];
  char bnames[10][16];
  stream_src src = {0};
  char snapname[64];
  int64_t rc_items = 0;
  if (kind == K_APPEND) {
    restore_base(c, item);
    rng r;
    rng_seed(&r, 43);
    in = gen_wide_at(app_rows, app_first, app_sub, &r);
    before = parts_of(c, item);
  } else if (kind == K_BATCH) {
    for (int i = 0; i < 10; i++) {
      snprintf(bnames[i], sizeof bnames[i], "b%02d", i);
      bitems[i] = (ps_batch_write_item){.item = bnames[i], .data = in};
    }
  } else if (kind == K_STREAM) {
    ps_snapshot_delete_all(c);
    if (ps_item_exists(c, item) == 1) check(ps_item_delete(c, item), "delete i10m");
    src.total = big_rows();
    src.batch = 100000 / g_scale;
    rng_seed(&src.r, 42);
  } else if (kind == K_SNAP) {
    ps_snapshot_delete_all(c);
    snprintf(snapname, sizeof snapname, "s%d", (int)getpid());
  } else if (kind == K_READ && cold) {
    drop_caches_for(c, item, res);
  }

  int64_t io_w0 = proc_io("write_bytes"), io_r0 = proc_io("read_bytes");
  res->base_rss = start_peak();
  double t0 = now();
  switch (kind) {
  case K_WRITE: {
    ps_item_write_options wo = {0};
    wo.overwrite = 1;
    check(ps_item_write(c, item, in, &wo), wl);
    break;
  }
  case K_BATCH: {
    ps_batch_options bo = {0};
    bo.overwrite = 1;
    check(ps_write_batch(c, bitems, 10, &bo), wl);
    break;
  }
  case K_APPEND: {
    ps_append_options ao = {0};
    check(ps_item_append(c, item, in, &ao), wl);
    break;
  }
  case K_READ: check(ps_item_read(c, item, &ro, &out), wl); break;
  case K_STREAM: {
    ps_stream_options so = {0};
    so.create = 1;
    check(ps_item_append_stream(c, item, stream_next, &src, &so), wl);
    break;
  }
  case K_SNAP: check(ps_snapshot_create(c, snapname, NULL), wl); break;
  case K_LIST: {
    char **names;
    check(ps_collection_list_items(c, NULL, &names), wl);
    while (names[rc_items]) rc_items++;
    ps_names_free(names);
    break;
  }
  }
  res->seconds = now() - t0;
  res->peak_rss = proc_status("VmHWM");
  int64_t io_w1 = proc_io("write_bytes"), io_r1 = proc_io("read_bytes");
  if (io_w0 >= 0 && io_w1 >= 0) res->io_write = io_w1 - io_w0, res->io_read = io_r1 - io_r0;
  res->cb_seconds = src.cb;

  switch (kind) {
  case K_WRITE:
  case K_BATCH:
    res->rows = ps_frame_num_rows(in) * (kind == K_BATCH ? 10 : 1);
    res->decoded_bytes = frame_bytes(in) * (kind == K_BATCH ? 10 : 1);
    res->items = kind == K_BATCH ? 10 : 1;
    if (kind == K_WRITE) {
      partset p = parts_of(c, item);
      res->file_bytes = 0;
      for (int64_t i = 0; i < p.n; i++) res->file_bytes += p.bytes[i];
      res->parts_after = p.n;
      partset_free(&p);
    }
    break;
  case K_APPEND: {
    after = parts_of(c, item);
    res->rows = ps_frame_num_rows(in);
    res->decoded_bytes = frame_bytes(in);
    res->new_part_bytes = new_bytes(&before, &after);
    res->file_bytes = res->new_part_bytes;
    res->parts_before = before.n;
    res->parts_after = after.n;
    ps_item_info info;
    check(ps_item_info_get(c, item, NULL, &info), "info");
    res->item_rows = info.num_rows;
    partset_free(&before);
    partset_free(&after);
    restore_base(c, item); /* untimed: leave the item as it was */
    break;
  }
  case K_READ:
    res->rows = ps_frame_num_rows(out);
    res->decoded_bytes = frame_bytes(out);
    res->parts_read = parts_read;
    res->stats_bytes = stats.bytes_read;
    if (ro.columns) compressed_sizes(c, item, cols3, 3, &res->cols_bytes, &res->index_bytes);
    {
      ps_item_info info;
      check(ps_item_info_get(c, item, NULL, &info), "info");
      res->item_rows = info.num_rows;
      res->parts_after = info.num_parts;
      partset p = parts_of(c, item);
      res->file_bytes = 0;
      for (int64_t i = 0; i < p.n; i++) res->file_bytes += p.bytes[i];
      partset_free(&p);
    }
    break;
  case K_STREAM: {
    partset p = parts_of(c, item);
    res->file_bytes = 0;
    for (int64_t i = 0; i < p.n; i++) res->file_bytes += p.bytes[i];
    res->parts_after = p.n;
    partset_free(&p);
    res->rows = res->item_rows = src.done;
    res->decoded_bytes = src.done * (NCOLS + 1) * 8;
    /* the other big workloads start from this state */
    check(ps_snapshot_create(c, "base", NULL), "snapshot base");
    break;
  }
  case K_SNAP:
    res->items = 100;
    check(ps_snapshot_delete(c, snapname), "snapshot delete");
    break;
  case K_LIST: res->items = res->rows = rc_items; break;
  }
  res->cold = cold ? res->cold : 0;
  ps_frame_free(out);
  ps_frame_free(in);
  ps_expr_free(e);
  ps_collection_close(c);
  ps_store_close(st);
  res->ok = 1;
}

static int is_store_workload(const char *wl) {
  for (int i = 0; i < NSTORE; i++)
    if (strcmp(store_workloads[i], wl) == 0) return 1;
  for (int i = 0; i < NBIG; i++)
    if (strcmp(big_workloads[i], wl) == 0) return 1;
  return 0;
}

static int known_workload(const char *wl) {
  for (int i = 0; i < NWORKLOADS; i++)
    if (strcmp(workloads[i], wl) == 0) return 1;
  return is_store_workload(wl);
}

static int cmd_run(const char *wl, const char *dir, int repeat) {
  if (!known_workload(wl)) die("unknown workload %s (see 'bench list')", wl);
  load_scale(dir);
  double best = -1, times[64], warm = -1;
  int64_t peak = 0, life = 0, base = 0, anon = 0, filer = 0;
  int hwm_reset = 1;
  result last = {0};
  if (repeat > 64) repeat = 64;
  for (int r = 0; r < repeat; r++) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
      close(fds[0]);
      result res;
      run_once(wl, dir, &res);
      res.hwm_reset = g_hwm_reset;
      ssize_t w = write(fds[1], &res, sizeof res);
      _exit(w == (ssize_t)sizeof res ? 0 : 1);
    }
    close(fds[1]);
    result res = {0};
    ssize_t got = read(fds[0], &res, sizeof res);
    close(fds[0]);
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) die("wait4: %s", strerror(errno));
    if (got != (ssize_t)sizeof res || !res.ok || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
      die("%s: child failed (status %d)", wl, st);
    times[r] = res.seconds;
    if (res.warm_seconds > 0 && (warm < 0 || res.warm_seconds < warm)) warm = res.warm_seconds;
    if (best < 0 || res.seconds < best) best = res.seconds;
    int64_t rss = (int64_t)ru.ru_maxrss * 1024;
    if (rss > life) life = rss;
    if (res.peak_rss > peak) peak = res.peak_rss;
    if (res.base_rss > base) base = res.base_rss;
    if (res.anon_rss - res.base_anon > anon) anon = res.anon_rss - res.base_anon;
    if (res.file_rss - res.base_file > filer) filer = res.file_rss - res.base_file;
    if (!res.hwm_reset) hwm_reset = 0;
    last = res;
  }
  printf("{\"workload\": \"%s\", \"engine\": \"pystore\", \"seconds\": %.6f, \"times\": [", wl, best);
  for (int r = 0; r < repeat; r++) printf("%s%.6f", r ? ", " : "", times[r]);
  printf("]");
  if (warm > 0) printf(", \"warm_seconds\": %.6f", warm);
  if (anon > 0) printf(", \"anon_delta\": %" PRId64 ", \"file_delta\": %" PRId64, anon, filer);
  if (is_store_workload(wl)) {
    /* last run's counters (deterministic for a given workload, except io) */
    printf(", \"new_part_bytes\": %" PRId64 ", \"io_write_bytes\": %" PRId64 ", \"io_read_bytes\": %" PRId64
           ", \"parts_read\": %" PRId64 ", \"stats_bytes_read\": %" PRId64 ", \"cols_compressed\": %" PRId64
           ", \"index_compressed\": %" PRId64 ", \"parts_before\": %" PRId64 ", \"parts_after\": %" PRId64
           ", \"item_rows\": %" PRId64 ", \"items\": %" PRId64 ", \"callback_seconds\": %.6f, \"cold\": %s",
           last.new_part_bytes, last.io_write, last.io_read, last.parts_read, last.stats_bytes, last.cols_bytes,
           last.index_bytes, last.parts_before, last.parts_after, last.item_rows, last.items, last.cb_seconds,
           last.cold ? "true" : "false");
  }
  printf(", \"rows\": %" PRId64 ", \"file_bytes\": %" PRId64 ", \"decoded_bytes\": %" PRId64
         ", \"peak_rss\": %" PRId64 ", \"base_rss\": %" PRId64
         ", \"child_maxrss\": %" PRId64 ", \"hwm_reset\": %s, \"threads\": %d}\n",
         last.rows, last.file_bytes, last.decoded_bytes, hwm_reset ? peak : life, base, life,
         hwm_reset ? "true" : "false", (int)sysconf(_SC_NPROCESSORS_ONLN));
  fflush(stdout);
  return 0;
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench gen DIR [--rows-scale small]\n"
          "       bench list DIR\n"
          "       bench run WORKLOAD DIR [--repeat N]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 3) usage();
  if (strcmp(argv[1], "gen") == 0) {
    for (int i = 3; i < argc; i++) {
      if (strcmp(argv[i], "--rows-scale") == 0 && i + 1 < argc) {
        const char *s = argv[++i];
        if (strcmp(s, "small") == 0) g_scale = 10;
        else if (strcmp(s, "full") == 0) g_scale = 1;
        else die("--rows-scale: expected small or full");
      } else usage();
    }
    return cmd_gen(argv[2]);
  }
  if (strcmp(argv[1], "list-store") == 0 || strcmp(argv[1], "list-big") == 0) {
    int big = strcmp(argv[1], "list-big") == 0;
    for (int i = 0; i < (big ? NBIG : NSTORE); i++) printf("%s\n", big ? big_workloads[i] : store_workloads[i]);
    return 0;
  }
  if (strcmp(argv[1], "store-setup") == 0) return cmd_store_setup(argv[2]);
  if (strcmp(argv[1], "store-clean") == 0) return cmd_store_clean(argv[2], argc > 3 && strcmp(argv[3], "--big") == 0);
  if (strcmp(argv[1], "list") == 0) {
    for (int i = 0; i < NWORKLOADS; i++) printf("%s\n", workloads[i]);
    return 0;
  }
  if (strcmp(argv[1], "run") == 0) {
    if (argc < 4) usage();
    int repeat = 3;
    for (int i = 4; i < argc; i++) {
      if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
      else usage();
    }
    if (repeat < 1) repeat = 1;
    return cmd_run(argv[2], argv[3], repeat);
  }
  usage();
  return 2;
}
