/* The ARROW:schema footer entry (src/parquet/arrow_schema.c): build -> decode
 * round trips, known answers from Polars-written files, hostile input, and
 * the writer/reader wiring. */
#include <unistd.h>

#include "parquet/arrow_schema.h"
#include "parquet/schema.h"
#include "table/frame.h"
#include "test.h"
#include "util/alloc.h"

/* Written by Polars for {f32: Float32, u32: UInt32}. */
static const char POLARS_F32_U32[] =
    "/////6QAAAAEAAAA8v///xQAAAAEAAEAAAAKAAsACAAKAAQA+P///wwAAAAIAAgAAAAEAAIAAAA4AAAABAAAALz///8kAAAAEAAAAAgAAAABAgAAAAAA"
    "APb///8gAAAAAAAGAAgABAADAAAAdTMyAOz///8wAAAAIAAAABgAAAABAwAAEAASAAQAEAARAAgAAAAMAAAAAAD6////AQAGAAYABAADAAAAZjMyAA==";

/* Written by nodejs-polars for {ts: Datetime(us, Asia/Tokyo), v: Float64, naive: Datetime(ms)}. */
static const char POLARS_TOKYO[] =
    "/////+cAAAAEAAAA8v///xQAAAAEAAEAAAAKAAsACAAKAAQA+P///wwAAAAIAAgAAAAEAAMAAABkAAAANAAAAAQAAACU////HAAAABAAAAAIAAAAAQoA"
    "AAAAAADO////AQAAAAUAAABuYWl2ZQAAAMD///8gAAAAEAAAAAgAAAABAwAAAAAAAPr///8CAAYABgAEAAEAAAB2AAAA7P///0gAAAAgAAAAGAAAAAEK"
    "AAAQABIABAAQABEACAAAAAwAAAAAAPT///8QAAAAAgAAAAgACgAIAAQACgAAAEFzaWEvVG9reW8AAAIAAAB0cwA=";

#define MAXF 32
typedef struct seen {
  int n;
  char name[MAXF][64];
  char tz[MAXF][64]; /* "" = absent */
  int has_tz[MAXF];
  pq_arrow_field f[MAXF];
} seen;

static void collect(void *ctx, int index, const pq_arrow_field *f) {
  seen *s = ctx;
  if (index >= MAXF) return;
  s->f[index] = *f;
  snprintf(s->name[index], 64, "%.*s", (int)f->name_len, f->name ? f->name : "");
  snprintf(s->tz[index], 64, "%.*s", (int)f->tz_len, f->tz ? f->tz : "");
  s->has_tz[index] = f->tz != NULL;
  s->f[index].name = s->f[index].tz = NULL;
  s->n = index + 1;
}

static int inspect(const char *b64, size_t len, seen *s) {
  memset(s, 0, sizeof *s);
  return pq_arrow_schema_visit(b64, len, collect, s);
}

/* Raw bytes of a base64 string (test-side decoder via a tiny table). */
static size_t unb64(const char *s, uint8_t *out) {
  static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (; *s && *s != '='; s++) {
    acc = acc << 6 | (uint32_t)(strchr(al, *s) - al);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  return o;
}

typedef struct colspec {
  const char *name;
  ps_type type;
  ps_time_unit unit;
  const char *tz;
  int nullable;
  int arrow_type, bits, is_signed, precision, arrow_unit;
} colspec;

static const colspec COLS[] = {
    {"b", PS_TYPE_BOOL, 0, NULL, 1, PQ_ARROW_BOOL, 0, 0, 0, 0},
    {"i8", PS_TYPE_INT8, 0, NULL, 0, PQ_ARROW_INT, 8, 1, 0, 0},
    {"i16", PS_TYPE_INT16, 0, NULL, 1, PQ_ARROW_INT, 16, 1, 0, 0},
    {"i32", PS_TYPE_INT32, 0, NULL, 1, PQ_ARROW_INT, 32, 1, 0, 0},
    {"i64", PS_TYPE_INT64, 0, NULL, 0, PQ_ARROW_INT, 64, 1, 0, 0},
    {"u8", PS_TYPE_UINT8, 0, NULL, 1, PQ_ARROW_INT, 8, 0, 0, 0},
    {"u16", PS_TYPE_UINT16, 0, NULL, 1, PQ_ARROW_INT, 16, 0, 0, 0},
    {"u32", PS_TYPE_UINT32, 0, NULL, 1, PQ_ARROW_INT, 32, 0, 0, 0},
    {"u64", PS_TYPE_UINT64, 0, NULL, 1, PQ_ARROW_INT, 64, 0, 0, 0},
    {"f32", PS_TYPE_FLOAT32, 0, NULL, 1, PQ_ARROW_FLOAT, 0, 0, 1, 0},
    {"f64", PS_TYPE_FLOAT64, 0, NULL, 0, PQ_ARROW_FLOAT, 0, 0, 2, 0},
    {"ts_ns_ny", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "America/New_York", 1, PQ_ARROW_TIMESTAMP, 0, 0, 0, 3},
    {"ts_us_utc", PS_TYPE_TIMESTAMP, PS_UNIT_US, "UTC", 1, PQ_ARROW_TIMESTAMP, 0, 0, 0, 2},
    {"ts_ms", PS_TYPE_TIMESTAMP, PS_UNIT_MS, NULL, 1, PQ_ARROW_TIMESTAMP, 0, 0, 0, 1},
    {"ts_s_ny", PS_TYPE_TIMESTAMP, PS_UNIT_S, "America/New_York", 0, PQ_ARROW_TIMESTAMP, 0, 0, 0, 0},
    {"ts_ns", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL, 1, PQ_ARROW_TIMESTAMP, 0, 0, 0, 3},
    {"d", PS_TYPE_DATE, 0, NULL, 1, PQ_ARROW_DATE, 0, 0, 0, 0},
    {"s", PS_TYPE_STRING, 0, NULL, 1, PQ_ARROW_UTF8, 0, 0, 0, 0},
    {"bin", PS_TYPE_BINARY, 0, NULL, 1, PQ_ARROW_BINARY, 0, 0, 0, 0},
    {"\xc3\xa9t\xc3\xa9 z", PS_TYPE_TIMESTAMP, PS_UNIT_US, "Asia/Kolkata", 1, PQ_ARROW_TIMESTAMP, 0, 0, 0, 2},
};
#define NCOLS ((int)(sizeof COLS / sizeof COLS[0]))

static ps_frame *make_frame(void) {
  ps_frame *f = NULL;
  if (ps_frame_new(&f) != PS_OK) return NULL;
  for (int i = 0; i < NCOLS; i++) {
    ps_column *c;
    if (ps_frame_add_column(f, COLS[i].name, COLS[i].type, COLS[i].unit, COLS[i].tz, &c) != PS_OK) {
      ps_frame_free(f);
      return NULL;
    }
    c->nullable = COLS[i].nullable;
  }
  return f;
}

/* Leaves as the reader makes them from the Parquet schema: zones lost
 * (isAdjustedToUTC only, shown as "UTC"). */
static int make_leaves(const ps_frame *f, int micros, pq_leaf *leaves) {
  for (int i = 0; i < f->ncols; i++) {
    pq_schema_element el;
    if (pq_schema_element_for_column(f->cols[i], micros, &el, &leaves[i]) != PS_OK) return -1;
    leaves[i].name = ps__strdup(f->cols[i]->name);
    if (leaves[i].utc) leaves[i].tz = ps__strdup("UTC");
  }
  return 0;
}

static void clear_leaves(pq_leaf *leaves, int n) {
  for (int i = 0; i < n; i++) pq_leaf_clear(&leaves[i]);
}

static void check_roundtrip(int micros) {
  ps_frame *f = make_frame();
  ASSERT(f != NULL);
  char *b64 = NULL;
  ASSERT_OK(pq_arrow_schema_build(f, micros, &b64));
  size_t len = strlen(b64);
  ASSERT(len % 4 == 0);
  uint8_t raw[4096];
  ASSERT(len / 4 * 3 <= sizeof raw);
  size_t rn = unb64(b64, raw);
  /* encapsulated, metadata length a multiple of 8 covering the rest */
  ASSERT(raw[0] == 0xFF && raw[1] == 0xFF && raw[2] == 0xFF && raw[3] == 0xFF);
  uint32_t mlen = (uint32_t)raw[4] | (uint32_t)raw[5] << 8 | (uint32_t)raw[6] << 16 | (uint32_t)raw[7] << 24;
  ASSERT_EQ_INT(mlen % 8, 0);
  ASSERT_EQ_INT(mlen + 8, rn);
  seen s;
  ASSERT_EQ_INT(inspect(b64, len, &s), NCOLS);
  ASSERT_EQ_INT(s.n, NCOLS);
  for (int i = 0; i < NCOLS; i++) {
    const colspec *c = &COLS[i];
    ASSERT_EQ_STR(s.name[i], c->name);
    ASSERT_EQ_INT(s.f[i].type_id, c->arrow_type);
    ASSERT_EQ_INT(s.f[i].nullable, c->nullable);
    if (c->arrow_type == PQ_ARROW_INT) {
      ASSERT_EQ_INT(s.f[i].bit_width, c->bits);
      ASSERT_EQ_INT(s.f[i].is_signed, c->is_signed);
    }
    if (c->arrow_type == PQ_ARROW_FLOAT) ASSERT_EQ_INT(s.f[i].precision, c->precision);
    if (c->arrow_type == PQ_ARROW_DATE) ASSERT_EQ_INT(s.f[i].unit, 0); /* DAY */
    if (c->arrow_type == PQ_ARROW_TIMESTAMP) {
      int want = c->arrow_unit == 3 && micros ? 2 : c->arrow_unit;
      ASSERT_EQ_INT(s.f[i].unit, want);
      ASSERT_EQ_INT(s.has_tz[i], c->tz != NULL);
      if (c->tz) ASSERT_EQ_STR(s.tz[i], c->tz);
    }
  }
  /* apply: zones come back on the UTC-adjusted leaves only */
  pq_leaf leaves[NCOLS];
  memset(leaves, 0, sizeof leaves);
  ASSERT(make_leaves(f, micros, leaves) == 0);
  pq_arrow_schema_apply(b64, len, leaves, NCOLS);
  for (int i = 0; i < NCOLS; i++) {
    if (COLS[i].tz)
      ASSERT_EQ_STR(leaves[i].tz, COLS[i].tz);
    else
      ASSERT(leaves[i].tz == NULL);
  }
  clear_leaves(leaves, NCOLS);
  free(b64);
  ps_frame_free(f);
}

static void test_roundtrip(void) { check_roundtrip(0); }
static void test_roundtrip_micros(void) { check_roundtrip(1); }

static void test_empty_frame_and_names(void) {
  ps_frame *f;
  ASSERT_OK(ps_frame_new(&f));
  char *b64;
  ASSERT_OK(pq_arrow_schema_build(f, 0, &b64));
  seen s;
  ASSERT_EQ_INT(inspect(b64, strlen(b64), &s), 0);
  free(b64);
  /* a long name and zone (string lengths past one byte) */
  char name[300];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  ps_column *c;
  ASSERT_OK(ps_frame_add_column(f, name, PS_TYPE_TIMESTAMP, PS_UNIT_NS, "Etc/GMT+5", &c));
  ASSERT_OK(pq_arrow_schema_build(f, 0, &b64));
  ASSERT_EQ_INT(inspect(b64, strlen(b64), &s), 1);
  ASSERT_EQ_INT(strlen(s.name[0]), 63); /* truncated by the collector */
  ASSERT_EQ_STR(s.tz[0], "Etc/GMT+5");
  free(b64);
  ps_frame_free(f);
}

static void test_polars_known_answer(void) {
  seen s;
  ASSERT_EQ_INT(inspect(POLARS_F32_U32, strlen(POLARS_F32_U32), &s), 2);
  ASSERT_EQ_STR(s.name[0], "f32");
  ASSERT_EQ_INT(s.f[0].type_id, PQ_ARROW_FLOAT);
  ASSERT_EQ_INT(s.f[0].precision, 1);
  ASSERT_EQ_INT(s.f[0].nullable, 1);
  ASSERT_EQ_STR(s.name[1], "u32");
  ASSERT_EQ_INT(s.f[1].type_id, PQ_ARROW_INT);
  ASSERT_EQ_INT(s.f[1].bit_width, 32);
  ASSERT_EQ_INT(s.f[1].is_signed, 0);

  ASSERT_EQ_INT(inspect(POLARS_TOKYO, strlen(POLARS_TOKYO), &s), 3);
  ASSERT_EQ_STR(s.name[0], "ts");
  ASSERT_EQ_INT(s.f[0].type_id, PQ_ARROW_TIMESTAMP);
  ASSERT_EQ_INT(s.f[0].unit, 2);
  ASSERT_EQ_STR(s.tz[0], "Asia/Tokyo");
  ASSERT_EQ_STR(s.name[1], "v");
  ASSERT_EQ_INT(s.f[1].type_id, PQ_ARROW_FLOAT);
  ASSERT_EQ_INT(s.f[1].precision, 2);
  ASSERT_EQ_STR(s.name[2], "naive");
  ASSERT_EQ_INT(s.f[2].type_id, PQ_ARROW_TIMESTAMP);
  ASSERT_EQ_INT(s.f[2].unit, 1);
  ASSERT_EQ_INT(s.has_tz[2], 0);

  /* applied to the leaves: only the UTC-adjusted "ts" gets the zone */
  pq_leaf lv[3];
  memset(lv, 0, sizeof lv);
  lv[0] = (pq_leaf){.name = ps__strdup("ts"), .type = PS_TYPE_TIMESTAMP, .utc = 1, .tz = ps__strdup("UTC")};
  lv[1] = (pq_leaf){.name = ps__strdup("v"), .type = PS_TYPE_FLOAT64};
  lv[2] = (pq_leaf){.name = ps__strdup("naive"), .type = PS_TYPE_TIMESTAMP};
  pq_arrow_schema_apply(POLARS_TOKYO, strlen(POLARS_TOKYO), lv, 3);
  ASSERT_EQ_STR(lv[0].tz, "Asia/Tokyo");
  ASSERT(lv[1].tz == NULL && lv[2].tz == NULL);
  /* a non-UTC leaf of the same name is left alone */
  pq_leaf_clear(&lv[0]);
  lv[0] = (pq_leaf){.name = ps__strdup("ts"), .type = PS_TYPE_TIMESTAMP, .utc = 0};
  pq_arrow_schema_apply(POLARS_TOKYO, strlen(POLARS_TOKYO), lv, 3);
  ASSERT(lv[0].tz == NULL);
  /* more fields than leaves: not this file's schema, ignored */
  lv[0].utc = 1;
  pq_arrow_schema_apply(POLARS_TOKYO, strlen(POLARS_TOKYO), lv, 1);
  ASSERT(lv[0].tz == NULL);
  clear_leaves(lv, 3);
}

/* The pre-0.15 form: int32 length without the continuation marker; also
 * whitespace in the base64 and missing padding. */
static void test_legacy_and_lenient_forms(void) {
  uint8_t raw[512];
  size_t n = unb64(POLARS_TOKYO, raw);
  char *b64;
  ASSERT_OK(pq_base64_encode(raw + 4, n - 4, &b64));
  seen s;
  ASSERT_EQ_INT(inspect(b64, strlen(b64), &s), 3);
  ASSERT_EQ_STR(s.tz[0], "Asia/Tokyo");
  free(b64);
  char spaced[1024];
  size_t o = 0;
  for (size_t i = 0; POLARS_F32_U32[i]; i++) {
    if (POLARS_F32_U32[i] == '=') break;
    spaced[o++] = POLARS_F32_U32[i];
    if (i % 60 == 59) spaced[o++] = '\n';
  }
  ASSERT_EQ_INT(inspect(spaced, o, &s), 2);
  ASSERT_EQ_STR(s.name[1], "u32");
  /* garbage: not base64, '=' in the middle, empty */
  ASSERT_EQ_INT(inspect("not base64!", 11, &s), -1);
  ASSERT_EQ_INT(inspect("////=////////////", 17, &s), -1);
  ASSERT_EQ_INT(inspect("", 0, &s), -1);
  ASSERT_EQ_INT(inspect(NULL, 0, &s), -1);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

/* Apply to a fresh leaf set: the zone is unchanged or one of `ok`. */
static int apply_is_sane(const char *b64, size_t len, const char *ok) {
  pq_leaf lv[3];
  memset(lv, 0, sizeof lv);
  lv[0] = (pq_leaf){.name = ps__strdup("ts"), .type = PS_TYPE_TIMESTAMP, .utc = 1, .tz = ps__strdup("UTC")};
  lv[1] = (pq_leaf){.name = ps__strdup("f32"), .type = PS_TYPE_TIMESTAMP, .utc = 1};
  lv[2] = (pq_leaf){.name = ps__strdup("naive"), .type = PS_TYPE_TIMESTAMP, .utc = 1};
  pq_arrow_schema_apply(b64, len, lv, 3);
  seen s;
  (void)inspect(b64, len, &s); /* must not crash either */
  /* flips may rewrite the zone's bytes, but never its length past the input,
   * and it always stays a C string; the others stay naive or UTC-adjusted */
  int sane = lv[0].tz && (strcmp(lv[0].tz, "UTC") == 0 || strcmp(lv[0].tz, ok) == 0 || strlen(lv[0].tz) < len);
  clear_leaves(lv, 3);
  return sane;
}

static void hostile_one(const char *b64, const char *ok) {
  size_t len = strlen(b64);
  /* every truncation of the text */
  for (size_t k = 0; k < len; k++) ASSERT(apply_is_sane(b64, k, ok));
  /* every truncation of the bytes, re-encoded */
  uint8_t raw[4096], mut[4096];
  size_t n = unb64(b64, raw);
  for (size_t k = 0; k < n; k++) {
    char *e;
    ASSERT_OK(pq_base64_encode(raw, k, &e));
    seen s;
    /* the message claims more bytes than there are: always rejected */
    size_t mlen = (size_t)raw[4] | (size_t)raw[5] << 8 | (size_t)raw[6] << 16 | (size_t)raw[7] << 24;
    if (k < 8 + mlen) ASSERT_EQ_INT(inspect(e, strlen(e), &s), -1);
    ASSERT(apply_is_sane(e, strlen(e), ok));
    free(e);
  }
  /* random byte flips, 1..4 bytes at a time, and random text flips */
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(mut, raw, n);
    int flips = 1 + (int)(rnd() % 4);
    for (int j = 0; j < flips; j++) {
      size_t at = rnd() % n;
      uint32_t r = rnd();
      if (r & 0x10000)
        mut[at] ^= (uint8_t)(1u << (r & 7));
      else
        mut[at] = (uint8_t)(r >> 8);
    }
    char *e;
    ASSERT_OK(pq_base64_encode(mut, n, &e));
    ASSERT(apply_is_sane(e, strlen(e), ok));
    free(e);
  }
  char text[4096];
  for (int iter = 0; iter < 5000; iter++) {
    memcpy(text, b64, len);
    text[rnd() % len] = (char)(rnd() & 0xFF);
    ASSERT(apply_is_sane(text, len, ok));
  }
}

static void test_hostile_inputs(void) {
  hostile_one(POLARS_F32_U32, "UTC");
  hostile_one(POLARS_TOKYO, "Asia/Tokyo");
  ps_frame *f = make_frame();
  ASSERT(f != NULL);
  char *b64;
  ASSERT_OK(pq_arrow_schema_build(f, 0, &b64));
  ps_frame_free(f);
  ASSERT(strlen(b64) < 4096);
  hostile_one(b64, "UTC");
  free(b64);
}

/* Hand-made hostile flatbuffers: self-referencing and out-of-range offsets. */
static void test_crafted(void) {
  uint8_t buf[64];
  char *e;
  seen s;
  /* root offset pointing past the end */
  memset(buf, 0, sizeof buf);
  memset(buf, 0xFF, 4);
  buf[4] = 16;
  buf[8] = 0xF0;
  ASSERT_OK(pq_base64_encode(buf, 24, &e));
  ASSERT_EQ_INT(inspect(e, strlen(e), &s), -1);
  free(e);
  /* root -> table whose vtable offset points before the buffer */
  memset(buf, 0, sizeof buf);
  memset(buf, 0xFF, 4);
  buf[4] = 16;
  buf[8] = 4;
  buf[12] = 0x7F;
  ASSERT_OK(pq_base64_encode(buf, 24, &e));
  ASSERT_EQ_INT(inspect(e, strlen(e), &s), -1);
  free(e);
  /* table is its own vtable with an absurd size */
  memset(buf, 0, sizeof buf);
  memset(buf, 0xFF, 4);
  buf[4] = 16;
  buf[8] = 4;
  buf[14] = 0xFF;
  buf[15] = 0xFF;
  ASSERT_OK(pq_base64_encode(buf, 24, &e));
  ASSERT_EQ_INT(inspect(e, strlen(e), &s), -1);
  free(e);
  /* a huge metadata length */
  memset(buf, 0, sizeof buf);
  memset(buf, 0xFF, 8);
  ASSERT_OK(pq_base64_encode(buf, 24, &e));
  ASSERT_EQ_INT(inspect(e, strlen(e), &s), -1);
  free(e);
}

/* Writer and reader wired together: with a caller-supplied pandas entry
 * that carries no zones, the zones still come back through ARROW:schema. */
static void test_file_roundtrip(void) {
  char dir[] = "/tmp/ps_test_arrow_schema_XXXXXX";
  ASSERT(mkdtemp(dir) != NULL);
  char path[128];
  snprintf(path, sizeof path, "%s/a.parquet", dir);
  ps_frame *f;
  ASSERT_OK(ps_frame_new(&f));
  ps_column *ny, *utc, *naive, *v;
  ASSERT_OK(ps_frame_add_column(f, "ny", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "America/New_York", &ny));
  ASSERT_OK(ps_frame_add_column(f, "utc", PS_TYPE_TIMESTAMP, PS_UNIT_US, "UTC", &utc));
  ASSERT_OK(ps_frame_add_column(f, "naive", PS_TYPE_TIMESTAMP, PS_UNIT_MS, NULL, &naive));
  ASSERT_OK(ps_frame_add_column(f, "v", PS_TYPE_FLOAT64, 0, NULL, &v));
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(ps_column_append_int(ny, 1700000000000000000LL + i));
    ASSERT_OK(ps_column_append_int(utc, 1700000000000000LL + i));
    ASSERT_OK(ps_column_append_int(naive, 1700000000000LL + i));
    ASSERT_OK(ps_column_append_double(v, i));
  }
  ASSERT_OK(ps_frame_validate(f));
  const char *md[] = {"pandas", "{}", NULL};
  ps_write_options opt = {0};
  opt.metadata = md;
  ASSERT_OK(ps_parquet_write(path, f, &opt));
  ps_parquet_file *pf;
  ASSERT_OK(ps_parquet_open(path, &pf));
  const char *arrow = ps_parquet_metadata_value(pf, "ARROW:schema");
  ASSERT(arrow != NULL);
  ASSERT_EQ_STR(ps_parquet_metadata_value(pf, "pandas"), "{}");
  ps_frame *sch;
  ASSERT_OK(ps_parquet_schema(pf, &sch));
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column(sch, 0)), "America/New_York");
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column(sch, 1)), "UTC");
  ASSERT(ps_column_tz(ps_frame_column(sch, 2)) == NULL);
  ps_frame_free(sch);
  ps_parquet_close(pf);
  unlink(path);

  /* a caller-supplied ARROW:schema is kept as given */
  const char *md2[] = {"ARROW:schema", POLARS_F32_U32, NULL};
  opt.metadata = md2;
  ASSERT_OK(ps_parquet_write(path, f, &opt));
  ASSERT_OK(ps_parquet_open(path, &pf));
  ASSERT_EQ_STR(ps_parquet_metadata_value(pf, "ARROW:schema"), POLARS_F32_U32);
  /* the generated pandas entry still restores the zone */
  ASSERT_OK(ps_parquet_schema(pf, &sch));
  ASSERT_EQ_STR(ps_column_tz(ps_frame_column(sch, 0)), "America/New_York");
  ps_frame_free(sch);
  ps_parquet_close(pf);
  unlink(path);
  rmdir(dir);
  ps_frame_free(f);
}

/* Allocation failures while building are reported, never crash or leak. */
static void test_build_alloc_failures(void) {
  ps_frame *f = make_frame();
  ASSERT(f != NULL);
  int ok = 0;
  for (long n = 0; n < 40 && !ok; n++) {
    char *b64 = NULL;
    ps__alloc_fail_after(n);
    int rc = pq_arrow_schema_build(f, 0, &b64);
    ps__alloc_fail_after(-1);
    if (rc == PS_OK) {
      ok = 1;
      free(b64);
    } else {
      ASSERT_EQ_INT(rc, PS_ERR_NOMEM);
      ASSERT(b64 == NULL);
    }
  }
  ASSERT(ok);
  ps_frame_free(f);
}

int main(void) {
  RUN(test_roundtrip);
  RUN(test_roundtrip_micros);
  RUN(test_empty_frame_and_names);
  RUN(test_polars_known_answer);
  RUN(test_legacy_and_lenient_forms);
  RUN(test_hostile_inputs);
  RUN(test_crafted);
  RUN(test_file_roundtrip);
  RUN(test_build_alloc_failures);
  TEST_MAIN_END();
}
