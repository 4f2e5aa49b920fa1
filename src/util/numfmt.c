#include "util/numfmt.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Number text must not follow the application's LC_NUMERIC (a "de_DE"
 * program would otherwise get "0,5" in CSV): format and parse in "C". */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) { c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }

static int format_c(char *buf, size_t size, int prec, double v) {
  pthread_once(&c_locale_once, make_c_locale);
  locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
  int n = snprintf(buf, size, "%.*g", prec, v);
  if (c_locale) uselocale(old);
  return n;
}

static double parse_c(const char *s) {
  pthread_once(&c_locale_once, make_c_locale);
  return c_locale ? strtod_l(s, NULL, c_locale) : strtod(s, NULL);
}

static float parse_c_float(const char *s) { /* strtof itself: no double rounding */
  pthread_once(&c_locale_once, make_c_locale);
  return c_locale ? strtof_l(s, NULL, c_locale) : strtof(s, NULL);
}

static size_t special(char *buf, double v) {
  if (isnan(v)) return (size_t)sprintf(buf, "nan");
  if (isinf(v)) return (size_t)sprintf(buf, v < 0 ? "-inf" : "inf");
  return 0;
}

/* "-0" / "1" style integers get a ".0" so the text stays a float. */
static size_t ensure_float_look(char *buf, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'n' || buf[i] == 'i') return n;
  buf[n++] = '.';
  buf[n++] = '0';
  buf[n] = 0;
  return n;
}

size_t ps_format_double(char *buf, double v) {
  size_t n = special(buf, v);
  if (n) return n;
  for (int prec = 15; prec <= 17; prec++) {
    n = (size_t)format_c(buf, 32, prec, v);
    if (prec == 17 || parse_c(buf) == v) break;
  }
  return ensure_float_look(buf, n);
}

size_t ps_format_float(char *buf, float v) {
  size_t n = special(buf, v);
  if (n) return n;
  for (int prec = 6; prec <= 9; prec++) {
    n = (size_t)format_c(buf, 32, prec, (double)v);
    if (prec == 9 || parse_c_float(buf) == v) break;
  }
  return ensure_float_look(buf, n);
}
