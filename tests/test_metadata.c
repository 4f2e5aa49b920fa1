/* Thrift compact protocol and Parquet footer structures: known bytes,
 * round trips, and hostile input (truncation, huge lengths, deep nesting). */
#include <stdint.h>
#include <string.h>

#include "parquet/metadata.h"
#include "parquet/thrift.h"
#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"

static pq_bytes B(const char *s) { return (pq_bytes){(const uint8_t *)s, (uint32_t)strlen(s)}; }

/* Known encodings from the compact protocol spec: field header deltas,
 * zigzag varints, long field-id form, list headers. */
static void test_known_bytes(void) {
  ps_buf b = {0};
  tc_writer w;
  tc_writer_init(&w, &b);
  tc_write_struct_begin(&w);
  tc_write_i32_field(&w, 1, -1);      /* 0x15 0x01 */
  tc_write_i64_field(&w, 2, 150);     /* 0x16 0xAC 0x02: delta from the previous id */
  tc_write_bool_field(&w, 3, 1);      /* 0x11: value in the type nibble */
  tc_write_i32_field(&w, 40, 0);      /* 0x05 0x50 0x00: delta 37 > 15, id zigzag 80 */
  tc_write_field_begin(&w, TC_LIST, 41);
  tc_write_list_begin(&w, TC_I32, 2); /* 0x19 0x25 */
  tc_write_i32(&w, 1);
  tc_write_i32(&w, -2);
  tc_write_struct_end(&w);
  const uint8_t want[] = {0x15, 0x01, 0x16, 0xAC, 0x02, 0x11, 0x05, 0x50, 0x00, 0x19, 0x25, 0x02, 0x03, 0x00};
  ASSERT_EQ_INT(w.err, 0);
  ASSERT_EQ_INT(b.len, sizeof want);
  for (size_t i = 0; i < sizeof want; i++) ASSERT_EQ_INT(b.data[i], want[i]);

  tc_reader r;
  tc_reader_init(&r, b.data, b.len);
  tc_read_struct_begin(&r);
  int t, bv;
  int16_t id;
  ASSERT(tc_read_field_next(&r, &t, &id, &bv) && t == TC_I32 && id == 1);
  ASSERT_EQ_INT(tc_read_i32(&r), -1);
  ASSERT(tc_read_field_next(&r, &t, &id, &bv) && t == TC_I64 && id == 2);
  ASSERT_EQ_INT(tc_read_i64(&r), 150);
  ASSERT(tc_read_field_next(&r, &t, &id, &bv) && t == TC_TRUE && id == 3 && bv == 1);
  ASSERT(tc_read_field_next(&r, &t, &id, &bv) && t == TC_I32 && id == 40);
  ASSERT_EQ_INT(tc_read_i32(&r), 0);
  ASSERT(tc_read_field_next(&r, &t, &id, &bv) && t == TC_LIST && id == 41);
  tc_skip(&r, t);
  ASSERT(!tc_read_field_next(&r, &t, &id, &bv));
  ASSERT_EQ_INT(r.err, 0);
  ASSERT(r.p == r.end);
  ps_buf_free(&b);
}

static void build_meta(pq_file_meta *m, pq_schema_element *schema, pq_row_group *rg, pq_column_chunk *cc, pq_kv *kv,
                       int *orders, int *encs, pq_bytes *path) {
  memset(m, 0, sizeof *m);
  memset(schema, 0, 3 * sizeof *schema);
  schema[0] = (pq_schema_element){.name = B("schema"), .num_children = 2, .converted_type = PQ_CT_NONE};
  schema[1] = (pq_schema_element){.has_type = 1, .type = PQ_INT64, .has_repetition = 1, .repetition = PQ_OPTIONAL,
                                  .name = B("ts"), .converted_type = PQ_CT_NONE,
                                  .logical = {.kind = PQ_LT_TIMESTAMP, .ts_utc = 1, .unit = PQ_NANOS}};
  schema[2] = (pq_schema_element){.has_type = 1, .type = PQ_BYTE_ARRAY, .has_repetition = 1, .repetition = PQ_REQUIRED,
                                  .name = B("s"), .converted_type = PQ_CT_UTF8, .logical = {.kind = PQ_LT_STRING}};
  encs[0] = PQ_ENC_PLAIN;
  encs[1] = PQ_ENC_RLE;
  path[0] = B("ts");
  memset(cc, 0, sizeof *cc);
  cc->has_meta_data = 1;
  pq_column_meta *cm = &cc->meta_data;
  cm->type = PQ_INT64;
  cm->encodings = encs;
  cm->num_encodings = 2;
  cm->path = path;
  cm->path_len = 1;
  cm->codec = 1;
  cm->num_values = 3;
  cm->total_uncompressed_size = 100;
  cm->total_compressed_size = 80;
  cm->data_page_offset = 4;
  cm->has_statistics = 1;
  cm->statistics.has_min_value = cm->statistics.has_max_value = cm->statistics.has_null_count = 1;
  cm->statistics.min_value = (pq_bytes){(const uint8_t *)"\x01\x00\x00\x00\x00\x00\x00\x80", 8};
  cm->statistics.max_value = (pq_bytes){(const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\x7f", 8};
  cm->statistics.null_count = 1;
  cc->has_column_index = 1;
  cc->column_index_offset = 1000;
  cc->column_index_length = 20;
  memset(rg, 0, sizeof *rg);
  rg->columns = cc;
  rg->num_columns = 1;
  rg->num_rows = 3;
  rg->total_byte_size = 100;
  rg->has_ordinal = 1;
  rg->ordinal = 0;
  kv[0] = (pq_kv){.key = B("pandas"), .has_value = 1, .value = B("{}")};
  orders[0] = orders[1] = 1;
  m->version = 2;
  m->schema = schema;
  m->num_schema = 3;
  m->num_rows = 3;
  m->row_groups = rg;
  m->num_row_groups = 1;
  m->kv = kv;
  m->num_kv = 1;
  m->has_created_by = 1;
  m->created_by = B("pystore test");
  m->column_orders = orders;
  m->num_column_orders = 2;
}

static void test_file_meta_round_trip(void) {
  pq_file_meta m, back;
  pq_schema_element schema[3];
  pq_row_group rg;
  pq_column_chunk cc;
  pq_kv kv[1];
  int orders[2], encs[2];
  pq_bytes path[1];
  build_meta(&m, schema, &rg, &cc, kv, orders, encs, path);
  ps_buf b = {0};
  ASSERT_OK(pq_write_file_meta(&b, &m));
  ASSERT_OK(pq_parse_file_meta(b.data, b.len, &back));
  ASSERT_EQ_INT(back.version, 2);
  ASSERT_EQ_INT(back.num_schema, 3);
  ASSERT_EQ_INT(back.schema[1].logical.kind, PQ_LT_TIMESTAMP);
  ASSERT_EQ_INT(back.schema[1].logical.unit, PQ_NANOS);
  ASSERT_EQ_INT(back.schema[1].logical.ts_utc, 1);
  ASSERT_EQ_INT(back.schema[2].converted_type, PQ_CT_UTF8);
  ASSERT_EQ_INT(back.schema[2].repetition, PQ_REQUIRED);
  ASSERT(back.schema[2].name.len == 1 && back.schema[2].name.ptr[0] == 's');
  ASSERT_EQ_INT(back.num_row_groups, 1);
  const pq_column_meta *cm = &back.row_groups[0].columns[0].meta_data;
  ASSERT_EQ_INT(cm->num_encodings, 2);
  ASSERT_EQ_INT(cm->encodings[1], PQ_ENC_RLE);
  ASSERT_EQ_INT(cm->statistics.null_count, 1);
  ASSERT(cm->statistics.has_min_value && cm->statistics.min_value.len == 8);
  ASSERT(memcmp(cm->statistics.max_value.ptr, "\xff\xff\xff\xff\xff\xff\xff\x7f", 8) == 0);
  ASSERT_EQ_INT(back.row_groups[0].columns[0].column_index_offset, 1000);
  ASSERT(!back.row_groups[0].columns[0].has_offset_index);
  ASSERT_EQ_INT(back.num_kv, 1);
  ASSERT(back.kv[0].value.len == 2);
  ASSERT_EQ_INT(back.num_column_orders, 2);
  ASSERT_EQ_INT(back.column_orders[0], 1);
  ASSERT(back.created_by.len == 12);
  pq_file_meta_free(&back);

  /* Every truncation of a valid footer is an error, never a crash. */
  for (size_t n = 0; n < b.len; n++) {
    pq_file_meta t;
    int rc = pq_parse_file_meta(b.data, n, &t);
    ASSERT_EQ_INT(rc, PS_ERR_CORRUPT);
  }
  /* Every single-byte corruption either parses or fails cleanly. */
  for (size_t i = 0; i < b.len; i++) {
    for (int v = 0; v < 256; v += 17) {
      uint8_t save = b.data[i];
      b.data[i] = (uint8_t)v;
      pq_file_meta t;
      int rc = pq_parse_file_meta(b.data, b.len, &t);
      ASSERT(rc == PS_OK || rc == PS_ERR_CORRUPT);
      if (rc == PS_OK) pq_file_meta_free(&t);
      b.data[i] = save;
    }
  }
  ps_buf_free(&b);
}

static void test_hostile(void) {
  pq_file_meta m;
  /* field 2 (schema) as a list claiming 2^31 structs in 6 bytes */
  const uint8_t huge_list[] = {0x15, 0x02, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0x07};
  ASSERT_RC(pq_parse_file_meta(huge_list, sizeof huge_list, &m), PS_ERR_CORRUPT);
  /* binary length beyond the data */
  const uint8_t long_bin[] = {0x68, 0xFF, 0xFF, 0x03, 'x'};
  ASSERT_RC(pq_parse_file_meta(long_bin, sizeof long_bin, &m), PS_ERR_CORRUPT);
  /* deeply nested unknown structs: depth is capped, no stack overflow */
  uint8_t deep[4000];
  for (size_t i = 0; i < sizeof deep; i++) deep[i] = 0x1C; /* field +1, struct */
  ASSERT_RC(pq_parse_file_meta(deep, sizeof deep, &m), PS_ERR_CORRUPT);
  ASSERT(strstr(ps_errmsg(), "nested") != NULL);
  /* an empty struct lacks required fields */
  const uint8_t empty[] = {0x00};
  ASSERT_RC(pq_parse_file_meta(empty, 1, &m), PS_ERR_CORRUPT);
  /* overlong varint */
  const uint8_t varint[] = {0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  ASSERT_RC(pq_parse_file_meta(varint, sizeof varint, &m), PS_ERR_CORRUPT);
}

static void test_page_header_round_trip(void) {
  pq_page_header h;
  memset(&h, 0, sizeof h);
  h.type = PQ_PAGE_DATA_V2;
  h.uncompressed_page_size = 1234;
  h.compressed_page_size = 567;
  h.has_crc = 1;
  h.crc = -5;
  h.has_data_page_header_v2 = 1;
  h.data_page_header_v2 = (pq_data_page_header_v2){.num_values = 10, .num_nulls = 2, .num_rows = 10,
                                                   .encoding = PQ_ENC_DELTA_BINARY_PACKED,
                                                   .def_levels_byte_length = 4, .is_compressed = 0};
  ps_buf b = {0};
  ASSERT_OK(pq_write_page_header(&b, &h));
  ASSERT_OK(ps_buf_append(&b, "payload", 7));
  pq_page_header back;
  size_t hl;
  ASSERT_OK(pq_parse_page_header(b.data, b.len, &back, &hl));
  ASSERT_EQ_INT(hl, b.len - 7);
  ASSERT_EQ_INT(back.type, PQ_PAGE_DATA_V2);
  ASSERT_EQ_INT(back.crc, -5);
  ASSERT_EQ_INT(back.data_page_header_v2.num_nulls, 2);
  ASSERT_EQ_INT(back.data_page_header_v2.is_compressed, 0);
  ASSERT_EQ_INT(back.data_page_header_v2.encoding, PQ_ENC_DELTA_BINARY_PACKED);
  for (size_t n = 0; n + 7 < b.len; n++) ASSERT_RC(pq_parse_page_header(b.data, n, &back, &hl), PS_ERR_CORRUPT);
  ps_buf_free(&b);
}

static void test_page_index_round_trip(void) {
  uint8_t nulls[3] = {0, 1, 0};
  pq_bytes mins[3] = {B("a"), B(""), B("m")}, maxs[3] = {B("f"), B(""), B("z")};
  int64_t ncounts[3] = {0, 5, 1};
  pq_column_index ci = {.null_pages = nulls, .min_values = mins, .max_values = maxs, .num_pages = 3,
                        .boundary_order = PQ_ORDER_ASCENDING, .has_null_counts = 1, .null_counts = ncounts};
  ps_buf b = {0};
  ASSERT_OK(pq_write_column_index(&b, &ci));
  pq_column_index back;
  ASSERT_OK(pq_parse_column_index(b.data, b.len, &back));
  ASSERT_EQ_INT(back.num_pages, 3);
  ASSERT_EQ_INT(back.null_pages[1], 1);
  ASSERT_EQ_INT(back.null_pages[2], 0);
  ASSERT(back.max_values[2].len == 1 && back.max_values[2].ptr[0] == 'z');
  ASSERT_EQ_INT(back.null_counts[1], 5);
  ASSERT_EQ_INT(back.boundary_order, PQ_ORDER_ASCENDING);
  pq_column_index_free(&back);

  pq_page_location locs[2] = {{4, 100, 0}, {104, 90, 5000}};
  pq_offset_index oi = {.page_locations = locs, .num_pages = 2};
  ps_buf_clear(&b);
  ASSERT_OK(pq_write_offset_index(&b, &oi));
  pq_offset_index obk;
  ASSERT_OK(pq_parse_offset_index(b.data, b.len, &obk));
  ASSERT_EQ_INT(obk.num_pages, 2);
  ASSERT_EQ_INT(obk.page_locations[1].first_row_index, 5000);
  ASSERT_EQ_INT(obk.page_locations[1].offset, 104);
  pq_offset_index_free(&obk);
  for (size_t n = 0; n < b.len; n++) ASSERT_RC(pq_parse_offset_index(b.data, n, &obk), PS_ERR_CORRUPT);
  ps_buf_free(&b);
}

/* Allocation failure anywhere in parsing is reported, never a crash or leak. */
static void test_alloc_failures(void) {
  pq_file_meta m, back;
  pq_schema_element schema[3];
  pq_row_group rg;
  pq_column_chunk cc;
  pq_kv kv[1];
  int orders[2], encs[2];
  pq_bytes path[1];
  build_meta(&m, schema, &rg, &cc, kv, orders, encs, path);
  ps_buf b = {0};
  ASSERT_OK(pq_write_file_meta(&b, &m));
  int ok = 0;
  for (long n = 0; n < 200 && !ok; n++) {
    ps__alloc_fail_after(n);
    int rc = pq_parse_file_meta(b.data, b.len, &back);
    ps__alloc_fail_after(-1);
    if (rc == PS_OK) {
      ok = 1;
      pq_file_meta_free(&back);
    } else {
      ASSERT_EQ_INT(rc, PS_ERR_NOMEM);
    }
  }
  ASSERT(ok);
  ps_buf_free(&b);
}

int main(void) {
  RUN(test_known_bytes);
  RUN(test_file_meta_round_trip);
  RUN(test_hostile);
  RUN(test_page_header_round_trip);
  RUN(test_page_index_round_trip);
  RUN(test_alloc_failures);
  TEST_MAIN_END();
}
