/*
 * interop_tool — the C half of the DuckDB/Polars interop tests (run.sh).
 * Uses the public API (pystore.h) only.
 *
 *   interop_tool cases
 *       Prints the matrix of test files (names and write options) as JSON.
 *   interop_tool write OUTDIR [CASE...]
 *       Writes the named cases (default: all) as OUTDIR/<case>.parquet and,
 *       for each, OUTDIR/<case>.expected.json: the frame that was written,
 *       dumped from memory before writing (independent of our reader).
 *       Prints {"cases": [...]} with each case's options and write status.
 *   interop_tool dump FILE [--columns a,b,...] [--where EXPR]
 *       Reads FILE with our reader and prints the canonical JSON below.
 *   interop_tool describe FILE
 *       Prints ps_parquet_describe's JSON (for debugging).
 *
 * Canonical JSON:
 *   {"num_rows": N, "columns": [{"name": "x", "type": "int64", "unit": null,
 *     "tz": null, "nullable": true, "values": [...]}, ...]}
 * Values: null for a null; true/false for bool; integers, dates (days) and
 * timestamps (count of `unit`) as decimal strings; floats as strings
 * ("%.17g" of the value widened to double, "NaN", "Infinity", "-Infinity",
 * "-0"); strings as JSON strings (invalid UTF-8 as {"invalid_utf8": "hex"});
 * binary as lowercase hex strings.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pystore.h"

static int fail(const char *what, int rc) {
  fprintf(stderr, "interop_tool: %s: %s (%s): %s\n", what, ps_status_name(rc), ps_strerror(rc), ps_errmsg());
  return 1;
}

/* ---------------------------------------------------------------- JSON out */

static void json_str(FILE *o, const char *s, size_t n) {
  fputc('"', o);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"') fputs("\\\"", o);
    else if (c == '\\') fputs("\\\\", o);
    else if (c < 0x20 || c == 0x7f) fprintf(o, "\\u%04x", c);
    else fputc(c, o);
  }
  fputc('"', o);
}

static void hex_str(FILE *o, const char *s, size_t n) {
  fputc('"', o);
  for (size_t i = 0; i < n; i++) fprintf(o, "%02x", (unsigned char)s[i]);
  fputc('"', o);
}

/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; }
    else return 0;
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (s[i + j] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3f);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000)) return 0;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += k + 1;
  }
  return 1;
}

static void float_str(FILE *o, double v) {
  if (isnan(v)) fputs("\"NaN\"", o);
  else if (isinf(v)) fputs(v > 0 ? "\"Infinity\"" : "\"-Infinity\"", o);
  else if (v == 0) fputs(signbit(v) ? "\"-0\"" : "\"0\"", o);
  else fprintf(o, "\"%.17g\"", v);
}

static const char *unit_name(ps_time_unit u) {
  switch (u) {
    case PS_UNIT_S: return "s";
    case PS_UNIT_MS: return "ms";
    case PS_UNIT_US: return "us";
    default: return "ns";
  }
}

static void dump_value(FILE *o, const ps_column *c, int64_t r) {
  if (ps_column_is_null(c, r)) { fputs("null", o); return; }
  const void *v = ps_column_values(c);
  switch (ps_column_type(c)) {
    case PS_TYPE_BOOL: fputs(((const uint8_t *)v)[r] ? "true" : "false", o); break;
    case PS_TYPE_INT8: fprintf(o, "\"%d\"", ((const int8_t *)v)[r]); break;
    case PS_TYPE_INT16: fprintf(o, "\"%d\"", ((const int16_t *)v)[r]); break;
    case PS_TYPE_INT32: fprintf(o, "\"%" PRId32 "\"", ((const int32_t *)v)[r]); break;
    case PS_TYPE_INT64: fprintf(o, "\"%" PRId64 "\"", ((const int64_t *)v)[r]); break;
    case PS_TYPE_UINT8: fprintf(o, "\"%u\"", ((const uint8_t *)v)[r]); break;
    case PS_TYPE_UINT16: fprintf(o, "\"%u\"", ((const uint16_t *)v)[r]); break;
    case PS_TYPE_UINT32: fprintf(o, "\"%" PRIu32 "\"", ((const uint32_t *)v)[r]); break;
    case PS_TYPE_UINT64: fprintf(o, "\"%" PRIu64 "\"", ((const uint64_t *)v)[r]); break;
    case PS_TYPE_FLOAT32: float_str(o, (double)((const float *)v)[r]); break;
    case PS_TYPE_FLOAT64: float_str(o, ((const double *)v)[r]); break;
    case PS_TYPE_TIMESTAMP: fprintf(o, "\"%" PRId64 "\"", ((const int64_t *)v)[r]); break;
    case PS_TYPE_DATE: fprintf(o, "\"%" PRId32 "\"", ((const int32_t *)v)[r]); break;
    case PS_TYPE_STRING: {
      size_t n;
      const char *s = ps_column_string(c, r, &n);
      if (valid_utf8((const unsigned char *)s, n)) {
        json_str(o, s, n);
      } else {
        fputs("{\"invalid_utf8\": ", o);
        hex_str(o, s, n);
        fputc('}', o);
      }
      break;
    }
    case PS_TYPE_BINARY: {
      size_t n;
      const char *s = ps_column_string(c, r, &n);
      hex_str(o, s, n);
      break;
    }
    default: fputs("\"?\"", o); break;
  }
}

static void dump_frame(FILE *o, const ps_frame *f) {
  int64_t rows = ps_frame_num_rows(f);
  int ncols = ps_frame_num_columns(f);
  int index = ps_frame_index(f);
  fprintf(o, "{\"num_rows\": %" PRId64 ", \"index\": ", rows);
  if (index >= 0) {
    const char *n = ps_column_name(ps_frame_column(f, index));
    json_str(o, n, strlen(n));
  } else {
    fputs("null", o);
  }
  fputs(", \"columns\": [", o);
  for (int i = 0; i < ncols; i++) {
    const ps_column *c = ps_frame_column(f, i);
    const char *name = ps_column_name(c);
    ps_type t = ps_column_type(c);
    fputs(i ? ",\n {\"name\": " : "\n {\"name\": ", o);
    json_str(o, name, strlen(name));
    fprintf(o, ", \"type\": \"%s\", \"unit\": ", ps_type_name(t));
    if (t == PS_TYPE_TIMESTAMP) fprintf(o, "\"%s\"", unit_name(ps_column_unit(c)));
    else fputs("null", o);
    fputs(", \"tz\": ", o);
    const char *tz = t == PS_TYPE_TIMESTAMP ? ps_column_tz(c) : NULL;
    if (tz) json_str(o, tz, strlen(tz));
    else fputs("null", o);
    fprintf(o, ", \"nullable\": %s, \"length\": %" PRId64 ", \"values\": [", ps_column_nullable(c) ? "true" : "false",
            ps_column_length(c));
    int64_t len = ps_column_length(c);
    for (int64_t r = 0; r < len; r++) {
      if (r) fputc(',', o);
      dump_value(o, c, r);
    }
    fputs("]}", o);
  }
  fputs("\n]}\n", o);
}

/* ------------------------------------------------------------ generator */

static uint64_t mix64(uint64_t x) { /* splitmix64 finaliser */
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
static uint64_t rnd(int col, int64_t row, int k) {
  return mix64(((uint64_t)(unsigned)col << 40) ^ ((uint64_t)k << 56) ^ (uint64_t)row ^ 0x5eedULL);
}

typedef struct gen_opts {
  int64_t rows;
  int nulls;      /* 1: OPTIONAL columns with nulls (+ an all-null column); 0: REQUIRED, no nulls */
  int index;      /* 1: mark "seq" as the frame index */
} gen_opts;

static int is_null_at(const gen_opts *g, int col, int64_t row) {
  if (!g->nulls) return 0;
  return (row * 31 + col * 17) % 7 == 3;
}

/* Special values first, then pseudo-random ones. */
static int64_t gen_signed(int bits, int col, int64_t r) {
  int64_t mn = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
  int64_t mx = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
  const int64_t sp[] = {mn, mx, 0, -1, 1, mn + 1, mx - 1};
  if (r < 7) return sp[r];
  uint64_t x = rnd(col, r, 0);
  if (r % 3 == 0) return (int64_t)(x % 11) - 5; /* small values */
  if (bits == 64) return (int64_t)x;
  uint64_t span = (uint64_t)1 << bits;
  return (int64_t)(x % span) + mn;
}

static uint64_t gen_unsigned(int bits, int col, int64_t r) {
  uint64_t mx = bits == 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1);
  const uint64_t sp[] = {0, mx, 1, mx - 1, mx / 2, mx / 2 + 1};
  if (r < 6) return sp[r];
  uint64_t x = rnd(col, r, 0);
  if (r % 3 == 0) return x % 7;
  return bits == 64 ? x : x % (mx + 1);
}

static double gen_double(int is32, int col, int64_t r) {
  const double sp64[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, DBL_MAX, -DBL_MAX, 4.9406564584124654e-324,
                         DBL_MIN, 0.1, -1.0 / 3.0, 1e300, 123456789.125};
  const double sp32[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, FLT_MAX, -FLT_MAX, 1.40129846e-45,
                         FLT_MIN, (double)0.1f, (double)(-1.0f / 3.0f), 1e30, 16777216.0};
  if (r < 13) return is32 ? sp32[r] : sp64[r];
  uint64_t x = rnd(col, r, 0);
  switch (r % 4) {
    case 0: return (double)((int64_t)(x % 2001) - 1000) / 8.0;
    case 1: { /* random bit pattern, finite only */
      if (is32) {
        uint32_t b = (uint32_t)(x >> 32);
        if (((b >> 23) & 0xff) == 0xff) b &= ~(1u << 30);
        float f;
        memcpy(&f, &b, sizeof f);
        return (double)f;
      }
      if (((x >> 52) & 0x7ff) == 0x7ff) x &= ~(1ULL << 62);
      double d;
      memcpy(&d, &x, sizeof d);
      return d;
    }
    default: {
      double d = ((double)(x >> 11) / 9007199254740992.0) * 2e6 - 1e6;
      return is32 ? (double)(float)d : d;
    }
  }
}

static int64_t per_second(ps_time_unit u) {
  return u == PS_UNIT_S ? 1 : u == PS_UNIT_MS ? 1000 : u == PS_UNIT_US ? 1000000 : 1000000000;
}

/* Timestamps within 1677..2262 so that every unit also fits in int64 ns. */
static int64_t gen_ts(ps_time_unit u, int col, int64_t r) {
  int64_t ps = per_second(u);
  switch (r) {
    case 0: return 0;
    case 1: return -1; /* 1969-12-31T23:59:59.999999999 (in ns) */
    case 2: return 1;
    case 3: return -9000000000LL * ps + 1;     /* 1684-10-.. */
    case 4: return 9000000000LL * ps + ps - 1; /* 2255-03-.. */
    case 5: return -2208988800LL * ps;          /* 1900-01-01 */
    case 6: return 1704186000LL * ps + (ps > 1 ? ps / 3 : 0); /* 2024-01-02T09:00:00.333.. */
    default: break;
  }
  uint64_t x = rnd(col, r, 0);
  int64_t sec = (int64_t)(x % 4000000000ULL) - 2000000000LL;
  int64_t frac = ps > 1 ? (int64_t)(rnd(col, r, 1) % (uint64_t)ps) : 0;
  return sec * ps + frac;
}

static int32_t gen_date(int col, int64_t r) {
  const int32_t sp[] = {0, -1, -719162, 2932896, -25567, 19724};
  if (r < 6) return sp[r];
  return (int32_t)(rnd(col, r, 0) % 80001) - 40000;
}

static const char *const str_pool[] = {
    "", "a", "A", "\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xf0\x9f\x98\x80 emoji \xf0\x9f\x8e\x89",
    "line\nbreak", "quote\" and back\\slash", "tab\tand\x01" "ctrl", "zzz", "\xce\xb1\xce\xb2\xce\xb3",
    "\xef\xbf\xbf", "trailing space ", "NULL", "null", "mid\xef\xbb\xbf" "bom"}; /* (a leading BOM is dropped by Node's UTF-8 decoder) */
#define STR_POOL_N (sizeof str_pool / sizeof str_pool[0])

static void gen_string(int col, int64_t r, char *buf, size_t *len) {
  if ((uint64_t)r < STR_POOL_N) {
    *len = strlen(str_pool[r]);
    memcpy(buf, str_pool[r], *len);
    return;
  }
  uint64_t x = rnd(col, r, 0);
  if (r % 4 == 0) { /* repeats */
    const char *s = str_pool[x % STR_POOL_N];
    *len = strlen(s);
    memcpy(buf, s, *len);
    return;
  }
  *len = (size_t)snprintf(buf, 64, "row-%" PRId64 "-%s", r, (x & 1) ? "\xc3\xbc\xc3\x9f" : "x");
}

static void gen_binary(int col, int64_t r, char *buf, size_t *len) {
  static const char *const sp[] = {"", "\x00", "\xff\xfe\x00\x01", "abc", "\x80\x81\x82\x83", "\x7f"};
  static const size_t spn[] = {0, 1, 4, 3, 4, 1};
  if (r < 6) {
    *len = spn[r];
    memcpy(buf, sp[r], *len);
    return;
  }
  uint64_t x = rnd(col, r, 0);
  *len = (size_t)(x % 13);
  for (size_t i = 0; i < *len; i++) buf[i] = (char)(rnd(col, r, (int)i + 1) & 0xff);
}

static const char *const dict_pool[] = {"AAPL", "MSFT", "IBM", "GOOG", ""};

typedef struct colspec {
  const char *name;
  ps_type type;
  ps_time_unit unit;
  const char *tz;
} colspec;

static const colspec columns[] = {
    {"seq", PS_TYPE_INT64, 0, NULL},
    {"b", PS_TYPE_BOOL, 0, NULL},
    {"i8", PS_TYPE_INT8, 0, NULL},
    {"i16", PS_TYPE_INT16, 0, NULL},
    {"i32", PS_TYPE_INT32, 0, NULL},
    {"i64", PS_TYPE_INT64, 0, NULL},
    {"u8", PS_TYPE_UINT8, 0, NULL},
    {"u16", PS_TYPE_UINT16, 0, NULL},
    {"u32", PS_TYPE_UINT32, 0, NULL},
    {"u64", PS_TYPE_UINT64, 0, NULL},
    {"f32", PS_TYPE_FLOAT32, 0, NULL},
    {"f64", PS_TYPE_FLOAT64, 0, NULL},
    {"ts_s", PS_TYPE_TIMESTAMP, PS_UNIT_S, NULL},
    {"ts_ms", PS_TYPE_TIMESTAMP, PS_UNIT_MS, NULL},
    {"ts_us", PS_TYPE_TIMESTAMP, PS_UNIT_US, NULL},
    {"ts_ns", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL},
    {"ts_s_utc", PS_TYPE_TIMESTAMP, PS_UNIT_S, "UTC"},
    {"ts_ms_utc", PS_TYPE_TIMESTAMP, PS_UNIT_MS, "UTC"},
    {"ts_us_utc", PS_TYPE_TIMESTAMP, PS_UNIT_US, "UTC"},
    {"ts_ns_utc", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC"},
    {"ts_s_ny", PS_TYPE_TIMESTAMP, PS_UNIT_S, "America/New_York"},
    {"ts_ms_ny", PS_TYPE_TIMESTAMP, PS_UNIT_MS, "America/New_York"},
    {"ts_us_ny", PS_TYPE_TIMESTAMP, PS_UNIT_US, "America/New_York"},
    {"ts_ns_ny", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "America/New_York"},
    {"d", PS_TYPE_DATE, 0, NULL},
    {"s", PS_TYPE_STRING, 0, NULL},
    {"s_dict", PS_TYPE_STRING, 0, NULL},
    {"bin", PS_TYPE_BINARY, 0, NULL},
    {"all_null", PS_TYPE_FLOAT64, 0, NULL}, /* only with nulls */
};
#define NCOLUMNS ((int)(sizeof columns / sizeof columns[0]))

static int bits_of(ps_type t) {
  switch (t) {
    case PS_TYPE_INT8: case PS_TYPE_UINT8: return 8;
    case PS_TYPE_INT16: case PS_TYPE_UINT16: return 16;
    case PS_TYPE_INT32: case PS_TYPE_UINT32: return 32;
    default: return 64;
  }
}

static int append_generated(ps_column *c, const colspec *cs, int ci, int64_t r) {
  char buf[128];
  size_t len;
  if (strcmp(cs->name, "seq") == 0) return ps_column_append_int(c, r * 1000 - 5000);
  if (strcmp(cs->name, "s_dict") == 0) {
    const char *s = dict_pool[(r / 3) % 5];
    return ps_column_append_string(c, s, strlen(s));
  }
  switch (cs->type) {
    case PS_TYPE_BOOL: return ps_column_append_bool(c, (int)(rnd(ci, r, 0) & 1) ^ (r % 5 == 0));
    case PS_TYPE_INT8: case PS_TYPE_INT16: case PS_TYPE_INT32: case PS_TYPE_INT64:
      return ps_column_append_int(c, gen_signed(bits_of(cs->type), ci, r));
    case PS_TYPE_UINT8: case PS_TYPE_UINT16: case PS_TYPE_UINT32:
      return ps_column_append_int(c, (int64_t)gen_unsigned(bits_of(cs->type), ci, r));
    case PS_TYPE_UINT64: return ps_column_append_uint(c, gen_unsigned(64, ci, r));
    case PS_TYPE_FLOAT32: return ps_column_append_double(c, gen_double(1, ci, r));
    case PS_TYPE_FLOAT64: return ps_column_append_double(c, gen_double(0, ci, r));
    case PS_TYPE_TIMESTAMP: return ps_column_append_int(c, gen_ts(cs->unit, ci, r));
    case PS_TYPE_DATE: return ps_column_append_int(c, gen_date(ci, r));
    case PS_TYPE_STRING: gen_string(ci, r, buf, &len); return ps_column_append_string(c, buf, len);
    case PS_TYPE_BINARY: gen_binary(ci, r, buf, &len); return ps_column_append_string(c, buf, len);
    default: return PS_ERR_INVALID;
  }
}

static int make_frame(const gen_opts *g, ps_frame **out) {
  ps_frame *f;
  int rc = ps_frame_new(&f);
  if (rc) return rc;
  for (int ci = 0; ci < NCOLUMNS; ci++) {
    const colspec *cs = &columns[ci];
    int all_null = strcmp(cs->name, "all_null") == 0;
    if (all_null && !g->nulls) continue;
    ps_column *c;
    rc = ps_frame_add_column(f, cs->name, cs->type, cs->unit, cs->tz, &c);
    if (rc) goto out;
    int seq = strcmp(cs->name, "seq") == 0;
    if (!g->nulls || seq) {
      rc = ps_column_set_nullable(c, g->nulls && seq ? 1 : 0);
      if (rc) goto out;
    }
    for (int64_t r = 0; r < g->rows; r++) {
      if (all_null || (!seq && is_null_at(g, ci, r))) rc = ps_column_append_null(c);
      else rc = append_generated(c, cs, ci, r);
      if (rc) goto out;
    }
  }
  if (g->index) {
    rc = ps_frame_set_index(f, "seq");
    if (rc) goto out;
  }
  rc = ps_frame_validate(f);
out:
  if (rc) {
    ps_frame_free(f);
    return rc;
  }
  *out = f;
  return PS_OK;
}

/* ------------------------------------------------------------ the matrix */

typedef struct wcase {
  char name[64];
  gen_opts g;
  ps_write_options o;
} wcase;

static const char *switch_name(ps_switch s) { return s == PS_ON ? "on" : s == PS_OFF ? "off" : "auto"; }

static void case_json(FILE *o, const wcase *wc, const char *status, const char *err) {
  fprintf(o, "{\"name\": \"%s\", \"file\": \"%s.parquet\", \"expected\": \"%s.expected.json\", ", wc->name, wc->name,
          wc->name);
  fprintf(o,
          "\"rows\": %" PRId64 ", \"nulls\": %s, \"index\": %s, \"codec\": \"%s\", \"data_page_v2\": %s, "
          "\"row_group_rows\": %" PRId64 ", \"page_bytes\": %" PRId64 ", \"dictionary\": \"%s\", \"delta\": \"%s\", "
          "\"byte_stream_split\": \"%s\", \"write_status\": \"%s\", \"write_error\": ",
          wc->g.rows, wc->g.nulls ? "true" : "false", wc->g.index ? "true" : "false",
          ps_codec_name(wc->o.codec == PS_CODEC_DEFAULT ? PS_CODEC_SNAPPY : wc->o.codec),
          wc->o.data_page_v2 ? "true" : "false", wc->o.row_group_rows ? wc->o.row_group_rows : 262144,
          wc->o.page_bytes, switch_name(wc->o.dictionary), switch_name(wc->o.delta),
          switch_name(wc->o.byte_stream_split), status);
  json_str(o, err, strlen(err));
  fputc('}', o);
}

/* Writes <name>.expected.json (the frame, from memory) and <name>.parquet.
 * A failed ps_parquet_write is reported in *status/err (the tests fail on it). */
static int write_case(const char *dir, const wcase *wc, FILE *out) {
  char path[4096], epath[4096];
  snprintf(path, sizeof path, "%s/%s.parquet", dir, wc->name);
  snprintf(epath, sizeof epath, "%s/%s.expected.json", dir, wc->name);
  ps_frame *f;
  int rc = make_frame(&wc->g, &f);
  if (rc) return fail(wc->name, rc);
  FILE *e = fopen(epath, "w");
  if (!e) {
    fprintf(stderr, "interop_tool: %s: %s\n", epath, strerror(errno));
    ps_frame_free(f);
    return 1;
  }
  dump_frame(e, f);
  if (fclose(e) != 0) {
    fprintf(stderr, "interop_tool: %s: %s\n", epath, strerror(errno));
    ps_frame_free(f);
    return 1;
  }
  rc = ps_parquet_write(path, f, &wc->o);
  ps_frame_free(f);
  const char *err = rc ? ps_errmsg() : "";
  case_json(out, wc, ps_status_name(rc), err);
  if (rc) fprintf(stderr, "interop_tool: writing %s failed: %s: %s\n", wc->name, ps_status_name(rc), err);
  return 0;
}

/* The matrix of files we write. */
static int build_cases(wcase *cases) {
  int n = 0;
  const ps_codec codecs[] = {PS_CODEC_NONE, PS_CODEC_SNAPPY, PS_CODEC_GZIP, PS_CODEC_ZSTD, PS_CODEC_LZ4_RAW};
  const char *cnames[] = {"none", "snappy", "gzip", "zstd", "lz4_raw"};
  /* codec x page version x nulls, alternating one/many row groups and page sizes */
  for (int c = 0; c < 5; c++) {
    for (int v2 = 0; v2 < 2; v2++) {
      for (int nulls = 1; nulls >= 0; nulls--) {
        wcase *w = &cases[n++];
        memset(w, 0, sizeof *w);
        int many = (v2 ^ nulls) & 1;
        snprintf(w->name, sizeof w->name, "%s_%s_%s_%s", cnames[c], v2 ? "v2" : "v1", nulls ? "nulls" : "required",
                 many ? "rg16" : "rg1");
        w->g.rows = 50;
        w->g.nulls = nulls;
        w->o.codec = codecs[c];
        w->o.data_page_v2 = v2;
        w->o.row_group_rows = many ? 16 : 0;
        w->o.page_bytes = many ? 0 : 128; /* one row group: several small pages instead */
      }
    }
  }
  /* encodings */
  struct {
    const char *name;
    ps_switch dict, delta, bss;
  } enc[] = {
      {"dict_on", PS_ON, PS_AUTO, PS_AUTO}, {"dict_off", PS_OFF, PS_AUTO, PS_AUTO},
      {"delta_on", PS_OFF, PS_ON, PS_AUTO}, {"delta_on_dict_auto", PS_AUTO, PS_ON, PS_AUTO},
      {"bss_on", PS_OFF, PS_AUTO, PS_ON},   {"delta_bss_on", PS_OFF, PS_ON, PS_ON},
      {"all_off", PS_OFF, PS_OFF, PS_OFF},
  };
  for (size_t e = 0; e < sizeof enc / sizeof enc[0]; e++) {
    for (int v2 = 0; v2 < 2; v2++) {
      for (int nulls = 1; nulls >= 0; nulls--) {
        wcase *w = &cases[n++];
        memset(w, 0, sizeof *w);
        snprintf(w->name, sizeof w->name, "%s_%s_%s", enc[e].name, v2 ? "v2" : "v1", nulls ? "nulls" : "required");
        w->g.rows = 200;
        w->g.nulls = nulls;
        w->o.codec = PS_CODEC_ZSTD;
        w->o.data_page_v2 = v2;
        w->o.row_group_rows = 64;
        w->o.page_bytes = nulls ? 256 : 0;
        w->o.dictionary = enc[e].dict;
        w->o.delta = enc[e].delta;
        w->o.byte_stream_split = enc[e].bss;
      }
    }
  }
  /* shapes */
  {
    wcase *w = &cases[n++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "zero_rows_nulls");
    w->g.nulls = 1;
    w = &cases[n++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "zero_rows_required_v2");
    w->o.data_page_v2 = 1;
    w = &cases[n++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "one_row");
    w->g.rows = 1;
    w->g.nulls = 1;
    w = &cases[n++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "rg1row");
    w->g.rows = 9;
    w->g.nulls = 1;
    w->o.row_group_rows = 1;
    w = &cases[n++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "with_index");
    w->g.rows = 30;
    w->g.nulls = 1;
    w->g.index = 1;
    w = &cases[n++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "large_v2_auto");
    w->g.rows = 5000;
    w->g.nulls = 1;
    w->o.codec = PS_CODEC_ZSTD;
    w->o.data_page_v2 = 1;
    w->o.row_group_rows = 2000;
    w->o.page_bytes = 4096;
    w = &cases[n++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "large_v1_default");
    w->g.rows = 5000;
    w->g.nulls = 0;
  }
  return n;
}

static wcase all_cases[128];

/* interop_tool cases: the matrix as JSON, nothing written. */
static int cmd_cases(void) {
  int n = build_cases(all_cases);
  fputs("{\"cases\": [", stdout);
  for (int i = 0; i < n; i++) {
    fputs(i ? ",\n " : "\n ", stdout);
    case_json(stdout, &all_cases[i], "NOT_WRITTEN", "");
  }
  fputs("\n]}\n", stdout);
  return fflush(stdout) == 0 ? 0 : 1;
}

/* interop_tool write OUTDIR [NAME...]: write the named cases (default all);
 * prints {"cases": [...]} with each case's write status. */
static int cmd_write(const char *dir, int nnames, char **names) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "interop_tool: mkdir %s: %s\n", dir, strerror(errno));
    return 1;
  }
  int n = build_cases(all_cases);
  for (int k = 0; k < nnames; k++) {
    int found = 0;
    for (int i = 0; i < n; i++) found |= strcmp(all_cases[i].name, names[k]) == 0;
    if (!found) {
      fprintf(stderr, "interop_tool: no case named '%s'\n", names[k]);
      return 2;
    }
  }
  fputs("{\"cases\": [", stdout);
  int first = 1, rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    int want = nnames == 0;
    for (int k = 0; k < nnames; k++) want |= strcmp(all_cases[i].name, names[k]) == 0;
    if (!want) continue;
    fputs(first ? "\n " : ",\n ", stdout);
    first = 0;
    rc = write_case(dir, &all_cases[i], stdout);
  }
  fputs("\n]}\n", stdout);
  if (fflush(stdout) != 0) rc = 1;
  return rc;
}

/* ------------------------------------------------------------ dump */

static int cmd_dump(int argc, char **argv) {
  const char *file = NULL, *cols = NULL, *where = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--columns") == 0 && i + 1 < argc) cols = argv[++i];
    else if (strcmp(argv[i], "--where") == 0 && i + 1 < argc) where = argv[++i];
    else if (!file) file = argv[i];
    else {
      fprintf(stderr, "interop_tool: unexpected argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if (!file) {
    fprintf(stderr, "usage: interop_tool dump FILE [--columns a,b] [--where EXPR]\n");
    return 2;
  }
  ps_read_options ro;
  memset(&ro, 0, sizeof ro);
  char *colbuf = NULL;
  const char **names = NULL;
  ps_expr *expr = NULL;
  ps_frame *f = NULL;
  int rc = PS_OK, status = 1;
  if (cols) {
    colbuf = strdup(cols);
    size_t n = 1;
    for (const char *p = cols; *p; p++) n += *p == ',';
    names = calloc(n, sizeof *names);
    if (!colbuf || !names) {
      fprintf(stderr, "interop_tool: out of memory\n");
      goto out;
    }
    size_t k = 0;
    for (char *save = NULL, *t = strtok_r(colbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) names[k++] = t;
    ro.columns = names;
    ro.num_columns = k;
    ro.no_index = 1;
  }
  if (where) {
    rc = ps_expr_parse(where, &expr);
    if (rc) {
      status = fail("parsing --where", rc);
      goto out;
    }
    ro.filter = expr;
  }
  rc = ps_parquet_read_file(file, &ro, &f);
  if (rc) {
    status = fail(file, rc);
    goto out;
  }
  dump_frame(stdout, f);
  status = fflush(stdout) == 0 ? 0 : 1;
out:
  ps_frame_free(f);
  ps_expr_free(expr);
  free(names);
  free(colbuf);
  return status;
}

static int cmd_describe(const char *file) {
  ps_parquet_file *pf;
  int rc = ps_parquet_open(file, &pf);
  if (rc) return fail(file, rc);
  char *json = NULL;
  rc = ps_parquet_describe(pf, &json);
  ps_parquet_close(pf);
  if (rc) return fail(file, rc);
  puts(json);
  ps_free(json);
  return 0;
}

/* ------------------------------------------------------------ stores */

/* interop_tool store-write BASE: item s/c/ITEM with several parts (a write
 * cut into parts of 4 rows, an append after the range, an overlapping
 * upsert); prints the item directory. */
static int cmd_store_write(const char *basep) {
  ps_store_options so;
  memset(&so, 0, sizeof so);
  so.base_path = basep;
  so.no_fsync = 1;
  ps_store *st = NULL;
  ps_collection *c = NULL;
  ps_frame *f = NULL;
  int rc = ps_store_open("s", &so, 1, &st);
  if (rc == PS_OK) rc = ps_collection_open(st, "c", 1, &c);
  for (int step = 0; rc == PS_OK && step < 3; step++) {
    static const int from[] = {0, 10, 6}, count[] = {10, 5, 2};
    ps_column *d, *cl, *v, *sy;
    rc = ps_frame_new(&f);
    if (rc) break;
    ps_frame_add_column(f, "Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, &d);
    ps_frame_add_column(f, "close", PS_TYPE_FLOAT64, 0, NULL, &cl);
    ps_frame_add_column(f, "volume", PS_TYPE_INT64, 0, NULL, &v);
    ps_frame_add_column(f, "sym", PS_TYPE_STRING, 0, NULL, &sy);
    for (int i = 0; i < count[step]; i++) {
      int day = from[step] + i;
      ps_column_append_int(d, (int64_t)(1704067200LL + day * 86400LL) * 1000000000LL + step);
      ps_column_append_double(cl, day + 0.25 + step * 100);
      if (i % 3 == 2) ps_column_append_null(v);
      else ps_column_append_int(v, (int64_t)day * 1000 - 7);
      char b[32];
      snprintf(b, sizeof b, "s%d-%d", step, day);
      ps_column_append_string(sy, b, strlen(b));
    }
    rc = ps_frame_validate(f);
    if (rc == PS_OK) rc = ps_frame_set_index(f, "Date");
    if (rc == PS_OK && step == 0) {
      ps_item_write_options wo;
      memset(&wo, 0, sizeof wo);
      wo.part_rows = 4;
      rc = ps_item_write(c, "ITEM", f, &wo);
    } else if (rc == PS_OK) {
      ps_append_options ao;
      memset(&ao, 0, sizeof ao);
      ao.part_rows = 4;
      ao.duplicates = PS_DUP_KEEP_ALL;
      rc = ps_item_append(c, "ITEM", f, &ao);
    }
    ps_frame_free(f);
    f = NULL;
  }
  if (rc == PS_OK) printf("%s/ITEM\n", ps_collection_path(c));
  int status = rc ? fail("store-write", rc) : 0;
  ps_collection_close(c);
  ps_store_close(st);
  return status;
}

/* interop_tool store-dump BASE STORE/COLL/ITEM: our read of the item, as dump. */
static int cmd_store_dump(const char *basep, const char *spec) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", spec);
  char *coll = strchr(buf, '/'), *item = coll ? strchr(coll + 1, '/') : NULL;
  if (!item) {
    fprintf(stderr, "interop_tool: store-dump needs STORE/COLL/ITEM\n");
    return 2;
  }
  *coll++ = 0;
  *item++ = 0;
  ps_store_options so;
  memset(&so, 0, sizeof so);
  so.base_path = basep;
  ps_store *st = NULL;
  ps_collection *c = NULL;
  ps_frame *f = NULL;
  int rc = ps_store_open(buf, &so, 0, &st);
  if (rc == PS_OK) rc = ps_collection_open(st, coll, 0, &c);
  if (rc == PS_OK) rc = ps_item_read(c, item, NULL, &f);
  int status = rc ? fail(spec, rc) : 0;
  if (!rc) {
    dump_frame(stdout, f);
    status = fflush(stdout) == 0 ? 0 : 1;
  }
  ps_frame_free(f);
  ps_collection_close(c);
  ps_store_close(st);
  return status;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "store-write") == 0) return cmd_store_write(argv[2]);
  if (argc >= 4 && strcmp(argv[1], "store-dump") == 0) return cmd_store_dump(argv[2], argv[3]);
  if (argc >= 2 && strcmp(argv[1], "cases") == 0) return cmd_cases();
  if (argc >= 3 && strcmp(argv[1], "write") == 0) return cmd_write(argv[2], argc - 3, argv + 3);
  if (argc >= 3 && strcmp(argv[1], "dump") == 0) return cmd_dump(argc - 2, argv + 2);
  if (argc >= 3 && strcmp(argv[1], "describe") == 0) return cmd_describe(argv[2]);
  fprintf(stderr,
          "usage: interop_tool cases\n"
          "       interop_tool write OUTDIR [CASE...]\n"
          "       interop_tool dump FILE [--columns a,b] [--where EXPR]\n"
          "       interop_tool describe FILE\n"
          "       interop_tool store-write BASE\n"
          "       interop_tool store-dump BASE STORE/COLL/ITEM\n");
  return 2;
}
