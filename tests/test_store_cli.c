/* The store commands of the pystore tool, run as a subprocess (./pystore in
 * the build directory; skipped when the tool was not built). */
#include <sys/stat.h>
#include <sys/wait.h>

#include "test.h"
#include "test_store_util.h"

static char base[256];
static char out_path[300];

/* Run "./pystore --path BASE <args>" with stdout to out_path; exit status. */
static int run(const char *args) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "./pystore --path '%s' %s > '%s' 2>/dev/null", base, args, out_path);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(void) {
  static char buf[65536];
  FILE *f = fopen(out_path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return buf;
}

static void write_file(const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", base, name);
  FILE *f = fopen(p, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void test_cli(void) {
  char args[1024];
  write_file("a.csv", "Date,close,sym\n2024-01-01,1.5,A\n2024-01-03,3.5,A\n2024-01-02,2.5,B\n");
  write_file("b.csv", "Date,close,sym\n2024-01-03,30.5,A\n2024-01-04,4.5,C\n");
  snprintf(args, sizeof args, "write s/c/AAPL '%s/a.csv' --index Date --metadata '{\"source\":\"x\"}'", base);
  ASSERT_EQ_INT(run(args), 0);
  ASSERT(run(args) != 0); /* exists */
  snprintf(args, sizeof args, "append s/c/AAPL '%s/b.csv' --index Date --duplicates error", base);
  ASSERT(run(args) != 0);
  snprintf(args, sizeof args, "append s/c/AAPL '%s/b.csv' --index Date", base);
  ASSERT_EQ_INT(run(args), 0);
  ASSERT_EQ_INT(run("read s/c/AAPL --format json"), 0);
  char *o = slurp();
  ASSERT(strstr(o, "30.5") && !strstr(o, "3.5,") && strstr(o, "2024-01-04"));
  ASSERT_EQ_INT(run("read s/c/AAPL --start 2024-01-02 --end 2024-01-03 --format json"), 0);
  o = slurp();
  ASSERT(strstr(o, "2024-01-02") && strstr(o, "2024-01-03") && !strstr(o, "2024-01-01") && !strstr(o, "2024-01-04"));
  ASSERT_EQ_INT(run("read s/c/AAPL --where \"sym == 'A'\" --format json"), 0);
  o = slurp();
  ASSERT(!strstr(o, "\"B\""));
  ASSERT_EQ_INT(run("info s/c/AAPL"), 0);
  ASSERT(strstr(slurp(), "rows:      4"));
  ASSERT_EQ_INT(run("list-stores"), 0);
  ASSERT_EQ_STR(slurp(), "s\n");
  ASSERT_EQ_INT(run("list-items s/c --metadata '{\"source\":\"x\"}'"), 0);
  ASSERT_EQ_STR(slurp(), "AAPL\n");
  ASSERT_EQ_INT(run("metadata s/c/AAPL"), 0);
  ASSERT(strstr(slurp(), "\"source\""));
  ASSERT_EQ_INT(run("snapshot create s/c snap1"), 0);
  ASSERT_EQ_INT(run("delete s/c/AAPL"), 0);
  ASSERT(run("read s/c/AAPL") != 0);
  ASSERT_EQ_INT(run("read s/c/AAPL --snapshot snap1 --tail 1 --format json"), 0);
  ASSERT(strstr(slurp(), "2024-01-04"));
  ASSERT_EQ_INT(run("snapshot restore s/c snap1 AAPL"), 0);
  ASSERT_EQ_INT(run("compact s/c/AAPL"), 0);
  ASSERT_EQ_INT(run("snapshot delete s/c --all"), 0);
  ASSERT_EQ_INT(run("delete s"), 0);
  ASSERT_EQ_INT(run("list-stores"), 0);
  ASSERT_EQ_STR(slurp(), "");
  ASSERT(run("read s/c/../x") != 0);
}

int main(void) {
  struct stat st;
  if (stat("./pystore", &st) != 0) {
    printf("skipped: ./pystore not built\n");
    return 0;
  }
  mk_base(base, sizeof base, "cli");
  snprintf(out_path, sizeof out_path, "%s/out.txt", base);
  RUN(test_cli);
  if (!test__failures) rm_base(base);
  TEST_MAIN_END();
}
