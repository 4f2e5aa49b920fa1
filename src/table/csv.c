/* CSV in and out (RFC 4180) with whole-file type inference.
 *
 * Reading maps the file (or reads it whole when it cannot be mapped) and
 * makes two passes over it:
 *   1. tokenise every record, check the shape (field counts, quotes) and
 *      narrow each column's set of possible types; count rows, nulls and
 *      string bytes;
 *   2. allocate every column at its final size and convert the fields
 *      straight into the typed arrays.
 * No cell is ever materialised as a separate string, so memory is the size
 * of the result plus the (page-cache backed) mapping.
 *
 * Rules (also in the README):
 *  - An empty unquoted field is null. Any quoted field ("", "12", "x") is
 *    text and makes its column a string column; this is what lets the
 *    writer, which quotes every string value, round-trip string columns
 *    holding "12" or "true" exactly.
 *  - Unquoted fields are taken byte for byte: spaces are not stripped, so
 *    " 12" is not a number (its column becomes string).
 *  - int64 covers the full range; an integer literal outside it makes the
 *    column string (never silently rounded to float). Ints mixed with
 *    floats give float64. Leading '+' and zeros are accepted ("007" -> 7).
 *  - float64: decimal and exponent forms, nan/inf/infinity in any case,
 *    with sign; converted by strtod (exact, -0.0 keeps its sign).
 *  - bool: true/false, True/False, TRUE/FALSE.
 *  - timestamp[ns]: ISO-8601 date or date-time; all values zoned -> "UTC"
 *    (UTC-adjusted), all naive -> naive, a mix -> string.
 *  - Empty header name -> "Unnamed: N" (N = 0-based position, as pandas);
 *    duplicate names are an error. A UTF-8 BOM is skipped.
 *  - Blank lines are skipped, except in a one-column file where a blank
 *    line is a null value (that is how the writer writes one).
 *  - A quote inside an unquoted field is an ordinary character; after a
 *    closing quote only a delimiter or line end may follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pystore.h"
#include "table/csv.h"
#include "table/frame.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/numfmt.h"
#include "util/timefmt.h"

/* ------------------------------------------------------------------------
 * Input: the whole file as one byte range
 * ---------------------------------------------------------------------- */
typedef struct csv_input {
  const char *data;
  size_t size;
  void *map;
  size_t map_size;
  char *heap;
} csv_input;

static void input_close(csv_input *in) {
  if (in->map) munmap(in->map, in->map_size);
  ps__free_mem(in->heap);
  memset(in, 0, sizeof *in);
}

static int input_open(const char *path, csv_input *in) {
  memset(in, 0, sizeof *in);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    int code = ps_status_from_errno(e);
    if (code != PS_ERR_NOT_FOUND && code != PS_ERR_NOMEM) code = PS_ERR_IO;
    return ps__error(code, "%s: cannot open: %s", path, strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return ps__error(PS_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return ps__error(PS_ERR_INVALID, "%s: is a directory", path);
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= (uint64_t)SIZE_MAX) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      (void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
      in->map = m;
      in->map_size = (size_t)st.st_size;
      in->data = m;
      in->size = (size_t)st.st_size;
      close(fd);
      return PS_OK;
    }
  }
  /* Not mappable (pipe, empty, special file): read it whole in large reads. */
  size_t cap = 1 << 20, len = 0;
  char *buf = ps__malloc(cap);
  if (!buf) {
    close(fd);
    return PS_NOMEM();
  }
  for (;;) {
    if (len == cap) {
      if (cap > SIZE_MAX / 2) {
        ps__free_mem(buf);
        close(fd);
        return ps__error(PS_ERR_LIMIT, "%s: file too large", path);
      }
      char *nb = ps__realloc(buf, cap * 2);
      if (!nb) {
        ps__free_mem(buf);
        close(fd);
        return PS_NOMEM();
      }
      buf = nb;
      cap *= 2;
    }
    ssize_t k = read(fd, buf + len, cap - len);
    if (k < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ps__free_mem(buf);
      close(fd);
      return ps__error(PS_ERR_IO, "%s: read failed: %s", path, strerror(e));
    }
    if (k == 0) break;
    len += (size_t)k;
  }
  close(fd);
  in->heap = buf;
  in->data = buf;
  in->size = len;
  return PS_OK;
}

/* ------------------------------------------------------------------------
 * Tokeniser
 * ---------------------------------------------------------------------- */
enum { END_DELIM = 0, END_EOL = 1, END_EOF = 2, ERR_UNTERMINATED = -1, ERR_AFTER_QUOTE = -2 };

typedef struct fld {
  const char *s; /* content: between the quotes when quoted (doubled quotes still doubled) */
  size_t len;
  int quoted;
  size_t npairs;  /* doubled quotes inside (unescaped length = len - npairs) */
  int64_t lines;  /* line breaks inside a quoted field */
} fld;

typedef struct tok {
  const char *end;
  char delim;
  uint8_t special[256]; /* delimiter, CR, LF */
} tok;

static int64_t count_line_breaks(const char *s, size_t n) {
  int64_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n')
      k++;
    else if (s[i] == '\r' && !(i + 1 < n && s[i + 1] == '\n'))
      k++;
  }
  return k;
}

static inline int field_end(const tok *t, const char **pp, const char *p) {
  if (p == t->end) {
    *pp = p;
    return END_EOF;
  }
  char c = *p;
  if (c == t->delim) {
    *pp = p + 1;
    return END_DELIM;
  }
  if (c == '\n') {
    *pp = p + 1;
    return END_EOL;
  }
  if (c == '\r') {
    p++;
    if (p < t->end && *p == '\n') p++;
    *pp = p;
    return END_EOL;
  }
  *pp = p;
  return ERR_AFTER_QUOTE;
}

/* Scan one field at *pp; advance past its terminator. */
static inline int scan_field(const tok *t, const char **pp, fld *f) {
  const char *p = *pp, *end = t->end;
  f->npairs = 0;
  f->lines = 0;
  if (p < end && *p == '"') {
    f->quoted = 1;
    const char *s = ++p;
    for (;;) {
      const char *q = memchr(p, '"', (size_t)(end - p));
      if (!q) {
        f->s = s;
        f->len = (size_t)(end - s);
        f->lines = count_line_breaks(s, f->len);
        *pp = end;
        return ERR_UNTERMINATED;
      }
      if (q + 1 < end && q[1] == '"') {
        f->npairs++;
        p = q + 2;
        continue;
      }
      f->s = s;
      f->len = (size_t)(q - s);
      p = q + 1;
      break;
    }
    if (memchr(f->s, '\n', f->len) || memchr(f->s, '\r', f->len)) f->lines = count_line_breaks(f->s, f->len);
    return field_end(t, pp, p);
  }
  f->quoted = 0;
  const char *s = p;
  const uint8_t *sp = t->special;
  while (p < end && !sp[(uint8_t)*p]) p++;
  f->s = s;
  f->len = (size_t)(p - s);
  return field_end(t, pp, p);
}

/* Skip a blank line at p (which starts with CR or LF); returns the new position. */
static const char *skip_eol(const char *p, const char *end) {
  if (*p == '\r') {
    p++;
    if (p < end && *p == '\n') p++;
  } else {
    p++;
  }
  return p;
}

/* Copy a field's unescaped content (doubled quotes collapsed) to dst. */
static size_t unescape(char *dst, const fld *f) {
  if (!f->npairs) {
    if (f->len) memcpy(dst, f->s, f->len);
    return f->len;
  }
  size_t o = 0;
  for (size_t i = 0; i < f->len; i++) {
    dst[o++] = f->s[i];
    if (f->s[i] == '"') i++; /* skip the second quote of the pair */
  }
  return o;
}

/* ------------------------------------------------------------------------
 * Value parsers
 * ---------------------------------------------------------------------- */
static int utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    /* fast path: 8 ASCII bytes at a time */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
      k = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      k = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      k = 3;
      cp = c & 0x07;
    } else {
      return 0;
    }
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += k + 1;
  }
  return 1;
}

enum { NUM_NONE = 0, NUM_INT = 1, NUM_INT_OVERFLOW = 2, NUM_FLOAT = 3 };

static int ieq(const char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  if (n != m) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != lit[i]) return 0;
  }
  return 1;
}

/* Classify an unquoted, non-empty field as a number. For NUM_INT the value
 * is stored in *out. */
static inline int classify_number(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  int neg = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  size_t d0 = i;
  uint64_t v = 0;
  int ovf = 0;
  while (i < n && (unsigned)(s[i] - '0') <= 9) {
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10)
      ovf = 1;
    else
      v = v * 10 + d;
    i++;
  }
  size_t nd = i - d0;
  if (i == n) {
    if (nd == 0) return NUM_NONE;
    if (ovf) return NUM_INT_OVERFLOW;
    if (neg) {
      if (v > (uint64_t)INT64_MAX + 1) return NUM_INT_OVERFLOW;
      *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
      if (v > (uint64_t)INT64_MAX) return NUM_INT_OVERFLOW;
      *out = (int64_t)v;
    }
    return NUM_INT;
  }
  if (nd == 0 && s[i] != '.') {
    /* nan, inf, infinity (any case, optional sign) */
    return (ieq(s + i, n - i, "nan") || ieq(s + i, n - i, "inf") || ieq(s + i, n - i, "infinity")) ? NUM_FLOAT
                                                                                                 : NUM_NONE;
  }
  size_t nf = 0;
  if (s[i] == '.') {
    i++;
    while (i < n && (unsigned)(s[i] - '0') <= 9) {
      i++;
      nf++;
    }
  }
  if (nd + nf == 0) return NUM_NONE;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t e0 = i;
    while (i < n && (unsigned)(s[i] - '0') <= 9) i++;
    if (i == e0) return NUM_NONE;
  }
  return i == n ? NUM_FLOAT : NUM_NONE;
}

static inline int parse_bool(const char *s, size_t n, int *v) {
  if (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4))) {
    *v = 1;
    return 1;
  }
  if (n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5))) {
    *v = 0;
    return 1;
  }
  return 0;
}

static inline int looks_like_date(const char *s, size_t n) {
  if (n >= 10 && s[4] == '-') return 1;
  return n >= 11 && (s[0] == '-' || s[0] == '+') && s[5] == '-';
}

/* ------------------------------------------------------------------------
 * Reader
 * ---------------------------------------------------------------------- */
enum { T_INT = 1, T_FLOAT = 2, T_BOOL = 4, T_TSN = 8, T_TSZ = 16, T_ALL = 31 };

typedef struct colinfo {
  char *name;
  unsigned possible; /* T_* still possible */
  int64_t nonnull, nulls;
  int64_t bytes; /* unescaped bytes of the non-null fields */
  int quoted;
  ps_type type;
  ps_column *col;
} colinfo;

typedef struct reader {
  const char *path;
  tok t;
  const char *data_start; /* first byte after the header */
  int64_t data_line;      /* line number of data_start */
  int ncols;
  colinfo *cols;
  int cols_cap; /* entries allocated (zeroed beyond ncols) */
  int64_t nrows;
  char *scratch; /* NUL-terminated copies for strtod */
  size_t scratch_cap;
} reader;

static void reader_free(reader *r) {
  if (r->cols)
    for (int i = 0; i < r->cols_cap; i++) ps__free_mem(r->cols[i].name);
  ps__free_mem(r->cols);
  ps__free_mem(r->scratch);
}

static int err_field(reader *r, int rc, int64_t line, int col, const char *what) {
  if (col >= 0 && col < r->ncols && r->cols && r->cols[col].name)
    return ps__error(rc, "%s: line %lld, column %d ('%s'): %s", r->path, (long long)line, col + 1, r->cols[col].name,
                     what);
  return ps__error(rc, "%s: line %lld, column %d: %s", r->path, (long long)line, col + 1, what);
}

static int err_scan(reader *r, int code, int64_t fline, const fld *f, int col) {
  if (code == ERR_UNTERMINATED) return err_field(r, PS_ERR_PARSE, fline, col, "unterminated quoted field");
  return err_field(r, PS_ERR_PARSE, fline + f->lines, col,
                   "unexpected character after closing quote (expected delimiter or end of line)");
}

/* The header (or, with no_header, the shape of the first record). */
static int read_header(reader *r, const char *p, int64_t line, int no_header) {
  tok *t = &r->t;
  int cap = 16, n = 0;
  r->cols = ps__calloc((size_t)cap, sizeof *r->cols);
  if (!r->cols) return PS_NOMEM();
  r->cols_cap = cap;
  const char *start = p;
  for (;;) {
    fld f;
    int64_t fline = line;
    int e = scan_field(t, &p, &f);
    if (n == cap) {
      if (cap > (1 << 24)) return ps__error(PS_ERR_LIMIT, "%s: too many columns", r->path);
      colinfo *nc = ps__realloc(r->cols, (size_t)cap * 2 * sizeof *nc);
      if (!nc) return PS_NOMEM();
      memset(nc + cap, 0, (size_t)cap * sizeof *nc);
      r->cols = nc;
      cap *= 2;
      r->cols_cap = cap;
    }
    r->ncols = n + 1;
    colinfo *ci = &r->cols[n];
    ci->possible = T_ALL;
    char num[32];
    if (no_header) {
      snprintf(num, sizeof num, "c%d", n);
      ci->name = ps__strdup(num);
      if (!ci->name) return PS_NOMEM();
    } else {
      if (e < 0) {
        r->ncols = n; /* the name is not known yet */
        return err_scan(r, e, fline, &f, n);
      }
      size_t len = f.len - f.npairs;
      if (len == 0) {
        snprintf(num, sizeof num, "Unnamed: %d", n);
        ci->name = ps__strdup(num);
        if (!ci->name) return PS_NOMEM();
      } else {
        ci->name = ps__malloc(len + 1);
        if (!ci->name) return PS_NOMEM();
        unescape(ci->name, &f);
        ci->name[len] = 0;
        if (memchr(ci->name, 0, len) || !utf8_valid(ci->name, len)) {
          r->ncols = n;
          return err_field(r, PS_ERR_PARSE, fline, n, "header name is not valid UTF-8 text");
        }
      }
      for (int j = 0; j < n; j++)
        if (strcmp(r->cols[j].name, ci->name) == 0) {
          char msg[128];
          snprintf(msg, sizeof msg, "duplicate column name (also column %d)", j + 1);
          return err_field(r, PS_ERR_PARSE, fline, n, msg);
        }
    }
    line += f.lines;
    n++;
    if (e == END_DELIM) continue;
    if (e < 0) { /* no_header: the data pass reports it */
      break;
    }
    if (e == END_EOL) line++;
    break;
  }
  if (no_header) {
    r->data_start = start;
    r->data_line = 1;
  } else {
    r->data_start = p;
    r->data_line = line;
  }
  return PS_OK;
}

static inline void infer(colinfo *ci, const fld *f) {
  if (f->quoted) {
    ci->quoted = 1;
    ci->possible = 0;
    ci->nonnull++;
    ci->bytes += (int64_t)(f->len - f->npairs);
    return;
  }
  if (f->len == 0) {
    ci->nulls++;
    return;
  }
  ci->nonnull++;
  ci->bytes += (int64_t)f->len;
  unsigned m = ci->possible;
  if (!m) return;
  const char *s = f->s;
  size_t n = f->len;
  if (m & (T_INT | T_FLOAT)) {
    int64_t v;
    switch (classify_number(s, n, &v)) {
      case NUM_INT: ci->possible = m & (T_INT | T_FLOAT); return;
      case NUM_FLOAT: ci->possible = m & T_FLOAT; return;
      case NUM_INT_OVERFLOW: ci->possible = 0; return; /* never round an integer: string */
      default: m &= ~(unsigned)(T_INT | T_FLOAT); break;
    }
  }
  if (m & T_BOOL) {
    int b;
    if (parse_bool(s, n, &b)) {
      ci->possible = m & T_BOOL;
      return;
    }
    m &= ~(unsigned)T_BOOL;
  }
  if (m & (T_TSN | T_TSZ)) {
    int64_t ns;
    int zone;
    if (looks_like_date(s, n) && ps_parse_timestamp_ns(s, n, &ns, &zone) == PS_OK)
      m &= zone ? ~(unsigned)T_TSN : ~(unsigned)T_TSZ;
    else
      m &= ~(unsigned)(T_TSN | T_TSZ);
  }
  ci->possible = m & (T_TSN | T_TSZ);
}

/* Report a record with the wrong number of fields. */
static int err_ragged(reader *r, int64_t line, int nfields, const char *p, int e) {
  if (nfields > r->ncols) {
    /* count the rest of the record for the message */
    fld f;
    while (e == END_DELIM) {
      e = scan_field(&r->t, &p, &f);
      nfields++;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "row has %s%d fields but the header has %d", e < 0 ? "at least " : "", nfields,
             r->ncols);
    return err_field(r, PS_ERR_PARSE, line, r->ncols, msg);
  }
  char msg[160];
  snprintf(msg, sizeof msg, "missing: row has %d field%s but the header has %d", nfields, nfields == 1 ? "" : "s",
           r->ncols);
  return err_field(r, PS_ERR_PARSE, line, nfields, msg);
}

static int pass1(reader *r) {
  const tok *t = &r->t;
  const char *p = r->data_start, *end = t->end;
  int64_t line = r->data_line, rows = 0;
  int ncols = r->ncols;
  while (p < end) {
    if ((*p == '\n' || *p == '\r') && ncols > 1) { /* blank line */
      p = skip_eol(p, end);
      line++;
      continue;
    }
    int64_t rec_line = line;
    for (int c = 0;; c++) {
      fld f;
      int64_t fline = line;
      int e = scan_field(t, &p, &f);
      if (c >= ncols) return err_ragged(r, rec_line, c + 1, p, e);
      if (e < 0) return err_scan(r, e, fline, &f, c);
      line += f.lines;
      infer(&r->cols[c], &f);
      if (e == END_DELIM) continue;
      if (c + 1 < ncols) return err_ragged(r, rec_line, c + 1, p, e);
      if (e == END_EOL) line++;
      break;
    }
    rows++;
  }
  r->nrows = rows;
  return PS_OK;
}

static int changed(reader *r) {
  return ps__error(PS_ERR_IO, "%s: file changed while it was being read", r->path);
}

/* strtod in the "C" locale, whatever the application set with setlocale. */
static locale_t g_c_locale;
static pthread_once_t g_c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void) { g_c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }
static locale_t c_locale(void) {
  pthread_once(&g_c_locale_once, c_locale_init);
  return g_c_locale;
}

static int parse_double(reader *r, const char *s, size_t n, double *out) {
  char local[64];
  char *buf = local;
  if (n >= sizeof local) {
    if (n + 1 > r->scratch_cap) {
      char *nb = ps__realloc(r->scratch, n + 1);
      if (!nb) return PS_NOMEM();
      r->scratch = nb;
      r->scratch_cap = n + 1;
    }
    buf = r->scratch;
  }
  memcpy(buf, s, n);
  buf[n] = 0;
  char *endp;
  locale_t loc = c_locale();
  *out = loc ? strtod_l(buf, &endp, loc) : strtod(buf, &endp);
  return endp == buf + n ? PS_OK : PS_ERR_PARSE;
}

static int convert(reader *r, int c, const fld *f, int64_t row, int64_t line) {
  colinfo *ci = &r->cols[c];
  ps_column *col = ci->col;
  if (!f->quoted && f->len == 0) {
    if (!col->validity) return changed(r);
    if (ps_is_string_type(col->type)) ((int64_t *)col->values)[row + 1] = col->bytes_len;
    col->null_count++;
    return PS_OK; /* bit stays clear, value slot stays zero */
  }
  switch (col->type) {
    case PS_TYPE_INT64: {
      int64_t v;
      if (f->quoted || classify_number(f->s, f->len, &v) != NUM_INT) return changed(r);
      ((int64_t *)col->values)[row] = v;
      break;
    }
    case PS_TYPE_FLOAT64: {
      double d = 0;
      if (f->quoted) return changed(r);
      int rc = parse_double(r, f->s, f->len, &d);
      if (rc == PS_ERR_NOMEM) return rc;
      if (rc < 0) return changed(r);
      ((double *)col->values)[row] = d;
      break;
    }
    case PS_TYPE_BOOL: {
      int b;
      if (f->quoted || !parse_bool(f->s, f->len, &b)) return changed(r);
      ((uint8_t *)col->values)[row] = (uint8_t)b;
      break;
    }
    case PS_TYPE_TIMESTAMP: {
      int64_t ns;
      int zone;
      if (f->quoted || ps_parse_timestamp_ns(f->s, f->len, &ns, &zone) != PS_OK || zone != (col->tz != NULL))
        return changed(r);
      ((int64_t *)col->values)[row] = ns;
      break;
    }
    default: { /* STRING */
      size_t len = f->len - f->npairs;
      if ((int64_t)len > col->bytes_cap - col->bytes_len) return changed(r);
      if (len) {
        char *dst = col->bytes + col->bytes_len;
        unescape(dst, f);
        if (!utf8_valid(dst, len)) return err_field(r, PS_ERR_PARSE, line, c, "invalid UTF-8 in a string column");
        col->bytes_len += (int64_t)len;
      }
      ((int64_t *)col->values)[row + 1] = col->bytes_len;
      break;
    }
  }
  if (col->validity) ps_bit_set(col->validity, row);
  return PS_OK;
}

static int pass2(reader *r) {
  const tok *t = &r->t;
  const char *p = r->data_start, *end = t->end;
  int64_t line = r->data_line, row = 0;
  int ncols = r->ncols;
  while (p < end) {
    if ((*p == '\n' || *p == '\r') && ncols > 1) {
      p = skip_eol(p, end);
      line++;
      continue;
    }
    if (row >= r->nrows) return changed(r);
    for (int c = 0;; c++) {
      fld f;
      int64_t fline = line;
      int e = scan_field(t, &p, &f);
      if (c >= ncols || e < 0) return changed(r);
      line += f.lines;
      PS_TRY(convert(r, c, &f, row, fline));
      if (e == END_DELIM) continue;
      if (c + 1 < ncols) return changed(r);
      if (e == END_EOL) line++;
      break;
    }
    row++;
  }
  if (row != r->nrows) return changed(r);
  return PS_OK;
}

/* Allocate a fresh column at exactly its final size (values zeroed). */
static int reserve_exact(ps_column *col, int64_t rows, int64_t bytes) {
  if (rows > 0) {
    size_t n = ps_is_string_type(col->type) ? ((size_t)rows + 1) * sizeof(int64_t)
                                            : (size_t)rows * ps_type_width(col->type);
    void *v = ps__calloc(1, n);
    if (!v) return PS_NOMEM();
    ps__free_mem(col->values);
    col->values = v;
    col->capacity = rows;
  }
  if (bytes > 0) PS_TRY(ps__column_reserve_bytes(col, bytes));
  return PS_OK;
}

int ps_csv_read_file(const char *path, const ps_csv_options *opt, ps_frame **out) {
  if (out) *out = NULL;
  if (!path || !out) return ps__error(PS_ERR_INVALID, "ps_csv_read_file: NULL argument");
  ps_csv_options defaults;
  memset(&defaults, 0, sizeof defaults);
  if (!opt) opt = &defaults;
  char delim = opt->delimiter ? opt->delimiter : ',';
  if (delim == '"' || delim == '\r' || delim == '\n' || (unsigned char)delim >= 0x80)
    return ps__error(PS_ERR_INVALID, "%s: invalid CSV delimiter 0x%02x", path, (unsigned)(unsigned char)delim);

  csv_input in;
  PS_TRY(input_open(path, &in));
  reader r;
  memset(&r, 0, sizeof r);
  r.path = path;
  ps_frame *fr = NULL;
  int rc = PS_OK;

  const char *p = in.data, *end = in.data + in.size;
  if (in.size >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  if (p == end) {
    rc = ps__error(PS_ERR_PARSE, "%s: empty file (no header line)", path);
    goto fail;
  }
  r.t.end = end;
  r.t.delim = delim;
  r.t.special[(uint8_t)delim] = 1;
  r.t.special['\r'] = 1;
  r.t.special['\n'] = 1;

  r.data_line = 1;
  PS_CHECK(read_header(&r, p, 1, opt->no_header));
  if (opt->index) {
    int found = 0;
    for (int i = 0; i < r.ncols && !found; i++) found = strcmp(r.cols[i].name, opt->index) == 0;
    if (!found) {
      rc = ps__error(PS_ERR_NOT_FOUND, "%s: index column '%s' is not in the header", path, opt->index);
      goto fail;
    }
  }
  PS_CHECK(pass1(&r));

  PS_CHECK(ps_frame_new(&fr));
  for (int i = 0; i < r.ncols; i++) {
    colinfo *ci = &r.cols[i];
    unsigned m = ci->possible;
    ps_type type = PS_TYPE_STRING;
    const char *tz = NULL;
    if (!ci->quoted && ci->nonnull > 0 && m) {
      if (m & T_INT)
        type = PS_TYPE_INT64;
      else if (m & T_FLOAT)
        type = PS_TYPE_FLOAT64;
      else if (m & T_BOOL)
        type = PS_TYPE_BOOL;
      else if (m & T_TSZ) {
        type = PS_TYPE_TIMESTAMP;
        tz = "UTC";
      } else if (m & T_TSN)
        type = PS_TYPE_TIMESTAMP;
    }
    ci->type = type;
    rc = ps_frame_add_column(fr, ci->name, type, PS_UNIT_NS, tz, &ci->col);
    if (rc == PS_ERR_EXISTS) rc = ps__error(PS_ERR_PARSE, "%s: column %d: duplicate column name '%s'", path, i + 1, ci->name);
    if (rc < 0) goto fail;
    ps_column *col = ci->col;
    PS_CHECK(reserve_exact(col, r.nrows, type == PS_TYPE_STRING ? ci->bytes : 0));
    if (ci->nulls) PS_CHECK(ps__column_make_validity(col)); /* all bits clear: length is 0 */
  }
  PS_CHECK(pass2(&r));
  for (int i = 0; i < r.ncols; i++) {
    ps_column *col = r.cols[i].col;
    col->length = r.nrows;
    if (col->null_count != r.cols[i].nulls) {
      rc = changed(&r);
      goto fail;
    }
  }
  PS_CHECK(ps_frame_validate(fr));
  if (opt->index) {
    rc = ps_frame_set_index(fr, opt->index);
    if (rc < 0) {
      rc = ps__error(rc, "%s: index column '%s' is not in the header", path, opt->index);
      goto fail;
    }
  }
  reader_free(&r);
  input_close(&in);
  *out = fr;
  return PS_OK;

fail:
  ps_frame_free(fr);
  reader_free(&r);
  input_close(&in);
  return rc;
}

/* ------------------------------------------------------------------------
 * Writer
 * ---------------------------------------------------------------------- */
typedef struct writer {
  int fd;
  const char *tmp;
  ps_buf b;
} writer;

#define WBUF_FLUSH (1u << 20)

static int wflush(writer *w) {
  if (w->b.len) PS_TRY(ps_write_all(w->fd, w->b.data, w->b.len, w->tmp));
  w->b.len = 0;
  return PS_OK;
}

static int needs_quotes(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') return 1;
  return 0;
}

/* Append s quoted (doubling quotes). */
static int put_quoted(ps_buf *b, const char *s, size_t n) {
  PS_TRY(ps_buf_reserve(b, 2 * n + 2));
  uint8_t *o = b->data + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') *o++ = '"';
    *o++ = (uint8_t)s[i];
  }
  *o++ = '"';
  b->len = (size_t)(o - b->data);
  return PS_OK;
}

static size_t fmt_u64(char *buf, uint64_t v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  return n;
}

static size_t fmt_i64(char *buf, int64_t v) {
  if (v < 0) {
    buf[0] = '-';
    return 1 + fmt_u64(buf + 1, (uint64_t)0 - (uint64_t)v);
  }
  return fmt_u64(buf, (uint64_t)v);
}

static int put_value(ps_buf *b, const ps_column *c, int64_t i) {
  char tmp[64];
  size_t n = 0;
  const void *v = c->values;
  switch (c->type) {
    case PS_TYPE_BOOL:
      if (((const uint8_t *)v)[i])
        return ps_buf_append(b, "true", 4);
      return ps_buf_append(b, "false", 5);
    case PS_TYPE_INT8: n = fmt_i64(tmp, ((const int8_t *)v)[i]); break;
    case PS_TYPE_INT16: n = fmt_i64(tmp, ((const int16_t *)v)[i]); break;
    case PS_TYPE_INT32: n = fmt_i64(tmp, ((const int32_t *)v)[i]); break;
    case PS_TYPE_INT64: n = fmt_i64(tmp, ((const int64_t *)v)[i]); break;
    case PS_TYPE_UINT8: n = fmt_u64(tmp, ((const uint8_t *)v)[i]); break;
    case PS_TYPE_UINT16: n = fmt_u64(tmp, ((const uint16_t *)v)[i]); break;
    case PS_TYPE_UINT32: n = fmt_u64(tmp, ((const uint32_t *)v)[i]); break;
    case PS_TYPE_UINT64: n = fmt_u64(tmp, ((const uint64_t *)v)[i]); break;
    case PS_TYPE_FLOAT32: n = ps_format_float(tmp, ((const float *)v)[i]); break;
    case PS_TYPE_FLOAT64: n = ps_format_double(tmp, ((const double *)v)[i]); break;
    case PS_TYPE_TIMESTAMP: n = ps_format_timestamp(tmp, ((const int64_t *)v)[i], c->unit, c->tz != NULL); break;
    case PS_TYPE_DATE: n = ps_format_date(tmp, ((const int32_t *)v)[i]); break;
    case PS_TYPE_STRING: {
      const int64_t *off = v;
      return put_quoted(b, c->bytes ? c->bytes + off[i] : "", (size_t)(off[i + 1] - off[i]));
    }
    case PS_TYPE_BINARY: {
      static const char hex[] = "0123456789abcdef";
      const int64_t *off = v;
      size_t len = (size_t)(off[i + 1] - off[i]);
      const uint8_t *s = (const uint8_t *)(c->bytes ? c->bytes + off[i] : "");
      PS_TRY(ps_buf_reserve(b, 2 * len + 4));
      uint8_t *o = b->data + b->len;
      *o++ = '"';
      *o++ = '\\';
      *o++ = 'x';
      for (size_t k = 0; k < len; k++) {
        *o++ = (uint8_t)hex[s[k] >> 4];
        *o++ = (uint8_t)hex[s[k] & 15];
      }
      *o++ = '"';
      b->len = (size_t)(o - b->data);
      return PS_OK;
    }
  }
  return ps_buf_append(b, tmp, n);
}

static int write_body(writer *w, const ps_frame *fr, int header) {
  ps_buf *b = &w->b;
  int nc = fr->ncols;
  for (int j = 0; header && j < nc; j++) {
    if (j) PS_TRY(ps_buf_append_byte(b, ','));
    const char *name = fr->cols[j]->name;
    size_t n = strlen(name);
    /* quote names that need it, and a first name starting with a BOM (the reader skips one) */
    if (needs_quotes(name, n) || (j == 0 && n >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0))
      PS_TRY(put_quoted(b, name, n));
    else
      PS_TRY(ps_buf_append(b, name, n));
  }
  if (header) PS_TRY(ps_buf_append_byte(b, '\n'));
  int64_t rows = fr->nrows;
  for (int64_t i = 0; i < rows; i++) {
    for (int j = 0; j < nc; j++) {
      const ps_column *c = fr->cols[j];
      if (j) PS_TRY(ps_buf_append_byte(b, ','));
      if (c->validity && !ps_bit_get(c->validity, i)) continue; /* null: empty field */
      PS_TRY(put_value(b, c, i));
    }
    PS_TRY(ps_buf_append_byte(b, '\n'));
    if (b->len >= WBUF_FLUSH) PS_TRY(wflush(w));
  }
  return wflush(w);
}

int ps__csv_write_stdout(const ps_frame *frame, int header) {
  writer w;
  memset(&w, 0, sizeof w);
  w.tmp = (char *)"standard output";
  w.fd = STDOUT_FILENO;
  fflush(stdout); /* keep order with anything printed through stdio */
  int rc = write_body(&w, frame, header);
  ps_buf_free(&w.b);
  return rc;
}

int ps_csv_write_file(const char *path, const ps_frame *frame) {
  if (!path || !frame) return ps__error(PS_ERR_INVALID, "ps_csv_write_file: NULL argument");
  if (frame->ncols == 0) return ps__error(PS_ERR_INVALID, "%s: frame has no columns", path);
  for (int j = 0; j < frame->ncols; j++)
    if (frame->cols[j]->length != frame->nrows)
      return ps__error(PS_ERR_SCHEMA, "%s: column '%s' has %lld rows but the frame has %lld", path,
                       frame->cols[j]->name, (long long)frame->cols[j]->length, (long long)frame->nrows);
  if (strcmp(path, "-") == 0) return ps__csv_write_stdout(frame, 1); /* no temporary, no rename */
  char *tmp = ps_temp_name(path);
  if (!tmp) return PS_NOMEM();
  writer w;
  memset(&w, 0, sizeof w);
  w.tmp = tmp;
  w.fd = ps__io_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (w.fd < 0) {
    int e = errno;
    int code = ps_status_from_errno(e);
    if (code != PS_ERR_NOT_FOUND && code != PS_ERR_NOSPACE && code != PS_ERR_PERMISSION) code = PS_ERR_IO;
    int rc = ps__error(code, "%s: cannot create %s: %s", path, tmp, strerror(e));
    ps__free_mem(tmp);
    return rc;
  }
  int rc = write_body(&w, frame, 1);
  if (rc == PS_OK) rc = ps_fsync_fd(w.fd, tmp);
  if (close(w.fd) != 0 && rc == PS_OK) {
    int e = errno;
    rc = ps__error(ps_status_from_write_errno(e), "%s: close failed: %s", tmp, strerror(e));
  }
  if (rc == PS_OK && ps__io_rename(tmp, path) != 0) {
    int e = errno;
    rc = ps__error(ps_status_from_write_errno(e), "%s: cannot rename %s into place: %s", path, tmp, strerror(e));
  }
  if (rc < 0) ps__io_unlink(tmp); /* the target is untouched */
  ps_buf_free(&w.b);
  ps__free_mem(tmp);
  return rc;
}
