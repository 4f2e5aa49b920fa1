/* Parsing JSON with jansson, telling "out of memory" apart from "bad JSON":
 * jansson's parser often reports a failed allocation as a syntax error, so
 * the library's own count of failed allocations on this thread decides. */
#ifndef PS_UTIL_JSON_OOM_H
#define PS_UTIL_JSON_OOM_H

#include <jansson.h>

#include "util/alloc.h"

/* json_loadb; on failure *oom = 1 if an allocation failed meanwhile. */
static inline json_t *ps__json_loadb(const char *buf, size_t n, json_error_t *err, int *oom) {
  unsigned long before = ps__alloc_failures();
  json_t *j = json_loadb(buf, n, 0, err);
  *oom = !j && (ps__alloc_failures() != before || json_error_code(err) == json_error_out_of_memory || err->text[0] == 0);
  return j;
}

#endif
