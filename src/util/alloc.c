#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pystore.h"

static atomic_long fail_budget = -1; /* < 0: never fail */

static _Thread_local unsigned long failures;

unsigned long ps__alloc_failures(void) { return failures; }

static int should_fail(void) {
  long b = atomic_load_explicit(&fail_budget, memory_order_relaxed);
  if (b < 0) return 0;
  if (b == 0) {
    failures++;
    return 1;
  }
  atomic_fetch_sub(&fail_budget, 1);
  return 0;
}

void ps__alloc_fail_after(long n) { atomic_store(&fail_budget, n); }
long ps__alloc_budget(void) { return atomic_load(&fail_budget); }

void *ps__malloc(size_t n) {
  if (should_fail()) return NULL;
  void *p = malloc(n ? n : 1);
  if (!p) failures++;
  return p;
}

void *ps__calloc(size_t count, size_t size) {
  if (should_fail()) return NULL;
  if (!count || !size) count = size = 1;
  void *p = calloc(count, size);
  if (!p) failures++;
  return p;
}

void *ps__realloc(void *p, size_t n) {
  if (should_fail()) return NULL;
  void *q = realloc(p, n ? n : 1);
  if (!q) failures++;
  return q;
}

void ps__free_mem(void *p) { free(p); }

/* jansson allocates through these too (JSON parsing, building and dumping of
 * manifests and metadata), so the failure hook covers it. The functions are
 * malloc/free unless a test armed the hook, and are installed before main()
 * (jansson requires that no JSON value exist when they change). */
static void *json_malloc_hook(size_t n) { return ps__malloc(n); }
__attribute__((constructor)) static void ps__alloc_init_json(void) { json_set_alloc_funcs(json_malloc_hook, free); }

char *ps__strndup(const char *s, size_t n) {
  char *d = ps__malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *ps__strdup(const char *s) { return s ? ps__strndup(s, strlen(s)) : NULL; }

void ps_free(void *p) { free(p); }
