/* Helpers shared by the store tests. */
#ifndef PS_TEST_STORE_UTIL_H
#define PS_TEST_STORE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pystore.h"

#define DAY_NS (86400LL * 1000000000LL)
#define T0_NS (1704067200LL * 1000000000LL) /* 2024-01-01T00:00:00 */

/* Rows with index Date = T0 + day[i] days (+ extra_ns), close = val[i], volume = i, sym = "S<i>". */
static inline ps_frame *mk_frame_tz(const int64_t *day, const double *val, int n, int64_t extra_ns, const char *tz) {
  ps_frame *f;
  if (ps_frame_new(&f)) return NULL;
  ps_column *d, *c, *v, *s;
  ps_frame_add_column(f, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, tz, &d);
  ps_frame_add_column(f, "close", PS_TYPE_FLOAT64, 0, NULL, &c);
  ps_frame_add_column(f, "volume", PS_TYPE_INT64, 0, NULL, &v);
  ps_frame_add_column(f, "sym", PS_TYPE_STRING, 0, NULL, &s);
  for (int i = 0; i < n; i++) {
    ps_column_append_int(d, T0_NS + day[i] * DAY_NS + extra_ns);
    ps_column_append_double(c, val[i]);
    ps_column_append_int(v, i);
    char b[32];
    snprintf(b, sizeof b, "S%d", i);
    ps_column_append_string(s, b, strlen(b));
  }
  ps_frame_validate(f);
  ps_frame_set_index(f, "Date");
  return f;
}

static inline ps_frame *mk_frame(const int64_t *day, const double *val, int n) { return mk_frame_tz(day, val, n, 0, NULL); }

/* Consecutive days [from, from+n) with close = from + i + 0.5 */
static inline ps_frame *mk_range(int64_t from, int n) {
  int64_t *d = malloc(sizeof *d * (size_t)(n ? n : 1));
  double *v = malloc(sizeof *v * (size_t)(n ? n : 1));
  for (int i = 0; i < n; i++) {
    d[i] = from + i;
    v[i] = (double)(from + i) + 0.5;
  }
  ps_frame *f = mk_frame(d, v, n);
  free(d);
  free(v);
  return f;
}

static inline int64_t idx_at(const ps_frame *f, int64_t row) {
  const ps_column *c = ps_frame_column(f, ps_frame_index(f));
  return ((const int64_t *)ps_column_values(c))[row];
}

static inline int64_t day_at(const ps_frame *f, int64_t row) { return (idx_at(f, row) - T0_NS) / DAY_NS; }

static inline double dbl(const ps_frame *f, const char *col, int64_t row) {
  return ((const double *)ps_column_values(ps_frame_column_by_name(f, col)))[row];
}

static inline int is_sorted_unique(const ps_frame *f) {
  for (int64_t i = 1; i < ps_frame_num_rows(f); i++)
    if (idx_at(f, i - 1) >= idx_at(f, i)) return 0;
  return 1;
}

/* A fresh base directory under /tmp. */
static inline void mk_base(char *buf, size_t n, const char *tag) {
  snprintf(buf, n, "/tmp/pystore-%s-%ld-XXXXXX", tag, (long)getpid());
  if (!mkdtemp(buf)) {
    perror("mkdtemp");
    exit(2);
  }
}

static inline void rm_base(const char *base) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0) fprintf(stderr, "warning: cleanup of %s failed\n", base);
}

#endif
