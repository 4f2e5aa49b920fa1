/* Page decoding: decompression, definition levels, value encodings and
 * physical -> frame type conversion, straight into the destination column. */
#include "parquet/page_decoder.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "parquet/encoding.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timefmt.h"

typedef struct dec_ctx {
  const pq_chunk_source *src;
  ps_buf page;        /* decompressed page */
  ps_buf tmp;         /* physical values / dictionary indices */
  int has_dict;
  int64_t dict_n;
  ps_column *dict;    /* dictionary in frame representation */
  ps_column *partial; /* scratch for pages only partly needed */
  uint8_t *partial_validity;
  int64_t partial_validity_cap;
  int page_no;
  int64_t bytes_read;
} dec_ctx;

static int corrupt(dec_ctx *c, const char *fmt, ...) PS__PRINTF(2, 3);
static int corrupt(dec_ctx *c, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return ps__error(PS_ERR_CORRUPT, "%s: column '%s': page %d: %s", c->src->path, c->src->column, c->page_no, msg);
}

/* Decoder errors already carry a message; add where it happened. */
static int where(dec_ctx *c, int rc) {
  if (rc >= 0) return rc;
  return ps__error_prefix(rc, "%s: column '%s': page %d", c->src->path, c->src->column, c->page_no);
}

static size_t physical_width(const pq_leaf *lf) {
  switch (lf->physical) {
    case PQ_INT32: case PQ_FLOAT: return 4;
    case PQ_INT64: case PQ_DOUBLE: return 8;
    case PQ_INT96: return 12;
    case PQ_FIXED: return (size_t)lf->type_length;
    case PQ_BOOLEAN: return 1;
    default: return 0;
  }
}

/* Physical values can be copied as they are into the frame column. */
static int is_direct(const pq_leaf *lf) {
  if (lf->decimal_scale >= 0 || lf->int96 || lf->float16) return 0;
  switch (lf->physical) {
    case PQ_INT32: return lf->type == PS_TYPE_INT32 || lf->type == PS_TYPE_UINT32 || lf->type == PS_TYPE_DATE;
    case PQ_INT64:
      return lf->type == PS_TYPE_INT64 || lf->type == PS_TYPE_UINT64 ||
             (lf->type == PS_TYPE_TIMESTAMP && lf->unit == lf->frame_unit);
    case PQ_FLOAT: return lf->type == PS_TYPE_FLOAT32;
    case PQ_DOUBLE: return lf->type == PS_TYPE_FLOAT64;
    default: return 0;
  }
}

static float half_to_float(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  float v;
  if (exp == 0)
    v = ldexpf((float)man, -24);
  else if (exp == 31)
    v = man ? NAN : INFINITY;
  else
    v = ldexpf((float)(man | 0x400), exp - 25);
  return sign ? -v : v;
}

static double pow10_neg(int scale) {
  static const double p[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                             1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return scale <= 22 ? p[scale] : pow(10.0, scale);
}

/* Convert n dense physical values at src into frame values at dst. */
static void convert_physical(const pq_leaf *lf, const uint8_t *src, int64_t n, void *dst) {
  switch (lf->physical) {
    case PQ_INT32: {
      const int32_t *s = (const int32_t *)(const void *)src;
      int32_t x;
      if (lf->decimal_scale >= 0) {
        double *d = dst, div = pow10_neg(lf->decimal_scale);
        for (int64_t i = 0; i < n; i++) { memcpy(&x, src + 4 * i, 4); d[i] = (double)x / div; }
        return;
      }
      (void)s;
      switch (lf->type) {
        case PS_TYPE_INT8: for (int64_t i = 0; i < n; i++) { memcpy(&x, src + 4 * i, 4); ((int8_t *)dst)[i] = (int8_t)x; } return;
        case PS_TYPE_INT16: for (int64_t i = 0; i < n; i++) { memcpy(&x, src + 4 * i, 4); ((int16_t *)dst)[i] = (int16_t)x; } return;
        case PS_TYPE_UINT8: for (int64_t i = 0; i < n; i++) { memcpy(&x, src + 4 * i, 4); ((uint8_t *)dst)[i] = (uint8_t)x; } return;
        case PS_TYPE_UINT16: for (int64_t i = 0; i < n; i++) { memcpy(&x, src + 4 * i, 4); ((uint16_t *)dst)[i] = (uint16_t)x; } return;
        default: memcpy(dst, src, (size_t)n * 4); return;
      }
    }
    case PQ_INT64: {
      int64_t x;
      if (lf->decimal_scale >= 0) {
        double *d = dst, div = pow10_neg(lf->decimal_scale);
        for (int64_t i = 0; i < n; i++) { memcpy(&x, src + 8 * i, 8); d[i] = (double)x / div; }
        return;
      }
      if (lf->type == PS_TYPE_TIMESTAMP && lf->unit != lf->frame_unit) {
        int64_t *d = dst;
        for (int64_t i = 0; i < n; i++) {
          memcpy(&x, src + 8 * i, 8);
          int64_t y = 0;
          ps_convert_time_unit(x, lf->unit, lf->frame_unit, &y);
          d[i] = y;
        }
        return;
      }
      memcpy(dst, src, (size_t)n * 8);
      return;
    }
    case PQ_INT96: {
      int64_t *d = dst;
      for (int64_t i = 0; i < n; i++) {
        uint64_t nanos;
        uint32_t jd;
        memcpy(&nanos, src + 12 * i, 8);
        memcpy(&jd, src + 12 * i + 8, 4);
        /* wrapping arithmetic: hostile values give garbage, never UB */
        uint64_t v = ((uint64_t)(int64_t)((int64_t)jd - 2440588)) * 86400000000000ULL + nanos;
        d[i] = (int64_t)v;
      }
      return;
    }
    case PQ_FLOAT:
      memcpy(dst, src, (size_t)n * 4);
      return;
    case PQ_DOUBLE:
      memcpy(dst, src, (size_t)n * 8);
      return;
    case PQ_FIXED: {
      size_t w = (size_t)lf->type_length;
      if (lf->float16) {
        float *d = dst;
        for (int64_t i = 0; i < n; i++) {
          uint16_t h;
          memcpy(&h, src + 2 * i, 2);
          d[i] = half_to_float(h);
        }
        return;
      }
      /* decimal: big-endian two's complement */
      double *d = dst, div = pow10_neg(lf->decimal_scale);
      for (int64_t i = 0; i < n; i++) {
        const uint8_t *b = src + w * (size_t)i;
        __int128 v = (b[0] & 0x80) ? -1 : 0;
        for (size_t k = 0; k < w; k++) v = (__int128)(((unsigned __int128)v << 8) | b[k]);
        d[i] = (double)v / div;
      }
      return;
    }
    default: return;
  }
}

/* ---- dictionary ---- */

static int decode_plain_fixed_into(dec_ctx *c, const uint8_t *p, const uint8_t *end, int64_t n, void *dst) {
  const pq_leaf *lf = c->src->leaf;
  if (lf->physical == PQ_BOOLEAN) return where(c, pq_plain_decode_bool(p, end, dst, n));
  size_t pw = physical_width(lf);
  if ((uint64_t)n > (uint64_t)(end - p) / pw) return corrupt(c, "PLAIN: %lld values need %llu bytes, page has %lld", (long long)n, (unsigned long long)(n * pw), (long long)(end - p));
  if (n == 0) return PS_OK; /* dst may be NULL for an empty output */
  if (is_direct(lf))
    memcpy(dst, p, (size_t)n * pw);
  else
    convert_physical(lf, p, n, dst);
  return PS_OK;
}

static int decode_byte_array_values(dec_ctx *c, int encoding, const uint8_t *p, const uint8_t *end, int64_t n,
                                    ps_column *col);

static int load_dictionary(dec_ctx *c, const uint8_t *p, const uint8_t *end, int64_t n) {
  const pq_leaf *lf = c->src->leaf;
  if (c->has_dict) return corrupt(c, "second dictionary page in one column chunk");
  if (n < 0) return corrupt(c, "dictionary with %lld entries", (long long)n);
  if (lf->physical == PQ_BOOLEAN) return corrupt(c, "dictionary page for a BOOLEAN column");
  PS_TRY(ps__column_new("dictionary", lf->type, lf->frame_unit, NULL, &c->dict));
  if (ps_is_string_type(lf->type)) {
    if (lf->physical == PQ_BYTE_ARRAY && (uint64_t)n > (uint64_t)(end - p) / 4)
      return corrupt(c, "dictionary claims %lld entries in %lld bytes", (long long)n, (long long)(end - p));
    PS_TRY(decode_byte_array_values(c, PQ_ENC_PLAIN, p, end, n, c->dict));
  } else {
    size_t pw = physical_width(lf);
    if ((uint64_t)n > (uint64_t)(end - p) / pw)
      return corrupt(c, "dictionary claims %lld entries in %lld bytes", (long long)n, (long long)(end - p));
    PS_TRY(ps__column_reserve(c->dict, n));
    PS_TRY(decode_plain_fixed_into(c, p, end, n, c->dict->values));
    c->dict->length = n;
  }
  c->dict_n = n;
  c->has_dict = 1;
  return PS_OK;
}

/* ---- values ---- */

static int read_indices(dec_ctx *c, const uint8_t *p, const uint8_t *end, int64_t n, uint32_t **out) {
  if (!c->has_dict) return corrupt(c, "dictionary-encoded page but the chunk has no dictionary page");
  if (p >= end) {
    if (n == 0) {
      *out = NULL;
      return PS_OK;
    }
    return corrupt(c, "dictionary indices: missing bit width byte");
  }
  int bw = p[0];
  if (bw > 32) return corrupt(c, "dictionary indices: bit width %d", bw);
  ps_buf_clear(&c->tmp);
  PS_TRY(ps_buf_reserve(&c->tmp, (size_t)n * 4 + 4));
  uint32_t *idx = (uint32_t *)(void *)c->tmp.data;
  if (c->dict_n == 0 && n > 0) return corrupt(c, "dictionary indices into an empty dictionary");
  PS_TRY(where(c, pq_rle_decode(p + 1, end, bw, idx, n, (uint32_t)(c->dict_n > UINT32_MAX ? UINT32_MAX : c->dict_n))));
  *out = idx;
  return PS_OK;
}

static int decode_byte_array_values(dec_ctx *c, int encoding, const uint8_t *p, const uint8_t *end, int64_t n,
                                    ps_column *col) {
  const pq_leaf *lf = c->src->leaf;
  PS_TRY(ps__column_reserve(col, col->length + n));
  int64_t *off = (int64_t *)col->values + col->length;
  off[0] = col->bytes_len;
  if (encoding == PQ_ENC_PLAIN_DICTIONARY || encoding == PQ_ENC_RLE_DICTIONARY) {
    uint32_t *idx;
    PS_TRY(read_indices(c, p, end, n, &idx));
    const int64_t *doff = c->dict->values;
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) total += doff[idx[i] + 1] - doff[idx[i]];
    PS_TRY(ps__column_reserve_bytes(col, total));
    int64_t pos = col->bytes_len;
    for (int64_t i = 0; i < n; i++) {
      int64_t s = doff[idx[i]], l = doff[idx[i] + 1] - s;
      if (l) memcpy(col->bytes + pos, c->dict->bytes + s, (size_t)l); /* bytes may be NULL when all are empty */
      pos += l;
      off[i + 1] = pos;
    }
    col->bytes_len = pos;
    col->length += n;
    return PS_OK;
  }
  if (lf->physical == PQ_FIXED && encoding == PQ_ENC_PLAIN) {
    size_t w = (size_t)lf->type_length;
    if ((uint64_t)n > (uint64_t)(end - p) / w) return corrupt(c, "PLAIN: fixed-length values exceed the page");
    PS_TRY(ps__column_reserve_bytes(col, (int64_t)(n * (int64_t)w)));
    memcpy(col->bytes + col->bytes_len, p, (size_t)n * w);
    for (int64_t i = 0; i < n; i++) off[i + 1] = col->bytes_len + (int64_t)((size_t)(i + 1) * w);
    col->bytes_len += (int64_t)((size_t)n * w);
    col->length += n;
    return PS_OK;
  }
  ps_buf b = {(uint8_t *)col->bytes, (size_t)col->bytes_len, (size_t)col->bytes_cap};
  int rc;
  switch (encoding) {
    case PQ_ENC_PLAIN:
      if (lf->physical != PQ_BYTE_ARRAY) return corrupt(c, "PLAIN byte arrays in a non-BYTE_ARRAY column");
      rc = pq_plain_decode_byte_array(p, end, n, off, &b);
      break;
    case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY: rc = pq_dlba_decode(p, end, n, off, &b); break;
    case PQ_ENC_DELTA_BYTE_ARRAY: rc = pq_dba_decode(p, end, n, off, &b); break;
    default: return ps__error(PS_ERR_UNSUPPORTED, "%s: column '%s': page %d: encoding %d is not supported for byte arrays", c->src->path, c->src->column, c->page_no, encoding);
  }
  col->bytes = (char *)b.data;
  col->bytes_cap = (int64_t)b.cap;
  if (rc < 0) return where(c, rc);
  col->bytes_len = (int64_t)b.len;
  col->length += n;
  return PS_OK;
}

/* Decode n dense fixed-width values into dst (frame layout). */
static int decode_fixed_values(dec_ctx *c, int encoding, const uint8_t *p, const uint8_t *end, int64_t n, void *dst) {
  const pq_leaf *lf = c->src->leaf;
  size_t fw = ps_type_width(lf->type);
  switch (encoding) {
    case PQ_ENC_PLAIN: return decode_plain_fixed_into(c, p, end, n, dst);
    case PQ_ENC_PLAIN_DICTIONARY:
    case PQ_ENC_RLE_DICTIONARY: {
      uint32_t *idx;
      PS_TRY(read_indices(c, p, end, n, &idx));
      const void *dv = c->dict->values;
      switch (fw) {
        case 1: for (int64_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = ((const uint8_t *)dv)[idx[i]]; break;
        case 2: for (int64_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = ((const uint16_t *)dv)[idx[i]]; break;
        case 4: for (int64_t i = 0; i < n; i++) ((uint32_t *)dst)[i] = ((const uint32_t *)dv)[idx[i]]; break;
        default: for (int64_t i = 0; i < n; i++) ((uint64_t *)dst)[i] = ((const uint64_t *)dv)[idx[i]]; break;
      }
      return PS_OK;
    }
    case PQ_ENC_RLE: {
      if (lf->physical != PQ_BOOLEAN) return corrupt(c, "RLE values in a non-BOOLEAN column");
      if (end - p < 4) return corrupt(c, "RLE booleans: missing length prefix");
      uint32_t len;
      memcpy(&len, p, 4);
      if (len > (uint64_t)(end - p - 4)) return corrupt(c, "RLE booleans: length %u exceeds the page", len);
      ps_buf_clear(&c->tmp);
      PS_TRY(ps_buf_reserve(&c->tmp, (size_t)n * 4 + 4));
      uint32_t *v = (uint32_t *)(void *)c->tmp.data;
      PS_TRY(where(c, pq_rle_decode(p + 4, p + 4 + len, 1, v, n, 0)));
      for (int64_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = (uint8_t)(v[i] & 1);
      return PS_OK;
    }
    case PQ_ENC_DELTA_BINARY_PACKED: {
      size_t used;
      if (lf->physical == PQ_INT32) {
        if (is_direct(lf)) return where(c, pq_delta_decode_i32(p, end, dst, n, &used));
        ps_buf_clear(&c->tmp);
        PS_TRY(ps_buf_reserve(&c->tmp, (size_t)n * 4 + 4));
        PS_TRY(where(c, pq_delta_decode_i32(p, end, (int32_t *)(void *)c->tmp.data, n, &used)));
      } else if (lf->physical == PQ_INT64) {
        if (is_direct(lf)) return where(c, pq_delta_decode_i64(p, end, dst, n, &used));
        ps_buf_clear(&c->tmp);
        PS_TRY(ps_buf_reserve(&c->tmp, (size_t)n * 8 + 8));
        PS_TRY(where(c, pq_delta_decode_i64(p, end, (int64_t *)(void *)c->tmp.data, n, &used)));
      } else {
        return corrupt(c, "DELTA_BINARY_PACKED in a column of physical type %d", lf->physical);
      }
      convert_physical(lf, c->tmp.data, n, dst);
      return PS_OK;
    }
    case PQ_ENC_BYTE_STREAM_SPLIT: {
      size_t pw = physical_width(lf);
      if (lf->physical == PQ_BOOLEAN || lf->physical == PQ_INT96) return corrupt(c, "BYTE_STREAM_SPLIT for this type");
      if (is_direct(lf) && (pw == 4 || pw == 8)) return where(c, pq_bss_decode(p, end, dst, n, (int)pw));
      if ((uint64_t)n > (uint64_t)(end - p) / pw) return corrupt(c, "BYTE_STREAM_SPLIT: values exceed the page");
      ps_buf_clear(&c->tmp);
      PS_TRY(ps_buf_reserve(&c->tmp, (size_t)n * pw + 8));
      /* generic width: un-split by hand */
      for (int64_t i = 0; i < n; i++)
        for (size_t k = 0; k < pw; k++) c->tmp.data[(size_t)i * pw + k] = p[k * (size_t)n + (size_t)i];
      convert_physical(lf, c->tmp.data, n, dst);
      return PS_OK;
    }
    default:
      return ps__error(PS_ERR_UNSUPPORTED, "%s: column '%s': page %d: encoding %d is not supported", c->src->path,
                       c->src->column, c->page_no, encoding);
  }
}

/* Spread nn dense values over nv rows according to the validity bits. */
static void expand_nulls(pq_sink *s, int64_t first_row, int64_t nv, int64_t nn) {
  ps_column *col = s->col;
  const uint8_t *vb = s->validity;
  int64_t vb0 = s->vrow;
  if (ps_is_string_type(col->type)) {
    int64_t *B = (int64_t *)col->values + first_row; /* B[0] = start offset, B[1..nn] dense ends */
    int64_t k = nn;
    for (int64_t i = nv - 1; i >= 0; i--) {
      if (ps_bit_get(vb, vb0 + i)) {
        B[i + 1] = B[k];
        k--;
      } else {
        B[i + 1] = B[k];
      }
    }
    return;
  }
  size_t w = ps_type_width(col->type);
  char *base = (char *)col->values + (size_t)first_row * w;
  int64_t k = nn - 1;
  for (int64_t i = nv - 1; i >= 0; i--) {
    if (ps_bit_get(vb, vb0 + i)) {
      if (k != i) memcpy(base + (size_t)i * w, base + (size_t)k * w, w);
      k--;
    } else {
      memset(base + (size_t)i * w, 0, w);
    }
  }
}

/* Decode one data page entirely into the sink. */
static int decode_data_page(dec_ctx *c, const pq_page_header *h, const uint8_t *body, int64_t nv, pq_sink *s) {
  const pq_chunk_source *src = c->src;
  const pq_leaf *lf = src->leaf;
  int codec = src->meta->codec;
  int v2 = h->type == PQ_PAGE_DATA_V2;
  int encoding = v2 ? h->data_page_header_v2.encoding : h->data_page_header.encoding;
  const uint8_t *levels = NULL, *vals, *vend;
  size_t levels_len = 0;
  size_t csize = (size_t)h->compressed_page_size, usize = (size_t)h->uncompressed_page_size;
  int strings = ps_is_string_type(s->col->type);
  int64_t first_row = strings ? s->col->length : s->row;
  if (!strings && s->row + nv > s->col->capacity) return ps__error(PS_ERR_INTERNAL, "sink too small");

  if (v2) {
    const pq_data_page_header_v2 *d = &h->data_page_header_v2;
    if (d->def_levels_byte_length < 0 || d->rep_levels_byte_length < 0 ||
        (size_t)d->def_levels_byte_length + (size_t)d->rep_levels_byte_length > csize ||
        (size_t)d->def_levels_byte_length + (size_t)d->rep_levels_byte_length > usize)
      return corrupt(c, "V2 level lengths (%d, %d) exceed the page size", d->def_levels_byte_length,
                     d->rep_levels_byte_length);
    if (d->rep_levels_byte_length != 0) return corrupt(c, "repetition levels in a flat column");
    if (d->num_rows != d->num_values) return corrupt(c, "V2 page: num_rows %d != num_values %d", d->num_rows, d->num_values);
    levels = body;
    levels_len = (size_t)d->def_levels_byte_length;
    const uint8_t *cv = body + levels_len;
    size_t cv_len = csize - levels_len, uv_len = usize - levels_len;
    if (d->is_compressed && codec != 0) {
      /* fast path: plain, fixed width, no nulls -> decompress straight into the column */
      if (encoding == PQ_ENC_PLAIN && !strings && is_direct(lf) && d->num_nulls == 0 &&
          uv_len == (size_t)nv * physical_width(lf)) {
        PS_TRY(where(c, ps_decompress(codec, cv, cv_len, (char *)s->col->values + (size_t)s->row * physical_width(lf), uv_len)));
        if (lf->optional) {
          int64_t nn;
          PS_TRY(where(c, pq_rle_decode_bitmap(levels, levels + levels_len, nv, s->validity, s->vrow, &nn)));
          if (nn != nv) return corrupt(c, "V2 page says no nulls but its levels have %lld", (long long)(nv - nn));
        }
        s->row += nv;
        s->vrow += nv;
        return PS_OK;
      }
      ps_buf_clear(&c->page);
      PS_TRY(ps_buf_reserve(&c->page, uv_len + 8));
      PS_TRY(where(c, ps_decompress(codec, cv, cv_len, c->page.data, uv_len)));
      vals = c->page.data;
      vend = vals + uv_len;
    } else {
      if (cv_len != uv_len) return corrupt(c, "uncompressed V2 page: sizes differ (%zu vs %zu)", cv_len, uv_len);
      vals = cv;
      vend = cv + cv_len;
    }
  } else {
    const pq_data_page_header *d = &h->data_page_header;
    const uint8_t *buf;
    if (codec != 0) {
      /* fast path for REQUIRED plain fixed-width pages: no levels inside the body */
      if (!lf->optional && encoding == PQ_ENC_PLAIN && !strings && is_direct(lf) &&
          usize == (size_t)nv * physical_width(lf)) {
        PS_TRY(where(c, ps_decompress(codec, body, csize, (char *)s->col->values + (size_t)s->row * physical_width(lf), usize)));
        s->row += nv;
        return PS_OK;
      }
      ps_buf_clear(&c->page);
      PS_TRY(ps_buf_reserve(&c->page, usize + 8));
      PS_TRY(where(c, ps_decompress(codec, body, csize, c->page.data, usize)));
      buf = c->page.data;
    } else {
      if (csize != usize) return corrupt(c, "uncompressed page: sizes differ (%zu vs %zu)", csize, usize);
      buf = body;
    }
    const uint8_t *bend = buf + usize;
    if (lf->optional) {
      if (d->def_encoding != PQ_ENC_RLE)
        return ps__error(PS_ERR_UNSUPPORTED, "%s: column '%s': page %d: definition level encoding %d", src->path,
                         src->column, c->page_no, d->def_encoding);
      if (bend - buf < 4) return corrupt(c, "missing definition level length");
      uint32_t ll;
      memcpy(&ll, buf, 4);
      if (ll > (size_t)(bend - buf - 4)) return corrupt(c, "definition levels (%u bytes) exceed the page", ll);
      levels = buf + 4;
      levels_len = ll;
      vals = buf + 4 + ll;
    } else {
      vals = buf;
    }
    vend = bend;
  }

  int64_t nn = nv;
  if (lf->optional) {
    if (!s->validity) return ps__error(PS_ERR_INTERNAL, "optional column without validity sink");
    PS_TRY(where(c, pq_rle_decode_bitmap(levels, levels + levels_len, nv, s->validity, s->vrow, &nn)));
  }
  if (strings) {
    PS_TRY(decode_byte_array_values(c, encoding, vals, vend, nn, s->col));
    if (nn < nv) {
      PS_TRY(ps__column_reserve(s->col, first_row + nv));
      expand_nulls(s, first_row, nv, nn);
      s->col->length = first_row + nv;
    }
  } else {
    void *dst = (char *)s->col->values + (size_t)s->row * ps_type_width(s->col->type);
    PS_TRY(decode_fixed_values(c, encoding, vals, vend, nn, dst));
    if (nn < nv) expand_nulls(s, first_row, nv, nn);
    s->row += nv;
  }
  s->vrow += nv;
  s->nulls += nv - nn;
  return PS_OK;
}

/* Copy rows [from, from+n) of the scratch column into the sink. */
static int sink_copy(pq_sink *s, const ps_column *scol, const uint8_t *svalid, int64_t from, int64_t n) {
  if (s->validity && svalid) {
    for (int64_t i = 0; i < n; i++) {
      if (ps_bit_get(svalid, from + i))
        ps_bit_set(s->validity, s->vrow + i);
      else
        s->nulls++;
    }
  }
  if (ps_is_string_type(scol->type)) {
    /* ps__column_append_range uses the column's own validity; ours is separate */
    const int64_t *so = (const int64_t *)scol->values + from;
    PS_TRY(ps__column_reserve(s->col, s->col->length + n));
    int64_t total = so[n] - so[0];
    PS_TRY(ps__column_reserve_bytes(s->col, total));
    if (total) memcpy(s->col->bytes + s->col->bytes_len, scol->bytes + so[0], (size_t)total);
    int64_t *off = (int64_t *)s->col->values + s->col->length;
    int64_t base = s->col->bytes_len - so[0];
    for (int64_t i = 1; i <= n; i++) off[i] = so[i] + base;
    s->col->bytes_len += total;
    s->col->length += n;
  } else {
    size_t w = ps_type_width(scol->type);
    memcpy((char *)s->col->values + (size_t)s->row * w, (const char *)scol->values + (size_t)from * w, (size_t)n * w);
    s->row += n;
  }
  s->vrow += n;
  return PS_OK;
}

/* Decode a whole page into the context's scratch column (reused from page
 * to page) and its validity; *ps describes what was decoded. */
static int decode_into_scratch(dec_ctx *c, const pq_page_header *h, const uint8_t *body, int64_t nv, pq_sink *ps) {
  const pq_leaf *lf = c->src->leaf;
  if (!c->partial) PS_TRY(ps__column_new("partial", lf->type, lf->frame_unit, NULL, &c->partial));
  ps_column *pc = c->partial;
  pc->length = 0;
  pc->bytes_len = 0;
  PS_TRY(ps__column_reserve(pc, nv));
  if (ps_is_string_type(pc->type)) ((int64_t *)pc->values)[0] = 0;
  int64_t vbytes = (nv + 7) / 8 + 1;
  if (vbytes > c->partial_validity_cap) {
    uint8_t *v = ps__realloc(c->partial_validity, (size_t)vbytes);
    if (!v) return PS_NOMEM();
    c->partial_validity = v;
    c->partial_validity_cap = vbytes;
  }
  memset(c->partial_validity, 0, (size_t)vbytes);
  memset(ps, 0, sizeof *ps);
  ps->col = pc;
  ps->validity = lf->optional ? c->partial_validity : NULL;
  return decode_data_page(c, h, body, nv, ps);
}

static int decode_partial(dec_ctx *c, const pq_page_header *h, const uint8_t *body, int64_t page_row, int64_t nv,
                          const pq_row_range *ranges, int nranges, int ri, pq_sink *s) {
  const pq_leaf *lf = c->src->leaf;
  pq_sink ps;
  PS_TRY(decode_into_scratch(c, h, body, nv, &ps));
  ps_column *pc = ps.col;
  for (int r = ri; r < nranges && ranges[r].begin < page_row + nv; r++) {
    int64_t b = ranges[r].begin > page_row ? ranges[r].begin : page_row;
    int64_t e = ranges[r].end < page_row + nv ? ranges[r].end : page_row + nv;
    if (e > b) PS_TRY(sink_copy(s, pc, lf->optional ? c->partial_validity : NULL, b - page_row, e - b));
  }
  return PS_OK;
}

/* Gather mode: decode the page into the scratch column (kept hot in cache
 * from page to page) and append only the wanted rows. */
static int decode_gather(dec_ctx *c, const pq_page_header *h, const uint8_t *body, int64_t page_row, int64_t nv,
                         pq_sink *s) {
  int64_t a = s->gpos, b = a;
  while (b < s->ngather && s->gather[b] < page_row + nv) b++;
  s->gpos = b;
  if (b == a) return PS_OK;
  pq_sink ps;
  PS_TRY(decode_into_scratch(c, h, body, nv, &ps));
  ps_column *pc = ps.col;
  pc->length = nv;
  /* positions relative to the page */
  ps_buf_clear(&c->tmp);
  PS_TRY(ps_buf_reserve(&c->tmp, (size_t)(b - a) * sizeof(int64_t)));
  int64_t *rel = (int64_t *)c->tmp.data;
  for (int64_t k = a; k < b; k++) rel[k - a] = s->gather[k] - page_row;
  pc->validity = ps.nulls ? c->partial_validity : NULL; /* borrowed for the copy */
  pc->null_count = ps.nulls;
  int rc = ps__column_append_indices(s->col, pc, rel, b - a);
  pc->validity = NULL;
  pc->null_count = 0;
  s->nulls += ps.nulls;
  return rc;
}

static void ctx_free(dec_ctx *c) {
  ps_buf_free(&c->page);
  ps_buf_free(&c->tmp);
  ps__column_free(c->dict);
  ps__column_free(c->partial);
  ps__free_mem(c->partial_validity);
}

/* A page body that does not match its stored CRC-32 is corrupt: caught here
 * before a codec or decoder could turn damaged bytes into plausible values. */
static int check_crc(dec_ctx *c, const pq_page_header *h, const uint8_t *body, pq_decode_stats *stats) {
  if (!c->src->verify_crc || !h->has_crc) return PS_OK;
  uint32_t got = ps_crc32(body, (size_t)h->compressed_page_size);
  if (got != (uint32_t)h->crc)
    return corrupt(c, "page CRC-32 mismatch (stored %08x, computed %08x): the page is damaged", (uint32_t)h->crc, got);
  if (stats) stats->pages_crc++;
  return PS_OK;
}

/* Page index i's offset relative to the chunk, or -1 if the offset index is unusable. */
static int64_t oi_rel(const pq_chunk_source *src, uint32_t i) {
  const pq_page_location *l = &src->offset_index->page_locations[i];
  int64_t rel = l->offset - src->chunk_offset;
  if (rel < 0 || (uint64_t)rel >= src->len) return -1;
  return rel;
}

int pq_decode_chunk(const pq_chunk_source *src, const pq_row_range *ranges, int nranges, pq_sink *sink,
                    pq_decode_stats *stats) {
  dec_ctx c;
  memset(&c, 0, sizeof c);
  c.src = src;
  int rc = PS_OK;
  const uint8_t *p = src->data, *end = src->data + src->len;
  int64_t row = 0;
  int ri = 0;
  int seen_data = 0;
  const pq_offset_index *oi = src->offset_index;
  uint32_t oi_next = 0; /* next data page per the offset index */
  if (oi) {
    /* the offset index must describe monotonic pages inside the chunk starting at row 0 */
    for (uint32_t i = 0; i < oi->num_pages; i++) {
      const pq_page_location *l = &oi->page_locations[i];
      if (oi_rel(src, i) < 0 || l->first_row_index < 0 || l->first_row_index > src->num_rows ||
          (i == 0 && l->first_row_index != 0) ||
          (i > 0 && (l->first_row_index < oi->page_locations[i - 1].first_row_index ||
                     l->offset <= oi->page_locations[i - 1].offset))) {
        oi = NULL;
        break;
      }
    }
  }
  while (ri < nranges && row < src->num_rows) {
    /* skip whole pages before the next wanted range using the offset index;
     * only from a data-page boundary the index knows (never over a dictionary) */
    if (oi && oi_next < oi->num_pages && p == src->data + oi_rel(src, oi_next)) {
      uint32_t j = oi_next;
      while (j + 1 < oi->num_pages && oi->page_locations[j + 1].first_row_index <= ranges[ri].begin) j++;
      if (j > oi_next) {
        if (stats) stats->pages_total += j - oi_next;
        p = src->data + oi_rel(src, j);
        row = oi->page_locations[j].first_row_index;
        c.page_no += (int)(j - oi_next);
        oi_next = j;
      }
    }
    if (p >= end) {
      rc = corrupt(&c, "column chunk ends after %lld of %lld rows", (long long)row, (long long)src->num_rows);
      goto out;
    }
    pq_page_header h;
    size_t hlen;
    rc = pq_parse_page_header(p, (size_t)(end - p), &h, &hlen);
    if (rc < 0) {
      rc = ps__error_prefix(rc, "%s: column '%s': page %d header", src->path, src->column, c.page_no);
      goto out;
    }
    const uint8_t *body = p + hlen;
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0 || (size_t)h.compressed_page_size > (size_t)(end - body)) {
      rc = corrupt(&c, "page size %d exceeds the column chunk (%lld bytes left)", h.compressed_page_size, (long long)(end - body));
      goto out;
    }
    /* bound decompression by what the stored bytes could plausibly expand to (zip bombs) */
    if ((int64_t)h.uncompressed_page_size > (int64_t)64 << 20 &&
        (int64_t)h.uncompressed_page_size / 1024 > (int64_t)h.compressed_page_size) {
      rc = corrupt(&c, "page claims %d bytes uncompressed from %d stored: implausible", h.uncompressed_page_size,
                   h.compressed_page_size);
      goto out;
    }
    const uint8_t *next = body + h.compressed_page_size;
    if (h.type == PQ_PAGE_DICTIONARY) {
      if (!h.has_dict_page_header) {
        rc = corrupt(&c, "dictionary page without its header");
        goto out;
      }
      if (seen_data) {
        rc = corrupt(&c, "dictionary page after data pages");
        goto out;
      }
      if ((rc = check_crc(&c, &h, body, stats)) < 0) goto out;
      const uint8_t *d = body;
      size_t dlen = (size_t)h.compressed_page_size;
      if (src->meta->codec != 0) {
        ps_buf_clear(&c.page);
        if ((rc = ps_buf_reserve(&c.page, (size_t)h.uncompressed_page_size + 8)) < 0) goto out;
        if ((rc = where(&c, ps_decompress(src->meta->codec, body, dlen, c.page.data, (size_t)h.uncompressed_page_size))) < 0) goto out;
        d = c.page.data;
        dlen = (size_t)h.uncompressed_page_size;
      }
      if ((rc = load_dictionary(&c, d, d + dlen, h.dict_page_header.num_values)) < 0) goto out;
      c.bytes_read += (int64_t)(hlen + (size_t)h.compressed_page_size);
    } else if (h.type == PQ_PAGE_DATA || h.type == PQ_PAGE_DATA_V2) {
      if ((h.type == PQ_PAGE_DATA && !h.has_data_page_header) || (h.type == PQ_PAGE_DATA_V2 && !h.has_data_page_header_v2)) {
        rc = corrupt(&c, "data page without its header");
        goto out;
      }
      int64_t nv = h.type == PQ_PAGE_DATA ? h.data_page_header.num_values : h.data_page_header_v2.num_values;
      if (nv < 0 || nv > src->num_rows - row) {
        rc = corrupt(&c, "page has %lld values but only %lld rows remain in the row group", (long long)nv,
                     (long long)(src->num_rows - row));
        goto out;
      }
      seen_data = 1;
      if (stats) stats->pages_total++;
      while (ri < nranges && ranges[ri].end <= row) ri++;
      if (ri < nranges && ranges[ri].begin < row + nv) {
        if (stats) stats->pages_read++;
        c.bytes_read += (int64_t)(hlen + (size_t)h.compressed_page_size);
        if ((rc = check_crc(&c, &h, body, stats)) < 0) goto out;
        if (ranges[ri].begin <= row && ranges[ri].end >= row + nv)
          rc = sink->gather ? decode_gather(&c, &h, body, row, nv, sink) : decode_data_page(&c, &h, body, nv, sink);
        else
          rc = decode_partial(&c, &h, body, row, nv, ranges, nranges, ri, sink);
        if (rc < 0) goto out;
      }
      row += nv;
      if (oi) oi_next++;
      while (ri < nranges && ranges[ri].end <= row) ri++;
    }
    /* other page types (index pages, unknown) are skipped */
    c.page_no++;
    p = next;
  }
  if (ri < nranges) rc = corrupt(&c, "column chunk holds %lld rows, row group says %lld", (long long)row, (long long)src->num_rows);
  /* pages after the last wanted range were never visited: count them as skipped */
  if (stats && oi && oi_next < oi->num_pages) stats->pages_total += oi->num_pages - oi_next;
out:
  if (stats) stats->bytes_read += c.bytes_read;
  ctx_free(&c);
  return rc;
}
