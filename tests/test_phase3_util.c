/* Phase 3 utilities: log levels and sink, memory monitor, optimize, streaming CSV. */
#include <unistd.h>

#include "test.h"

static void test_log_levels(void) {
  ps_log_level l;
  ASSERT_OK(ps_log_level_from_name("debug", &l));
  ASSERT_EQ_INT(l, PS_LOG_DEBUG);
  ASSERT_OK(ps_log_level_from_name("WARNING", &l));
  ASSERT_EQ_INT(l, PS_LOG_WARNING);
  ASSERT_OK(ps_log_level_from_name("Error", &l));
  ASSERT_EQ_INT(l, PS_LOG_ERROR);
  ASSERT_RC(ps_log_level_from_name("loud", &l), PS_ERR_INVALID);
  ASSERT_EQ_STR(ps_log_level_name(PS_LOG_INFO), "INFO");
  setenv("PYSTORE_LOG_LEVEL", "INFO", 1);
  ps_config_reload_env();
  ASSERT_EQ_INT(ps_log_get_level(), PS_LOG_INFO);
  setenv("PYSTORE_LOG_LEVEL", "bogus", 1);
  ps_config_reload_env();
  ASSERT_EQ_INT(ps_log_get_level(), PS_LOG_WARNING);
  unsetenv("PYSTORE_LOG_LEVEL");
  ps_config_reload_env();
  ps_log_set_level(PS_LOG_ERROR);
  ASSERT_EQ_INT(ps_log_get_level(), PS_LOG_ERROR);
  ps_log_set_level(PS_LOG_WARNING);
}

typedef struct cap {
  int n;
  char last[512];
} cap;
static void sink(void *u, ps_log_level lv, const char *m) {
  cap *c = u;
  if (lv >= PS_LOG_WARNING) {
    c->n++;
    snprintf(c->last, sizeof c->last, "%s", m);
  }
}

static void test_memory(void) {
  ps_memory_info mi;
  ASSERT_OK(ps_memory_info_get(&mi));
  ASSERT(mi.rss_bytes > 0 && mi.peak_rss_bytes >= mi.rss_bytes);
  ASSERT(mi.system_total_bytes > mi.system_available_bytes && mi.system_available_bytes > 0);
  ASSERT(mi.system_used_fraction > 0 && mi.system_used_fraction < 1);
  ASSERT(mi.rss_bytes < mi.system_total_bytes);
  /* RSS follows a big touched allocation */
  size_t big = 64u << 20;
  char *p = malloc(big);
  memset(p, 1, big);
  ps_memory_info m2;
  ASSERT_OK(ps_memory_info_get(&m2));
  ASSERT(m2.rss_bytes >= mi.rss_bytes + (int64_t)(big / 2));
  ASSERT(m2.peak_rss_bytes >= m2.rss_bytes);
  free(p);
  ASSERT(ps_memory_warning() > 0.79 && ps_memory_warning() < 0.81);
  ASSERT_RC(ps_memory_set_warning(1.5), PS_ERR_INVALID);
  ASSERT_RC(ps_memory_set_warning(0), PS_ERR_INVALID);
  cap c = {0, ""};
  ps_log_set_sink(sink, &c);
  ASSERT_OK(ps_memory_set_warning(0.0001)); /* any usage passes it */
  ASSERT_EQ_INT(ps_memory_check("test"), 1);
  ASSERT_EQ_INT(c.n, 1);
  ASSERT(strstr(c.last, "memory usage") && strstr(c.last, "test"));
  ASSERT_OK(ps_memory_set_warning(1.0));
  ASSERT_EQ_INT(ps_memory_check("test"), 0);
  setenv("PYSTORE_MEMORY_WARNING", "0.75", 1);
  ps_config_reload_env();
  ASSERT(ps_memory_warning() == 0.75);
  unsetenv("PYSTORE_MEMORY_WARNING");
  ps_config_reload_env();
  ps_log_set_sink(NULL, NULL);
  ps_memory_set_budget(12345);
  ASSERT_EQ_INT(ps_memory_budget(), 12345);
  ps_memory_set_budget(0);
}

static void test_optimize(void) {
  ps_frame *f;
  ps_frame_new(&f);
  ps_column *ix, *small, *neg, *big, *fl, *fl2, *s, *u;
  ps_frame_add_column(f, "i", PS_TYPE_INT64, 0, NULL, &ix);
  ps_frame_add_column(f, "small", PS_TYPE_INT64, 0, NULL, &small);
  ps_frame_add_column(f, "neg", PS_TYPE_INT64, 0, NULL, &neg);
  ps_frame_add_column(f, "big", PS_TYPE_INT64, 0, NULL, &big);
  ps_frame_add_column(f, "half", PS_TYPE_FLOAT64, 0, NULL, &fl);
  ps_frame_add_column(f, "third", PS_TYPE_FLOAT64, 0, NULL, &fl2);
  ps_frame_add_column(f, "sym", PS_TYPE_STRING, 0, NULL, &s);
  ps_frame_add_column(f, "uniq", PS_TYPE_STRING, 0, NULL, &u);
  for (int i = 0; i < 1000; i++) {
    ps_column_append_int(ix, i);
    if (i == 7) ps_column_append_null(small);
    else ps_column_append_int(small, i % 200);
    ps_column_append_int(neg, -30000 + i);
    ps_column_append_int(big, (int64_t)i << 40);
    ps_column_append_double(fl, i * 0.5);
    ps_column_append_double(fl2, i / 3.0);
    const char *syms[] = {"AAPL", "MSFT", "IBM"};
    ps_column_append_string(s, syms[i % 3], strlen(syms[i % 3]));
    char b[16];
    snprintf(b, sizeof b, "u%d", i);
    ps_column_append_string(u, b, strlen(b));
  }
  ps_frame_validate(f);
  ps_frame_set_index(f, "i");
  ps_frame *o;
  ps_optimize_report rep;
  ASSERT_OK(ps_frame_optimize(f, NULL, &o, &rep));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(o, "i")), PS_TYPE_INT64); /* index untouched */
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(o, "small")), PS_TYPE_UINT8);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(o, "neg")), PS_TYPE_INT16);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(o, "big")), PS_TYPE_INT64);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(o, "half")), PS_TYPE_FLOAT32);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(o, "third")), PS_TYPE_FLOAT64); /* not exact */
  ASSERT_EQ_INT(rep.columns_changed, 3);
  ASSERT_EQ_INT(rep.dictionary_columns, 1);
  ASSERT(!rep.lossy && rep.bytes_after < rep.bytes_before);
  ASSERT(strstr(rep.details_json, "\"sym\"") && !strstr(rep.details_json, "\"uniq\""));
  ps_optimize_report_clear(&rep);
  /* lossless: every value equal */
  ps_column *os = ps_frame_column_by_name(o, "small"), *on = ps_frame_column_by_name(o, "neg"),
            *oh = ps_frame_column_by_name(o, "half");
  ASSERT(ps_column_is_null(os, 7));
  for (int i = 0; i < 1000; i++) {
    if (i != 7) ASSERT_EQ_INT(((const uint8_t *)ps_column_values(os))[i], i % 200);
    ASSERT_EQ_INT(((const int16_t *)ps_column_values(on))[i], -30000 + i);
    ASSERT(((const float *)ps_column_values(oh))[i] == i * 0.5);
  }
  /* and through Parquet */
  char path[64];
  snprintf(path, sizeof path, "/tmp/p3opt-%d.parquet", (int)getpid());
  ASSERT_OK(ps_parquet_write(path, o, NULL));
  ps_frame *back;
  ASSERT_OK(ps_parquet_read_file(path, NULL, &back));
  unlink(path);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(back, "small")), PS_TYPE_UINT8);
  ASSERT_EQ_INT(((const int16_t *)ps_column_values(ps_frame_column_by_name(back, "neg")))[999], -29001);
  ps_frame_free(back);
  ps_frame_free(o);
  ps_optimize_options oo = {0};
  oo.lossy_floats = 1;
  ASSERT_OK(ps_frame_optimize(f, &oo, &o, &rep));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(o, "third")), PS_TYPE_FLOAT32);
  ASSERT(rep.lossy);
  ps_optimize_report_clear(&rep);
  ps_optimize_report_clear(NULL);
  ps_frame_free(o);
  ps_frame_free(f);
}

static void test_csv_stream(void) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/p3csv-%d.csv", (int)getpid());
  FILE *fp = fopen(path, "w");
  fprintf(fp, "ts,x,y,name,flag,empty\n");
  for (int i = 0; i < 2500; i++)
    fprintf(fp, "2024-01-01T00:%02d:%02dZ,%d,%.2f,\"n,%d\",%s,\n", (i / 60) % 60, i % 60, i, i * 0.25, i, i % 2 ? "true" : "false");
  fclose(fp);
  ps_csv_options co = {0};
  co.index = "ts";
  ps_csv_reader *r;
  ASSERT_OK(ps_csv_reader_open(path, &co, 1000, &r));
  ps_frame *f;
  int64_t total = 0;
  int chunks = 0;
  for (;;) {
    ASSERT_OK(ps_csv_reader_next(r, &f));
    if (!f) break;
    ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(f, "x")), PS_TYPE_INT64);
    ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(f, "y")), PS_TYPE_FLOAT64);
    ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(f, "flag")), PS_TYPE_BOOL);
    ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(f, "name")), PS_TYPE_STRING);
    ASSERT_EQ_INT(ps_column_type(ps_frame_column_by_name(f, "ts")), PS_TYPE_TIMESTAMP);
    ASSERT_EQ_STR(ps_column_tz(ps_frame_column_by_name(f, "ts")), "UTC");
    ASSERT_EQ_INT(ps_frame_index(f), 0);
    size_t n;
    const char *s = ps_column_string(ps_frame_column_by_name(f, "name"), 0, &n);
    char want[16];
    snprintf(want, sizeof want, "n,%lld", (long long)total);
    ASSERT(n == strlen(want) && memcmp(s, want, n) == 0);
    ASSERT_EQ_INT(((const int64_t *)ps_column_values(ps_frame_column_by_name(f, "x")))[0], total);
    total += ps_frame_num_rows(f);
    chunks++;
    ps_frame_free(f);
  }
  ps_csv_reader_close(r);
  ASSERT_EQ_INT(total, 2500);
  ASSERT_EQ_INT(chunks, 3);
  /* a later chunk that does not parse as the first chunk's type: clean PS_ERR_PARSE naming line/column */
  fp = fopen(path, "w");
  fprintf(fp, "a,b\n1,2\n3,4\n5,x\n");
  fclose(fp);
  ASSERT_OK(ps_csv_reader_open(path, NULL, 2, &r));
  ASSERT_OK(ps_csv_reader_next(r, &f));
  ps_frame_free(f);
  ASSERT_RC(ps_csv_reader_next(r, &f), PS_ERR_PARSE);
  ASSERT(strstr(ps_errmsg(), "line 4") && strstr(ps_errmsg(), "'b'"));
  ps_csv_reader_close(r);
  unlink(path);
  ASSERT_RC(ps_csv_reader_open("/nonexistent/x.csv", NULL, 10, &r), PS_ERR_NOT_FOUND);
}

int main(void) {
  RUN(test_log_levels);
  RUN(test_memory);
  RUN(test_optimize);
  RUN(test_csv_stream);
  TEST_MAIN_END();
}
