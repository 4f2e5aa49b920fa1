/* Streaming CSV reader: a file or standard input read record by record and
 * handed out in chunks of rows. Types are inferred on the first chunk with
 * the rules of ps_csv_read_file (int64, float64, bool, timestamp with or
 * without zone, else string; any quoted field makes a column string; empty
 * unquoted = null); later chunks must parse as those types. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table/frame.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timefmt.h"

typedef struct fld {
  char *s;
  size_t len;
  int quoted;
} fld;

struct ps_csv_reader {
  FILE *fp;
  int own;
  char *path;
  char delim;
  int64_t chunk_rows, line;
  int ncols;
  char **names;
  ps_type *types;
  int *zoned;
  char *index;
  int typed, eof;
  /* one record */
  fld *rec;
  int nrec, caprec;
  char *sb;
  size_t sblen, sbcap;
};

enum { T_NULL = 0, T_INT = 1, T_FLOAT = 2, T_BOOL = 4, T_TS = 8, T_TSZ = 16, T_STR = 32 };

static int sb_put(ps_csv_reader *r, int ch) {
  if (r->sblen + 1 >= r->sbcap) {
    size_t cap = r->sbcap ? r->sbcap * 2 : 1024;
    char *n = ps__realloc(r->sb, cap);
    if (!n) return PS_NOMEM();
    r->sb = n;
    r->sbcap = cap;
  }
  r->sb[r->sblen++] = (char)ch;
  return PS_OK;
}

/* Read one record; fields point into r->sb (offsets fixed up at the end). Returns 1 = record, 0 = EOF. */
static int read_record(ps_csv_reader *r) {
  FILE *fp = r->fp;
  r->nrec = 0;
  r->sblen = 0;
  int ch = getc_unlocked(fp);
  if (ch == EOF) return 0;
  r->line++;
  size_t *starts = NULL;
  int rc = 1;
  for (;;) {
    if (r->nrec == r->caprec) {
      int cap = r->caprec ? r->caprec * 2 : 16;
      fld *n = ps__realloc(r->rec, (size_t)cap * sizeof *n);
      if (!n) return PS_NOMEM();
      r->rec = n;
      r->caprec = cap;
    }
    fld *f = &r->rec[r->nrec++];
    size_t start = r->sblen;
    f->quoted = 0;
    if (ch == '"') {
      f->quoted = 1;
      int64_t qline = r->line; /* errors name the line where the field starts, as ps_csv_read_file */
      for (;;) {
        ch = getc_unlocked(fp);
        if (ch == EOF) return ps__error(PS_ERR_PARSE, "%s: line %lld: unterminated quoted field", r->path, (long long)qline);
        if (ch == '"') {
          ch = getc_unlocked(fp);
          if (ch == '"') {
            PS_TRY(sb_put(r, '"'));
            continue;
          }
          break;
        }
        if (ch == '\n') r->line++;
        PS_TRY(sb_put(r, ch));
      }
    } else {
      while (ch != EOF && ch != r->delim && ch != '\n' && ch != '\r') {
        PS_TRY(sb_put(r, ch));
        ch = getc_unlocked(fp);
      }
    }
    if (ch == '\r') { /* CRLF, or a lone CR: both end the line (as ps_csv_read_file) */
      ch = getc_unlocked(fp);
      if (ch != '\n' && ch != EOF) {
        ungetc(ch, fp);
        ch = '\n';
      }
    }
    f->s = (char *)(uintptr_t)start; /* offset for now */
    f->len = r->sblen - start;
    PS_TRY(sb_put(r, 0));
    if (ch == r->delim) {
      ch = getc_unlocked(fp);
      continue;
    }
    if (ch == '\n' || ch == EOF) break;
    return ps__error(PS_ERR_PARSE, "%s: line %lld: unexpected character after a quoted field", r->path, (long long)r->line);
  }
  for (int i = 0; i < r->nrec; i++) r->rec[i].s = r->sb + (size_t)(uintptr_t)r->rec[i].s;
  (void)starts;
  return rc;
}

/* Decimal/exponent text, or nan/inf/infinity with an optional sign: what
 * ps_csv_read_file calls a float (strtod alone would also take hex). */
static int float_text(const char *s, size_t n) {
  size_t i = (n && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i < n && (s[i] == 'n' || s[i] == 'N' || s[i] == 'i' || s[i] == 'I'))
    return !strcasecmp(s + i, "nan") || !strcasecmp(s + i, "inf") || !strcasecmp(s + i, "infinity");
  for (; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-'))
      return 0;
  return 1;
}

/* UTF-8 check for string values and header names (as ps_csv_read_file). */
static int utf8_ok(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i], cp;
    size_t k;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) k = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) k = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) k = 3, cp = c & 0x07;
    else return 0;
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    i += k + 1;
  }
  return 1;
}

static int classify(const fld *f, int *zone) {
  if (f->quoted) return T_STR;
  if (f->len == 0) return T_NULL;
  const char *s = f->s;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  (void)v;
  /* the whole field (a NUL byte inside ends strtoll early: then it is text) */
  if (end == s + f->len && end != s && !isspace((unsigned char)s[0])) return errno ? T_STR : T_INT;
  double d = strtod(s, &end);
  (void)d;
  if (end == s + f->len && end != s && !isspace((unsigned char)s[0]) && float_text(s, f->len)) return T_FLOAT;
  if (!strcasecmp(s, "true") || !strcasecmp(s, "false")) return T_BOOL;
  int64_t ns;
  int z;
  if (f->len >= 10 && ps_parse_timestamp_ns(s, f->len, &ns, &z) == PS_OK) {
    *zone = z;
    return z ? T_TSZ : T_TS;
  }
  return T_STR;
}

void ps_csv_reader_close(ps_csv_reader *r) {
  if (!r) return;
  if (r->fp && r->own) fclose(r->fp);
  for (int i = 0; r->names && i < r->ncols; i++) ps__free_mem(r->names[i]);
  ps__free_mem(r->names);
  ps__free_mem(r->types);
  ps__free_mem(r->zoned);
  ps__free_mem(r->index);
  ps__free_mem(r->rec);
  ps__free_mem(r->sb);
  ps__free_mem(r->path);
  ps__free_mem(r);
}

int ps_csv_reader_open(const char *path, const ps_csv_options *opt, int64_t chunk_rows, ps_csv_reader **out) {
  ps_csv_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!path || !out) return ps__error(PS_ERR_INVALID, "ps_csv_reader_open: NULL argument");
  *out = NULL;
  ps_csv_reader *r = ps__calloc(1, sizeof *r);
  if (!r) return PS_NOMEM();
  int rc = PS_OK;
  r->delim = opt->delimiter ? opt->delimiter : ',';
  r->chunk_rows = chunk_rows > 0 ? chunk_rows : 10000;
  r->path = ps__strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
  if (!r->path || (opt->index && !(r->index = ps__strdup(opt->index)))) {
    rc = PS_NOMEM();
    goto fail;
  }
  if (strcmp(path, "-") == 0) {
    r->fp = stdin;
  } else {
    r->fp = fopen(path, "rb");
    r->own = 1;
    if (!r->fp) {
      rc = ps__error(errno == ENOENT ? PS_ERR_NOT_FOUND : PS_ERR_IO, "%s: %s", path, strerror(errno));
      goto fail;
    }
  }
  int got = read_record(r);
  if (got < 0) {
    rc = got;
    goto fail;
  }
  if (got == 0) {
    rc = ps__error(PS_ERR_PARSE, "%s: empty file (no header line)", r->path);
    goto fail;
  }
  r->ncols = r->nrec;
  r->names = ps__calloc((size_t)r->ncols, sizeof *r->names);
  r->types = ps__calloc((size_t)r->ncols, sizeof *r->types);
  r->zoned = ps__calloc((size_t)r->ncols, sizeof *r->zoned);
  if (!r->names || !r->types || !r->zoned) {
    rc = PS_NOMEM();
    goto fail;
  }
  if (opt->no_header) {
    /* keep the record as data: re-read is impossible on stdin, so remember it */
    rc = ps__error(PS_ERR_UNSUPPORTED, "%s: streaming CSV needs a header line", r->path);
    goto fail;
  }
  if (r->nrec > 0 && !r->rec[0].quoted && r->rec[0].len >= 3 && memcmp(r->rec[0].s, "\xEF\xBB\xBF", 3) == 0) {
    r->rec[0].s += 3; /* a UTF-8 BOM is skipped */
    r->rec[0].len -= 3;
  }
  for (int i = 0; i < r->ncols; i++) {
    if (memchr(r->rec[i].s, 0, r->rec[i].len) || !utf8_ok(r->rec[i].s, r->rec[i].len)) {
      rc = ps__error(PS_ERR_PARSE, "%s: line 1, column %d: header name is not valid UTF-8 text", r->path, i + 1);
      goto fail;
    }
  }
  for (int i = 0; i < r->ncols; i++) {
    char buf[32];
    const char *nm = r->rec[i].len ? r->rec[i].s : (snprintf(buf, sizeof buf, "Unnamed: %d", i), buf);
    for (int k = 0; k < i; k++)
      if (strcmp(r->names[k], nm) == 0) {
        rc = ps__error(PS_ERR_PARSE, "%s: duplicate column name '%s'", r->path, nm);
        goto fail;
      }
    if (!(r->names[i] = ps__strdup(nm))) {
      rc = PS_NOMEM();
      goto fail;
    }
  }
  *out = r;
  return PS_OK;
fail:
  ps_csv_reader_close(r);
  return rc;
}

static int put_value(ps_csv_reader *r, ps_column *c, int col, const fld *f) {
  if (!f->quoted && f->len == 0) return ps_column_append_null(c);
  char *end;
  switch (r->types[col]) {
    case PS_TYPE_INT64: {
      errno = 0;
      long long v = strtoll(f->s, &end, 10);
      if (f->quoted || end != f->s + f->len || end == f->s || errno) break;
      return ps_column_append_int(c, v);
    }
    case PS_TYPE_FLOAT64: {
      double v = strtod(f->s, &end);
      if (f->quoted || end != f->s + f->len || end == f->s || !float_text(f->s, f->len)) break;
      return ps_column_append_double(c, v);
    }
    case PS_TYPE_BOOL:
      if (f->quoted) break;
      if (!strcasecmp(f->s, "true")) return ps_column_append_bool(c, 1);
      if (!strcasecmp(f->s, "false")) return ps_column_append_bool(c, 0);
      break;
    case PS_TYPE_TIMESTAMP: {
      int64_t ns;
      int z;
      if (f->quoted || ps_parse_timestamp_ns(f->s, f->len, &ns, &z) != PS_OK || z != r->zoned[col]) break;
      return ps_column_append_int(c, ns);
    }
    default:
      if (!utf8_ok(f->s, f->len))
        return ps__error(PS_ERR_PARSE, "%s: line %lld, column %d ('%s'): invalid UTF-8 in a string column", r->path,
                         (long long)r->line, col + 1, r->names[col]);
      return ps_column_append_string(c, f->s, f->len);
  }
  return ps__error(PS_ERR_PARSE, "%s: line %lld, column '%s': '%.*s' is not a %s (the type inferred from the first chunk)",
                   r->path, (long long)r->line, r->names[col], (int)(f->len > 64 ? 64 : f->len), f->s,
                   ps_type_name(r->types[col]));
}

int ps_csv_reader_next(ps_csv_reader *r, ps_frame **out) {
  if (!r || !out) return ps__error(PS_ERR_INVALID, "ps_csv_reader_next: NULL argument");
  *out = NULL;
  if (r->eof) return PS_OK;
  int rc = PS_OK;
  ps_frame *f = NULL;
  /* first chunk: keep raw records to infer the types */
  char **raw = NULL;
  size_t nraw = 0, capraw = 0;
  int64_t rows = 0;
  if (!r->typed) {
    int *mask = ps__calloc((size_t)r->ncols, sizeof *mask);
    if (!mask) return PS_NOMEM();
    while (rows < r->chunk_rows) {
      int got = read_record(r);
      if (got < 0) {
        rc = got;
        break;
      }
      if (got == 0) {
        r->eof = 1;
        break;
      }
      if (r->nrec == 1 && r->rec[0].len == 0 && !r->rec[0].quoted) continue; /* blank line */
      if (r->nrec != r->ncols) {
        rc = ps__error(PS_ERR_PARSE, "%s: line %lld has %d fields, the header has %d", r->path, (long long)r->line, r->nrec, r->ncols);
        break;
      }
      /* serialize the record: per field quoted flag + length + bytes */
      size_t need = sizeof(int64_t);
      for (int i = 0; i < r->nrec; i++) need += 1 + sizeof(size_t) + r->rec[i].len + 1;
      char *blob = ps__malloc(need);
      if (!blob) {
        rc = PS_NOMEM();
        break;
      }
      memcpy(blob, &r->line, sizeof(int64_t));
      char *p = blob + sizeof(int64_t);
      for (int i = 0; i < r->nrec; i++) {
        int zone = 0;
        int k = classify(&r->rec[i], &zone);
        mask[i] |= k;
        *p++ = (char)r->rec[i].quoted;
        memcpy(p, &r->rec[i].len, sizeof(size_t));
        p += sizeof(size_t);
        memcpy(p, r->rec[i].s, r->rec[i].len + 1);
        p += r->rec[i].len + 1;
      }
      if (nraw == capraw) {
        size_t cap = capraw ? capraw * 2 : 1024;
        char **n = ps__realloc(raw, cap * sizeof *n);
        if (!n) {
          ps__free_mem(blob);
          rc = PS_NOMEM();
          break;
        }
        raw = n;
        capraw = cap;
      }
      raw[nraw++] = blob;
      rows++;
    }
    if (rc == PS_OK) {
      for (int i = 0; i < r->ncols; i++) {
        int m = mask[i] & ~T_NULL;
        ps_type t = PS_TYPE_STRING;
        if (m == T_INT) t = PS_TYPE_INT64;
        else if (m == T_FLOAT || m == (T_INT | T_FLOAT)) t = PS_TYPE_FLOAT64;
        else if (m == T_BOOL) t = PS_TYPE_BOOL;
        else if (m == T_TS || m == T_TSZ) t = PS_TYPE_TIMESTAMP, r->zoned[i] = m == T_TSZ;
        r->types[i] = t;
      }
      r->typed = 1;
    }
    ps__free_mem(mask);
  }
  if (rc == PS_OK) {
    rc = ps_frame_new(&f);
    for (int i = 0; rc == PS_OK && i < r->ncols; i++)
      rc = ps_frame_add_column(f, r->names[i], r->types[i], PS_UNIT_NS, r->zoned[i] ? "UTC" : NULL, NULL);
  }
  /* replay the stored first-chunk records */
  int64_t saved_line = r->line;
  for (size_t k = 0; rc == PS_OK && k < nraw; k++) {
    const char *p = raw[k];
    memcpy(&r->line, p, sizeof(int64_t));
    p += sizeof(int64_t);
    for (int i = 0; rc == PS_OK && i < r->ncols; i++) {
      fld fl;
      fl.quoted = *p++;
      memcpy(&fl.len, p, sizeof(size_t));
      p += sizeof(size_t);
      fl.s = (char *)p;
      p += fl.len + 1;
      rc = put_value(r, f->cols[i], i, &fl);
    }
  }
  if (nraw) r->line = saved_line;
  for (size_t k = 0; k < nraw; k++) ps__free_mem(raw[k]);
  ps__free_mem(raw);
  if (nraw == 0) {
    /* later chunks: parse straight into the columns */
    while (rc == PS_OK && rows < r->chunk_rows) {
      int got = read_record(r);
      if (got < 0) {
        rc = got;
        break;
      }
      if (got == 0) {
        r->eof = 1;
        break;
      }
      if (r->nrec == 1 && r->rec[0].len == 0 && !r->rec[0].quoted) continue;
      if (r->nrec != r->ncols) {
        rc = ps__error(PS_ERR_PARSE, "%s: line %lld has %d fields, the header has %d", r->path, (long long)r->line, r->nrec, r->ncols);
        break;
      }
      for (int i = 0; rc == PS_OK && i < r->ncols; i++) rc = put_value(r, f->cols[i], i, &r->rec[i]);
      rows++;
    }
  }
  if (rc == PS_OK) rc = ps_frame_validate(f);
  if (rc == PS_OK && r->index) rc = ps_frame_set_index(f, r->index);
  if (rc < 0 || ps_frame_num_rows(f) == 0) {
    ps_frame_free(f);
    return rc;
  }
  *out = f;
  return PS_OK;
}
