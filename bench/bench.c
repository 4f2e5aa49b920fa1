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

static ps_frame *gen_wide(int64_t rows) {
  ps_frame *f;
  check(ps_frame_new(&f), "frame");
  int64_t *ts = malloc((size_t)rows * sizeof *ts);
  double *v = malloc((size_t)rows * sizeof *v);
  if (!ts || !v) die("out of memory");
  for (int64_t i = 0; i < rows; i++) ts[i] = (TS_BASE_S + i) * NS;
  add_col(f, "ts", PS_TYPE_TIMESTAMP, ts, NULL, rows);
  rng r;
  rng_seed(&r, 42);
  for (int c = 0; c < NCOLS; c++) {
    char name[16];
    snprintf(name, sizeof name, "c%d", c);
    for (int64_t i = 0; i < rows; i++) v[i] = rng_unit(&r);
    add_col(f, name, PS_TYPE_FLOAT64, v, NULL, rows);
  }
  free(ts);
  free(v);
  check(ps_frame_set_index(f, "ts"), "index");
  check(ps_frame_validate(f), "validate");
  return f;
}

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

static void run_once(const char *wl, const char *dir, result *res) {
  memset(res, 0, sizeof *res);
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

static int known_workload(const char *wl) {
  for (int i = 0; i < NWORKLOADS; i++)
    if (strcmp(workloads[i], wl) == 0) return 1;
  return 0;
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
