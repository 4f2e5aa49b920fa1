/* Minimal test harness: ASSERT macros that print both sides and abort the
 * test; each test file is one CTest executable listing its cases in main(). */
#ifndef PS_TEST_H
#define PS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pystore.h"

static int test__failures = 0;
static int test__passed = 0;

#define ASSERT(cond)                                                                  \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond);   \
      test__failures++;                                                               \
      return;                                                                         \
    }                                                                                 \
  } while (0)

#define ASSERT_EQ_INT(a, b)                                                                              \
  do {                                                                                                   \
    long long test__a = (long long)(a), test__b = (long long)(b);                                        \
    if (test__a != test__b) {                                                                            \
      fprintf(stderr, "%s:%d: %s == %s failed (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, test__a, test__b); \
      test__failures++;                                                                                  \
      return;                                                                                            \
    }                                                                                                    \
  } while (0)

#define ASSERT_EQ_STR(a, b)                                                                              \
  do {                                                                                                   \
    const char *test__a = (a), *test__b = (b);                                                           \
    if (!test__a || !test__b || strcmp(test__a, test__b) != 0) {                                         \
      fprintf(stderr, "%s:%d: %s == %s failed (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b,          \
              test__a ? test__a : "(null)", test__b ? test__b : "(null)");                               \
      test__failures++;                                                                                  \
      return;                                                                                            \
    }                                                                                                    \
  } while (0)

/* Call returning a ps status must succeed; prints ps_errmsg() otherwise. */
#define ASSERT_OK(expr)                                                                                  \
  do {                                                                                                   \
    int test__rc = (expr);                                                                               \
    if (test__rc != PS_OK) {                                                                             \
      fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #expr, ps_status_name(test__rc), \
              ps_errmsg());                                                                              \
      test__failures++;                                                                                  \
      return;                                                                                            \
    }                                                                                                    \
  } while (0)

#define ASSERT_RC(expr, want)                                                                            \
  do {                                                                                                   \
    int test__rc = (expr);                                                                               \
    if (test__rc != (want)) {                                                                            \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__, __LINE__, #expr,             \
              ps_status_name(test__rc), ps_status_name(want), ps_errmsg());                              \
      test__failures++;                                                                                  \
      return;                                                                                            \
    }                                                                                                    \
  } while (0)

#define RUN(test)                                                  \
  do {                                                             \
    int test__before = test__failures;                             \
    test();                                                        \
    if (test__failures == test__before) {                          \
      test__passed++;                                              \
    } else {                                                       \
      fprintf(stderr, "FAIL %s\n", #test);                         \
    }                                                              \
  } while (0)

#define TEST_MAIN_END()                                                         \
  do {                                                                          \
    printf("%d passed, %d failed\n", test__passed, test__failures);             \
    return test__failures ? 1 : 0;                                              \
  } while (0)

#endif
