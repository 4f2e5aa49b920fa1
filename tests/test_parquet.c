/* Parquet writer/reader round trips: every type, nulls, codecs, page
 * versions, encodings, row groups; projection, filters and pruning;
 * corrupt and truncated input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

static char tmpdir[256];

static const char *tmp_path(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
  return buf;
}

/* A frame with every type; row i is null in nullable columns when i % 7 == 3. */
static ps_frame *make_all_types(int64_t n, int with_nulls) {
  ps_frame *f;
  if (ps_frame_new(&f)) return NULL;
  ps_column *c;
  ps_frame_add_column(f, "b", PS_TYPE_BOOL, 0, NULL, &c);
  for (int64_t i = 0; i < n; i++) ps_column_append_bool(c, i % 3 == 0);
  const ps_type ints[] = {PS_TYPE_INT8, PS_TYPE_INT16, PS_TYPE_INT32, PS_TYPE_INT64,
                          PS_TYPE_UINT8, PS_TYPE_UINT16, PS_TYPE_UINT32, PS_TYPE_UINT64};
  const char *names[] = {"i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"};
  for (int t = 0; t < 8; t++) {
    ps_frame_add_column(f, names[t], ints[t], 0, NULL, &c);
    for (int64_t i = 0; i < n; i++) {
      if (with_nulls && i % 7 == 3) { ps_column_append_null(c); continue; }
      switch (ints[t]) {
        case PS_TYPE_INT8: ps_column_append_int(c, (int64_t)(i % 256) - 128); break;
        case PS_TYPE_INT16: ps_column_append_int(c, (int64_t)(i * 37 % 65536) - 32768); break;
        case PS_TYPE_INT32: ps_column_append_int(c, i == 1 ? INT32_MIN : i == 2 ? INT32_MAX : i * 1000 - 7); break;
        case PS_TYPE_INT64: ps_column_append_int(c, i == 1 ? INT64_MIN : i == 2 ? INT64_MAX : i * 1000003 - 5); break;
        case PS_TYPE_UINT8: ps_column_append_int(c, i % 256); break;
        case PS_TYPE_UINT16: ps_column_append_int(c, i * 31 % 65536); break;
        case PS_TYPE_UINT32: ps_column_append_int(c, i == 2 ? (int64_t)UINT32_MAX : i * 7); break;
        default: ps_column_append_uint(c, i == 2 ? UINT64_MAX : (uint64_t)i * 11); break;
      }
    }
  }
  ps_frame_add_column(f, "f32", PS_TYPE_FLOAT32, 0, NULL, &c);
  for (int64_t i = 0; i < n; i++) {
    if (with_nulls && i % 7 == 3) ps_column_append_null(c);
    else ps_column_append_double(c, i == 4 ? NAN : i == 5 ? -0.0 : (double)i * 0.25f);
  }
  ps_frame_add_column(f, "f64", PS_TYPE_FLOAT64, 0, NULL, &c);
  for (int64_t i = 0; i < n; i++) {
    if (with_nulls && i % 7 == 3) ps_column_append_null(c);
    else ps_column_append_double(c, i == 4 ? NAN : i == 5 ? -0.0 : i == 6 ? INFINITY : i == 8 ? -INFINITY : (double)i / 3.0);
  }
  const ps_time_unit units[] = {PS_UNIT_S, PS_UNIT_MS, PS_UNIT_US, PS_UNIT_NS};
  const char *tsn[] = {"ts_s", "ts_ms", "ts_us", "ts_ns"};
  for (int u = 0; u < 4; u++) {
    ps_frame_add_column(f, tsn[u], PS_TYPE_TIMESTAMP, units[u], u % 2 ? "America/New_York" : NULL, &c);
    for (int64_t i = 0; i < n; i++) {
      if (with_nulls && i % 7 == 3) ps_column_append_null(c);
      else ps_column_append_int(c, (i - n / 2) * 86400123 + 1); /* pre-1970 values too */
    }
  }
  ps_frame_add_column(f, "d", PS_TYPE_DATE, 0, NULL, &c);
  for (int64_t i = 0; i < n; i++) {
    if (with_nulls && i % 7 == 3) ps_column_append_null(c);
    else ps_column_append_int(c, i - 1000);
  }
  ps_frame_add_column(f, "s", PS_TYPE_STRING, 0, NULL, &c);
  static const char *words[] = {"", "alpha", "日経225", "^GSPC", "a,b\"c\n", "BRK.B"};
  for (int64_t i = 0; i < n; i++) {
    if (with_nulls && i % 7 == 3) ps_column_append_null(c);
    else {
      const char *w = words[i % 6];
      ps_column_append_string(c, w, strlen(w));
    }
  }
  ps_frame_add_column(f, "uniq", PS_TYPE_STRING, 0, NULL, &c);
  for (int64_t i = 0; i < n; i++) {
    char buf[32];
    int k = snprintf(buf, sizeof buf, "id-%lld", (long long)i);
    ps_column_append_string(c, buf, (size_t)k);
  }
  ps_frame_add_column(f, "bin", PS_TYPE_BINARY, 0, NULL, &c);
  for (int64_t i = 0; i < n; i++) {
    if (with_nulls && i % 7 == 3) ps_column_append_null(c);
    else {
      unsigned char buf[4] = {0, (unsigned char)i, 0xff, (unsigned char)(i >> 8)};
      ps_column_append_string(c, (const char *)buf, (size_t)(i % 5));
    }
  }
  ps_frame_add_column(f, "ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC", &c);
  for (int64_t i = 0; i < n; i++) ps_column_append_int(c, 1700000000000000000LL + i * 60000000001LL);
  ps_column_set_nullable(c, 0);
  ps_frame_set_index(f, "ts");
  if (ps_frame_validate(f)) {
    ps_frame_free(f);
    return NULL;
  }
  return f;
}

/* Exact equality: types, units, zones, nulls, bit patterns of floats, bytes. */
static int frames_equal(const ps_frame *a, const ps_frame *b, char *why, size_t whylen) {
  if (ps_frame_num_columns(a) != ps_frame_num_columns(b)) {
    snprintf(why, whylen, "column count %d vs %d", ps_frame_num_columns(a), ps_frame_num_columns(b));
    return 0;
  }
  if (ps_frame_num_rows(a) != ps_frame_num_rows(b)) {
    snprintf(why, whylen, "row count %lld vs %lld", (long long)ps_frame_num_rows(a), (long long)ps_frame_num_rows(b));
    return 0;
  }
  for (int i = 0; i < ps_frame_num_columns(a); i++) {
    const ps_column *x = ps_frame_column(a, i), *y = ps_frame_column(b, i);
    const char *n = ps_column_name(x);
    if (strcmp(n, ps_column_name(y)) || ps_column_type(x) != ps_column_type(y)) {
      snprintf(why, whylen, "column %d: %s/%s vs %s/%s", i, n, ps_type_name(ps_column_type(x)), ps_column_name(y),
               ps_type_name(ps_column_type(y)));
      return 0;
    }
    if (ps_column_type(x) == PS_TYPE_TIMESTAMP) {
      const char *tx = ps_column_tz(x), *ty = ps_column_tz(y);
      if (ps_column_unit(x) != ps_column_unit(y) || (!tx) != (!ty) || (tx && strcmp(tx, ty))) {
        snprintf(why, whylen, "column %s: unit/zone differ (%d %s vs %d %s)", n, ps_column_unit(x), tx ? tx : "-",
                 ps_column_unit(y), ty ? ty : "-");
        return 0;
      }
    }
    size_t w = ps_type_width(ps_column_type(x));
    for (int64_t r = 0; r < ps_frame_num_rows(a); r++) {
      int nx = ps_column_is_null(x, r), ny = ps_column_is_null(y, r);
      if (nx != ny) {
        snprintf(why, whylen, "column %s row %lld: null %d vs %d", n, (long long)r, nx, ny);
        return 0;
      }
      if (nx) continue;
      if (w) {
        if (memcmp((const char *)ps_column_values(x) + r * w, (const char *)ps_column_values(y) + r * w, w)) {
          snprintf(why, whylen, "column %s row %lld differs", n, (long long)r);
          return 0;
        }
      } else {
        size_t lx, ly;
        const char *sx = ps_column_string(x, r, &lx), *sy = ps_column_string(y, r, &ly);
        if (lx != ly || memcmp(sx, sy, lx)) {
          snprintf(why, whylen, "column %s row %lld: '%.*s' vs '%.*s'", n, (long long)r, (int)lx, sx, (int)ly, sy);
          return 0;
        }
      }
    }
  }
  if (ps_frame_index(a) != ps_frame_index(b)) {
    snprintf(why, whylen, "index %d vs %d", ps_frame_index(a), ps_frame_index(b));
    return 0;
  }
  return 1;
}

#define ASSERT_FRAMES_EQUAL(a, b)                                           \
  do {                                                                      \
    char why__[256];                                                        \
    if (!frames_equal((a), (b), why__, sizeof why__)) {                     \
      fprintf(stderr, "%s:%d: frames differ: %s\n", __FILE__, __LINE__, why__); \
      test__failures++;                                                     \
      return;                                                               \
    }                                                                       \
  } while (0)

static void roundtrip_with(const ps_write_options *wo, int64_t n, int nulls) {
  ps_frame *f = make_all_types(n, nulls);
  ASSERT(f != NULL);
  const char *path = tmp_path("rt.parquet");
  ASSERT_OK(ps_parquet_write(path, f, wo));
  ps_frame *g = NULL;
  ASSERT_OK(ps_parquet_read_file(path, NULL, &g));
  ASSERT_FRAMES_EQUAL(f, g);
  ps_frame_free(f);
  ps_frame_free(g);
  unlink(path);
}

static void test_roundtrip_codecs(void) {
  const ps_codec codecs[] = {PS_CODEC_NONE, PS_CODEC_SNAPPY, PS_CODEC_GZIP, PS_CODEC_ZSTD, PS_CODEC_LZ4_RAW, PS_CODEC_BROTLI};
  for (int v2 = 0; v2 < 2; v2++)
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
      ps_write_options wo;
      memset(&wo, 0, sizeof wo);
      wo.codec = codecs[c];
      wo.data_page_v2 = v2;
      wo.row_group_rows = 1000;
      wo.page_bytes = 2048;
      int before = test__failures;
      roundtrip_with(&wo, 2500, 1);
      if (test__failures != before) {
        fprintf(stderr, "  (codec %s, v2=%d)\n", ps_codec_name(codecs[c]), v2);
        return;
      }
    }
}

static void test_roundtrip_encodings(void) {
  for (int mode = 0; mode < 6; mode++) {
    ps_write_options wo;
    memset(&wo, 0, sizeof wo);
    wo.row_group_rows = 777;
    wo.page_bytes = 1000;
    wo.dictionary = mode & 1 ? PS_ON : PS_OFF;
    wo.delta = mode >= 2 ? PS_ON : PS_OFF;
    wo.byte_stream_split = mode >= 4 ? PS_ON : PS_OFF;
    wo.data_page_v2 = mode == 5;
    wo.page_checksum = PS_ON;
    int before = test__failures;
    roundtrip_with(&wo, 3000, mode % 2);
    if (test__failures != before) {
      fprintf(stderr, "  (encoding mode %d)\n", mode);
      return;
    }
  }
}

static void test_zero_rows_and_one_row(void) {
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  roundtrip_with(&wo, 0, 0);
  roundtrip_with(&wo, 1, 0);
  roundtrip_with(&wo, 9, 1);
}

static void test_streaming_batches(void) {
  ps_frame *f = make_all_types(5000, 1);
  ASSERT(f);
  const char *path = tmp_path("stream.parquet");
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.row_group_rows = 1024;
  ps_parquet_writer *w;
  ASSERT_OK(ps_parquet_writer_open(path, &wo, &w));
  /* feed in uneven batches */
  int64_t at = 0, sizes[] = {1, 1023, 1500, 7, 2469};
  for (int k = 0; k < 5; k++) {
    ps_frame *b;
    ASSERT_OK(ps_frame_clone(f, &b));
    /* slice [at, at+sizes[k]) by filtering on the index range */
    ps_frame_free(b);
    ps_frame *slice;
    ps_expr *e;
    char text[128];
    const int64_t *ts = ps_column_values(ps_frame_column_by_name(f, "ts"));
    snprintf(text, sizeof text, "ts >= %lld and ts < %lld", (long long)ts[at],
             (long long)(at + sizes[k] < 5000 ? ts[at + sizes[k]] : INT64_MAX));
    ASSERT_OK(ps_expr_parse(text, &e));
    ASSERT_OK(ps_frame_filter(f, e, &slice));
    ps_expr_free(e);
    ASSERT_EQ_INT(ps_frame_num_rows(slice), sizes[k]);
    ASSERT_OK(ps_parquet_writer_write(w, slice));
    ps_frame_free(slice);
    at += sizes[k];
  }
  /* the file does not exist under its name until close */
  ASSERT(access(path, F_OK) != 0);
  ASSERT_OK(ps_parquet_writer_close(w));
  ps_parquet_file *pf;
  ASSERT_OK(ps_parquet_open(path, &pf));
  ASSERT_EQ_INT(ps_parquet_num_row_groups(pf), 5);
  ASSERT_EQ_INT(ps_parquet_num_rows(pf), 5000);
  ps_frame *g;
  ASSERT_OK(ps_parquet_read(pf, NULL, &g));
  ps_parquet_close(pf);
  ASSERT_FRAMES_EQUAL(f, g);
  ps_frame_free(f);
  ps_frame_free(g);
}

static void test_schema_mismatch_batch(void) {
  ps_frame *a, *b;
  ps_column *c;
  ASSERT_OK(ps_frame_new(&a));
  ASSERT_OK(ps_frame_add_column(a, "x", PS_TYPE_INT64, 0, NULL, &c));
  ASSERT_OK(ps_column_append_int(c, 1));
  ASSERT_OK(ps_frame_validate(a));
  ASSERT_OK(ps_frame_new(&b));
  ASSERT_OK(ps_frame_add_column(b, "x", PS_TYPE_FLOAT64, 0, NULL, &c));
  ASSERT_OK(ps_column_append_double(c, 1.5));
  ASSERT_OK(ps_frame_validate(b));
  ps_parquet_writer *w;
  const char *path = tmp_path("mismatch.parquet");
  ASSERT_OK(ps_parquet_writer_open(path, NULL, &w));
  ASSERT_OK(ps_parquet_writer_write(w, a));
  ASSERT_RC(ps_parquet_writer_write(w, b), PS_ERR_SCHEMA);
  ASSERT(strstr(ps_errmsg(), "'x'") != NULL);
  ASSERT(strstr(ps_errmsg(), "float64") != NULL && strstr(ps_errmsg(), "int64") != NULL);
  ps_parquet_writer_abort(w);
  ASSERT(access(path, F_OK) != 0);
  ps_frame_free(a);
  ps_frame_free(b);
}

static void test_projection_filter_pruning(void) {
  ps_frame *f = make_all_types(20000, 1);
  ASSERT(f);
  const char *path = tmp_path("filter.parquet");
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.row_group_rows = 4000;
  wo.page_bytes = 4096;
  ASSERT_OK(ps_parquet_write(path, f, &wo));
  /* projection keeps the requested order and adds the index */
  const char *cols[] = {"s", "i32"};
  ps_read_options ro;
  memset(&ro, 0, sizeof ro);
  ro.columns = cols;
  ro.num_columns = 2;
  ps_read_stats st;
  ro.stats = &st;
  ps_frame *g;
  ASSERT_OK(ps_parquet_read_file(path, &ro, &g));
  ASSERT_EQ_INT(ps_frame_num_columns(g), 3);
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(g, 0)), "s");
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(g, 2)), "ts");
  ASSERT_EQ_INT(ps_frame_index(g), 2);
  ASSERT_EQ_INT(ps_frame_num_rows(g), 20000);
  ps_frame_free(g);
  /* a time-range filter on the sorted index reads 1 of 5 row groups and few pages */
  const int64_t *ts = ps_column_values(ps_frame_column_by_name(f, "ts"));
  char text[200];
  snprintf(text, sizeof text, "ts >= %lld and ts < %lld", (long long)ts[8100], (long long)ts[8200]);
  ps_expr *e;
  ASSERT_OK(ps_expr_parse(text, &e));
  memset(&ro, 0, sizeof ro);
  ro.filter = e;
  ro.stats = &st;
  ASSERT_OK(ps_parquet_read_file(path, &ro, &g));
  ASSERT_EQ_INT(ps_frame_num_rows(g), 100);
  ASSERT_EQ_INT(st.row_groups_read, 1);
  if (!(st.pages_read < st.pages_total))
    fprintf(stderr, "pages %lld/%lld rg %lld/%lld\n", (long long)st.pages_read, (long long)st.pages_total,
            (long long)st.row_groups_read, (long long)st.row_groups_total);
  ASSERT(st.pages_read < st.pages_total);
  ps_frame *want;
  ASSERT_OK(ps_frame_filter(f, e, &want));
  ASSERT_FRAMES_EQUAL(want, g);
  ps_frame_free(want);
  ps_frame_free(g);
  ps_expr_free(e);
  /* a filter on values + nulls + strings gives exactly what ps_frame_filter gives */
  const char *filters[] = {"i32 > 5000 and s in ('alpha', '')", "f64 != 0.5 or f64 is null", "s == ''",
                           "u64 >= 18446744073709551615", "i8 < -100 or (b == true and d >= '1970-01-01')",
                           "ts_ms < '1969-12-01T00:00:00'", "not (i16 > 0)"};
  for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++) {
    ASSERT_OK(ps_expr_parse(filters[k], &e));
    memset(&ro, 0, sizeof ro);
    ro.filter = e;
    ASSERT_OK(ps_parquet_read_file(path, &ro, &g));
    ASSERT_OK(ps_frame_filter(f, e, &want));
    char why[256];
    if (!frames_equal(want, g, why, sizeof why)) {
      fprintf(stderr, "filter '%s': %s\n", filters[k], why);
      test__failures++;
      return;
    }
    ASSERT(ps_frame_num_rows(g) > 0);
    ps_frame_free(want);
    ps_frame_free(g);
    ps_expr_free(e);
  }
  /* unknown column in projection / filter: clear errors */
  const char *bad[] = {"nope"};
  memset(&ro, 0, sizeof ro);
  ro.columns = bad;
  ro.num_columns = 1;
  ASSERT_RC(ps_parquet_read_file(path, &ro, &g), PS_ERR_NOT_FOUND);
  ASSERT(strstr(ps_errmsg(), "nope") != NULL);
  /* offset + limit */
  memset(&ro, 0, sizeof ro);
  ro.offset = 3990;
  ro.limit = 20;
  ASSERT_OK(ps_parquet_read_file(path, &ro, &g));
  ASSERT_EQ_INT(ps_frame_num_rows(g), 20);
  ASSERT_EQ_INT(((const int64_t *)ps_column_values(ps_frame_column_by_name(g, "ts")))[0], ts[3990]);
  ps_frame_free(g);
  ps_frame_free(f);
}

/* The whole file in a malloc'd buffer (NULL on failure). */
static unsigned char *read_whole(const char *path, long *size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  *size = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  unsigned char *data = malloc((size_t)*size + 1);
  if (data && fread(data, 1, (size_t)*size, fp) != (size_t)*size) {
    free(data);
    data = NULL;
  }
  fclose(fp);
  return data;
}

static void test_corrupt_files(void) {
  ps_frame *f = make_all_types(300, 1);
  ASSERT(f);
  const char *path = tmp_path("good.parquet");
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.row_group_rows = 100;
  ASSERT_OK(ps_parquet_write(path, f, &wo));
  ps_frame_free(f);
  long size;
  unsigned char *data = read_whole(path, &size);
  ASSERT(data);
  FILE *fp;
  const char *bad = tmp_path("bad.parquet");
  /* every truncation fails cleanly and names the file */
  for (long len = 0; len < size; len += (len < 64 ? 1 : 37)) {
    fp = fopen(bad, "wb");
    fwrite(data, 1, (size_t)len, fp);
    fclose(fp);
    ps_frame *g = NULL;
    int rc = ps_parquet_read_file(bad, NULL, &g);
    if (rc == PS_OK) {
      fprintf(stderr, "truncated to %ld bytes but read succeeded\n", len);
      test__failures++;
      ps_frame_free(g);
      free(data);
      return;
    }
    ASSERT(strstr(ps_errmsg(), "bad.parquet") != NULL);
  }
  /* flipped bytes never crash; either an error or a frame */
  unsigned seed = 12345;
  for (int k = 0; k < 3000; k++) {
    unsigned char *m = malloc((size_t)size);
    memcpy(m, data, (size_t)size);
    int flips = 1 + k % 4;
    for (int j = 0; j < flips; j++) {
      seed = seed * 1103515245u + 12345u;
      m[(seed >> 8) % (unsigned)size] ^= (unsigned char)(1u << (seed % 8));
    }
    fp = fopen(bad, "wb");
    fwrite(m, 1, (size_t)size, fp);
    fclose(fp);
    free(m);
    ps_frame *g = NULL;
    int rc = ps_parquet_read_file(bad, NULL, &g);
    ASSERT(rc == PS_OK || rc < 0);
    ps_frame_free(g);
  }
  free(data);
  ps_frame *g;
  ASSERT_RC(ps_parquet_read_file(tmp_path("missing.parquet"), NULL, &g), PS_ERR_NOT_FOUND);
}

/* Page CRC-32s are written by default and checked on read: every single-bit
 * flip in the data pages is caught (an error, never different data), and
 * with no_crc_check the same file is read unchecked. */
static void test_page_crc(void) {
  ps_frame *f = make_all_types(400, 1);
  ASSERT(f);
  const char *path = tmp_path("crc.parquet");
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.codec = PS_CODEC_NONE; /* uncompressed: a flip cannot be caught by the codec instead */
  ASSERT_OK(ps_parquet_write(path, f, &wo));
  ps_read_stats st;
  memset(&st, 0, sizeof st);
  ps_read_options ro;
  memset(&ro, 0, sizeof ro);
  ro.stats = &st;
  ps_frame *g;
  ASSERT_OK(ps_parquet_read_file(path, &ro, &g));
  ps_frame_free(g);
  ASSERT(st.pages_read > 0);
  ASSERT(st.pages_crc_checked >= st.pages_read); /* data pages + dictionaries */
  long size;
  unsigned char *data = read_whole(path, &size);
  ASSERT(data);
  FILE *fp;
  uint32_t footer = (uint32_t)data[size - 8] | (uint32_t)data[size - 7] << 8 | (uint32_t)data[size - 6] << 16 |
                    (uint32_t)data[size - 5] << 24;
  long data_end = size - 8 - (long)footer; /* pages and page indexes end here */
  const char *bad = tmp_path("crc-bad.parquet");
  int caught_crc = 0, caught_other = 0, unchanged = 0;
  long first_crc_off = 0;
  for (long off = 4; off < data_end; off += 3) {
    data[off] ^= (unsigned char)(1u << (off % 8));
    fp = fopen(bad, "wb");
    fwrite(data, 1, (size_t)size, fp);
    fclose(fp);
    data[off] ^= (unsigned char)(1u << (off % 8));
    g = NULL;
    int rc = ps_parquet_read_file(bad, NULL, &g);
    if (rc == PS_OK) {
      char why[256];
      if (!frames_equal(f, g, why, sizeof why)) {
        fprintf(stderr, "bit flip at offset %ld went unnoticed: %s\n", off, why);
        test__failures++;
        ps_frame_free(g);
        break;
      }
      unchanged++; /* a flip in a field the reader does not use (page index, unused header field) */
      ps_frame_free(g);
    } else if (strstr(ps_errmsg(), "CRC-32 mismatch")) {
      if (!caught_crc++) first_crc_off = off;
      ASSERT(strstr(ps_errmsg(), "crc-bad.parquet") && strstr(ps_errmsg(), "column '"));
    } else {
      caught_other++;
    }
  }
  printf("bit flips: %d caught by CRC, %d by other checks, %d harmless\n", caught_crc, caught_other, unchanged);
  ASSERT(caught_crc > caught_other);
  /* no_crc_check skips the check: the first damaged file the CRC caught is
     now read without a CRC error (decoded as stored, or refused by a decoder) */
  ASSERT(first_crc_off > 0);
  data[first_crc_off] ^= (unsigned char)(1u << (first_crc_off % 8));
  fp = fopen(bad, "wb");
  fwrite(data, 1, (size_t)size, fp);
  fclose(fp);
  ro.no_crc_check = 1;
  ro.stats = NULL;
  g = NULL;
  int rc = ps_parquet_read_file(bad, &ro, &g);
  ASSERT(rc == PS_OK || !strstr(ps_errmsg(), "CRC-32"));
  ps_frame_free(g);
  free(data);
  ps_frame_free(f);
}

static void test_describe(void) {
  ps_frame *f = make_all_types(100, 1);
  ASSERT(f);
  const char *path = tmp_path("desc.parquet");
  ASSERT_OK(ps_parquet_write(path, f, NULL));
  ps_frame_free(f);
  ps_parquet_file *pf;
  ASSERT_OK(ps_parquet_open(path, &pf));
  char *json;
  ASSERT_OK(ps_parquet_describe(pf, &json));
  ASSERT(strstr(json, "\"SNAPPY\"") != NULL);
  ASSERT(strstr(json, "\"null_count\": 14") != NULL); /* 100 rows, i % 7 == 3 -> 14 nulls */
  ASSERT(strstr(json, "\"pandas\"") != NULL);
  ps_free(json);
  const char *pandas = ps_parquet_metadata_value(pf, "pandas");
  ASSERT(pandas && strstr(pandas, "\"index_columns\":[\"ts\"]") != NULL);
  ASSERT(strstr(pandas, "America/New_York") != NULL);
  ps_parquet_close(pf);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/ps_test_parquet_XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  RUN(test_roundtrip_codecs);
  RUN(test_roundtrip_encodings);
  RUN(test_zero_rows_and_one_row);
  RUN(test_streaming_batches);
  RUN(test_schema_mismatch_batch);
  RUN(test_projection_filter_pruning);
  RUN(test_corrupt_files);
  RUN(test_page_crc);
  RUN(test_describe);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
  TEST_MAIN_END();
}
