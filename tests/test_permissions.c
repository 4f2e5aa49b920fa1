/* Read-only and permission-denied stores.
 *  - a store seen through a read-only bind mount (needs root; skipped with
 *    a notice otherwise): every read works, every write fails with
 *    PS_ERR_PERMISSION and a message naming the path, nothing changes;
 *  - permission bits: run as an unprivileged user (a forked child drops to
 *    uid/gid 65534 when we are root, since root ignores permission bits):
 *    directories chmod 0555 (reads work, writes fail with
 *    PS_ERR_PERMISSION), an item directory chmod 0000 (its reads fail with
 *    PS_ERR_PERMISSION naming it). */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "test_fault_util.h"
#include "test_store_util.h"

static char root[256], base[300];
static ps_frame *fixture;

static int open_sc(const char *b, ps_store **st, ps_collection **c) {
  ps_store_options so = {.base_path = b, .lock_timeout_ms = 2000};
  int rc = ps_store_open("s", &so, 0, st);
  if (rc < 0) return rc;
  rc = ps_collection_open(*st, "c", 0, c);
  if (rc < 0) ps_store_close(*st);
  return rc;
}

/* Every read of the fixture works under `b`. */
static void check_reads(const char *b) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc(b, &st, &c));
  ps_frame *r = NULL;
  ASSERT_OK(ps_item_read(c, "IT", NULL, &r));
  ASSERT(frames_equal(r, fixture));
  ps_frame_free(r);
  ps_item_read_options ro = {.snapshot = "snap0", .start = "2024-01-05"};
  ASSERT_OK(ps_item_read(c, "IT", &ro, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 26);
  ps_frame_free(r);
  char **names;
  ASSERT_OK(ps_collection_list_items(c, "{\"k\": 1}", &names));
  ASSERT(names[0] && strcmp(names[0], "IT") == 0 && !names[1]);
  ps_names_free(names);
  ASSERT_OK(ps_snapshot_list(c, &names));
  ASSERT(names[0] && strcmp(names[0], "snap0") == 0);
  ps_names_free(names);
  char *j;
  ASSERT_OK(ps_item_metadata(c, "IT", NULL, &j));
  ASSERT(strstr(j, "\"k\": 1"));
  ps_free(j);
  ps_item_info info;
  ASSERT_OK(ps_cached_item_info(c, "IT", &info));
  ASSERT_EQ_INT(info.num_rows, 30);
  ps_chunk_options co = {.chunk_rows = 7};
  ps_chunk_reader *cr;
  ASSERT_OK(ps_item_chunks_open(c, "IT", &co, &cr));
  int64_t n = 0;
  for (;;) {
    ps_frame *ch = NULL;
    ASSERT_OK(ps_chunk_reader_next(cr, &ch));
    if (!ch) break;
    n += ps_frame_num_rows(ch);
    ps_frame_free(ch);
  }
  ps_chunk_reader_close(cr);
  ASSERT_EQ_INT(n, 30);
  ps_collection_close(c);
  ps_store_close(st);
}

static int stream_one(void *u, ps_frame **out) {
  int *done = u;
  *out = *done ? NULL : mk_range(100, 5);
  *done = 1;
  return PS_OK;
}

/* Every write under `b` fails with PS_ERR_PERMISSION naming a path under
 * `b`, and the tree is unchanged. */
static void check_writes_denied(const char *b) {
  char *before = tree_digest(b);
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc(b, &st, &c));
  ps_frame *more = mk_range(30, 5), *over = mk_range(10, 5);
  ps_item_write_options wo = {.overwrite = 1};
  ps_partition_options po = {.strategy = PS_PARTITION_MONTHLY};
  int done = 0;
  struct {
    const char *what;
    int rc;
  } r[] = {
      {"append", ps_item_append(c, "IT", more, NULL)},
      {"append overlapping", ps_item_append(c, "IT", over, NULL)},
      {"overwrite", ps_item_write(c, "IT", more, &wo)},
      {"write new item", ps_item_write(c, "NEW", more, NULL)},
      {"append_stream", ps_item_append_stream(c, "IT", stream_one, &done, NULL)},
      {"set_metadata", ps_item_set_metadata(c, "IT", "{\"x\": 1}")},
      {"compact", ps_item_compact(c, "IT", 100, NULL)},
      {"rebalance", ps_item_rebalance(c, "IT", &po, NULL)},
      {"snapshot create", ps_snapshot_create(c, "snapX", NULL)},
      {"snapshot restore", ps_snapshot_restore(c, "snap0", "IT")},
      {"snapshot delete", ps_snapshot_delete(c, "snap0")},
      {"item delete", ps_item_delete(c, "IT")},
  };
  ps_frame_free(more);
  ps_frame_free(over);
  ps_collection_close(c);
  ps_store_close(st);
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    if (r[i].rc != PS_ERR_PERMISSION) {
      fprintf(stderr, "  %s under %s: %s, expected PS_ERR_PERMISSION\n", r[i].what, b, ps_status_name(r[i].rc));
      test__failures++;
    }
  ASSERT(tree_same(b, before, "denied writes"));
  free(before);
}

/* One write at a time, checking its message names a path under b. */
static void check_messages(const char *b) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc(b, &st, &c));
  ps_frame *more = mk_range(30, 5);
  ASSERT_RC(ps_item_append(c, "IT", more, NULL), PS_ERR_PERMISSION);
  ASSERT(strstr(ps_errmsg(), b));
  ASSERT(strstr(ps_errmsg(), "ermission") || strstr(ps_errmsg(), "Read-only"));
  ASSERT_RC(ps_item_write(c, "NEW", more, NULL), PS_ERR_PERMISSION);
  ASSERT(strstr(ps_errmsg(), b));
  ASSERT_RC(ps_snapshot_create(c, "snapX", NULL), PS_ERR_PERMISSION);
  ASSERT(strstr(ps_errmsg(), b));
  ps_frame_free(more);
  char path[600];
  snprintf(path, sizeof path, "%s/s/c/x.parquet", b);
  ps_frame *f = mk_range(0, 3);
  ASSERT_RC(ps_parquet_write(path, f, NULL), PS_ERR_PERMISSION);
  ASSERT(strstr(ps_errmsg(), b));
  snprintf(path, sizeof path, "%s/s/c/x.csv", b);
  ASSERT_RC(ps_csv_write_file(path, f), PS_ERR_PERMISSION);
  ASSERT(strstr(ps_errmsg(), b));
  ps_frame_free(f);
  ps_store_options so = {.base_path = b};
  ps_store *s2 = NULL;
  ASSERT_RC(ps_store_open("new_store", &so, 1, &s2), PS_ERR_PERMISSION);
  ASSERT(strstr(ps_errmsg(), b));
  ps_collection *c2 = NULL;
  ASSERT_RC(ps_collection_open(st, "new_coll", 1, &c2), PS_ERR_PERMISSION);
  ASSERT(strstr(ps_errmsg(), b));
  ps_collection_close(c);
  ps_store_close(st);
}

static void test_read_only_mount(void) {
  if (geteuid() != 0) {
    printf("  read-only bind mount: SKIPPED (not root)\n");
    return;
  }
  char ro[400];
  snprintf(ro, sizeof ro, "%s/ro", root);
  ASSERT(mkdir(ro, 0755) == 0);
  if (mount(base, ro, "none", MS_BIND, NULL) != 0) {
    printf("  read-only bind mount: SKIPPED (mount: %s)\n", strerror(errno));
    return;
  }
  if (mount("none", ro, "none", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
    printf("  read-only bind mount: SKIPPED (remount read-only: %s)\n", strerror(errno));
    umount(ro);
    return;
  }
  check_reads(ro);
  check_writes_denied(ro);
  check_messages(ro);
  check_reads(ro);
  printf("  read-only bind mount: reads work, writes fail with PS_ERR_PERMISSION\n");
  if (umount(ro) != 0) fprintf(stderr, "umount %s: %s\n", ro, strerror(errno));
}

/* In the child: the tests as an unprivileged user. */
static int unprivileged_checks(void) {
  char store[350], coll[400], item[500], snaps[500];
  snprintf(store, sizeof store, "%s/s", base);
  snprintf(coll, sizeof coll, "%s/s/c", base);
  snprintf(item, sizeof item, "%s/IT", coll);
  snprintf(snaps, sizeof snaps, "%s/_snapshots", coll);
  /* read-only directories */
  chmod(item, 0555);
  chmod(coll, 0555);
  chmod(snaps, 0555);
  chmod(store, 0555);
  chmod(base, 0555);
  check_reads(base);
  check_writes_denied(base);
  check_messages(base);
  /* an item directory nobody may enter */
  chmod(coll, 0755);
  chmod(item, 0000);
  ps_store *st;
  ps_collection *c;
  if (open_sc(base, &st, &c) == PS_OK) {
    ps_frame *r = NULL;
    int rc = ps_item_read(c, "IT", NULL, &r);
    if (rc != PS_ERR_PERMISSION || !strstr(ps_errmsg(), item)) {
      fprintf(stderr, "  read of a 0000 item: %s (%s), expected PS_ERR_PERMISSION naming %s\n", ps_status_name(rc),
              ps_errmsg(), item);
      test__failures++;
    }
    ps_frame *m = mk_range(30, 2);
    rc = ps_item_append(c, "IT", m, NULL);
    if (rc != PS_ERR_PERMISSION || !strstr(ps_errmsg(), item)) {
      fprintf(stderr, "  append to a 0000 item: %s (%s)\n", ps_status_name(rc), ps_errmsg());
      test__failures++;
    }
    ps_frame_free(m);
    ps_collection_close(c);
    ps_store_close(st);
  } else {
    test__failures++;
  }
  chmod(item, 0755);
  chmod(snaps, 0755);
  chmod(store, 0755);
  chmod(base, 0755);
  return test__failures;
}

static void test_permission_bits(void) {
  if (geteuid() == 0) {
    /* hand the tree to nobody, then drop to nobody in a child */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "chown -R 65534:65534 '%s' && chmod 0755 '%s'", base, root);
    ASSERT(system(cmd) == 0);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
      if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
        fprintf(stderr, "cannot drop privileges: %s\n", strerror(errno));
        _exit(3);
      }
      _exit(unprivileged_checks() ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT(WIFEXITED(status));
    ASSERT_EQ_INT(WEXITSTATUS(status), 0);
    snprintf(cmd, sizeof cmd, "chown -R 0:0 '%s'", base);
    ASSERT(system(cmd) == 0);
  } else {
    ASSERT_EQ_INT(unprivileged_checks(), 0);
  }
  printf("  permission bits (uid %d): reads work, writes fail with PS_ERR_PERMISSION\n", geteuid() == 0 ? 65534 : (int)geteuid());
}

int main(void) {
  ps_log_set_level(PS_LOG_OFF);
  fault_mk_base(root, sizeof root, "perm");
  snprintf(base, sizeof base, "%s/base", root);
  ps_store_options so = {.base_path = base};
  ps_store *st;
  ps_collection *c;
  fixture = mk_range(0, 30);
  ps_item_write_options wo = {.metadata = "{\"k\": 1}", .part_rows = 10};
  if (ps_store_open("s", &so, 1, &st) || ps_collection_open(st, "c", 1, &c) || ps_item_write(c, "IT", fixture, &wo) ||
      ps_snapshot_create(c, "snap0", NULL)) {
    fprintf(stderr, "setup: %s\n", ps_errmsg());
    return 1;
  }
  ps_collection_close(c);
  ps_store_close(st);
  RUN(test_read_only_mount);
  RUN(test_permission_bits);
  ps_frame_free(fixture);
  rm_base(root);
  TEST_MAIN_END();
}
