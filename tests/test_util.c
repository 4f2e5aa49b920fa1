/* util: ISO-8601 parsing at the ends of the int64 nanosecond range, and
 * number text that ignores the application's locale. */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "util/numfmt.h"
#include "util/timefmt.h"

static void test_timestamp_range_ends(void) {
  int64_t ns;
  int zone;
  /* the smallest and largest int64 nanosecond instants parse exactly */
  const char *lo = "1677-09-21T00:12:43.145224192Z", *hi = "2262-04-11T23:47:16.854775807Z";
  ASSERT_OK(ps_parse_timestamp_ns(lo, strlen(lo), &ns, &zone));
  ASSERT(ns == INT64_MIN);
  ASSERT_EQ_INT(zone, 1);
  ASSERT_OK(ps_parse_timestamp_ns(hi, strlen(hi), &ns, &zone));
  ASSERT(ns == INT64_MAX);
  /* one nanosecond beyond either end is refused, not wrapped */
  const char *below = "1677-09-21T00:12:43.145224191Z", *above = "2262-04-11T23:47:16.854775808Z";
  ASSERT_RC(ps_parse_timestamp_ns(below, strlen(below), &ns, &zone), PS_ERR_PARSE);
  ASSERT_RC(ps_parse_timestamp_ns(above, strlen(above), &ns, &zone), PS_ERR_PARSE);
  /* and formatting gives the same text back */
  char buf[64];
  size_t n = ps_format_timestamp(buf, INT64_MIN, PS_UNIT_NS, 1);
  buf[n] = 0;
  ASSERT_EQ_STR(buf, lo);
  /* before 1970 with a fraction: floor semantics */
  const char *pre = "1969-12-31T23:59:59.5";
  ASSERT_OK(ps_parse_timestamp_ns(pre, strlen(pre), &ns, &zone));
  ASSERT(ns == -500000000);
  ASSERT_EQ_INT(zone, 0);
}

static void test_number_text_ignores_locale(void) {
  /* a comma-decimal locale, if the machine has one */
  const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "C.UTF-8"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (setlocale(LC_NUMERIC, names[i])) break;
  char buf[40];
  size_t n = ps_format_double(buf, 0.5);
  buf[n] = 0;
  ASSERT_EQ_STR(buf, "0.5");
  n = ps_format_double(buf, -0.0);
  buf[n] = 0;
  ASSERT_EQ_STR(buf, "-0.0");
  n = ps_format_float(buf, 0.1f);
  buf[n] = 0;
  ASSERT_EQ_STR(buf, "0.1");
  n = ps_format_double(buf, 0.1 + 0.2);
  buf[n] = 0;
  ASSERT_EQ_STR(buf, "0.30000000000000004");
  setlocale(LC_NUMERIC, "C");
  /* shortest round trip over awkward values */
  const double vals[] = {5e-324, 1.7976931348623157e308, 1e23, 123456789012345678.0, -2.5e-10};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    n = ps_format_double(buf, vals[i]);
    buf[n] = 0;
    ASSERT(strtod(buf, NULL) == vals[i]);
  }
}

int main(void) {
  RUN(test_timestamp_range_ends);
  RUN(test_number_text_ignores_locale);
  TEST_MAIN_END();
}
