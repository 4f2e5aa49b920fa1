/* Reading an item of many parts decodes every part into one result: values,
 * strings and null positions must come out exactly as written, whichever
 * parts hold nulls, with projection, filters, start/end and limits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "test_store_util.h"

static char base[256];

/* 450 rows; x is null in rows 150..199 only (part 2 of 5), s in 300..349
 * (part 4), k in the last rows (part 5): some parts have nulls, some not. */
static ps_frame *make_rows(void) {
  ps_frame *f;
  if (ps_frame_new(&f)) return NULL;
  ps_column *d, *x, *s, *k;
  ps_frame_add_column(f, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC", &d);
  ps_frame_add_column(f, "x", PS_TYPE_FLOAT64, 0, NULL, &x);
  ps_frame_add_column(f, "s", PS_TYPE_STRING, 0, NULL, &s);
  ps_frame_add_column(f, "k", PS_TYPE_INT32, 0, NULL, &k);
  for (int i = 0; i < 450; i++) {
    ps_column_append_int(d, T0_NS + (int64_t)i * 60000000000LL + 7); /* ns digits kept */
    if (i >= 150 && i < 200) ps_column_append_null(x);
    else ps_column_append_double(x, i == 3 ? -0.0 : i * 0.5);
    char b[32];
    snprintf(b, sizeof b, i % 5 == 0 ? "" : "v%d", i); /* empty strings are not nulls */
    if (i >= 300 && i < 350) ps_column_append_null(s);
    else ps_column_append_string(s, b, strlen(b));
    if (i >= 440) ps_column_append_null(k);
    else ps_column_append_int(k, i - 200);
  }
  ps_frame_set_index(f, "Date");
  ps_frame_validate(f);
  return f;
}

/* Row r of `got` equals row want_row of `want` in every column got has. */
static int same_row(const ps_frame *want, int64_t want_row, const ps_frame *got, int64_t r) {
  for (int c = 0; c < ps_frame_num_columns(got); c++) {
    const ps_column *g = ps_frame_column(got, c);
    const ps_column *w = ps_frame_column_by_name(want, ps_column_name(g));
    if (!w) return 0;
    int gn = ps_column_is_null(g, r), wn = ps_column_is_null(w, want_row);
    if (gn != wn) return 0;
    if (gn) continue;
    if (ps_column_type(g) == PS_TYPE_STRING) {
      size_t gl, wl;
      const char *gs = ps_column_string(g, r, &gl), *ws = ps_column_string(w, want_row, &wl);
      if (gl != wl || (gl && memcmp(gs, ws, gl) != 0)) return 0;
    } else {
      size_t width = ps_type_width(ps_column_type(g));
      if (memcmp((const char *)ps_column_values(g) + (size_t)r * width,
                 (const char *)ps_column_values(w) + (size_t)want_row * width, width) != 0)
        return 0;
    }
  }
  return 1;
}

static void test_parts_read_back_exactly(void) {
  ps_store_options so = {.base_path = base, .no_fsync = 1};
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(ps_store_open("s", &so, 1, &st));
  ASSERT_OK(ps_collection_open(st, "c", 1, &c));
  ps_frame *f = make_rows();
  ASSERT(f);
  ps_item_write_options wo = {.part_rows = 100};
  ASSERT_OK(ps_item_write(c, "I", f, &wo));
  ps_item_info info;
  ASSERT_OK(ps_item_info_get(c, "I", NULL, &info));
  ASSERT_EQ_INT(info.num_parts, 5);

  /* everything */
  ps_frame *g;
  int64_t parts = 0;
  ps_item_read_options ro = {.parts_read = &parts};
  ASSERT_OK(ps_item_read(c, "I", &ro, &g));
  ASSERT_EQ_INT(parts, 5);
  ASSERT_EQ_INT(ps_frame_num_rows(g), 450);
  ASSERT_EQ_INT(ps_column_null_count(ps_frame_column_by_name(g, "x")), 50);
  ASSERT_EQ_INT(ps_column_null_count(ps_frame_column_by_name(g, "s")), 50);
  ASSERT_EQ_INT(ps_column_null_count(ps_frame_column_by_name(g, "k")), 10);
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column_by_name(g, "Date")), "UTC");
  for (int64_t r = 0; r < 450; r++) ASSERT(same_row(f, r, g, r));
  double x3 = ((const double *)ps_column_values(ps_frame_column_by_name(g, "x")))[3];
  ASSERT(x3 == 0.0 && signbit(x3));
  ps_frame_free(g);

  /* projection + start/end across parts 2..4 */
  const char *cols[] = {"s"};
  ps_item_read_options r2 = {.columns = cols, .num_columns = 1, .parts_read = &parts};
  char start[64], end[64];
  snprintf(start, sizeof start, "2024-01-01T02:30:00.000000008Z"); /* 1 ns after row 150: first row is 151 */
  snprintf(end, sizeof end, "2024-01-01T05:49:00.000000007Z");   /* row 349 exactly (inclusive) */
  r2.start = start;
  r2.end = end;
  ASSERT_OK(ps_item_read(c, "I", &r2, &g));
  ASSERT_EQ_INT(ps_frame_num_rows(g), 199); /* rows 151..349 */
  for (int64_t i = 0; i < 199; i++) ASSERT(same_row(f, 151 + i, g, i));
  ASSERT_EQ_INT(parts, 3);
  ps_frame_free(g);

  /* a filter whose matches fall in several parts, with a limit */
  ps_expr *e;
  ASSERT_OK(ps_expr_parse("x > 40 and s != ''", &e));
  ps_item_read_options r3 = {.filter = e, .limit = 120};
  ASSERT_OK(ps_item_read(c, "I", &r3, &g));
  ASSERT_EQ_INT(ps_frame_num_rows(g), 120);
  int64_t r = 0;
  for (int64_t i = 0; i < 450 && r < 120; i++) {
    const ps_column *x = ps_frame_column_by_name(f, "x"), *s = ps_frame_column_by_name(f, "s");
    size_t sl = 0;
    if (ps_column_is_null(x, i) || ps_column_is_null(s, i)) continue;
    ps_column_string(s, i, &sl);
    if (!(((const double *)ps_column_values(x))[i] > 40) || sl == 0) continue;
    ASSERT(same_row(f, i, g, r));
    r++;
  }
  ASSERT_EQ_INT(r, 120);
  ps_frame_free(g);
  ps_expr_free(e);
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
}

int main(void) {
  snprintf(base, sizeof base, "/tmp/ps_test_parts_XXXXXX");
  if (!mkdtemp(base)) return 1;
  RUN(test_parts_read_back_exactly);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", base);
  TEST_MAIN_END();
}
