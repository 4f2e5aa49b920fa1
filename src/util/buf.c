#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "util/error.h"

int ps_buf_reserve(ps_buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return PS_OK;
  if (extra > SIZE_MAX / 2 - b->len) return PS_NOMEM();
  size_t need = b->len + extra;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  uint8_t *p = ps__realloc(b->data, cap);
  if (!p) return PS_NOMEM();
  b->data = p;
  b->cap = cap;
  return PS_OK;
}

int ps_buf_append(ps_buf *b, const void *p, size_t n) {
  PS_TRY(ps_buf_reserve(b, n));
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  return PS_OK;
}

int ps_buf_append_byte(ps_buf *b, uint8_t v) {
  PS_TRY(ps_buf_reserve(b, 1));
  b->data[b->len++] = v;
  return PS_OK;
}

int ps_buf_printf(ps_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return ps__error(PS_ERR_INTERNAL, "vsnprintf failed");
  PS_TRY(ps_buf_reserve(b, (size_t)n + 1));
  va_start(ap, fmt);
  vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return PS_OK;
}

int ps_buf_terminate(ps_buf *b) {
  PS_TRY(ps_buf_reserve(b, 1));
  b->data[b->len] = 0;
  return PS_OK;
}

void ps_buf_free(ps_buf *b) {
  if (!b) return;
  ps__free_mem(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

uint8_t *ps_buf_detach(ps_buf *b) {
  uint8_t *p = b->data;
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}
