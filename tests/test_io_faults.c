/* I/O errors: the hook in src/util/fileio.c (ps__io_fail_after) makes the
 * n-th file-system operation that writes (open for writing, write, fsync,
 * rename, mkdir, link, unlink, rmdir, ftruncate) fail with ENOSPC or EIO,
 * once, or (sticky ENOSPC) together with every later operation that needs
 * space, as on a full disk. For every store mutation and every n below the
 * operation's count of such calls:
 *  - a failure returns PS_ERR_NOSPACE (ENOSPC) / PS_ERR_IO (EIO) with a
 *    message naming the path, and the store is exactly as before (digest of
 *    every path, size and content; lock files aside), temporary files
 *    included;
 *  - the only other outcome allowed for a failure is a commit that happened
 *    before the failing step (the fsync of the directory after the commit
 *    rename): the message then says "committed" and the item reads back as
 *    the new version;
 *  - a success (the failed call was best effort, e.g. removing a replaced
 *    part) leaves an item that reads back as the new version.
 * Then a real small file system: a tmpfs of a few hundred KiB filled by
 * writes and appends until ENOSPC, the store checked after every failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "test.h"
#include "test_fault_util.h"
#include "test_store_util.h"
#include "util/fileio.h"

static char root[256], tpl[300], work[300];

/* the working copy = the template again */
static void reset_work(void) {
  char cmd[1000];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", work, tpl, work);
  if (system(cmd) != 0) {
    fprintf(stderr, "reset failed\n");
    exit(2);
  }
}

static ps_frame *rows(int64_t from, int n) {
  ps_frame *f = mk_range(from, n);
  return f;
}

/* ---- operations (on the store under `work`) ---- */

typedef struct ctx {
  ps_store *st;
  ps_collection *c;
  ps_frame *a, *b;
} ctx;

static int op_open(ctx *x, const char *base) {
  ps_store_options so = {.base_path = base};
  int rc = ps_store_open("s", &so, 0, &x->st);
  if (rc < 0) return rc;
  rc = ps_collection_open(x->st, "c", 0, &x->c);
  if (rc < 0) ps_store_close(x->st);
  return rc;
}

static void op_close(ctx *x) {
  ps_collection_close(x->c);
  ps_store_close(x->st);
  x->c = NULL;
  x->st = NULL;
}

typedef struct io_op {
  const char *name;
  int (*run)(ctx *x);
  const char *item; /* read back after a success / commit (NULL = none) */
} io_op;

static int run_write_new(ctx *x) {
  ps_item_write_options wo = {.metadata = "{\"k\": 1}", .part_rows = 10};
  return ps_item_write(x->c, "NEW", x->a, &wo);
}
static int run_overwrite(ctx *x) {
  ps_item_write_options wo = {.overwrite = 1, .metadata = "{\"k\": 2}", .part_rows = 10};
  return ps_item_write(x->c, "IT", x->a, &wo);
}
static int run_append_after(ctx *x) {
  ps_frame *f = rows(60, 5);
  int rc = ps_item_append(x->c, "IT", f, NULL);
  ps_frame_free(f);
  return rc;
}
static int run_append_overlap(ctx *x) {
  int64_t d[] = {5, 30, 6, 70};
  double v[] = {-5, -30, -6, -70};
  ps_frame *f = mk_frame(d, v, 4);
  int rc = ps_item_append(x->c, "IT", f, NULL);
  ps_frame_free(f);
  return rc;
}

typedef struct sctx {
  int64_t k;
} sctx;
static int next_batch(void *u, ps_frame **out) {
  sctx *s = u;
  *out = NULL;
  if (s->k >= 4) return PS_OK;
  /* 4 batches of 8 rows in reverse order over days 50..81: spilled runs */
  *out = rows(74 - 8 * s->k, 8);
  s->k++;
  return *out ? PS_OK : PS_ERR_NOMEM;
}
static int run_stream(ctx *x) {
  sctx s = {0};
  ps_stream_options so = {.chunk_rows = 8};
  return ps_item_append_stream(x->c, "IT", next_batch, &s, &so);
}
static int run_snap_create(ctx *x) { return ps_snapshot_create(x->c, "snapB", NULL); }
static int run_snap_restore(ctx *x) { return ps_snapshot_restore(x->c, "snap0", "IT"); }
static int run_rebalance(ctx *x) {
  ps_partition_options po = {.strategy = PS_PARTITION_MONTHLY};
  return ps_item_rebalance(x->c, "IT", &po, NULL);
}
static int run_compact(ctx *x) { return ps_item_compact(x->c, "IT", 100, NULL); }
static int run_set_meta(ctx *x) { return ps_item_set_metadata(x->c, "IT", "{\"k\": 3, \"new\": true}"); }
static int run_delete(ctx *x) { return ps_item_delete(x->c, "IT"); }

static const io_op ops[] = {
    {"write (new item)", run_write_new, "NEW"},
    {"write (overwrite)", run_overwrite, "IT"},
    {"append after range", run_append_after, "IT"},
    {"append overlapping", run_append_overlap, "IT"},
    {"append_stream", run_stream, "IT"},
    {"snapshot create", run_snap_create, NULL},
    {"snapshot restore", run_snap_restore, "IT"},
    {"rebalance", run_rebalance, "IT"},
    {"compact", run_compact, "IT"},
    {"set_metadata", run_set_meta, "IT"},
    {"item delete", run_delete, NULL},
};

/* After a success or a reported commit: the item reads back whole. */
static int item_reads(ctx *x, const char *item) {
  if (!item) return 1;
  if (!ps_item_exists(x->c, item)) return 1; /* deleted */
  ps_frame *r = NULL;
  int rc = ps_item_read(x->c, item, NULL, &r);
  int ok = rc == PS_OK && is_sorted_unique(r);
  if (!ok) fprintf(stderr, "  %s: read back: %s %s\n", item, ps_status_name(rc), ps_errmsg());
  ps_frame_free(r);
  return ok;
}

static long total_points = 0;
static long dense = 200; /* every n up to here, then a growing step (all with PS_FAULT_FULL=1) */

/* mode 0: one-shot ENOSPC, 1: one-shot EIO, 2: sticky ENOSPC */
static int sweep_op(const io_op *o, ctx *x) {
  /* how many counted operations a clean run makes */
  reset_work();
  if (op_open(x, work) < 0) return 0;
  ps__io_count_reset();
  int rc = o->run(x);
  long count = ps__io_count();
  op_close(x);
  if (rc != PS_OK) {
    fprintf(stderr, "  %s: clean run failed: %s %s\n", o->name, ps_status_name(rc), ps_errmsg());
    return 0;
  }
  reset_work();
  char *before = tree_digest(work);
  int dirty = 0, good = 1;
  long points[3] = {0, 0, 0};
  for (int mode = 0; mode < 3 && good; mode++) {
    int err = mode == 1 ? EIO : ENOSPC;
    int want = mode == 1 ? PS_ERR_IO : PS_ERR_NOSPACE;
    for (long n = 0; n < count && good; n = fault_next(n, dense)) {
      if (dirty) {
        reset_work();
        dirty = 0;
      }
      if (op_open(x, work) < 0) {
        good = 0;
        break;
      }
      if (mode == 2) ps__io_fail_sticky(n, err);
      else ps__io_fail_after(n, err);
      rc = o->run(x);
      const char *failed = ps__io_failed_op();
      ps__io_fail_after(-1, 0);
      char msg[1024];
      snprintf(msg, sizeof msg, "%s", ps_errmsg());
      if (rc == PS_OK) {
        if (!item_reads(x, o->item)) good = 0;
        dirty = 1;
      } else {
        points[mode]++;
        if (rc != want) {
          fprintf(stderr, "  %s: %s at %s #%ld: %s (%s), expected %s\n", o->name, strerror(err), failed, n,
                  ps_status_name(rc), msg, ps_status_name(want));
          good = 0;
        }
        if (!strstr(msg, work)) {
          fprintf(stderr, "  %s: %s at %s #%ld: message does not name the path: %s\n", o->name, strerror(err), failed,
                  n, msg);
          good = 0;
        }
        char *now = tree_digest(work);
        if (strcmp(now, before) != 0) {
          dirty = 1;
          if (!strstr(msg, "committed") || !item_reads(x, o->item)) {
            fprintf(stderr, "  %s: %s at %s #%ld failed (%s) but changed the store:\n", o->name, strerror(err), failed, n,
                    msg);
            tree_diff_print(before, now);
            good = 0;
          }
        }
        free(now);
      }
      op_close(x);
    }
  }
  free(before);
  printf("  %-22s %3ld ops: %3ld / %3ld / %3ld failures (ENOSPC / EIO / sticky ENOSPC)%s\n", o->name, count, points[0],
         points[1], points[2], fault_full() || count <= dense ? "" : " (sampled)");
  total_points += points[0] + points[1] + points[2];
  return good;
}

static void test_injected(void) {
  /* the template: item IT (days 0..59, parts of 10 rows, metadata), a snapshot */
  snprintf(tpl, sizeof tpl, "%s/tpl", root);
  snprintf(work, sizeof work, "%s/work", root);
  ctx x;
  memset(&x, 0, sizeof x);
  ps_store_options so = {.base_path = tpl};
  ASSERT_OK(ps_store_open("s", &so, 1, &x.st));
  ASSERT_OK(ps_collection_open(x.st, "c", 1, &x.c));
  ps_frame *f = rows(0, 60);
  ps_item_write_options wo = {.metadata = "{\"k\": 0}", .part_rows = 10};
  ASSERT_OK(ps_item_write(x.c, "IT", f, &wo));
  ASSERT_OK(ps_snapshot_create(x.c, "snap0", NULL));
  ps_frame *other = rows(200, 12);
  ps_item_write_options w2 = {.overwrite = 1, .metadata = "{\"k\": 9}", .part_rows = 5};
  ASSERT_OK(ps_item_write(x.c, "IT", other, &w2)); /* so that restore changes something */
  ASSERT_OK(ps_item_write(x.c, "IT", f, &(ps_item_write_options){.overwrite = 1, .metadata = "{\"k\": 0}", .part_rows = 10}));
  ps_frame_free(other);
  op_close(&x);
  x.a = f;
  printf("I/O failure sweeps (%s):\n", fault_full() ? "every point" : "dense range then sampled");
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) ASSERT(sweep_op(&ops[i], &x));
  printf("total: %ld failure points\n", total_points);
  ps_frame_free(f);
}

/* ---- a real full file system ---- */

static void test_tmpfs_full(void) {
  char mnt[300];
  snprintf(mnt, sizeof mnt, "%s/mnt", root);
  ASSERT(mkdir(mnt, 0777) == 0);
  if (mount("tmpfs", mnt, "tmpfs", 0, "size=384k") != 0) {
    printf("  tmpfs: SKIPPED (mount failed: %s; needs root)\n", strerror(errno));
    return;
  }
  ps_store_options so = {.base_path = mnt, .no_fsync = 0};
  ps_store *st = NULL;
  ps_collection *c = NULL;
  int failures = 0, appends = 0;
  int rc = ps_store_open("s", &so, 1, &st);
  if (rc == PS_OK) rc = ps_collection_open(st, "c", 1, &c);
  if (rc != PS_OK) {
    fprintf(stderr, "tmpfs store: %s\n", ps_errmsg());
    test__failures++;
    goto out;
  }
  ps_frame *f = rows(0, 200);
  ps_item_write_options wo = {.metadata = "{\"k\": 0}", .part_rows = 200};
  if (ps_item_write(c, "IT", f, &wo) != PS_OK) {
    fprintf(stderr, "tmpfs: first write: %s\n", ps_errmsg());
    test__failures++;
    ps_frame_free(f);
    goto out;
  }
  ps_frame_free(f);
  int64_t have = 200;
  for (int round = 0; round < 400 && failures < 12; round++) {
    char *before = tree_digest(mnt);
    ps_item_info info;
    ps_item_info_get(c, "IT", NULL, &info);
    /* alternate: after the range (new part), overlapping (rewrite), a new item, compact */
    int kind = round % 4;
    if (kind == 0) {
      ps_frame *g = rows(have, 150);
      rc = ps_item_append(c, "IT", g, NULL);
      ps_frame_free(g);
      if (rc == PS_OK) have += 150;
    } else if (kind == 1) {
      ps_frame *g = rows(have - 100, 120);
      rc = ps_item_append(c, "IT", g, NULL);
      ps_frame_free(g);
      if (rc == PS_OK) have += 20;
    } else if (kind == 2) {
      char nm[32];
      snprintf(nm, sizeof nm, "X%d", round);
      ps_frame *g = rows(0, 300);
      rc = ps_item_write(c, nm, g, NULL);
      ps_frame_free(g);
    } else {
      rc = ps_item_compact(c, "IT", 1000, NULL);
    }
    appends++;
    if (rc != PS_OK) {
      failures++;
      if (rc != PS_ERR_NOSPACE || !strstr(ps_errmsg(), mnt)) {
        fprintf(stderr, "tmpfs: round %d: %s (%s), expected PS_ERR_NOSPACE naming the path\n", round, ps_status_name(rc),
                ps_errmsg());
        test__failures++;
      }
      if (!tree_same(mnt, before, "tmpfs")) test__failures++;
      ps_item_info after;
      ps_frame *r = NULL;
      if (ps_item_info_get(c, "IT", NULL, &after) != PS_OK || after.num_rows != info.num_rows ||
          ps_item_read(c, "IT", NULL, &r) != PS_OK || ps_frame_num_rows(r) != have || !is_sorted_unique(r)) {
        fprintf(stderr, "tmpfs: round %d: item damaged after ENOSPC: %s\n", round, ps_errmsg());
        test__failures++;
      }
      ps_frame_free(r);
      /* free some room for the next rounds: remove a side item */
      char **items = NULL;
      if (ps_collection_list_items(c, NULL, &items) == PS_OK && items[0] && strcmp(items[0], "IT") != 0)
        ps_item_delete(c, items[0]);
      ps_names_free(items);
    }
    free(before);
  }
  printf("  tmpfs (384 KiB): %d operations, %d failed with ENOSPC, store intact after each\n", appends, failures);
  if (failures == 0) {
    fprintf(stderr, "tmpfs: the file system never filled up\n");
    test__failures++;
  }
out:
  ps_collection_close(c);
  ps_store_close(st);
  if (umount(mnt) != 0) fprintf(stderr, "umount %s: %s\n", mnt, strerror(errno));
}

int main(void) {
  ps_log_set_level(PS_LOG_OFF);
  if (fault_under_valgrind()) dense = 12;
  fault_mk_base(root, sizeof root, "iofault");
  RUN(test_injected);
  RUN(test_tmpfs_full);
  rm_base(root);
  TEST_MAIN_END();
}
