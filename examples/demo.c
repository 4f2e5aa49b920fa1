/* pystore demo: minute bars for a few symbols written to Parquet, inspected,
 * then read back by column and by date range, with timings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pystore.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int check(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "demo: %s: %s\n", what, ps_errmsg());
    exit(1);
  }
  return rc;
}

/* 390 one-minute bars per trading day, from 2024-01-02 14:30 UTC, for `days` days. */
static ps_frame *minute_bars(const char *symbol, int days, unsigned seed) {
  ps_frame *f;
  ps_column *ts, *o, *h, *l, *c, *v;
  check(ps_frame_new(&f), "frame");
  check(ps_frame_add_column(f, "open", PS_TYPE_FLOAT64, 0, NULL, &o), "column");
  check(ps_frame_add_column(f, "high", PS_TYPE_FLOAT64, 0, NULL, &h), "column");
  check(ps_frame_add_column(f, "low", PS_TYPE_FLOAT64, 0, NULL, &l), "column");
  check(ps_frame_add_column(f, "close", PS_TYPE_FLOAT64, 0, NULL, &c), "column");
  check(ps_frame_add_column(f, "volume", PS_TYPE_INT64, 0, NULL, &v), "column");
  check(ps_frame_add_column(f, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "America/New_York", &ts), "column");
  const int64_t day_ns = 86400LL * 1000000000LL, start = 1704205800LL * 1000000000LL; /* 2024-01-02 14:30Z */
  double price = 100.0 + (seed % 50);
  for (int d = 0; d < days; d++) {
    for (int m = 0; m < 390; m++) {
      seed = seed * 1103515245u + 12345u;
      double r = ((seed >> 8) % 2001 - 1000) / 100000.0;
      double open = price, close = price * (1 + r);
      check(ps_column_append_int(ts, start + d * day_ns + m * 60000000000LL), "ts");
      check(ps_column_append_double(o, open), "open");
      check(ps_column_append_double(h, (open > close ? open : close) * 1.001), "high");
      check(ps_column_append_double(l, (open < close ? open : close) * 0.999), "low");
      check(ps_column_append_double(c, close), "close");
      check(ps_column_append_int(v, 100 + (seed >> 4) % 10000), "volume");
      price = close;
    }
  }
  check(ps_frame_set_index(f, "Date"), "index");
  check(ps_frame_validate(f), "validate");
  (void)symbol;
  return f;
}

int main(void) {
  const char *base = getenv("PYSTORE_PATH");
  char dir[1024];
  if (base && *base)
    snprintf(dir, sizeof dir, "%s/demo", base);
  else
    snprintf(dir, sizeof dir, "%s/pystore/demo", getenv("HOME") ? getenv("HOME") : ".");
  char parent[1024];
  snprintf(parent, sizeof parent, "%.*s", (int)(strrchr(dir, '/') - dir), dir);
  mkdir(parent, 0755);
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "demo: cannot create %s: %s\n", dir, strerror(errno));
    return 1;
  }
  printf("pystore %s demo — files in %s\n\n", ps_version_string(), dir);
  const char *symbols[] = {"AAPL", "MSFT", "^GSPC", "BRK.B", "7203.T"};
  const int days = 250;
  for (int i = 0; i < 5; i++) {
    ps_frame *f = minute_bars(symbols[i], days, 42u + (unsigned)i);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, symbols[i]);
    double t0 = now();
    check(ps_parquet_write(path, f, NULL), path);
    double t1 = now();
    struct stat st;
    stat(path, &st);
    printf("wrote %-7s %7lld minute bars in %6.1f ms  (%5.2f MB snappy)\n", symbols[i], (long long)ps_frame_num_rows(f),
           (t1 - t0) * 1e3, st.st_size / 1e6);
    ps_frame_free(f);
  }
  char path[1200];
  snprintf(path, sizeof path, "%s/AAPL.parquet", dir);
  ps_parquet_file *pf;
  check(ps_parquet_open(path, &pf), path);
  printf("\nAAPL.parquet: %lld rows in %d row groups, index column restored from pandas metadata\n",
         (long long)ps_parquet_num_rows(pf), ps_parquet_num_row_groups(pf));

  /* two columns for one week of March */
  ps_expr *e;
  check(ps_expr_parse("Date >= '2024-03-04T14:30:00Z' and Date < '2024-03-09T00:00:00Z'", &e), "filter");
  const char *cols[] = {"close", "volume"};
  ps_read_stats st;
  ps_read_options ro = {.columns = cols, .num_columns = 2, .filter = e, .stats = &st};
  ps_frame *week;
  double t0 = now();
  check(ps_parquet_read(pf, &ro, &week), "read");
  double t1 = now();
  printf("read close+volume for 2024-03-04..08: %lld rows in %.2f ms (row groups %lld/%lld, pages %lld/%lld)\n",
         (long long)ps_frame_num_rows(week), (t1 - t0) * 1e3, (long long)st.row_groups_read,
         (long long)st.row_groups_total, (long long)st.pages_read, (long long)st.pages_total);
  const double *close = ps_column_values(ps_frame_column_by_name(week, "close"));
  const int64_t *vol = ps_column_values(ps_frame_column_by_name(week, "volume"));
  double vwap = 0, vs = 0;
  for (int64_t i = 0; i < ps_frame_num_rows(week); i++) {
    vwap += close[i] * (double)vol[i];
    vs += (double)vol[i];
  }
  printf("  VWAP that week: %.4f\n", vs > 0 ? vwap / vs : 0.0);
  ps_frame_free(week);
  ps_expr_free(e);

  ps_frame *all;
  t0 = now();
  check(ps_parquet_read(pf, NULL, &all), "read all");
  t1 = now();
  printf("read everything: %lld rows x %d columns in %.2f ms\n", (long long)ps_frame_num_rows(all),
         ps_frame_num_columns(all), (t1 - t0) * 1e3);
  ps_frame_free(all);
  ps_parquet_close(pf);
  printf("\nTry: build/pystore parquet schema %s\n     build/pystore parquet cat %s --where \"close > 150\" --limit 5\n", path, path);
  return 0;
}
