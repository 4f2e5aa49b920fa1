/* Crash-consistency torture: a child process runs store operations in a
 * loop and is killed with SIGKILL at random moments; after every kill the
 * parent checks the store against a model of what was committed.
 *
 *   torture_crash --quick            CI: ~300 cycles (capped at 25 s)
 *   torture_crash --cycles N         N kill cycles
 *   torture_crash --seconds S        run for S seconds
 *   torture_crash --seed N           reproduce an operation/data sequence
 *   torture_crash --keep             keep the store directory on failure
 *
 * Operations (on one collection): item write (create of N1..N4, overwrite of
 * A or an N item), append after the stored range (A), overlapping append
 * (A: inserts into the range and upserts, so parts are rewritten),
 * ps_item_append_stream (A: in-order "direct" streams and out-of-order
 * "spill" streams), snapshot create/restore/delete, ps_item_rebalance (A),
 * ps_item_compact (A) and item delete (N items).
 *
 * Protocol: before an operation the child sends a BEGIN record that fully
 * describes it (kind, target, batch id, data seed, argument); after the call
 * RETURNS success it sends an ACK. Rows are generated deterministically from
 * the record and the model, so the parent replays every acknowledged
 * operation on its own model. Each operation's rows carry its batch id (the
 * `batch` column) and values derived from (batch, index), so every row says
 * which commit wrote it.
 *
 * After each kill the parent checks: every item reads and equals the model
 * of the acknowledged commits, or that model plus the one in-flight
 * operation (never a part of it, never a mix of old and new versions), with
 * the user metadata of the same version; the listed items and snapshots are
 * exactly the model's (+ in flight); every listed snapshot reads back, item
 * by item, as the store was when it was taken; ps_verify() passes on the
 * whole store; and leftovers of crashed commits (temporary files, unlisted
 * parts, hidden temporary directories) are gone once an operation that is
 * documented to clean that directory has been acknowledged after them.
 * The next child continues on the crashed store (recovery by the next
 * writer is part of the test). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pystore.h"

/* ---- small helpers ---- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t rnext(rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int64_t rbelow(rng *r, int64_t n) { return n > 0 ? (int64_t)(rnext(r) % (uint64_t)n) : 0; }

static void *xcalloc(size_t n, size_t k) {
  void *p = calloc(n ? n : 1, k ? k : 1);
  if (!p) {
    fprintf(stderr, "torture_crash: out of memory\n");
    exit(2);
  }
  return p;
}

/* ---- the model ---- */

#define NITEMS 5     /* 0 = "A" (appended to), 1..4 = "N1".."N4" */
#define NSNAP 3      /* snapshot slots */
#define MAXIDX 32768 /* index positions (hours after T0) */
#define MAXROWS 1200 /* rows of one operation */
#define A_LIMIT_IDX 20000
#define A_LIMIT_ROWS 4000
#define T0_NS (1704067200LL * 1000000000LL) /* 2024-01-01 */
#define HOUR_NS (3600LL * 1000000000LL)

static const char *const ITEM_NAMES[NITEMS] = {"A", "N1", "N2", "N3", "N4"};

typedef struct item_m {
  int exists;
  int32_t *cell; /* cell[idx] = batch that wrote the row at index idx; 0 = none */
  int64_t count;
  int64_t meta; /* user metadata {"gen": meta} */
} item_m;

typedef struct snap_m {
  int exists;
  int64_t id; /* name "s<id>" */
  item_m it[NITEMS];
} snap_m;

typedef struct model {
  item_m it[NITEMS];
  snap_m sn[NSNAP];
  int64_t next_batch;
} model;

static void im_free(item_m *m) {
  free(m->cell);
  memset(m, 0, sizeof *m);
}

static void im_reset(item_m *m) {
  if (!m->cell) m->cell = xcalloc(MAXIDX, sizeof *m->cell);
  memset(m->cell, 0, MAXIDX * sizeof *m->cell);
  m->count = 0;
}

static void im_copy(item_m *d, const item_m *s) {
  d->exists = s->exists;
  d->count = s->count;
  d->meta = s->meta;
  if (!s->cell) {
    free(d->cell);
    d->cell = NULL;
    return;
  }
  if (!d->cell) d->cell = xcalloc(MAXIDX, sizeof *d->cell);
  memcpy(d->cell, s->cell, MAXIDX * sizeof *d->cell);
}

static void im_set(item_m *m, int64_t idx, int32_t b) {
  if (idx < 0 || idx >= MAXIDX) {
    fprintf(stderr, "torture_crash: index %lld out of the model's range\n", (long long)idx);
    exit(2);
  }
  if (!m->cell) im_reset(m);
  if (!m->cell[idx]) m->count++;
  m->cell[idx] = b;
}

static int64_t im_min(const item_m *m) {
  for (int64_t i = 0; m->cell && i < MAXIDX; i++)
    if (m->cell[i]) return i;
  return -1;
}

static int64_t im_max(const item_m *m) {
  for (int64_t i = MAXIDX - 1; m->cell && i >= 0; i--)
    if (m->cell[i]) return i;
  return -1;
}

static void model_copy(model *d, const model *s) {
  for (int i = 0; i < NITEMS; i++) im_copy(&d->it[i], &s->it[i]);
  for (int k = 0; k < NSNAP; k++) {
    d->sn[k].exists = s->sn[k].exists;
    d->sn[k].id = s->sn[k].id;
    for (int i = 0; i < NITEMS; i++) im_copy(&d->sn[k].it[i], &s->sn[k].it[i]);
  }
  d->next_batch = s->next_batch;
}

static void model_free(model *m) {
  for (int i = 0; i < NITEMS; i++) im_free(&m->it[i]);
  for (int k = 0; k < NSNAP; k++)
    for (int i = 0; i < NITEMS; i++) im_free(&m->sn[k].it[i]);
}

/* ---- operations ---- */

enum {
  OP_WRITE_CREATE,
  OP_WRITE_OVERWRITE,
  OP_APPEND_AFTER,
  OP_APPEND_OVERLAP,
  OP_APPEND_STREAM,
  OP_SNAP_CREATE,
  OP_SNAP_RESTORE,
  OP_REBALANCE,
  OP_COMPACT,
  OP_DELETE,
  OP_SNAP_DELETE,
  NOPS
};

static const char *const OP_NAMES[NOPS] = {"write_create", "write_overwrite", "append_after", "append_overlap",
                                           "append_stream", "snapshot_create", "snapshot_restore", "rebalance",
                                           "compact", "delete", "snapshot_delete"};

typedef struct rec {
  char type; /* 'B' begin, 'A' acknowledged (the call returned success), 'F' failed */
  char target; /* 1 = the operation the parent aims its kill at */
  int32_t kind;
  int32_t item; /* item index (or -1) */
  int32_t slot; /* snapshot slot (or -1) */
  int64_t seq;
  int64_t batch; /* unique per operation */
  uint64_t seed; /* data seed */
  int64_t arg;   /* part_rows, strategy/target, stream mode, ... */
  int64_t usec;  /* ACK: duration of the call */
  int64_t a_version; /* ACK: item A's manifest version after the call */
  char msg[240]; /* F: ps_errmsg() */
} rec;

/* The rows an operation writes (index positions), from the record and the
 * model as it was when the operation began. Deterministic. */
static int64_t op_rows(const model *m, const rec *op, int64_t *out) {
  rng r = {op->seed};
  int64_t n = 0;
  switch (op->kind) {
    case OP_WRITE_CREATE:
    case OP_WRITE_OVERWRITE: {
      int64_t k = 20 + rbelow(&r, 300), step = 1 + rbelow(&r, 3), off = rbelow(&r, 50);
      for (int64_t i = 0; i < k; i++) out[n++] = off + i * step;
      break;
    }
    case OP_APPEND_AFTER: {
      int64_t base = im_max(&m->it[0]) + 1 + rbelow(&r, 3);
      int64_t k = 1 + rbelow(&r, 150), step = 1 + rbelow(&r, 2);
      for (int64_t i = 0; i < k; i++) out[n++] = base + i * step;
      break;
    }
    case OP_APPEND_OVERLAP:
    case OP_APPEND_STREAM: {
      int64_t lo = im_min(&m->it[0]), hi = im_max(&m->it[0]);
      if (lo < 0) lo = hi = 0;
      if (op->kind == OP_APPEND_STREAM && op->arg == 0) { /* direct: in order after the range */
        int64_t k = 50 + rbelow(&r, 500);
        for (int64_t i = 0; i < k; i++) out[n++] = hi + 1 + i;
        break;
      }
      int64_t span = hi - lo + 1 + (op->kind == OP_APPEND_STREAM ? 300 : 20);
      int64_t k = op->kind == OP_APPEND_STREAM ? 50 + rbelow(&r, 350) : 1 + rbelow(&r, 80);
      if (k > span) k = span;
      char *used = xcalloc((size_t)span, 1);
      while (n < k) {
        int64_t p = rbelow(&r, span);
        if (used[p]) continue;
        used[p] = 1;
        out[n++] = lo + p; /* unsorted on purpose */
      }
      free(used);
      break;
    }
    default:
      break;
  }
  return n;
}

static char *item_name_buf(char *buf, size_t n, int item) {
  snprintf(buf, n, "%s", ITEM_NAMES[item]);
  return buf;
}

/* The model after `op` (applied in place). */
static void op_apply(model *m, const rec *op) {
  if (op->batch >= m->next_batch) m->next_batch = op->batch + 1;
  switch (op->kind) {
    case OP_WRITE_CREATE:
    case OP_WRITE_OVERWRITE:
    case OP_APPEND_AFTER:
    case OP_APPEND_OVERLAP:
    case OP_APPEND_STREAM: {
      int64_t *idx = xcalloc(MAXROWS, sizeof *idx);
      int64_t n = op_rows(m, op, idx);
      item_m *it = &m->it[op->item];
      if (op->kind == OP_WRITE_CREATE || op->kind == OP_WRITE_OVERWRITE) {
        im_reset(it);
        it->meta = op->batch;
      }
      it->exists = 1;
      for (int64_t i = 0; i < n; i++) im_set(it, idx[i], (int32_t)op->batch);
      free(idx);
      break;
    }
    case OP_SNAP_CREATE: {
      snap_m *s = &m->sn[op->slot];
      s->exists = 1;
      s->id = op->batch;
      for (int i = 0; i < NITEMS; i++) im_copy(&s->it[i], &m->it[i]);
      break;
    }
    case OP_SNAP_RESTORE:
      im_copy(&m->it[op->item], &m->sn[op->slot].it[op->item]);
      break;
    case OP_DELETE:
      im_free(&m->it[op->item]);
      break;
    case OP_SNAP_DELETE:
      m->sn[op->slot].exists = 0;
      for (int i = 0; i < NITEMS; i++) im_free(&m->sn[op->slot].it[i]);
      break;
    default: /* rebalance, compact: rows and metadata unchanged */
      break;
  }
}

/* Choose the parameters of an operation of `kind`; if it is not possible in
 * this state, plan its prerequisite instead. */
static void op_plan(const model *m, int kind, rng *r, rec *op) {
  memset(op, 0, sizeof *op);
  op->item = -1;
  op->slot = -1;
  int a_big = im_max(&m->it[0]) > A_LIMIT_IDX || m->it[0].count > A_LIMIT_ROWS;
  int free_item = -1, used_item = -1, free_slot = -1, used_slot = -1;
  for (int i = 1; i < NITEMS; i++) {
    int j = 1 + (int)((i - 1 + rbelow(r, NITEMS - 1)) % (NITEMS - 1));
    if (!m->it[j].exists && free_item < 0) free_item = j;
    if (m->it[j].exists && used_item < 0) used_item = j;
  }
  for (int k = 0; k < NSNAP; k++) {
    int j = (int)((k + rbelow(r, NSNAP)) % NSNAP);
    if (!m->sn[j].exists && free_slot < 0) free_slot = j;
    if (m->sn[j].exists && used_slot < 0) used_slot = j;
  }
  switch (kind) {
    case OP_APPEND_AFTER:
    case OP_APPEND_OVERLAP:
    case OP_APPEND_STREAM:
    case OP_REBALANCE:
    case OP_COMPACT:
      if (a_big) {
        kind = OP_WRITE_OVERWRITE; /* keep A small: start it over */
        op->item = 0;
      }
      break;
    case OP_WRITE_CREATE:
      if (free_item < 0) kind = OP_DELETE;
      break;
    case OP_DELETE:
      if (used_item < 0) kind = OP_WRITE_CREATE;
      break;
    case OP_SNAP_CREATE:
      if (free_slot < 0) kind = OP_SNAP_DELETE;
      break;
    case OP_SNAP_RESTORE:
    case OP_SNAP_DELETE:
      if (used_slot < 0) kind = OP_SNAP_CREATE;
      break;
    default:
      break;
  }
  op->kind = kind;
  op->batch = m->next_batch;
  op->seed = rnext(r);
  switch (kind) {
    case OP_WRITE_CREATE:
      op->item = free_item;
      op->arg = 16 + rbelow(r, 112); /* part_rows */
      break;
    case OP_WRITE_OVERWRITE:
      if (op->item < 0) op->item = (used_item > 0 && rbelow(r, 3) == 0) ? used_item : 0;
      op->arg = 16 + rbelow(r, 112);
      break;
    case OP_APPEND_AFTER:
    case OP_APPEND_OVERLAP:
      op->item = 0;
      op->arg = 32 + rbelow(r, 200); /* part_rows */
      break;
    case OP_APPEND_STREAM:
      op->item = 0;
      op->arg = rbelow(r, 2); /* 0 = direct (in order), 1 = spill (out of order, overlapping) */
      break;
    case OP_REBALANCE:
      op->item = 0;
      op->arg = rbelow(r, 3) == 0 ? 0 : 2048 + rbelow(r, 16384); /* 0 = monthly, else size target */
      break;
    case OP_COMPACT:
      op->item = 0;
      op->arg = 100 + rbelow(r, 700);
      break;
    case OP_SNAP_CREATE:
      op->slot = free_slot;
      break;
    case OP_SNAP_RESTORE: {
      op->slot = used_slot;
      const snap_m *s = &m->sn[used_slot];
      int n = 0, cand[NITEMS];
      for (int i = 0; i < NITEMS; i++)
        if (s->it[i].exists) cand[n++] = i;
      op->item = n ? cand[rbelow(r, n)] : 0;
      break;
    }
    case OP_DELETE:
      op->item = used_item;
      break;
    case OP_SNAP_DELETE:
      op->slot = used_slot;
      break;
    default:
      break;
  }
}

/* ---- frames ---- */

static ps_frame *mk_rows(const int64_t *idx, int64_t n, int64_t batch) {
  ps_frame *f;
  if (ps_frame_new(&f)) return NULL;
  ps_column *ts, *b, *v, *s;
  ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &ts);
  ps_frame_add_column(f, "batch", PS_TYPE_INT64, 0, NULL, &b);
  ps_frame_add_column(f, "v", PS_TYPE_FLOAT64, 0, NULL, &v);
  ps_frame_add_column(f, "s", PS_TYPE_STRING, 0, NULL, &s);
  for (int64_t i = 0; i < n; i++) {
    char buf[48];
    int k = snprintf(buf, sizeof buf, "b%lld.%lld", (long long)batch, (long long)idx[i]);
    ps_column_append_int(ts, T0_NS + idx[i] * HOUR_NS);
    ps_column_append_int(b, batch);
    ps_column_append_double(v, (double)batch * 100000.0 + (double)idx[i]);
    ps_column_append_string(s, buf, (size_t)k);
  }
  if (ps_frame_validate(f) || ps_frame_set_index(f, "ts")) {
    ps_frame_free(f);
    return NULL;
  }
  return f;
}

/* 1 if frame f holds exactly the rows of item model m; else 0 with a reason. */
static int frame_matches(const ps_frame *f, const item_m *m, char *why, size_t wn) {
  int64_t n = ps_frame_num_rows(f);
  if (n != m->count) {
    snprintf(why, wn, "%lld rows, expected %lld", (long long)n, (long long)m->count);
    return 0;
  }
  const ps_column *ts = ps_frame_column_by_name(f, "ts"), *b = ps_frame_column_by_name(f, "batch"),
                  *v = ps_frame_column_by_name(f, "v"), *s = ps_frame_column_by_name(f, "s");
  if (!ts || !b || !v || !s) {
    snprintf(why, wn, "columns missing");
    return 0;
  }
  const int64_t *tv = ps_column_values(ts), *bv = ps_column_values(b);
  const double *vv = ps_column_values(v);
  int64_t r = 0;
  for (int64_t idx = 0; idx < MAXIDX && r < n; idx++) {
    int32_t want = m->cell ? m->cell[idx] : 0;
    if (!want) continue;
    char buf[48];
    int k = snprintf(buf, sizeof buf, "b%lld.%lld", (long long)want, (long long)idx);
    size_t sl;
    const char *sv = ps_column_string(s, r, &sl);
    if (tv[r] != T0_NS + idx * HOUR_NS || bv[r] != want || vv[r] != (double)want * 100000.0 + (double)idx ||
        sl != (size_t)k || memcmp(sv, buf, sl) != 0) {
      snprintf(why, wn, "row %lld: index %lld batch %lld, expected index %lld batch %d", (long long)r,
               (long long)((tv[r] - T0_NS) / HOUR_NS), (long long)bv[r], (long long)idx, (int)want);
      return 0;
    }
    r++;
  }
  return 1;
}

/* ---- the child ---- */

static char g_base[512];
static int g_fd = -1;

static void send_rec(const rec *x) {
  if (write(g_fd, x, sizeof *x) != (ssize_t)sizeof *x) _exit(5);
}

typedef struct stream_src {
  ps_frame **batches;
  int n, i;
} stream_src;

static int next_batch_fn(void *u, ps_frame **out) {
  stream_src *s = u;
  *out = s->i < s->n ? s->batches[s->i] : NULL;
  if (s->i < s->n) s->batches[s->i++] = NULL;
  return PS_OK;
}

static int open_coll(int no_fsync, ps_store **st, ps_collection **c) {
  ps_store_options o;
  memset(&o, 0, sizeof o);
  o.base_path = g_base;
  o.no_fsync = no_fsync;
  int rc = ps_store_open("t", &o, 1, st);
  if (rc == PS_OK) rc = ps_collection_open(*st, "c", 1, c);
  return rc;
}

static int op_exec(ps_collection *c, const model *m, const rec *op) {
  char name[32], snap[32], meta[64];
  item_name_buf(name, sizeof name, op->item >= 0 ? op->item : 0);
  snprintf(snap, sizeof snap, "s%lld", (long long)(op->slot >= 0 ? (op->kind == OP_SNAP_CREATE ? op->batch : m->sn[op->slot].id) : 0));
  snprintf(meta, sizeof meta, "{\"gen\": %lld}", (long long)op->batch);
  int64_t *idx = NULL;
  int64_t n = 0;
  ps_frame *f = NULL;
  int rc = PS_OK;
  if (op->kind <= OP_APPEND_STREAM) {
    idx = xcalloc(MAXROWS, sizeof *idx);
    n = op_rows(m, op, idx);
    if (op->kind != OP_APPEND_STREAM && !(f = mk_rows(idx, n, op->batch))) {
      free(idx);
      return PS_ERR_NOMEM;
    }
  }
  switch (op->kind) {
    case OP_WRITE_CREATE:
    case OP_WRITE_OVERWRITE: {
      ps_item_write_options wo;
      memset(&wo, 0, sizeof wo);
      wo.overwrite = op->kind == OP_WRITE_OVERWRITE;
      wo.metadata = meta;
      wo.part_rows = op->arg;
      if (op->seed % 5 == 0) { /* sometimes a partitioned write (remembered strategy) */
        ps_partition_options po;
        memset(&po, 0, sizeof po);
        po.strategy = PS_PARTITION_MONTHLY;
        rc = ps_item_write_partitioned(c, name, f, &wo, &po);
      } else {
        rc = ps_item_write(c, name, f, &wo);
      }
      break;
    }
    case OP_APPEND_AFTER:
    case OP_APPEND_OVERLAP: {
      ps_append_options ao;
      memset(&ao, 0, sizeof ao);
      ao.part_rows = op->arg;
      rc = ps_item_append(c, name, f, &ao);
      break;
    }
    case OP_APPEND_STREAM: {
      rng r = {op->seed ^ 0x5eed};
      stream_src src;
      memset(&src, 0, sizeof src);
      src.batches = xcalloc((size_t)n, sizeof *src.batches);
      for (int64_t i = 0; i < n;) {
        int64_t k = 1 + rbelow(&r, 80);
        if (k > n - i) k = n - i;
        src.batches[src.n] = mk_rows(idx + i, k, op->batch);
        if (!src.batches[src.n]) {
          rc = PS_ERR_NOMEM;
          break;
        }
        src.n++;
        i += k;
      }
      if (rc == PS_OK) {
        ps_stream_options so;
        memset(&so, 0, sizeof so);
        so.chunk_rows = 16 + rbelow(&r, 100);
        rc = ps_item_append_stream(c, name, next_batch_fn, &src, &so);
      }
      for (int i = 0; i < src.n; i++) ps_frame_free(src.batches[i]);
      free(src.batches);
      break;
    }
    case OP_SNAP_CREATE:
    case OP_SNAP_DELETE:
      rc = op->kind == OP_SNAP_CREATE ? ps_snapshot_create(c, snap, NULL) : ps_snapshot_delete(c, snap);
      break;
    case OP_SNAP_RESTORE:
      rc = ps_snapshot_restore(c, snap, name);
      break;
    case OP_REBALANCE: {
      ps_partition_options po;
      memset(&po, 0, sizeof po);
      po.strategy = op->arg == 0 ? PS_PARTITION_MONTHLY : PS_PARTITION_SIZE;
      po.target_bytes = op->arg;
      rc = ps_item_rebalance(c, name, &po, NULL);
      break;
    }
    case OP_COMPACT:
      rc = ps_item_compact(c, name, op->arg, NULL);
      break;
    case OP_DELETE:
      rc = ps_item_delete(c, name);
      break;
    default:
      break;
  }
  ps_frame_free(f);
  free(idx);
  return rc;
}

static void child_main(model *m, int target, uint64_t seed, int no_fsync) {
  ps_store *st;
  ps_collection *c;
  rec x;
  memset(&x, 0, sizeof x);
  if (open_coll(no_fsync, &st, &c) != PS_OK) {
    x.type = 'F';
    snprintf(x.msg, sizeof x.msg, "open: %s", ps_errmsg());
    send_rec(&x);
    _exit(4);
  }
  rng r = {seed};
  int warm = (int)rbelow(&r, 3), target_done = 0;
  for (int64_t seq = 0;; seq++) {
    int kind = (int)rbelow(&r, NOPS);
    int is_target = 0;
    if (seq >= warm && !target_done) {
      kind = target;
      is_target = 1;
    }
    rec op;
    op_plan(m, kind, &r, &op);
    if (is_target && op.kind != target) is_target = 0; /* a prerequisite first */
    if (is_target) target_done = 1;
    op.type = 'B';
    op.target = (char)is_target;
    op.seq = seq;
    send_rec(&op);
    int64_t t0 = now_us();
    int rc = op_exec(c, m, &op);
    if (rc != PS_OK) {
      op.type = 'F';
      snprintf(op.msg, sizeof op.msg, "%s %s: %s", OP_NAMES[op.kind], ps_status_name(rc), ps_errmsg());
      send_rec(&op);
      _exit(4);
    }
    op.usec = now_us() - t0;
    ps_item_info info;
    op.a_version = ps_item_info_get(c, "A", NULL, &info) == PS_OK ? info.version : -1;
    op_apply(m, &op);
    op.type = 'A';
    send_rec(&op);
  }
}

/* ---- what the parent observes ---- */

typedef struct obs_item {
  int exists; /* listed (live) / present (snapshot) */
  ps_frame *f;
  int64_t meta; /* -1 = none/unreadable */
} obs_item;

typedef struct obs_snap {
  int64_t id;
  obs_item it[NITEMS];
} obs_snap;

typedef struct observed {
  obs_item it[NITEMS];
  obs_snap *sn;
  int nsn;
  int64_t a_version;
} observed;

static ps_store *g_st;
static ps_collection *g_c;
static int g_fail;
static char g_failmsg[4096];

#define FAILF(...)                                                                    \
  do {                                                                                \
    if (!g_fail) snprintf(g_failmsg, sizeof g_failmsg, __VA_ARGS__);                  \
    g_fail = 1;                                                                       \
  } while (0)

static int64_t meta_gen(const char *item, const char *snapshot) {
  char *js = NULL;
  if (ps_item_metadata(g_c, item, snapshot, &js) != PS_OK) return -1;
  json_error_t e;
  json_t *j = json_loads(js, 0, &e);
  ps_free(js);
  int64_t g = -1;
  if (j && json_is_integer(json_object_get(j, "gen"))) g = (int64_t)json_integer_value(json_object_get(j, "gen"));
  json_decref(j);
  return g;
}

static void read_item(obs_item *o, const char *item, const char *snapshot) {
  ps_item_read_options ro;
  memset(&ro, 0, sizeof ro);
  ro.snapshot = snapshot;
  ro.threads = 1;
  int rc = ps_item_read(g_c, item, &ro, &o->f);
  if (rc != PS_OK) {
    FAILF("read %s%s%s: %s: %s", item, snapshot ? " @" : "", snapshot ? snapshot : "", ps_status_name(rc), ps_errmsg());
    o->f = NULL;
  }
  o->meta = meta_gen(item, snapshot);
}

static void observe(observed *o) {
  memset(o, 0, sizeof *o);
  char **items = NULL;
  int rc = ps_collection_list_items(g_c, NULL, &items);
  if (rc != PS_OK) {
    FAILF("list_items: %s", ps_errmsg());
    return;
  }
  for (size_t k = 0; items[k]; k++) {
    int found = 0;
    for (int i = 0; i < NITEMS; i++)
      if (strcmp(items[k], ITEM_NAMES[i]) == 0) {
        o->it[i].exists = 1;
        found = 1;
      }
    if (!found) FAILF("unexpected item listed: '%s'", items[k]);
  }
  ps_names_free(items);
  for (int i = 0; i < NITEMS; i++)
    if (o->it[i].exists) read_item(&o->it[i], ITEM_NAMES[i], NULL);
  ps_item_info info;
  o->a_version = ps_item_info_get(g_c, "A", NULL, &info) == PS_OK ? info.version : -1;
  char **snaps = NULL;
  if ((rc = ps_snapshot_list(g_c, &snaps)) != PS_OK) {
    FAILF("snapshot_list: %s", ps_errmsg());
    return;
  }
  size_t ns = 0;
  while (snaps[ns]) ns++;
  o->sn = xcalloc(ns, sizeof *o->sn);
  for (size_t k = 0; k < ns; k++) {
    obs_snap *s = &o->sn[o->nsn++];
    if (snaps[k][0] != 's' || sscanf(snaps[k] + 1, "%" SCNd64, &s->id) != 1) {
      FAILF("unexpected snapshot listed: '%s'", snaps[k]);
      continue;
    }
    char dir[1024];
    for (int i = 0; i < NITEMS; i++) {
      snprintf(dir, sizeof dir, "%s/_snapshots/%s/%s", ps_collection_path(g_c), snaps[k], ITEM_NAMES[i]);
      struct stat sb;
      if (stat(dir, &sb) != 0) continue;
      s->it[i].exists = 1;
      read_item(&s->it[i], ITEM_NAMES[i], snaps[k]);
    }
  }
  ps_names_free(snaps);
}

static void observed_free(observed *o) {
  for (int i = 0; i < NITEMS; i++) ps_frame_free(o->it[i].f);
  for (int k = 0; k < o->nsn; k++)
    for (int i = 0; i < NITEMS; i++) ps_frame_free(o->sn[k].it[i].f);
  free(o->sn);
}

static int item_matches(const obs_item *o, const item_m *m, const char *what, char *why, size_t wn) {
  if (o->exists != m->exists) {
    snprintf(why, wn, "%s: %s, expected %s", what, o->exists ? "present" : "absent", m->exists ? "present" : "absent");
    return 0;
  }
  if (!m->exists) return 1;
  char w2[256];
  if (!o->f || !frame_matches(o->f, m, w2, sizeof w2)) {
    snprintf(why, wn, "%s: %s", what, o->f ? w2 : "unreadable");
    return 0;
  }
  if (o->meta != m->meta) {
    snprintf(why, wn, "%s: metadata gen %lld, expected %lld (rows match)", what, (long long)o->meta, (long long)m->meta);
    return 0;
  }
  return 1;
}

/* 1 if the observed store is exactly model m. */
static int store_matches(const observed *o, const model *m, char *why, size_t wn) {
  for (int i = 0; i < NITEMS; i++)
    if (!item_matches(&o->it[i], &m->it[i], ITEM_NAMES[i], why, wn)) return 0;
  int nsn = 0;
  for (int k = 0; k < NSNAP; k++) nsn += m->sn[k].exists;
  if (nsn != o->nsn) {
    snprintf(why, wn, "%d snapshots listed, expected %d", o->nsn, nsn);
    return 0;
  }
  for (int j = 0; j < o->nsn; j++) {
    const snap_m *s = NULL;
    for (int k = 0; k < NSNAP; k++)
      if (m->sn[k].exists && m->sn[k].id == o->sn[j].id) s = &m->sn[k];
    if (!s) {
      snprintf(why, wn, "snapshot s%lld listed, not expected", (long long)o->sn[j].id);
      return 0;
    }
    for (int i = 0; i < NITEMS; i++) {
      char what[64];
      snprintf(what, sizeof what, "%s @s%lld", ITEM_NAMES[i], (long long)s->id);
      if (!item_matches(&o->sn[j].it[i], &s->it[i], what, why, wn)) return 0;
    }
  }
  return 1;
}

/* ---- leftovers ---- */

enum { KEY_COLL = NITEMS, KEY_SNAPS, NKEYS };

typedef struct leftover {
  int key;
  char name[256];
  ino_t ino;     /* inode numbers are reused at once: (ino, ctime) tells files apart */
  int64_t ctime_ns;
  int64_t clean0; /* the directory's clean count when first seen */
  int seen;
} leftover;

static leftover *g_left;
static int g_nleft, g_capleft;
static int64_t g_clean[NKEYS];
static int64_t g_left_seen, g_left_cleaned, g_left_max;

/* Which directories an acknowledged operation is documented to clean. */
static void note_cleaning(const model *before, const rec *op) {
  switch (op->kind) {
    case OP_WRITE_CREATE:
      g_clean[KEY_COLL]++; /* ps__item_create_with: under the collection lock */
      break;
    case OP_WRITE_OVERWRITE:
      g_clean[KEY_COLL]++;
      if (before->it[op->item].exists) g_clean[op->item]++; /* ps__txn_begin */
      break;
    case OP_APPEND_AFTER:
    case OP_APPEND_OVERLAP:
    case OP_APPEND_STREAM:
    case OP_REBALANCE:
    case OP_COMPACT:
      g_clean[op->item]++;
      break;
    case OP_SNAP_CREATE:
      for (int i = 0; i < NITEMS; i++)
        if (before->it[i].exists) g_clean[i]++; /* every item is linked under its lock */
      g_clean[KEY_SNAPS]++;
      break;
    case OP_SNAP_DELETE:
      g_clean[KEY_SNAPS]++;
      break;
    case OP_SNAP_RESTORE:
      if (before->it[op->item].exists) g_clean[op->item]++;
      else g_clean[KEY_COLL]++;
      break;
    default:
      break;
  }
}

static int manifest_lists(const char *dir, const char *file) {
  char p[1100];
  snprintf(p, sizeof p, "%s/_pystore_manifest.json", dir);
  json_error_t e;
  json_t *j = json_load_file(p, 0, &e);
  if (!j) return 0;
  int found = 0;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(j, "parts"), i, x) {
    const char *f = json_string_value(json_object_get(x, "file"));
    if (f && strcmp(f, file) == 0) found = 1;
  }
  json_decref(j);
  return found;
}

static int is_leftover(int key, const char *dir, const char *nm) {
  if (key == KEY_COLL || key == KEY_SNAPS) return strncmp(nm, ".tmp-", 5) == 0 || strncmp(nm, ".del-", 5) == 0;
  if (strstr(nm, ".tmp-")) return 1;
  size_t l = strlen(nm);
  return l > 8 && strcmp(nm + l - 8, ".parquet") == 0 && !manifest_lists(dir, nm);
}

static void scan_dir(int key, const char *dir, int64_t *present) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!is_leftover(key, dir, e->d_name)) continue;
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (lstat(p, &sb) != 0) continue;
    int64_t ct = (int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec;
    (*present)++;
    int k;
    for (k = 0; k < g_nleft; k++)
      if (g_left[k].key == key && g_left[k].ino == sb.st_ino && g_left[k].ctime_ns == ct &&
          strcmp(g_left[k].name, e->d_name) == 0)
        break;
    if (k < g_nleft) {
      g_left[k].seen = 1;
      if (g_clean[key] > g_left[k].clean0)
        FAILF("leftover %s/%s survived %lld later acknowledged operations that clean this directory", dir, e->d_name,
              (long long)(g_clean[key] - g_left[k].clean0));
      continue;
    }
    if (g_nleft == g_capleft) {
      g_capleft = g_capleft ? 2 * g_capleft : 64;
      g_left = realloc(g_left, (size_t)g_capleft * sizeof *g_left);
      if (!g_left) exit(2);
    }
    leftover *l = &g_left[g_nleft++];
    memset(l, 0, sizeof *l);
    l->key = key;
    snprintf(l->name, sizeof l->name, "%s", e->d_name);
    l->ino = sb.st_ino;
    l->ctime_ns = ct;
    l->clean0 = g_clean[key];
    l->seen = 1;
    g_left_seen++;
  }
  closedir(d);
}

static void check_leftovers(void) {
  for (int k = 0; k < g_nleft; k++) g_left[k].seen = 0;
  char dir[1024];
  int64_t present = 0;
  for (int i = 0; i < NITEMS; i++) {
    snprintf(dir, sizeof dir, "%s/%s", ps_collection_path(g_c), ITEM_NAMES[i]);
    scan_dir(i, dir, &present);
  }
  scan_dir(KEY_COLL, ps_collection_path(g_c), &present);
  snprintf(dir, sizeof dir, "%s/_snapshots", ps_collection_path(g_c));
  scan_dir(KEY_SNAPS, dir, &present);
  int j = 0;
  for (int k = 0; k < g_nleft; k++) {
    if (g_left[k].seen) g_left[j++] = g_left[k];
    else g_left_cleaned++;
  }
  g_nleft = j;
  if (present > g_left_max) g_left_max = present;
}

/* ---- ps_verify ---- */

static int64_t g_verify_runs, g_verify_notes;

static void on_problem(void *ctx, const char *path, int status, const char *message) {
  (void)ctx;
  if (status == PS_OK) {
    g_verify_notes++;
    return;
  }
  FAILF("ps_verify: %s: %s: %s", path, ps_status_name(status), message);
}

static void run_verify(void) {
  ps_verify_stats vs;
  int rc = ps_verify(ps_store_path(g_st), on_problem, NULL, &vs);
  g_verify_runs++;
  if (rc != PS_OK) FAILF("ps_verify: %s: %s", ps_status_name(rc), ps_errmsg());
}

/* ---- the parent ---- */

typedef struct stats {
  int64_t cycles, fsync_cycles, acked, verified_acked;
  int64_t kills[NOPS + 1]; /* by in-flight kind; [NOPS] = between operations */
  int64_t inflight_committed[NOPS], inflight_not[NOPS], inflight_same[NOPS];
  double avg_us[2][NOPS]; /* typical duration of each kind without / with fsync */
  int fsync_now;
} stats;

static void setup_store(model *m) {
  ps_store_options o;
  memset(&o, 0, sizeof o);
  o.base_path = g_base;
  o.no_fsync = 1;
  if (ps_store_open("t", &o, 1, &g_st) != PS_OK || ps_collection_open(g_st, "c", 1, &g_c) != PS_OK) {
    fprintf(stderr, "torture_crash: open: %s\n", ps_errmsg());
    exit(2);
  }
  memset(m, 0, sizeof *m);
  m->next_batch = 1;
  rng r = {12345};
  rec op;
  op_plan(m, OP_WRITE_OVERWRITE, &r, &op);
  op.item = 0;
  if (op_exec(g_c, m, &op) != PS_OK) {
    fprintf(stderr, "torture_crash: setup: %s\n", ps_errmsg());
    exit(2);
  }
  op_apply(m, &op);
}

/* Sleep d microseconds; spin for short delays (timer slack is ~50 us). */
static void delay_us(double d) {
  if (d <= 0) return;
  if (d < 300) {
    int64_t end = now_us() + (int64_t)d;
    while (now_us() < end) {
    }
    return;
  }
  int64_t di = (int64_t)d;
  struct timespec ts = {(time_t)(di / 1000000), (long)(di % 1000000) * 1000L};
  nanosleep(&ts, NULL);
}

/* 1 = a record, 0 = nothing within timeout_ms, -1 = end of file. */
static int read_rec(int fd, rec *x, int timeout_ms) {
  struct pollfd pf = {fd, POLLIN, 0};
  int pr = poll(&pf, 1, timeout_ms);
  if (pr == 0) return 0;
  if (pr < 0) return errno == EINTR ? 0 : -1;
  size_t got = 0;
  while (got < sizeof *x) {
    ssize_t k = read(fd, (char *)x + got, sizeof *x - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (got) FAILF("torn record on the pipe");
      return -1;
    }
    got += (size_t)k;
  }
  return 1;
}

static int64_t g_last_a_version;

static void handle_rec(model *m, stats *S, const rec *x, rec *pending, int *have) {
  if (x->batch >= m->next_batch) m->next_batch = x->batch + 1;
  if (x->type == 'B') {
    *pending = *x;
    *have = 1;
  } else if (x->type == 'A') {
    note_cleaning(m, x);
    op_apply(m, x);
    S->acked++;
    *have = 0;
    g_last_a_version = x->a_version;
    double *a = &S->avg_us[S->fsync_now][x->kind];
    *a = *a > 0 ? 0.8 * *a + 0.2 * (double)x->usec : (double)x->usec;
  } else if (x->type == 'F') {
    FAILF("child: %s", x->msg);
  }
}

static int touches_a(const rec *op) {
  return op->item == 0 && op->kind != OP_SNAP_CREATE && op->kind != OP_SNAP_DELETE && op->kind != OP_DELETE;
}

static void verify_after_kill(model *m, stats *S, const rec *inflight) {
  observed o;
  observe(&o);
  char why0[600] = "", why1[600] = "";
  int ok0 = !g_fail && store_matches(&o, m, why0, sizeof why0);
  int ok1 = 0;
  model m2;
  memset(&m2, 0, sizeof m2);
  if (inflight && !g_fail) {
    model_copy(&m2, m);
    op_apply(&m2, inflight);
    ok1 = store_matches(&o, &m2, why1, sizeof why1);
  }
  if (!g_fail && !ok0 && !ok1) {
    if (inflight)
      FAILF("the store after the kill is neither the acknowledged commits (%s) nor those plus the in-flight %s "
            "(batch %lld: %s)",
            why0, OP_NAMES[inflight->kind], (long long)inflight->batch, why1);
    else
      FAILF("the store after the kill is not the acknowledged commits (nothing was in flight): %s", why0);
  }
  if (!g_fail && inflight) {
    int k = inflight->kind;
    int committed = ok1 && !ok0;
    if (ok0 && ok1) { /* no visible change: the manifest version tells (operations on A) */
      if (touches_a(inflight)) committed = o.a_version > g_last_a_version;
      else S->inflight_same[k]++;
    }
    if (!(ok0 && ok1 && !touches_a(inflight))) {
      if (committed) S->inflight_committed[k]++;
      else S->inflight_not[k]++;
    }
    if (committed) {
      note_cleaning(m, inflight);
      model_copy(m, &m2);
    }
  }
  g_last_a_version = o.a_version;
  if (!g_fail) check_leftovers();
  if (!g_fail) run_verify();
  if (!g_fail) S->verified_acked = S->acked;
  observed_free(&o);
  model_free(&m2);
}

static double loguniform(rng *r, double lo, double hi) {
  double u = (double)(rnext(r) >> 11) / 9007199254740992.0;
  return exp(log(lo) + u * (log(hi) - log(lo)));
}

static void cycle(model *m, stats *S, rng *pr, int64_t cyc, int fsync_every) {
  int target = (int)(cyc % NOPS);
  int no_fsync = fsync_every > 0 ? (cyc % fsync_every) != fsync_every - 1 : 1;
  uint64_t cseed = rnext(pr);
  int p[2];
  if (pipe(p) != 0) {
    perror("pipe");
    exit(2);
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(2);
  }
  if (pid == 0) {
    close(p[0]);
    g_fd = p[1];
    child_main(m, target, cseed, no_fsync);
    _exit(0);
  }
  close(p[1]);
  S->cycles++;
  if (!no_fsync) S->fsync_cycles++;
  S->fsync_now = !no_fsync;
  rec pending, x;
  memset(&pending, 0, sizeof pending);
  int have = 0, eof = 0;
  double deadline = now_s() + 20;
  for (;;) { /* wait until the operation we aim at begins */
    int r = read_rec(p[0], &x, 20);
    if (r < 0) {
      eof = 1;
      break;
    }
    if (r > 0) {
      handle_rec(m, S, &x, &pending, &have);
      if (x.type == 'B' && x.target) break;
    }
    if (g_fail || now_s() > deadline) break;
  }
  double avg = S->avg_us[!no_fsync][target] > 0 ? S->avg_us[!no_fsync][target] : 2000.0;
  int64_t u = rbelow(pr, 100);
  double d;
  if (u < 12) d = 0; /* at once: the very start of the operation */
  else if (u < 27) d = loguniform(pr, 1, 150);
  else if (u < 90) d = (double)rbelow(pr, (int64_t)(1.5 * avg) + 1); /* anywhere inside it */
  else d = loguniform(pr, 1000, 30000); /* later operations */
  if (!eof) delay_us(d);
  kill(pid, SIGKILL);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (read_rec(p[0], &x, 1000) > 0) handle_rec(m, S, &x, &pending, &have);
  close(p[0]);
  if (!g_fail && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
    FAILF("child ended by itself (status %d) without a failure report", status);
  if (g_fail) return;
  S->kills[have ? pending.kind : NOPS]++;
  verify_after_kill(m, S, have ? &pending : NULL);
}

static void usage(void) {
  fprintf(stderr,
          "usage: torture_crash [--quick] [--cycles N] [--seconds S] [--seed N] [--fsync-every K] [--keep]\n"
          "  --quick        CI run: 300 cycles, at most 25 s (the default)\n"
          "  --cycles N     stop after N kill cycles\n"
          "  --seconds S    stop after S seconds\n"
          "  --seed N       operation/data sequence (printed at start; kill timing is not reproducible)\n"
          "  --fsync-every K  every K-th cycle runs with fsync on (default 10; 0 = never)\n"
          "  --keep         keep the store directory on failure (default) and on success\n");
}

int main(int argc, char **argv) {
  int64_t cycles = -1;
  double seconds = -1;
  uint64_t seed = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
  int keep = 0, fsync_every = 10, quick = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc) cycles = strtoll(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = strtod(argv[++i], NULL);
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--fsync-every") == 0 && i + 1 < argc) fsync_every = atoi(argv[++i]);
    else if (strcmp(argv[i], "--keep") == 0) keep = 1;
    else {
      usage();
      return 2;
    }
  }
  if (cycles < 0 && seconds < 0) quick = 1;
  if (quick) {
    if (cycles < 0) cycles = 300;
    if (seconds < 0) seconds = 25;
  }
  signal(SIGPIPE, SIG_IGN);
  ps_log_set_level(PS_LOG_ERROR);
  const char *tmp = getenv("TMPDIR");
  snprintf(g_base, sizeof g_base, "%s/pystore-torture-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(g_base)) {
    perror("mkdtemp");
    return 2;
  }
  printf("torture_crash: seed %llu, store in %s\n", (unsigned long long)seed, g_base);
  fflush(stdout);
  model m;
  setup_store(&m);
  stats S;
  memset(&S, 0, sizeof S);
  rng pr = {seed};
  double t0 = now_s();
  for (int64_t cyc = 0;; cyc++) {
    if (cycles >= 0 && cyc >= cycles) break;
    if (seconds >= 0 && now_s() - t0 >= seconds) break;
    cycle(&m, &S, &pr, cyc, fsync_every);
    if (g_fail) {
      fprintf(stderr, "torture_crash: FAILED at cycle %lld (seed %llu): %s\n", (long long)cyc,
              (unsigned long long)seed, g_failmsg);
      fprintf(stderr, "torture_crash: store kept in %s; rerun with --seed %llu --cycles %lld\n", g_base,
              (unsigned long long)seed, (long long)cyc + 1);
      return 1;
    }
  }
  double el = now_s() - t0;
  int64_t kills = 0, com = 0, notc = 0, same = 0;
  printf("torture_crash: seed %llu: %lld cycles (%lld with fsync) in %.1f s\n", (unsigned long long)seed,
         (long long)S.cycles, (long long)S.fsync_cycles, el);
  printf("  kills by operation in flight (committed/not committed/no visible change):\n");
  for (int k = 0; k < NOPS; k++) {
    printf("    %-17s %6lld  (%lld/%lld/%lld)  ~%.0f us per call (~%.0f us with fsync)\n", OP_NAMES[k],
           (long long)S.kills[k], (long long)S.inflight_committed[k], (long long)S.inflight_not[k],
           (long long)S.inflight_same[k], S.avg_us[0][k], S.avg_us[1][k]);
    kills += S.kills[k];
    com += S.inflight_committed[k];
    notc += S.inflight_not[k];
    same += S.inflight_same[k];
  }
  printf("    %-17s %6lld\n", "between ops", (long long)S.kills[NOPS]);
  printf("  acknowledged commits verified: %lld; in-flight operations seen committed: %lld, not committed: %lld, "
         "no visible change: %lld\n",
         (long long)S.verified_acked, (long long)com, (long long)notc, (long long)same);
  printf("  leftovers: %lld seen, %lld removed by later writers, at most %lld at once; ps_verify: %lld runs, %lld "
         "leftover notes\n",
         (long long)g_left_seen, (long long)g_left_cleaned, (long long)g_left_max, (long long)g_verify_runs,
         (long long)g_verify_notes);
  printf("torture_crash: OK (%lld kills)\n", (long long)(kills + S.kills[NOPS]));
  model_free(&m);
  ps_collection_close(g_c);
  ps_store_close(g_st);
  free(g_left);
  if (!keep) {
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_base);
    if (system(cmd) != 0) fprintf(stderr, "torture_crash: cleanup of %s failed\n", g_base);
  }
  return 0;
}
