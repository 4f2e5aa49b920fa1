/* Internal error reporting: a status code plus a thread-local detail message. */
#ifndef PS_UTIL_ERROR_H
#define PS_UTIL_ERROR_H

#include "pystore.h"

#if defined(__GNUC__)
#define PS__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PS__PRINTF(a, b)
#endif

#define PS_ERRMSG_MAX 1024

/* Record `code` with a formatted detail message for this thread; returns code. */
int ps__error(int code, const char *fmt, ...) PS__PRINTF(2, 3);
/* Prefix the current detail message with "<fmt>: " (adds context on the way
 * out, e.g. the file name); returns code. */
int ps__error_prefix(int code, const char *fmt, ...) PS__PRINTF(2, 3);
/* Replace the thread's detail with `msg` (used to carry worker errors home). */
void ps__error_set_text(const char *msg);
/* Copy the thread's current detail into buf (size PS_ERRMSG_MAX). */
void ps__error_copy(char *buf, size_t size);

#define PS_NOMEM() ps__error(PS_ERR_NOMEM, "out of memory at %s:%d", __FILE__, __LINE__)
#define PS_TRY(expr)        \
  do {                      \
    int ps__rc = (expr);    \
    if (ps__rc < 0) return ps__rc; \
  } while (0)
/* Jump to `fail` with rc set when expr fails (needs int rc and a fail label). */
#define PS_CHECK(expr)      \
  do {                      \
    rc = (expr);            \
    if (rc < 0) goto fail;  \
  } while (0)

#endif
