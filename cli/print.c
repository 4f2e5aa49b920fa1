/* Printing frames as aligned tables, CSV or JSON records. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/buf.h"
#include "util/numfmt.h"
#include "util/timefmt.h"

/* Text of one cell; returns NULL for a null cell. buf must hold 64 bytes;
 * strings are returned as a pointer into the column with *len set. */
static const char *cell_text(const ps_column *c, int64_t r, char *buf, size_t *len) {
  if (ps_column_is_null(c, r)) return NULL;
  const void *v = ps_column_values(c);
  size_t n = 0;
  switch (ps_column_type(c)) {
    case PS_TYPE_BOOL: n = (size_t)sprintf(buf, "%s", ((const uint8_t *)v)[r] ? "true" : "false"); break;
    case PS_TYPE_INT8: n = (size_t)sprintf(buf, "%d", ((const int8_t *)v)[r]); break;
    case PS_TYPE_INT16: n = (size_t)sprintf(buf, "%d", ((const int16_t *)v)[r]); break;
    case PS_TYPE_INT32: n = (size_t)sprintf(buf, "%d", ((const int32_t *)v)[r]); break;
    case PS_TYPE_INT64: n = (size_t)sprintf(buf, "%lld", (long long)((const int64_t *)v)[r]); break;
    case PS_TYPE_UINT8: n = (size_t)sprintf(buf, "%u", ((const uint8_t *)v)[r]); break;
    case PS_TYPE_UINT16: n = (size_t)sprintf(buf, "%u", ((const uint16_t *)v)[r]); break;
    case PS_TYPE_UINT32: n = (size_t)sprintf(buf, "%u", ((const uint32_t *)v)[r]); break;
    case PS_TYPE_UINT64: n = (size_t)sprintf(buf, "%llu", (unsigned long long)((const uint64_t *)v)[r]); break;
    case PS_TYPE_FLOAT32: n = ps_format_float(buf, ((const float *)v)[r]); break;
    case PS_TYPE_FLOAT64: n = ps_format_double(buf, ((const double *)v)[r]); break;
    case PS_TYPE_DATE: n = ps_format_date(buf, ((const int32_t *)v)[r]); break;
    case PS_TYPE_TIMESTAMP:
      n = ps_format_timestamp(buf, ((const int64_t *)v)[r], ps_column_unit(c), ps_column_tz(c) != NULL);
      break;
    case PS_TYPE_STRING: return ps_column_string(c, r, len);
    case PS_TYPE_BINARY: {
      size_t l;
      const unsigned char *s = (const unsigned char *)ps_column_string(c, r, &l);
      size_t k = 0;
      k += (size_t)sprintf(buf, "0x");
      for (size_t i = 0; i < l && k < 56; i++) k += (size_t)sprintf(buf + k, "%02x", s[i]);
      if (l > 27) k += (size_t)sprintf(buf + k, "..");
      n = k;
      break;
    }
  }
  *len = n;
  return buf;
}

static void json_escape(ps_buf *b, const char *s, size_t n) {
  ps_buf_append_byte(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    switch (ch) {
      case '"': ps_buf_append(b, "\\\"", 2); break;
      case '\\': ps_buf_append(b, "\\\\", 2); break;
      case '\n': ps_buf_append(b, "\\n", 2); break;
      case '\r': ps_buf_append(b, "\\r", 2); break;
      case '\t': ps_buf_append(b, "\\t", 2); break;
      default:
        if (ch < 0x20)
          ps_buf_printf(b, "\\u%04x", ch);
        else
          ps_buf_append_byte(b, ch);
    }
  }
  ps_buf_append_byte(b, '"');
}

static void flush(ps_buf *b) {
  fwrite(b->data, 1, b->len, stdout);
  ps_buf_clear(b);
}

static int print_json(const ps_frame *f) {
  ps_buf b = {0};
  int nc = ps_frame_num_columns(f);
  int64_t nr = ps_frame_num_rows(f);
  char buf[80];
  ps_buf_append(&b, "[", 1);
  for (int64_t r = 0; r < nr; r++) {
    ps_buf_append(&b, r ? ",\n{" : "\n{", r ? 3 : 2);
    for (int i = 0; i < nc; i++) {
      const ps_column *c = ps_frame_column(f, i);
      if (i) ps_buf_append_byte(&b, ',');
      json_escape(&b, ps_column_name(c), strlen(ps_column_name(c)));
      ps_buf_append_byte(&b, ':');
      size_t len;
      const char *t = cell_text(c, r, buf, &len);
      ps_type ty = ps_column_type(c);
      if (!t) {
        ps_buf_append(&b, "null", 4);
      } else if ((ty == PS_TYPE_FLOAT32 || ty == PS_TYPE_FLOAT64) && (t[0] == 'n' || t[0] == 'i' || t[1] == 'i')) {
        /* JSON has no NaN/Infinity literals: quote them */
        json_escape(&b, t, len);
      } else if (ty == PS_TYPE_STRING || ty == PS_TYPE_BINARY || ty == PS_TYPE_TIMESTAMP || ty == PS_TYPE_DATE) {
        json_escape(&b, t, len);
      } else {
        ps_buf_append(&b, t, len);
      }
    }
    ps_buf_append_byte(&b, '}');
    if (b.len > (1 << 20)) flush(&b);
  }
  ps_buf_append(&b, "\n]\n", 3);
  flush(&b);
  ps_buf_free(&b);
  return 0;
}

/* Display width of UTF-8 text (code points; good enough for alignment). */
static size_t display_width(const char *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
  return w;
}

static int print_table(const ps_frame *f) {
  int nc = ps_frame_num_columns(f);
  int64_t nr = ps_frame_num_rows(f);
  size_t *width = calloc((size_t)nc + 1, sizeof *width);
  if (!width) return 1;
  char buf[80];
  for (int i = 0; i < nc; i++) {
    const ps_column *c = ps_frame_column(f, i);
    width[i] = display_width(ps_column_name(c), strlen(ps_column_name(c)));
    for (int64_t r = 0; r < nr; r++) {
      size_t len;
      const char *t = cell_text(c, r, buf, &len);
      size_t w = t ? display_width(t, len) : 4;
      if (w > 60) w = 60;
      if (w > width[i]) width[i] = w;
    }
  }
  ps_buf b = {0};
  for (int i = 0; i < nc; i++) {
    const char *name = ps_column_name(ps_frame_column(f, i));
    ps_buf_printf(&b, "%s%s%*s", i ? "  " : "", name, (int)(width[i] - display_width(name, strlen(name))), "");
  }
  ps_buf_append_byte(&b, '\n');
  for (int i = 0; i < nc; i++) {
    if (i) ps_buf_append(&b, "  ", 2);
    for (size_t k = 0; k < width[i]; k++) ps_buf_append_byte(&b, '-');
  }
  ps_buf_append_byte(&b, '\n');
  for (int64_t r = 0; r < nr; r++) {
    for (int i = 0; i < nc; i++) {
      const ps_column *c = ps_frame_column(f, i);
      size_t len;
      const char *t = cell_text(c, r, buf, &len);
      if (!t) {
        t = "null";
        len = 4;
      }
      size_t w = display_width(t, len);
      if (w > 60) { /* cut long cells at a character boundary */
        size_t k = 0, cps = 0;
        while (k < len && cps < 57) {
          k++;
          while (k < len && ((unsigned char)t[k] & 0xC0) == 0x80) k++;
          cps++;
        }
        if (i) ps_buf_append(&b, "  ", 2);
        ps_buf_append(&b, t, k);
        ps_buf_append(&b, "...", 3);
        continue;
      }
      ps_type ty = ps_column_type(c);
      int right = ty != PS_TYPE_STRING && ty != PS_TYPE_BINARY && ty != PS_TYPE_TIMESTAMP && ty != PS_TYPE_DATE &&
                  ty != PS_TYPE_BOOL;
      if (i) ps_buf_append(&b, "  ", 2);
      if (right) ps_buf_printf(&b, "%*s", (int)(width[i] - w), "");
      ps_buf_append(&b, t, len);
      if (!right && i + 1 < nc) ps_buf_printf(&b, "%*s", (int)(width[i] - w), "");
    }
    ps_buf_append_byte(&b, '\n');
    if (b.len > (1 << 20)) flush(&b);
  }
  ps_buf_printf(&b, "(%lld row%s)\n", (long long)nr, nr == 1 ? "" : "s");
  flush(&b);
  ps_buf_free(&b);
  free(width);
  return 0;
}

int cli_print_frame(const ps_frame *f, const char *format) {
  if (!format || strcmp(format, "table") == 0) return print_table(f);
  if (strcmp(format, "json") == 0) return print_json(f);
  if (strcmp(format, "csv") == 0) {
    fflush(stdout);
    int rc = ps_csv_write_file("-", f);
    return rc < 0 ? cli_fail("writing CSV", rc) : 0;
  }
  fprintf(stderr, "pystore: unknown format '%s' (use table, csv or json)\n", format);
  return 2;
}

int cli_fail(const char *what, int rc) {
  const char *detail = ps_errmsg();
  if (!detail || !*detail) detail = ps_strerror(rc);
  if (strncmp(detail, what, strlen(what)) == 0) /* the library already named it */
    fprintf(stderr, "pystore: %s\n", detail);
  else
    fprintf(stderr, "pystore: %s: %s\n", what, detail);
  return 1;
}

char **cli_split_list(const char *s, size_t *n) {
  size_t count = 1;
  for (const char *p = s; *p; p++) count += *p == ',';
  char **list = calloc(count + 1, sizeof *list);
  if (!list) return NULL;
  *n = 0;
  const char *start = s;
  for (const char *p = s;; p++) {
    if (*p == ',' || *p == 0) {
      size_t len = (size_t)(p - start);
      while (len && start[0] == ' ') { start++; len--; }
      while (len && start[len - 1] == ' ') len--;
      if (len) {
        list[*n] = strndup(start, len);
        (*n)++;
      }
      if (*p == 0) break;
      start = p + 1;
    }
  }
  return list;
}

void cli_free_list(char **list) {
  if (!list) return;
  for (char **p = list; *p; p++) free(*p);
  free(list);
}
