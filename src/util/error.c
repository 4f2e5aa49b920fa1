#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char tls_errmsg[PS_ERRMSG_MAX];

const char *ps_strerror(int code) {
  switch (code) {
#define PS__STATUS_TEXT(name, value, text) \
  case value:                              \
    return text;
    PS_STATUS_MAP(PS__STATUS_TEXT)
#undef PS__STATUS_TEXT
    default:
      return "unknown status code";
  }
}

const char *ps_status_name(int code) {
  switch (code) {
#define PS__STATUS_NAME(name, value, text) \
  case value:                              \
    return #name;
    PS_STATUS_MAP(PS__STATUS_NAME)
#undef PS__STATUS_NAME
    default:
      return "PS_ERR_UNKNOWN";
  }
}

const char *ps_errmsg(void) { return tls_errmsg; }

int ps__error(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tls_errmsg, sizeof tls_errmsg, fmt, ap);
  va_end(ap);
  return code;
}

int ps__error_prefix(int code, const char *fmt, ...) {
  char prefix[PS_ERRMSG_MAX];
  char old[PS_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, tls_errmsg, sizeof old);
  const char *rest = old[0] ? old : ps_strerror(code);
  /* assemble piecewise: the message is cut at PS_ERRMSG_MAX on purpose */
  size_t n = strlen(prefix);
  if (n > sizeof tls_errmsg - 1) n = sizeof tls_errmsg - 1;
  memcpy(tls_errmsg, prefix, n);
  size_t room = sizeof tls_errmsg - 1 - n;
  size_t k = strlen(rest);
  if (room >= 2) {
    memcpy(tls_errmsg + n, ": ", 2);
    n += 2;
    room -= 2;
    if (k > room) k = room;
    memcpy(tls_errmsg + n, rest, k);
    n += k;
  }
  tls_errmsg[n] = 0;
  return code;
}

void ps__error_set_text(const char *msg) { snprintf(tls_errmsg, sizeof tls_errmsg, "%s", msg ? msg : ""); }

void ps__error_copy(char *buf, size_t size) {
  if (size) snprintf(buf, size, "%s", tls_errmsg);
}

int ps_version_number(void) { return PS_VERSION_NUMBER; }
const char *ps_version_string(void) { return PS_VERSION_STRING; }
