/* Parquet footer, page header and page index structures <-> Thrift compact.
 *
 * Parsing takes untrusted bytes. Arrays grow as elements are actually parsed
 * (never sized up front from a count in the input), so the memory used is
 * proportional to the structures really present, and every allocation is
 * tracked in an arena freed in one go. Unknown fields are skipped; a known
 * field with an unexpected wire type is skipped too and then counts as
 * absent, which the required-field checks report. */
#include "parquet/metadata.h"

#include <string.h>

#include "parquet/thrift.h"
#include "pystore.h"
#include "util/alloc.h"
#include "util/error.h"

/* ------------------------------------------------------------ the arena */

typedef struct pq_arena {
  void **ptrs;
  size_t n, cap;
} pq_arena;

static void arena_free(pq_arena *a) {
  if (!a) return;
  for (size_t i = 0; i < a->n; i++) ps__free_mem(a->ptrs[i]);
  ps__free_mem(a->ptrs);
  ps__free_mem(a);
}

/* A growable array owned by the arena: `slot` is its entry in a->ptrs. */
typedef struct pq_vec {
  size_t slot, len, cap, elem;
} pq_vec;

typedef struct parse_ctx {
  tc_reader r;
  pq_arena *arena;
  const char *what; /* structure being parsed, for messages */
} parse_ctx;

static void nomem(parse_ctx *c) {
  if (!c->r.err) {
    c->r.err = PS_ERR_NOMEM;
    c->r.what = "out of memory";
  }
  c->r.p = c->r.end;
}

static int vec_init(parse_ctx *c, pq_vec *v, size_t elem) {
  pq_arena *a = c->arena;
  memset(v, 0, sizeof *v);
  v->elem = elem;
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    void **p = ps__realloc(a->ptrs, cap * sizeof *p);
    if (!p) {
      nomem(c);
      return 0;
    }
    a->ptrs = p;
    a->cap = cap;
  }
  v->slot = a->n;
  a->ptrs[a->n++] = NULL;
  return 1;
}

/* Pointer to a new zeroed element at the end, or NULL on failure. */
static void *vec_push(parse_ctx *c, pq_vec *v) {
  pq_arena *a = c->arena;
  if (v->len == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 4;
    void *p = ps__realloc(a->ptrs[v->slot], cap * v->elem);
    if (!p) {
      nomem(c);
      return NULL;
    }
    a->ptrs[v->slot] = p;
    v->cap = cap;
  }
  uint8_t *e = (uint8_t *)a->ptrs[v->slot] + v->len * v->elem;
  memset(e, 0, v->elem);
  v->len++;
  return e;
}

static void *vec_data(parse_ctx *c, const pq_vec *v) { return c->arena->ptrs[v->slot]; }

/* A list<struct> field: each element parsed by `parse` into a zeroed slot of
 * `elem` bytes. Elements of another wire type are skipped. Returns the
 * array (arena-owned) and its length in *count. */
typedef void (*elem_parser)(struct parse_ctx *c, void *elem);

static void *parse_struct_list(parse_ctx *c, size_t elem, elem_parser parse, uint32_t *count) {
  int et;
  pq_vec v;
  *count = 0;
  uint32_t n = tc_read_list_begin(&c->r, &et);
  if (!vec_init(c, &v, elem)) return NULL;
  for (uint32_t i = 0; i < n && !c->r.err; i++) {
    if (et != TC_STRUCT) {
      tc_skip(&c->r, et);
      continue;
    }
    void *e = vec_push(c, &v);
    if (e) parse(c, e);
  }
  *count = (uint32_t)v.len;
  return vec_data(c, &v);
}

/* ------------------------------------------------------- field helpers */

#define FOR_FIELDS(c, type, id, bv) \
  for (tc_read_struct_begin(&(c)->r); tc_read_field_next(&(c)->r, &(type), &(id), &(bv));)

static int want(parse_ctx *c, int type, int expected) {
  if (type == expected) return 1;
  tc_skip(&c->r, type);
  return 0;
}

static pq_bytes read_bytes(parse_ctx *c) {
  pq_bytes b;
  b.ptr = tc_read_binary(&c->r, &b.len);
  return b;
}

static void missing(parse_ctx *c, const char *what) { tc_fail(&c->r, what); }

/* ------------------------------------------------------------- parsing */

static void parse_statistics(parse_ctx *c, pq_statistics *s) {
  int t, bv;
  int16_t id;
  memset(s, 0, sizeof *s);
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1: if (want(c, t, TC_BINARY)) { s->max = read_bytes(c); s->has_max = 1; } break;
      case 2: if (want(c, t, TC_BINARY)) { s->min = read_bytes(c); s->has_min = 1; } break;
      case 3: if (want(c, t, TC_I64)) { s->null_count = tc_read_i64(&c->r); s->has_null_count = 1; } break;
      case 4: if (want(c, t, TC_I64)) { s->distinct_count = tc_read_i64(&c->r); s->has_distinct_count = 1; } break;
      case 5: if (want(c, t, TC_BINARY)) { s->max_value = read_bytes(c); s->has_max_value = 1; } break;
      case 6: if (want(c, t, TC_BINARY)) { s->min_value = read_bytes(c); s->has_min_value = 1; } break;
      case 7: if (want(c, t, TC_TRUE)) { s->is_max_value_exact = bv; s->has_is_max_value_exact = 1; } break;
      case 8: if (want(c, t, TC_TRUE)) { s->is_min_value_exact = bv; s->has_is_min_value_exact = 1; } break;
      case 9: if (want(c, t, TC_I64)) { s->nan_count = tc_read_i64(&c->r); s->has_nan_count = 1; } break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (s->has_null_count && s->null_count < 0) tc_fail(&c->r, "negative null_count in statistics");
}

/* TimeUnit union: the member id is the unit. */
static int parse_time_unit(parse_ctx *c) {
  int t, bv, unit = 0;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    if (t == TC_STRUCT && id >= 1 && id <= 3) unit = id;
    tc_skip(&c->r, t);
  }
  tc_read_struct_end(&c->r);
  return unit;
}

static void parse_logical_type(parse_ctx *c, pq_logical_type *lt) {
  int t, bv;
  int16_t id;
  memset(lt, 0, sizeof *lt);
  FOR_FIELDS(c, t, id, bv) {
    if (t != TC_STRUCT) {
      tc_skip(&c->r, t);
      continue;
    }
    int t2, bv2;
    int16_t id2;
    switch (id) {
      case PQ_LT_DECIMAL:
        lt->kind = PQ_LT_DECIMAL;
        FOR_FIELDS(c, t2, id2, bv2) {
          if (id2 == 1 && want(c, t2, TC_I32)) lt->dec_scale = tc_read_i32(&c->r);
          else if (id2 == 2 && want(c, t2, TC_I32)) lt->dec_precision = tc_read_i32(&c->r);
          else if (id2 != 1 && id2 != 2) tc_skip(&c->r, t2);
        }
        tc_read_struct_end(&c->r);
        break;
      case PQ_LT_TIME:
      case PQ_LT_TIMESTAMP:
        lt->kind = id;
        FOR_FIELDS(c, t2, id2, bv2) {
          if (id2 == 1 && want(c, t2, TC_TRUE)) lt->ts_utc = bv2;
          else if (id2 == 2 && want(c, t2, TC_STRUCT)) lt->unit = parse_time_unit(c);
          else if (id2 != 1 && id2 != 2) tc_skip(&c->r, t2);
        }
        tc_read_struct_end(&c->r);
        break;
      case PQ_LT_INTEGER:
        lt->kind = PQ_LT_INTEGER;
        FOR_FIELDS(c, t2, id2, bv2) {
          if (id2 == 1 && want(c, t2, TC_I8)) lt->int_bits = tc_read_i8(&c->r);
          else if (id2 == 2 && want(c, t2, TC_TRUE)) lt->int_signed = bv2;
          else if (id2 != 1 && id2 != 2) tc_skip(&c->r, t2);
        }
        tc_read_struct_end(&c->r);
        break;
      default:
        /* members without parameters (STRING, DATE, ...) or unknown ones */
        lt->kind = (id >= 1 && id <= 15 && id != 9) ? id : PQ_LT_NONE;
        tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
}

static void parse_schema_element(parse_ctx *c, void *e_v) {
  pq_schema_element *e = e_v;
  int t, bv, has_name = 0;
  int16_t id;
  e->converted_type = PQ_CT_NONE;
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1: if (want(c, t, TC_I32)) { e->type = tc_read_i32(&c->r); e->has_type = 1; } break;
      case 2: if (want(c, t, TC_I32)) e->type_length = tc_read_i32(&c->r); break;
      case 3: if (want(c, t, TC_I32)) { e->repetition = tc_read_i32(&c->r); e->has_repetition = 1; } break;
      case 4: if (want(c, t, TC_BINARY)) { e->name = read_bytes(c); has_name = 1; } break;
      case 5: if (want(c, t, TC_I32)) e->num_children = tc_read_i32(&c->r); break;
      case 6: if (want(c, t, TC_I32)) e->converted_type = tc_read_i32(&c->r); break;
      case 7: if (want(c, t, TC_I32)) e->scale = tc_read_i32(&c->r); break;
      case 8: if (want(c, t, TC_I32)) e->precision = tc_read_i32(&c->r); break;
      case 10: if (want(c, t, TC_STRUCT)) parse_logical_type(c, &e->logical); break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (c->r.err) return;
  if (!has_name) missing(c, "schema element without a name");
  else if (e->num_children < 0) tc_fail(&c->r, "schema element with a negative number of children");
  else if (e->has_type && (e->type < PQ_BOOLEAN || e->type > PQ_FIXED)) tc_fail(&c->r, "schema element with an unknown physical type");
  else if (e->has_repetition && (e->repetition < PQ_REQUIRED || e->repetition > PQ_REPEATED))
    tc_fail(&c->r, "schema element with an unknown repetition");
  else if (e->type_length < 0) tc_fail(&c->r, "schema element with a negative type_length");
}

static void parse_kv(parse_ctx *c, void *kv_v) {
  pq_kv *kv = kv_v;
  int t, bv, has_key = 0;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    if (id == 1 && want(c, t, TC_BINARY)) {
      kv->key = read_bytes(c);
      has_key = 1;
    } else if (id == 2 && want(c, t, TC_BINARY)) {
      kv->value = read_bytes(c);
      kv->has_value = 1;
    } else if (id != 1 && id != 2) {
      tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (!c->r.err && !has_key) missing(c, "key/value metadata entry without a key");
}

static void parse_encoding_stats(parse_ctx *c, void *s_v) {
  pq_page_encoding_stats *s = s_v;
  int t, bv;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    if (id == 1 && want(c, t, TC_I32)) s->page_type = tc_read_i32(&c->r);
    else if (id == 2 && want(c, t, TC_I32)) s->encoding = tc_read_i32(&c->r);
    else if (id == 3 && want(c, t, TC_I32)) s->count = tc_read_i32(&c->r);
    else if (id < 1 || id > 3) tc_skip(&c->r, t);
  }
  tc_read_struct_end(&c->r);
}

enum { CM_TYPE = 1, CM_ENCODINGS = 2, CM_PATH = 4, CM_CODEC = 8, CM_NUM_VALUES = 16, CM_UNCOMP = 32, CM_COMP = 64, CM_DATA_OFF = 128 };

static void parse_column_meta(parse_ctx *c, pq_column_meta *m) {
  int t, bv, seen = 0;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1: if (want(c, t, TC_I32)) { m->type = tc_read_i32(&c->r); seen |= CM_TYPE; } break;
      case 2:
        if (want(c, t, TC_LIST)) {
          int et;
          uint32_t n = tc_read_list_begin(&c->r, &et);
          pq_vec v;
          if (!vec_init(c, &v, sizeof(int))) break;
          for (uint32_t i = 0; i < n && !c->r.err; i++) {
            if (et != TC_I32) { tc_skip(&c->r, et); continue; }
            int32_t enc = tc_read_i32(&c->r);
            int *slot = vec_push(c, &v);
            if (slot) *slot = enc;
          }
          m->encodings = vec_data(c, &v);
          m->num_encodings = (uint32_t)v.len;
          seen |= CM_ENCODINGS;
        }
        break;
      case 3:
        if (want(c, t, TC_LIST)) {
          int et;
          uint32_t n = tc_read_list_begin(&c->r, &et);
          pq_vec v;
          if (!vec_init(c, &v, sizeof(pq_bytes))) break;
          for (uint32_t i = 0; i < n && !c->r.err; i++) {
            if (et != TC_BINARY) { tc_skip(&c->r, et); continue; }
            pq_bytes b = read_bytes(c);
            pq_bytes *slot = vec_push(c, &v);
            if (slot) *slot = b;
          }
          m->path = vec_data(c, &v);
          m->path_len = (uint32_t)v.len;
          seen |= CM_PATH;
        }
        break;
      case 4: if (want(c, t, TC_I32)) { m->codec = tc_read_i32(&c->r); seen |= CM_CODEC; } break;
      case 5: if (want(c, t, TC_I64)) { m->num_values = tc_read_i64(&c->r); seen |= CM_NUM_VALUES; } break;
      case 6: if (want(c, t, TC_I64)) { m->total_uncompressed_size = tc_read_i64(&c->r); seen |= CM_UNCOMP; } break;
      case 7: if (want(c, t, TC_I64)) { m->total_compressed_size = tc_read_i64(&c->r); seen |= CM_COMP; } break;
      case 9: if (want(c, t, TC_I64)) { m->data_page_offset = tc_read_i64(&c->r); seen |= CM_DATA_OFF; } break;
      case 11:
        if (want(c, t, TC_I64)) {
          m->dictionary_page_offset = tc_read_i64(&c->r);
          m->has_dictionary_page_offset = 1;
        }
        break;
      case 12: if (want(c, t, TC_STRUCT)) { parse_statistics(c, &m->statistics); m->has_statistics = 1; } break;
      case 13:
        if (want(c, t, TC_LIST)) {
          m->encoding_stats = parse_struct_list(c, sizeof(pq_page_encoding_stats), parse_encoding_stats,
                                                &m->num_encoding_stats);
        }
        break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (c->r.err) return;
  const int all = CM_TYPE | CM_ENCODINGS | CM_PATH | CM_CODEC | CM_NUM_VALUES | CM_UNCOMP | CM_COMP | CM_DATA_OFF;
  if ((seen & all) != all) missing(c, "column metadata lacks a required field");
  else if (m->type < PQ_BOOLEAN || m->type > PQ_FIXED) tc_fail(&c->r, "column metadata with an unknown physical type");
  else if (m->num_values < 0 || m->total_compressed_size < 0 || m->total_uncompressed_size < 0 || m->data_page_offset < 0 ||
           (m->has_dictionary_page_offset && m->dictionary_page_offset < 0))
    tc_fail(&c->r, "column metadata with a negative size or offset");
}

static void parse_column_chunk(parse_ctx *c, void *cc_v) {
  pq_column_chunk *cc = cc_v;
  int t, bv;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1: if (want(c, t, TC_BINARY)) { cc->file_path = read_bytes(c); cc->has_file_path = 1; } break;
      case 2: if (want(c, t, TC_I64)) cc->file_offset = tc_read_i64(&c->r); break;
      case 3: if (want(c, t, TC_STRUCT)) { parse_column_meta(c, &cc->meta_data); cc->has_meta_data = 1; } break;
      case 4: if (want(c, t, TC_I64)) { cc->offset_index_offset = tc_read_i64(&c->r); cc->has_offset_index = 1; } break;
      case 5: if (want(c, t, TC_I32)) cc->offset_index_length = tc_read_i32(&c->r); break;
      case 6: if (want(c, t, TC_I64)) { cc->column_index_offset = tc_read_i64(&c->r); cc->has_column_index = 1; } break;
      case 7: if (want(c, t, TC_I32)) cc->column_index_length = tc_read_i32(&c->r); break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (c->r.err) return;
  /* an index without a sane length is ignored rather than trusted */
  if (cc->has_offset_index && (cc->offset_index_offset < 0 || cc->offset_index_length <= 0)) cc->has_offset_index = 0;
  if (cc->has_column_index && (cc->column_index_offset < 0 || cc->column_index_length <= 0)) cc->has_column_index = 0;
}

static void parse_sorting_column(parse_ctx *c, void *s_v) {
  pq_sorting_column *s = s_v;
  int t, bv;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    if (id == 1 && want(c, t, TC_I32)) s->column_idx = tc_read_i32(&c->r);
    else if (id == 2 && want(c, t, TC_TRUE)) s->descending = bv;
    else if (id == 3 && want(c, t, TC_TRUE)) s->nulls_first = bv;
    else if (id < 1 || id > 3) tc_skip(&c->r, t);
  }
  tc_read_struct_end(&c->r);
}

static void parse_row_group(parse_ctx *c, void *g_v) {
  pq_row_group *g = g_v;
  int t, bv, has_cols = 0, has_rows = 0;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1:
        if (want(c, t, TC_LIST)) {
          g->columns = parse_struct_list(c, sizeof(pq_column_chunk), parse_column_chunk, &g->num_columns);
          has_cols = 1;
        }
        break;
      case 2: if (want(c, t, TC_I64)) g->total_byte_size = tc_read_i64(&c->r); break;
      case 3: if (want(c, t, TC_I64)) { g->num_rows = tc_read_i64(&c->r); has_rows = 1; } break;
      case 4:
        if (want(c, t, TC_LIST)) {
          g->sorting_columns =
              parse_struct_list(c, sizeof(pq_sorting_column), parse_sorting_column, &g->num_sorting_columns);
        }
        break;
      case 5: if (want(c, t, TC_I64)) { g->file_offset = tc_read_i64(&c->r); g->has_file_offset = 1; } break;
      case 6: if (want(c, t, TC_I64)) { g->total_compressed_size = tc_read_i64(&c->r); g->has_total_compressed_size = 1; } break;
      case 7: if (want(c, t, TC_I16)) { g->ordinal = (int16_t)tc_read_i32(&c->r); g->has_ordinal = 1; } break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (c->r.err) return;
  if (!has_cols || !has_rows) missing(c, "row group lacks its columns or row count");
  else if (g->num_rows < 0) tc_fail(&c->r, "row group with a negative row count");
}

static int finish(parse_ctx *c, const char *structure) {
  if (!c->r.err) return PS_OK;
  if (c->r.err == PS_ERR_NOMEM) return PS_NOMEM();
  return ps__error(PS_ERR_CORRUPT, "%s: %s", structure, c->r.what ? c->r.what : "malformed");
}

int pq_parse_file_meta(const uint8_t *data, size_t len, pq_file_meta *out) {
  memset(out, 0, sizeof *out);
  parse_ctx c;
  memset(&c, 0, sizeof c);
  tc_reader_init(&c.r, data, len);
  c.arena = ps__calloc(1, sizeof *c.arena);
  if (!c.arena) return PS_NOMEM();
  out->arena = c.arena;
  int t, bv, has_version = 0, has_schema = 0, has_rows = 0, has_rgs = 0;
  int16_t id;
  pq_vec v;
  FOR_FIELDS(&c, t, id, bv) {
    switch (id) {
      case 1: if (want(&c, t, TC_I32)) { out->version = tc_read_i32(&c.r); has_version = 1; } break;
      case 2:
        if (want(&c, t, TC_LIST)) {
          out->schema = parse_struct_list(&c, sizeof(pq_schema_element), parse_schema_element, &out->num_schema);
          has_schema = 1;
        }
        break;
      case 3: if (want(&c, t, TC_I64)) { out->num_rows = tc_read_i64(&c.r); has_rows = 1; } break;
      case 4:
        if (want(&c, t, TC_LIST)) {
          out->row_groups = parse_struct_list(&c, sizeof(pq_row_group), parse_row_group, &out->num_row_groups);
          has_rgs = 1;
        }
        break;
      case 5:
        if (want(&c, t, TC_LIST)) {
          out->kv = parse_struct_list(&c, sizeof(pq_kv), parse_kv, &out->num_kv);
        }
        break;
      case 6: if (want(&c, t, TC_BINARY)) { out->created_by = read_bytes(&c); out->has_created_by = 1; } break;
      case 7:
        if (want(&c, t, TC_LIST)) {
          int et;
          uint32_t n = tc_read_list_begin(&c.r, &et);
          if (!vec_init(&c, &v, sizeof(int))) break;
          for (uint32_t i = 0; i < n && !c.r.err; i++) {
            if (et != TC_STRUCT) { tc_skip(&c.r, et); continue; }
            int member = 0, t2, bv2;
            int16_t id2;
            FOR_FIELDS(&c, t2, id2, bv2) {
              if (t2 == TC_STRUCT) member = id2;
              tc_skip(&c.r, t2);
            }
            tc_read_struct_end(&c.r);
            int *slot = vec_push(&c, &v);
            if (slot) *slot = member;
          }
          out->column_orders = vec_data(&c, &v);
          out->num_column_orders = (uint32_t)v.len;
        }
        break;
      case 8:
        tc_fail(&c.r, "the file is encrypted (encryption_algorithm is set), which is not supported");
        break;
      default: tc_skip(&c.r, t);
    }
  }
  tc_read_struct_end(&c.r);
  if (!c.r.err) {
    if (!has_version || !has_schema || !has_rows || !has_rgs)
      missing(&c, "file metadata lacks a required field (version, schema, num_rows or row_groups)");
    else if (out->num_schema == 0) tc_fail(&c.r, "file metadata with an empty schema");
    else if (out->num_rows < 0) tc_fail(&c.r, "file metadata with a negative row count");
  }
  int rc = finish(&c, "file metadata");
  if (rc < 0) pq_file_meta_free(out);
  return rc;
}

void pq_file_meta_free(pq_file_meta *m) {
  if (!m) return;
  arena_free(m->arena);
  memset(m, 0, sizeof *m);
}

static void parse_data_page_header(parse_ctx *c, pq_data_page_header *h) {
  int t, bv, seen = 0;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1: if (want(c, t, TC_I32)) { h->num_values = tc_read_i32(&c->r); seen |= 1; } break;
      case 2: if (want(c, t, TC_I32)) { h->encoding = tc_read_i32(&c->r); seen |= 2; } break;
      case 3: if (want(c, t, TC_I32)) { h->def_encoding = tc_read_i32(&c->r); seen |= 4; } break;
      case 4: if (want(c, t, TC_I32)) { h->rep_encoding = tc_read_i32(&c->r); seen |= 8; } break;
      case 5: if (want(c, t, TC_STRUCT)) { parse_statistics(c, &h->statistics); h->has_statistics = 1; } break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (!c->r.err && (seen & 3) != 3) missing(c, "data page header lacks num_values or encoding");
  /* level encodings are required by the spec, but only RLE exists in practice */
  if (!(seen & 4)) h->def_encoding = PQ_ENC_RLE;
  if (!(seen & 8)) h->rep_encoding = PQ_ENC_RLE;
  if (!c->r.err && h->num_values < 0) tc_fail(&c->r, "data page header with a negative value count");
}

static void parse_dict_page_header(parse_ctx *c, pq_dict_page_header *h) {
  int t, bv, seen = 0;
  int16_t id;
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1: if (want(c, t, TC_I32)) { h->num_values = tc_read_i32(&c->r); seen |= 1; } break;
      case 2: if (want(c, t, TC_I32)) { h->encoding = tc_read_i32(&c->r); seen |= 2; } break;
      case 3: if (want(c, t, TC_TRUE)) { h->is_sorted = bv; h->has_is_sorted = 1; } break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (!c->r.err && (seen & 3) != 3) missing(c, "dictionary page header lacks num_values or encoding");
  if (!c->r.err && h->num_values < 0) tc_fail(&c->r, "dictionary page header with a negative value count");
}

static void parse_data_page_header_v2(parse_ctx *c, pq_data_page_header_v2 *h) {
  int t, bv, seen = 0;
  int16_t id;
  h->is_compressed = 1;
  FOR_FIELDS(c, t, id, bv) {
    switch (id) {
      case 1: if (want(c, t, TC_I32)) { h->num_values = tc_read_i32(&c->r); seen |= 1; } break;
      case 2: if (want(c, t, TC_I32)) { h->num_nulls = tc_read_i32(&c->r); seen |= 2; } break;
      case 3: if (want(c, t, TC_I32)) { h->num_rows = tc_read_i32(&c->r); seen |= 4; } break;
      case 4: if (want(c, t, TC_I32)) { h->encoding = tc_read_i32(&c->r); seen |= 8; } break;
      case 5: if (want(c, t, TC_I32)) { h->def_levels_byte_length = tc_read_i32(&c->r); seen |= 16; } break;
      case 6: if (want(c, t, TC_I32)) { h->rep_levels_byte_length = tc_read_i32(&c->r); seen |= 32; } break;
      case 7: if (want(c, t, TC_TRUE)) h->is_compressed = bv; break;
      case 8: if (want(c, t, TC_STRUCT)) { parse_statistics(c, &h->statistics); h->has_statistics = 1; } break;
      default: tc_skip(&c->r, t);
    }
  }
  tc_read_struct_end(&c->r);
  if (c->r.err) return;
  if ((seen & 63) != 63) missing(c, "data page V2 header lacks a required field");
  else if (h->num_values < 0 || h->num_nulls < 0 || h->num_rows < 0 || h->def_levels_byte_length < 0 ||
           h->rep_levels_byte_length < 0 || h->num_nulls > h->num_values)
    tc_fail(&c->r, "data page V2 header with negative or inconsistent counts");
}

int pq_parse_page_header(const uint8_t *data, size_t len, pq_page_header *out, size_t *header_len) {
  memset(out, 0, sizeof *out);
  parse_ctx c;
  memset(&c, 0, sizeof c);
  tc_reader_init(&c.r, data, len);
  int t, bv, seen = 0;
  int16_t id;
  FOR_FIELDS(&c, t, id, bv) {
    switch (id) {
      case 1: if (want(&c, t, TC_I32)) { out->type = tc_read_i32(&c.r); seen |= 1; } break;
      case 2: if (want(&c, t, TC_I32)) { out->uncompressed_page_size = tc_read_i32(&c.r); seen |= 2; } break;
      case 3: if (want(&c, t, TC_I32)) { out->compressed_page_size = tc_read_i32(&c.r); seen |= 4; } break;
      case 4: if (want(&c, t, TC_I32)) { out->crc = tc_read_i32(&c.r); out->has_crc = 1; } break;
      case 5:
        if (want(&c, t, TC_STRUCT)) {
          parse_data_page_header(&c, &out->data_page_header);
          out->has_data_page_header = 1;
        }
        break;
      case 7:
        if (want(&c, t, TC_STRUCT)) {
          parse_dict_page_header(&c, &out->dict_page_header);
          out->has_dict_page_header = 1;
        }
        break;
      case 8:
        if (want(&c, t, TC_STRUCT)) {
          parse_data_page_header_v2(&c, &out->data_page_header_v2);
          out->has_data_page_header_v2 = 1;
        }
        break;
      default: tc_skip(&c.r, t);
    }
  }
  tc_read_struct_end(&c.r);
  if (!c.r.err) {
    if ((seen & 7) != 7) missing(&c, "lacks its type or sizes");
    else if (out->uncompressed_page_size < 0 || out->compressed_page_size < 0) tc_fail(&c.r, "negative page size");
    else if (out->type == PQ_PAGE_DATA && !out->has_data_page_header) missing(&c, "data page without a data page header");
    else if (out->type == PQ_PAGE_DATA_V2 && !out->has_data_page_header_v2) missing(&c, "data page V2 without its header");
    else if (out->type == PQ_PAGE_DICTIONARY && !out->has_dict_page_header)
      missing(&c, "dictionary page without a dictionary page header");
  }
  *header_len = (size_t)(c.r.p - data);
  return finish(&c, "page header");
}

int pq_parse_column_index(const uint8_t *data, size_t len, pq_column_index *out) {
  memset(out, 0, sizeof *out);
  parse_ctx c;
  memset(&c, 0, sizeof c);
  tc_reader_init(&c.r, data, len);
  c.arena = ps__calloc(1, sizeof *c.arena);
  if (!c.arena) return PS_NOMEM();
  out->arena = c.arena;
  int t, bv, seen = 0;
  int16_t id;
  uint32_t counts[4] = {0, 0, 0, 0}; /* null_pages, mins, maxes, null_counts */
  FOR_FIELDS(&c, t, id, bv) {
    if (id < 1 || id > 5 || (id != 4 && t != TC_LIST) || (id == 4 && t != TC_I32)) {
      tc_skip(&c.r, t);
      continue;
    }
    if (id == 4) {
      out->boundary_order = tc_read_i32(&c.r);
      seen |= 8;
      continue;
    }
    int et;
    uint32_t n = tc_read_list_begin(&c.r, &et);
    pq_vec v;
    size_t elem = id == 1 ? 1 : id == 5 ? sizeof(int64_t) : sizeof(pq_bytes);
    if (!vec_init(&c, &v, elem)) break;
    for (uint32_t i = 0; i < n && !c.r.err; i++) {
      void *slot = vec_push(&c, &v);
      if (!slot) break;
      if (id == 1) *(uint8_t *)slot = (uint8_t)(et == TC_TRUE ? tc_read_bool_elem(&c.r) : (tc_skip(&c.r, et), 0));
      else if (id == 5) *(int64_t *)slot = et == TC_I64 ? tc_read_i64(&c.r) : (tc_skip(&c.r, et), -1);
      else if (et == TC_BINARY) *(pq_bytes *)slot = read_bytes(&c);
      else tc_skip(&c.r, et);
    }
    switch (id) {
      case 1: out->null_pages = vec_data(&c, &v); counts[0] = (uint32_t)v.len; seen |= 1; break;
      case 2: out->min_values = vec_data(&c, &v); counts[1] = (uint32_t)v.len; seen |= 2; break;
      case 3: out->max_values = vec_data(&c, &v); counts[2] = (uint32_t)v.len; seen |= 4; break;
      default: out->null_counts = vec_data(&c, &v); counts[3] = (uint32_t)v.len; out->has_null_counts = 1; break;
    }
  }
  tc_read_struct_end(&c.r);
  if (!c.r.err) {
    if ((seen & 15) != 15) missing(&c, "lacks a required field");
    else if (counts[1] != counts[0] || counts[2] != counts[0] || (out->has_null_counts && counts[3] != counts[0]))
      tc_fail(&c.r, "lists of different lengths");
  }
  out->num_pages = counts[0];
  int rc = finish(&c, "column index");
  if (rc < 0) pq_column_index_free(out);
  return rc;
}

void pq_column_index_free(pq_column_index *ci) {
  if (!ci) return;
  arena_free(ci->arena);
  memset(ci, 0, sizeof *ci);
}

int pq_parse_offset_index(const uint8_t *data, size_t len, pq_offset_index *out) {
  memset(out, 0, sizeof *out);
  parse_ctx c;
  memset(&c, 0, sizeof c);
  tc_reader_init(&c.r, data, len);
  c.arena = ps__calloc(1, sizeof *c.arena);
  if (!c.arena) return PS_NOMEM();
  out->arena = c.arena;
  int t, bv, has_locs = 0;
  int16_t id;
  FOR_FIELDS(&c, t, id, bv) {
    if (id != 1 || t != TC_LIST) {
      tc_skip(&c.r, t);
      continue;
    }
    int et;
    uint32_t n = tc_read_list_begin(&c.r, &et);
    pq_vec v;
    if (!vec_init(&c, &v, sizeof(pq_page_location))) break;
    for (uint32_t i = 0; i < n && !c.r.err; i++) {
      if (et != TC_STRUCT) {
        tc_skip(&c.r, et);
        continue;
      }
      pq_page_location *loc = vec_push(&c, &v);
      if (!loc) break;
      int t2, bv2, seen = 0;
      int16_t id2;
      FOR_FIELDS(&c, t2, id2, bv2) {
        if (id2 == 1 && want(&c, t2, TC_I64)) { loc->offset = tc_read_i64(&c.r); seen |= 1; }
        else if (id2 == 2 && want(&c, t2, TC_I32)) { loc->compressed_page_size = tc_read_i32(&c.r); seen |= 2; }
        else if (id2 == 3 && want(&c, t2, TC_I64)) { loc->first_row_index = tc_read_i64(&c.r); seen |= 4; }
        else if (id2 < 1 || id2 > 3) tc_skip(&c.r, t2);
      }
      tc_read_struct_end(&c.r);
      if (!c.r.err && (seen != 7 || loc->offset < 0 || loc->compressed_page_size < 0 || loc->first_row_index < 0))
        tc_fail(&c.r, "page location missing or negative fields");
    }
    out->page_locations = vec_data(&c, &v);
    out->num_pages = (uint32_t)v.len;
    has_locs = 1;
  }
  tc_read_struct_end(&c.r);
  if (!c.r.err && !has_locs) missing(&c, "lacks its page locations");
  int rc = finish(&c, "offset index");
  if (rc < 0) pq_offset_index_free(out);
  return rc;
}

void pq_offset_index_free(pq_offset_index *oi) {
  if (!oi) return;
  arena_free(oi->arena);
  memset(oi, 0, sizeof *oi);
}

/* --------------------------------------------------------- serialising */

static void write_bytes_field(tc_writer *w, int16_t id, pq_bytes b) { tc_write_binary_field(w, id, b.ptr, b.len); }

static void write_statistics(tc_writer *w, int16_t field, const pq_statistics *s) {
  tc_write_field_begin(w, TC_STRUCT, field);
  tc_write_struct_begin(w);
  if (s->has_max) write_bytes_field(w, 1, s->max);
  if (s->has_min) write_bytes_field(w, 2, s->min);
  if (s->has_null_count) tc_write_i64_field(w, 3, s->null_count);
  if (s->has_distinct_count) tc_write_i64_field(w, 4, s->distinct_count);
  if (s->has_max_value) write_bytes_field(w, 5, s->max_value);
  if (s->has_min_value) write_bytes_field(w, 6, s->min_value);
  if (s->has_is_max_value_exact) tc_write_bool_field(w, 7, s->is_max_value_exact);
  if (s->has_is_min_value_exact) tc_write_bool_field(w, 8, s->is_min_value_exact);
  tc_write_struct_end(w);
}

/* An empty struct as a union member (StringType, MILLIS, TYPE_ORDER...). */
static void write_empty_member(tc_writer *w, int16_t id) {
  tc_write_field_begin(w, TC_STRUCT, id);
  tc_write_struct_begin(w);
  tc_write_struct_end(w);
}

static void write_logical_type(tc_writer *w, const pq_logical_type *lt) {
  tc_write_field_begin(w, TC_STRUCT, 10);
  tc_write_struct_begin(w);
  switch (lt->kind) {
    case PQ_LT_TIMESTAMP:
    case PQ_LT_TIME:
      tc_write_field_begin(w, TC_STRUCT, (int16_t)lt->kind);
      tc_write_struct_begin(w);
      tc_write_bool_field(w, 1, lt->ts_utc);
      tc_write_field_begin(w, TC_STRUCT, 2);
      tc_write_struct_begin(w);
      write_empty_member(w, (int16_t)lt->unit);
      tc_write_struct_end(w);
      tc_write_struct_end(w);
      break;
    case PQ_LT_INTEGER:
      tc_write_field_begin(w, TC_STRUCT, PQ_LT_INTEGER);
      tc_write_struct_begin(w);
      tc_write_field_begin(w, TC_I8, 1);
      tc_write_i8(w, (int8_t)lt->int_bits);
      tc_write_bool_field(w, 2, lt->int_signed);
      tc_write_struct_end(w);
      break;
    case PQ_LT_DECIMAL:
      tc_write_field_begin(w, TC_STRUCT, PQ_LT_DECIMAL);
      tc_write_struct_begin(w);
      tc_write_i32_field(w, 1, lt->dec_scale);
      tc_write_i32_field(w, 2, lt->dec_precision);
      tc_write_struct_end(w);
      break;
    default:
      write_empty_member(w, (int16_t)lt->kind);
  }
  tc_write_struct_end(w);
}

static void write_schema_element(tc_writer *w, const pq_schema_element *e) {
  tc_write_struct_begin(w);
  if (e->has_type) tc_write_i32_field(w, 1, e->type);
  if (e->has_type && e->type == PQ_FIXED) tc_write_i32_field(w, 2, e->type_length);
  if (e->has_repetition) tc_write_i32_field(w, 3, e->repetition);
  write_bytes_field(w, 4, e->name);
  if (e->num_children > 0) tc_write_i32_field(w, 5, e->num_children);
  if (e->converted_type != PQ_CT_NONE) tc_write_i32_field(w, 6, e->converted_type);
  if (e->converted_type == PQ_CT_DECIMAL) {
    tc_write_i32_field(w, 7, e->scale);
    tc_write_i32_field(w, 8, e->precision);
  }
  if (e->logical.kind != PQ_LT_NONE) write_logical_type(w, &e->logical);
  tc_write_struct_end(w);
}

static void write_column_meta(tc_writer *w, const pq_column_meta *m) {
  tc_write_field_begin(w, TC_STRUCT, 3);
  tc_write_struct_begin(w);
  tc_write_i32_field(w, 1, m->type);
  tc_write_field_begin(w, TC_LIST, 2);
  tc_write_list_begin(w, TC_I32, m->num_encodings);
  for (uint32_t i = 0; i < m->num_encodings; i++) tc_write_i32(w, m->encodings[i]);
  tc_write_field_begin(w, TC_LIST, 3);
  tc_write_list_begin(w, TC_BINARY, m->path_len);
  for (uint32_t i = 0; i < m->path_len; i++) tc_write_binary(w, m->path[i].ptr, m->path[i].len);
  tc_write_i32_field(w, 4, m->codec);
  tc_write_i64_field(w, 5, m->num_values);
  tc_write_i64_field(w, 6, m->total_uncompressed_size);
  tc_write_i64_field(w, 7, m->total_compressed_size);
  tc_write_i64_field(w, 9, m->data_page_offset);
  if (m->has_dictionary_page_offset) tc_write_i64_field(w, 11, m->dictionary_page_offset);
  if (m->has_statistics) write_statistics(w, 12, &m->statistics);
  if (m->num_encoding_stats) {
    tc_write_field_begin(w, TC_LIST, 13);
    tc_write_list_begin(w, TC_STRUCT, m->num_encoding_stats);
    for (uint32_t i = 0; i < m->num_encoding_stats; i++) {
      tc_write_struct_begin(w);
      tc_write_i32_field(w, 1, m->encoding_stats[i].page_type);
      tc_write_i32_field(w, 2, m->encoding_stats[i].encoding);
      tc_write_i32_field(w, 3, m->encoding_stats[i].count);
      tc_write_struct_end(w);
    }
  }
  tc_write_struct_end(w);
}

static void write_column_chunk(tc_writer *w, const pq_column_chunk *cc) {
  tc_write_struct_begin(w);
  if (cc->has_file_path) write_bytes_field(w, 1, cc->file_path);
  tc_write_i64_field(w, 2, cc->file_offset);
  if (cc->has_meta_data) write_column_meta(w, &cc->meta_data);
  if (cc->has_offset_index) {
    tc_write_i64_field(w, 4, cc->offset_index_offset);
    tc_write_i32_field(w, 5, cc->offset_index_length);
  }
  if (cc->has_column_index) {
    tc_write_i64_field(w, 6, cc->column_index_offset);
    tc_write_i32_field(w, 7, cc->column_index_length);
  }
  tc_write_struct_end(w);
}

static void write_row_group(tc_writer *w, const pq_row_group *g) {
  tc_write_struct_begin(w);
  tc_write_field_begin(w, TC_LIST, 1);
  tc_write_list_begin(w, TC_STRUCT, g->num_columns);
  for (uint32_t i = 0; i < g->num_columns; i++) write_column_chunk(w, &g->columns[i]);
  tc_write_i64_field(w, 2, g->total_byte_size);
  tc_write_i64_field(w, 3, g->num_rows);
  if (g->num_sorting_columns) {
    tc_write_field_begin(w, TC_LIST, 4);
    tc_write_list_begin(w, TC_STRUCT, g->num_sorting_columns);
    for (uint32_t i = 0; i < g->num_sorting_columns; i++) {
      tc_write_struct_begin(w);
      tc_write_i32_field(w, 1, g->sorting_columns[i].column_idx);
      tc_write_bool_field(w, 2, g->sorting_columns[i].descending);
      tc_write_bool_field(w, 3, g->sorting_columns[i].nulls_first);
      tc_write_struct_end(w);
    }
  }
  if (g->has_file_offset) tc_write_i64_field(w, 5, g->file_offset);
  if (g->has_total_compressed_size) tc_write_i64_field(w, 6, g->total_compressed_size);
  if (g->has_ordinal) {
    tc_write_field_begin(w, TC_I16, 7);
    tc_write_i32(w, g->ordinal);
  }
  tc_write_struct_end(w);
}

static int writer_status(tc_writer *w) {
  if (!w->err) return PS_OK;
  if (w->err == PS_ERR_NOMEM) return PS_NOMEM();
  return ps__error(PS_ERR_INTERNAL, "thrift writer: structures nested too deeply");
}

int pq_write_file_meta(ps_buf *out, const pq_file_meta *m) {
  tc_writer w;
  tc_writer_init(&w, out);
  tc_write_struct_begin(&w);
  tc_write_i32_field(&w, 1, m->version);
  tc_write_field_begin(&w, TC_LIST, 2);
  tc_write_list_begin(&w, TC_STRUCT, m->num_schema);
  for (uint32_t i = 0; i < m->num_schema; i++) write_schema_element(&w, &m->schema[i]);
  tc_write_i64_field(&w, 3, m->num_rows);
  tc_write_field_begin(&w, TC_LIST, 4);
  tc_write_list_begin(&w, TC_STRUCT, m->num_row_groups);
  for (uint32_t i = 0; i < m->num_row_groups; i++) write_row_group(&w, &m->row_groups[i]);
  if (m->num_kv) {
    tc_write_field_begin(&w, TC_LIST, 5);
    tc_write_list_begin(&w, TC_STRUCT, m->num_kv);
    for (uint32_t i = 0; i < m->num_kv; i++) {
      tc_write_struct_begin(&w);
      write_bytes_field(&w, 1, m->kv[i].key);
      if (m->kv[i].has_value) write_bytes_field(&w, 2, m->kv[i].value);
      tc_write_struct_end(&w);
    }
  }
  if (m->has_created_by) write_bytes_field(&w, 6, m->created_by);
  if (m->num_column_orders) {
    tc_write_field_begin(&w, TC_LIST, 7);
    tc_write_list_begin(&w, TC_STRUCT, m->num_column_orders);
    for (uint32_t i = 0; i < m->num_column_orders; i++) {
      tc_write_struct_begin(&w);
      write_empty_member(&w, (int16_t)m->column_orders[i]);
      tc_write_struct_end(&w);
    }
  }
  tc_write_struct_end(&w);
  return writer_status(&w);
}

int pq_write_page_header(ps_buf *out, const pq_page_header *h) {
  tc_writer w;
  tc_writer_init(&w, out);
  tc_write_struct_begin(&w);
  tc_write_i32_field(&w, 1, h->type);
  tc_write_i32_field(&w, 2, h->uncompressed_page_size);
  tc_write_i32_field(&w, 3, h->compressed_page_size);
  if (h->has_crc) tc_write_i32_field(&w, 4, h->crc);
  if (h->has_data_page_header) {
    const pq_data_page_header *d = &h->data_page_header;
    tc_write_field_begin(&w, TC_STRUCT, 5);
    tc_write_struct_begin(&w);
    tc_write_i32_field(&w, 1, d->num_values);
    tc_write_i32_field(&w, 2, d->encoding);
    tc_write_i32_field(&w, 3, d->def_encoding);
    tc_write_i32_field(&w, 4, d->rep_encoding);
    if (d->has_statistics) write_statistics(&w, 5, &d->statistics);
    tc_write_struct_end(&w);
  }
  if (h->has_dict_page_header) {
    const pq_dict_page_header *d = &h->dict_page_header;
    tc_write_field_begin(&w, TC_STRUCT, 7);
    tc_write_struct_begin(&w);
    tc_write_i32_field(&w, 1, d->num_values);
    tc_write_i32_field(&w, 2, d->encoding);
    if (d->has_is_sorted) tc_write_bool_field(&w, 3, d->is_sorted);
    tc_write_struct_end(&w);
  }
  if (h->has_data_page_header_v2) {
    const pq_data_page_header_v2 *d = &h->data_page_header_v2;
    tc_write_field_begin(&w, TC_STRUCT, 8);
    tc_write_struct_begin(&w);
    tc_write_i32_field(&w, 1, d->num_values);
    tc_write_i32_field(&w, 2, d->num_nulls);
    tc_write_i32_field(&w, 3, d->num_rows);
    tc_write_i32_field(&w, 4, d->encoding);
    tc_write_i32_field(&w, 5, d->def_levels_byte_length);
    tc_write_i32_field(&w, 6, d->rep_levels_byte_length);
    tc_write_bool_field(&w, 7, d->is_compressed);
    if (d->has_statistics) write_statistics(&w, 8, &d->statistics);
    tc_write_struct_end(&w);
  }
  tc_write_struct_end(&w);
  return writer_status(&w);
}

int pq_write_column_index(ps_buf *out, const pq_column_index *ci) {
  tc_writer w;
  tc_writer_init(&w, out);
  tc_write_struct_begin(&w);
  tc_write_field_begin(&w, TC_LIST, 1);
  tc_write_list_begin(&w, TC_TRUE, ci->num_pages);
  for (uint32_t i = 0; i < ci->num_pages; i++) tc_write_bool_elem(&w, ci->null_pages[i]);
  tc_write_field_begin(&w, TC_LIST, 2);
  tc_write_list_begin(&w, TC_BINARY, ci->num_pages);
  for (uint32_t i = 0; i < ci->num_pages; i++) tc_write_binary(&w, ci->min_values[i].ptr, ci->min_values[i].len);
  tc_write_field_begin(&w, TC_LIST, 3);
  tc_write_list_begin(&w, TC_BINARY, ci->num_pages);
  for (uint32_t i = 0; i < ci->num_pages; i++) tc_write_binary(&w, ci->max_values[i].ptr, ci->max_values[i].len);
  tc_write_i32_field(&w, 4, ci->boundary_order);
  if (ci->has_null_counts) {
    tc_write_field_begin(&w, TC_LIST, 5);
    tc_write_list_begin(&w, TC_I64, ci->num_pages);
    for (uint32_t i = 0; i < ci->num_pages; i++) tc_write_i64(&w, ci->null_counts[i]);
  }
  tc_write_struct_end(&w);
  return writer_status(&w);
}

int pq_write_offset_index(ps_buf *out, const pq_offset_index *oi) {
  tc_writer w;
  tc_writer_init(&w, out);
  tc_write_struct_begin(&w);
  tc_write_field_begin(&w, TC_LIST, 1);
  tc_write_list_begin(&w, TC_STRUCT, oi->num_pages);
  for (uint32_t i = 0; i < oi->num_pages; i++) {
    const pq_page_location *l = &oi->page_locations[i];
    tc_write_struct_begin(&w);
    tc_write_i64_field(&w, 1, l->offset);
    tc_write_i32_field(&w, 2, l->compressed_page_size);
    tc_write_i64_field(&w, 3, l->first_row_index);
    tc_write_struct_end(&w);
  }
  tc_write_struct_end(&w);
  return writer_status(&w);
}
