/* Growable byte buffer. */
#ifndef PS_UTIL_BUF_H
#define PS_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ps_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
} ps_buf;

/* Ensure room for `extra` more bytes. Returns PS_OK or PS_ERR_NOMEM. */
int ps_buf_reserve(ps_buf *b, size_t extra);
int ps_buf_append(ps_buf *b, const void *p, size_t n);
int ps_buf_append_byte(ps_buf *b, uint8_t v);
int ps_buf_printf(ps_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* NUL-terminate without counting the NUL in len. */
int ps_buf_terminate(ps_buf *b);
void ps_buf_free(ps_buf *b);
/* Hand the data to the caller (who frees it with free()), leaving b empty. */
uint8_t *ps_buf_detach(ps_buf *b);

static inline void ps_buf_clear(ps_buf *b) { b->len = 0; }

/* Fast path for append when room was reserved. */
static inline void ps_buf_append_unchecked(ps_buf *b, const void *p, size_t n) {
  if (n) memcpy(b->data + b->len, p, n); /* p may be NULL when n == 0 */
  b->len += n;
}

#endif
