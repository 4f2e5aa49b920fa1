/* The "ARROW:schema" key/value entry (see arrow_schema.h).
 *
 * The value is base64 of an Arrow IPC Schema message: 0xFFFFFFFF, an int32
 * metadata length, then a flatbuffer
 *   Message { version: V5, header_type: Schema, header: Schema {...}, bodyLength: 0 }
 * padded to a multiple of 8. Field ids follow Arrow's format/Message.fbs and
 * format/Schema.fbs:
 *   Message: version 0, header_type 1, header 2, bodyLength 3, custom_metadata 4
 *   Schema:  endianness 0, fields 1, custom_metadata 2, features 3
 *   Field:   name 0, nullable 1, type_type 2, type 3, dictionary 4, children 5, custom_metadata 6
 *   Int { bitWidth 0, is_signed 1 }, FloatingPoint { precision 0 },
 *   Date { unit 0 (default MILLISECOND) }, Timestamp { unit 0, timezone 1 }
 *
 * The builder lays the flatbuffer out front to back: a parent is written
 * before its children (flatbuffer offsets only point forward) and its offset
 * slots are patched once the child's position is known. Each table's vtable
 * sits right before it. The decoder checks every offset, vtable and length
 * against the buffer; it does not recurse and allocates only the decoded
 * base64 (no larger than the input). */
#include "parquet/arrow_schema.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

/* ---- base64 ---- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int pq_base64_encode(const uint8_t *data, size_t len, char **out) {
  *out = NULL;
  if (len > (SIZE_MAX - 1) / 4 * 3 - 3) return ps__error(PS_ERR_LIMIT, "base64: input too large");
  size_t n = (len + 2) / 3 * 4;
  char *s = ps__malloc(n + 1);
  if (!s) return PS_NOMEM();
  size_t o = 0, i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
    s[o++] = b64_alphabet[v >> 18];
    s[o++] = b64_alphabet[(v >> 12) & 63];
    s[o++] = b64_alphabet[(v >> 6) & 63];
    s[o++] = b64_alphabet[v & 63];
  }
  if (len - i == 1) {
    uint32_t v = (uint32_t)data[i] << 16;
    s[o++] = b64_alphabet[v >> 18];
    s[o++] = b64_alphabet[(v >> 12) & 63];
    s[o++] = '=';
    s[o++] = '=';
  } else if (len - i == 2) {
    uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
    s[o++] = b64_alphabet[v >> 18];
    s[o++] = b64_alphabet[(v >> 12) & 63];
    s[o++] = b64_alphabet[(v >> 6) & 63];
    s[o++] = '=';
  }
  s[o] = '\0';
  *out = s;
  return PS_OK;
}

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

static int b64_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Decode into out (room for len bytes is enough). Whitespace is skipped,
 * padding is optional but only at the end. Returns the length or -1. */
static long long b64_decode(const char *s, size_t len, uint8_t *out) {
  uint32_t acc = 0;
  int bits = 0, padding = 0;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (b64_space(c)) continue;
    if (c == '=') {
      padding++;
      continue;
    }
    if (padding) return -1;
    int v = b64_value(c);
    if (v < 0) return -1;
    acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  /* a lone 6-bit group cannot end a valid encoding */
  if (bits >= 6 || padding > 2) return -1;
  return (long long)o;
}

/* ---- flatbuffer builder ---- */

typedef struct fbb {
  uint8_t *p;
  size_t len, cap;
  int oom;
} fbb;

static void fb_grow(fbb *b, size_t need) {
  if (b->oom || b->len + need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + need) cap *= 2;
  uint8_t *p = ps__realloc(b->p, cap);
  if (!p) {
    b->oom = 1;
    return;
  }
  b->p = p;
  b->cap = cap;
}

static size_t fb_put(fbb *b, const void *src, size_t n) {
  fb_grow(b, n);
  size_t pos = b->len;
  if (b->oom) return pos;
  if (src)
    memcpy(b->p + b->len, src, n);
  else
    memset(b->p + b->len, 0, n);
  b->len += n;
  return pos;
}

static void fb_set_le(fbb *b, size_t pos, uint64_t v, int size) {
  if (b->oom) return;
  for (int i = 0; i < size; i++) b->p[pos + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static size_t fb_put_le(fbb *b, uint64_t v, int size) {
  size_t pos = fb_put(b, NULL, (size_t)size);
  fb_set_le(b, pos, v, size);
  return pos;
}

static void fb_align(fbb *b, size_t a) {
  if (b->len % a) fb_put(b, NULL, a - b->len % a);
}

/* Point the uoffset at `slot` to `target` (always further on). */
static void fb_patch(fbb *b, size_t slot, size_t target) { fb_set_le(b, slot, (uint64_t)(target - slot), 4); }

typedef struct fb_field {
  int id;         /* field id in the schema */
  int size;       /* 1, 2, 4 or 8 */
  uint64_t value; /* scalars; 0 for offsets (patched later) */
  size_t slot;    /* out: position of the field */
} fb_field;

/* Write a table (vtable right before it); returns the table's position. */
static size_t fb_table(fbb *b, fb_field *f, int n) {
  int order[8], nslots = 0, maxalign = 4;
  for (int i = 0; i < n; i++) {
    if (f[i].id + 1 > nslots) nslots = f[i].id + 1;
    if (f[i].size > maxalign) maxalign = f[i].size;
    /* insertion sort, biggest first: no padding between fields */
    int j = i;
    while (j > 0 && f[order[j - 1]].size < f[i].size) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  size_t offs[8], off = 4;
  for (int k = 0; k < n; k++) {
    int i = order[k];
    off = (off + (size_t)f[i].size - 1) / (size_t)f[i].size * (size_t)f[i].size;
    offs[i] = off;
    off += (size_t)f[i].size;
  }
  size_t tsize = off, vsize = 4 + 2 * (size_t)nslots;
  /* the vtable ends where the table starts, on the table's alignment */
  size_t end = (b->len + vsize + (size_t)maxalign - 1) / (size_t)maxalign * (size_t)maxalign;
  fb_put(b, NULL, end - vsize - b->len);
  size_t vt = fb_put(b, NULL, vsize);
  fb_set_le(b, vt, vsize, 2);
  fb_set_le(b, vt + 2, tsize, 2);
  for (int i = 0; i < n; i++) fb_set_le(b, vt + 4 + 2 * (size_t)f[i].id, offs[i], 2);
  size_t t = fb_put(b, NULL, tsize);
  fb_set_le(b, t, vsize, 4); /* soffset: vtable = table - vsize */
  for (int i = 0; i < n; i++) {
    f[i].slot = t + offs[i];
    fb_set_le(b, f[i].slot, f[i].value, f[i].size);
  }
  return t;
}

static size_t fb_string(fbb *b, const char *s) {
  size_t n = strlen(s);
  fb_align(b, 4);
  size_t pos = fb_put_le(b, n, 4);
  fb_put(b, s, n);
  fb_put(b, NULL, 1);
  return pos;
}

/* A vector of n uoffsets; slot i is at pos + 4 + 4 * i. */
static size_t fb_offset_vector(fbb *b, size_t n) {
  fb_align(b, 4);
  size_t pos = fb_put_le(b, n, 4);
  fb_put(b, NULL, 4 * n);
  return pos;
}

enum { AT_SECOND = 0, AT_MILLI = 1, AT_MICRO = 2, AT_NANO = 3 };

/* The Arrow type table of one column; *tz_slot gets the timezone slot when
 * the column has a zone (patched by the caller), else 0. */
static int fb_type(fbb *b, const ps_column *col, int micros, int *type_id, size_t *pos, size_t *tz_slot) {
  fb_field f[2];
  memset(f, 0, sizeof f);
  int n = 0;
  *tz_slot = 0;
  switch (col->type) {
    case PS_TYPE_BOOL: *type_id = PQ_ARROW_BOOL; break;
    case PS_TYPE_INT8:
    case PS_TYPE_INT16:
    case PS_TYPE_INT32:
    case PS_TYPE_INT64:
    case PS_TYPE_UINT8:
    case PS_TYPE_UINT16:
    case PS_TYPE_UINT32:
    case PS_TYPE_UINT64: {
      int width = (int)ps_type_width(col->type) * 8;
      int is_signed = col->type <= PS_TYPE_INT64;
      *type_id = PQ_ARROW_INT;
      f[0] = (fb_field){0, 4, (uint64_t)width, 0};
      f[1] = (fb_field){1, 1, (uint64_t)is_signed, 0};
      n = 2;
      break;
    }
    case PS_TYPE_FLOAT32:
    case PS_TYPE_FLOAT64:
      *type_id = PQ_ARROW_FLOAT;
      f[0] = (fb_field){0, 2, col->type == PS_TYPE_FLOAT32 ? 1u : 2u, 0};
      n = 1;
      break;
    case PS_TYPE_DATE:
      *type_id = PQ_ARROW_DATE;
      f[0] = (fb_field){0, 2, 0 /* DAY; the default would be MILLISECOND */, 0};
      n = 1;
      break;
    case PS_TYPE_STRING: *type_id = PQ_ARROW_UTF8; break;
    case PS_TYPE_BINARY: *type_id = PQ_ARROW_BINARY; break;
    case PS_TYPE_TIMESTAMP: {
      ps_time_unit u = col->unit;
      if (micros && u == PS_UNIT_NS) u = PS_UNIT_US;
      int au = u == PS_UNIT_NS ? AT_NANO : u == PS_UNIT_US ? AT_MICRO : u == PS_UNIT_MS ? AT_MILLI : AT_SECOND;
      *type_id = PQ_ARROW_TIMESTAMP;
      f[0] = (fb_field){0, 2, (uint64_t)au, 0};
      n = 1;
      if (col->tz) {
        f[1] = (fb_field){1, 4, 0, 0};
        n = 2;
      }
      break;
    }
    default: return ps__error(PS_ERR_INVALID, "column '%s': invalid type", col->name);
  }
  *pos = fb_table(b, f, n);
  if (col->type == PS_TYPE_TIMESTAMP && col->tz) *tz_slot = f[1].slot;
  return PS_OK;
}

int pq_arrow_schema_build(const ps_frame *schema, int micros, char **out_b64) {
  *out_b64 = NULL;
  fbb b = {0};
  int rc = PS_OK;
  size_t root = fb_put_le(&b, 0, 4);
  fb_field msg[4] = {{0, 2, 4 /* V5 */, 0}, {1, 1, 1 /* Schema */, 0}, {2, 4, 0, 0}, {3, 8, 0, 0}};
  fb_patch(&b, root, fb_table(&b, msg, 4));
  fb_field sch[2] = {{0, 2, 0 /* Little */, 0}, {1, 4, 0, 0}};
  fb_patch(&b, msg[2].slot, fb_table(&b, sch, 2));
  size_t ncols = (size_t)schema->ncols;
  size_t vec = fb_offset_vector(&b, ncols);
  fb_patch(&b, sch[1].slot, vec);
  for (size_t i = 0; i < ncols && !b.oom; i++) {
    const ps_column *col = schema->cols[i];
    int type_id = 0;
    /* type_type is fixed below once the type is known; the table is written first */
    fb_field fld[5] = {{0, 4, 0, 0}, {1, 1, (uint64_t)(col->nullable != 0), 0}, {2, 1, 0, 0}, {3, 4, 0, 0},
                       {5, 4, 0, 0}};
    fb_patch(&b, vec + 4 + 4 * i, fb_table(&b, fld, 5));
    fb_patch(&b, fld[0].slot, fb_string(&b, col->name));
    size_t type_pos = 0, tz_slot = 0;
    PS_CHECK(fb_type(&b, col, micros, &type_id, &type_pos, &tz_slot));
    fb_set_le(&b, fld[2].slot, (uint64_t)type_id, 1);
    fb_patch(&b, fld[3].slot, type_pos);
    if (tz_slot) fb_patch(&b, tz_slot, fb_string(&b, col->tz));
    fb_patch(&b, fld[4].slot, fb_offset_vector(&b, 0));
  }
  if (b.oom) {
    rc = PS_NOMEM();
    goto fail;
  }
  if (b.len > INT32_MAX - 8) {
    rc = ps__error(PS_ERR_LIMIT, "ARROW:schema: schema too large");
    goto fail;
  }
  {
    /* encapsulate: continuation marker, padded metadata length, flatbuffer, padding */
    size_t meta = (b.len + 7) / 8 * 8;
    uint8_t *msgbuf = ps__calloc(8 + meta, 1);
    if (!msgbuf) {
      rc = PS_NOMEM();
      goto fail;
    }
    memset(msgbuf, 0xFF, 4);
    for (int k = 0; k < 4; k++) msgbuf[4 + k] = (uint8_t)(meta >> (8 * k));
    memcpy(msgbuf + 8, b.p, b.len);
    rc = pq_base64_encode(msgbuf, 8 + meta, out_b64);
    ps__free_mem(msgbuf);
  }
fail:
  ps__free_mem(b.p);
  return rc;
}

/* ---- flatbuffer reader (bounds-checked) ---- */

typedef struct fbr {
  const uint8_t *p;
  size_t len;
} fbr;

typedef struct fbt {
  size_t pos, vt;
  uint32_t vtsize, tsize;
} fbt;

static uint64_t rd_le(const uint8_t *p, int size) {
  uint64_t v = 0;
  for (int i = size - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* Is [pos, pos + n) inside the buffer? */
static int in_buf(const fbr *r, size_t pos, size_t n) { return pos <= r->len && n <= r->len - pos; }

static int fb_table_at(const fbr *r, size_t pos, fbt *t) {
  if (!in_buf(r, pos, 4)) return -1;
  int64_t soff = (int32_t)(uint32_t)rd_le(r->p + pos, 4);
  int64_t vt = (int64_t)pos - soff;
  if (vt < 0 || !in_buf(r, (size_t)vt, 4)) return -1;
  t->pos = pos;
  t->vt = (size_t)vt;
  t->vtsize = (uint32_t)rd_le(r->p + t->vt, 2);
  t->tsize = (uint32_t)rd_le(r->p + t->vt + 2, 2);
  if (t->vtsize < 4 || (t->vtsize & 1) || !in_buf(r, t->vt, t->vtsize)) return -1;
  if (t->tsize < 4 || !in_buf(r, pos, t->tsize)) return -1;
  return 0;
}

/* Position of field `id` of `size` bytes: 1 present, 0 absent, -1 bad. */
static int fb_field_pos(const fbr *r, const fbt *t, int id, uint32_t size, size_t *pos) {
  uint32_t slot = 4 + 2 * (uint32_t)id;
  if (slot + 2 > t->vtsize) return 0;
  uint32_t off = (uint32_t)rd_le(r->p + t->vt + slot, 2);
  if (off == 0) return 0;
  if (off < 4 || off + size > t->tsize) return -1;
  *pos = t->pos + off;
  return 1;
}

static int fb_scalar(const fbr *r, const fbt *t, int id, int size, uint64_t dflt, uint64_t *out) {
  size_t pos;
  int st = fb_field_pos(r, t, id, (uint32_t)size, &pos);
  if (st < 0) return -1;
  *out = st ? rd_le(r->p + pos, size) : dflt;
  return 0;
}

/* Follow the uoffset field `id`: 1 with *target set, 0 absent, -1 bad. */
static int fb_offset(const fbr *r, const fbt *t, int id, size_t *target) {
  size_t pos;
  int st = fb_field_pos(r, t, id, 4, &pos);
  if (st <= 0) return st;
  uint32_t off = (uint32_t)rd_le(r->p + pos, 4);
  if (off == 0 || off > r->len - pos) return -1;
  *target = pos + off;
  return 1;
}

static int fb_sub_table(const fbr *r, const fbt *t, int id, fbt *sub) {
  size_t pos;
  int st = fb_offset(r, t, id, &pos);
  if (st <= 0) return st;
  return fb_table_at(r, pos, sub) < 0 ? -1 : 1;
}

static int fb_str(const fbr *r, const fbt *t, int id, const char **s, size_t *n) {
  size_t pos;
  *s = NULL;
  *n = 0;
  int st = fb_offset(r, t, id, &pos);
  if (st <= 0) return st;
  if (!in_buf(r, pos, 4)) return -1;
  uint64_t len = rd_le(r->p + pos, 4);
  /* the bytes plus the NUL terminator flatbuffers requires */
  if (len >= r->len - pos - 4 || r->p[pos + 4 + len] != 0) return -1;
  *s = (const char *)r->p + pos + 4;
  *n = (size_t)len;
  return 1;
}

/* Vector of `elem`-byte elements: 1 with the start and count set, 0 absent, -1 bad. */
static int fb_vector(const fbr *r, const fbt *t, int id, size_t elem, size_t *start, size_t *count) {
  size_t pos;
  *count = 0;
  int st = fb_offset(r, t, id, &pos);
  if (st <= 0) return st;
  if (!in_buf(r, pos, 4)) return -1;
  uint64_t n = rd_le(r->p + pos, 4);
  if (n > (r->len - pos - 4) / elem) return -1;
  *start = pos + 4;
  *count = (size_t)n;
  return 1;
}

/* Decode the Field table at `pos` (nothing below its type is visited). */
static int parse_field(const fbr *r, size_t pos, pq_arrow_field *out) {
  fbt t, ty;
  uint64_t v;
  memset(out, 0, sizeof *out);
  if (fb_table_at(r, pos, &t) < 0) return -1;
  if (fb_str(r, &t, 0, &out->name, &out->name_len) < 0) return -1;
  if (fb_scalar(r, &t, 1, 1, 0, &v) < 0) return -1;
  out->nullable = v != 0;
  if (fb_scalar(r, &t, 2, 1, 0, &v) < 0) return -1;
  out->type_id = (int)v;
  int st = fb_sub_table(r, &t, 3, &ty);
  if (st < 0) return -1;
  size_t cstart, ccount;
  if (fb_vector(r, &t, 5, 4, &cstart, &ccount) < 0) return -1;
  if (st == 0) return out->type_id == PQ_ARROW_TIMESTAMP ? -1 : 0;
  switch (out->type_id) {
    case PQ_ARROW_INT:
      if (fb_scalar(r, &ty, 0, 4, 0, &v) < 0) return -1;
      out->bit_width = (int32_t)(uint32_t)v;
      if (fb_scalar(r, &ty, 1, 1, 0, &v) < 0) return -1;
      out->is_signed = v != 0;
      break;
    case PQ_ARROW_FLOAT:
      if (fb_scalar(r, &ty, 0, 2, 0, &v) < 0) return -1;
      out->precision = (int16_t)(uint16_t)v;
      break;
    case PQ_ARROW_DATE:
      if (fb_scalar(r, &ty, 0, 2, 1, &v) < 0) return -1;
      out->unit = (int16_t)(uint16_t)v;
      break;
    case PQ_ARROW_TIMESTAMP:
      if (fb_scalar(r, &ty, 0, 2, 0, &v) < 0) return -1;
      out->unit = (int16_t)(uint16_t)v;
      if (fb_str(r, &ty, 1, &out->tz, &out->tz_len) < 0) return -1;
      if (out->tz && memchr(out->tz, 0, out->tz_len)) return -1;
      break;
    default: break;
  }
  return 0;
}

/* Walk the Message; fn == NULL only validates. Returns the field count or -1. */
static int walk(const fbr *r, pq_arrow_field_fn fn, void *ctx) {
  fbt msg, sch;
  uint64_t v;
  if (!in_buf(r, 0, 4)) return -1;
  uint64_t root = rd_le(r->p, 4);
  if (root == 0 || fb_table_at(r, (size_t)root, &msg) < 0) return -1;
  if (fb_scalar(r, &msg, 1, 1, 0, &v) < 0 || v != 1 /* Schema */) return -1;
  if (fb_sub_table(r, &msg, 2, &sch) != 1) return -1;
  size_t start = 0, count = 0;
  if (fb_vector(r, &sch, 1, 4, &start, &count) < 0) return -1;
  if (count > INT_MAX) return -1;
  for (size_t i = 0; i < count; i++) {
    size_t slot = start + 4 * i;
    uint32_t off = (uint32_t)rd_le(r->p + slot, 4);
    if (off == 0 || off > r->len - slot) return -1;
    pq_arrow_field f;
    if (parse_field(r, slot + off, &f) < 0) return -1;
    if (fn) fn(ctx, (int)i, &f);
  }
  return (int)count;
}

static int visit(const char *b64, size_t len, pq_arrow_field_fn fn, void *ctx, int *oom) {
  if (!b64 || len < 8) return -1;
  uint8_t *buf = ps__malloc(len);
  if (!buf) {
    *oom = 1;
    return -1;
  }
  int rc = -1;
  long long dlen = b64_decode(b64, len, buf);
  if (dlen < 8) goto done;
  size_t start = 4;
  uint32_t mlen = (uint32_t)rd_le(buf, 4);
  if (mlen == 0xFFFFFFFFu) { /* encapsulated: continuation marker, then the length */
    mlen = (uint32_t)rd_le(buf + 4, 4);
    start = 8;
  }
  if (mlen == 0 || mlen > INT32_MAX || mlen > (size_t)dlen - start) goto done;
  fbr r = {buf + start, mlen};
  rc = walk(&r, NULL, NULL);
  if (rc >= 0 && fn) walk(&r, fn, ctx);
done:
  ps__free_mem(buf);
  return rc;
}

int pq_arrow_schema_visit(const char *b64, size_t len, pq_arrow_field_fn fn, void *ctx) {
  int oom = 0;
  return visit(b64, len, fn, ctx, &oom);
}

typedef struct apply_ctx {
  pq_leaf *leaves;
  int nleaves;
  int oom;
} apply_ctx;

static void apply_field(void *vctx, int index, const pq_arrow_field *f) {
  apply_ctx *ctx = vctx;
  (void)index;
  if (f->type_id != PQ_ARROW_TIMESTAMP || !f->tz || f->tz_len == 0 || !f->name) return;
  for (int i = 0; i < ctx->nleaves; i++) {
    pq_leaf *lf = &ctx->leaves[i];
    if (lf->type != PS_TYPE_TIMESTAMP || !lf->utc || !lf->name) continue;
    if (strlen(lf->name) != f->name_len || memcmp(lf->name, f->name, f->name_len) != 0) continue;
    char *copy = ps__strndup(f->tz, f->tz_len);
    if (!copy) {
      ctx->oom = 1;
      return;
    }
    ps__free_mem(lf->tz);
    lf->tz = copy;
  }
}

int pq_arrow_schema_apply(const char *b64, size_t len, pq_leaf *leaves, int nleaves) {
  if (!leaves || nleaves <= 0) return PS_OK;
  /* A flat file has one top-level field per leaf; more fields than leaves
   * means the entry does not describe this file. */
  int oom = 0;
  int n = visit(b64, len, NULL, NULL, &oom);
  if (oom) return PS_NOMEM();
  if (n < 0 || n > nleaves) return PS_OK;
  apply_ctx ctx = {leaves, nleaves, 0};
  visit(b64, len, apply_field, &ctx, &oom);
  return oom || ctx.oom ? PS_NOMEM() : PS_OK;
}
