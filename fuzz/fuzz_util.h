/* Helpers shared by the fuzz targets: a cursor over the input bytes, a
 * frame generator and Parquet write options derived from the input, and an
 * exact (bitwise) frame comparison. Header-only, every function static
 * inline, so a target includes just what it uses and builds as one file
 * (libFuzzer binary and the corpus replay driver alike). */
#ifndef PS_FUZZ_UTIL_H
#define PS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pystore.h"

/* A violated invariant: say which and where, then abort() so that
 * libFuzzer (and the replay driver) report the input as a crash. */
#define FZ_CHECK(cond)                                 \
  do {                                                 \
    if (!(cond)) fz_fail(__FILE__, __LINE__, #cond); \
  } while (0)

static inline void fz_fail(const char *file, int line, const char *what) {
  fprintf(stderr, "%s:%d: invariant violated: %s\n  last error: %s\n", file, line, what, ps_errmsg());
  abort();
}

static inline void *fz_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

/* Exact-size copy of the input plus a NUL (ASan sees any over-read of the
 * bytes; text parsers get a C string). */
static inline char *fz_strndup(const uint8_t *data, size_t size) {
  char *s = fz_malloc(size + 1);
  if (size) memcpy(s, data, size);
  s[size] = 0;
  return s;
}

/* "/tmp/ps_fuzz_<tag>_<pid><suffix>": per process, so parallel fuzzing
 * jobs (-jobs=N) never share files. */
static inline void fz_temp_path(char *buf, size_t size, const char *tag, const char *suffix) {
  snprintf(buf, size, "/tmp/ps_fuzz_%s_%ld%s", tag, (long)getpid(), suffix);
}

/* ---- input cursor: past the end every read gives zeros ---- */
typedef struct fz_input {
  const uint8_t *p;
  size_t n, pos;
} fz_input;

static inline fz_input fz_input_make(const uint8_t *data, size_t size) {
  fz_input in = {data, size, 0};
  return in;
}
static inline size_t fz_left(const fz_input *in) { return in->n - in->pos; }
static inline uint8_t fz_u8(fz_input *in) { return in->pos < in->n ? in->p[in->pos++] : 0; }
static inline uint16_t fz_u16(fz_input *in) {
  uint16_t lo = fz_u8(in);
  return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}
static inline uint32_t fz_u32(fz_input *in) {
  uint32_t lo = fz_u16(in);
  return lo | (uint32_t)fz_u16(in) << 16;
}
static inline uint64_t fz_u64(fz_input *in) {
  uint64_t lo = fz_u32(in);
  return lo | (uint64_t)fz_u32(in) << 32;
}
/* Up to `max` bytes (fewer at the end of the input); *len receives the count. */
static inline const uint8_t *fz_bytes(fz_input *in, size_t max, size_t *len) {
  size_t n = fz_left(in) < max ? fz_left(in) : max;
  const uint8_t *p = in->p + in->pos;
  in->pos += n;
  *len = n;
  return p;
}

/* ---- frames from bytes ----
 * Layout: [ncols][nrows lo][nrows hi][index], then per column
 * [type][unit/zone][null mode][value mode][nullable], then the cells,
 * row by row, each taking what its type needs. Every type of the API
 * appears, with nulls, empty strings, NaN (with payloads), -0.0, infinities,
 * denormals, extreme integers, all time units and several zones. */
#define FZ_MAX_COLS 7
#define FZ_MAX_CELLS 3000

static const char *const FZ_COL_NAMES[] = {"ts",     "price", "volume", "flag",     "sym",
                                           "note",   "日経225", "a \"q\" \\ b", "__index_level_0__", "x.y"};
#define FZ_NUM_NAMES ((int)(sizeof FZ_COL_NAMES / sizeof FZ_COL_NAMES[0]))
static const char *const FZ_ZONES[] = {NULL, "UTC", "America/New_York", "Asia/Kolkata", "Etc/GMT+5"};
#define FZ_NUM_ZONES ((int)(sizeof FZ_ZONES / sizeof FZ_ZONES[0]))
static const char *const FZ_WORDS[] = {"", "a", "AAPL", "MSFT", "é", "日経", "with space", "\"quoted\"", "x\ny"};
#define FZ_NUM_WORDS ((int)(sizeof FZ_WORDS / sizeof FZ_WORDS[0]))

static const uint64_t FZ_SPECIAL_F64[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL, /* +0.0, -0.0 */
    0x7FF8000000000000ULL, 0xFFF8000000000000ULL, /* NaN, -NaN */
    0x7FF0000000000001ULL, 0x7FF80000DEADBEEFULL, /* signalling NaN, NaN with payload */
    0x7FF0000000000000ULL, 0xFFF0000000000000ULL, /* inf, -inf */
    0x0000000000000001ULL, 0x7FEFFFFFFFFFFFFFULL, /* smallest denormal, DBL_MAX */
    0x3FF0000000000000ULL, 0xBFF8000000000000ULL, /* 1.0, -1.5 */
};
static const uint32_t FZ_SPECIAL_F32[] = {
    0x00000000u, 0x80000000u, 0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7FC0BEEFu,
    0x7F800000u, 0xFF800000u, 0x00000001u, 0x7F7FFFFFu, 0x3F800000u, 0xBFC00000u,
};
#define FZ_NUM_SPECIAL 12

typedef struct fz_frame_notes {
  int big_seconds;  /* a seconds timestamp that does not fit in milliseconds */
  int sub_micros;   /* a ns timestamp with sub-microsecond digits */
} fz_frame_notes;

static inline int64_t fz_int_value(fz_input *in, int mode, int64_t row) {
  switch (mode) {
    case 0: return (int64_t)(fz_u8(in) % 5) - 2;            /* few distinct: dictionary */
    case 1: return (int64_t)fz_u64(in);                     /* anything */
    case 2: return row * 3 + (int64_t)(fz_u8(in) % 3);      /* sorted: delta, index-like */
    default: {                                              /* extremes */
      static const int64_t ex[] = {INT64_MIN, INT64_MAX, -1, 0, 1, INT32_MIN, INT32_MAX, 255, -128, 65535};
      return ex[fz_u8(in) % 10];
    }
  }
}

/* Append one non-null cell to `c` from the input. */
static inline int fz_append_cell(fz_input *in, ps_column *c, int mode, int64_t row, fz_frame_notes *notes) {
  ps_type t = ps_column_type(c);
  switch (t) {
    case PS_TYPE_BOOL: return ps_column_append_bool(c, fz_u8(in) & 1);
    case PS_TYPE_INT8: return ps_column_append_int(c, (int8_t)fz_int_value(in, mode, row));
    case PS_TYPE_INT16: return ps_column_append_int(c, (int16_t)fz_int_value(in, mode, row));
    case PS_TYPE_INT32: return ps_column_append_int(c, (int32_t)fz_int_value(in, mode, row));
    case PS_TYPE_DATE: return ps_column_append_int(c, (int32_t)fz_int_value(in, mode, row));
    case PS_TYPE_INT64: return ps_column_append_int(c, fz_int_value(in, mode, row));
    case PS_TYPE_UINT8: return ps_column_append_int(c, (uint8_t)fz_int_value(in, mode, row));
    case PS_TYPE_UINT16: return ps_column_append_int(c, (uint16_t)fz_int_value(in, mode, row));
    case PS_TYPE_UINT32: return ps_column_append_int(c, (uint32_t)fz_int_value(in, mode, row));
    case PS_TYPE_UINT64: return ps_column_append_uint(c, (uint64_t)fz_int_value(in, mode, row));
    case PS_TYPE_TIMESTAMP: {
      int64_t v = fz_int_value(in, mode, row);
      if (mode == 2) v *= 1000; /* whole microseconds: round-trips at any unit */
      if (ps_column_unit(c) == PS_UNIT_S && (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)) notes->big_seconds = 1;
      if (ps_column_unit(c) == PS_UNIT_NS && v % 1000 != 0) notes->sub_micros = 1;
      return ps_column_append_int(c, v);
    }
    case PS_TYPE_FLOAT32: {
      uint32_t b = mode == 3 ? FZ_SPECIAL_F32[fz_u8(in) % FZ_NUM_SPECIAL] : mode == 1 ? fz_u32(in) : 0;
      float f;
      if (mode == 0 || mode == 2) f = (float)(mode == 2 ? row : (int64_t)(fz_u8(in) % 4)) * 0.5f;
      else memcpy(&f, &b, 4);
      /* the bulk append copies the bits: signalling NaNs stay signalling */
      return ps_column_append_values(c, &f, NULL, NULL, 1);
    }
    case PS_TYPE_FLOAT64: {
      uint64_t b = mode == 3 ? FZ_SPECIAL_F64[fz_u8(in) % FZ_NUM_SPECIAL] : mode == 1 ? fz_u64(in) : 0;
      double d;
      if (mode == 0 || mode == 2) d = (double)(mode == 2 ? row : (int64_t)(fz_u8(in) % 4)) * 0.25;
      else memcpy(&d, &b, 8);
      return ps_column_append_values(c, &d, NULL, NULL, 1);
    }
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY: {
      const char *w;
      size_t len;
      if (mode == 0 || mode == 3) {
        w = FZ_WORDS[fz_u8(in) % FZ_NUM_WORDS];
        len = strlen(w);
      } else {
        w = (const char *)fz_bytes(in, fz_u8(in) % 48, &len);
      }
      return ps_column_append_string(c, w, len);
    }
  }
  return PS_ERR_INVALID;
}

/* A frame of up to FZ_MAX_COLS columns (all types) from the input. Never
 * fails on any input except out of memory (then NULL). */
static inline ps_frame *fz_make_frame(fz_input *in, fz_frame_notes *notes) {
  memset(notes, 0, sizeof *notes);
  ps_frame *f;
  if (ps_frame_new(&f) != PS_OK) return NULL;
  int ncols = 1 + fz_u8(in) % FZ_MAX_COLS;
  int64_t nrows = fz_u16(in) % 400;
  if (nrows * ncols > FZ_MAX_CELLS) nrows = FZ_MAX_CELLS / ncols;
  int index = (int)fz_u8(in) % (ncols + 1) - 1; /* -1: none */
  int name0 = fz_u8(in);
  ps_column *cols[FZ_MAX_COLS];
  int null_mode[FZ_MAX_COLS], value_mode[FZ_MAX_COLS];
  for (int i = 0; i < ncols; i++) {
    ps_type t = (ps_type)(1 + fz_u8(in) % 15);
    uint8_t tu = fz_u8(in);
    ps_time_unit unit = (ps_time_unit)(tu & 3);
    const char *tz = FZ_ZONES[(tu >> 2) % FZ_NUM_ZONES];
    null_mode[i] = fz_u8(in) % 4;
    value_mode[i] = fz_u8(in) % 4;
    int nullable = fz_u8(in) % 4 != 0;
    if (!nullable) null_mode[i] = 0;
    if (ps_frame_add_column(f, FZ_COL_NAMES[(name0 + i) % FZ_NUM_NAMES], t, unit, tz, &cols[i]) != PS_OK ||
        ps_column_set_nullable(cols[i], nullable) != PS_OK)
      goto fail;
  }
  for (int64_t r = 0; r < nrows; r++) {
    for (int i = 0; i < ncols; i++) {
      int null = 0;
      if (null_mode[i] == 1) null = fz_u8(in) < 24;
      else if (null_mode[i] == 2) null = fz_u8(in) & 1;
      else if (null_mode[i] == 3) null = 1;
      int rc = null ? ps_column_append_null(cols[i]) : fz_append_cell(in, cols[i], value_mode[i], r, notes);
      if (rc != PS_OK) goto fail;
    }
  }
  if (index >= 0 && ps_frame_set_index(f, ps_column_name(cols[index])) != PS_OK) goto fail;
  if (ps_frame_validate(f) != PS_OK) goto fail;
  return f;
fail:
  fprintf(stderr, "fz_make_frame: %s\n", ps_errmsg());
  abort(); /* the generator only makes valid frames: a failure is a bug in the frame API */
}

/* Write options from 12 input bytes: every codec (with fast levels), tiny
 * pages and row groups so that files have many of both, dictionary with and
 * without fallback, V1/V2 pages, delta, byte stream split, page index and
 * page CRCs each on/off/auto. One encoder thread (fuzzing runs one core). */
static inline void fz_write_options(fz_input *in, ps_write_options *o) {
  memset(o, 0, sizeof *o);
  o->codec = (ps_codec)(fz_u8(in) % 7);
  o->codec_level = o->codec == PS_CODEC_BROTLI || o->codec == PS_CODEC_GZIP || o->codec == PS_CODEC_ZSTD ? fz_u8(in) % 4 : 0;
  if (o->codec == PS_CODEC_BROTLI && o->codec_level == 0) o->codec_level = 1; /* the default (5) is slow */
  uint16_t rg = fz_u16(in);
  o->row_group_rows = rg % 4 == 0 ? 0 : 1 + rg % 257;
  uint16_t pb = fz_u16(in);
  o->page_bytes = pb % 4 == 0 ? 0 : 1 + pb % 2048;
  uint8_t fl = fz_u8(in);
  o->data_page_v2 = fl & 1;
  o->timestamp_micros = (fl & 0x0E) == 0x0E; /* rare: 1 in 8 */
  o->dictionary = (ps_switch)(fz_u8(in) % 3);
  uint16_t db = fz_u16(in);
  o->dictionary_bytes = db % 3 == 0 ? 0 : 1 + db % 512;
  o->delta = (ps_switch)(fz_u8(in) % 3);
  o->byte_stream_split = (ps_switch)(fz_u8(in) % 3);
  o->page_index = (ps_switch)(fz_u8(in) % 3);
  o->page_checksum = (ps_switch)(fz_u8(in) % 3);
  o->threads = 1;
}

/* Read a whole file into an exact-size allocation (ASan sees over-reads of
 * a buffer passed to ps_parquet_open_buffer). NULL if unreadable. */
static inline uint8_t *fz_read_file(const char *path, size_t *size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  uint8_t *buf = n >= 0 ? fz_malloc((size_t)n) : NULL;
  if (buf && n > 0 && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(fp);
  if (buf) *size = (size_t)n;
  return buf;
}

/* ---- exact comparison ----
 * Rows [a_from, a_from + n) of column a against rows [b_from, b_from + n)
 * of column b: null vs value, bitwise values (floats: NaN payloads and the
 * sign of zero), string bytes (empty vs null). `div` divides a's values
 * first (1 = none; 1000 for ns written as us). Aborts naming the first
 * difference. */
static inline void fz_column_equal(const ps_column *a, int64_t a_from, const ps_column *b, int64_t b_from, int64_t n,
                                   int64_t div) {
  const char *name = ps_column_name(a);
  ps_type t = ps_column_type(a);
  size_t w = ps_type_width(t);
  for (int64_t i = 0; i < n; i++) {
    int64_t ra = a_from + i, rb = b_from + i;
    int na = ps_column_is_null(a, ra), nb = ps_column_is_null(b, rb);
    int same = na == nb;
    if (same && !na) {
      if (t == PS_TYPE_STRING || t == PS_TYPE_BINARY) {
        size_t la, lb;
        const char *sa = ps_column_string(a, ra, &la), *sb = ps_column_string(b, rb, &lb);
        same = la == lb && (la == 0 || memcmp(sa, sb, la) == 0);
      } else if (div != 1) {
        same = ((const int64_t *)ps_column_values(a))[ra] / div == ((const int64_t *)ps_column_values(b))[rb];
      } else {
        same = memcmp((const char *)ps_column_values(a) + (size_t)ra * w,
                      (const char *)ps_column_values(b) + (size_t)rb * w, w) == 0;
      }
    }
    if (!same) {
      fprintf(stderr, "column '%s' (%s): row %lld written, row %lld read back differ (null %d vs %d)\n", name,
              ps_type_name(t), (long long)ra, (long long)rb, na, nb);
      abort();
    }
  }
}

static inline int fz_str_eq(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

/* Column `a` as written vs `b` as read back: name, type, unit, zone,
 * nullability. `micros`: the file stores ns timestamps as us. */
static inline void fz_column_meta_equal(const ps_column *a, const ps_column *b, int micros) {
  ps_time_unit ua = ps_column_unit(a);
  if (micros && ps_column_type(a) == PS_TYPE_TIMESTAMP && ua == PS_UNIT_NS) ua = PS_UNIT_US;
  if (strcmp(ps_column_name(a), ps_column_name(b)) != 0 || ps_column_type(a) != ps_column_type(b) ||
      (ps_column_type(a) == PS_TYPE_TIMESTAMP && (ua != ps_column_unit(b) || !fz_str_eq(ps_column_tz(a), ps_column_tz(b)))) ||
      ps_column_nullable(a) != ps_column_nullable(b)) {
    fprintf(stderr, "column '%s' %s/%d/%s/nullable %d read back as '%s' %s/%d/%s/nullable %d\n", ps_column_name(a),
            ps_type_name(ps_column_type(a)), (int)ua, ps_column_tz(a) ? ps_column_tz(a) : "-", ps_column_nullable(a),
            ps_column_name(b), ps_type_name(ps_column_type(b)), (int)ps_column_unit(b),
            ps_column_tz(b) ? ps_column_tz(b) : "-", ps_column_nullable(b));
    abort();
  }
}

/* Whole frames: same columns (names, types, units, zones, order), same
 * index mark, rows [a_from, a_from + n) of `a` equal to all rows of `b`. */
static inline void fz_frame_equal(const ps_frame *a, int64_t a_from, int64_t n, const ps_frame *b, int micros) {
  FZ_CHECK(ps_frame_num_columns(a) == ps_frame_num_columns(b));
  FZ_CHECK(ps_frame_num_rows(b) == n);
  FZ_CHECK(ps_frame_index(a) == ps_frame_index(b));
  for (int i = 0; i < ps_frame_num_columns(a); i++) {
    const ps_column *ca = ps_frame_column(a, i), *cb = ps_frame_column(b, i);
    fz_column_meta_equal(ca, cb, micros);
    FZ_CHECK(ps_column_length(cb) == n);
    int64_t div = micros && ps_column_type(ca) == PS_TYPE_TIMESTAMP && ps_column_unit(ca) == PS_UNIT_NS ? 1000 : 1;
    fz_column_equal(ca, a_from, cb, 0, n, div);
  }
}

#endif
