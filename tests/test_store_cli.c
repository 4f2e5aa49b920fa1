/* The store commands of the pystore tool, run as a subprocess (./pystore in
 * the build directory; skipped when the tool was not built). */
#include <sys/stat.h>
#include <sys/wait.h>

#include "test.h"
#include "test_store_util.h"

static char base[256];
static char out_path[300], err_path[300];

/* Run "[PREFIX |] ./pystore --path BASE <args>" with stdout to out_path and
 * stderr to err_path; exit status. */
static int run_piped(const char *prefix, const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s%s./pystore --path '%s' %s > '%s' 2>'%s'", prefix ? prefix : "", prefix ? " | " : "",
           base, args, out_path, err_path);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(const char *args) { return run_piped(NULL, args); }

static char *slurp_file(const char *path) {
  static char buf[65536];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return buf;
}

static char *slurp(void) { return slurp_file(out_path); }
static char *slurp_err(void) { return slurp_file(err_path); }

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

/* The command names of the issue (stores, collections, items --where, stdin
 * input, Parquet in and out, info levels, --help everywhere, JSON output,
 * error messages naming the item). */
/* read --chunk-size: the same rows as one read, CSV header once, --limit cuts */
static void test_cli_read_chunks(void) {
  char pre[512];
  snprintf(pre, sizeof pre, "seq 0 99 | awk 'BEGIN{print \"i,x\"} {print $1\",\"$1*1.5}'");
  ASSERT_EQ_INT(run_piped(pre, "write ch/co/N - --index i"), 0);
  ASSERT_EQ_INT(run("read ch/co/N --format csv"), 0);
  char whole[8192];
  snprintf(whole, sizeof whole, "%s", slurp());
  ASSERT_EQ_INT(run("read ch/co/N --format csv --chunk-size 7"), 0);
  ASSERT_EQ_STR(slurp(), whole);
  ASSERT_EQ_INT(run("read ch/co/N --format csv --chunk-size 7 --limit 10 --where 'x >= 3'"), 0);
  const char *o = slurp();
  ASSERT(strncmp(o, "i,x\n2,3.0\n", 10) == 0);
  int lines = 0;
  for (const char *p = o; *p; p++) lines += *p == '\n';
  ASSERT_EQ_INT(lines, 11); /* header + 10 rows */
  ASSERT_EQ_INT(run("read-chunks ch/co/N --chunk-size 30"), 0);
  ASSERT(strstr(slurp(), "100 rows in 4 chunks"));
}

static void test_cli_commands(void) {
  char args[1024], pre[1024];
  /* --help for every command, and the top-level list */
  const char *cmds[] = {"stores", "collections", "items", "write", "append", "read", "info",
                        "metadata", "snapshot", "delete", "compact", "list-stores", "list-items"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    snprintf(args, sizeof args, "%s --help", cmds[i]);
    ASSERT_EQ_INT(run(args), 0);
    ASSERT(strstr(slurp(), "usage: pystore"));
  }
  ASSERT_EQ_INT(run("--help"), 0);
  char *o = slurp();
  for (size_t i = 0; i < 11; i++) ASSERT(strstr(o, cmds[i]));
  ASSERT_EQ_INT(run("stores"), 0);
  ASSERT_EQ_STR(slurp(), "");
  /* CSV on standard input */
  snprintf(pre, sizeof pre, "printf 'Date,close,sym\\n2024-01-01,1.5,A\\n2024-01-03,3.5,A\\n2024-01-02,2.5,B\\n'");
  ASSERT_EQ_INT(run_piped(pre, "write st/co/AAPL - --index Date --metadata '{\"source\":\"x\",\"n\":5}'"), 0);
  ASSERT_EQ_INT(run_piped(pre, "write st/co/MSFT - --index Date --metadata '{\"source\":\"y\",\"n\":5}'"), 0);
  ASSERT_EQ_INT(run("stores --format json"), 0);
  ASSERT(strstr(slurp(), "\"st\""));
  ASSERT_EQ_INT(run("collections st"), 0);
  ASSERT_EQ_STR(slurp(), "co\n");
  ASSERT_EQ_INT(run("items st/co"), 0);
  ASSERT_EQ_STR(slurp(), "AAPL\nMSFT\n");
  ASSERT_EQ_INT(run("items st/co --where source=x"), 0);
  ASSERT_EQ_STR(slurp(), "AAPL\n");
  ASSERT_EQ_INT(run("items st/co --where n=5"), 0); /* JSON number */
  ASSERT_EQ_STR(slurp(), "AAPL\nMSFT\n");
  ASSERT_EQ_INT(run("items st/co --where n=5 --where source=y --format json"), 0); /* AND */
  o = slurp();
  ASSERT(strstr(o, "\"MSFT\"") && !strstr(o, "AAPL"));
  ASSERT_EQ_INT(run("items st/co --where 'n=\"5\"'"), 0); /* the string "5" is not 5 */
  ASSERT_EQ_STR(slurp(), "");
  ASSERT(run("items st/co --where novalue") != 0);
  /* write exists -> error naming the item */
  ASSERT(run_piped(pre, "write st/co/AAPL - --index Date") != 0);
  ASSERT(strstr(slurp_err(), "AAPL"));
  /* Parquet out, Parquet in (the index comes back from the pandas metadata) */
  snprintf(args, sizeof args, "read st/co/AAPL --format parquet -o '%s/a.parquet'", base);
  ASSERT_EQ_INT(run(args), 0);
  ASSERT(run("read st/co/AAPL --format parquet") != 0); /* needs -o */
  snprintf(args, sizeof args, "write st/co/COPY '%s/a.parquet'", base);
  ASSERT_EQ_INT(run(args), 0);
  ASSERT_EQ_INT(run("read st/co/COPY --format csv"), 0);
  ASSERT_EQ_STR(slurp(), "Date,close,sym\n2024-01-01T00:00:00,1.5,\"A\"\n2024-01-02T00:00:00,2.5,\"B\"\n"
                         "2024-01-03T00:00:00,3.5,\"A\"\n");
  /* append from stdin with a policy; -o for csv */
  ASSERT(run_piped("printf 'Date,close,sym\\n2024-01-03,9.5,Z\\n'", "append st/co/COPY - --index Date --duplicates error") != 0);
  ASSERT(strstr(slurp_err(), "COPY") && strstr(slurp_err(), "2024-01-03"));
  ASSERT_EQ_INT(run_piped("printf 'Date,close,sym\\n2024-01-03,9.5,Z\\n'", "append st/co/COPY - --index Date --duplicates keep_all"), 0);
  snprintf(args, sizeof args, "read st/co/COPY --columns close --start 2024-01-02 --format csv -o '%s/r.csv'", base);
  ASSERT_EQ_INT(run(args), 0);
  char p[400];
  snprintf(p, sizeof p, "%s/r.csv", base);
  ASSERT_EQ_STR(slurp_file(p), "close,Date\n2.5,2024-01-02T00:00:00\n3.5,2024-01-03T00:00:00\n9.5,2024-01-03T00:00:00\n");
  ASSERT_EQ_INT(run("read st/co/COPY --where 'close > 3' --format json"), 0);
  o = slurp();
  ASSERT(strstr(o, "3.5") && strstr(o, "9.5") && !strstr(o, "2.5"));
  ASSERT_EQ_INT(run("read st/co/COPY"), 0);
  ASSERT(strstr(slurp(), "(4 rows)"));
  /* info at every level */
  ASSERT_EQ_INT(run("info --format json"), 0);
  ASSERT(strstr(slurp(), "\"stores\"") && strstr(slurp(), "\"st\""));
  ASSERT_EQ_INT(run("info st --format json"), 0);
  ASSERT(strstr(slurp(), "\"collections\"") && strstr(slurp(), "pyarrow"));
  ASSERT_EQ_INT(run("info st/co --format json"), 0);
  ASSERT(strstr(slurp(), "\"COPY\"") && strstr(slurp(), "\"snapshots\""));
  ASSERT_EQ_INT(run("info st/co/COPY --format json"), 0);
  o = slurp();
  ASSERT(strstr(o, "\"rows\": 4") && strstr(o, "\"index\": true") && strstr(o, "\"unit\": \"ns\""));
  ASSERT_EQ_INT(run("info st/co/COPY"), 0);
  ASSERT(strstr(slurp(), "timestamp[ns]  (index)"));
  /* metadata set/update */
  ASSERT_EQ_INT(run("metadata st/co/AAPL --update '{\"k\": 1}'"), 0);
  ASSERT_EQ_INT(run("metadata st/co/AAPL"), 0);
  o = slurp();
  ASSERT(strstr(o, "\"k\": 1") && strstr(o, "\"source\": \"x\"") && strstr(o, "_updated"));
  ASSERT_EQ_INT(run("metadata st/co/AAPL --set '{\"only\": true}'"), 0);
  ASSERT_EQ_INT(run("metadata st/co/AAPL"), 0);
  ASSERT(!strstr(slurp(), "source"));
  ASSERT(run("metadata st/co/AAPL --update '[1]'") != 0);
  /* snapshots: restore as STORE/COLL/ITEM NAME */
  ASSERT_EQ_INT(run("snapshot create st/co s1"), 0);
  ASSERT_EQ_INT(run("snapshot list st/co --format json"), 0);
  ASSERT(strstr(slurp(), "\"s1\""));
  ASSERT_EQ_INT(run("delete st/co/COPY"), 0);
  ASSERT_EQ_INT(run("snapshot restore st/co/COPY s1"), 0);
  ASSERT_EQ_INT(run("read st/co/COPY --format json"), 0);
  ASSERT(strstr(slurp(), "9.5"));
  ASSERT(run("snapshot delete st/co nope") != 0);
  ASSERT(strstr(slurp_err(), "nope"));
  ASSERT_EQ_INT(run("snapshot delete st/co s1"), 0);
  /* errors: non-zero with the library's message naming what failed */
  ASSERT(run("read st/co/NOPE") != 0);
  ASSERT(strstr(slurp_err(), "NOPE") && strstr(slurp_err(), "pystore: read"));
  ASSERT(run("read st/co/AAPL --bogus") == 2);
  ASSERT(run("read st/co") == 2);
  ASSERT(run("delete st/nope") != 0);
  ASSERT(run("write st/co/__tmp /dev/null") != 0);
  ASSERT_EQ_INT(run("delete st/co"), 0);
  ASSERT_EQ_INT(run("collections st"), 0);
  ASSERT_EQ_STR(slurp(), "");
  ASSERT_EQ_INT(run("delete st"), 0);
}

int main(void) {
  struct stat st;
  if (stat("./pystore", &st) != 0) {
    printf("skipped: ./pystore not built\n");
    return 0;
  }
  mk_base(base, sizeof base, "cli");
  snprintf(out_path, sizeof out_path, "%s/out.txt", base);
  snprintf(err_path, sizeof err_path, "%s/err.txt", base);
  RUN(test_cli);
  RUN(test_cli_commands);
  RUN(test_cli_read_chunks);
  if (!test__failures) rm_base(base);
  TEST_MAIN_END();
}
