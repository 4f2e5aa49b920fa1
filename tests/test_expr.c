/* Filter expressions: parser, printer, exact evaluation, statistics pruning. */
#include <math.h>
#include <stdint.h>

#include "table/expr.h"
#include "table/frame.h"
#include "test.h"
#include "util/timefmt.h"

/* ---- helpers ---- */

/* Evaluate `text` over f; writes "0"/"1" per row into out. Returns status. */
static int sel_of(const ps_frame *f, const char *text, char *out) {
  ps_expr *e = NULL;
  int rc = ps_expr_parse(text, &e);
  if (rc < 0) return rc;
  int64_t n = ps_frame_num_rows(f);
  uint8_t *sel = malloc((size_t)n + 1);
  memset(sel, 7, (size_t)n + 1);
  rc = ps__expr_eval(e, f, sel);
  if (rc == PS_OK) {
    for (int64_t i = 0; i < n; i++) out[i] = sel[i] == 1 ? '1' : sel[i] == 0 ? '0' : '?';
    out[n] = 0;
  }
  free(sel);
  ps_expr_free(e);
  return rc;
}

#define ASSERT_SEL(f, text, want)                                                                  \
  do {                                                                                             \
    char got__[4096];                                                                              \
    int rc__ = sel_of((f), (text), got__);                                                         \
    if (rc__ != PS_OK) {                                                                           \
      fprintf(stderr, "%s:%d: filter \"%s\" failed: %s: %s\n", __FILE__, __LINE__, (text),       \
              ps_status_name(rc__), ps_errmsg());                                                  \
      test__failures++;                                                                            \
      return;                                                                                      \
    }                                                                                              \
    if (strcmp(got__, (want)) != 0) {                                                              \
      fprintf(stderr, "%s:%d: filter \"%s\": got %s, want %s\n", __FILE__, __LINE__, (text), got__, \
              (want));                                                                             \
      test__failures++;                                                                            \
      return;                                                                                      \
    }                                                                                              \
  } while (0)

#define ASSERT_SEL_RC(f, text, want_rc)                                                          \
  do {                                                                                           \
    char got__[4096];                                                                            \
    int rc__ = sel_of((f), (text), got__);                                                       \
    if (rc__ != (want_rc)) {                                                                     \
      fprintf(stderr, "%s:%d: filter \"%s\": got %s, want %s (%s)\n", __FILE__, __LINE__, (text), \
              ps_status_name(rc__), ps_status_name(want_rc), ps_errmsg());                       \
      test__failures++;                                                                          \
      return;                                                                                    \
    }                                                                                            \
  } while (0)

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* Parse, print; returns malloc'd text or NULL. */
static char *canon(const char *text) {
  ps_expr *e = NULL;
  if (ps_expr_parse(text, &e) != PS_OK) return NULL;
  char *s = NULL;
  if (ps_expr_to_string(e, &s) != PS_OK) s = NULL;
  ps_expr_free(e);
  return s;
}

/* ---- parser ---- */

static void test_parse_valid(void) {
  static const char *ok[] = {
      "c0 > 0.9",
      "c0 > 0.9 AND (sym == 'AAPL' OR sym in ('MSFT', 'IBM'))",
      "ts >= '2024-01-02' and ts < '2024-02-01' and note is not null",
      "a = 1", "a == 1", "a != 1", "a <> 1", "a < 1", "a <= 1", "a > 1", "a >= 1",
      "a in (1)", "a in ()", "a not in (1, 2, 3)", "a NOT IN ('x')", "a is null", "A IS NOT NULL", "a Is Not Null",
      "not a = 1", "NOT NOT a = 1", "nOt (a = 1)", "a = 1 Or b = 2 aNd c = 3",
      "x = -9223372036854775808", "x = 9223372036854775807", "x = 18446744073709551615",
      "x = 1e-3", "x = .5", "x = 5.", "x = -1.5E+10", "x = +3", "x = nan", "x = -inf", "x = inf", "x = Infinity",
      "x = true", "x = FALSE", "s = 'it''s'", "s = \"say \"\"hi\"\"\"", "s = ''", "s = \"\"",
      "`weird col` = 1", "`a``b` = 1", "`héllo wörld.x` = 'ü'", "héllo = 1", "a.b.c = 1", "_x9 = 1",
      "5 < x", "'2024-01-01' <= ts", "((((a = 1))))", "  a\t=\n1  ", "`and` = 1", "`null` is null",
      "x in ('a', 1, 2.5, true)",
  };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    ps_expr *e = NULL;
    int rc = ps_expr_parse(ok[i], &e);
    if (rc != PS_OK) fprintf(stderr, "  parse \"%s\": %s\n", ok[i], ps_errmsg());
    ASSERT_OK(rc);
    char *s = NULL;
    ASSERT_OK(ps_expr_to_string(e, &s));
    /* round trip: the printed form parses to the same printed form */
    ps_expr *e2 = NULL;
    rc = ps_expr_parse(s, &e2);
    if (rc != PS_OK) fprintf(stderr, "  reparse \"%s\" -> \"%s\": %s\n", ok[i], s, ps_errmsg());
    ASSERT_OK(rc);
    char *s2 = NULL;
    ASSERT_OK(ps_expr_to_string(e2, &s2));
    ASSERT_EQ_STR(s2, s);
    ps_free(s);
    ps_free(s2);
    ps_expr_free(e);
    ps_expr_free(e2);
  }
}

static void test_to_string_forms(void) {
  struct { const char *in, *out; } cases[] = {
      {"a == 1", "a = 1"},
      {"a <> 1", "a != 1"},
      {"5 < x", "x > 5"},
      {"5 >= x", "x <= 5"},
      {"'b' = s", "s = 'b'"},
      {"x = 1.0", "x = 1.0"},
      {"x = -0.0", "x = -0.0"},
      {"x = 1e-3", "x = 0.001"},
      {"x = -inf", "x = -inf"},
      {"x = NaN", "x = nan"},
      {"x = -9223372036854775808", "x = -9223372036854775808"},
      {"x = 18446744073709551615", "x = 18446744073709551615"},
      {"s = 'it''s'", "s = 'it''s'"},
      {"s = \"q\"\"q\"", "s = 'q\"q'"},
      {"`weird col` = 1", "`weird col` = 1"},
      {"`a``b` = 1", "`a``b` = 1"},
      {"`and` = 1", "`and` = 1"},
      {"`x` = 1", "x = 1"},
      {"a = 1 or b = 2 and c = 3", "a = 1 OR (b = 2 AND c = 3)"},
      {"(a = 1 or b = 2) and c = 3", "(a = 1 OR b = 2) AND c = 3"},
      {"a = 1 and b = 2 and c = 3 and d = 4", "a = 1 AND b = 2 AND c = 3 AND d = 4"},
      {"a = 1 and (b = 2 and c = 3)", "a = 1 AND b = 2 AND c = 3"},
      {"not a = 1 and b = 2", "NOT (a = 1) AND b = 2"},
      {"not (a = 1 and b = 2)", "NOT (a = 1 AND b = 2)"},
      {"a not in (1, 'x', true)", "a NOT IN (1, 'x', true)"},
      {"a in ()", "a IN ()"},
      {"a is not null", "a IS NOT NULL"},
      {"x = true", "x = true"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *s = canon(cases[i].in);
    if (!s) fprintf(stderr, "  \"%s\": %s\n", cases[i].in, ps_errmsg());
    ASSERT(s != NULL);
    ASSERT_EQ_STR(s, cases[i].out);
    ps_free(s);
  }
}

static void test_parse_invalid(void) {
  struct { const char *text; int rc; const char *msg; } bad[] = {
      {"", PS_ERR_PARSE, "at byte 0"},
      {"   ", PS_ERR_PARSE, "expected a filter expression"},
      {"a", PS_ERR_PARSE, "expected an operator"},
      {"a =", PS_ERR_PARSE, "at byte 3: expected a literal"},
      {"a = = 1", PS_ERR_PARSE, "at byte 4"},
      {"a = b", PS_ERR_PARSE, "comparing two columns"},
      {"1 = 2", PS_ERR_PARSE, "comparing two literals"},
      {"a = 1 b = 2", PS_ERR_PARSE, "expected AND, OR or end of input"},
      {"(a = 1", PS_ERR_PARSE, "')' to close the '(' at byte 0"},
      {"a = 1)", PS_ERR_PARSE, "unbalanced"},
      {"a = 'abc", PS_ERR_PARSE, "unterminated string"},
      {"`abc = 1", PS_ERR_PARSE, "unterminated `quoted` column name"},
      {"`` = 1", PS_ERR_PARSE, "empty column name"},
      {"a = 1 and", PS_ERR_PARSE, "end of input"},
      {"a = 1 or or b = 1", PS_ERR_PARSE, "at byte 9"},
      {"a in 1", PS_ERR_PARSE, "'(' after IN"},
      {"a in (1,", PS_ERR_PARSE, "a literal in the IN list"},
      {"a in (1 2)", PS_ERR_PARSE, "',' or ')'"},
      {"a in (b)", PS_ERR_PARSE, "a literal in the IN list"},
      {"a not 1", PS_ERR_PARSE, "IN after NOT"},
      {"a is 1", PS_ERR_PARSE, "NULL or NOT NULL"},
      {"a is not 1", PS_ERR_PARSE, "NULL after IS NOT"},
      {"a ! 1", PS_ERR_PARSE, "'!='"},
      {"a = 9223372036854775808x", PS_ERR_PARSE, "letters after the digits"},
      {"a = 18446744073709551616", PS_ERR_PARSE, "out of range"},
      {"a = -9223372036854775809", PS_ERR_PARSE, "out of range"},
      {"a = 1e", PS_ERR_PARSE, "exponent"},
      {"a = -", PS_ERR_PARSE, "malformed number"},
      {"a = -foo", PS_ERR_PARSE, "after the sign"},
      {"a = .", PS_ERR_PARSE, "malformed number"},
      {"a = 1 ; drop", PS_ERR_PARSE, "unexpected character"},
      {"and = 1", PS_ERR_PARSE, "expected a column name"},
      {"a = null", PS_ERR_PARSE, "expected a literal"},
      {"not", PS_ERR_PARSE, "end of input"},
      {"()", PS_ERR_PARSE, "at byte 1"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ps_expr *e = (ps_expr *)1;
    int rc = ps_expr_parse(bad[i].text, &e);
    if (rc != bad[i].rc || !contains(ps_errmsg(), bad[i].msg))
      fprintf(stderr, "  \"%s\": %s: %s (want \"%s\")\n", bad[i].text, ps_status_name(rc), ps_errmsg(), bad[i].msg);
    ASSERT_EQ_INT(rc, bad[i].rc);
    ASSERT(contains(ps_errmsg(), bad[i].msg));
    ASSERT(e == NULL);
  }
  ASSERT_RC(ps_expr_parse(NULL, NULL), PS_ERR_INVALID);
}

static void test_parse_depth(void) {
  size_t n = 100000;
  char *t = malloc(3 * n + 16);
  /* (((...a = 1...))) */
  size_t k = 0;
  for (size_t i = 0; i < n; i++) t[k++] = '(';
  memcpy(t + k, "a = 1", 5);
  k += 5;
  for (size_t i = 0; i < n; i++) t[k++] = ')';
  t[k] = 0;
  ps_expr *e = NULL;
  ASSERT_RC(ps_expr_parse(t, &e), PS_ERR_LIMIT);
  ASSERT(contains(ps_errmsg(), "nesting"));
  /* NOT NOT NOT ... */
  k = 0;
  for (size_t i = 0; i < n / 4; i++) { memcpy(t + k, "not ", 4); k += 4; }
  memcpy(t + k, "a = 1", 6);
  ASSERT_RC(ps_expr_parse(t, &e), PS_ERR_LIMIT);
  /* unclosed parens only */
  memset(t, '(', n);
  t[n] = 0;
  ASSERT_RC(ps_expr_parse(t, &e), PS_ERR_LIMIT);
  /* moderate nesting is fine and prints back parseably */
  k = 0;
  for (size_t i = 0; i < 200; i++) t[k++] = '(';
  memcpy(t + k, "a = 1", 5);
  k += 5;
  for (size_t i = 0; i < 200; i++) t[k++] = ')';
  t[k] = 0;
  ASSERT_OK(ps_expr_parse(t, &e));
  ps_expr_free(e);
  /* alternating AND/OR nesting up to the tree limit; printing must reparse */
  ps_expr *acc = NULL;
  ps_value one = {PS_VALUE_INT, 1, 0, 0, NULL, 0};
  ASSERT_OK(ps_expr_compare("a", PS_OP_EQ, &one, &acc));
  int rc = PS_OK, levels = 0;
  while (rc == PS_OK && levels < 1000) {
    ps_expr *b = NULL, *c = NULL;
    ASSERT_OK(ps_expr_compare("b", PS_OP_EQ, &one, &b));
    rc = (levels % 3 == 2) ? ps_expr_not(acc, &c) : (levels % 2) ? ps_expr_and(acc, b, &c) : ps_expr_or(acc, b, &c);
    if (levels % 3 == 2) ps_expr_free(b);
    acc = c;
    levels++;
  }
  ASSERT_EQ_INT(rc, PS_ERR_LIMIT); /* operands freed on failure: acc is NULL here */
  ASSERT(acc == NULL);
  /* build just below the limit and round-trip */
  ASSERT_OK(ps_expr_compare("a", PS_OP_EQ, &one, &acc));
  for (int i = 0; i < 250; i++) {
    ps_expr *c = NULL;
    if (i % 2) {
      ASSERT_OK(ps_expr_not(acc, &c));
    } else {
      ps_expr *b = NULL;
      ASSERT_OK(ps_expr_compare("b", PS_OP_GT, &one, &b));
      ASSERT_OK(i % 4 ? ps_expr_and(acc, b, &c) : ps_expr_or(acc, b, &c));
    }
    acc = c;
  }
  char *s = NULL;
  ASSERT_OK(ps_expr_to_string(acc, &s));
  ASSERT_OK(ps_expr_parse(s, &e));
  char *s2 = NULL;
  ASSERT_OK(ps_expr_to_string(e, &s2));
  ASSERT_EQ_STR(s2, s);
  ps_free(s);
  ps_free(s2);
  ps_expr_free(e);
  ps_expr_free(acc);
  /* a long flat OR chain is not deep */
  size_t m = 20000;
  char *big = malloc(m * 16 + 16);
  k = 0;
  for (size_t i = 0; i < m; i++) k += (size_t)sprintf(big + k, "%sa = %zu", i ? " or " : "", i);
  ASSERT_OK(ps_expr_parse(big, &e));
  ps_expr_free(e);
  free(big);
  free(t);
}

/* ---- frames ---- */

static ps_frame *new_frame(void) {
  ps_frame *f = NULL;
  if (ps_frame_new(&f) != PS_OK) return NULL;
  return f;
}

static void test_int_exact(void) {
  ps_frame *f = new_frame();
  ps_column *c8, *c64, *cu;
  ASSERT_OK(ps_frame_add_column(f, "i8", PS_TYPE_INT8, PS_UNIT_NS, NULL, &c8));
  ASSERT_OK(ps_frame_add_column(f, "i64", PS_TYPE_INT64, PS_UNIT_NS, NULL, &c64));
  ASSERT_OK(ps_frame_add_column(f, "u64", PS_TYPE_UINT64, PS_UNIT_NS, NULL, &cu));
  int64_t v8[] = {-128, -1, 0, 1, 3, 127};
  int64_t v64[] = {INT64_MIN, -1, 0, 2, INT64_MAX - 1, INT64_MAX};
  uint64_t vu[] = {0, 1, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX - 1, UINT64_MAX};
  for (int i = 0; i < 6; i++) {
    ASSERT_OK(ps_column_append_int(c8, v8[i]));
    ASSERT_OK(ps_column_append_int(c64, v64[i]));
    ASSERT_OK(vu[i] > (uint64_t)INT64_MAX ? ps_column_append_uint(cu, vu[i]) : ps_column_append_int(cu, (int64_t)vu[i]));
  }
  ASSERT_OK(ps_column_append_null(c8));
  ASSERT_OK(ps_column_append_null(c64));
  ASSERT_OK(ps_column_append_null(cu));
  ASSERT_OK(ps_frame_validate(f));
  /* out-of-range literals: all or nothing, never an error */
  ASSERT_SEL(f, "i8 < 1000", "1111110");
  ASSERT_SEL(f, "i8 > -1000", "1111110");
  ASSERT_SEL(f, "i8 = 1000", "0000000");
  ASSERT_SEL(f, "i8 != 1000", "1111110");
  ASSERT_SEL(f, "i8 <= 18446744073709551615", "1111110");
  ASSERT_SEL(f, "i8 < -129", "0000000");
  ASSERT_SEL(f, "i8 <= -128", "1000000");
  ASSERT_SEL(f, "i8 < -128", "0000000");
  ASSERT_SEL(f, "i8 >= 127", "0000010");
  ASSERT_SEL(f, "i8 > 127", "0000000");
  ASSERT_SEL(f, "i8 > 126.5", "0000010");
  ASSERT_SEL(f, "i8 > 127.5", "0000000");
  ASSERT_SEL(f, "i8 < -127.5", "1000000");
  ASSERT_SEL(f, "i8 < -128.5", "0000000");
  /* float literal vs ints: numeric */
  ASSERT_SEL(f, "i8 > 2.5", "0000110");
  ASSERT_SEL(f, "i8 >= 2.5", "0000110");
  ASSERT_SEL(f, "i8 < 0.5", "1110000");
  ASSERT_SEL(f, "i8 <= -0.5", "1100000");
  ASSERT_SEL(f, "i8 < -0.5", "1100000");
  ASSERT_SEL(f, "i8 = 1.0", "0001000");
  ASSERT_SEL(f, "i8 = 1.5", "0000000");
  ASSERT_SEL(f, "i8 != 1.5", "1111110");
  ASSERT_SEL(f, "i8 = -0.0", "0010000");
  ASSERT_SEL(f, "i8 = nan", "0000000");
  ASSERT_SEL(f, "i8 != nan", "1111110");
  ASSERT_SEL(f, "i8 < nan", "0000000");
  ASSERT_SEL(f, "i8 < inf", "1111110");
  ASSERT_SEL(f, "i8 > -inf", "1111110");
  ASSERT_SEL(f, "i8 > inf", "0000000");
  ASSERT_SEL(f, "3 <= i8", "0000110");
  /* int64 extremes */
  ASSERT_SEL(f, "i64 = -9223372036854775808", "1000000");
  ASSERT_SEL(f, "i64 < -9223372036854775808", "0000000");
  ASSERT_SEL(f, "i64 <= -9223372036854775808", "1000000");
  ASSERT_SEL(f, "i64 > 9223372036854775807", "0000000");
  ASSERT_SEL(f, "i64 >= 9223372036854775807", "0000010");
  ASSERT_SEL(f, "i64 > 9223372036854775806", "0000010");
  ASSERT_SEL(f, "i64 < 18446744073709551615", "1111110");
  ASSERT_SEL(f, "i64 = 18446744073709551615", "0000000");
  /* 9223372036854775807.0 is 2^63 as a double: above every int64 */
  ASSERT_SEL(f, "i64 >= 9223372036854775807.0", "0000000");
  ASSERT_SEL(f, "i64 < 9.3e18", "1111110");
  ASSERT_SEL(f, "i64 > -9.3e18", "1111110");
  ASSERT_SEL(f, "i64 >= -9223372036854775808.0", "1111110");
  ASSERT_SEL(f, "i64 > -9223372036854775808.0", "0111110");
  ASSERT_SEL(f, "i64 > 1.5", "0001110");
  /* 9223372036854774784.0 is the largest double below 2^63 */
  ASSERT_SEL(f, "i64 > 9223372036854774784.0", "0000110");
  ASSERT_SEL(f, "i64 in (-9223372036854775808, 9223372036854775807, 18446744073709551615, 2.5, 2.0)", "1001010");
  ASSERT_SEL(f, "i64 not in (-1, 0.0, 1e300)", "1001110");
  /* uint64 column */
  ASSERT_SEL(f, "u64 > 9223372036854775807", "0001110");
  ASSERT_SEL(f, "u64 >= 9223372036854775807", "0011110");
  ASSERT_SEL(f, "u64 = 18446744073709551615", "0000010");
  ASSERT_SEL(f, "u64 >= 18446744073709551615", "0000010");
  ASSERT_SEL(f, "u64 > 18446744073709551615", "0000000");
  ASSERT_SEL(f, "u64 < 0", "0000000");
  ASSERT_SEL(f, "u64 <= 0", "1000000");
  ASSERT_SEL(f, "u64 >= -5", "1111110");
  ASSERT_SEL(f, "u64 > -1", "1111110");
  ASSERT_SEL(f, "u64 > -0.5", "1111110");
  ASSERT_SEL(f, "u64 < 0.5", "1000000");
  ASSERT_SEL(f, "u64 = -1", "0000000");
  ASSERT_SEL(f, "u64 != -1", "1111110");
  ASSERT_SEL(f, "u64 < 1.8446744073709552e19", "1111110"); /* 2^64 */
  ASSERT_SEL(f, "u64 >= 1.8446744073709552e19", "0000000");
  ASSERT_SEL(f, "u64 in (18446744073709551615, 1, -1, 1.5)", "0100010");
  ASSERT_SEL(f, "u64 not in (18446744073709551615, 1, -1)", "1011100");
  /* bool literal vs int column, string vs int: schema errors naming column and literal */
  ASSERT_SEL_RC(f, "i8 = true", PS_ERR_SCHEMA);
  ASSERT(contains(ps_errmsg(), "'i8'") && contains(ps_errmsg(), "true"));
  ASSERT_SEL_RC(f, "i64 < '5'", PS_ERR_SCHEMA);
  ASSERT(contains(ps_errmsg(), "'i64'") && contains(ps_errmsg(), "'5'"));
  ASSERT_SEL_RC(f, "u64 in (1, 'x')", PS_ERR_SCHEMA);
  ps_frame_free(f);
}

static void test_small_ints(void) {
  ps_frame *f = new_frame();
  ps_column *c16, *c32, *cu8, *cu16, *cu32;
  ASSERT_OK(ps_frame_add_column(f, "i16", PS_TYPE_INT16, PS_UNIT_NS, NULL, &c16));
  ASSERT_OK(ps_frame_add_column(f, "i32", PS_TYPE_INT32, PS_UNIT_NS, NULL, &c32));
  ASSERT_OK(ps_frame_add_column(f, "u8", PS_TYPE_UINT8, PS_UNIT_NS, NULL, &cu8));
  ASSERT_OK(ps_frame_add_column(f, "u16", PS_TYPE_UINT16, PS_UNIT_NS, NULL, &cu16));
  ASSERT_OK(ps_frame_add_column(f, "u32", PS_TYPE_UINT32, PS_UNIT_NS, NULL, &cu32));
  int64_t a16[] = {INT16_MIN, 0, INT16_MAX}, a32[] = {INT32_MIN, 0, INT32_MAX};
  int64_t u8[] = {0, 200, 255}, u16[] = {0, 40000, 65535}, u32[] = {0, 3000000000LL, 4294967295LL};
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(ps_column_append_int(c16, a16[i]));
    ASSERT_OK(ps_column_append_int(c32, a32[i]));
    ASSERT_OK(ps_column_append_int(cu8, u8[i]));
    ASSERT_OK(ps_column_append_int(cu16, u16[i]));
    ASSERT_OK(ps_column_append_int(cu32, u32[i]));
  }
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_SEL(f, "i16 < -32768", "000");
  ASSERT_SEL(f, "i16 <= -32768", "100");
  ASSERT_SEL(f, "i16 > 32766.5", "001");
  ASSERT_SEL(f, "i16 > 40000", "000");
  ASSERT_SEL(f, "i32 >= 2147483647", "001");
  ASSERT_SEL(f, "i32 > 2147483647", "000");
  ASSERT_SEL(f, "i32 in (-2147483648, 5, 4294967296)", "100");
  ASSERT_SEL(f, "u8 > 199.9", "011");
  ASSERT_SEL(f, "u8 = 256", "000");
  ASSERT_SEL(f, "u8 < 256", "111");
  ASSERT_SEL(f, "u8 > -1", "111");
  ASSERT_SEL(f, "u8 in (255, -1, 256)", "001");
  ASSERT_SEL(f, "u16 >= 40000", "011");
  ASSERT_SEL(f, "u16 != 65535", "110");
  ASSERT_SEL(f, "u32 > 2147483647", "011");
  ASSERT_SEL(f, "u32 = 4294967295", "001");
  ASSERT_SEL(f, "u32 < 4294967295.5", "111");
  ASSERT_SEL(f, "u32 not in (0, 3000000000)", "001");
  ps_frame_free(f);
}

static void test_float(void) {
  ps_frame *f = new_frame();
  ps_column *c, *c32, *cb;
  ASSERT_OK(ps_frame_add_column(f, "f", PS_TYPE_FLOAT64, PS_UNIT_NS, NULL, &c));
  ASSERT_OK(ps_frame_add_column(f, "f32", PS_TYPE_FLOAT32, PS_UNIT_NS, NULL, &c32));
  ASSERT_OK(ps_frame_add_column(f, "big", PS_TYPE_FLOAT64, PS_UNIT_NS, NULL, &cb));
  /* rows: 0.5, -0.0, 0.0, NaN, 1e300, -inf, null, 0.9 */
  double v[] = {0.5, -0.0, 0.0, NAN, 1e300, -INFINITY, 0, 0.9};
  for (int i = 0; i < 8; i++) {
    if (i == 6) {
      ASSERT_OK(ps_column_append_null(c));
      ASSERT_OK(ps_column_append_null(c32));
      ASSERT_OK(ps_column_append_null(cb));
      continue;
    }
    ASSERT_OK(ps_column_append_double(c, v[i]));
    ASSERT_OK(ps_column_append_double(c32, i == 4 ? 0.1 : v[i])); /* float32: 0.1f instead of 1e300 */
    double bigs[] = {9007199254740992.0, 9007199254740994.0, 9223372036854775808.0, -9223372036854775808.0,
                     18446744073709551616.0, 1.5, 0, -9223372036854777856.0};
    ASSERT_OK(ps_column_append_double(cb, bigs[i]));
  }
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_SEL(f, "f = 0", "01100000");
  ASSERT_SEL(f, "f = -0.0", "01100000");
  ASSERT_SEL(f, "f != 0", "10011101"); /* NaN != 0 is true */
  ASSERT_SEL(f, "f < 0", "00000100");  /* -0.0 < 0 is false */
  ASSERT_SEL(f, "f <= -0.0", "01100100");
  ASSERT_SEL(f, "f > 0.5", "00001001");
  ASSERT_SEL(f, "f >= 0.5", "10001001");
  ASSERT_SEL(f, "f > 0.9", "00001000");
  ASSERT_SEL(f, "f = nan", "00000000");
  ASSERT_SEL(f, "f != nan", "11111101");
  ASSERT_SEL(f, "f < nan", "00000000");
  ASSERT_SEL(f, "f = -inf", "00000100");
  ASSERT_SEL(f, "f > -inf", "11101001");
  ASSERT_SEL(f, "f < inf", "11101101");
  ASSERT_SEL(f, "not (f > 0.5)", "11110100"); /* NaN row: NOT false = true; null stays out */
  ASSERT_SEL(f, "f in (0, 0.9, nan)", "01100001");
  ASSERT_SEL(f, "f not in (0, 0.9, nan)", "10011100");
  ASSERT_SEL(f, "f in (-0.0)", "01100000");
  ASSERT_SEL(f, "f is null", "00000010");
  ASSERT_SEL(f, "f is not null", "11111101");
  ASSERT_SEL(f, "f = 1", "00000000");
  ASSERT_SEL(f, "f < 1", "11100101");
  ASSERT_SEL_RC(f, "f = 'x'", PS_ERR_SCHEMA);
  ASSERT(contains(ps_errmsg(), "'f'") && contains(ps_errmsg(), "'x'"));
  ASSERT_SEL_RC(f, "f = true", PS_ERR_SCHEMA);
  /* float32: comparisons are exact in double (0.1f != 0.1) */
  ASSERT_SEL(f, "f32 = 0.1", "00000000");
  ASSERT_SEL(f, "f32 > 0.1", "10001001");
  ASSERT_SEL(f, "f32 = 0.5", "10000000");
  ASSERT_SEL(f, "f32 = 0.100000001490116119384765625", "00001000");
  ASSERT_SEL(f, "f32 != 0", "10011101");
  ASSERT_SEL(f, "f32 in (0.5, 0.9)", "10000000"); /* 0.9f != 0.9 */
  /* int literals that are not doubles: compared exactly */
  ASSERT_SEL(f, "big < 9007199254740993", "10010101");
  ASSERT_SEL(f, "big <= 9007199254740993", "10010101");
  ASSERT_SEL(f, "big > 9007199254740993", "01101000");
  ASSERT_SEL(f, "big = 9007199254740993", "00000000");
  ASSERT_SEL(f, "big != 9007199254740993", "11111101");
  ASSERT_SEL(f, "big = 9007199254740992", "10000000");
  ASSERT_SEL(f, "big in (9007199254740993, 9007199254740994)", "01000000");
  ASSERT_SEL(f, "big > 9223372036854775807", "00101000"); /* 2^63 > INT64_MAX */
  ASSERT_SEL(f, "big >= 9223372036854775807", "00101000");
  ASSERT_SEL(f, "big = 9223372036854775807", "00000000");
  ASSERT_SEL(f, "big = 9223372036854775808", "00100000");
  ASSERT_SEL(f, "big = -9223372036854775808", "00010000");
  ASSERT_SEL(f, "big < -9223372036854775807", "00010001");
  ASSERT_SEL(f, "big > 18446744073709551615", "00001000");
  ASSERT_SEL(f, "big < 18446744073709551615", "11110101");
  ps_frame_free(f);
}

static void test_strings(void) {
  ps_frame *f = new_frame();
  ps_column *c, *bin;
  ASSERT_OK(ps_frame_add_column(f, "s", PS_TYPE_STRING, PS_UNIT_NS, NULL, &c));
  ASSERT_OK(ps_frame_add_column(f, "b", PS_TYPE_BINARY, PS_UNIT_NS, NULL, &bin));
  const char *v[] = {"", "a", "ab", "b", "\xc3\xa9", NULL, "it's", "a b"};
  for (int i = 0; i < 8; i++) {
    if (v[i]) {
      ASSERT_OK(ps_column_append_string(c, v[i], strlen(v[i])));
    } else {
      ASSERT_OK(ps_column_append_null(c));
    }
  }
  const char bytes[] = {'a', 0, 'b'};
  ASSERT_OK(ps_column_append_string(bin, bytes, 3));
  ASSERT_OK(ps_column_append_string(bin, bytes, 1));
  ASSERT_OK(ps_column_append_string(bin, "", 0));
  for (int i = 3; i < 8; i++) ASSERT_OK(ps_column_append_string(bin, "\xff", 1));
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_SEL(f, "s = ''", "10000000");
  ASSERT_SEL(f, "s != ''", "01111011");
  ASSERT_SEL(f, "s = 'a'", "01000000");
  ASSERT_SEL(f, "s < 'b'", "11100001"); /* memcmp then length: '' < 'a' < 'a b' < 'ab' < 'b' */
  ASSERT_SEL(f, "s <= 'b'", "11110001");
  ASSERT_SEL(f, "s > 'ab'", "00011010");
  ASSERT_SEL(f, "s >= 'a'", "01111011");
  ASSERT_SEL(f, "s > 'a'", "00111011");
  ASSERT_SEL(f, "s = '\xc3\xa9'", "00001000");
  ASSERT_SEL(f, "s > 'z'", "00001000"); /* UTF-8 bytes sort above ASCII */
  ASSERT_SEL(f, "s = 'it''s'", "00000010");
  ASSERT_SEL(f, "s = \"it's\"", "00000010");
  ASSERT_SEL(f, "s in ('a', '\xc3\xa9', '', 'zz')", "11001000");
  ASSERT_SEL(f, "s not in ('a', '')", "00111011");
  ASSERT_SEL(f, "s in ()", "00000000");
  ASSERT_SEL(f, "s not in ()", "11111011");
  ASSERT_SEL(f, "s is null", "00000100");
  ASSERT_SEL(f, "'b' > s", "11100001");
  ASSERT_SEL(f, "b < 'a'", "00100000");
  ASSERT_SEL(f, "b = 'a'", "01000000");
  ASSERT_SEL(f, "b > 'a'", "10011111");
  ASSERT_SEL_RC(f, "s = 5", PS_ERR_SCHEMA);
  ASSERT(contains(ps_errmsg(), "'s'") && contains(ps_errmsg(), "5"));
  ASSERT_SEL_RC(f, "s in ('a', 1.5)", PS_ERR_SCHEMA);
  ASSERT_SEL_RC(f, "s = true", PS_ERR_SCHEMA);
  /* a literal with an embedded NUL via the API */
  ps_value lit = {PS_VALUE_STRING, 0, 0, 0, bytes, 3};
  ps_expr *e = NULL;
  ASSERT_OK(ps_expr_compare("b", PS_OP_EQ, &lit, &e));
  uint8_t sel[8];
  ASSERT_OK(ps__expr_eval(e, f, sel));
  ASSERT(sel[0] == 1 && sel[1] == 0 && sel[2] == 0);
  ps_expr_free(e);
  ps_frame_free(f);
}

static void test_bool(void) {
  ps_frame *f = new_frame();
  ps_column *c;
  ASSERT_OK(ps_frame_add_column(f, "flag", PS_TYPE_BOOL, PS_UNIT_NS, NULL, &c));
  ASSERT_OK(ps_column_append_bool(c, 1));
  ASSERT_OK(ps_column_append_bool(c, 0));
  ASSERT_OK(ps_column_append_null(c));
  ASSERT_OK(ps_column_append_bool(c, 1));
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_SEL(f, "flag = true", "1001");
  ASSERT_SEL(f, "flag == FALSE", "0100");
  ASSERT_SEL(f, "flag != true", "0100");
  ASSERT_SEL(f, "flag > false", "1001");
  ASSERT_SEL(f, "flag < true", "0100");
  ASSERT_SEL(f, "flag in (true)", "1001");
  ASSERT_SEL(f, "flag not in (true)", "0100");
  ASSERT_SEL(f, "not flag = true", "0100");
  ASSERT_SEL_RC(f, "flag = 1", PS_ERR_SCHEMA);
  ASSERT_SEL_RC(f, "flag = 'true'", PS_ERR_SCHEMA);
  ps_frame_free(f);
}

/* ts column in `unit`, rows: 2024-01-02T00:00:00 + {1, 2, 1000} ms, null, 1970 epoch */
static void test_timestamps(void) {
  static const ps_time_unit units[] = {PS_UNIT_NS, PS_UNIT_US, PS_UNIT_MS, PS_UNIT_S};
  const int64_t base_s = 1704153600; /* 2024-01-02T00:00:00 */
  for (int ui = 0; ui < 4; ui++) {
    for (int zoned = 0; zoned < 2; zoned++) {
      ps_frame *f = new_frame();
      ps_column *c;
      ps_time_unit u = units[ui];
      int64_t per = ps_unit_per_second(u);
      ASSERT_OK(ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, u, zoned ? "America/New_York" : NULL, &c));
      if (u == PS_UNIT_S) {
        ASSERT_OK(ps_column_append_int(c, base_s));
        ASSERT_OK(ps_column_append_int(c, base_s + 1));
        ASSERT_OK(ps_column_append_int(c, base_s + 2));
      } else {
        ASSERT_OK(ps_column_append_int(c, base_s * per + per / 1000));     /* .001 */
        ASSERT_OK(ps_column_append_int(c, base_s * per + 2 * per / 1000)); /* .002 */
        ASSERT_OK(ps_column_append_int(c, base_s * per + per));            /* 00:00:01 */
      }
      ASSERT_OK(ps_column_append_null(c));
      ASSERT_OK(ps_column_append_int(c, 0));
      ASSERT_OK(ps_frame_validate(f));
      ASSERT_SEL(f, "ts >= '2024-01-02'", "11100");
      ASSERT_SEL(f, "ts < '2024-01-02'", "00001");
      ASSERT_SEL(f, "ts = '1970-01-01'", "00001");
      ASSERT_SEL(f, "ts = '1970-01-01T00:00:00Z'", "00001");
      ASSERT_SEL(f, "ts < '3000-01-01'", "11101");   /* beyond the ns range: still exact */
      ASSERT_SEL(f, "ts > '1000-01-01'", "11101");
      ASSERT_SEL(f, "ts > '9999-12-31T23:59:59.999999999'", "00000");
      ASSERT_SEL(f, "ts != '3000-01-01'", "11101");
      ASSERT_SEL(f, "ts is null", "00010");
      /* offsets convert to UTC (naive columns included) */
      ASSERT_SEL(f, "ts < '2024-01-02T02:00:00+02:00'", "00001");
      ASSERT_SEL(f, "ts >= '2024-01-01T19:00:00-05:00'", "11100");
      if (u == PS_UNIT_S) {
        ASSERT_SEL(f, "ts < '2024-01-02T00:00:00.5'", "10001");
        ASSERT_SEL(f, "ts <= '2024-01-02T00:00:00.5'", "10001");
        ASSERT_SEL(f, "ts > '2024-01-02T00:00:00.5'", "01100");
        ASSERT_SEL(f, "ts >= '2024-01-02T00:00:00.5'", "01100");
        ASSERT_SEL(f, "ts = '2024-01-02T00:00:00.5'", "00000");
        ASSERT_SEL(f, "ts != '2024-01-02T00:00:00.5'", "11101");
        ASSERT_SEL(f, "ts = '2024-01-02 00:00:01'", "01000");
        ASSERT_SEL(f, "ts in ('2024-01-02T00:00:01', '2024-01-02T00:00:01.5')", "01000");
      } else {
        /* finer literal than the unit: exact, not truncated */
        ASSERT_SEL(f, "ts < '2024-01-02T00:00:00.0015'", "10001");
        ASSERT_SEL(f, "ts <= '2024-01-02T00:00:00.0015'", "10001");
        ASSERT_SEL(f, "ts > '2024-01-02T00:00:00.0015'", "01100");
        ASSERT_SEL(f, "ts >= '2024-01-02T00:00:00.0015'", "01100");
        ASSERT_SEL(f, "ts = '2024-01-02T00:00:00.0015'", "00000");
        ASSERT_SEL(f, "ts != '2024-01-02T00:00:00.0015'", "11101");
        ASSERT_SEL(f, "ts < '2024-01-02T00:00:00.001000001'", u == PS_UNIT_NS ? "10001" : "10001");
        ASSERT_SEL(f, "ts > '2024-01-02T00:00:00.001000001'", "01100");
        ASSERT_SEL(f, "ts = '2024-01-02T00:00:00.001000000'", "10000");
        ASSERT_SEL(f, "ts = '2024-01-02T00:00:00.001Z'", "10000");
        ASSERT_SEL(f, "ts = '2024-01-02T01:00:00.002+01:00'", "01000");
        ASSERT_SEL(f, "ts in ('2024-01-02T00:00:00.002', '2024-01-02T00:00:00.0025')", "01000");
        ASSERT_SEL(f, "ts not in ('2024-01-02T00:00:00.002', '2024-01-02T00:00:00.0025')", "10101");
      }
      ASSERT_SEL_RC(f, "ts < 'yesterday'", PS_ERR_SCHEMA);
      ASSERT(contains(ps_errmsg(), "'ts'") && contains(ps_errmsg(), "'yesterday'"));
      ASSERT_SEL_RC(f, "ts < '2024-02-30'", PS_ERR_SCHEMA);
      ASSERT_SEL_RC(f, "ts < '2024-01-02T25:00'", PS_ERR_SCHEMA);
      ASSERT_SEL_RC(f, "ts < 1.5", PS_ERR_SCHEMA); /* integers are raw counts of the unit; floats are refused */
      ASSERT_SEL_RC(f, "ts in ('2024-01-02', 5.5)", PS_ERR_SCHEMA);
      ps_frame_free(f);
    }
  }
  /* ns column: literals outside the int64 ns range are all-or-nothing */
  ps_frame *f = new_frame();
  ps_column *c;
  ASSERT_OK(ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC", &c));
  ASSERT_OK(ps_column_append_int(c, INT64_MIN));
  ASSERT_OK(ps_column_append_int(c, INT64_MAX));
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_SEL(f, "ts < '2262-04-11T23:47:16.854775807'", "10");
  ASSERT_SEL(f, "ts = '2262-04-11T23:47:16.854775807'", "01");
  ASSERT_SEL(f, "ts > '2262-04-11T23:47:16.854775808'", "00");
  ASSERT_SEL(f, "ts = '1677-09-21T00:12:43.145224192'", "10");
  ASSERT_SEL(f, "ts < '1677-09-21T00:12:43.145224192'", "00");
  ASSERT_SEL(f, "ts > '1677-09-21T00:12:43.145224191'", "11");
  ASSERT_SEL(f, "ts > '-0001-01-01'", "11");
  ps_frame_free(f);
}

static void test_dates(void) {
  ps_frame *f = new_frame();
  ps_column *c;
  ASSERT_OK(ps_frame_add_column(f, "d", PS_TYPE_DATE, PS_UNIT_NS, NULL, &c));
  ASSERT_OK(ps_column_append_int(c, 19724)); /* 2024-01-02 */
  ASSERT_OK(ps_column_append_int(c, 19725));
  ASSERT_OK(ps_column_append_int(c, -1)); /* 1969-12-31 */
  ASSERT_OK(ps_column_append_null(c));
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_SEL(f, "d = '2024-01-02'", "1000");
  ASSERT_SEL(f, "d >= '2024-01-02'", "1100");
  ASSERT_SEL(f, "d < '2024-01-02T12:00'", "1010"); /* a date is its midnight */
  ASSERT_SEL(f, "d > '2024-01-02T12:00'", "0100");
  ASSERT_SEL(f, "d = '2024-01-02T12:00'", "0000");
  ASSERT_SEL(f, "d = '2024-01-02T00:00:00'", "1000");
  ASSERT_SEL(f, "d < '1970-01-01'", "0010");
  ASSERT_SEL(f, "d < '1969-12-31T23:00'", "0010");
  ASSERT_SEL(f, "d in ('2024-01-03', '1969-12-31', '2024-01-02T01:00')", "0110");
  ASSERT_SEL(f, "d > '-9999-01-01'", "1110");
  ASSERT_SEL(f, "d = 19724", "1000"); /* days since the epoch */
  ASSERT_SEL_RC(f, "d = '2024-13-01'", PS_ERR_SCHEMA);
  ps_frame_free(f);
}

static void test_logic_three_valued(void) {
  ps_frame *f = new_frame();
  ps_column *a, *b;
  ASSERT_OK(ps_frame_add_column(f, "a", PS_TYPE_INT64, PS_UNIT_NS, NULL, &a));
  ASSERT_OK(ps_frame_add_column(f, "b", PS_TYPE_INT64, PS_UNIT_NS, NULL, &b));
  /* a: 1, 2, null, null, 2 ; b: 2, 2, 2, 3, null */
  int64_t av[] = {1, 2, 0, 0, 2}, bv[] = {2, 2, 2, 3, 0};
  for (int i = 0; i < 5; i++) {
    ASSERT_OK(i == 2 || i == 3 ? ps_column_append_null(a) : ps_column_append_int(a, av[i]));
    ASSERT_OK(i == 4 ? ps_column_append_null(b) : ps_column_append_int(b, bv[i]));
  }
  ASSERT_OK(ps_frame_validate(f));
  ASSERT_SEL(f, "a > 1", "01001");
  ASSERT_SEL(f, "a != 1", "01001"); /* null != 1 is not true */
  ASSERT_SEL(f, "not (a > 1)", "10000");
  ASSERT_SEL(f, "not not a > 1", "01001");
  ASSERT_SEL(f, "a > 1 or a is null", "01111");
  ASSERT_SEL(f, "a > 1 and b = 2", "01000");
  ASSERT_SEL(f, "a > 1 or b = 2", "11101");
  /* U AND F = F, so NOT(...) is true for row 3; U AND T = U stays out for row 2 */
  ASSERT_SEL(f, "not (a > 1 and b = 2)", "10010");
  /* U OR T = T; NOT(U OR F) = U */
  ASSERT_SEL(f, "not (a > 1 or b = 3)", "10000");
  ASSERT_SEL(f, "a in (1, 2) and not b in (3)", "11000");
  ASSERT_SEL(f, "a not in (1)", "01001");
  ASSERT_SEL(f, "not a not in (1)", "10000");
  ASSERT_SEL(f, "a is not null and b is not null", "11000");
  ASSERT_SEL(f, "not (a is null)", "11001");
  ASSERT_SEL(f, "a = 1 or a = 2 or b = 3", "11011");
  ASSERT_SEL(f, "(a = 1 or a = 2) and (b = 2 or b is null)", "11001");
  ASSERT_SEL_RC(f, "zz = 1", PS_ERR_NOT_FOUND);
  ASSERT(contains(ps_errmsg(), "'zz'"));
  ASSERT_SEL_RC(f, "a = 1 and zz is null", PS_ERR_NOT_FOUND);
  ps_frame_free(f);
}

/* Evaluation across block boundaries, nulls at odd positions, short-circuiting. */
static void test_many_rows(void) {
  ps_frame *f = new_frame();
  ps_column *x, *y, *s;
  ASSERT_OK(ps_frame_add_column(f, "x", PS_TYPE_INT32, PS_UNIT_NS, NULL, &x));
  ASSERT_OK(ps_frame_add_column(f, "y", PS_TYPE_FLOAT64, PS_UNIT_NS, NULL, &y));
  ASSERT_OK(ps_frame_add_column(f, "s", PS_TYPE_STRING, PS_UNIT_NS, NULL, &s));
  const int64_t n = 50003;
  for (int64_t i = 0; i < n; i++) {
    ASSERT_OK(i % 7 == 3 ? ps_column_append_null(x) : ps_column_append_int(x, i % 1000));
    ASSERT_OK(i % 11 == 5 ? ps_column_append_null(y) : ps_column_append_double(y, (double)i / n));
    char buf[16];
    int len = sprintf(buf, "k%lld", (long long)(i % 97));
    ASSERT_OK(ps_column_append_string(s, buf, (size_t)len));
  }
  ASSERT_OK(ps_frame_validate(f));
  const char *q = "(x >= 500 and not y > 0.5) or s in ('k1', 'k2', 'k50') or x in (3, 999, 17)";
  ps_expr *e = NULL;
  ASSERT_OK(ps_expr_parse(q, &e));
  uint8_t *sel = malloc((size_t)n);
  ASSERT_OK(ps__expr_eval(e, f, sel));
  int64_t count = 0;
  for (int64_t i = 0; i < n; i++) {
    int xn = i % 7 == 3, yn = i % 11 == 5;
    int64_t xv = i % 1000;
    double yv = (double)i / n;
    /* Kleene: 0 F, 1 U, 2 T */
    int a = xn ? 1 : (xv >= 500 ? 2 : 0);
    int b = yn ? 1 : (yv > 0.5 ? 0 : 2); /* NOT (y > 0.5) */
    int ab = a < b ? a : b;
    int k = (int)(i % 97);
    int c = (k == 1 || k == 2 || k == 50) ? 2 : 0;
    int d = xn ? 1 : ((xv == 3 || xv == 999 || xv == 17) ? 2 : 0);
    int r = ab > c ? ab : c;
    r = r > d ? r : d;
    if (sel[i] != (r == 2)) {
      fprintf(stderr, "row %lld: got %d want %d\n", (long long)i, sel[i], r == 2);
      ASSERT(0);
    }
    count += sel[i];
  }
  ASSERT(count > 1000 && count < n);
  /* ps_frame_filter returns exactly those rows, values and nulls intact */
  ps_frame *out = NULL;
  ASSERT_OK(ps_frame_filter(f, e, &out));
  ASSERT_EQ_INT(ps_frame_num_rows(out), count);
  ASSERT_EQ_INT(ps_frame_num_columns(out), 3);
  int64_t r = 0;
  for (int64_t i = 0; i < n; i++) {
    if (!sel[i]) continue;
    const ps_column *ox = ps_frame_column(out, 0), *oy = ps_frame_column(out, 1), *os = ps_frame_column(out, 2);
    ASSERT_EQ_INT(ps_column_is_null(ox, r), i % 7 == 3);
    if (i % 7 != 3) ASSERT_EQ_INT(((const int32_t *)ps_column_values(ox))[r], i % 1000);
    ASSERT_EQ_INT(ps_column_is_null(oy, r), i % 11 == 5);
    size_t len;
    const char *sv = ps_column_string(os, r, &len);
    char buf[16];
    int bl = sprintf(buf, "k%lld", (long long)(i % 97));
    ASSERT(len == (size_t)bl && memcmp(sv, buf, len) == 0);
    r++;
  }
  ps_frame_free(out);
  /* everything / nothing */
  ps_expr *none = NULL;
  ASSERT_OK(ps_expr_parse("x > 5000", &none));
  ASSERT_OK(ps_frame_filter(f, none, &out));
  ASSERT_EQ_INT(ps_frame_num_rows(out), 0);
  ps_frame_free(out);
  ps_expr_free(none);
  free(sel);
  ps_expr_free(e);
  ps_frame_free(f);
}

static void test_frame_filter_small(void) {
  ps_frame *f = new_frame();
  ps_column *ts, *px, *sym;
  ASSERT_OK(ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC", &ts));
  ASSERT_OK(ps_frame_add_column(f, "price", PS_TYPE_FLOAT64, PS_UNIT_NS, NULL, &px));
  ASSERT_OK(ps_frame_add_column(f, "sym", PS_TYPE_STRING, PS_UNIT_NS, NULL, &sym));
  ASSERT_OK(ps_frame_set_index(f, "ts"));
  const char *syms[] = {"AAPL", "MSFT", "IBM", "AAPL"};
  for (int i = 0; i < 4; i++) {
    ASSERT_OK(ps_column_append_int(ts, 1704153600000000000LL + i));
    ASSERT_OK(i == 2 ? ps_column_append_null(px) : ps_column_append_double(px, 100.0 + i));
    ASSERT_OK(ps_column_append_string(sym, syms[i], strlen(syms[i])));
  }
  ASSERT_OK(ps_frame_validate(f));
  ps_expr *e = NULL;
  ASSERT_OK(ps_expr_parse("sym = 'AAPL' or price is null", &e));
  ps_frame *out = NULL;
  ASSERT_OK(ps_frame_filter(f, e, &out));
  ASSERT_EQ_INT(ps_frame_num_rows(out), 3);
  ASSERT_EQ_INT(ps_frame_index(out), 0);
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column(out, 0)), "UTC");
  const int64_t *tv = ps_column_values(ps_frame_column(out, 0));
  ASSERT_EQ_INT(tv[0], 1704153600000000000LL);
  ASSERT_EQ_INT(tv[1], 1704153600000000002LL);
  ASSERT_EQ_INT(tv[2], 1704153600000000003LL);
  ASSERT(ps_column_is_null(ps_frame_column(out, 1), 1));
  ASSERT_EQ_INT(ps_column_null_count(ps_frame_column(out, 1)), 1);
  ps_frame_free(out);
  ps_expr_free(e);
  /* errors leave *out NULL */
  ASSERT_OK(ps_expr_parse("nope = 1", &e));
  out = (ps_frame *)1;
  ASSERT_RC(ps_frame_filter(f, e, &out), PS_ERR_NOT_FOUND);
  ASSERT(out == NULL);
  ps_expr_free(e);
  ASSERT_RC(ps_frame_filter(NULL, NULL, &out), PS_ERR_INVALID);
  /* empty frame */
  ps_frame *empty = NULL;
  ASSERT_OK(ps__frame_clone_empty(f, &empty));
  ASSERT_OK(ps_expr_parse("price > 1", &e));
  ASSERT_OK(ps_frame_filter(empty, e, &out));
  ASSERT_EQ_INT(ps_frame_num_rows(out), 0);
  ASSERT_EQ_INT(ps_frame_num_columns(out), 3);
  ps_frame_free(out);
  ps_frame_free(empty);
  ps_expr_free(e);
  ps_frame_free(f);
}

static void test_bind_check_and_columns(void) {
  ps_frame *schema = new_frame();
  ASSERT_OK(ps_frame_add_column(schema, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_MS, NULL, NULL));
  ASSERT_OK(ps_frame_add_column(schema, "px", PS_TYPE_FLOAT32, PS_UNIT_NS, NULL, NULL));
  ASSERT_OK(ps_frame_add_column(schema, "my col", PS_TYPE_STRING, PS_UNIT_NS, NULL, NULL));
  struct { const char *text; int rc; } cases[] = {
      {"ts > '2024-01-01' and px < 3", PS_OK},
      {"`my col` in ('a', 'b') or ts is null", PS_OK},
      {"ts > 'soon'", PS_ERR_SCHEMA},
      {"px < 'x'", PS_ERR_SCHEMA},
      {"`my col` = 3", PS_ERR_SCHEMA},
      {"px > 1 and missing = 1", PS_ERR_NOT_FOUND},
      {"not (px in (1, 2, true))", PS_ERR_SCHEMA},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ps_expr *e = NULL;
    ASSERT_OK(ps_expr_parse(cases[i].text, &e));
    int rc = ps__expr_bind_check(e, schema);
    if (rc != cases[i].rc) fprintf(stderr, "  \"%s\": %s %s\n", cases[i].text, ps_status_name(rc), ps_errmsg());
    ASSERT_EQ_INT(rc, cases[i].rc);
    ps_expr_free(e);
  }
  ps_expr *e = NULL;
  ASSERT_OK(ps_expr_parse("b = 1 and (a = 2 or b = 3 or not `c d` is null) and a in (1)", &e));
  const char **names = NULL;
  size_t n = 0;
  ASSERT_OK(ps__expr_columns(e, &names, &n));
  ASSERT_EQ_INT(n, 3);
  ASSERT_EQ_STR(names[0], "b");
  ASSERT_EQ_STR(names[1], "a");
  ASSERT_EQ_STR(names[2], "c d");
  free(names);
  ps_expr_free(e);
  ps_frame_free(schema);
}

static void test_api(void) {
  ps_expr *e = NULL, *a = NULL, *b = NULL;
  ps_value v = {PS_VALUE_INT, 7, 0, 0, NULL, 0};
  ASSERT_RC(ps_expr_compare(NULL, PS_OP_EQ, &v, &e), PS_ERR_INVALID);
  ASSERT_RC(ps_expr_compare("", PS_OP_EQ, &v, &e), PS_ERR_INVALID);
  ASSERT_RC(ps_expr_compare("x", PS_OP_EQ, NULL, &e), PS_ERR_INVALID);
  ASSERT_RC(ps_expr_compare("x", (ps_op)99, &v, &e), PS_ERR_INVALID);
  ps_value badk = {(ps_value_kind)42, 0, 0, 0, NULL, 0};
  ASSERT_RC(ps_expr_compare("x", PS_OP_EQ, &badk, &e), PS_ERR_INVALID);
  /* compare with IN / IS NULL operators */
  ASSERT_OK(ps_expr_compare("x", PS_OP_NOT_IN, &v, &e));
  char *s = NULL;
  ASSERT_OK(ps_expr_to_string(e, &s));
  ASSERT_EQ_STR(s, "x NOT IN (7)");
  ps_free(s);
  ps_expr_free(e);
  ASSERT_OK(ps_expr_compare("x", PS_OP_IS_NOT_NULL, NULL, &e));
  ASSERT_OK(ps_expr_to_string(e, &s));
  ASSERT_EQ_STR(s, "x IS NOT NULL");
  ps_free(s);
  ps_expr_free(e);
  /* values are copied */
  char buf[8] = "abc";
  ps_value sv = {PS_VALUE_STRING, 0, 0, 0, buf, 3};
  ps_value uv = {PS_VALUE_UINT, 0, 18446744073709551615ULL, 0, NULL, 0};
  ps_value dv = {PS_VALUE_DOUBLE, 0, 0, 2.5, NULL, 0};
  ps_value bv = {PS_VALUE_BOOL, 5, 0, 0, NULL, 0};
  ps_value list[] = {sv, uv, dv, bv};
  ASSERT_OK(ps_expr_in("col", 0, list, 4, &a));
  buf[0] = 'X';
  ASSERT_OK(ps_expr_to_string(a, &s));
  ASSERT_EQ_STR(s, "col IN ('abc', 18446744073709551615, 2.5, true)");
  ps_free(s);
  ASSERT_OK(ps_expr_in("e", 1, NULL, 0, &b));
  ASSERT_OK(ps_expr_and(a, b, &e));
  ASSERT_OK(ps_expr_to_string(e, &s));
  ASSERT_EQ_STR(s, "col IN ('abc', 18446744073709551615, 2.5, true) AND e NOT IN ()");
  ps_free(s);
  ps_expr_free(e);
  /* and/or/not take ownership also on failure */
  ASSERT_OK(ps_expr_is_null("x", 0, &a));
  ASSERT_RC(ps_expr_and(a, NULL, &e), PS_ERR_INVALID);
  ASSERT(e == NULL);
  ASSERT_OK(ps_expr_is_null("x", 0, &a));
  ASSERT_RC(ps_expr_or(NULL, a, &e), PS_ERR_INVALID);
  ASSERT_RC(ps_expr_not(NULL, &e), PS_ERR_INVALID);
  ASSERT_RC(ps_expr_to_string(NULL, &s), PS_ERR_INVALID);
  ps_expr_free(NULL);
}

/* ---- statistics pruning ---- */

typedef struct stat_entry {
  const char *name;
  int known;
  ps_col_stats st;
} stat_entry;

static int stats_cb(void *ctx, const char *column, ps_col_stats *out) {
  stat_entry *t = ctx;
  for (; t->name; t++) {
    if (strcmp(t->name, column) == 0) {
      if (!t->known) return 0;
      *out = t->st;
      return 1;
    }
  }
  return 0;
}

static int may(stat_entry *t, const char *text) {
  ps_expr *e = NULL;
  int rc = ps_expr_parse(text, &e);
  if (rc < 0) return rc;
  rc = ps__expr_may_match(e, stats_cb, t);
  ps_expr_free(e);
  return rc;
}

#define ASSERT_MAY(t, text, want)                                                                 \
  do {                                                                                            \
    int m__ = may((t), (text));                                                                   \
    if (m__ != (want)) {                                                                          \
      fprintf(stderr, "%s:%d: may_match(\"%s\") = %d (%s), want %d\n", __FILE__, __LINE__, (text), \
              m__, m__ < 0 ? ps_errmsg() : "", (want));                                           \
      test__failures++;                                                                           \
      return;                                                                                     \
    }                                                                                             \
  } while (0)

static ps_col_stats int_stats(ps_type t, int64_t mn, int64_t mx, int64_t nulls, int64_t n) {
  ps_col_stats s;
  memset(&s, 0, sizeof s);
  s.type = t;
  s.has_min_max = 1;
  s.min.i = mn;
  s.max.i = mx;
  s.null_count = nulls;
  s.num_values = n;
  return s;
}

static void test_may_match(void) {
  stat_entry t[12];
  memset(t, 0, sizeof t);
  t[0].name = "x"; t[0].known = 1; t[0].st = int_stats(PS_TYPE_INT64, 10, 20, 0, 100);
  t[1].name = "k"; t[1].known = 1; t[1].st = int_stats(PS_TYPE_INT32, 5, 5, 3, 100); /* constant 5 + nulls */
  t[2].name = "n"; t[2].known = 1; t[2].st = int_stats(PS_TYPE_INT64, 0, 0, 100, 100);
  t[2].st.has_min_max = 0; /* all null */
  t[3].name = "f"; t[3].known = 1;
  memset(&t[3].st, 0, sizeof t[3].st);
  t[3].st.type = PS_TYPE_FLOAT64; t[3].st.has_min_max = 1; t[3].st.min.d = -0.0; t[3].st.max.d = 0.0;
  t[3].st.null_count = 0; t[3].st.num_values = 50;
  t[4].name = "s"; t[4].known = 1;
  memset(&t[4].st, 0, sizeof t[4].st);
  t[4].st.type = PS_TYPE_STRING; t[4].st.has_min_max = 1;
  t[4].st.min_s = "AAPL"; t[4].st.min_len = 4; t[4].st.max_s = "IBM"; t[4].st.max_len = 3;
  t[4].st.null_count = -1; t[4].st.num_values = 10;
  t[5].name = "ts"; t[5].known = 1;
  /* 2024-01-02T00:00:00.001 .. 00:00:00.002 in ms */
  t[5].st = int_stats(PS_TYPE_TIMESTAMP, 1704153600001LL, 1704153600002LL, 0, 10);
  t[5].st.unit = PS_UNIT_MS;
  t[6].name = "u"; t[6].known = 1;
  memset(&t[6].st, 0, sizeof t[6].st);
  t[6].st.type = PS_TYPE_UINT64; t[6].st.has_min_max = 1; t[6].st.min.u = 9223372036854775808ULL;
  t[6].st.max.u = 18446744073709551615ULL; t[6].st.null_count = 0; t[6].st.num_values = 10;
  t[7].name = "unk"; t[7].known = 0;
  t[8].name = "nomm"; t[8].known = 1;
  t[8].st = int_stats(PS_TYPE_INT64, 0, 0, 2, 10);
  t[8].st.has_min_max = 0;
  t[9].name = "d"; t[9].known = 1; t[9].st = int_stats(PS_TYPE_DATE, 19724, 19724, 0, 5);
  t[10].name = "nn"; t[10].known = 1; t[10].st = int_stats(PS_TYPE_INT64, 1, 2, 0, 5);
  t[10].st.null_count = -1; /* unknown null count */

  /* comparisons against [10, 20] */
  ASSERT_MAY(t, "x = 15", 1);
  ASSERT_MAY(t, "x = 9", 0);
  ASSERT_MAY(t, "x = 21", 0);
  ASSERT_MAY(t, "x = 10", 1);
  ASSERT_MAY(t, "x < 10", 0);
  ASSERT_MAY(t, "x <= 10", 1);
  ASSERT_MAY(t, "x < 10.5", 1);
  ASSERT_MAY(t, "x < 9.5", 0);
  ASSERT_MAY(t, "x > 20", 0);
  ASSERT_MAY(t, "x > 19.5", 1);
  ASSERT_MAY(t, "x >= 20", 1);
  ASSERT_MAY(t, "x >= 20.5", 0);
  ASSERT_MAY(t, "x != 15", 1);
  ASSERT_MAY(t, "x = 15.5", 0);
  ASSERT_MAY(t, "x in (1, 2, 30)", 0);
  ASSERT_MAY(t, "x in (1, 12)", 1);
  ASSERT_MAY(t, "x in ()", 0);
  ASSERT_MAY(t, "x not in (1)", 1);
  ASSERT_MAY(t, "x is null", 0); /* null_count 0 */
  ASSERT_MAY(t, "x is not null", 1);
  ASSERT_MAY(t, "x > 1e300", 0);
  ASSERT_MAY(t, "x < 1e300", 1);
  /* AND / OR / NOT */
  ASSERT_MAY(t, "x = 15 and x = 9", 0);
  ASSERT_MAY(t, "x = 15 or x = 9", 1);
  ASSERT_MAY(t, "x = 9 or x = 30", 0);
  ASSERT_MAY(t, "not x = 9", 1);      /* x = 9 is false everywhere */
  ASSERT_MAY(t, "not x >= 10", 0);    /* x >= 10 true for every row, no nulls */
  ASSERT_MAY(t, "not x < 30", 0);
  ASSERT_MAY(t, "not x < 15", 1);
  ASSERT_MAY(t, "not (x >= 10 and x <= 20)", 0);
  ASSERT_MAY(t, "not (x >= 10 or x = 99)", 0);
  ASSERT_MAY(t, "not not x = 9", 0);
  ASSERT_MAY(t, "not x is null", 1);
  ASSERT_MAY(t, "not x is not null", 0);
  /* constant column with nulls */
  ASSERT_MAY(t, "k = 5", 1);
  ASSERT_MAY(t, "k != 5", 0);
  ASSERT_MAY(t, "not k = 5", 0); /* nulls are unknown, not false */
  ASSERT_MAY(t, "k not in (5, 6)", 0);
  ASSERT_MAY(t, "k in (4, 6)", 0);
  ASSERT_MAY(t, "not k in (5)", 0);
  ASSERT_MAY(t, "not k in (4)", 1);
  ASSERT_MAY(t, "k is null", 1);
  ASSERT_MAY(t, "k is null and k = 5", 1); /* per-column stats cannot see the rows are disjoint */
  /* all-null column: comparisons unknown everywhere */
  ASSERT_MAY(t, "n = 1", 0);
  ASSERT_MAY(t, "n != 1", 0);
  ASSERT_MAY(t, "not n = 1", 0);
  ASSERT_MAY(t, "n not in (1)", 0);
  ASSERT_MAY(t, "n is null", 1);
  ASSERT_MAY(t, "n is not null", 0);
  ASSERT_MAY(t, "n = 1 or x = 15", 1);
  /* floats: -0.0 .. 0.0; NaN may hide in the rows */
  ASSERT_MAY(t, "f = 0", 1);
  ASSERT_MAY(t, "f = -0.0", 1);
  ASSERT_MAY(t, "f > 0", 0);
  ASSERT_MAY(t, "f >= 0", 1);
  ASSERT_MAY(t, "f < -0.0", 0);
  ASSERT_MAY(t, "f < 1e-300", 1);
  ASSERT_MAY(t, "f != 0", 1); /* NaN != 0 */
  ASSERT_MAY(t, "f = nan", 0);
  ASSERT_MAY(t, "f != nan", 1);
  ASSERT_MAY(t, "not f = 0", 1); /* NaN rows */
  ASSERT_MAY(t, "f in (1, 2)", 0);
  ASSERT_MAY(t, "f in (0)", 1);
  ASSERT_MAY(t, "f not in (0)", 1);
  ASSERT_MAY(t, "f = 9007199254740993", 0);
  /* strings: AAPL .. IBM */
  ASSERT_MAY(t, "s = 'MSFT'", 0);
  ASSERT_MAY(t, "s = 'GOOG'", 1);
  ASSERT_MAY(t, "s = 'AAPL'", 1);
  ASSERT_MAY(t, "s < 'AAPL'", 0);
  ASSERT_MAY(t, "s < 'AAPLX'", 1);
  ASSERT_MAY(t, "s > 'IBM'", 0);
  ASSERT_MAY(t, "s >= 'IBM'", 1);
  ASSERT_MAY(t, "s > 'IB'", 1);
  ASSERT_MAY(t, "s in ('MSFT', 'ZZ', 'A')", 0);
  ASSERT_MAY(t, "s in ('MSFT', 'C')", 1);
  ASSERT_MAY(t, "s is null", 1); /* unknown null count */
  ASSERT_MAY(t, "s = 5", PS_ERR_SCHEMA);
  /* timestamps in ms, literals finer than the unit */
  ASSERT_MAY(t, "ts < '2024-01-02T00:00:00.0015'", 1);
  ASSERT_MAY(t, "ts < '2024-01-02T00:00:00.0009'", 0);
  ASSERT_MAY(t, "ts < '2024-01-02T00:00:00.001'", 0);
  ASSERT_MAY(t, "ts <= '2024-01-02T00:00:00.001'", 1);
  ASSERT_MAY(t, "ts > '2024-01-02T00:00:00.0019'", 1);
  ASSERT_MAY(t, "ts > '2024-01-02T00:00:00.002'", 0);
  ASSERT_MAY(t, "ts = '2024-01-02T00:00:00.0015'", 0);
  ASSERT_MAY(t, "ts = '2024-01-02T01:00:00.002+01:00'", 1);
  ASSERT_MAY(t, "ts >= '2024-01-03'", 0);
  ASSERT_MAY(t, "ts > 'tomorrow'", PS_ERR_SCHEMA);
  ASSERT(contains(ps_errmsg(), "'ts'") && contains(ps_errmsg(), "'tomorrow'"));
  /* uint64 stats */
  ASSERT_MAY(t, "u < 9223372036854775808", 0);
  ASSERT_MAY(t, "u <= 9223372036854775808", 1);
  ASSERT_MAY(t, "u = 18446744073709551615", 1);
  ASSERT_MAY(t, "u > 18446744073709551615", 0);
  ASSERT_MAY(t, "u < 0", 0);
  ASSERT_MAY(t, "u = 5", 0);
  /* unknown stats / unknown min-max: no pruning, except by null count */
  ASSERT_MAY(t, "unk = 5", 1);
  ASSERT_MAY(t, "not unk = 5", 1);
  ASSERT_MAY(t, "unk is null", 1);
  ASSERT_MAY(t, "missing_col = 1", 1);
  ASSERT_MAY(t, "nomm = 5", 1);
  ASSERT_MAY(t, "nomm is null", 1);
  ASSERT_MAY(t, "nomm > 1e300", 0); /* NONE for any int column */
  ASSERT_MAY(t, "nn is null", 1);
  ASSERT_MAY(t, "nn is not null", 1);
  ASSERT_MAY(t, "nn > 2", 0);
  /* dates */
  ASSERT_MAY(t, "d = '2024-01-02'", 1);
  ASSERT_MAY(t, "d = '2024-01-03'", 0);
  ASSERT_MAY(t, "d > '2024-01-02T06:00'", 0);
  ASSERT_MAY(t, "d < '2024-01-02T06:00'", 1);
  /* combined */
  ASSERT_MAY(t, "x = 15 and (s = 'MSFT' or f > 1)", 0);
  ASSERT_MAY(t, "x = 15 and (s = 'MSFT' or f >= 0)", 1);
}

/* A stats callback error is propagated. */
static int failing_cb(void *ctx, const char *column, ps_col_stats *out) {
  (void)ctx; (void)column; (void)out;
  return PS_ERR_CORRUPT;
}

static void test_may_match_error(void) {
  ps_expr *e = NULL;
  ASSERT_OK(ps_expr_parse("a = 1 or b = 2", &e));
  ASSERT_EQ_INT(ps__expr_may_match(e, failing_cb, NULL), PS_ERR_CORRUPT);
  ps_expr_free(e);
}

/* Differential test: random ints vs random literals, against long double. */
static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Exact order of an int64 and a finite double, without long double (whose
 * 80-bit precision valgrind does not emulate): -1, 0 or 1. */
static int cmp_i64_double(int64_t a, double b) {
  if (b >= 9223372036854775808.0) return -1;
  if (b < -9223372036854775808.0) return 1;
  double fl = floor(b);
  int64_t bi = (int64_t)fl; /* exact: fl is integral and within int64 */
  if (a < bi) return -1;
  if (a > bi) return 1;
  return fl == b ? 0 : -1; /* a == floor(b) < b when b has a fraction */
}

static void test_random_int_vs_double(void) {
  ps_frame *f = new_frame();
  ps_column *c;
  ASSERT_OK(ps_frame_add_column(f, "x", PS_TYPE_INT64, PS_UNIT_NS, NULL, &c));
  int64_t vals[64];
  for (int i = 0; i < 64; i++) {
    int64_t v;
    switch (i % 4) {
      case 0: v = (int64_t)rnd(); break;
      case 1: v = (int64_t)(rnd() % 2001) - 1000; break;
      case 2: v = INT64_MAX - (int64_t)(rnd() % 3000); break;
      default: v = (int64_t)((rnd() % (1ULL << 54)) - (1ULL << 53)); break;
    }
    vals[i] = v;
    ASSERT_OK(ps_column_append_int(c, v));
  }
  ASSERT_OK(ps_frame_validate(f));
  static const char *ops[] = {"=", "!=", "<", "<=", ">", ">="};
  for (int iter = 0; iter < 3000; iter++) {
    double d;
    int64_t pick = vals[rnd() % 64];
    switch (iter % 3) {
      case 0: d = (double)pick; break;
      case 1: d = (double)pick + 0.5; break;
      default: d = nextafter((double)pick, (rnd() & 1) ? INFINITY : -INFINITY); break;
    }
    int op = (int)(rnd() % 6);
    char text[128];
    char num[40];
    snprintf(num, sizeof num, "%.17g", d);
    if (!strpbrk(num, ".en")) strcat(num, ".0");
    snprintf(text, sizeof text, "x %s %s", ops[op], num);
    double back = strtod(num, NULL);
    char got[128], want[128];
    ASSERT_OK(sel_of(f, text, got));
    for (int i = 0; i < 64; i++) {
      int k = cmp_i64_double(vals[i], back);
      int m = op == 0 ? k == 0 : op == 1 ? k != 0 : op == 2 ? k < 0 : op == 3 ? k <= 0 : op == 4 ? k > 0 : k >= 0;
      want[i] = m ? '1' : '0';
    }
    want[64] = 0;
    if (strcmp(got, want) != 0) fprintf(stderr, "  %s\n  got  %s\n  want %s\n", text, got, want);
    ASSERT_EQ_STR(got, want);
  }
  ps_frame_free(f);
}

int main(void) {
  RUN(test_parse_valid);
  RUN(test_to_string_forms);
  RUN(test_parse_invalid);
  RUN(test_parse_depth);
  RUN(test_int_exact);
  RUN(test_small_ints);
  RUN(test_float);
  RUN(test_strings);
  RUN(test_bool);
  RUN(test_timestamps);
  RUN(test_dates);
  RUN(test_logic_three_valued);
  RUN(test_many_rows);
  RUN(test_frame_filter_small);
  RUN(test_bind_check_and_columns);
  RUN(test_api);
  RUN(test_may_match);
  RUN(test_may_match_error);
  RUN(test_random_int_vs_double);
  TEST_MAIN_END();
}
