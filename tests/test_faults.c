/* Fault injection: a full disk (simulated with RLIMIT_FSIZE in a child
 * process) during a Parquet write and a store append, and a damaged part
 * file. Each must fail with a clear error and lose nothing. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "test_store_util.h"

static char tmpdir[256];

/* 1 if any name in dir contains "tmp" (a leftover temporary). */
static int has_temp_leftover(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)))
    if (strstr(e->d_name, "tmp")) found = 1;
  closedir(d);
  return found;
}

/* Run fn in a child whose files may not grow past `limit` bytes. The child
 * exits 0 if fn reported an I/O or no-space error, 1 if it succeeded, 2 for
 * any other status. */
static int run_with_fsize_limit(int (*fn)(void *), void *arg, rlim_t limit) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN); /* write() then fails with EFBIG instead of killing us */
    struct rlimit rl = {limit, limit};
    setrlimit(RLIMIT_FSIZE, &rl);
    int rc = fn(arg);
    if (rc == PS_OK) _exit(1);
    fprintf(stderr, "  (child saw %s: %s)\n", ps_status_name(rc), ps_errmsg());
    _exit(rc == PS_ERR_IO || rc == PS_ERR_NOSPACE ? 0 : 2);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static ps_frame *big_frame(int64_t n) {
  ps_frame *f;
  if (ps_frame_new(&f)) return NULL;
  ps_column *ts, *x;
  ps_frame_add_column(f, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &ts);
  ps_frame_add_column(f, "x", PS_TYPE_FLOAT64, 0, NULL, &x);
  uint64_t s = 12345;
  for (int64_t i = 0; i < n; i++) {
    ps_column_append_int(ts, T0_NS + i * 1000000000LL);
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    ps_column_append_double(x, (double)(s >> 11) / 9007199254740992.0);
  }
  ps_frame_set_index(f, "Date");
  ps_frame_validate(f);
  return f;
}

typedef struct write_args {
  const char *path;
  const ps_frame *frame;
} write_args;

static int do_parquet_write(void *v) {
  write_args *a = v;
  ps_write_options wo = {.codec = PS_CODEC_NONE};
  return ps_parquet_write(a->path, a->frame, &wo);
}

static void test_parquet_write_disk_full(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/prices.parquet", tmpdir);
  ps_frame *small = big_frame(10), *big = big_frame(200000);
  ASSERT(small && big);
  ASSERT_OK(ps_parquet_write(path, small, NULL));
  write_args a = {path, big};
  ASSERT_EQ_INT(run_with_fsize_limit(do_parquet_write, &a, 256 * 1024), 0);
  /* the old file is intact and no temporary is left behind */
  ps_frame *back;
  ASSERT_OK(ps_parquet_read_file(path, NULL, &back));
  ASSERT_EQ_INT(ps_frame_num_rows(back), 10);
  ps_frame_free(back);
  ASSERT(!has_temp_leftover(tmpdir));
  ps_frame_free(small);
  ps_frame_free(big);
}

typedef struct append_args {
  const char *base;
  const ps_frame *frame;
} append_args;

static int do_store_append(void *v) {
  append_args *a = v;
  ps_store_options so = {.base_path = a->base};
  ps_store *st;
  ps_collection *c;
  int rc = ps_store_open("s", &so, 0, &st);
  if (rc < 0) return rc;
  if ((rc = ps_collection_open(st, "c", 0, &c)) == PS_OK) {
    rc = ps_item_append(c, "ITEM", a->frame, NULL);
    ps_collection_close(c);
  }
  ps_store_close(st);
  return rc;
}

static void test_store_append_disk_full(void) {
  char base[512];
  snprintf(base, sizeof base, "%s/store", tmpdir);
  ps_store_options so = {.base_path = base};
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(ps_store_open("s", &so, 1, &st));
  ASSERT_OK(ps_collection_open(st, "c", 1, &c));
  ps_frame *first = mk_range(0, 100);
  ASSERT_OK(ps_item_write(c, "ITEM", first, NULL));
  ps_frame_free(first);
  /* rows after the stored range and overlapping it, too big for the "disk" */
  ps_frame *more = mk_range(50, 20000);
  append_args a = {base, more};
  ASSERT_EQ_INT(run_with_fsize_limit(do_store_append, &a, 64 * 1024), 0);
  /* the item is exactly as before, and the next append works */
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "ITEM", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, 100);
  ps_frame *r;
  ASSERT_OK(ps_item_read(c, "ITEM", NULL, &r));
  ASSERT_EQ_INT(ps_frame_num_rows(r), 100);
  ASSERT(idx_at(r, 99) == T0_NS + 99 * DAY_NS);
  ps_frame_free(r);
  ASSERT_OK(ps_item_append(c, "ITEM", more, NULL));
  ASSERT_OK(ps_item_info_get(c, "ITEM", NULL, &info));
  ASSERT_EQ_INT(info.num_rows, 20050);
  ps_frame_free(more);
  ps_collection_close(c);
  ps_store_close(st);
}

/* A committed part damaged on disk: reads fail naming the file, never crash. */
static void test_damaged_part(void) {
  char base[512];
  snprintf(base, sizeof base, "%s/store2", tmpdir);
  ps_store_options so = {.base_path = base};
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(ps_store_open("s", &so, 1, &st));
  ASSERT_OK(ps_collection_open(st, "c", 1, &c));
  ps_frame *f = mk_range(0, 1000);
  ASSERT_OK(ps_item_write(c, "ITEM", f, NULL));
  ps_frame_free(f);
  char dir[700];
  snprintf(dir, sizeof dir, "%s/ITEM", ps_collection_path(c));
  DIR *d = opendir(dir);
  ASSERT(d);
  struct dirent *e;
  char part[1000] = "";
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".parquet")) snprintf(part, sizeof part, "%s/%s", dir, e->d_name);
  closedir(d);
  ASSERT(part[0]);
  struct stat sb;
  ASSERT(stat(part, &sb) == 0);
  ASSERT(truncate(part, sb.st_size / 2) == 0);
  ps_frame *r = NULL;
  int rc = ps_item_read(c, "ITEM", NULL, &r);
  ASSERT(rc == PS_ERR_CORRUPT || rc == PS_ERR_IO);
  ASSERT(strstr(ps_errmsg(), "part") != NULL);
  ASSERT(r == NULL);
  ps_collection_close(c);
  ps_store_close(st);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/ps_test_faults_XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  RUN(test_parquet_write_disk_full);
  RUN(test_store_append_disk_full);
  RUN(test_damaged_part);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  TEST_MAIN_END();
}
