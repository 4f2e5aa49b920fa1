/* Seed corpus for fuzz_parquet_pages: every column chunk of the first row
 * group of Parquet files, each behind the 13-byte header the target reads
 * (see fuzz/fuzz_parquet_pages.c). Files come from the command line (e.g.
 * the DuckDB/Polars files of fuzz/corpus/fuzz_parquet_reader) and from
 * pystore's own writer in several configurations (codecs, V1/V2 pages,
 * dictionary, delta, byte stream split, page CRCs).
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -Isrc fuzz/tools/make_page_seeds.c \
 *      build-x/libpystore.a $(pkg-config --libs libzstd liblz4 zlib libbrotlienc libbrotlidec jansson libdeflate) \
 *      -lsnappy -lpthread -lm -o /tmp/make_page_seeds
 *   /tmp/make_page_seeds fuzz/corpus/fuzz_parquet_pages fuzz/corpus/fuzz_parquet_reader/[a-z]*.parquet
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/file.h"
#include "pystore.h"

static int nseeds;

static void emit(const char *dir, const char *tag, const ps_parquet_file *f, int leaf, int mode) {
  if (f->meta.num_row_groups == 0) return;
  const pq_row_group *g = &f->meta.row_groups[0];
  const pq_column_chunk *cc = &g->columns[leaf];
  int64_t start, len;
  pq_chunk_range(&cc->meta_data, &start, &len);
  if (len <= 0 || len > 12000) return;
  const pq_schema_element *el = &f->meta.schema[leaf + 1];
  const pq_logical_type *lt = &el->logical;
  uint8_t h[13] = {0};
  h[0] = (uint8_t)el->type;
  h[1] = el->has_repetition ? el->repetition == 1 : 1;
  h[2] = (uint8_t)lt->kind;
  if (lt->kind == 10) h[3] = lt->int_bits == 8 ? 0 : lt->int_bits == 16 ? 1 : lt->int_bits == 32 ? 2 : 3;
  if (lt->kind == 8) h[3] = (uint8_t)(lt->unit - 1);
  if (lt->kind == 5) h[3] = (uint8_t)lt->dec_scale;
  h[4] = (uint8_t)(lt->kind == 10 ? lt->int_signed : lt->kind == 8 ? lt->ts_utc : lt->dec_precision);
  h[5] = el->converted_type < 0 ? 0xFF : (uint8_t)el->converted_type;
  h[6] = (uint8_t)el->type_length;
  h[7] = (uint8_t)el->scale;
  h[8] = (uint8_t)cc->meta_data.codec;
  h[9] = (uint8_t)(1 | (mode << 1));
  h[10] = (uint8_t)(g->num_rows & 0xFF);
  h[11] = (uint8_t)(g->num_rows >> 8);
  h[12] = (uint8_t)(nseeds * 37);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s-%.*s", dir, tag, (int)el->name.len, (const char *)el->name.ptr);
  FILE *fp = fopen(path, "wb");
  if (!fp) return;
  fwrite(h, 1, sizeof h, fp);
  fwrite(f->map + start, 1, (size_t)len, fp);
  fclose(fp);
  nseeds++;
}

static void emit_file(const char *dir, const char *tag, const char *file, int max_leaves) {
  ps_parquet_file *f;
  if (ps_parquet_open(file, &f) != PS_OK) {
    fprintf(stderr, "%s: %s\n", file, ps_errmsg());
    return;
  }
  for (int i = 0; i < f->nleaves && i < max_leaves; i++) emit(dir, tag, f, i, (nseeds + i) % 4);
  ps_parquet_close(f);
}

/* 300 rows of every type: nulls, repeats (dictionary), sorted ints (delta). */
static ps_frame *sample_frame(void) {
  ps_frame *f;
  ps_frame_new(&f);
  static const struct { const char *n; ps_type t; ps_time_unit u; const char *tz; } C[] = {
      {"ts", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "UTC"}, {"sec", PS_TYPE_TIMESTAMP, PS_UNIT_S, NULL},
      {"b", PS_TYPE_BOOL, 0, NULL}, {"i8", PS_TYPE_INT8, 0, NULL}, {"u16", PS_TYPE_UINT16, 0, NULL},
      {"i32", PS_TYPE_INT32, 0, NULL}, {"u64", PS_TYPE_UINT64, 0, NULL}, {"f32", PS_TYPE_FLOAT32, 0, NULL},
      {"f64", PS_TYPE_FLOAT64, 0, NULL}, {"d", PS_TYPE_DATE, 0, NULL}, {"sym", PS_TYPE_STRING, 0, NULL},
      {"blob", PS_TYPE_BINARY, 0, NULL}};
  int n = (int)(sizeof C / sizeof C[0]);
  for (int i = 0; i < n; i++) ps_frame_add_column(f, C[i].n, C[i].t, C[i].u, C[i].tz, NULL);
  static const char *const words[] = {"AAPL", "MSFT", "IBM", "a", "日経225"};
  for (int64_t r = 0; r < 300; r++) {
    for (int i = 0; i < n; i++) {
      ps_column *c = ps_frame_column(f, i);
      if (i > 1 && r % 7 == 3) {
        ps_column_append_null(c);
        continue;
      }
      switch (C[i].t) {
        case PS_TYPE_TIMESTAMP: ps_column_append_int(c, 1704205800000000000LL / (C[i].u == PS_UNIT_S ? 1000000000 : 1) + r * 60); break;
        case PS_TYPE_BOOL: ps_column_append_bool(c, r % 3 == 0); break;
        case PS_TYPE_INT8: ps_column_append_int(c, r % 5 - 2); break;
        case PS_TYPE_UINT16: ps_column_append_int(c, r * 211 % 65536); break;
        case PS_TYPE_INT32: ps_column_append_int(c, r * 1000 - 7); break;
        case PS_TYPE_UINT64: ps_column_append_uint(c, UINT64_MAX - (uint64_t)r); break;
        case PS_TYPE_FLOAT32: ps_column_append_double(c, r % 11 == 0 ? -0.0 : (double)r * 0.5); break;
        case PS_TYPE_FLOAT64: ps_column_append_double(c, (double)(r % 4) * 1.25); break;
        case PS_TYPE_DATE: ps_column_append_int(c, 19000 + r); break;
        default: {
          const char *w = words[r % 5];
          ps_column_append_string(c, w, strlen(w));
        }
      }
    }
  }
  ps_frame_set_index(f, "ts");
  ps_frame_validate(f);
  return f;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OUT_DIR [FILE.parquet...]\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *base = strrchr(argv[i], '/');
    char tag[256];
    snprintf(tag, sizeof tag, "%s", base ? base + 1 : argv[i]);
    char *dot = strstr(tag, ".parquet");
    if (dot) *dot = 0;
    emit_file(dir, tag, argv[i], 4);
  }
  ps_frame *f = sample_frame();
  static const struct { const char *tag; ps_write_options o; } cfg[] = {
      {"ps_none_v1_crc", {.codec = PS_CODEC_NONE, .page_bytes = 256, .page_checksum = PS_ON, .dictionary = PS_OFF}},
      {"ps_none_v2_dict", {.codec = PS_CODEC_NONE, .data_page_v2 = 1, .page_bytes = 512, .dictionary = PS_ON}},
      {"ps_snappy_v1_dict", {.codec = PS_CODEC_SNAPPY, .page_bytes = 300, .dictionary = PS_ON, .dictionary_bytes = 64}},
      {"ps_gzip_v2_crc", {.codec = PS_CODEC_GZIP, .data_page_v2 = 1, .page_checksum = PS_ON, .codec_level = 1}},
      {"ps_zstd_v2_delta", {.codec = PS_CODEC_ZSTD, .data_page_v2 = 1, .delta = PS_ON, .dictionary = PS_OFF, .page_bytes = 400}},
      {"ps_lz4_v1_bss", {.codec = PS_CODEC_LZ4_RAW, .byte_stream_split = PS_ON, .dictionary = PS_OFF}},
      {"ps_brotli_v1", {.codec = PS_CODEC_BROTLI, .codec_level = 1, .page_checksum = PS_ON}},
  };
  int ncfg = (int)(sizeof cfg / sizeof cfg[0]);
  for (int k = 0; k < ncfg; k++) {
    char path[256];
    snprintf(path, sizeof path, "/tmp/make_page_seeds_%d.parquet", k);
    ps_write_options o = cfg[k].o;
    o.threads = 1;
    if (ps_parquet_write(path, f, &o) != PS_OK) {
      fprintf(stderr, "%s: %s\n", cfg[k].tag, ps_errmsg());
      continue;
    }
    /* a rotating third of the columns per configuration keeps the corpus small */
    ps_parquet_file *pf;
    if (ps_parquet_open(path, &pf) == PS_OK) {
      for (int i = 0; i < pf->nleaves; i++)
        if ((i + k) % 3 == 0) emit(dir, cfg[k].tag, pf, i, (i + k) % 4);
      ps_parquet_close(pf);
    }
    remove(path);
  }
  ps_frame_free(f);
  printf("%d seeds\n", nseeds);
  return 0;
}
