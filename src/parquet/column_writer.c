/* Column chunk encoder: physical conversion, dictionary, pages, compression,
 * statistics and page-index entries. */
#include "parquet/column_writer.h"

#include <string.h>

#include "codec/codec.h"
#include "parquet/encoding.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timefmt.h"

/* Dense, non-null physical values of the chunk. */
typedef struct phys_values {
  const void *values;   /* int32/int64/float/double/uint8 array, or int64 offsets[nn+1] */
  const uint8_t *bytes; /* BYTE_ARRAY data */
  int64_t nn;           /* number of non-null values */
  void *owned;          /* scratch to free */
  int64_t *owned_offsets;
} phys_values;

static size_t phys_width(int physical) {
  switch (physical) {
    case PQ_INT32: case PQ_FLOAT: return 4;
    case PQ_INT64: case PQ_DOUBLE: return 8;
    case PQ_BOOLEAN: return 1;
    default: return 0;
  }
}

/* Value i of the column converted to its physical representation. */
static int convert_value(const ps_column *col, const pq_leaf *lf, int64_t row, void *dst) {
  const char *v = col->values;
  switch (col->type) {
    case PS_TYPE_INT8: { int32_t x = ((const int8_t *)v)[row]; memcpy(dst, &x, 4); return PS_OK; }
    case PS_TYPE_INT16: { int32_t x = ((const int16_t *)v)[row]; memcpy(dst, &x, 4); return PS_OK; }
    case PS_TYPE_UINT8: { int32_t x = ((const uint8_t *)v)[row]; memcpy(dst, &x, 4); return PS_OK; }
    case PS_TYPE_UINT16: { int32_t x = ((const uint16_t *)v)[row]; memcpy(dst, &x, 4); return PS_OK; }
    case PS_TYPE_TIMESTAMP: {
      int64_t x = ((const int64_t *)v)[row], y;
      if (ps_convert_time_unit(x, col->unit, lf->unit, &y) < 0)
        return ps__error(PS_ERR_LIMIT, "column '%s': row %lld: timestamp %lld does not fit the stored unit", col->name,
                         (long long)row, (long long)x);
      int64_t back;
      if (ps_convert_time_unit(y, lf->unit, col->unit, &back) < 0 || back != x)
        return ps__error(PS_ERR_LIMIT, "column '%s': row %lld: timestamp %lld would lose precision in microseconds",
                         col->name, (long long)row, (long long)x);
      memcpy(dst, &y, 8);
      return PS_OK;
    }
    default: {
      size_t w = ps_type_width(col->type);
      memcpy(dst, v + (size_t)row * w, w);
      return PS_OK;
    }
  }
}

static int needs_conversion(const ps_column *col, const pq_leaf *lf) {
  switch (col->type) {
    case PS_TYPE_INT8: case PS_TYPE_INT16: case PS_TYPE_UINT8: case PS_TYPE_UINT16: return 1;
    case PS_TYPE_TIMESTAMP: return col->unit != lf->unit;
    default: return 0;
  }
}

static int gather_physical(const ps_column *col, const pq_leaf *lf, int64_t start, int64_t n, phys_values *pv) {
  memset(pv, 0, sizeof *pv);
  int has_nulls = col->validity && col->null_count > 0;
  if (lf->physical == PQ_BYTE_ARRAY) {
    const int64_t *off = (const int64_t *)col->values + start;
    pv->bytes = (const uint8_t *)col->bytes;
    if (!has_nulls) {
      pv->values = off;
      pv->nn = n;
      return PS_OK;
    }
    int64_t *o = ps__malloc((size_t)(n + 1) * sizeof *o);
    if (!o) return PS_NOMEM();
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
      if (!ps_bit_get(col->validity, start + i)) continue;
      o[k] = off[i];
      o[k + 1] = off[i + 1];
      k++;
    }
    if (k == 0) o[0] = 0;
    pv->values = o;
    pv->owned_offsets = o;
    pv->nn = k;
    return PS_OK;
  }
  size_t w = phys_width(lf->physical);
  int conv = needs_conversion(col, lf);
  if (!has_nulls && !conv) {
    pv->values = (const char *)col->values + (size_t)start * w;
    pv->nn = n;
    return PS_OK;
  }
  char *dst = ps__malloc((size_t)n * w);
  if (!dst) return PS_NOMEM();
  int64_t k = 0;
  if (!conv) {
    /* copy runs of valid rows */
    size_t cw = ps_type_width(col->type);
    const char *src = (const char *)col->values;
    int64_t i = 0;
    while (i < n) {
      while (i < n && !ps_bit_get(col->validity, start + i)) i++;
      int64_t s = i;
      while (i < n && ps_bit_get(col->validity, start + i)) i++;
      memcpy(dst + (size_t)k * w, src + (size_t)(start + s) * cw, (size_t)(i - s) * w);
      k += i - s;
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      if (has_nulls && !ps_bit_get(col->validity, start + i)) continue;
      int rc = convert_value(col, lf, start + i, dst + (size_t)k * w);
      if (rc < 0) {
        ps__free_mem(dst);
        return rc;
      }
      k++;
    }
  }
  pv->values = dst;
  pv->owned = dst;
  pv->nn = k;
  return PS_OK;
}

/* ---- dictionary ---- */

typedef struct dict {
  uint32_t *slots;      /* hash table of entry index + 1 (0 = empty) */
  uint32_t mask;
  uint32_t count;
  const uint8_t **ptrs; /* entry i: pointer to its value (fixed width: into phys values) */
  uint32_t *lens;
  uint32_t cap;
  int64_t bytes;        /* PLAIN-encoded size of the dictionary */
} dict;

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL ^ n;
  while (n >= 8) {
    uint64_t x;
    memcpy(&x, p, 8);
    h = (h ^ x) * 0x100000001b3ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  while (n--) h = (h ^ *p++) * 0x100000001b3ULL;
  h ^= h >> 32;
  h *= 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

static void dict_free(dict *d) {
  ps__free_mem(d->slots);
  ps__free_mem(d->ptrs);
  ps__free_mem(d->lens);
  memset(d, 0, sizeof *d);
}

static int dict_grow(dict *d) {
  uint32_t nslots = d->mask ? (d->mask + 1) * 2 : 1024;
  uint32_t *slots = ps__calloc(nslots, sizeof *slots);
  if (!slots) return PS_NOMEM();
  for (uint32_t i = 0; i < d->count; i++) {
    uint64_t h = hash_bytes(d->ptrs[i], d->lens[i]);
    uint32_t s = (uint32_t)h & (nslots - 1);
    while (slots[s]) s = (s + 1) & (nslots - 1);
    slots[s] = i + 1;
  }
  ps__free_mem(d->slots);
  d->slots = slots;
  d->mask = nslots - 1;
  return PS_OK;
}

/* Index of the value (inserting it); -1 with rc on failure. */
static int dict_insert(dict *d, const uint8_t *p, uint32_t len, int plain_len_prefix, uint32_t *index) {
  if (!d->slots || (d->count + 1) * 2 > d->mask + 1) PS_TRY(dict_grow(d));
  uint64_t h = hash_bytes(p, len);
  uint32_t s = (uint32_t)h & d->mask;
  while (d->slots[s]) {
    uint32_t e = d->slots[s] - 1;
    if (d->lens[e] == len && (len == 0 || memcmp(d->ptrs[e], p, len) == 0)) {
      *index = e;
      return PS_OK;
    }
    s = (s + 1) & d->mask;
  }
  if (d->count == d->cap) {
    uint32_t cap = d->cap ? d->cap * 2 : 256;
    const uint8_t **ptrs = ps__realloc(d->ptrs, cap * sizeof *ptrs);
    if (!ptrs) return PS_NOMEM();
    d->ptrs = ptrs;
    uint32_t *lens = ps__realloc(d->lens, cap * sizeof *lens);
    if (!lens) return PS_NOMEM();
    d->lens = lens;
    d->cap = cap;
  }
  d->ptrs[d->count] = p;
  d->lens[d->count] = len;
  d->slots[s] = d->count + 1;
  d->bytes += len + (plain_len_prefix ? 4 : 0);
  *index = d->count++;
  return PS_OK;
}

static void value_at(const phys_values *pv, int physical, int64_t i, const uint8_t **p, uint32_t *len) {
  if (physical == PQ_BYTE_ARRAY) {
    const int64_t *off = pv->values;
    *len = (uint32_t)(off[i + 1] - off[i]);
    /* a column of only empty strings/nulls may have no byte buffer at all */
    *p = *len ? pv->bytes + off[i] : (const uint8_t *)"";
  } else {
    size_t w = phys_width(physical);
    *p = (const uint8_t *)pv->values + (size_t)i * w;
    *len = (uint32_t)w;
  }
}

/* Cheap cardinality probe on a sample: dictionary pays off when values repeat. */
static int dictionary_worthwhile(const phys_values *pv, int physical) {
  int64_t sample = pv->nn < 2048 ? pv->nn : 2048;
  if (sample == 0) return 0;
  dict d;
  memset(&d, 0, sizeof d);
  int64_t distinct = 0;
  for (int64_t i = 0; i < sample; i++) {
    const uint8_t *p;
    uint32_t len, idx;
    value_at(pv, physical, i, &p, &len);
    if (dict_insert(&d, p, len, 0, &idx) < 0) {
      dict_free(&d);
      return 0;
    }
  }
  distinct = d.count;
  dict_free(&d);
  return distinct * 2 <= sample;
}

/* Build the dictionary and indices; returns 0 if it grew past the cap (use PLAIN). */
static int build_dictionary(const phys_values *pv, int physical, int64_t cap_bytes, dict *d, uint32_t **indices_out) {
  uint32_t *idx = ps__malloc((size_t)(pv->nn ? pv->nn : 1) * sizeof *idx);
  if (!idx) return PS_NOMEM();
  for (int64_t i = 0; i < pv->nn; i++) {
    const uint8_t *p;
    uint32_t len;
    value_at(pv, physical, i, &p, &len);
    int rc = dict_insert(d, p, len, physical == PQ_BYTE_ARRAY, &idx[i]);
    if (rc < 0) {
      ps__free_mem(idx);
      return rc;
    }
    if (d->bytes > cap_bytes) {
      ps__free_mem(idx);
      return 0;
    }
  }
  *indices_out = idx;
  return 1;
}

/* ---- page assembly ---- */

typedef struct page_ctx {
  const pq_chunk_options *opt;
  const pq_leaf *leaf;
  const ps_column *col;
  pq_chunk_out *out;
  ps_buf levels, values, body, comp, header;
} page_ctx;

static int add_page_entry(pq_chunk_out *out, pq_page_entry **e) {
  if (out->npages == out->pages_cap) {
    int cap = out->pages_cap ? out->pages_cap * 2 : 16;
    pq_page_entry *p = ps__realloc(out->pages, (size_t)cap * sizeof *p);
    if (!p) return PS_NOMEM();
    out->pages = p;
    out->pages_cap = cap;
  }
  *e = &out->pages[out->npages++];
  memset(*e, 0, sizeof **e);
  return PS_OK;
}

static void put_varint(uint8_t *p, size_t *n, uint64_t v) {
  while (v >= 0x80) {
    p[(*n)++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[(*n)++] = (uint8_t)v;
}

/* Definition levels for rows [start, start+n): all ones when the column has no validity. */
static int encode_levels(page_ctx *pc, int64_t start, int64_t n) {
  ps_buf_clear(&pc->levels);
  if (!pc->col->validity || pc->col->null_count == 0) {
    uint8_t tmp[16];
    size_t k = 0;
    put_varint(tmp, &k, (uint64_t)n << 1);
    tmp[k++] = 1;
    return ps_buf_append(&pc->levels, tmp, k);
  }
  return pq_rle_encode_bitmap(&pc->levels, pc->col->validity, start, n);
}

/* Compress body and append header + page to the chunk. */
static int emit_page(page_ctx *pc, int page_type, int encoding, int32_t num_values, int32_t num_nulls, int32_t num_rows,
                     const uint8_t *levels, size_t levels_len, const uint8_t *vals, size_t vals_len,
                     int dict_entries) {
  const pq_chunk_options *o = pc->opt;
  pq_chunk_out *out = pc->out;
  pq_page_header h;
  memset(&h, 0, sizeof h);
  h.type = page_type;
  size_t uncompressed, compressed;
  const uint8_t *to_compress;
  size_t to_compress_len;
  ps_buf_clear(&pc->body);
  if (page_type == PQ_PAGE_DATA_V2) {
    to_compress = vals;
    to_compress_len = vals_len;
  } else if (levels_len) {
    /* V1: [u32 len][levels][values], compressed together */
    PS_TRY(ps_buf_reserve(&pc->body, 4 + levels_len + vals_len));
    uint32_t l = (uint32_t)levels_len;
    ps_buf_append_unchecked(&pc->body, &l, 4);
    ps_buf_append_unchecked(&pc->body, levels, levels_len);
    ps_buf_append_unchecked(&pc->body, vals, vals_len);
    to_compress = pc->body.data;
    to_compress_len = pc->body.len;
  } else {
    to_compress = vals;
    to_compress_len = vals_len;
  }
  const uint8_t *stored = to_compress;
  size_t stored_len = to_compress_len;
  int compressed_flag = 0;
  if (o->codec != 0 && to_compress_len > 0) {
    ps_buf_clear(&pc->comp);
    size_t bound = ps_compress_bound(o->codec, to_compress_len);
    PS_TRY(ps_buf_reserve(&pc->comp, bound));
    size_t clen;
    PS_TRY(ps_compress(o->codec, o->level, to_compress, to_compress_len, pc->comp.data, bound, &clen));
    pc->comp.len = clen;
    stored = pc->comp.data;
    stored_len = clen;
    compressed_flag = 1;
  } else if (o->codec != 0) {
    /* empty body still has to be a valid stream for the codec */
    ps_buf_clear(&pc->comp);
    size_t bound = ps_compress_bound(o->codec, 0);
    PS_TRY(ps_buf_reserve(&pc->comp, bound + 16));
    size_t clen;
    PS_TRY(ps_compress(o->codec, o->level, "", 0, pc->comp.data, bound + 16, &clen));
    pc->comp.len = clen;
    stored = pc->comp.data;
    stored_len = clen;
    compressed_flag = 1;
  }
  uncompressed = (page_type == PQ_PAGE_DATA_V2 ? levels_len : 0) + to_compress_len;
  compressed = (page_type == PQ_PAGE_DATA_V2 ? levels_len : 0) + stored_len;
  if (compressed > INT32_MAX || uncompressed > INT32_MAX) return ps__error(PS_ERR_LIMIT, "column '%s': page too large", pc->col->name);
  h.uncompressed_page_size = (int32_t)uncompressed;
  h.compressed_page_size = (int32_t)compressed;
  if (o->checksum) {
    /* CRC covers the whole on-disk body: (v2) levels, then the values */
    uint32_t crc = page_type == PQ_PAGE_DATA_V2 && levels_len ? ps_crc32(levels, levels_len) : 0;
    crc = ps_crc32_update(crc, stored, stored_len);
    h.has_crc = 1;
    h.crc = (int32_t)crc;
  }
  if (page_type == PQ_PAGE_DICTIONARY) {
    h.has_dict_page_header = 1;
    h.dict_page_header.num_values = dict_entries;
    h.dict_page_header.encoding = PQ_ENC_PLAIN;
  } else if (page_type == PQ_PAGE_DATA) {
    h.has_data_page_header = 1;
    h.data_page_header.num_values = num_values;
    h.data_page_header.encoding = encoding;
    h.data_page_header.def_encoding = PQ_ENC_RLE;
    h.data_page_header.rep_encoding = PQ_ENC_RLE;
  } else {
    h.has_data_page_header_v2 = 1;
    pq_data_page_header_v2 *v = &h.data_page_header_v2;
    v->num_values = num_values;
    v->num_nulls = num_nulls;
    v->num_rows = num_rows;
    v->encoding = encoding;
    v->def_levels_byte_length = (int32_t)levels_len;
    v->rep_levels_byte_length = 0;
    v->is_compressed = compressed_flag;
  }
  ps_buf_clear(&pc->header);
  PS_TRY(pq_write_page_header(&pc->header, &h));
  PS_TRY(ps_buf_reserve(&out->data, pc->header.len + compressed));
  ps_buf_append_unchecked(&out->data, pc->header.data, pc->header.len);
  if (page_type == PQ_PAGE_DATA_V2 && levels_len) ps_buf_append_unchecked(&out->data, levels, levels_len);
  if (stored_len) ps_buf_append_unchecked(&out->data, stored, stored_len);
  out->meta.total_uncompressed_size += (int64_t)(pc->header.len + uncompressed);
  out->meta.total_compressed_size += (int64_t)(pc->header.len + compressed);
  return (int)pc->header.len;
}

/* Encode dense values [from, from+count) with the given encoding into pc->values. */
static int encode_values(page_ctx *pc, const phys_values *pv, int encoding, int64_t from, int64_t count,
                         const uint32_t *indices, int bit_width) {
  ps_buf *b = &pc->values;
  ps_buf_clear(b);
  int physical = pc->leaf->physical;
  size_t w = phys_width(physical);
  switch (encoding) {
    case PQ_ENC_RLE_DICTIONARY:
      PS_TRY(ps_buf_append_byte(b, (uint8_t)bit_width));
      return pq_rle_encode(b, indices + from, count, bit_width);
    case PQ_ENC_DELTA_BINARY_PACKED:
      if (physical == PQ_INT32) return pq_delta_encode_i32(b, (const int32_t *)pv->values + from, count);
      return pq_delta_encode_i64(b, (const int64_t *)pv->values + from, count);
    case PQ_ENC_BYTE_STREAM_SPLIT:
      return pq_bss_encode(b, (const char *)pv->values + (size_t)from * w, count, (int)w);
    default:
      break;
  }
  if (physical == PQ_BOOLEAN) return pq_plain_encode_bool(b, (const uint8_t *)pv->values + from, count);
  if (physical == PQ_BYTE_ARRAY) {
    const int64_t *off = pv->values;
    int64_t total = off[from + count] - off[from];
    PS_TRY(ps_buf_reserve(b, (size_t)total + 4 * (size_t)count));
    for (int64_t i = from; i < from + count; i++) {
      uint32_t len = (uint32_t)(off[i + 1] - off[i]);
      ps_buf_append_unchecked(b, &len, 4);
      if (len) ps_buf_append_unchecked(b, pv->bytes + off[i], len);
    }
    return PS_OK;
  }
  /* PLAIN fixed width is the values themselves: no copy (see page_values) */
  (void)b;
  return PS_OK;
}

/* The bytes encode_values produced: the column's own memory for PLAIN
 * fixed-width values, else pc->values. */
static const uint8_t *page_values(const page_ctx *pc, const phys_values *pv, int encoding, int64_t from, int64_t count,
                                  size_t *len) {
  int physical = pc->leaf->physical;
  if (encoding == PQ_ENC_PLAIN && physical != PQ_BOOLEAN && physical != PQ_BYTE_ARRAY) {
    size_t w = phys_width(physical);
    *len = (size_t)count * w;
    return (const uint8_t *)pv->values + (size_t)from * w;
  }
  *len = pc->values.len;
  return pc->values.data;
}

static int add_encoding(pq_chunk_out *out, int enc) {
  for (uint32_t i = 0; i < out->meta.num_encodings; i++)
    if (out->encodings[i] == enc) return PS_OK;
  out->encodings[out->meta.num_encodings++] = enc;
  return PS_OK;
}

static void free_phys(phys_values *pv) {
  ps__free_mem(pv->owned);
  ps__free_mem(pv->owned_offsets);
}

static int non_decreasing(const phys_values *pv, const pq_leaf *lf) {
  if (lf->physical == PQ_INT64 && !lf->unsigned_order) {
    const int64_t *v = pv->values;
    for (int64_t i = 1; i < pv->nn; i++)
      if (v[i] < v[i - 1]) return 0;
    return 1;
  }
  if (lf->physical == PQ_INT32 && !lf->unsigned_order) {
    const int32_t *v = pv->values;
    for (int64_t i = 1; i < pv->nn; i++)
      if (v[i] < v[i - 1]) return 0;
    return 1;
  }
  return 0;
}

int pq_encode_column_chunk(const ps_column *col, const pq_leaf *lf, int64_t start, int64_t n,
                           const pq_chunk_options *opt, pq_chunk_out *out) {
  int rc = PS_OK;
  memset(out, 0, sizeof *out);
  phys_values pv;
  dict d;
  memset(&d, 0, sizeof d);
  uint32_t *indices = NULL;
  page_ctx pc;
  memset(&pc, 0, sizeof pc);
  pc.opt = opt;
  pc.leaf = lf;
  pc.col = col;
  pc.out = out;
  PS_TRY(gather_physical(col, lf, start, n, &pv));

  pq_column_meta *m = &out->meta;
  m->type = lf->physical;
  m->codec = opt->codec;
  m->num_values = n;
  m->encodings = out->encodings;
  out->path.ptr = (const uint8_t *)col->name;
  out->path.len = (uint32_t)strlen(col->name);
  m->path = &out->path;
  m->path_len = 1;
  out->sorted = (!col->validity || col->null_count == 0) && non_decreasing(&pv, lf);

  /* choose the value encoding */
  int physical = lf->physical;
  int use_dict = 0;
  if (physical != PQ_BOOLEAN && opt->dictionary != PS_OFF && pv.nn > 0) {
    int try_dict = opt->dictionary == PS_ON || dictionary_worthwhile(&pv, physical);
    if (try_dict) {
      rc = build_dictionary(&pv, physical, opt->dictionary_bytes, &d, &indices);
      if (rc < 0) goto fail;
      use_dict = rc == 1;
      rc = PS_OK;
      if (!use_dict) dict_free(&d);
    }
  }
  int encoding = PQ_ENC_PLAIN;
  if (use_dict) {
    encoding = PQ_ENC_RLE_DICTIONARY;
  } else if ((physical == PQ_INT32 || physical == PQ_INT64) &&
             (opt->delta == PS_ON || (opt->delta == PS_AUTO && opt->v2 && out->sorted))) {
    encoding = PQ_ENC_DELTA_BINARY_PACKED;
  } else if ((physical == PQ_FLOAT || physical == PQ_DOUBLE) && opt->byte_stream_split == PS_ON) {
    encoding = PQ_ENC_BYTE_STREAM_SPLIT;
  }

  pq_minmax chunk_mm;
  pq_minmax_init(&chunk_mm);
  int n_dict_pages = 0, n_data_pages = 0;

  /* dictionary page first */
  if (use_dict) {
    ps_buf_clear(&pc.values);
    for (uint32_t i = 0; i < d.count; i++) {
      if (physical == PQ_BYTE_ARRAY) {
        uint32_t len = d.lens[i];
        PS_CHECK(ps_buf_append(&pc.values, &len, 4));
      }
      PS_CHECK(ps_buf_append(&pc.values, d.ptrs[i], d.lens[i]));
    }
    m->has_dictionary_page_offset = 1;
    m->dictionary_page_offset = (int64_t)out->data.len;
    rc = emit_page(&pc, PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 0, 0, 0, NULL, 0, pc.values.data, pc.values.len, (int)d.count);
    if (rc < 0) goto fail;
    rc = PS_OK;
    n_dict_pages = 1;
    add_encoding(out, PQ_ENC_PLAIN);
  }
  int bit_width = use_dict ? pq_bit_width(d.count > 0 ? d.count - 1 : 0) : 0;
  m->data_page_offset = (int64_t)out->data.len;

  /* rows per page */
  int64_t page_bytes = opt->page_bytes > 0 ? opt->page_bytes : (1 << 20);
  size_t w = phys_width(physical);
  int64_t fixed_rows = physical == PQ_BOOLEAN ? page_bytes * 8 : physical == PQ_BYTE_ARRAY ? 0 : page_bytes / (int64_t)w;
  if (use_dict) fixed_rows = page_bytes / 8; /* indices are small: bound the rows instead */
  if ((physical != PQ_BYTE_ARRAY || use_dict) && fixed_rows < 1) fixed_rows = 1;
  int optional = lf->optional;
  int64_t row = 0, dense = 0;
  const uint8_t *validity = (col->validity && col->null_count) ? col->validity : NULL;
  do {
    int64_t rows;
    if (fixed_rows > 0) {
      rows = n - row < fixed_rows ? n - row : fixed_rows;
    } else {
      /* byte arrays: accumulate until the page holds page_bytes of data */
      const int64_t *off = (const int64_t *)col->values + start;
      int64_t end = row;
      while (end < n && (off[end] - off[row]) + 4 * (end - row) < page_bytes) end++;
      if (end == row && end < n) end++;
      rows = end - row;
    }
    int64_t nn = rows;
    if (validity) {
      nn = 0;
      for (int64_t i = 0; i < rows; i++) nn += ps_bit_get(validity, start + row + i);
    }
    pq_page_entry *pe = NULL;
    PS_CHECK(add_page_entry(out, &pe));
    pe->offset = (int64_t)out->data.len;
    pe->first_row = row;
    pe->null_count = rows - nn;
    pe->all_null = nn == 0 && rows > 0;
    pq_minmax mm;
    pq_minmax_init(&mm);
    mm.null_count = rows - nn;
    if (nn > 0) {
      const void *vals;
      if (physical == PQ_BYTE_ARRAY)
        vals = (const int64_t *)pv.values + dense;
      else
        vals = (const char *)pv.values + (size_t)dense * w;
      pq_minmax_add(&mm, lf, vals, pv.bytes, nn);
    }
    PS_CHECK(pq_minmax_encode_bounds(&mm, lf, &out->arena, &pe->min_off, &pe->min_len, &pe->max_off, &pe->max_len));
    pq_minmax_merge(&chunk_mm, &mm, lf);

    size_t levels_len = 0;
    if (optional) {
      PS_CHECK(encode_levels(&pc, start + row, rows));
      levels_len = pc.levels.len;
    }
    PS_CHECK(encode_values(&pc, &pv, encoding, dense, nn, indices, bit_width));
    size_t vals_len;
    const uint8_t *vals_ptr = page_values(&pc, &pv, encoding, dense, nn, &vals_len);
    rc = emit_page(&pc, opt->v2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA, encoding, (int32_t)rows, (int32_t)(rows - nn),
                   (int32_t)rows, pc.levels.data, levels_len, vals_ptr, vals_len, 0);
    if (rc < 0) goto fail;
    rc = PS_OK;
    pe->size = (int32_t)((int64_t)out->data.len - pe->offset);
    n_data_pages++;
    row += rows;
    dense += nn;
  } while (row < n);

  if (lf->optional) add_encoding(out, PQ_ENC_RLE);
  add_encoding(out, encoding);
  /* chunk statistics; arena offsets are turned into pointers by the file writer */
  m->has_statistics = 1;
  PS_CHECK(pq_minmax_to_statistics(&chunk_mm, lf, &out->arena, &m->statistics));
  /* encoding stats */
  int k = 0;
  if (n_dict_pages) out->enc_stats[k++] = (pq_page_encoding_stats){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, n_dict_pages};
  out->enc_stats[k++] = (pq_page_encoding_stats){opt->v2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA, encoding, n_data_pages};
  m->encoding_stats = out->enc_stats;
  m->num_encoding_stats = (uint32_t)k;
  /* boundary order of page bounds */
  {
    int asc = 1, desc = 1;
    pq_bytes prev_min = {0}, prev_max = {0};
    int have = 0;
    for (int i = 0; i < out->npages; i++) {
      pq_page_entry *p = &out->pages[i];
      if (p->all_null || (!p->min_len && !p->max_len && physical != PQ_BYTE_ARRAY)) continue;
      const uint8_t *arena = out->arena.data ? out->arena.data : (const uint8_t *)""; /* empty arena: no buffer */
      pq_bytes mn = {arena + (out->arena.data ? p->min_off : 0), p->min_len};
      pq_bytes mx = {arena + (out->arena.data ? p->max_off : 0), p->max_len};
      if (have) {
        if (pq_stat_compare(lf, mn, prev_min) < 0 || pq_stat_compare(lf, mx, prev_max) < 0) asc = 0;
        if (pq_stat_compare(lf, mn, prev_min) > 0 || pq_stat_compare(lf, mx, prev_max) > 0) desc = 0;
      }
      prev_min = mn;
      prev_max = mx;
      have = 1;
    }
    out->boundary_order = asc ? PQ_ORDER_ASCENDING : desc ? PQ_ORDER_DESCENDING : PQ_ORDER_UNORDERED;
  }
fail:
  free_phys(&pv);
  dict_free(&d);
  ps__free_mem(indices);
  ps_buf_free(&pc.levels);
  ps_buf_free(&pc.values);
  ps_buf_free(&pc.body);
  ps_buf_free(&pc.comp);
  ps_buf_free(&pc.header);
  if (rc < 0) {
    pq_chunk_out_free(out);
    return ps__error_prefix(rc, "column '%s'", col->name);
  }
  return PS_OK;
}

void pq_chunk_out_free(pq_chunk_out *out) {
  if (!out) return;
  ps_buf_free(&out->data);
  ps_buf_free(&out->arena);
  ps__free_mem(out->pages);
  out->pages = NULL;
  out->npages = out->pages_cap = 0;
}
