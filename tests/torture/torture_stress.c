/* torture_stress: a concurrency stress test of the store.
 *
 * Several processes (fork) x several threads per process on one collection.
 * Each thread has its own ps_store / ps_collection handles: include/pystore.h
 * promises that "distinct handles may be used from distinct threads at once;
 * one handle must not be used by two threads at once", so no handle is
 * shared between threads here (the library itself shares one collection
 * handle between the pool threads of ps_read_batch/ps_write_batch, which
 * the workers call). Process 0 commits durably (fsync), the others with
 * no_fsync; odd processes have lock_timeout_ms = 150 (PS_ERR_LOCKED is
 * counted and the operation retried: it must have changed nothing); the last
 * process logs at DEBUG level into a counting sink from all its threads.
 * Roles, by global worker id (pattern W R W M W R):
 *
 *  - writers append batches (ps_item_append; 15% ps_item_append_stream with
 *    the batch in pieces and tiny chunks, so sorted runs are spilled and
 *    merged; 15% of own-item appends through ps_item_append_budget with a
 *    budget that forces its streaming path) to:
 *      "shared"   every writer, interleaved index values (so commits rewrite
 *                 each other's parts), duplicates=error, created by a race
 *                 (create=1), small parts; compacted and rebalanced (size,
 *                 auto) meanwhile;
 *      "monthly"  every writer, the same layout with a zoned index
 *                 (America/New_York: the tz database is used from many
 *                 threads), rebalanced to monthly/quarterly parts meanwhile
 *                 (appends then rewrite the period's part);
 *      "own<w>"   one writer each, keep_last, sometimes re-sending the
 *                 previous batch (identical rows: an upsert that rewrites
 *                 parts without changing the expectation) in shuffled order;
 *                 its metadata gets {"writer": w, "v": n} every 16 batches;
 *      "vol"      every writer, while maintenance deletes it and restores it
 *                 from snapshots (appends re-create it): only "every batch
 *                 seen is whole" holds there.
 *    Row r of batch s of writer w has index T0 + ((s*64 + r)*64 + w) minutes
 *    and columns writer, seq, row, nrows, val, tag derived from (w, s, r), so
 *    every row is identifiable and every batch knows its size.
 *  - readers: full reads, filtered reads (writer == W, seq ranges), range
 *    reads (start/end on batch boundaries, projections), chunked reads,
 *    head/tail, ps_read_batch, info/metadata/list items (cached and
 *    uncached), ps_item_parts, reads of other workers' snapshots, reads of
 *    the overwritten item.
 *  - maintenance: snapshot create/list/read/delete, rebalance, compact,
 *    ps_item_write overwrite of item "ow" (a read must see one whole
 *    version), vol delete/restore, create/read/delete of a private item,
 *    ps_write_batch + ps_read_batch of private items, some reader steps,
 *    and a probe that measures how long taking an item's writer lock
 *    (<item>/.lock, the flock of docs/store.md) waits under this load.
 *
 * Checked: every read shows each writer's batches as an exact prefix
 * lo..k-1 of what it asked for (one writer's appends commit in order),
 * every visible batch complete, the index strictly increasing, every row's
 * values right; k is at least the number of batches the writer had
 * committed before the read started (nothing lost, no stale cache entry);
 * info/parts/metadata are at least as new as what was committed before the
 * call; row counts never decrease for a reader; snapshots hold whole
 * versions at least as new as before their creation; listings show every
 * committed item and nothing hidden. At the end the items hold exactly the
 * committed batches and ps_verify() passes on the store (snapshots
 * included). A watchdog in the parent fails the run, naming the worker and
 * its operation, if a worker makes no progress for --stall seconds (default
 * 30 with --quick, else 60); an alarm bounds the whole run.
 *
 * Usage: torture_stress [--quick] [--seconds S] [--seed N] [--procs P]
 *                       [--threads T] [--stall S] [--dir BASE] [--keep]
 *   --quick: 3 processes x 3 threads for 4 s (CTest); default 30 s.
 *   The store is removed on success, kept (path printed) on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pystore.h"

#define MAXW 64         /* workers (processes x threads) */
#define MAXR 64         /* rows per batch are < MAXR */
#define SEQ_CAP 25000   /* batches per (item, writer): keeps the index < year 2262 */
#define MIN_NS 60000000000LL
#define T0_NS (1704067200LL * 1000000000LL) /* 2024-01-01 */
#define KEEP_SNAPS 3

enum { S_SHARED, S_MONTHLY, S_OWN, S_VOL, NSLOT };
enum { R_WRITER, R_READER, R_MAINT };
static const char *role_name[] = {"writer", "reader", "maintenance"};

#define OPS(X)                                                                                          \
  X(IDLE, "idle") X(APPEND, "append") X(STREAM, "stream append") X(SET_META, "set_metadata") X(READ, "read") X(READ_FILTER, "filtered read") \
  X(READ_RANGE, "range read") X(CHUNKS, "chunked read") X(HEAD, "head") X(TAIL, "tail") X(INFO, "info")     \
  X(INFO_CACHED, "cached info") X(META, "metadata") X(META_CACHED, "cached metadata") X(LIST, "list items") \
  X(LIST_CACHED, "cached list items") X(PARTS, "item parts") X(BATCH_READ, "batch read")                   \
  X(SNAP_CREATE, "snapshot create") X(SNAP_READ, "snapshot read") X(SNAP_LIST, "snapshot list")            \
  X(SNAP_DELETE, "snapshot delete") X(REBALANCE, "rebalance") X(COMPACT, "compact")                       \
  X(OVERWRITE, "overwrite") X(OW_READ, "overwritten item read") X(TMP_ITEM, "create/delete item")         \
  X(WRITE_BATCH, "write batch") X(DELETE, "delete vol") X(RESTORE, "restore vol") X(LOCK_PROBE, "lock probe")
enum {
#define X(a, b) OP_##a,
  OPS(X)
#undef X
      NOPS
};
static const char *op_name[] = {
#define X(a, b) b,
    OPS(X)
#undef X
};

typedef struct wslot {
  _Atomic int64_t progress, last_ns, op_since_ns;
  _Atomic int op, pid, started, finished;
  int role, proc;
} wslot;

typedef struct shm_t {
  _Atomic int stop, failed;
  _Atomic int64_t committed[NSLOT][MAXW];      /* batches committed (after ps_item_append returned) */
    _Atomic int64_t meta_v[MAXW];                /* last "v" set on own<w>'s metadata */
  _Atomic int ow_written;
  wslot w[MAXW];
  _Atomic int64_t n_ops[NOPS], max_ns[NOPS], sum_ns[NOPS];
  _Atomic int64_t appends, append_rows, upserts, lock_timeouts, rows_read, snaps_created, snaps_deleted;
  _Atomic int64_t probe_max_ns, probe_sum_ns, probe_n, not_found_tolerated, read_retries_hint;
  _Atomic int64_t log_messages, committed_total_vol;
  _Atomic int failmsg_set;
  char failmsg[2048];
} shm_t;

static shm_t *g;
static int g_procs = 3, g_threads = 3, g_quick = 0, g_keep = 0;
static double g_seconds = 4, g_stall = 60;
static uint64_t g_seed = 1;
static char g_base[512];
static const char *g_store = "stress", *g_coll = "c";

/* ---------------------------------------------------------------- utils */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static uint64_t rnd(uint64_t *s) { return mix64((*s)++); }
static int rnd_int(uint64_t *s, int n) { return (int)(rnd(s) % (uint64_t)n); }

static int nrows_of(int slot, int w, int64_t s) {
  return 1 + (int)(mix64((uint64_t)slot * 1000000007ULL + (uint64_t)w * 1000003ULL + (uint64_t)s) % (MAXR - 16));
}
static int ow_rows(int w, int64_t v) { return 1 + (int)(mix64(0xabcdefULL + (uint64_t)w * 7919ULL + (uint64_t)v) % 150); }
static int64_t idx_of(int64_t s, int r, int w) { return T0_NS + ((s * MAXR + r) * MAXW + w) * MIN_NS; }
static double val_of(int w, int64_t s, int r) { return (double)w * 1e6 + (double)s + (double)r / 64.0; }
static int tag_of(char *buf, size_t n, int w, int64_t s, int r) {
  return snprintf(buf, n, "w%d.s%" PRId64 ".r%d", w, s, r);
}

static void item_name(int slot, int owner, char *buf, size_t n) {
  if (slot == S_SHARED) snprintf(buf, n, "shared");
  else if (slot == S_MONTHLY) snprintf(buf, n, "monthly");
  else if (slot == S_VOL) snprintf(buf, n, "vol");
  else snprintf(buf, n, "own%d", owner);
}

static void iso(int64_t ns, char *buf, size_t n) {
  time_t t = (time_t)(ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
}

static void atomic_max(_Atomic int64_t *a, int64_t v) {
  int64_t cur = atomic_load(a);
  while (v > cur && !atomic_compare_exchange_weak(a, &cur, v)) {
  }
}

typedef struct wctx wctx;
static void fail(wctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --------------------------------------------------------------- worker */

typedef struct vacc {
  int slot, owner;          /* owner: only that writer's rows (own items, writer filters); -1 = any */
  int64_t seq_lo, seq_hi;   /* only batches in [lo, hi) */
  int partial;              /* head/tail/limit: batches may be cut */
  int64_t last, rows;
  int have_last;
  uint8_t *cnt[MAXW];
  int64_t cap[MAXW], maxs[MAXW];
} vacc;

struct wctx {
  int wid, role, proc;
  uint64_t rng;
  ps_store *st;
  ps_collection *c;
  int64_t next_seq[NSLOT];
  int64_t meta_v;
  int64_t last_rows[NSLOT][MAXW]; /* highest row count this thread saw per item */
  int64_t last_meta_v[MAXW];
  vacc v;
  char snaps[KEEP_SNAPS + 1][64];
  int nsnaps;
  int64_t snap_counter, ow_version, tmp_counter;
  char ctx[256]; /* what the current check is about, for messages */
};

static void fail(wctx *x, const char *fmt, ...) {
  char msg[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char full[2048];
  if (x)
    snprintf(full, sizeof full, "worker %d (%s, process %d, pid %d): %s%s%s", x->wid, role_name[x->role], x->proc,
             (int)getpid(), x->ctx[0] ? x->ctx : "", x->ctx[0] ? ": " : "", msg);
  else
    snprintf(full, sizeof full, "%s", msg);
  fprintf(stderr, "torture_stress: FAIL: %s\n", full);
  int exp = 0;
  if (atomic_compare_exchange_strong(&g->failmsg_set, &exp, 1)) snprintf(g->failmsg, sizeof g->failmsg, "%s", full);
  atomic_store(&g->failed, 1);
  atomic_store(&g->stop, 1);
}

static int stopping(void) { return atomic_load(&g->stop); }

static void op_begin(wctx *x, int op) {
  atomic_store(&g->w[x->wid].op_since_ns, now_ns());
  atomic_store(&g->w[x->wid].op, op);
}

static void op_end(wctx *x, int op, int64_t t0) {
  int64_t t = now_ns(), d = t - t0;
  atomic_fetch_add(&g->n_ops[op], 1);
  atomic_fetch_add(&g->sum_ns[op], d);
  atomic_max(&g->max_ns[op], d);
  atomic_fetch_add(&g->w[x->wid].progress, 1);
  atomic_store(&g->w[x->wid].last_ns, t);
  atomic_store(&g->w[x->wid].op, OP_IDLE);
}

/* What was committed before a read starts (lower bounds for what it must
 * show): batch counts per writer, and their rows (returned). */
static int64_t load_committed(int slot, int owner, int64_t *cb) {
  int64_t rows = 0;
  for (int w = 0; w < MAXW; w++) {
    /* "vol" is deleted and restored from snapshots meanwhile: no lower bound */
    cb[w] = (slot == S_OWN && w != owner) || slot == S_VOL ? 0 : atomic_load(&g->committed[slot][w]);
    for (int64_t s = 0; s < cb[w]; s++) rows += nrows_of(slot, w, s);
  }
  return rows;
}

static int64_t sum(const int64_t *cb) {
  int64_t t = 0;
  for (int w = 0; w < MAXW; w++) t += cb[w];
  return t;
}

static void vacc_begin(vacc *v, int slot, int owner, int64_t lo, int64_t hi, int partial) {
  v->slot = slot;
  v->owner = owner;
  v->seq_lo = lo;
  v->seq_hi = hi;
  v->partial = partial;
  v->have_last = 0;
  v->rows = 0;
  for (int w = 0; w < MAXW; w++) v->maxs[w] = 0;
}

static void vacc_clear(vacc *v) {
  for (int w = 0; w < MAXW; w++) {
    if (v->maxs[w]) memset(v->cnt[w], 0, (size_t)v->maxs[w]);
    v->maxs[w] = 0;
  }
}

static const int64_t *col_i64(const ps_frame *f, const char *name) {
  const ps_column *c = ps_frame_column_by_name(f, name);
  if (!c || ps_column_type(c) != PS_TYPE_INT64 || ps_column_null_count(c)) return NULL;
  return ps_column_values(c);
}

/* Check the rows of one frame (a read result or a chunk); 0 = ok. */
static int vacc_add(wctx *x, vacc *v, const ps_frame *f) {
  int64_t n = ps_frame_num_rows(f);
  int ix = ps_frame_index(f);
  const ps_column *tc = ix >= 0 ? ps_frame_column(f, ix) : NULL;
  if (!tc || strcmp(ps_column_name(tc), "ts") != 0 || ps_column_type(tc) != PS_TYPE_TIMESTAMP) {
    fail(x, "result has no 'ts' timestamp index");
    return -1;
  }
  const int64_t *ts = ps_column_values(tc), *wc = col_i64(f, "writer"), *sc = col_i64(f, "seq"),
                *rc = col_i64(f, "row"), *nc = col_i64(f, "nrows");
  if (n > 0 && (!wc || !sc || !rc || !nc)) {
    fail(x, "result lacks writer/seq/row/nrows int64 columns");
    return -1;
  }
  const ps_column *vc = ps_frame_column_by_name(f, "val"), *gc = ps_frame_column_by_name(f, "tag");
  const double *val = vc ? ps_column_values(vc) : NULL;
  for (int64_t i = 0; i < n; i++) {
    if (v->have_last && ts[i] <= v->last) {
      fail(x, "index not strictly increasing at row %" PRId64 " (%" PRId64 " after %" PRId64 ")", v->rows + i, ts[i],
           v->last);
      return -1;
    }
    v->have_last = 1;
    v->last = ts[i];
    int64_t w = wc[i], s = sc[i], r = rc[i];
    if (w < 0 || w >= MAXW || s < 0 || s >= SEQ_CAP || r < 0 || r >= MAXR) {
      fail(x, "row %" PRId64 ": writer/seq/row out of range (%" PRId64 ", %" PRId64 ", %" PRId64 ")", v->rows + i, w, s, r);
      return -1;
    }
    int want_n = nrows_of(v->slot, (int)w, s);
    if (nc[i] != want_n || r >= want_n || ts[i] != idx_of(s, (int)r, (int)w)) {
      fail(x, "row %" PRId64 " (writer %" PRId64 " batch %" PRId64 " row %" PRId64 "): wrong nrows/index (%" PRId64 "/%d, %" PRId64 ")",
           v->rows + i, w, s, r, nc[i], want_n, ts[i]);
      return -1;
    }
    if (val && val[i] != val_of((int)w, s, (int)r)) {
      fail(x, "row %" PRId64 " (writer %" PRId64 " batch %" PRId64 "): val %.17g != %.17g", v->rows + i, w, s, val[i],
           val_of((int)w, s, (int)r));
      return -1;
    }
    if (gc) {
      char want[64];
      int wl = tag_of(want, sizeof want, (int)w, s, (int)r);
      size_t len;
      const char *got = ps_column_string(gc, i, &len);
      if (!got || len != (size_t)wl || memcmp(got, want, len) != 0) {
        fail(x, "row %" PRId64 ": tag '%.*s' != '%s'", v->rows + i, got ? (int)len : 0, got ? got : "", want);
        return -1;
      }
    }
    if (v->owner >= 0 && w != v->owner) {
      fail(x, "row %" PRId64 " of writer %" PRId64 " in a result restricted to writer %d", v->rows + i, w, v->owner);
      return -1;
    }
    if (s < v->seq_lo || s >= v->seq_hi) {
      fail(x, "row %" PRId64 " of batch %" PRId64 " outside the range [%" PRId64 ", %" PRId64 ")", v->rows + i, s, v->seq_lo,
           v->seq_hi);
      return -1;
    }
    if (s >= v->cap[w]) {
      int64_t nc2 = v->cap[w] ? v->cap[w] : 256;
      while (nc2 <= s) nc2 *= 2;
      uint8_t *p = realloc(v->cnt[w], (size_t)nc2);
      if (!p) {
        fail(x, "out of memory");
        return -1;
      }
      memset(p + v->cap[w], 0, (size_t)(nc2 - v->cap[w]));
      v->cnt[w] = p;
      v->cap[w] = nc2;
    }
    v->cnt[w][s]++;
    if (s + 1 > v->maxs[w]) v->maxs[w] = s + 1;
  }
  v->rows += n;
  return 0;
}

/* After all rows: every writer's batches in [lo, hi) are an exact, complete
 * prefix lo..k-1 with k >= min(cb[w], hi) (== when exact). */
static int vacc_finish(wctx *x, vacc *v, const int64_t *cb, int exact) {
  int rc = 0;
  for (int w = 0; w < MAXW && rc == 0 && v->slot == S_VOL && !v->partial; w++) {
    /* deleted and restored: batches come and go, but each one is whole */
    for (int64_t s = 0; s < v->maxs[w]; s++)
      if (v->cnt[w][s] && v->cnt[w][s] != nrows_of(v->slot, w, s)) {
        fail(x, "writer %d batch %" PRId64 ": %d of %d rows visible", w, s, v->cnt[w][s], nrows_of(v->slot, w, s));
        rc = -1;
        break;
      }
  }
  for (int w = 0; w < MAXW && rc == 0; w++) {
    if (v->partial || v->slot == S_VOL) break;
    int64_t k = v->seq_lo;
    while (k < v->maxs[w] && v->cnt[w][k] == nrows_of(v->slot, w, k)) k++;
    for (int64_t s = k; s < v->maxs[w]; s++) {
      if (v->cnt[w][s]) {
        fail(x, "writer %d batch %" PRId64 ": %d of %d rows visible but %s", w, s, v->cnt[w][s], nrows_of(v->slot, w, s),
             s == k ? "the batch is incomplete" : "an earlier batch of the writer is missing or incomplete");
        rc = -1;
        break;
      }
    }
    if (rc) break;
    int64_t want = cb ? cb[w] : 0;
    if (want > v->seq_hi) want = v->seq_hi;
    if (v->owner >= 0 && w != v->owner) want = 0;
    if (want < v->seq_lo) want = v->seq_lo;
    if (k < want || (exact && k != want)) {
      fail(x, "writer %d: batches %" PRId64 "..%" PRId64 " visible, but %" PRId64 " had been committed %s", w, v->seq_lo,
           k - 1, cb ? cb[w] : 0, exact ? "(final state must be exact)" : "before the read started (lost or stale)");
      rc = -1;
    }
  }
  vacc_clear(v);
  return rc;
}

static int check_frame(wctx *x, const ps_frame *f, int slot, int owner, int64_t lo, int64_t hi, const int64_t *cb, int exact) {
  vacc_begin(&x->v, slot, owner, lo, hi, 0);
  if (vacc_add(x, &x->v, f) < 0) {
    vacc_clear(&x->v);
    return -1;
  }
  atomic_fetch_add(&g->rows_read, ps_frame_num_rows(f));
  return vacc_finish(x, &x->v, cb, exact);
}

/* the monthly item has a zoned index: its month boundaries come from the tz database (src/util/tz.c) */
static const char *tz_of(int slot) { return slot == S_MONTHLY ? "America/New_York" : NULL; }

static ps_frame *make_frame_tz(const char *tz) {
  ps_frame *f;
  if (ps_frame_new(&f)) return NULL;
  ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, tz, NULL);
  ps_frame_add_column(f, "writer", PS_TYPE_INT64, 0, NULL, NULL);
  ps_frame_add_column(f, "seq", PS_TYPE_INT64, 0, NULL, NULL);
  ps_frame_add_column(f, "row", PS_TYPE_INT64, 0, NULL, NULL);
  ps_frame_add_column(f, "nrows", PS_TYPE_INT64, 0, NULL, NULL);
  ps_frame_add_column(f, "val", PS_TYPE_FLOAT64, 0, NULL, NULL);
  ps_frame_add_column(f, "tag", PS_TYPE_STRING, 0, NULL, NULL);
  ps_frame_set_index(f, "ts");
  return f;
}

static ps_frame *make_frame(void) { return make_frame_tz(NULL); }

static void add_row(ps_frame *f, int64_t ts, int w, int64_t s, int r, int n) {
  char tag[64];
  int tl = tag_of(tag, sizeof tag, w, s, r);
  ps_column_append_int(ps_frame_column(f, 0), ts);
  ps_column_append_int(ps_frame_column(f, 1), w);
  ps_column_append_int(ps_frame_column(f, 2), s);
  ps_column_append_int(ps_frame_column(f, 3), r);
  ps_column_append_int(ps_frame_column(f, 4), n);
  ps_column_append_double(ps_frame_column(f, 5), val_of(w, s, r));
  ps_column_append_string(ps_frame_column(f, 6), tag, (size_t)tl);
}

/* Batch s of writer w for `slot`, rows in a random order; with `prev`, batch
 * s-1 again too (identical rows: an upsert). Cut into `npieces` frames (for
 * streaming appends); returns the number of frames. */
static int make_batch(wctx *x, int slot, int w, int64_t s, int prev, int npieces, ps_frame **out) {
  int n = nrows_of(slot, w, s), np = prev ? nrows_of(slot, w, s - 1) : 0;
  int tot = n + np, order[2 * MAXR];
  for (int i = 0; i < tot; i++) order[i] = i;
  if (rnd_int(&x->rng, 3) == 0)
    for (int i = tot - 1; i > 0; i--) {
      int j = rnd_int(&x->rng, i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  if (npieces > tot) npieces = tot;
  int k = 0;
  for (int p = 0; p < npieces; p++) {
    int from = tot * p / npieces, to = tot * (p + 1) / npieces;
    ps_frame *f = make_frame_tz(tz_of(slot));
    if (!f) break;
    for (int i = from; i < to; i++) {
      int q = order[i];
      if (q < n) add_row(f, idx_of(s, q, w), w, s, q, n);
      else add_row(f, idx_of(s - 1, q - n, w), w, s - 1, q - n, np);
    }
    if (ps_frame_validate(f)) {
      ps_frame_free(f);
      break;
    }
    out[k++] = f;
  }
  if (k < npieces) {
    while (k > 0) ps_frame_free(out[--k]);
    return 0;
  }
  return k;
}

typedef struct feed {
  ps_frame *f[4];
  int n, i;
} feed;

static int feed_next(void *user, ps_frame **out) {
  feed *fd = user;
  *out = fd->i < fd->n ? fd->f[fd->i++] : NULL; /* ownership passes to the library */
  return PS_OK;
}

static void note_rows(wctx *x, int slot, int owner, int64_t rows, const char *what) {
  int o = slot == S_OWN ? owner : 0;
  if (slot == S_VOL) return;
  if (rows < x->last_rows[slot][o]) {
    fail(x, "%s: row count went down from %" PRId64 " to %" PRId64 " on an append-only item", what, x->last_rows[slot][o], rows);
    return;
  }
  x->last_rows[slot][o] = rows;
}

/* ---- writer ---- */

static void do_append(wctx *x) {
  int r = rnd_int(&x->rng, 100);
  int slot = r < 40 ? S_SHARED : r < 62 ? S_MONTHLY : r < 90 ? S_OWN : S_VOL;
  int64_t s = x->next_seq[slot];
  if (s >= SEQ_CAP) return;
  int w = x->wid, prev = slot == S_OWN && s > 0 && rnd_int(&x->rng, 4) == 0;
  char item[32];
  item_name(slot, w, item, sizeof item);
  snprintf(x->ctx, sizeof x->ctx, "append %s batch %" PRId64, item, s);
  /* 70%: ps_item_append; 15%: ps_item_append_stream (the batch in pieces,
   * small chunks: spills sorted runs); 15% on own items: ps_item_append_budget
   * with a budget that forces its streaming path */
  int mode = rnd_int(&x->rng, 100) < 70 ? 0 : rnd_int(&x->rng, 2) ? 1 : (slot == S_OWN ? 2 : 0);
  feed fd;
  memset(&fd, 0, sizeof fd);
  fd.n = make_batch(x, slot, w, s, prev, mode == 1 ? 1 + rnd_int(&x->rng, 4) : 1, fd.f);
  if (!fd.n) {
    fail(x, "cannot build the batch");
    return;
  }
  ps_append_options ao;
  memset(&ao, 0, sizeof ao);
  ao.create = 1;
  ao.duplicates = slot == S_OWN ? PS_DUP_KEEP_LAST : PS_DUP_ERROR;
  ao.part_rows = slot == S_SHARED ? 64 : slot == S_OWN ? 128 : slot == S_VOL ? 32 : 0;
  int64_t t0 = now_ns();
  op_begin(x, mode == 1 ? OP_STREAM : OP_APPEND);
  int rc;
  if (mode == 1) {
    ps_stream_options so;
    memset(&so, 0, sizeof so);
    so.duplicates = ao.duplicates;
    so.create = 1;
    so.chunk_rows = 4 + rnd_int(&x->rng, 40);
    rc = ps_item_append_stream(x->c, item, feed_next, &fd, &so);
    for (int i = fd.i; i < fd.n; i++) ps_frame_free(fd.f[i]); /* not handed over */
  } else if (mode == 2) {
    rc = ps_item_append_budget(x->c, item, fd.f[0], &ao, 2048 + rnd_int(&x->rng, 4096));
    ps_frame_free(fd.f[0]);
  } else {
    rc = ps_item_append(x->c, item, fd.f[0], &ao);
    ps_frame_free(fd.f[0]);
  }
  op_end(x, mode == 1 ? OP_STREAM : OP_APPEND, t0);
  if (rc == PS_ERR_LOCKED) { /* lock_timeout_ms expired: nothing happened; the batch is retried later */
    atomic_fetch_add(&g->lock_timeouts, 1);
    x->ctx[0] = 0;
    return;
  }
  if (rc != PS_OK) {
    fail(x, "%s: %s: %s", mode == 1 ? "ps_item_append_stream" : mode == 2 ? "ps_item_append_budget" : "ps_item_append",
         ps_status_name(rc), ps_errmsg());
    return;
  }
  int n = nrows_of(slot, w, s);
  atomic_store(&g->committed[slot][w], s + 1);
  atomic_fetch_add(&g->appends, 1);
  if (slot == S_VOL) atomic_fetch_add(&g->committed_total_vol, 1);
  atomic_fetch_add(&g->append_rows, n);
  if (prev) atomic_fetch_add(&g->upserts, 1);
  x->next_seq[slot] = s + 1;
  if (slot == S_OWN && (s + 1) % 16 == 0) {
    char js[96];
    snprintf(js, sizeof js, "{\"writer\": %d, \"v\": %" PRId64 "}", w, x->meta_v + 1);
    t0 = now_ns();
    op_begin(x, OP_SET_META);
    rc = ps_item_set_metadata(x->c, item, js);
    op_end(x, OP_SET_META, t0);
    if (rc == PS_ERR_LOCKED) {
      atomic_fetch_add(&g->lock_timeouts, 1);
    } else if (rc != PS_OK) {
      fail(x, "ps_item_set_metadata: %s: %s", ps_status_name(rc), ps_errmsg());
    } else {
      x->meta_v++;
      atomic_store(&g->meta_v[w], x->meta_v);
    }
  }
  x->ctx[0] = 0;
}

/* ---- readers ---- */

static int pick_item(wctx *x, int *slot, int *owner) {
  int r = rnd_int(&x->rng, 100);
  *slot = r < 35 ? S_SHARED : r < 60 ? S_MONTHLY : r < 90 ? S_OWN : S_VOL;
  *owner = -1;
  if (*slot == S_OWN) {
    /* a writer's own item (any worker id; non-writers simply have none) */
    int tot = g_procs * g_threads;
    *owner = rnd_int(&x->rng, tot);
  }
  return 0;
}

/* NOT_FOUND is fine only while nothing was committed to the item. */
static int tolerate_missing(wctx *x, int rc, const int64_t *cb) {
  if (rc == PS_ERR_NOT_FOUND && sum(cb) == 0) {
    atomic_fetch_add(&g->not_found_tolerated, 1);
    return 1;
  }
  (void)x;
  return 0;
}

static const char *proj_cols[] = {"writer", "seq", "row", "nrows"};

static void do_read(wctx *x, int kind) {
  int slot, owner;
  pick_item(x, &slot, &owner);
  char item[32];
  item_name(slot, owner, item, sizeof item);
  int64_t cb[MAXW];
  int64_t min_rows = load_committed(slot, owner, cb);
  int64_t maxseq = 0;
  for (int w = 0; w < MAXW; w++)
    if (cb[w] > maxseq) maxseq = cb[w];
  ps_item_read_options ro;
  memset(&ro, 0, sizeof ro);
  ro.threads = 1 + rnd_int(&x->rng, 3);
  int64_t lo = 0, hi = SEQ_CAP;
  int vowner = slot == S_OWN ? owner : -1;
  ps_expr *filter = NULL;
  char start[40], end[40], ftext[96];
  int op = OP_READ;
  if (kind == 1) { /* filter on a writer, or a seq range, maybe projected */
    op = OP_READ_FILTER;
    if (slot != S_OWN && rnd_int(&x->rng, 2)) {
      vowner = rnd_int(&x->rng, g_procs * g_threads);
      snprintf(ftext, sizeof ftext, "writer == %d and val >= 0", vowner);
    } else {
      lo = rnd_int(&x->rng, (int)maxseq + 2);
      hi = lo + 1 + rnd_int(&x->rng, 20);
      snprintf(ftext, sizeof ftext, "seq >= %" PRId64 " and seq < %" PRId64, lo, hi);
    }
    if (ps_expr_parse(ftext, &filter) != PS_OK) {
      fail(x, "ps_expr_parse(%s): %s", ftext, ps_errmsg());
      return;
    }
    ro.filter = filter;
    if (rnd_int(&x->rng, 2)) {
      ro.columns = proj_cols;
      ro.num_columns = 4;
    }
    snprintf(x->ctx, sizeof x->ctx, "read %s where %s", item, ftext);
  } else if (kind == 2) { /* start/end on batch boundaries */
    op = OP_READ_RANGE;
    lo = rnd_int(&x->rng, (int)maxseq + 2);
    hi = lo + 1 + rnd_int(&x->rng, 30);
    iso(idx_of(lo, 0, 0), start, sizeof start);
    iso(idx_of(hi, 0, 0) - MIN_NS, end, sizeof end);
    ro.start = start;
    ro.end = end;
    if (rnd_int(&x->rng, 2)) {
      ro.columns = proj_cols;
      ro.num_columns = 4;
    }
    snprintf(x->ctx, sizeof x->ctx, "read %s from %s to %s", item, start, end);
  } else {
    snprintf(x->ctx, sizeof x->ctx, "read %s", item);
  }
  ps_frame *f = NULL;
  int64_t t0 = now_ns();
  op_begin(x, op);
  int rc = ps_item_read(x->c, item, &ro, &f);
  op_end(x, op, t0);
  ps_expr_free(filter);
  if (rc != PS_OK) {
    if (!tolerate_missing(x, rc, cb)) fail(x, "ps_item_read: %s: %s", ps_status_name(rc), ps_errmsg());
    x->ctx[0] = 0;
    return;
  }
  if (check_frame(x, f, slot, vowner, lo, hi, cb, 0) == 0 && kind == 0) {
    if (ps_frame_num_rows(f) < min_rows) fail(x, "%" PRId64 " rows < %" PRId64 " committed before", ps_frame_num_rows(f), min_rows);
    note_rows(x, slot, owner, ps_frame_num_rows(f), "read");
  }
  ps_frame_free(f);
  x->ctx[0] = 0;
}

static void do_chunks(wctx *x) {
  int slot, owner;
  pick_item(x, &slot, &owner);
  char item[32], start[40], end[40];
  item_name(slot, owner, item, sizeof item);
  int64_t cb[MAXW];
  int64_t min_rows = load_committed(slot, owner, cb);
  int64_t maxseq = 0;
  for (int w = 0; w < MAXW; w++)
    if (cb[w] > maxseq) maxseq = cb[w];
  ps_chunk_options co;
  memset(&co, 0, sizeof co);
  co.chunk_rows = 1 + rnd_int(&x->rng, 700);
  co.threads = 1 + rnd_int(&x->rng, 2);
  int64_t lo = 0, hi = SEQ_CAP;
  if (rnd_int(&x->rng, 2)) {
    lo = rnd_int(&x->rng, (int)maxseq + 2);
    hi = lo + 1 + rnd_int(&x->rng, 40);
    iso(idx_of(lo, 0, 0), start, sizeof start);
    iso(idx_of(hi, 0, 0) - MIN_NS, end, sizeof end);
    co.start = start;
    co.end = end;
  }
  if (rnd_int(&x->rng, 2)) {
    co.columns = proj_cols;
    co.num_columns = 4;
  }
  snprintf(x->ctx, sizeof x->ctx, "chunked read %s (chunk_rows %" PRId64 ", seqs %" PRId64 "..%" PRId64 ")", item, co.chunk_rows,
           lo, hi);
  int64_t t0 = now_ns();
  op_begin(x, OP_CHUNKS);
  ps_chunk_reader *r = NULL;
  int rc = ps_item_chunks_open(x->c, item, &co, &r);
  if (rc != PS_OK) {
    op_end(x, OP_CHUNKS, t0);
    if (!tolerate_missing(x, rc, cb)) fail(x, "ps_item_chunks_open: %s: %s", ps_status_name(rc), ps_errmsg());
    x->ctx[0] = 0;
    return;
  }
  vacc_begin(&x->v, slot, slot == S_OWN ? owner : -1, lo, hi, 0);
  int bad = 0, short_seen = 0;
  for (;;) {
    ps_frame *f = NULL;
    rc = ps_chunk_reader_next(r, &f);
    if (rc != PS_OK) {
      fail(x, "ps_chunk_reader_next: %s: %s", ps_status_name(rc), ps_errmsg());
      bad = 1;
      break;
    }
    if (!f) break;
    int64_t n = ps_frame_num_rows(f);
    if (n == 0 || n > co.chunk_rows || short_seen) {
      fail(x, "chunk of %" PRId64 " rows (chunk_rows %" PRId64 ")%s", n, co.chunk_rows, short_seen ? " after a short chunk" : "");
      bad = 1;
    }
    if (n < co.chunk_rows) short_seen = 1;
    if (!bad && vacc_add(x, &x->v, f) < 0) bad = 1;
    atomic_fetch_add(&g->rows_read, n);
    ps_frame_free(f);
    if (bad) break;
  }
  int64_t rows = x->v.rows;
  if (!bad && ps_chunk_reader_rows(r) != rows) {
    fail(x, "ps_chunk_reader_rows %" PRId64 " != %" PRId64, ps_chunk_reader_rows(r), rows);
    bad = 1;
  }
  ps_chunk_reader_close(r);
  op_end(x, OP_CHUNKS, t0);
  if (bad) {
    vacc_clear(&x->v);
  } else if (vacc_finish(x, &x->v, cb, 0) == 0 && lo == 0 && hi == SEQ_CAP) {
    if (rows < min_rows) fail(x, "%" PRId64 " rows < %" PRId64 " committed before", rows, min_rows);
    note_rows(x, slot, owner, rows, "chunked read");
  }
  x->ctx[0] = 0;
}

static void do_head_tail(wctx *x, int tail) {
  int slot, owner;
  pick_item(x, &slot, &owner);
  char item[32];
  item_name(slot, owner, item, sizeof item);
  int64_t cb[MAXW];
  int64_t min_rows = load_committed(slot, owner, cb);
  int64_t n = 1 + rnd_int(&x->rng, 100);
  snprintf(x->ctx, sizeof x->ctx, "%s %" PRId64 " of %s", tail ? "tail" : "head", n, item);
  ps_frame *f = NULL;
  int op = tail ? OP_TAIL : OP_HEAD;
  int64_t t0 = now_ns();
  op_begin(x, op);
  int rc = tail ? ps_item_tail(x->c, item, n, NULL, &f) : ps_item_head(x->c, item, n, NULL, &f);
  op_end(x, op, t0);
  if (rc != PS_OK) {
    if (!tolerate_missing(x, rc, cb)) fail(x, "%s: %s: %s", tail ? "ps_item_tail" : "ps_item_head", ps_status_name(rc), ps_errmsg());
    x->ctx[0] = 0;
    return;
  }
  int64_t got = ps_frame_num_rows(f);
  if (got > n || (min_rows >= n && got != n) || (got < n && got < min_rows)) {
    fail(x, "%" PRId64 " rows (asked %" PRId64 ", %" PRId64 " committed before)", got, n, min_rows);
  } else {
    vacc_begin(&x->v, slot, slot == S_OWN ? owner : -1, 0, SEQ_CAP, 1);
    vacc_add(x, &x->v, f);
    vacc_clear(&x->v);
    /* head: the first batches of every writer are committed first; tail: the
     * highest index must be at least the highest committed one */
    if (tail && got > 0) {
      int64_t top = 0;
      for (int w = 0; w < MAXW; w++)
        if (cb[w] > 0) {
          int64_t t = idx_of(cb[w] - 1, nrows_of(slot, w, cb[w] - 1) - 1, w);
          if (t > top) top = t;
        }
      const int64_t *ts = ps_column_values(ps_frame_column(f, ps_frame_index(f)));
      if (ts[got - 1] < top) fail(x, "tail ends at %" PRId64 " before the last committed row %" PRId64, ts[got - 1], top);
    }
    atomic_fetch_add(&g->rows_read, got);
  }
  ps_frame_free(f);
  x->ctx[0] = 0;
}

static void do_info(wctx *x, int cached) {
  int slot, owner;
  pick_item(x, &slot, &owner);
  char item[32];
  item_name(slot, owner, item, sizeof item);
  int64_t cb[MAXW];
  int64_t min_rows = load_committed(slot, owner, cb);
  snprintf(x->ctx, sizeof x->ctx, "%s of %s", cached ? "ps_cached_item_info" : "ps_item_info_get", item);
  ps_item_info info;
  int op = cached ? OP_INFO_CACHED : OP_INFO;
  int64_t t0 = now_ns();
  op_begin(x, op);
  int rc = cached ? ps_cached_item_info(x->c, item, &info) : ps_item_info_get(x->c, item, NULL, &info);
  op_end(x, op, t0);
  if (rc != PS_OK) {
    if (!tolerate_missing(x, rc, cb)) fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
  } else if (info.num_rows < min_rows) {
    fail(x, "num_rows %" PRId64 " < %" PRId64 " rows committed before the call (stale)", info.num_rows, min_rows);
  } else if (!info.has_manifest || info.num_parts < 1 || info.version < 1) {
    fail(x, "odd info: parts %" PRId64 " version %" PRId64 " manifest %d", info.num_parts, info.version, info.has_manifest);
  } else {
    note_rows(x, slot, owner, info.num_rows, "info");
  }
  x->ctx[0] = 0;
}

static void do_parts(wctx *x) {
  int slot, owner;
  pick_item(x, &slot, &owner);
  char item[32];
  item_name(slot, owner, item, sizeof item);
  int64_t cb[MAXW];
  int64_t min_rows = load_committed(slot, owner, cb);
  snprintf(x->ctx, sizeof x->ctx, "ps_item_parts of %s", item);
  ps_part_info *p = NULL;
  int64_t n = 0;
  int64_t t0 = now_ns();
  op_begin(x, OP_PARTS);
  int rc = ps_item_parts(x->c, item, &p, &n);
  op_end(x, OP_PARTS, t0);
  if (rc != PS_OK) {
    if (!tolerate_missing(x, rc, cb)) fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
    x->ctx[0] = 0;
    return;
  }
  int64_t rows = 0;
  for (int64_t k = 0; k < n; k++) {
    rows += p[k].rows;
    if (p[k].rows <= 0 || !p[k].file || strncmp(p[k].file, "part.", 5) != 0 || !p[k].min || !p[k].max ||
        strcmp(p[k].min, p[k].max) > 0 || (k > 0 && strcmp(p[k - 1].max, p[k].min) >= 0)) {
      fail(x, "part %" PRId64 " (%s, %" PRId64 " rows, %s .. %s) is not a valid, ordered, disjoint part", k,
           p[k].file ? p[k].file : "?", p[k].rows, p[k].min ? p[k].min : "?", p[k].max ? p[k].max : "?");
      break;
    }
  }
  if (rows < min_rows) fail(x, "parts hold %" PRId64 " rows < %" PRId64 " committed before", rows, min_rows);
  ps_part_info_free(p, n);
  x->ctx[0] = 0;
}

static void do_meta(wctx *x, int cached) {
  int tot = g_procs * g_threads, w = rnd_int(&x->rng, tot);
  char item[32];
  item_name(S_OWN, w, item, sizeof item);
  int64_t cb[MAXW];
  load_committed(S_OWN, w, cb);
  int64_t mv = atomic_load(&g->meta_v[w]);
  snprintf(x->ctx, sizeof x->ctx, "%s of %s", cached ? "ps_cached_item_metadata" : "ps_item_metadata", item);
  char *js = NULL;
  int op = cached ? OP_META_CACHED : OP_META;
  int64_t t0 = now_ns();
  op_begin(x, op);
  int rc = cached ? ps_cached_item_metadata(x->c, item, &js) : ps_item_metadata(x->c, item, NULL, &js);
  op_end(x, op, t0);
  if (rc != PS_OK) {
    if (!tolerate_missing(x, rc, cb)) fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
    x->ctx[0] = 0;
    return;
  }
  json_error_t je;
  json_t *j = json_loads(js, 0, &je);
  if (!j || !json_is_object(j)) {
    fail(x, "metadata is not a JSON object: %s", js);
  } else {
    json_t *v = json_object_get(j, "v"), *wj = json_object_get(j, "writer");
    int64_t got = v ? json_integer_value(v) : 0;
    if (!json_object_get(j, "_updated") && sum(cb) > 0) fail(x, "metadata lacks _updated: %s", js);
    else if (got < mv) fail(x, "metadata v=%" PRId64 " but v=%" PRId64 " was set before the call (stale): %s", got, mv, js);
    else if (got < x->last_meta_v[w]) fail(x, "metadata v went down from %" PRId64 " to %" PRId64, x->last_meta_v[w], got);
    else if (v && (!wj || json_integer_value(wj) != w)) fail(x, "metadata of the wrong writer: %s", js);
    else x->last_meta_v[w] = got;
  }
  json_decref(j);
  ps_free(js);
  x->ctx[0] = 0;
}

static void do_list(wctx *x, int cached) {
  int64_t before[NSLOT][MAXW];
  for (int s = 0; s < NSLOT; s++)
    for (int w = 0; w < MAXW; w++) before[s][w] = atomic_load(&g->committed[s][w]);
  int ow = atomic_load(&g->ow_written);
  snprintf(x->ctx, sizeof x->ctx, "%s", cached ? "ps_cached_list_items" : "ps_collection_list_items");
  char **names = NULL;
  int op = cached ? OP_LIST_CACHED : OP_LIST;
  int64_t t0 = now_ns();
  op_begin(x, op);
  int rc = cached ? ps_cached_list_items(x->c, &names) : ps_collection_list_items(x->c, NULL, &names);
  op_end(x, op, t0);
  if (rc != PS_OK) {
    fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
    x->ctx[0] = 0;
    return;
  }
  int have_shared = 0, have_monthly = 0, have_ow = 0;
  char seen_own[MAXW] = {0};
  for (size_t i = 0; names[i]; i++) {
    const char *n = names[i];
    if (n[0] == '.' || strncmp(n, "__", 2) == 0 || strcmp(n, "_snapshots") == 0) {
      fail(x, "hidden or temporary name '%s' listed", n);
      break;
    }
    if (!strcmp(n, "shared")) have_shared = 1;
    else if (!strcmp(n, "monthly")) have_monthly = 1;
    else if (!strcmp(n, "ow")) have_ow = 1;
    else if (!strncmp(n, "own", 3)) {
      int w = atoi(n + 3);
      if (w >= 0 && w < MAXW) seen_own[w] = 1;
    }
  }
  int64_t ss = 0, sm = 0;
  for (int w = 0; w < MAXW; w++) {
    ss += before[S_SHARED][w];
    sm += before[S_MONTHLY][w];
    if (before[S_OWN][w] > 0 && !seen_own[w]) fail(x, "item own%d (committed) not listed", w);
  }
  if ((ss && !have_shared) || (sm && !have_monthly) || (ow && !have_ow))
    fail(x, "a committed item is not listed (shared %d/%d, monthly %d/%d, ow %d/%d)", (int)!!ss, have_shared, (int)!!sm,
         have_monthly, ow, have_ow);
  ps_names_free(names);
  x->ctx[0] = 0;
}

static void do_batch_read(wctx *x) {
  int tot = g_procs * g_threads, w = rnd_int(&x->rng, tot);
  ps_batch_read_item it[3];
  memset(it, 0, sizeof it);
  char own[32];
  item_name(S_OWN, w, own, sizeof own);
  int slots[3] = {S_SHARED, S_MONTHLY, S_OWN};
  int64_t cb[3][MAXW];
  for (int i = 0; i < 3; i++) load_committed(slots[i], w, cb[i]);
  it[0].item = "shared";
  it[1].item = "monthly";
  it[2].item = own;
  for (int i = 0; i < 3; i++) it[i].options.threads = 1 + rnd_int(&x->rng, 2);
  ps_batch_options bo;
  memset(&bo, 0, sizeof bo);
  bo.threads = 2 + rnd_int(&x->rng, 2);
  snprintf(x->ctx, sizeof x->ctx, "ps_read_batch(shared, monthly, %s)", own);
  int64_t t0 = now_ns();
  op_begin(x, OP_BATCH_READ);
  (void)ps_read_batch(x->c, it, 3, &bo);
  op_end(x, OP_BATCH_READ, t0);
  for (int i = 0; i < 3 && !stopping(); i++) {
    if (it[i].status != PS_OK) {
      if (!tolerate_missing(x, it[i].status, cb[i]))
        fail(x, "item %s: %s: %s", it[i].item, ps_status_name(it[i].status), it[i].errmsg ? it[i].errmsg : "");
      continue;
    }
    if (!it[i].metadata_json || it[i].metadata_json[0] != '{') fail(x, "item %s: no metadata", it[i].item);
    if (check_frame(x, it[i].frame, slots[i], slots[i] == S_OWN ? w : -1, 0, SEQ_CAP, cb[i], 0) == 0)
      note_rows(x, slots[i], w, ps_frame_num_rows(it[i].frame), "batch read");
  }
  ps_batch_read_clear(it, 3);
  x->ctx[0] = 0;
}

/* read the shared item (or an own item) from someone's snapshot: it may vanish */
static void do_snap_read_other(wctx *x) {
  char **names = NULL;
  snprintf(x->ctx, sizeof x->ctx, "ps_snapshot_list");
  int64_t t0 = now_ns();
  op_begin(x, OP_SNAP_LIST);
  int rc = ps_snapshot_list(x->c, &names);
  op_end(x, OP_SNAP_LIST, t0);
  if (rc != PS_OK) {
    fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
    return;
  }
  size_t n = 0;
  while (names[n]) n++;
  for (size_t i = 0; i < n; i++)
    if (names[i][0] == '.') fail(x, "temporary snapshot '%s' listed", names[i]);
  if (n > 0 && !stopping()) {
    const char *snap = names[rnd_int(&x->rng, (int)n)];
    int slot = rnd_int(&x->rng, 2) ? S_SHARED : S_MONTHLY;
    char item[32];
    item_name(slot, 0, item, sizeof item);
    snprintf(x->ctx, sizeof x->ctx, "read %s @%s", item, snap);
    ps_item_read_options ro;
    memset(&ro, 0, sizeof ro);
    ro.snapshot = snap;
    ps_frame *f = NULL;
    t0 = now_ns();
    op_begin(x, OP_SNAP_READ);
    rc = ps_item_read(x->c, item, &ro, &f);
    op_end(x, OP_SNAP_READ, t0);
    if (rc == PS_OK) check_frame(x, f, slot, -1, 0, SEQ_CAP, NULL, 0);
    else if (rc == PS_ERR_NOT_FOUND) atomic_fetch_add(&g->not_found_tolerated, 1); /* deleted meanwhile / not in it */
    else fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
    ps_frame_free(f);
  }
  ps_names_free(names);
  x->ctx[0] = 0;
}

/* ---- maintenance ---- */

static int list_has(ps_collection *c, const char *name, int *has) {
  char **names;
  int rc = ps_snapshot_list(c, &names);
  if (rc != PS_OK) return rc;
  *has = 0;
  for (size_t i = 0; names[i]; i++)
    if (!strcmp(names[i], name)) *has = 1;
  ps_names_free(names);
  return PS_OK;
}

static void do_snapshot(wctx *x) {
  char name[64];
  snprintf(name, sizeof name, "snap_%d_%" PRId64, x->wid, x->snap_counter++);
  int64_t cb[NSLOT][MAXW];
  int tot = g_procs * g_threads, ow = rnd_int(&x->rng, tot);
  load_committed(S_SHARED, -1, cb[S_SHARED]);
  load_committed(S_MONTHLY, -1, cb[S_MONTHLY]);
  load_committed(S_OWN, ow, cb[S_OWN]);
  load_committed(S_VOL, ow, cb[S_VOL]);
  snprintf(x->ctx, sizeof x->ctx, "snapshot %s", name);
  char *used = NULL;
  int64_t t0 = now_ns();
  op_begin(x, OP_SNAP_CREATE);
  int rc = ps_snapshot_create(x->c, name, &used);
  for (int tries = 0; rc == PS_ERR_LOCKED && tries < 5 && !stopping(); tries++) { /* a lock timeout: nothing published */
    atomic_fetch_add(&g->lock_timeouts, 1);
    rc = ps_snapshot_create(x->c, name, &used);
  }
  op_end(x, OP_SNAP_CREATE, t0);
  if (rc == PS_ERR_LOCKED) {
    atomic_fetch_add(&g->lock_timeouts, 1);
    x->ctx[0] = 0;
    return;
  }
  if (rc != PS_OK || !used || strcmp(used, name) != 0) {
    fail(x, "ps_snapshot_create: %s: %s", ps_status_name(rc), ps_errmsg());
    ps_free(used);
    return;
  }
  ps_free(used);
  atomic_fetch_add(&g->snaps_created, 1);
  snprintf(x->snaps[x->nsnaps++], sizeof x->snaps[0], "%s", name);
  int has = 0;
  t0 = now_ns();
  op_begin(x, OP_SNAP_LIST);
  rc = list_has(x->c, name, &has);
  op_end(x, OP_SNAP_LIST, t0);
  if (rc != PS_OK || !has) {
    fail(x, "snapshot not listed after creation (%s)", rc ? ps_errmsg() : "absent");
    return;
  }
  /* every item in it is a whole committed version, at least as new as before the call */
  for (int slot = 0; slot < NSLOT && !stopping(); slot++) {
    char item[32];
    item_name(slot, ow, item, sizeof item);
    snprintf(x->ctx, sizeof x->ctx, "read %s @%s", item, name);
    ps_item_read_options ro;
    memset(&ro, 0, sizeof ro);
    ro.snapshot = name;
    ps_frame *f = NULL;
    t0 = now_ns();
    op_begin(x, OP_SNAP_READ);
    rc = ps_item_read(x->c, item, &ro, &f);
    op_end(x, OP_SNAP_READ, t0);
    if (rc != PS_OK) {
      if (!tolerate_missing(x, rc, cb[slot])) fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
      continue;
    }
    check_frame(x, f, slot, slot == S_OWN ? ow : -1, 0, SEQ_CAP, cb[slot], 0);
    ps_frame_free(f);
  }
  if (x->nsnaps > KEEP_SNAPS) {
    snprintf(x->ctx, sizeof x->ctx, "delete snapshot %s", x->snaps[0]);
    t0 = now_ns();
    op_begin(x, OP_SNAP_DELETE);
    while ((rc = ps_snapshot_delete(x->c, x->snaps[0])) == PS_ERR_LOCKED) /* snapshot creations hold _snapshots/.lock */
      atomic_fetch_add(&g->lock_timeouts, 1);
    op_end(x, OP_SNAP_DELETE, t0);
    if (rc != PS_OK) {
      fail(x, "ps_snapshot_delete: %s: %s", ps_status_name(rc), ps_errmsg());
      return;
    }
    atomic_fetch_add(&g->snaps_deleted, 1);
    if (list_has(x->c, x->snaps[0], &has) != PS_OK || has) {
      fail(x, "snapshot still listed after deletion");
      return;
    }
    memmove(x->snaps[0], x->snaps[1], sizeof x->snaps[0] * (size_t)(x->nsnaps - 1));
    x->nsnaps--;
  }
  x->ctx[0] = 0;
}

static void do_rebalance_compact(wctx *x, int compact) {
  int slot, owner;
  pick_item(x, &slot, &owner);
  char item[32];
  item_name(slot, owner, item, sizeof item);
  int64_t cb[MAXW];
  load_committed(slot, owner, cb);
  int64_t parts = 0;
  int rc, op = compact ? OP_COMPACT : OP_REBALANCE;
  int64_t t0 = now_ns();
  if (compact) {
    int64_t pr = 128 << rnd_int(&x->rng, 4);
    snprintf(x->ctx, sizeof x->ctx, "compact %s (part_rows %" PRId64 ")", item, pr);
    op_begin(x, op);
    rc = ps_item_compact(x->c, item, pr, &parts);
  } else {
    ps_partition_options po;
    memset(&po, 0, sizeof po);
    if (slot == S_MONTHLY) {
      po.strategy = rnd_int(&x->rng, 3) ? PS_PARTITION_MONTHLY : PS_PARTITION_QUARTERLY;
    } else {
      po.strategy = rnd_int(&x->rng, 4) ? PS_PARTITION_SIZE : PS_PARTITION_AUTO;
      po.target_bytes = (int64_t)16384 << rnd_int(&x->rng, 5);
    }
    snprintf(x->ctx, sizeof x->ctx, "rebalance %s (%s, %" PRId64 " bytes)", item, ps_partition_strategy_name(po.strategy),
             po.target_bytes);
    op_begin(x, op);
    rc = ps_item_rebalance(x->c, item, &po, &parts);
  }
  op_end(x, op, t0);
  if (rc == PS_ERR_LOCKED) atomic_fetch_add(&g->lock_timeouts, 1);
  else if (rc != PS_OK && !tolerate_missing(x, rc, cb)) fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
  x->ctx[0] = 0;
}

static void do_overwrite(wctx *x) {
  int64_t v = ++x->ow_version;
  int n = ow_rows(x->wid, v);
  ps_frame *f = make_frame();
  for (int r = 0; f && r < n; r++) add_row(f, T0_NS + (int64_t)r * MIN_NS, x->wid, v, r, n);
  if (!f || ps_frame_validate(f)) {
    fail(x, "cannot build the frame");
    ps_frame_free(f);
    return;
  }
  ps_item_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.overwrite = 1;
  wo.part_rows = 16 + rnd_int(&x->rng, 64);
  wo.metadata = "{\"kind\": \"overwritten\"}";
  snprintf(x->ctx, sizeof x->ctx, "overwrite ow version %" PRId64, v);
  int64_t t0 = now_ns();
  op_begin(x, OP_OVERWRITE);
  int rc = ps_item_write(x->c, "ow", f, &wo);
  op_end(x, OP_OVERWRITE, t0);
  ps_frame_free(f);
  if (rc == PS_ERR_LOCKED) atomic_fetch_add(&g->lock_timeouts, 1);
  else if (rc != PS_OK) fail(x, "ps_item_write: %s: %s", ps_status_name(rc), ps_errmsg());
  else atomic_store(&g->ow_written, 1);
  x->ctx[0] = 0;
}

/* item "ow" is overwritten whole: a read must show exactly one version */
static void do_ow_read(wctx *x) {
  int written = atomic_load(&g->ow_written);
  snprintf(x->ctx, sizeof x->ctx, "read ow");
  ps_frame *f = NULL;
  int64_t t0 = now_ns();
  op_begin(x, OP_OW_READ);
  int rc = ps_item_read(x->c, "ow", NULL, &f);
  op_end(x, OP_OW_READ, t0);
  if (rc != PS_OK) {
    if (!(rc == PS_ERR_NOT_FOUND && !written)) fail(x, "%s: %s", ps_status_name(rc), ps_errmsg());
    x->ctx[0] = 0;
    return;
  }
  int64_t n = ps_frame_num_rows(f);
  const int64_t *ts = ps_column_values(ps_frame_column_by_name(f, "ts")), *wc = col_i64(f, "writer"),
                *sc = col_i64(f, "seq"), *rc2 = col_i64(f, "row"), *nc = col_i64(f, "nrows");
  if (n == 0 || !wc || !sc || !rc2 || !nc || nc[0] != n || ow_rows((int)wc[0], sc[0]) != n) {
    fail(x, "overwritten item: %" PRId64 " rows, not one whole version", n);
  } else {
    for (int64_t i = 0; i < n; i++)
      if (wc[i] != wc[0] || sc[i] != sc[0] || rc2[i] != i || ts[i] != T0_NS + i * MIN_NS) {
        fail(x, "overwritten item mixes versions at row %" PRId64 " (writer %" PRId64 " v%" PRId64 " vs writer %" PRId64 " v%" PRId64 ")",
             i, wc[i], sc[i], wc[0], sc[0]);
        break;
      }
  }
  atomic_fetch_add(&g->rows_read, n);
  ps_frame_free(f);
  x->ctx[0] = 0;
}

static void do_tmp_item(wctx *x) {
  char item[32];
  snprintf(item, sizeof item, "tmp%d", x->wid);
  int64_t v = ++x->tmp_counter;
  snprintf(x->ctx, sizeof x->ctx, "create/read/delete %s #%" PRId64, item, v);
  int n = ow_rows(x->wid + 100, v);
  ps_frame *f = make_frame();
  for (int r = 0; f && r < n; r++) add_row(f, T0_NS + (int64_t)r * MIN_NS, x->wid, v, r, n);
  if (!f || ps_frame_validate(f)) {
    fail(x, "cannot build the frame");
    ps_frame_free(f);
    return;
  }
  int64_t t0 = now_ns();
  op_begin(x, OP_TMP_ITEM);
  int rc;
  /* odd processes have a lock timeout: PS_ERR_LOCKED changes nothing, try again */
  while ((rc = ps_item_write(x->c, item, f, NULL)) == PS_ERR_LOCKED) atomic_fetch_add(&g->lock_timeouts, 1);
  ps_frame_free(f);
  ps_frame *r = NULL;
  if (rc != PS_OK) {
    fail(x, "ps_item_write: %s: %s", ps_status_name(rc), ps_errmsg());
  } else if ((rc = ps_item_read(x->c, item, NULL, &r)) != PS_OK) {
    fail(x, "ps_item_read: %s: %s", ps_status_name(rc), ps_errmsg());
  } else if (ps_frame_num_rows(r) != n) {
    fail(x, "read back %" PRId64 " rows of %d", ps_frame_num_rows(r), n);
  } else if (ps_item_exists(x->c, item) != 1) {
    fail(x, "ps_item_exists is not 1 after the write");
  } else {
    while ((rc = ps_item_delete(x->c, item)) == PS_ERR_LOCKED) atomic_fetch_add(&g->lock_timeouts, 1);
    if (rc != PS_OK) fail(x, "ps_item_delete: %s: %s", ps_status_name(rc), ps_errmsg());
    else if (ps_item_exists(x->c, item) != 0) fail(x, "item exists after ps_item_delete");
  }
  ps_frame_free(r);
  op_end(x, OP_TMP_ITEM, t0);
  x->ctx[0] = 0;
}

/* "vol": deleted, or restored from one of this worker's snapshots, while
 * writers append to it (create = 1) and readers read it. */
static void do_vol_churn(wctx *x) {
  int restore = x->nsnaps > 0 && rnd_int(&x->rng, 2);
  const char *snap = restore ? x->snaps[rnd_int(&x->rng, x->nsnaps)] : NULL;
  snprintf(x->ctx, sizeof x->ctx, restore ? "restore vol from %s" : "delete vol%s", restore ? snap : "");
  int64_t t0 = now_ns();
  op_begin(x, restore ? OP_RESTORE : OP_DELETE);
  int rc = restore ? ps_snapshot_restore(x->c, snap, "vol") : ps_item_delete(x->c, "vol");
  op_end(x, restore ? OP_RESTORE : OP_DELETE, t0);
  if (rc == PS_ERR_LOCKED) atomic_fetch_add(&g->lock_timeouts, 1);
  else if (rc == PS_ERR_NOT_FOUND) atomic_fetch_add(&g->not_found_tolerated, 1); /* not there / not in the snapshot */
  else if (rc != PS_OK) fail(x, "%s: %s: %s", restore ? "ps_snapshot_restore" : "ps_item_delete", ps_status_name(rc), ps_errmsg());
  x->ctx[0] = 0;
}

/* ps_write_batch of three private items (a new version each time, on a
 * pool), then ps_read_batch of them: exactly that version. */
static void do_write_batch(wctx *x) {
  int64_t v = ++x->tmp_counter;
  char names[3][32];
  ps_frame *fr[3] = {NULL, NULL, NULL};
  ps_batch_write_item wi[3];
  ps_batch_read_item ri[3];
  memset(wi, 0, sizeof wi);
  memset(ri, 0, sizeof ri);
  int ok = 1;
  for (int k = 0; k < 3; k++) {
    snprintf(names[k], sizeof names[k], "bw%d_%d", x->wid, k);
    int n = ow_rows(x->wid * 3 + k + 200, v);
    fr[k] = make_frame();
    for (int r = 0; fr[k] && r < n; r++) add_row(fr[k], T0_NS + (int64_t)r * MIN_NS, x->wid, v, r, n);
    if (!fr[k] || ps_frame_validate(fr[k])) ok = 0;
    wi[k].item = names[k];
    wi[k].data = fr[k];
    wi[k].metadata = "{\"kind\": \"batch\"}";
    ri[k].item = names[k];
  }
  ps_batch_options bo;
  memset(&bo, 0, sizeof bo);
  bo.threads = 2 + rnd_int(&x->rng, 2);
  bo.overwrite = 1;
  if (rnd_int(&x->rng, 2)) {
    bo.partition.strategy = PS_PARTITION_SIZE;
    bo.partition.target_bytes = 2048;
  }
  snprintf(x->ctx, sizeof x->ctx, "write/read batch bw%d_* version %" PRId64, x->wid, v);
  int64_t t0 = now_ns();
  op_begin(x, OP_WRITE_BATCH);
  int rc = ok ? ps_write_batch(x->c, wi, 3, &bo) : PS_ERR_NOMEM;
  for (int tries = 0; rc == PS_ERR_LOCKED && tries < 1000; tries++) { /* lock timeouts: all or some items again */
    atomic_fetch_add(&g->lock_timeouts, 1);
    ps_batch_write_clear(wi, 3);
    rc = ps_write_batch(x->c, wi, 3, &bo);
  }
  if (rc != PS_OK) {
    fail(x, "ps_write_batch: %s: %s (%s)", ps_status_name(rc), ps_errmsg(), wi[0].errmsg ? wi[0].errmsg : "");
  } else {
    rc = ps_read_batch(x->c, ri, 3, &bo);
    for (int k = 0; k < 3 && rc == PS_OK; k++) {
      int64_t n = ps_frame_num_rows(ri[k].frame);
      const int64_t *sc = col_i64(ri[k].frame, "seq"), *wc = col_i64(ri[k].frame, "writer");
      int good = sc && wc && n == ps_frame_num_rows(fr[k]);
      for (int64_t i = 0; good && i < n; i++) good = sc[i] == v && wc[i] == x->wid;
      if (!good) fail(x, "item %s is not version %" PRId64 " as written (%" PRId64 " rows)", names[k], v, n);
      if (!ri[k].metadata_json || !strstr(ri[k].metadata_json, "\"batch\"")) fail(x, "item %s: metadata %s", names[k], ri[k].metadata_json ? ri[k].metadata_json : "(null)");
    }
    if (rc != PS_OK) fail(x, "ps_read_batch: %s: %s", ps_status_name(rc), ps_errmsg());
  }
  op_end(x, OP_WRITE_BATCH, t0);
  ps_batch_write_clear(wi, 3);
  ps_batch_read_clear(ri, 3);
  for (int k = 0; k < 3; k++) ps_frame_free(fr[k]);
  x->ctx[0] = 0;
}

/* How long does taking an item's writer lock wait right now? (<item>/.lock,
 * the flock every writer takes; docs/store.md.) Held for no time. */
static void do_lock_probe(wctx *x) {
  const char *items[] = {"shared", "monthly"};
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/.lock", ps_collection_path(x->c), items[rnd_int(&x->rng, 2)]);
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return; /* not created yet */
  int64_t t0 = now_ns();
  op_begin(x, OP_LOCK_PROBE);
  int r;
  while ((r = flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
  }
  int64_t d = now_ns() - t0;
  if (r == 0) flock(fd, LOCK_UN);
  close(fd);
  op_end(x, OP_LOCK_PROBE, t0);
  atomic_max(&g->probe_max_ns, d);
  atomic_fetch_add(&g->probe_sum_ns, d);
  atomic_fetch_add(&g->probe_n, 1);
}

static void reader_step(wctx *x) {
  int r = rnd_int(&x->rng, 100);
  if (r < 20) do_read(x, 0);
  else if (r < 30) do_read(x, 1);
  else if (r < 40) do_read(x, 2);
  else if (r < 50) do_chunks(x);
  else if (r < 55) do_head_tail(x, 0);
  else if (r < 60) do_head_tail(x, 1);
  else if (r < 65) do_info(x, 0);
  else if (r < 72) do_info(x, 1);
  else if (r < 75) do_meta(x, 0);
  else if (r < 79) do_meta(x, 1);
  else if (r < 81) do_list(x, 0);
  else if (r < 83) do_list(x, 1);
  else if (r < 86) do_parts(x);
  else if (r < 90) do_batch_read(x);
  else if (r < 94) do_snap_read_other(x);
  else if (r < 97) do_ow_read(x);
  else do_lock_probe(x);
}

static void maint_step(wctx *x) {
  int r = rnd_int(&x->rng, 100);
  if (r < 20) do_snapshot(x);
  else if (r < 35) do_rebalance_compact(x, 0);
  else if (r < 55) do_rebalance_compact(x, 1);
  else if (r < 56) do_overwrite(x);
  else if (r < 65) do_vol_churn(x);
  else if (r < 70) do_tmp_item(x);
  else if (r < 75) do_write_batch(x);
  else if (r < 80) do_lock_probe(x);
  else reader_step(x);
}

static int open_handles(int proc, ps_store **st, ps_collection **c) {
  ps_store_options o;
  memset(&o, 0, sizeof o);
  o.base_path = g_base;
  o.no_fsync = proc != 0;                 /* process 0 commits durably (fsync), the others do not */
  o.lock_timeout_ms = proc % 2 ? 150 : 0; /* odd processes give up after 150 ms (PS_ERR_LOCKED, retried) */
  *st = NULL;
  *c = NULL;
  int rc = ps_store_open(g_store, &o, 0, st);
  if (rc == PS_OK) rc = ps_collection_open(*st, g_coll, 0, c);
  return rc;
}

static void *worker_main(void *arg) {
  wctx *x = arg;
  wslot *ws = &g->w[x->wid];
  atomic_store(&ws->pid, (int)getpid());
  atomic_store(&ws->last_ns, now_ns());
  atomic_store(&ws->started, 1);
  int rc = open_handles(x->proc, &x->st, &x->c);
  if (rc != PS_OK) {
    fail(x, "cannot open the store: %s", ps_errmsg());
  } else {
    while (!stopping()) {
      if (x->role == R_WRITER) do_append(x);
      else if (x->role == R_READER) reader_step(x);
      else maint_step(x);
    }
  }
  ps_collection_close(x->c);
  ps_store_close(x->st);
  for (int w = 0; w < MAXW; w++) free(x->v.cnt[w]);
  atomic_store(&ws->finished, 1);
  return NULL;
}

static int role_of(int wid) {
  static const int pattern[6] = {R_WRITER, R_READER, R_WRITER, R_MAINT, R_WRITER, R_READER};
  return pattern[wid % 6];
}

static void count_sink(void *user, ps_log_level level, const char *message) {
  (void)user;
  (void)level;
  if (message && *message) atomic_fetch_add(&g->log_messages, 1);
}

/* warnings are printed, except the expected ones of a lock timeout (ps_write_batch logs its failed items) */
static void quiet_sink(void *user, ps_log_level level, const char *message) {
  (void)user;
  if (strstr(message, "another writer holds the lock")) return;
  fprintf(stderr, "pystore: %s: %s\n", ps_log_level_name(level), message);
}

static void child_main(int proc) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(9);
  if (proc == g_procs - 1 && g_procs > 1) {
    /* one process logs everything (DEBUG: pruning decisions, stream steps) to a
     * counting sink, from all its threads at once */
    ps_log_set_sink(count_sink, NULL);
    ps_log_set_level(PS_LOG_DEBUG);
  } else {
    ps_log_set_sink(quiet_sink, NULL);
  }
  wctx *xs = calloc((size_t)g_threads, sizeof *xs);
  pthread_t *tids = calloc((size_t)g_threads, sizeof *tids);
  if (!xs || !tids) _exit(8);
  for (int t = 0; t < g_threads; t++) {
    wctx *x = &xs[t];
    x->wid = proc * g_threads + t;
    x->proc = proc;
    x->role = role_of(x->wid);
    x->rng = mix64(g_seed * 1000003ULL + (uint64_t)x->wid);
    if (pthread_create(&tids[t], NULL, worker_main, x) != 0) {
      fail(x, "pthread_create failed");
      _exit(7);
    }
  }
  for (int t = 0; t < g_threads; t++) pthread_join(tids[t], NULL);
  int failed = atomic_load(&g->failed);
  free(xs);
  free(tids);
  exit(failed ? 1 : 0); /* exit, not _exit: LeakSanitizer checks the child too */
}

/* ------------------------------------------------------------------ main */

static pid_t g_pids[MAXW];

static void kill_children(void) {
  for (int p = 0; p < g_procs; p++)
    if (g_pids[p] > 0) kill(g_pids[p], SIGKILL);
  for (int p = 0; p < g_procs; p++)
    if (g_pids[p] > 0) waitpid(g_pids[p], NULL, 0);
}

static void on_alarm(int sig) {
  (void)sig;
  static const char m[] = "torture_stress: FAIL: overall time limit exceeded (hang?)\n";
  if (write(2, m, sizeof m - 1) < 0) {
  }
  for (int p = 0; p < g_procs; p++)
    if (g_pids[p] > 0) kill(g_pids[p], SIGKILL);
  _exit(3);
}

static void problem(void *ctx, const char *path, int status, const char *message) {
  (void)ctx;
  fprintf(stderr, "torture_stress: ps_verify: %s: %s: %s\n", path, ps_status_name(status), message);
}

static int final_check(double secs) {
  ps_store_options o;
  memset(&o, 0, sizeof o);
  o.base_path = g_base;
  ps_store *st;
  ps_collection *c;
  wctx x;
  memset(&x, 0, sizeof x);
  x.wid = 0;
  x.role = R_READER;
  snprintf(x.ctx, sizeof x.ctx, "final check");
  if (ps_store_open(g_store, &o, 0, &st) != PS_OK || ps_collection_open(st, g_coll, 0, &c) != PS_OK) {
    fprintf(stderr, "torture_stress: FAIL: final check: cannot open the store: %s\n", ps_errmsg());
    return 1;
  }
  int bad = 0, tot = g_procs * g_threads;
  int64_t verified = 0, rows_total = 0;
  for (int slot = 0; slot < NSLOT && !bad; slot++) {
    for (int owner = 0; owner < (slot == S_OWN ? tot : 1) && !bad; owner++) {
      char item[32];
      item_name(slot, owner, item, sizeof item);
      int64_t cb[MAXW];
      int64_t rows = load_committed(slot, owner, cb);
      snprintf(x.ctx, sizeof x.ctx, "final check of %s", item);
      ps_frame *f = NULL;
      int rc = ps_item_read(c, item, NULL, &f);
      if (rc == PS_ERR_NOT_FOUND && sum(cb) == 0) continue;
      if (rc != PS_OK) {
        fail(&x, "ps_item_read: %s: %s", ps_status_name(rc), ps_errmsg());
        bad = 1;
        break;
      }
      if (check_frame(&x, f, slot, slot == S_OWN ? owner : -1, 0, SEQ_CAP, cb, 1) < 0) bad = 1;
      if (!bad && slot != S_VOL && ps_frame_num_rows(f) != rows) {
        fail(&x, "%" PRId64 " rows, %" PRId64 " committed", ps_frame_num_rows(f), rows);
        bad = 1;
      }
      ps_item_info info;
      if (!bad && slot != S_VOL && (ps_item_info_get(c, item, NULL, &info) != PS_OK || info.num_rows != rows)) {
        fail(&x, "info: %s rows %" PRId64 " != %" PRId64, ps_errmsg(), info.num_rows, rows);
        bad = 1;
      }
      verified += sum(cb);
      rows_total += rows;
      ps_frame_free(f);
    }
  }
  for (int w = 0; w < MAXW; w++) free(x.v.cnt[w]);
  ps_collection_close(c);
  ps_store_close(st);
  char spath[700];
  snprintf(spath, sizeof spath, "%s/%s", g_base, g_store);
  ps_verify_stats vs;
  memset(&vs, 0, sizeof vs);
  int64_t t0 = now_ns();
  int vrc = ps_verify(spath, problem, NULL, &vs);
  double vsecs = (double)(now_ns() - t0) / 1e9;
  if (vrc != PS_OK) {
    fprintf(stderr, "torture_stress: FAIL: ps_verify(%s): %s: %s\n", spath, ps_status_name(vrc), ps_errmsg());
    bad = 1;
  }

  static const int read_ops[] = {OP_READ,  OP_READ_FILTER, OP_READ_RANGE, OP_CHUNKS,     OP_HEAD,       OP_TAIL,
                                  OP_INFO,  OP_INFO_CACHED, OP_META,       OP_META_CACHED, OP_LIST,       OP_LIST_CACHED,
                                  OP_PARTS, OP_BATCH_READ,  OP_SNAP_READ,  OP_SNAP_LIST,   OP_OW_READ};
  int64_t reads = 0;
  for (size_t i = 0; i < sizeof read_ops / sizeof read_ops[0]; i++) reads += atomic_load(&g->n_ops[read_ops[i]]);
  printf("torture_stress: %d processes x %d threads, seed %" PRIu64 ", %.1f s of load\n", g_procs, g_threads, g_seed, secs);
  printf("  appends verified:   %" PRId64 " batches (%" PRId64 " rows in the final items; %" PRId64 " upserts of a previous batch)\n",
         verified, rows_total, atomic_load(&g->upserts));
  printf("  reads:              %" PRId64 " (%" PRId64 " rows checked)\n", reads, atomic_load(&g->rows_read));
  printf("  snapshots:          %" PRId64 " created, %" PRId64 " deleted, %" PRId64 " snapshot reads\n",
         atomic_load(&g->snaps_created), atomic_load(&g->snaps_deleted), atomic_load(&g->n_ops[OP_SNAP_READ]));
  printf("  rebalances:         %" PRId64 ", compactions: %" PRId64 ", overwrites: %" PRId64 ", create/delete: %" PRId64 "\n",
         atomic_load(&g->n_ops[OP_REBALANCE]), atomic_load(&g->n_ops[OP_COMPACT]), atomic_load(&g->n_ops[OP_OVERWRITE]),
         atomic_load(&g->n_ops[OP_TMP_ITEM]));
  printf("  vol:                %" PRId64 " appends, %" PRId64 " deletes, %" PRId64 " restores (batches checked whole)\n",
         atomic_load(&g->committed_total_vol), atomic_load(&g->n_ops[OP_DELETE]), atomic_load(&g->n_ops[OP_RESTORE]));
  printf("  streams:            %" PRId64 " stream appends, %" PRId64 " batch writes; %" PRId64 " DEBUG log lines through a sink\n",
         atomic_load(&g->n_ops[OP_STREAM]), atomic_load(&g->n_ops[OP_WRITE_BATCH]), atomic_load(&g->log_messages));
  int64_t pn = atomic_load(&g->probe_n);
  printf("  max lock wait:      %.1f ms (item lock probe, %" PRId64 " probes, mean %.2f ms); lock timeouts retried: %" PRId64 "\n",
         (double)atomic_load(&g->probe_max_ns) / 1e6, pn, pn ? (double)atomic_load(&g->probe_sum_ns) / 1e6 / (double)pn : 0.0,
         atomic_load(&g->lock_timeouts));
  printf("  ps_verify:          %s (%" PRId64 " items, %" PRId64 " files, %" PRId64 " pages, %.1f s)\n", vrc == PS_OK ? "ok" : "FAILED",
         vs.items, vs.files, vs.pages, vsecs);
  printf("  per operation (count, mean ms, max ms):\n");
  for (int op = 1; op < NOPS; op++) {
    int64_t n = atomic_load(&g->n_ops[op]);
    if (!n) continue;
    printf("    %-22s %8" PRId64 " %9.2f %9.1f\n", op_name[op], n, (double)atomic_load(&g->sum_ns[op]) / 1e6 / (double)n,
           (double)atomic_load(&g->max_ns[op]) / 1e6);
  }
  return bad;
}

static void usage(void) {
  fprintf(stderr,
          "usage: torture_stress [--quick] [--seconds S] [--seed N] [--procs P] [--threads T] [--stall S]\n"
          "                      [--dir BASE] [--keep]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *dir = NULL;
  int have_seed = 0, have_seconds = 0, have_stall = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--quick")) {
      g_quick = 1;
    } else if (!strcmp(a, "--keep")) {
      g_keep = 1;
    } else if (v && !strcmp(a, "--seconds")) {
      g_seconds = atof(v), have_seconds = 1, i++;
    } else if (v && !strcmp(a, "--seed")) {
      g_seed = strtoull(v, NULL, 0), have_seed = 1, i++;
    } else if (v && !strcmp(a, "--procs")) {
      g_procs = atoi(v), i++;
    } else if (v && !strcmp(a, "--threads")) {
      g_threads = atoi(v), i++;
    } else if (v && !strcmp(a, "--stall")) {
      g_stall = atof(v), have_stall = 1, i++;
    } else if (v && !strcmp(a, "--dir")) {
      dir = v, i++;
    } else {
      usage();
    }
  }
  if (!have_seconds) g_seconds = g_quick ? 4 : 30;
  if (!have_stall) g_stall = g_quick ? 30 : 60;
  if (g_procs < 1 || g_threads < 1 || g_procs * g_threads > MAXW || g_seconds <= 0 || g_stall <= 0) usage();
  if (!have_seed) g_seed = (uint64_t)time(NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);

  snprintf(g_base, sizeof g_base, "%s/pystore-stress-%ld-XXXXXX", dir ? dir : "/tmp", (long)getpid());
  if (!mkdtemp(g_base)) {
    perror("mkdtemp");
    return 2;
  }
  g = mmap(NULL, sizeof *g, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (g == MAP_FAILED) {
    perror("mmap");
    return 2;
  }
  memset(g, 0, sizeof *g);
  ps_cache_set_ttl(300); /* the cache is on (the default), whatever the environment says */
  {
    ps_store_options o;
    memset(&o, 0, sizeof o);
    o.base_path = g_base;
    ps_store *st;
    ps_collection *c;
    if (ps_store_open(g_store, &o, 1, &st) != PS_OK || ps_collection_open(st, g_coll, 1, &c) != PS_OK) {
      fprintf(stderr, "torture_stress: cannot create the store in %s: %s\n", g_base, ps_errmsg());
      return 2;
    }
    ps_collection_close(c);
    ps_store_close(st);
  }
  printf("torture_stress: %s, %d processes x %d threads, %.0f s, seed %" PRIu64 ", stall limit %.0f s\n", g_base, g_procs,
         g_threads, g_seconds, g_seed, g_stall);
  for (int w = 0; w < g_procs * g_threads; w++) {
    g->w[w].role = role_of(w);
    g->w[w].proc = w / g_threads;
  }
  signal(SIGALRM, on_alarm);
  alarm((unsigned)(g_seconds + 3 * g_stall + 600));
  int64_t start = now_ns();
  for (int p = 0; p < g_procs; p++) {
    fflush(NULL);
    g_pids[p] = fork();
    if (g_pids[p] < 0) {
      perror("fork");
      atomic_store(&g->stop, 1);
      kill_children();
      return 2;
    }
    if (g_pids[p] == 0) child_main(p);
  }
  int alive = g_procs, bad = 0;
  int64_t deadline = start + (int64_t)(g_seconds * 1e9);
  while (alive > 0) {
    struct timespec ts = {0, 100 * 1000000};
    nanosleep(&ts, NULL);
    int64_t t = now_ns();
    if (t >= deadline) atomic_store(&g->stop, 1);
    for (int p = 0; p < g_procs; p++) {
      int status;
      if (g_pids[p] <= 0) continue;
      pid_t r = waitpid(g_pids[p], &status, WNOHANG);
      if (r != g_pids[p]) continue;
      g_pids[p] = 0;
      alive--;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFSIGNALED(status))
          fprintf(stderr, "torture_stress: FAIL: process %d died of signal %d\n", p, WTERMSIG(status));
        else
          fprintf(stderr, "torture_stress: FAIL: process %d exited with status %d%s\n", p, WEXITSTATUS(status),
                  WEXITSTATUS(status) == 66 ? " (sanitizer report above)" : "");
        bad = 1;
        atomic_store(&g->stop, 1);
      }
    }
    /* watchdog: every started, unfinished worker must make progress */
    for (int w = 0; w < g_procs * g_threads && !bad; w++) {
      wslot *s = &g->w[w];
      if (!atomic_load(&s->started) || atomic_load(&s->finished)) continue;
      double idle = (double)(t - atomic_load(&s->last_ns)) / 1e9;
      if (idle > g_stall) {
        int op = atomic_load(&s->op);
        fprintf(stderr,
                "torture_stress: FAIL: watchdog: worker %d (%s, process %d, pid %d) made no progress for %.0f s; "
                "current operation: %s (for %.1f s)\n",
                w, role_name[s->role], s->proc, atomic_load(&s->pid), idle, op_name[op],
                op ? (double)(t - atomic_load(&s->op_since_ns)) / 1e9 : 0.0);
        bad = 1;
      }
    }
    if (bad) {
      atomic_store(&g->stop, 1);
      kill_children();
      break;
    }
  }
  double secs = (double)(now_ns() - start) / 1e9;
  if (atomic_load(&g->failed)) {
    fprintf(stderr, "torture_stress: FAIL: %s\n", g->failmsg);
    bad = 1;
  }
  if (!bad) bad = final_check(secs);
  alarm(0);
  if (bad) {
    fprintf(stderr, "torture_stress: FAILED (seed %" PRIu64 "; store kept in %s)\n", g_seed, g_base);
    return 1;
  }
  if (!g_keep) {
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_base);
    if (system(cmd) != 0) fprintf(stderr, "torture_stress: warning: cannot remove %s\n", g_base);
  }
  printf("torture_stress: OK\n");
  return 0;
}
