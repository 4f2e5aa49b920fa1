/* Allocation wrappers. All library allocations go through these so tests can
 * inject failures (ps__alloc_fail_after) and every failure path is exercised. */
#ifndef PS_UTIL_ALLOC_H
#define PS_UTIL_ALLOC_H

#include <stddef.h>

void *ps__malloc(size_t n);
void *ps__calloc(size_t count, size_t size);
void *ps__realloc(void *p, size_t n);
void ps__free_mem(void *p);
char *ps__strdup(const char *s);
char *ps__strndup(const char *s, size_t n);
/* Testing hook: the next `n` allocations succeed, then all fail until reset
 * with n < 0. Process-wide. */
void ps__alloc_fail_after(long n);
/* Allocations of this library that failed on the calling thread so far
 * (injected or real): tells "out of memory" apart from other failures of
 * code that does not report it (jansson's parser says "invalid JSON"). */
unsigned long ps__alloc_failures(void);
/* The hook's current budget (< 0: disarmed), to pause and resume it. */
long ps__alloc_budget(void);

#endif
