#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pystore.h"

static atomic_long fail_budget = -1; /* < 0: never fail */

static int should_fail(void) {
  long b = atomic_load_explicit(&fail_budget, memory_order_relaxed);
  if (b < 0) return 0;
  if (b == 0) return 1;
  atomic_fetch_sub(&fail_budget, 1);
  return 0;
}

void ps__alloc_fail_after(long n) { atomic_store(&fail_budget, n); }

void *ps__malloc(size_t n) {
  if (should_fail()) return NULL;
  return malloc(n ? n : 1);
}

void *ps__calloc(size_t count, size_t size) {
  if (should_fail()) return NULL;
  if (!count || !size) count = size = 1;
  return calloc(count, size);
}

void *ps__realloc(void *p, size_t n) {
  if (should_fail()) return NULL;
  return realloc(p, n ? n : 1);
}

void ps__free_mem(void *p) { free(p); }

char *ps__strndup(const char *s, size_t n) {
  char *d = ps__malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *ps__strdup(const char *s) { return s ? ps__strndup(s, strlen(s)) : NULL; }

void ps_free(void *p) { free(p); }
