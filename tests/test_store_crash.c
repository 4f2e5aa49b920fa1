/* Store commit protocol under crashes and concurrency:
 *  - kill -9 of a process in the middle of appends (several times, at random
 *    moments): every committed batch is present exactly once, the item
 *    reads cleanly, the next writer cleans the leftovers;
 *  - N processes x M appends (interleaved index values, so commits rewrite
 *    each other's parts) to one item, created concurrently: all N x M
 *    batches present, sorted, unique. */
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "test.h"
#include "util/alloc.h"
#include "test_store_util.h"

static char base[256];

#define B 20 /* rows per batch */

/* Batch b: days [b*B, (b+1)*B), plus (every third batch) an upsert of the
 * previous batch's last rows with the same values: forces part rewrites. */
static ps_frame *crash_batch(int b) {
  int extra = (b % 3 == 2) ? 3 : 0;
  int n = B + extra;
  int64_t d[B + 3];
  double v[B + 3];
  for (int i = 0; i < B; i++) d[i] = (int64_t)b * B + i;
  for (int i = 0; i < extra; i++) d[B + i] = (int64_t)b * B - 1 - i;
  for (int i = 0; i < n; i++) v[i] = (double)d[i] + 0.5;
  return mk_frame(d, v, n);
}

static const char *g_coll = "c"; /* collection the helpers open (children inherit it) */

static int open_item_coll(int no_fsync, ps_store **st, ps_collection **c) {
  ps_store_options o = {0};
  o.base_path = base;
  o.no_fsync = no_fsync;
  if (ps_store_open("crash", &o, 1, st) != PS_OK) return -1;
  if (ps_collection_open(*st, g_coll, 1, c) != PS_OK) return -1;
  return 0;
}

static void child_appender(int fd, int first, int no_fsync) {
  ps_store *st;
  ps_collection *c;
  if (open_item_coll(no_fsync, &st, &c) < 0) _exit(3);
  ps_append_options ao = {0};
  ao.part_rows = 50;
  for (int b = first;; b++) {
    ps_frame *f = crash_batch(b);
    int rc = ps_item_append(c, "K", f, &ao);
    ps_frame_free(f);
    if (rc != PS_OK) {
      fprintf(stderr, "child: append %d: %s\n", b, ps_errmsg());
      _exit(4);
    }
    if (write(fd, &b, sizeof b) != (ssize_t)sizeof b) _exit(5);
  }
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

static void test_kill9(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT(open_item_coll(1, &st, &c) == 0);
  ps_frame *f = crash_batch(0);
  ASSERT_OK(ps_item_write(c, "K", f, NULL));
  ps_frame_free(f);
  int committed = 0; /* highest batch known committed */
  srand((unsigned)getpid());
  const int rounds = 8;
  for (int round = 0; round < rounds; round++) {
    /* next batch: one past the stored maximum (the in-flight batch of the
       previous child may or may not have committed) */
    ps_frame *t;
    ASSERT_OK(ps_item_tail(c, "K", 1, NULL, &t));
    int first = (int)(day_at(t, 0) / B) + 1;
    ps_frame_free(t);
    ASSERT(first >= committed + 1);
    int p[2];
    ASSERT(pipe(p) == 0);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      child_appender(p[1], first, round % 2);
    }
    close(p[1]);
    /* wait for at least one commit, then kill at a random moment */
    int b;
    ASSERT(read(p[0], &b, sizeof b) == (ssize_t)sizeof b);
    committed = b;
    struct timespec ts = {0, (long)(rand() % 40 + 1) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ASSERT(WIFSIGNALED(status));
    while (read(p[0], &b, sizeof b) == (ssize_t)sizeof b) committed = b;
    close(p[0]);
    /* the item reads cleanly: every committed batch present exactly once */
    ps_frame *r;
    ASSERT_OK(ps_item_read(c, "K", NULL, &r));
    int64_t n = ps_frame_num_rows(r);
    ASSERT(n == (int64_t)(committed + 1) * B || n == (int64_t)(committed + 2) * B);
    for (int64_t i = 0; i < n; i++) {
      ASSERT_EQ_INT(day_at(r, i), i);
      ASSERT(dbl(r, "close", i) == (double)i + 0.5);
    }
    ps_frame_free(r);
  }
  /* the next writer removes leftovers of the crashed commit */
  ps_frame *t;
  ASSERT_OK(ps_item_tail(c, "K", 1, NULL, &t));
  int next = (int)(day_at(t, 0) / B) + 1;
  ps_frame_free(t);
  f = crash_batch(next);
  ASSERT_OK(ps_item_append(c, "K", f, NULL));
  ps_frame_free(f);
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "K", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, (int64_t)(next + 1) * B);
  char dir[600];
  snprintf(dir, sizeof dir, "%s/K", ps_collection_path(c));
  ASSERT_EQ_INT(count_parquet(dir), info.num_parts);
  DIR *d = opendir(dir);
  ASSERT(d);
  struct dirent *e;
  int temps = 0;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp-")) temps++;
  closedir(d);
  ASSERT_EQ_INT(temps, 0);
  printf("kill -9: %d rounds, %d batches committed, %lld parts\n", rounds, next + 1, (long long)info.num_parts);
  ps_collection_close(c);
  ps_store_close(st);
}

/* kill -9 while items are created and overwritten: every listed item reads
 * cleanly and an overwritten item is entirely one version. */
static void test_kill9_create_overwrite(void) {
  ps_store *st;
  ps_collection *c;
  g_coll = "created";
  ASSERT(open_item_coll(1, &st, &c) == 0);
  for (int round = 0; round < 4; round++) {
    int p[2];
    ASSERT(pipe(p) == 0);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      ps_store *s2;
      ps_collection *c2;
      if (open_item_coll(round % 2, &s2, &c2) < 0) _exit(3);
      for (int i = 0;; i++) {
        int64_t d[B];
        double v[B];
        for (int k = 0; k < B; k++) {
          d[k] = k;
          v[k] = round * 100000 + i;
        }
        ps_frame *f = mk_frame(d, v, B);
        char name[64];
        snprintf(name, sizeof name, "new-%d-%d", round, i);
        ps_item_write_options wo = {0};
        wo.part_rows = 7;
        if (ps_item_write(c2, name, f, &wo) != PS_OK) _exit(4);
        wo.overwrite = 1;
        if (ps_item_write(c2, "OW", f, &wo) != PS_OK) _exit(4);
        ps_frame_free(f);
        if (write(p[1], &i, sizeof i) != (ssize_t)sizeof i) _exit(5);
      }
    }
    close(p[1]);
    int i;
    ASSERT(read(p[0], &i, sizeof i) == (ssize_t)sizeof i);
    struct timespec ts = {0, (long)(rand() % 30 + 1) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    while (read(p[0], &i, sizeof i) == (ssize_t)sizeof i) {
    }
    close(p[0]);
    char **items;
    ASSERT_OK(ps_collection_list_items(c, NULL, &items));
    for (size_t k = 0; items[k]; k++) {
      ps_frame *r;
      ASSERT_OK(ps_item_read(c, items[k], NULL, &r));
      ASSERT_EQ_INT(ps_frame_num_rows(r), B);
      for (int64_t j = 1; j < B; j++) ASSERT(dbl(r, "close", j) == dbl(r, "close", 0));
      ps_frame_free(r);
    }
    ps_names_free(items);
  }
  ps_collection_close(c);
  ps_store_close(st);
  g_coll = "c";
}

#define NPROC 4
#define MAPP 8

static void test_concurrent_appends(void) {
  pid_t pids[NPROC];
  for (int p = 0; p < NPROC; p++) {
    pids[p] = fork();
    ASSERT(pids[p] >= 0);
    if (pids[p] == 0) {
      ps_store *st;
      ps_collection *c;
      if (open_item_coll(1, &st, &c) < 0) _exit(3);
      ps_append_options ao = {0};
      ao.create = 1; /* the first one creates the item: a creation race */
      ao.duplicates = PS_DUP_ERROR; /* no two batches share an index value */
      ao.part_rows = 16;
      for (int m = 0; m < MAPP; m++) {
        int64_t d[B];
        double v[B];
        for (int i = 0; i < B; i++) {
          d[i] = (int64_t)m * NPROC * B + (int64_t)i * NPROC + p; /* interleaved with the other processes */
          v[i] = (double)d[i] + 0.5;
        }
        ps_frame *f = mk_frame(d, v, B);
        int rc = ps_item_append(c, "SHARED", f, &ao);
        ps_frame_free(f);
        if (rc != PS_OK) {
          fprintf(stderr, "proc %d append %d: %s: %s\n", p, m, ps_status_name(rc), ps_errmsg());
          _exit(4);
        }
      }
      ps_collection_close(c);
      ps_store_close(st);
      _exit(0);
    }
  }
  for (int p = 0; p < NPROC; p++) {
    int status;
    waitpid(pids[p], &status, 0);
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ps_store *st;
  ps_collection *c;
  ASSERT(open_item_coll(1, &st, &c) == 0);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "SHARED", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), NPROC * MAPP * B);
  for (int64_t i = 0; i < ps_frame_num_rows(r); i++) {
    ASSERT_EQ_INT(day_at(r, i), i);
    ASSERT(dbl(r, "close", i) == (double)i + 0.5);
  }
  ps_frame_free(r);
  ps_collection_close(c);
  ps_store_close(st);
}

/* Readers never block and never see a partial commit while a writer works. */
static void test_reader_during_writes(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT(open_item_coll(1, &st, &c) == 0);
  ps_frame *f = crash_batch(0);
  ASSERT_OK(ps_item_write(c, "RW", f, NULL));
  ps_frame_free(f);
  pid_t pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    ps_store *s2;
    ps_collection *c2;
    if (open_item_coll(1, &s2, &c2) < 0) _exit(3);
    ps_append_options ao = {0};
    ao.part_rows = 30;
    for (int b = 1; b <= 30; b++) {
      ps_frame *g = crash_batch(b);
      if (ps_item_append(c2, "RW", g, &ao) != PS_OK) _exit(4);
      ps_frame_free(g);
    }
    _exit(0);
  }
  int reads = 0, done = 0;
  while (!done) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      done = 1;
    }
    ps_frame *r;
    ASSERT_OK(ps_item_read(c, "RW", NULL, &r));
    int64_t n = ps_frame_num_rows(r);
    ASSERT(n % B == 0);
    for (int64_t i = 0; i < n; i++) ASSERT_EQ_INT(day_at(r, i), i);
    ps_frame_free(r);
    reads++;
  }
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "RW", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 31 * B);
  ps_frame_free(r);
  printf("reader: %d consistent reads during 30 commits\n", reads);
  ps_collection_close(c);
  ps_store_close(st);
}

/* A reader racing with an item's creation (and re-creation after a delete)
 * sees no item or the whole new one, never a directory of loose parts: the
 * manifest is looked for again once the directory exists (it used to be
 * read as a PyStore item without manifest: every *.parquet file, including
 * parts of a commit in progress). */
static void test_reader_during_create_delete(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT(open_item_coll(1, &st, &c) == 0);
  pid_t pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    ps_store *s2;
    ps_collection *c2;
    if (open_item_coll(1, &s2, &c2) < 0) _exit(3);
    ps_frame *g = crash_batch(0);
    for (int i = 0; i < 400; i++)
      if (ps_item_write(c2, "CD", g, NULL) != PS_OK || ps_item_delete(c2, "CD") != PS_OK) _exit(4);
    ps_frame_free(g);
    _exit(0);
  }
  int infos = 0, legacy = 0, done = 0;
  while (!done) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      done = 1;
    }
    ps_item_info info;
    if (ps_item_info_get(c, "CD", NULL, &info) == PS_OK) {
      infos++;
      if (!info.has_manifest || info.version < 1 || info.num_rows != B) legacy++;
    }
  }
  printf("reader: %d infos during 400 creations/deletions, %d not a whole committed item\n", infos, legacy);
  ASSERT_EQ_INT(legacy, 0);
  ps_collection_close(c);
  ps_store_close(st);
}

/* Out of memory at every point of an overlapping append: the call fails
 * cleanly and the item is exactly the old one, or it succeeds. */
static void test_alloc_failures(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT(open_item_coll(1, &st, &c) == 0);
  ps_frame *f = crash_batch(0);
  ps_item_write_options wo = {0};
  wo.part_rows = 8;
  ASSERT_OK(ps_item_write(c, "OOM", f, &wo));
  ps_frame_free(f);
  int64_t d[] = {5, 30, 6};
  double v[] = {-5, 30.5, -6};
  ps_frame *g = mk_frame(d, v, 3);
  int failures = 0;
  for (long n = 0;; n += 1 + n / 16) {
    ps__alloc_fail_after(n);
    int rc = ps_item_append(c, "OOM", g, NULL);
    ps__alloc_fail_after(-1);
    ps_frame *r;
    ASSERT_OK(ps_item_read(c, "OOM", NULL, &r));
    if (rc == PS_OK) {
      ASSERT_EQ_INT(ps_frame_num_rows(r), B + 1);
      ASSERT(dbl(r, "close", 5) == -5 && dbl(r, "close", 6) == -6);
      ps_frame_free(r);
      break;
    }
    failures++;
    ASSERT_EQ_INT(ps_frame_num_rows(r), B);
    for (int64_t i = 0; i < B; i++) ASSERT(dbl(r, "close", i) == (double)i + 0.5);
    ps_frame_free(r);
  }
  ps_frame_free(g);
  /* no leftovers once the next writer ran */
  char dir[600];
  snprintf(dir, sizeof dir, "%s/OOM", ps_collection_path(c));
  ASSERT_OK(ps_item_compact(c, "OOM", 8, NULL));
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "OOM", NULL, &info));
  ASSERT_EQ_INT(count_parquet(dir), info.num_parts);
  printf("allocation failures: %d failing points checked\n", failures);
  ps_collection_close(c);
  ps_store_close(st);
}

int main(void) {
  mk_base(base, sizeof base, "crash");
  RUN(test_kill9);
  RUN(test_kill9_create_overwrite);
  RUN(test_concurrent_appends);
  RUN(test_reader_during_writes);
  RUN(test_reader_during_create_delete);
  RUN(test_alloc_failures);
  if (!test__failures) rm_base(base);
  TEST_MAIN_END();
}
