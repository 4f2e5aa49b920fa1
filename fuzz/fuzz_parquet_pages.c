/* libFuzzer target: the page decoder (src/parquet/page_decoder.c) driven
 * directly with one column chunk, so that mutations land in page headers
 * and bodies instead of in the footer (fuzz_parquet_reader needs a valid
 * footer first, and sees compressed bodies only through a valid file).
 *
 * Input: a 13-byte header, then the column chunk's bytes (page headers and
 * bodies, as in a file):
 *   [0] physical type      [1] repetition (0 REQUIRED, 1 OPTIONAL)
 *   [2] logical type kind  [3] its first parameter (int bits, time unit, decimal scale)
 *   [4] its second (signed, isAdjustedToUTC, precision)
 *   [5] converted type (0xFF = none)  [6] type_length  [7] legacy decimal scale
 *   [8] codec (Parquet number: 0 none .. 7 LZ4_RAW; 3 LZO is unsupported)
 *   [9] flags: bit 0 verify CRCs; bits 1-2 mode (0 all rows, 1 row ranges,
 *       2 gather rows, 3 row ranges with an offset index); bit 3 seconds
 *       frame unit (pandas' datetime64[s] over ms); bit 4 damage the offset
 *       index; bit 5 the scratch column starts with rows (capacity reuse)
 *   [10..11] rows in the row group (little endian, at most 8192)
 *   [12] seed for the ranges / gathered rows
 * The schema element is interpreted by pq_leaf_from_element, as for a file,
 * so every leaf kind the reader supports is reachable: booleans, INT32 with
 * 8/16/32-bit and unsigned logical types, DATE, decimals (INT32, INT64,
 * FIXED), INT64, UINT64, timestamps in every unit, INT96, FLOAT, DOUBLE,
 * FLOAT16, strings and binary, fixed-length binary; and every page kind:
 * dictionary pages, data pages V1 and V2, every codec, pages with CRCs.
 * Seeds are chunks cut out of files written by pystore, DuckDB and Polars
 * (fuzz/tools/make_page_seeds.c).
 *
 * Invariants: a decode only succeeds or fails with CORRUPT / UNSUPPORTED /
 * CODEC / LIMIT (never INTERNAL); a success fills exactly the rows asked
 * for, every value slot written (valgrind checks that on the replay: the
 * values are summed and branched on), string offsets monotonic and inside
 * the byte buffer, null counts within the rows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "parquet/metadata.h"
#include "parquet/page_decoder.h"
#include "parquet/schema.h"
#include "table/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER 13
#define MAX_RANGES 8

/* Sorted disjoint ranges inside [0, rows) from a seed (at least one). */
static int make_ranges(int64_t rows, uint8_t seed, pq_row_range *r) {
  int n = 0;
  int64_t pos = (seed & 7) * rows / 16;
  uint32_t x = seed * 2654435761u + 1;
  while (n < MAX_RANGES && pos < rows) {
    x = x * 1103515245u + 12345u;
    int64_t len = 1 + (int64_t)(x >> 16) % (rows / 4 + 1);
    int64_t end = pos + len < rows ? pos + len : rows;
    r[n++] = (pq_row_range){pos, end};
    x = x * 1103515245u + 12345u;
    pos = end + (int64_t)(x >> 16) % (rows / 8 + 2);
  }
  if (n == 0) r[n++] = (pq_row_range){0, rows};
  return n;
}

/* An offset index for the chunk from its own page headers (a reader gets
 * one from the file); `damage` shifts one entry. NULL if no data pages. */
static int make_offset_index(const uint8_t *p, size_t len, int64_t base, int damage, pq_offset_index *oi) {
  memset(oi, 0, sizeof *oi);
  pq_page_location *loc = NULL;
  uint32_t n = 0, cap = 0;
  size_t pos = 0;
  int64_t row = 0;
  while (pos < len) {
    pq_page_header h;
    size_t hl;
    if (pq_parse_page_header(p + pos, len - pos, &h, &hl) != PS_OK || h.compressed_page_size < 0 ||
        (size_t)h.compressed_page_size > len - pos - hl)
      break;
    if (h.type == PQ_PAGE_DATA || h.type == PQ_PAGE_DATA_V2) {
      if (n == cap) {
        cap = cap ? cap * 2 : 8;
        loc = realloc(loc, cap * sizeof *loc);
        if (!loc) abort();
      }
      loc[n++] = (pq_page_location){base + (int64_t)pos, (int32_t)(hl + (size_t)h.compressed_page_size), row};
      row += h.type == PQ_PAGE_DATA ? h.data_page_header.num_values : h.data_page_header_v2.num_values;
    }
    pos += hl + (size_t)h.compressed_page_size;
  }
  if (n == 0) {
    free(loc);
    return 0;
  }
  if (damage) {
    loc[damage % n].first_row_index += damage & 1 ? 1 : -3;
    if (damage & 2) loc[damage % n].offset += 1;
  }
  oi->page_locations = loc;
  oi->num_pages = n;
  return 1;
}

/* Touch every value so that valgrind reports slots a decoder left unwritten. */
static void use_values(const ps_column *col, int64_t rows) {
  static volatile int sink;
  const uint8_t *v = col->values;
  size_t n = ps_is_string_type(col->type) ? (size_t)(rows + 1) * 8 : (size_t)rows * ps_type_width(col->type);
  unsigned h = 0;
  for (size_t i = 0; i < n; i++) h = h * 31 + v[i];
  for (int64_t i = 0; ps_is_string_type(col->type) && i < col->bytes_len; i++) h = h * 31 + (uint8_t)col->bytes[i];
  if (h == 0x9e3779b9u) sink++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < HEADER || size > 1 << 20) return 0;
  pq_schema_element el;
  memset(&el, 0, sizeof el);
  el.has_type = 1;
  el.type = data[0] % 8;
  el.has_repetition = 1;
  el.repetition = data[1] & 1;
  el.name.ptr = (const uint8_t *)"col";
  el.name.len = 3;
  el.logical.kind = data[2] % 16;
  el.logical.int_bits = el.logical.kind == PQ_LT_INTEGER ? 8 << (data[3] % 4) : 0;
  el.logical.unit = 1 + data[3] % 3;
  el.logical.dec_scale = data[3] % 40;
  el.logical.int_signed = data[4] & 1;
  el.logical.ts_utc = data[4] & 1;
  el.logical.dec_precision = data[4];
  el.converted_type = data[5] == 0xFF ? PQ_CT_NONE : data[5] % 22;
  el.type_length = data[6];
  el.scale = data[7] % 40;
  pq_leaf lf;
  if (pq_leaf_from_element(&el, &lf) != PS_OK) {
    pq_leaf_clear(&lf);
    return 0;
  }
  int flags = data[9], mode = (flags >> 1) & 3;
  if ((flags & 8) && lf.type == PS_TYPE_TIMESTAMP && lf.unit == PS_UNIT_MS) lf.frame_unit = PS_UNIT_S;
  int64_t rows = (data[10] | data[11] << 8) % 8193;

  /* the chunk: an exact-size copy so that ASan sees any read past it */
  size_t len = size - HEADER;
  uint8_t *chunk = fz_malloc(len);
  if (len) memcpy(chunk, data + HEADER, len);
  pq_column_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.type = lf.physical;
  meta.codec = data[8] % 8;
  meta.num_values = rows;
  const int64_t base = 4; /* the chunk's file offset, after "PAR1" */
  pq_offset_index oi;
  int have_oi = mode == 3 && make_offset_index(chunk, len, base, (flags & 16) ? data[12] | 4 : 0, &oi);
  pq_chunk_source src = {.path = "fuzz.parquet", .column = "col", .leaf = &lf, .meta = &meta, .data = chunk,
                         .len = len, .num_rows = rows, .offset_index = have_oi ? &oi : NULL,
                         .chunk_offset = base, .verify_crc = flags & 1};

  pq_row_range ranges[MAX_RANGES];
  int nranges = 1;
  ranges[0] = (pq_row_range){0, rows};
  if ((mode == 1 || mode == 3) && rows > 0) nranges = make_ranges(rows, data[12], ranges);
  int64_t want = 0;
  for (int i = 0; i < nranges; i++) want += ranges[i].end - ranges[i].begin;

  /* gather mode: every k-th row (k from the seed), over the whole row group */
  int64_t *gather = NULL, ngather = 0;
  if (mode == 2) {
    int64_t k = 1 + data[12] % 7;
    gather = fz_malloc(sizeof *gather * (size_t)(rows / k + 1));
    for (int64_t r = data[12] % k; r < rows; r += k) gather[ngather++] = r;
    want = ngather;
  }

  ps_column *col;
  if (ps__column_new("col", lf.type, lf.frame_unit, NULL, &col) != PS_OK) abort();
  int64_t first = 0;
  if ((flags & 32) && ps_is_string_type(lf.type)) { /* appending after existing rows */
    if (ps_column_append_string(col, "seed", 4) != PS_OK) abort();
    first = 1;
  }
  uint8_t *validity = NULL;
  pq_sink sink;
  memset(&sink, 0, sizeof sink);
  sink.col = col;
  if (mode == 2) {
    sink.gather = gather;
    sink.ngather = ngather;
  } else {
    if (!ps_is_string_type(lf.type) && ps__column_reserve_uninit(col, want) != PS_OK) abort();
    if (lf.optional) {
      validity = calloc((size_t)(want + 7) / 8 + 1, 1);
      if (!validity) abort();
      sink.validity = validity;
    }
  }
  pq_decode_stats stats;
  memset(&stats, 0, sizeof stats);
  int rc = pq_decode_chunk(&src, ranges, nranges, &sink, &stats);
  if (getenv("FZ_VERBOSE")) fprintf(stderr, "decode: %s %s\n", ps_status_name(rc), rc ? ps_errmsg() : "");
  FZ_CHECK(rc == PS_OK || rc == PS_ERR_CORRUPT || rc == PS_ERR_UNSUPPORTED || rc == PS_ERR_CODEC ||
           rc == PS_ERR_LIMIT);
  if (rc == PS_OK) {
    FZ_CHECK(stats.pages_read <= stats.pages_total && stats.bytes_read <= (int64_t)len);
    if (ps_is_string_type(lf.type) || mode == 2) {
      FZ_CHECK(col->length == first + want);
      if (ps_is_string_type(lf.type)) {
        const int64_t *off = col->values;
        for (int64_t i = 0; i < col->length; i++) FZ_CHECK(off[i] <= off[i + 1]);
        FZ_CHECK(off[col->length] == col->bytes_len);
      }
      if (mode == 2 && col->validity) FZ_CHECK(col->null_count <= want);
    } else {
      FZ_CHECK(sink.row == want);
      col->length = want;
    }
    if (mode != 2) FZ_CHECK(sink.nulls >= 0 && sink.nulls <= want && (lf.optional || sink.nulls == 0));
    use_values(col, col->length);
  }
  ps__column_free(col);
  free(validity);
  free(gather);
  if (have_oi) free(oi.page_locations);
  free(chunk);
  pq_leaf_clear(&lf);
  return 0;
}
