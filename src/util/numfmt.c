#include "util/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    n = (size_t)snprintf(buf, 32, "%.*g", prec, v);
    if (prec == 17 || strtod(buf, NULL) == v) break;
  }
  return ensure_float_look(buf, n);
}

size_t ps_format_float(char *buf, float v) {
  size_t n = special(buf, v);
  if (n) return n;
  for (int prec = 6; prec <= 9; prec++) {
    n = (size_t)snprintf(buf, 32, "%.*g", prec, (double)v);
    if (prec == 9 || strtof(buf, NULL) == v) break;
  }
  return ensure_float_look(buf, n);
}
