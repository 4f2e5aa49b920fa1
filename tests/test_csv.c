/* CSV reader/writer: type inference, RFC 4180 quoting, nulls, errors with
 * line numbers, and exact write -> read round trips. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util/alloc.h"

static char g_path[512];

static const char *tmp_path(const char *tag) {
  snprintf(g_path, sizeof g_path, "test_csv_%d_%s.csv", (int)getpid(), tag);
  return g_path;
}

static void put_bytes(const char *path, const char *s, size_t n) {
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    perror(path);
    exit(2);
  }
  if (n) fwrite(s, 1, n, fp);
  fclose(fp);
}

/* Read `text` as a CSV file with options `o` (may be NULL). */
static int rdn(const char *text, size_t n, const ps_csv_options *o, ps_frame **out) {
  const char *p = tmp_path("in");
  put_bytes(p, text, n);
  int rc = ps_csv_read_file(p, o, out);
  unlink(p);
  return rc;
}
static int rd(const char *text, ps_frame **out) { return rdn(text, strlen(text), NULL, out); }
static int rdo(const char *text, const ps_csv_options *o, ps_frame **out) { return rdn(text, strlen(text), o, out); }

static const char *str_at(const ps_column *c, int64_t i, size_t *len) { return ps_column_string(c, i, len); }
static int str_eq(const ps_column *c, int64_t i, const char *want) {
  size_t n;
  const char *s = str_at(c, i, &n);
  return !ps_column_is_null(c, i) && n == strlen(want) && memcmp(s, want, n) == 0;
}
static int64_t i64_at(const ps_column *c, int64_t i) { return ((const int64_t *)ps_column_values(c))[i]; }
static double f64_at(const ps_column *c, int64_t i) { return ((const double *)ps_column_values(c))[i]; }
static int b_at(const ps_column *c, int64_t i) { return ((const uint8_t *)ps_column_values(c))[i]; }
static int has(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* ---------------------------------------------------------------- inference */

static void test_infer_types(void) {
  ps_frame *f;
  ASSERT_OK(rd("i,f,b,ts,tz,s,d\n"
               "1,1.5,true,2024-01-02T09:30:00,2024-01-02T09:30:00Z,abc,2024-01-02\n"
               "-2,2,False,2024-01-02 09:30:00.123456789,2024-01-02T11:30:00+02:00,x y,1970-01-01\n"
               "3,1e3,TRUE,2024-01-03,2024-01-02T09:30:00.5-0100,3,2000-02-29\n",
               &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 3);
  ASSERT_EQ_INT(ps_frame_num_columns(f), 7);
  ps_column *i = ps_frame_column_by_name(f, "i"), *fl = ps_frame_column_by_name(f, "f"),
            *b = ps_frame_column_by_name(f, "b"), *ts = ps_frame_column_by_name(f, "ts"),
            *tz = ps_frame_column_by_name(f, "tz"), *s = ps_frame_column_by_name(f, "s"),
            *d = ps_frame_column_by_name(f, "d");
  ASSERT_EQ_INT(ps_column_type(i), PS_TYPE_INT64);
  ASSERT_EQ_INT(ps_column_type(fl), PS_TYPE_FLOAT64);
  ASSERT_EQ_INT(ps_column_type(b), PS_TYPE_BOOL);
  ASSERT_EQ_INT(ps_column_type(ts), PS_TYPE_TIMESTAMP);
  ASSERT(ps_column_tz(ts) == NULL);
  ASSERT_EQ_INT(ps_column_unit(ts), PS_UNIT_NS);
  ASSERT_EQ_INT(ps_column_type(tz), PS_TYPE_TIMESTAMP);
  ASSERT_EQ_STR(ps_column_tz(tz), "UTC");
  ASSERT_EQ_INT(ps_column_type(s), PS_TYPE_STRING);
  ASSERT_EQ_INT(ps_column_type(d), PS_TYPE_TIMESTAMP);
  ASSERT_EQ_INT(i64_at(i, 0), 1);
  ASSERT_EQ_INT(i64_at(i, 1), -2);
  ASSERT(f64_at(fl, 0) == 1.5 && f64_at(fl, 1) == 2.0 && f64_at(fl, 2) == 1000.0);
  ASSERT(b_at(b, 0) == 1 && b_at(b, 1) == 0 && b_at(b, 2) == 1);
  int64_t day = 19724; /* 2024-01-02 */
  ASSERT_EQ_INT(i64_at(ts, 0), (day * 86400 + 9 * 3600 + 30 * 60) * 1000000000LL);
  ASSERT_EQ_INT(i64_at(ts, 1), (day * 86400 + 9 * 3600 + 30 * 60) * 1000000000LL + 123456789);
  ASSERT_EQ_INT(i64_at(ts, 2), (day + 1) * 86400 * 1000000000LL);
  /* all three zoned values are the same instant or +0.5 h: UTC-adjusted */
  ASSERT_EQ_INT(i64_at(tz, 0), (day * 86400 + 9 * 3600 + 30 * 60) * 1000000000LL);
  ASSERT_EQ_INT(i64_at(tz, 1), (day * 86400 + 9 * 3600 + 30 * 60) * 1000000000LL);
  ASSERT_EQ_INT(i64_at(tz, 2), (day * 86400 + 10 * 3600 + 30 * 60) * 1000000000LL + 500000000);
  ASSERT(str_eq(s, 0, "abc") && str_eq(s, 1, "x y") && str_eq(s, 2, "3"));
  ASSERT_EQ_INT(i64_at(d, 1), 0);
  ps_frame_free(f);
}

static void test_mixed_types_fall_back(void) {
  ps_frame *f;
  /* int + float -> float; int + bool -> string; naive + zoned -> string;
   * bool + empty stays bool; number + text -> string */
  ASSERT_OK(rd("a,b,c,d,e\n1,1,2024-01-01,true,5\n2.5,true,2024-01-01T00:00Z,,x\n", &f));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 0)), PS_TYPE_FLOAT64);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 1)), PS_TYPE_STRING);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 2)), PS_TYPE_STRING);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 3)), PS_TYPE_BOOL);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 4)), PS_TYPE_STRING);
  ASSERT(str_eq(ps_frame_column(f, 2), 1, "2024-01-01T00:00Z"));
  ASSERT(str_eq(ps_frame_column(f, 4), 0, "5"));
  ASSERT(ps_column_is_null(ps_frame_column(f, 3), 1));
  ps_frame_free(f);
  /* unquoted spaces are kept: " 12" is text, and so is "yes" / "1.2.3" / "0x10" */
  ASSERT_OK(rd("a,b,c,d\n 12,yes,1.2.3,0x10\n", &f));
  for (int k = 0; k < 4; k++) ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, k)), PS_TYPE_STRING);
  ASSERT(str_eq(ps_frame_column(f, 0), 0, " 12"));
  ps_frame_free(f);
  /* a quoted number is text: the column is string */
  ASSERT_OK(rd("a,b\n\"12\",7\n13,8\n", &f));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 0)), PS_TYPE_STRING);
  ASSERT(str_eq(ps_frame_column(f, 0), 0, "12") && str_eq(ps_frame_column(f, 0), 1, "13"));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 1)), PS_TYPE_INT64);
  ps_frame_free(f);
}

static void test_nulls_and_empty_strings(void) {
  ps_frame *f;
  ASSERT_OK(rd("i,s,n,f\n1,,,\n,\"\",,2.5\n3,x,,\n", &f));
  ps_column *i = ps_frame_column(f, 0), *s = ps_frame_column(f, 1), *n = ps_frame_column(f, 2),
            *fl = ps_frame_column(f, 3);
  ASSERT_EQ_INT(ps_column_type(i), PS_TYPE_INT64);
  ASSERT_EQ_INT(ps_column_null_count(i), 1);
  ASSERT(!ps_column_is_null(i, 0) && ps_column_is_null(i, 1) && !ps_column_is_null(i, 2));
  ASSERT_EQ_INT(i64_at(i, 2), 3);
  /* "" is an empty string (and makes the column string); empty unquoted is null */
  ASSERT_EQ_INT(ps_column_type(s), PS_TYPE_STRING);
  ASSERT(ps_column_is_null(s, 0));
  ASSERT(str_eq(s, 1, ""));
  ASSERT(str_eq(s, 2, "x"));
  ASSERT_EQ_INT(ps_column_null_count(s), 1);
  /* a column of only nulls is string, all null */
  ASSERT_EQ_INT(ps_column_type(n), PS_TYPE_STRING);
  ASSERT_EQ_INT(ps_column_null_count(n), 3);
  ASSERT_EQ_INT(ps_column_type(fl), PS_TYPE_FLOAT64);
  ASSERT(ps_column_is_null(fl, 0) && !ps_column_is_null(fl, 1) && ps_column_is_null(fl, 2));
  ps_frame_free(f);
  /* a column of only "" is string with empty values, no nulls */
  ASSERT_OK(rd("a,b\n\"\",1\n\"\",2\n", &f));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 0)), PS_TYPE_STRING);
  ASSERT_EQ_INT(ps_column_null_count(ps_frame_column(f, 0)), 0);
  ASSERT(str_eq(ps_frame_column(f, 0), 1, ""));
  ps_frame_free(f);
}

/* ---------------------------------------------------------------- syntax */

static void test_quoting(void) {
  ps_frame *f;
  ASSERT_OK(rd("name,v\n\"a,b\",1\n\"say \"\"hi\"\"\",2\n\"line1\nline2\r\nline3\",3\n\"\"\"\",4\nx\"y,5\n", &f));
  ps_column *s = ps_frame_column(f, 0), *v = ps_frame_column(f, 1);
  ASSERT_EQ_INT(ps_frame_num_rows(f), 5);
  ASSERT(str_eq(s, 0, "a,b"));
  ASSERT(str_eq(s, 1, "say \"hi\""));
  ASSERT(str_eq(s, 2, "line1\nline2\r\nline3"));
  ASSERT(str_eq(s, 3, "\""));
  ASSERT(str_eq(s, 4, "x\"y")); /* a quote inside an unquoted field is literal */
  ASSERT_EQ_INT(i64_at(v, 4), 5);
  ps_frame_free(f);
}

static void test_line_endings_bom(void) {
  ps_frame *f;
  /* CRLF, BOM, last line without a newline */
  ASSERT_OK(rd("\xEF\xBB\xBF" "a,b\r\n1,x\r\n2,y", &f));
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 0)), "a");
  ASSERT_EQ_INT(ps_frame_num_rows(f), 2);
  ASSERT(str_eq(ps_frame_column(f, 1), 0, "x") && str_eq(ps_frame_column(f, 1), 1, "y"));
  ASSERT_EQ_INT(i64_at(ps_frame_column(f, 0), 1), 2);
  ps_frame_free(f);
  /* lone CR line ends, trailing delimiter = empty last field (null) */
  ASSERT_OK(rd("a,b\r1,\r2,3\r", &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 2);
  ASSERT(ps_column_is_null(ps_frame_column(f, 1), 0));
  ASSERT_EQ_INT(i64_at(ps_frame_column(f, 1), 1), 3);
  ps_frame_free(f);
  /* blank lines are skipped in multi-column files */
  ASSERT_OK(rd("a,b\n\n1,2\r\n\r\n3,4\n\n", &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 2);
  ps_frame_free(f);
  /* ... but are nulls in a one-column file */
  ASSERT_OK(rd("a\n1\n\n3\n\n", &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 4);
  ps_column *a = ps_frame_column(f, 0);
  ASSERT_EQ_INT(ps_column_type(a), PS_TYPE_INT64);
  ASSERT(!ps_column_is_null(a, 0) && ps_column_is_null(a, 1) && !ps_column_is_null(a, 2) && ps_column_is_null(a, 3));
  ps_frame_free(f);
}

static void test_delimiter_no_header(void) {
  ps_frame *f;
  ps_csv_options o = {0};
  o.delimiter = ';';
  ASSERT_OK(rdo("a;b\n1,5;x,y\n", &o, &f));
  ASSERT(str_eq(ps_frame_column(f, 0), 0, "1,5"));
  ASSERT(str_eq(ps_frame_column(f, 1), 0, "x,y"));
  ps_frame_free(f);
  o.delimiter = '\t';
  o.no_header = 1;
  ASSERT_OK(rdo("1\t2.5\tz\n3\t\t\"q\tr\"\n", &o, &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 2);
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 0)), "c0");
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 2)), "c2");
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 0)), PS_TYPE_INT64);
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 1)), PS_TYPE_FLOAT64);
  ASSERT(ps_column_is_null(ps_frame_column(f, 1), 1));
  ASSERT(str_eq(ps_frame_column(f, 2), 1, "q\tr"));
  ps_frame_free(f);
  o.delimiter = '"';
  ASSERT_RC(rdo("a\n", &o, &f), PS_ERR_INVALID);
}

static void test_header_names(void) {
  ps_frame *f;
  /* empty header names become "Unnamed: N" (0-based position, as pandas) */
  ASSERT_OK(rd(",a,\n1,2,3\n", &f));
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 0)), "Unnamed: 0");
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 1)), "a");
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 2)), "Unnamed: 2");
  ps_frame_free(f);
  /* quoted names, unicode and spaces are kept */
  ASSERT_OK(rd("\"a,b\",\" p \",\xC3\xA9t\xC3\xA9\n1,2,3\n", &f));
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 0)), "a,b");
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 1)), " p ");
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 2)), "\xC3\xA9t\xC3\xA9");
  ps_frame_free(f);
  /* header only: zero rows, string columns */
  ASSERT_OK(rd("a,b,c\n", &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 0);
  ASSERT_EQ_INT(ps_frame_num_columns(f), 3);
  for (int k = 0; k < 3; k++) ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, k)), PS_TYPE_STRING);
  ps_frame_free(f);
  ASSERT_OK(rd("a,b", &f)); /* without a newline too */
  ASSERT_EQ_INT(ps_frame_num_rows(f), 0);
  ASSERT_EQ_INT(ps_frame_num_columns(f), 2);
  ps_frame_free(f);
}

/* ---------------------------------------------------------------- values */

static void test_int64_extremes(void) {
  ps_frame *f;
  ASSERT_OK(rd("a,b,c,d\n-9223372036854775808,9223372036854775808,1,+7\n9223372036854775807,1,-9223372036854775809,007\n", &f));
  ps_column *a = ps_frame_column(f, 0);
  ASSERT_EQ_INT(ps_column_type(a), PS_TYPE_INT64);
  ASSERT(i64_at(a, 0) == INT64_MIN);
  ASSERT(i64_at(a, 1) == INT64_MAX);
  /* integers outside int64 are kept as text, never rounded */
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 1)), PS_TYPE_STRING);
  ASSERT(str_eq(ps_frame_column(f, 1), 0, "9223372036854775808"));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 2)), PS_TYPE_STRING);
  ASSERT(str_eq(ps_frame_column(f, 2), 1, "-9223372036854775809"));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 3)), PS_TYPE_INT64);
  ASSERT_EQ_INT(i64_at(ps_frame_column(f, 3), 0), 7);
  ASSERT_EQ_INT(i64_at(ps_frame_column(f, 3), 1), 7);
  ps_frame_free(f);
  /* a huge integer in a float column also keeps the column as text */
  ASSERT_OK(rd("a\n1.5\n123456789012345678901234567890\n", &f));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 0)), PS_TYPE_STRING);
  ps_frame_free(f);
}

static void test_float_values(void) {
  ps_frame *f;
  ASSERT_OK(rd("v\nnan\nNaN\ninf\n-inf\nInfinity\n-0.0\n0.1\n1e308\n4.9e-324\n-1.5E+2\n.5\n1.\n"
               "0.30000000000000004\n2.2250738585072011e-308\n-nan\n+inf\n1\n",
               &f));
  ps_column *v = ps_frame_column(f, 0);
  ASSERT_EQ_INT(ps_column_type(v), PS_TYPE_FLOAT64);
  ASSERT(isnan(f64_at(v, 0)) && isnan(f64_at(v, 1)));
  ASSERT(isinf(f64_at(v, 2)) && f64_at(v, 2) > 0);
  ASSERT(isinf(f64_at(v, 3)) && f64_at(v, 3) < 0);
  ASSERT(isinf(f64_at(v, 4)) && f64_at(v, 4) > 0);
  ASSERT(f64_at(v, 5) == 0.0 && signbit(f64_at(v, 5)));
  ASSERT(f64_at(v, 6) == 0.1);
  ASSERT(f64_at(v, 7) == 1e308);
  ASSERT(f64_at(v, 8) == 4.9e-324);
  ASSERT(f64_at(v, 9) == -150.0);
  ASSERT(f64_at(v, 10) == 0.5);
  ASSERT(f64_at(v, 11) == 1.0);
  ASSERT(f64_at(v, 12) == 0.30000000000000004);
  ASSERT(f64_at(v, 13) == strtod("2.2250738585072011e-308", NULL));
  ASSERT(isnan(f64_at(v, 14)));
  ASSERT(isinf(f64_at(v, 15)));
  ASSERT(f64_at(v, 16) == 1.0);
  ps_frame_free(f);
  /* every value parses exactly as strtod does */
  const char *path = tmp_path("floats");
  FILE *fp = fopen(path, "wb");
  ASSERT(fp);
  fputs("x\n", fp);
  srand(7);
  char texts[2000][40];
  for (int k = 0; k < 2000; k++) {
    double d = ((double)rand() / RAND_MAX - 0.5) * pow(10, rand() % 40 - 20);
    snprintf(texts[k], sizeof texts[k], k % 2 ? "%.17g" : "%.6f", d);
    if (!strchr(texts[k], '.') && !strchr(texts[k], 'e')) strcat(texts[k], ".0");
    fprintf(fp, "%s\n", texts[k]);
  }
  fclose(fp);
  ASSERT_OK(ps_csv_read_file(path, NULL, &f));
  unlink(path);
  v = ps_frame_column(f, 0);
  ASSERT_EQ_INT(ps_column_type(v), PS_TYPE_FLOAT64);
  for (int k = 0; k < 2000; k++) {
    double want = strtod(texts[k], NULL);
    if (memcmp(&want, &((const double *)ps_column_values(v))[k], 8) != 0) {
      fprintf(stderr, "float %d: %s\n", k, texts[k]);
      ASSERT(0);
    }
  }
  ps_frame_free(f);
}

static void test_timestamps(void) {
  ps_frame *f;
  ASSERT_OK(rd("t,u\n"
               "1969-12-31T23:59:59.999999999,1969-12-31T23:59:59.999999999Z\n"
               "1900-01-01,1900-01-01T00:00:00+01:00\n"
               "2262-04-11T23:47:16.854775807,2024-03-10T02:30:00.000000001-05:00\n"
               "1677-09-21T00:12:44,1970-01-01T00:00Z\n"
               ",\n",
               &f));
  ps_column *t = ps_frame_column(f, 0), *u = ps_frame_column(f, 1);
  ASSERT_EQ_INT(ps_column_type(t), PS_TYPE_TIMESTAMP);
  ASSERT(ps_column_tz(t) == NULL);
  ASSERT_EQ_INT(i64_at(t, 0), -1);
  ASSERT_EQ_INT(i64_at(t, 1), -2208988800LL * 1000000000LL);
  ASSERT(i64_at(t, 2) == INT64_MAX);
  ASSERT_EQ_INT(i64_at(t, 3), -9223372036LL * 1000000000LL);
  ASSERT(ps_column_is_null(t, 4));
  ASSERT_EQ_STR(ps_column_tz(u), "UTC");
  ASSERT_EQ_INT(i64_at(u, 0), -1);
  ASSERT_EQ_INT(i64_at(u, 1), (-2208988800LL - 3600) * 1000000000LL);
  ASSERT_EQ_INT(i64_at(u, 2), 1710055800LL * 1000000000LL + 1); /* 07:30Z */
  ASSERT_EQ_INT(i64_at(u, 3), 0);
  ASSERT(ps_column_is_null(u, 4));
  ps_frame_free(f);
  /* out of the ns range, sub-ns digits, bad dates: text */
  ASSERT_OK(rd("a,b,c\n2300-01-01,2024-01-01T00:00:00.0000000001,2023-02-29\n", &f));
  for (int k = 0; k < 3; k++) ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, k)), PS_TYPE_STRING);
  ps_frame_free(f);
}

static void test_unicode(void) {
  ps_frame *f;
  ASSERT_OK(rd("s\nh\xC3\xA9llo\n\xE6\x97\xA5\xE6\x9C\xAC\n\"\xF0\x9F\x98\x80,\"\n", &f));
  ps_column *s = ps_frame_column(f, 0);
  ASSERT(str_eq(s, 0, "h\xC3\xA9llo"));
  ASSERT(str_eq(s, 1, "\xE6\x97\xA5\xE6\x9C\xAC"));
  ASSERT(str_eq(s, 2, "\xF0\x9F\x98\x80,"));
  ps_frame_free(f);
}

/* ---------------------------------------------------------------- errors */

#define ASSERT_PARSE_ERR(text, ...)                                                         \
  do {                                                                                      \
    ps_frame *ef = NULL;                                                                    \
    ASSERT_RC(rd(text, &ef), PS_ERR_PARSE);                                                 \
    ASSERT(ef == NULL);                                                                     \
    const char *want[] = {__VA_ARGS__};                                                     \
    for (size_t w = 0; w < sizeof want / sizeof *want; w++)                                 \
      if (!has(ps_errmsg(), want[w])) {                                                     \
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", ps_errmsg(), want[w]);             \
        ASSERT(0);                                                                          \
      }                                                                                     \
  } while (0)

static void test_errors(void) {
  /* the messages name the file, the line and the column */
  ASSERT_PARSE_ERR("a,b\n1,2\n3,4,5\n", "test_csv_", ".csv", "line 3", "row has 3 fields but the header has 2");
  ASSERT_PARSE_ERR("a,b\n1,2\n3,4,5,6\n7,8\n", "line 3", "4 fields");
  ASSERT_PARSE_ERR("a,b,c\n1,2,3\n4,5\n", "line 3", "column 3 ('c')", "2 fields");
  ASSERT_PARSE_ERR("a,b\r\n1,2\r\n3\r\n", "line 3", "column 2 ('b')");
  /* line numbers count the line breaks inside quoted fields */
  ASSERT_PARSE_ERR("a,b\n\"x\ny\nz\",1\n2\n", "line 5", "column 2 ('b')");
  ASSERT_PARSE_ERR("a,b\n1,2\n3,\"abc\n4,5\n", "line 3", "column 2 ('b')", "unterminated");
  ASSERT_PARSE_ERR("a,b\n1,\"x\"y\n", "line 2", "column 2 ('b')", "after closing quote");
  ASSERT_PARSE_ERR("a,b\n1,\"x\" \n", "line 2", "after closing quote");
  ASSERT_PARSE_ERR("a,b,a\n1,2,3\n", "line 1", "column 3 ('a')", "duplicate");
  ASSERT_PARSE_ERR("Unnamed: 1,\n1,2\n", "line 1", "column 2", "duplicate");
  ASSERT_PARSE_ERR("a,\"b\n", "line 1", "unterminated");
  ASSERT_PARSE_ERR("a,b\n1,x\n2,\xC3\x28\n", "line 3", "column 2 ('b')", "UTF-8");
  ASSERT_PARSE_ERR("a,b\n1,\"ok\n\xFF\"\n", "line 2", "column 2 ('b')", "UTF-8");
  ASSERT_PARSE_ERR("a,b\n1,\xED\xA0\x80\n", "UTF-8");         /* surrogate */
  ASSERT_PARSE_ERR("a,b\n1,\xC0\xAF\n", "UTF-8");             /* overlong */
  ASSERT_PARSE_ERR("a,b\n1,\xF4\x90\x80\x80\n", "UTF-8");     /* > U+10FFFF */
  ASSERT_PARSE_ERR("a,b\n1,abc\xE6\x97\n", "UTF-8");          /* truncated */
  ASSERT_PARSE_ERR("a,\xFF\n1,2\n", "line 1", "column 2", "UTF-8");
  ASSERT_PARSE_ERR("", "empty");
  ASSERT_PARSE_ERR("\xEF\xBB\xBF", "empty");
  /* a NUL byte is valid UTF-8 (U+0000) and kept */
  ps_frame *f = NULL;
  ASSERT_OK(rdn("a,b\n1,x\0y\n", 10, NULL, &f));
  size_t n;
  const char *s = ps_column_string(ps_frame_column(f, 1), 0, &n);
  ASSERT(n == 3 && memcmp(s, "x\0y", 3) == 0);
  ps_frame_free(f);
  /* missing file, directory */
  ASSERT_RC(ps_csv_read_file("does/not/exist.csv", NULL, &f), PS_ERR_NOT_FOUND);
  ASSERT(has(ps_errmsg(), "does/not/exist.csv"));
  ASSERT_RC(ps_csv_read_file(".", NULL, &f), PS_ERR_INVALID);
  ASSERT_RC(ps_csv_read_file(NULL, NULL, &f), PS_ERR_INVALID);
}

static void test_index_option(void) {
  ps_frame *f;
  ps_csv_options o = {0};
  o.index = "ts";
  ASSERT_OK(rdo("v,ts\n1.5,2024-01-01\n2.5,2024-01-02\n", &o, &f));
  ASSERT_EQ_INT(ps_frame_index(f), 1);
  ps_frame_free(f);
  o.index = "nope";
  f = NULL;
  ASSERT_RC(rdo("v,ts\n1.5,2024-01-01\n", &o, &f), PS_ERR_NOT_FOUND);
  ASSERT(f == NULL);
  ASSERT(has(ps_errmsg(), "'nope'"));
  ASSERT(has(ps_errmsg(), "test_csv_"));
  o.index = "c1";
  o.no_header = 1;
  ASSERT_OK(rdo("1,2\n", &o, &f));
  ASSERT_EQ_INT(ps_frame_index(f), 1);
  ps_frame_free(f);
  o.index = "Unnamed: 0";
  o.no_header = 0;
  ASSERT_OK(rdo(",a\n0,x\n1,y\n", &o, &f)); /* a pandas to_csv file */
  ASSERT_EQ_INT(ps_frame_index(f), 0);
  ps_frame_free(f);
}

/* ---------------------------------------------------------------- round trips */

static int same_bits(const void *a, const void *b, size_t n) { return memcmp(a, b, n) == 0; }

/* Exact equality of two columns of the same type (values and null positions). */
static int columns_equal(const ps_column *a, const ps_column *b) {
  if (ps_column_type(a) != ps_column_type(b) || ps_column_length(a) != ps_column_length(b)) return 0;
  if (strcmp(ps_column_name(a), ps_column_name(b)) != 0) return 0;
  if (ps_column_null_count(a) != ps_column_null_count(b)) return 0;
  int64_t n = ps_column_length(a);
  for (int64_t i = 0; i < n; i++) {
    if (ps_column_is_null(a, i) != ps_column_is_null(b, i)) return 0;
    if (ps_column_is_null(a, i)) continue;
    if (ps_column_type(a) == PS_TYPE_STRING || ps_column_type(a) == PS_TYPE_BINARY) {
      size_t la, lb;
      const char *sa = ps_column_string(a, i, &la), *sb = ps_column_string(b, i, &lb);
      if (la != lb || memcmp(sa, sb, la) != 0) return 0;
    } else if (ps_column_type(a) == PS_TYPE_FLOAT64) {
      double x = f64_at(a, i), y = f64_at(b, i);
      if (isnan(x) ? !isnan(y) : !same_bits(&x, &y, 8)) return 0;
    } else {
      size_t w = ps_type_width(ps_column_type(a));
      if (!same_bits((const char *)ps_column_values(a) + i * w, (const char *)ps_column_values(b) + i * w, w)) return 0;
    }
  }
  return 1;
}

static void test_roundtrip_exact(void) {
  /* int64, float64, bool, string, timestamp naive and UTC: same types back, bit for bit */
  ps_frame *f;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *ci, *cf, *cb, *cs, *ct, *cu;
  ASSERT_OK(ps_frame_add_column(f, "i", PS_TYPE_INT64, PS_UNIT_NS, NULL, &ci));
  ASSERT_OK(ps_frame_add_column(f, "f", PS_TYPE_FLOAT64, PS_UNIT_NS, NULL, &cf));
  ASSERT_OK(ps_frame_add_column(f, "b", PS_TYPE_BOOL, PS_UNIT_NS, NULL, &cb));
  ASSERT_OK(ps_frame_add_column(f, "s, \"quoted\"", PS_TYPE_STRING, PS_UNIT_NS, NULL, &cs));
  ASSERT_OK(ps_frame_add_column(f, "t", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &ct));
  ASSERT_OK(ps_frame_add_column(f, "u", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC", &cu));
  const char *strs[] = {"plain", "", "12", "true", "2024-01-01", "a,b", "say \"hi\"", "l1\nl2\r\nl3\r", " pad ",
                        "nan", "h\xC3\xA9llo \xF0\x9F\x98\x80", "-0.0", "\"", ","};
  size_t nstr = sizeof strs / sizeof *strs;
  srand(11);
  int64_t rows = 3000;
  for (int64_t r = 0; r < rows; r++) {
    int null = r % 7 == 3;
    int64_t iv = r == 0 ? INT64_MIN : r == 1 ? INT64_MAX : r == 2 ? 0 : ((int64_t)rand() << 32 ^ rand()) - (1LL << 50);
    if (null) ASSERT_OK(ps_column_append_null(ci)); else ASSERT_OK(ps_column_append_int(ci, iv));
    double dv;
    if (r < 8) {
      const double sp[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 5e-324, 1.7976931348623157e308, 0.1};
      dv = sp[r];
    } else {
      uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
      memcpy(&dv, &bits, 8);
      if (isnan(dv)) dv = 1.0;
    }
    if (r % 11 == 5) ASSERT_OK(ps_column_append_null(cf)); else ASSERT_OK(ps_column_append_double(cf, dv));
    if (r % 5 == 4) ASSERT_OK(ps_column_append_null(cb)); else ASSERT_OK(ps_column_append_bool(cb, r & 1));
    if (r % 13 == 6) ASSERT_OK(ps_column_append_null(cs));
    else ASSERT_OK(ps_column_append_string(cs, strs[r % nstr], strlen(strs[r % nstr])));
    int64_t tv = (int64_t)(((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 2) ^ (uint64_t)rand());
    if (tv < -9000000000000000000LL) tv /= 2; /* the bottom 0.85 s of the ns range does not parse */
    if (r % 3 == 0) tv -= tv % 1000;
    if (r < 3) tv = r == 0 ? INT64_MAX : r == 1 ? -1 : -9000000000000000000LL;
    if (r % 9 == 2) ASSERT_OK(ps_column_append_null(ct)); else ASSERT_OK(ps_column_append_int(ct, tv));
    if (r % 10 == 9) ASSERT_OK(ps_column_append_null(cu)); else ASSERT_OK(ps_column_append_int(cu, tv / 7));
  }
  ASSERT_OK(ps_frame_validate(f));
  const char *path = tmp_path("rt");
  ASSERT_OK(ps_csv_write_file(path, f));
  ps_frame *g;
  ASSERT_OK(ps_csv_read_file(path, NULL, &g));
  ASSERT_EQ_INT(ps_frame_num_rows(g), rows);
  ASSERT_EQ_INT(ps_frame_num_columns(g), 6);
  for (int k = 0; k < 6; k++) {
    if (!columns_equal(ps_frame_column(f, k), ps_frame_column(g, k))) {
      fprintf(stderr, "column %d (%s) differs after the round trip\n", k, ps_column_name(ps_frame_column(f, k)));
      ASSERT(0);
    }
  }
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column(g, 5)), "UTC");
  /* and writing it again gives the same bytes */
  const char *path2 = "test_csv_rt2.csv";
  ASSERT_OK(ps_csv_write_file(path2, g));
  FILE *a = fopen(path, "rb"), *b = fopen(path2, "rb");
  ASSERT(a && b);
  int same = 1, ca, cbb;
  do {
    ca = fgetc(a);
    cbb = fgetc(b);
    if (ca != cbb) same = 0;
  } while (ca != EOF && cbb != EOF);
  fclose(a);
  fclose(b);
  unlink(path);
  unlink(path2);
  ps_frame_free(f);
  ps_frame_free(g);
  ASSERT(same);
}

static void test_roundtrip_one_column_nulls(void) {
  ps_frame *f, *g;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *c;
  ASSERT_OK(ps_frame_add_column(f, "x", PS_TYPE_FLOAT64, PS_UNIT_NS, NULL, &c));
  ASSERT_OK(ps_column_append_null(c));
  ASSERT_OK(ps_column_append_double(c, 1.25));
  ASSERT_OK(ps_column_append_null(c));
  ASSERT_OK(ps_column_append_null(c));
  ASSERT_OK(ps_frame_validate(f));
  const char *path = tmp_path("one");
  ASSERT_OK(ps_csv_write_file(path, f));
  ASSERT_OK(ps_csv_read_file(path, NULL, &g));
  unlink(path);
  ASSERT(columns_equal(c, ps_frame_column(g, 0)));
  ps_frame_free(g);
  /* a one-column string frame: nulls (blank lines) vs "" */
  ps_frame_free(f);
  ASSERT_OK(ps_frame_new(&f));
  ASSERT_OK(ps_frame_add_column(f, "s", PS_TYPE_STRING, PS_UNIT_NS, NULL, &c));
  ASSERT_OK(ps_column_append_string(c, "", 0));
  ASSERT_OK(ps_column_append_null(c));
  ASSERT_OK(ps_column_append_string(c, "a", 1));
  ASSERT_OK(ps_column_append_null(c));
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_OK(ps_csv_write_file(path, f));
  ASSERT_OK(ps_csv_read_file(path, NULL, &g));
  unlink(path);
  ASSERT(columns_equal(c, ps_frame_column(g, 0)));
  ps_frame_free(g);
  ps_frame_free(f);
}

/* Types CSV cannot name come back widened, with the same values. */
static void test_roundtrip_widened_types(void) {
  ps_frame *f, *g;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *i8, *i16, *i32, *u8, *u16, *u32, *u64, *u64big, *f32, *dt, *tus, *tny, *bin;
  ASSERT_OK(ps_frame_add_column(f, "i8", PS_TYPE_INT8, 0, NULL, &i8));
  ASSERT_OK(ps_frame_add_column(f, "i16", PS_TYPE_INT16, 0, NULL, &i16));
  ASSERT_OK(ps_frame_add_column(f, "i32", PS_TYPE_INT32, 0, NULL, &i32));
  ASSERT_OK(ps_frame_add_column(f, "u8", PS_TYPE_UINT8, 0, NULL, &u8));
  ASSERT_OK(ps_frame_add_column(f, "u16", PS_TYPE_UINT16, 0, NULL, &u16));
  ASSERT_OK(ps_frame_add_column(f, "u32", PS_TYPE_UINT32, 0, NULL, &u32));
  ASSERT_OK(ps_frame_add_column(f, "u64", PS_TYPE_UINT64, 0, NULL, &u64));
  ASSERT_OK(ps_frame_add_column(f, "u64big", PS_TYPE_UINT64, 0, NULL, &u64big));
  ASSERT_OK(ps_frame_add_column(f, "f32", PS_TYPE_FLOAT32, 0, NULL, &f32));
  ASSERT_OK(ps_frame_add_column(f, "date", PS_TYPE_DATE, 0, NULL, &dt));
  ASSERT_OK(ps_frame_add_column(f, "tus", PS_TYPE_TIMESTAMP, PS_UNIT_US, NULL, &tus));
  ASSERT_OK(ps_frame_add_column(f, "tny", PS_TYPE_TIMESTAMP, PS_UNIT_MS, "America/New_York", &tny));
  ASSERT_OK(ps_frame_add_column(f, "bin", PS_TYPE_BINARY, 0, NULL, &bin));
  for (int r = 0; r < 4; r++) {
    if (r == 2) {
      ps_column *all[] = {i8, i16, i32, u8, u16, u32, u64, u64big, f32, dt, tus, tny, bin};
      for (int k = 0; k < 13; k++) ASSERT_OK(ps_column_append_null(all[k]));
      continue;
    }
    ASSERT_OK(ps_column_append_int(i8, r ? INT8_MIN : INT8_MAX));
    ASSERT_OK(ps_column_append_int(i16, r ? INT16_MIN : INT16_MAX));
    ASSERT_OK(ps_column_append_int(i32, r ? INT32_MIN : INT32_MAX));
    ASSERT_OK(ps_column_append_int(u8, r ? 0 : UINT8_MAX));
    ASSERT_OK(ps_column_append_int(u16, r ? 0 : UINT16_MAX));
    ASSERT_OK(ps_column_append_int(u32, r ? 0 : UINT32_MAX));
    ASSERT_OK(ps_column_append_uint(u64, r ? 0 : (uint64_t)INT64_MAX));
    ASSERT_OK(ps_column_append_uint(u64big, r ? 1 : UINT64_MAX));
    ASSERT_OK(ps_column_append_double(f32, r ? -0.1f : 3.4028235e38f));
    ASSERT_OK(ps_column_append_int(dt, r ? -719162 : 2932896)); /* 0001-01-01, 9999-12-31 */
    ASSERT_OK(ps_column_append_int(tus, r ? -1 : 1700000000123456LL));
    ASSERT_OK(ps_column_append_int(tny, r ? -1 : 1700000000123LL));
    ASSERT_OK(ps_column_append_string(bin, r ? "" : "\x00\xff\x10", r ? 0 : 3));
  }
  ASSERT_OK(ps_frame_validate(f));
  const char *path = tmp_path("wide");
  ASSERT_OK(ps_csv_write_file(path, f));
  ASSERT_OK(ps_csv_read_file(path, NULL, &g));
  unlink(path);
  ASSERT_EQ_INT(ps_frame_num_rows(g), 4);
  /* null positions survive in every column */
  for (int k = 0; k < ps_frame_num_columns(f); k++)
    for (int r = 0; r < 4; r++) ASSERT_EQ_INT(ps_column_is_null(ps_frame_column(g, k), r), r == 2);
  const char *ints[] = {"i8", "i16", "i32", "u8", "u16", "u32", "u64"};
  const int64_t want0[] = {INT8_MAX, INT16_MAX, INT32_MAX, UINT8_MAX, UINT16_MAX, UINT32_MAX, INT64_MAX};
  const int64_t want1[] = {INT8_MIN, INT16_MIN, INT32_MIN, 0, 0, 0, 0};
  for (int k = 0; k < 7; k++) {
    ps_column *c = ps_frame_column_by_name(g, ints[k]);
    ASSERT_EQ_INT(ps_column_type(c), PS_TYPE_INT64);
    ASSERT(i64_at(c, 0) == want0[k] && i64_at(c, 1) == want1[k] && i64_at(c, 3) == want1[k]);
  }
  /* uint64 above INT64_MAX: digits, read back as text (never rounded) */
  ps_column *c = ps_frame_column_by_name(g, "u64big");
  ASSERT_EQ_INT(ps_column_type(c), PS_TYPE_STRING);
  ASSERT(str_eq(c, 0, "18446744073709551615") && str_eq(c, 1, "1"));
  /* float32: shortest float text; back as float64 that converts to the same float */
  c = ps_frame_column_by_name(g, "f32");
  ASSERT_EQ_INT(ps_column_type(c), PS_TYPE_FLOAT64);
  ASSERT((float)f64_at(c, 0) == 3.4028235e38f && (float)f64_at(c, 1) == -0.1f);
  /* date: a timestamp at midnight */
  c = ps_frame_column_by_name(g, "date");
  ASSERT_EQ_INT(ps_column_type(c), PS_TYPE_STRING); /* 0001 and 9999 are outside the ns range */
  ASSERT(str_eq(c, 0, "9999-12-31") && str_eq(c, 1, "0001-01-01"));
  c = ps_frame_column_by_name(g, "tus");
  ASSERT_EQ_INT(ps_column_type(c), PS_TYPE_TIMESTAMP);
  ASSERT(ps_column_tz(c) == NULL);
  ASSERT(i64_at(c, 0) == 1700000000123456000LL && i64_at(c, 1) == -1000);
  /* a zoned column is written as UTC with "Z": the instants survive, the zone name does not */
  c = ps_frame_column_by_name(g, "tny");
  ASSERT_EQ_STR(ps_column_tz(c), "UTC");
  ASSERT(i64_at(c, 0) == 1700000000123000000LL && i64_at(c, 1) == -1000000);
  c = ps_frame_column_by_name(g, "bin");
  ASSERT_EQ_INT(ps_column_type(c), PS_TYPE_STRING);
  ASSERT(str_eq(c, 0, "\\x00ff10") && str_eq(c, 1, "\\x"));
  ps_frame_free(g);
  ps_frame_free(f);

  /* dates inside the ns range come back as midnight timestamps */
  ASSERT_OK(ps_frame_new(&f));
  ASSERT_OK(ps_frame_add_column(f, "d", PS_TYPE_DATE, 0, NULL, &dt));
  ASSERT_OK(ps_column_append_int(dt, -1));
  ASSERT_OK(ps_column_append_int(dt, 19724));
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_OK(ps_csv_write_file(path, f));
  ASSERT_OK(ps_csv_read_file(path, NULL, &g));
  unlink(path);
  c = ps_frame_column(g, 0);
  ASSERT_EQ_INT(ps_column_type(c), PS_TYPE_TIMESTAMP);
  ASSERT(i64_at(c, 0) == -86400LL * 1000000000LL && i64_at(c, 1) == 19724LL * 86400 * 1000000000LL);
  ps_frame_free(g);
  ps_frame_free(f);
}

static void test_write_text(void) {
  /* the exact text the writer produces */
  ps_frame *f;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *a, *b, *t;
  ASSERT_OK(ps_frame_add_column(f, "a", PS_TYPE_FLOAT64, 0, NULL, &a));
  ASSERT_OK(ps_frame_add_column(f, "b\"", PS_TYPE_STRING, 0, NULL, &b));
  ASSERT_OK(ps_frame_add_column(f, "t", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC", &t));
  ASSERT_OK(ps_column_append_double(a, -0.0));
  ASSERT_OK(ps_column_append_string(b, "x\"y", 3));
  ASSERT_OK(ps_column_append_int(t, 1500000000));
  ASSERT_OK(ps_column_append_null(a));
  ASSERT_OK(ps_column_append_string(b, "", 0));
  ASSERT_OK(ps_column_append_null(t));
  ASSERT_OK(ps_column_append_double(a, NAN));
  ASSERT_OK(ps_column_append_null(b));
  ASSERT_OK(ps_column_append_int(t, -1));
  ASSERT_OK(ps_frame_validate(f));
  const char *path = tmp_path("text");
  ASSERT_OK(ps_csv_write_file(path, f));
  char buf[256] = {0};
  FILE *fp = fopen(path, "rb");
  ASSERT(fp);
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  fclose(fp);
  unlink(path);
  buf[n] = 0;
  ASSERT_EQ_STR(buf,
                "a,\"b\"\"\",t\n"
                "-0.0,\"x\"\"y\",1970-01-01T00:00:01.500Z\n"
                ",\"\",\n"
                "nan,,1969-12-31T23:59:59.999999999Z\n");
  ps_frame_free(f);
}

static int count_temp_files(const char *prefix) {
  DIR *d = opendir(".");
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp-")) n++;
  if (d) closedir(d);
  return n;
}

static void test_write_failures(void) {
  ps_frame *f;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *s;
  ASSERT_OK(ps_frame_add_column(f, "s", PS_TYPE_STRING, 0, NULL, &s));
  for (int r = 0; r < 100000; r++) ASSERT_OK(ps_column_append_string(s, "some text value", 15));
  ASSERT_OK(ps_frame_validate(f));
  /* missing directory */
  ASSERT(ps_csv_write_file("no/such/dir/x.csv", f) < 0);
  ASSERT(has(ps_errmsg(), "no/such/dir/x.csv"));
  /* a failure in the middle of writing leaves the old file untouched and no temporary */
  const char *path = "test_csv_keep.csv";
  put_bytes(path, "old,content\n1,2\n", 16);
  ps__alloc_fail_after(3);
  int rc = ps_csv_write_file(path, f);
  ps__alloc_fail_after(-1);
  ASSERT_EQ_INT(rc, PS_ERR_NOMEM);
  char buf[64] = {0};
  FILE *fp = fopen(path, "rb");
  ASSERT(fp);
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  fclose(fp);
  ASSERT_EQ_INT(n, 16);
  ASSERT_EQ_INT(count_temp_files("test_csv_keep.csv"), 0);
  /* and a successful write replaces it */
  ASSERT_OK(ps_csv_write_file(path, f));
  ASSERT_EQ_INT(count_temp_files("test_csv_keep.csv"), 0);
  ps_frame *g;
  ASSERT_OK(ps_csv_read_file(path, NULL, &g));
  ASSERT(columns_equal(s, ps_frame_column(g, 0)));
  ps_frame_free(g);
  unlink(path);
  /* the target is a directory: rename fails, temporary removed */
  mkdir("test_csv_dir.csv", 0755);
  ASSERT(ps_csv_write_file("test_csv_dir.csv", f) < 0);
  ASSERT(has(ps_errmsg(), "test_csv_dir.csv"));
  ASSERT_EQ_INT(count_temp_files("test_csv_dir.csv"), 0);
  rmdir("test_csv_dir.csv");
  /* a frame without columns has no CSV form */
  ps_frame *empty;
  ASSERT_OK(ps_frame_new(&empty));
  ASSERT_RC(ps_csv_write_file(path, empty), PS_ERR_INVALID);
  ps_frame_free(empty);
  ps_frame_free(f);
}

/* Every allocation failure is reported as PS_ERR_NOMEM and leaks nothing. */
static void test_read_alloc_failures(void) {
  const char *path = tmp_path("alloc");
  const char *text = "a,b,c,d,e\n1,2.5,x,true,2024-01-01\n,\"q\"\"\",,false,\n3,1e9,\"zzzzzzzzzz\",,2024-01-02\n";
  put_bytes(path, text, strlen(text));
  int ok = 0;
  for (long k = 0; k < 200 && !ok; k++) {
    ps_frame *f = NULL;
    ps__alloc_fail_after(k);
    int rc = ps_csv_read_file(path, NULL, &f);
    ps__alloc_fail_after(-1);
    if (rc == PS_OK) {
      ok = 1;
      ASSERT_EQ_INT(ps_frame_num_rows(f), 3);
      ps_frame_free(f);
    } else {
      ASSERT_EQ_INT(rc, PS_ERR_NOMEM);
      ASSERT(f == NULL);
    }
  }
  unlink(path);
  ASSERT(ok);
}

/* Larger than the writer's buffer and with long quoted fields. */
static void test_large_roundtrip(void) {
  ps_frame *f, *g;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *i, *s;
  ASSERT_OK(ps_frame_add_column(f, "i", PS_TYPE_INT64, 0, NULL, &i));
  ASSERT_OK(ps_frame_add_column(f, "s", PS_TYPE_STRING, 0, NULL, &s));
  char big[5000];
  for (size_t k = 0; k < sizeof big; k++) big[k] = "ab,\"\n"[k % 5];
  for (int r = 0; r < 200000; r++) {
    ASSERT_OK(ps_column_append_int(i, r * 37LL - 1000000));
    size_t n = r % 1000 == 0 ? sizeof big : (size_t)(r % 17);
    ASSERT_OK(ps_column_append_string(s, big, n));
  }
  ASSERT_OK(ps_frame_validate(f));
  const char *path = tmp_path("large");
  ASSERT_OK(ps_csv_write_file(path, f));
  ps_csv_options o = {0};
  o.index = "i";
  ASSERT_OK(ps_csv_read_file(path, &o, &g));
  unlink(path);
  ASSERT_EQ_INT(ps_frame_index(g), 0);
  ASSERT(columns_equal(i, ps_frame_column(g, 0)));
  ASSERT(columns_equal(s, ps_frame_column(g, 1)));
  ps_frame_free(g);
  ps_frame_free(f);
}

int main(void) {
  RUN(test_infer_types);
  RUN(test_mixed_types_fall_back);
  RUN(test_nulls_and_empty_strings);
  RUN(test_quoting);
  RUN(test_line_endings_bom);
  RUN(test_delimiter_no_header);
  RUN(test_header_names);
  RUN(test_int64_extremes);
  RUN(test_float_values);
  RUN(test_timestamps);
  RUN(test_unicode);
  RUN(test_errors);
  RUN(test_index_option);
  RUN(test_roundtrip_exact);
  RUN(test_roundtrip_one_column_nulls);
  RUN(test_roundtrip_widened_types);
  RUN(test_write_text);
  RUN(test_write_failures);
  RUN(test_read_alloc_failures);
  RUN(test_large_roundtrip);
  TEST_MAIN_END();
}
