/* pystore demo: minute bars for a few symbols written as items of a store,
 * a daily append, a snapshot, and a date-range read of two columns. */
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
      double r = ((int)((seed >> 8) % 2001) - 1000) / 100000.0;
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

/* One day of bars starting `day` days after the first, for appends. */
static ps_frame *day_slice(const ps_frame *all, int day) {
  ps_frame *f;
  check(ps_frame_new(&f), "frame");
  for (int c = 0; c < ps_frame_num_columns(all); c++) {
    ps_column *src = ps_frame_column(all, c);
    ps_column *dst;
    check(ps_frame_add_column(f, ps_column_name(src), ps_column_type(src), ps_column_unit(src), ps_column_tz(src), &dst),
          "column");
    const char *vals = ps_column_values(src);
    check(ps_column_append_values(dst, vals + (size_t)day * 390 * 8, NULL, NULL, 390), "slice");
  }
  check(ps_frame_set_index(f, "Date"), "index");
  check(ps_frame_validate(f), "validate");
  return f;
}

int main(void) {
  ps_store_options so = {0}; /* base path: $PYSTORE_PATH, else ~/pystore */
  ps_store *store;
  ps_collection *coll;
  check(ps_store_open("demo", &so, 1, &store), "open store 'demo'");
  check(ps_collection_open(store, "NASDAQ", 1, &coll), "open collection 'NASDAQ'");
  printf("pystore %s demo — store %s, collection NASDAQ\n\n", ps_version_string(), ps_store_path(store));

  const char *symbols[] = {"AAPL", "MSFT", "^GSPC", "BRK.B", "7203.T"};
  const int days = 250;
  const int late_day = 100; /* a day of AAPL that arrives late, out of order */
  ps_frame *aapl_next = NULL, *aapl_late = NULL;
  for (int i = 0; i < 5; i++) {
    ps_frame *f = minute_bars(symbols[i], days + 1, 42u + (unsigned)i);
    if (i == 0) { /* held back for the appends below */
      aapl_next = day_slice(f, days);
      aapl_late = day_slice(f, late_day);
    }
    ps_frame *head = NULL;
    ps_frame *g = f;
    if (i == 0) { /* AAPL: write all but the last day and the late day */
      ps_expr *e;
      char text[160]; /* an integer compares with a timestamp in its own unit (ns) */
      const long long t0_ns = 1704205800LL * 1000000000LL, day_ns = 86400LL * 1000000000LL;
      snprintf(text, sizeof text, "Date < %lld and (Date < %lld or Date >= %lld)", t0_ns + days * day_ns,
               t0_ns + late_day * day_ns, t0_ns + (late_day + 1) * day_ns);
      check(ps_expr_parse(text, &e), "filter");
      check(ps_frame_filter(f, e, &head), "filter");
      ps_expr_free(e);
      g = head;
    }
    char meta[128];
    snprintf(meta, sizeof meta, "{\"source\": \"demo\", \"asset\": \"%s\"}", i == 2 ? "index" : "equity");
    ps_item_write_options wo = {.overwrite = 1, .metadata = meta};
    double t0 = now();
    check(ps_item_write(coll, symbols[i], g, &wo), symbols[i]);
    double t1 = now();
    printf("wrote   %-7s %7lld minute bars in %6.1f ms\n", symbols[i], (long long)ps_frame_num_rows(g), (t1 - t0) * 1e3);
    ps_frame_free(head);
    ps_frame_free(f);
  }

  /* the daily append: rows after the stored range only add a part */
  double t0 = now();
  check(ps_item_append(coll, "AAPL", aapl_next, NULL), "append AAPL");
  double t1 = now();
  ps_item_info info;
  check(ps_item_info_get(coll, "AAPL", NULL, &info), "info");
  printf("\nappended %lld bars to AAPL in %.1f ms: now %lld rows in %lld part files (commit %lld)\n",
         (long long)ps_frame_num_rows(aapl_next), (t1 - t0) * 1e3, (long long)info.num_rows, (long long)info.num_parts,
         (long long)info.version);
  /* appending the same day again is an upsert: same index, new values win */
  check(ps_item_append(coll, "AAPL", aapl_next, NULL), "append AAPL again");
  check(ps_item_info_get(coll, "AAPL", NULL, &info), "info");
  printf("appended the same day again (keep_last upsert): still %lld rows\n", (long long)info.num_rows);
  ps_frame_free(aapl_next);
  /* a day that arrives late lands in the middle: only the part it overlaps is rewritten */
  t0 = now();
  check(ps_item_append(coll, "AAPL", aapl_late, NULL), "append AAPL late day");
  t1 = now();
  check(ps_item_info_get(coll, "AAPL", NULL, &info), "info");
  printf("appended a late day (out of order) in %.1f ms: %lld rows, still sorted by Date, %lld part files\n",
         (t1 - t0) * 1e3, (long long)info.num_rows, (long long)info.num_parts);
  ps_frame_free(aapl_late);

  char *name;
  ps_snapshot_delete(coll, "before_march_edit"); /* from an earlier run of the demo, if any */
  check(ps_snapshot_create(coll, "before_march_edit", &name), "snapshot");
  printf("snapshot '%s' created (hard links, no data copied)\n", name);
  ps_free(name);

  /* two columns for one week of March, only the parts and pages needed */
  const char *cols[] = {"close", "volume"};
  ps_read_stats st;
  int64_t parts = 0;
  ps_item_read_options ro = {.columns = cols, .num_columns = 2, .start = "2024-03-04T14:30:00Z",
                             .end = "2024-03-08T23:59:59Z", .stats = &st, .parts_read = &parts};
  ps_frame *week;
  t0 = now();
  check(ps_item_read(coll, "AAPL", &ro, &week), "read AAPL");
  t1 = now();
  printf("\nread AAPL close+volume 2024-03-04..08: %lld rows in %.2f ms (parts %lld, row groups %lld/%lld, pages %lld/%lld)\n",
         (long long)ps_frame_num_rows(week), (t1 - t0) * 1e3, (long long)parts, (long long)st.row_groups_read,
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

  ps_frame *all;
  t0 = now();
  check(ps_item_read(coll, "AAPL", NULL, &all), "read all");
  t1 = now();
  printf("read all of AAPL: %lld rows x %d columns in %.2f ms\n", (long long)ps_frame_num_rows(all),
         ps_frame_num_columns(all), (t1 - t0) * 1e3);
  ps_frame_free(all);

  char **items;
  check(ps_collection_list_items(coll, "{\"asset\": \"equity\"}", &items), "list items");
  printf("\nitems with metadata asset=equity:");
  for (char **it = items; *it; it++) printf(" %s", *it);
  printf("\n");
  ps_names_free(items);

  printf("\nTry:\n  build/pystore read demo/NASDAQ/AAPL --start 2024-03-04 --end 2024-03-05 --columns close --limit 5\n"
         "  build/pystore items demo/NASDAQ --where asset=equity\n"
         "  DuckDB: SELECT * FROM read_parquet('%s/AAPL/*.parquet') LIMIT 5;\n",
         ps_collection_path(coll));
  ps_collection_close(coll);
  ps_store_close(store);
  return 0;
}
