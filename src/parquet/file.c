/* Opening a Parquet file: footer, validation, schema, describe. */
#include "parquet/file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/codec.h"
#include "parquet/arrow_schema.h"
#include "parquet/stats.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/timefmt.h"

void pq_chunk_range(const pq_column_meta *m, int64_t *start, int64_t *len) {
  int64_t s = m->data_page_offset;
  if (m->has_dictionary_page_offset && m->dictionary_page_offset > 0 && m->dictionary_page_offset < s)
    s = m->dictionary_page_offset;
  *start = s;
  *len = m->total_compressed_size;
}

void ps_parquet_close(ps_parquet_file *f) {
  if (!f) return;
  if (f->map && f->owns_map) munmap((void *)f->map, (size_t)f->size);
  if (f->fd >= 0) close(f->fd);
  for (int i = 0; f->leaves && i < f->nleaves; i++) pq_leaf_clear(&f->leaves[i]);
  ps__free_mem(f->leaves);
  if (f->kv_values)
    for (uint32_t i = 0; i < f->meta.num_kv; i++) ps__free_mem(f->kv_values[i]);
  ps__free_mem(f->kv_values);
  pq_file_meta_free(&f->meta); /* last: num_kv above comes from it */
  ps__free_mem(f->footer);
  ps__free_mem(f->path);
  ps__free_mem(f);
}

const char *ps_parquet_errmsg(const ps_parquet_file *f) { return f ? f->errmsg : ""; }
int64_t ps_parquet_num_rows(const ps_parquet_file *f) { return f ? f->meta.num_rows : 0; }
int ps_parquet_num_row_groups(const ps_parquet_file *f) { return f ? (int)f->meta.num_row_groups : 0; }

static int bad(const ps_parquet_file *f, const char *fmt, ...) PS__PRINTF(2, 3);
static int bad(const ps_parquet_file *f, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return ps__error(PS_ERR_CORRUPT, "%s: %s", f->path, msg);
}

static int validate(ps_parquet_file *f, int64_t footer_start) {
  pq_file_meta *m = &f->meta;
  if (m->num_schema < 1) return bad(f, "footer has an empty schema");
  if (m->num_schema - 1 != (uint32_t)m->schema[0].num_children || m->schema[0].num_children < 0) {
    for (uint32_t i = 1; i < m->num_schema; i++)
      if (m->schema[i].num_children > 0)
        return ps__error(PS_ERR_UNSUPPORTED, "%s: column '%.*s' is nested; only flat schemas are supported", f->path,
                         (int)m->schema[i].name.len, (const char *)m->schema[i].name.ptr);
    return bad(f, "schema root declares %d columns but %u follow", m->schema[0].num_children, m->num_schema - 1);
  }
  f->nleaves = (int)m->num_schema - 1;
  f->leaves = ps__calloc((size_t)f->nleaves + 1, sizeof *f->leaves);
  if (!f->leaves) return PS_NOMEM();
  for (int i = 0; i < f->nleaves; i++) {
    const pq_schema_element *el = &m->schema[i + 1];
    if (el->num_children > 0)
      return ps__error(PS_ERR_UNSUPPORTED, "%s: column '%.*s' is nested; only flat schemas are supported", f->path,
                       (int)el->name.len, (const char *)el->name.ptr);
    int rc = pq_leaf_from_element(el, &f->leaves[i]);
    if (rc < 0) return ps__error_prefix(rc, "%s", f->path);
    for (int j = 0; j < i; j++)
      if (strcmp(f->leaves[j].name, f->leaves[i].name) == 0) return bad(f, "duplicate column name '%s'", f->leaves[i].name);
  }
  if (m->num_rows < 0) return bad(f, "negative row count %lld", (long long)m->num_rows);
  int64_t total = 0;
  for (uint32_t r = 0; r < m->num_row_groups; r++) {
    const pq_row_group *g = &m->row_groups[r];
    if (g->num_columns != (uint32_t)f->nleaves)
      return bad(f, "row group %u has %u column chunks, the schema has %d columns", r, g->num_columns, f->nleaves);
    if (g->num_rows < 0) return bad(f, "row group %u has %lld rows", r, (long long)g->num_rows);
    if (total > INT64_MAX - g->num_rows) return bad(f, "row counts overflow");
    total += g->num_rows;
    for (uint32_t c = 0; c < g->num_columns; c++) {
      const pq_column_chunk *cc = &g->columns[c];
      const pq_leaf *lf = &f->leaves[c];
      if (cc->has_file_path && cc->file_path.len)
        return ps__error(PS_ERR_UNSUPPORTED, "%s: column '%s' lives in another file ('%.*s'); open the data files instead",
                         f->path, lf->name, (int)cc->file_path.len, (const char *)cc->file_path.ptr);
      if (!cc->has_meta_data) return bad(f, "row group %u, column '%s': missing column metadata", r, lf->name);
      const pq_column_meta *cm = &cc->meta_data;
      if (cm->type != lf->physical)
        return bad(f, "row group %u, column '%s': chunk type %d differs from schema type %d", r, lf->name, cm->type, lf->physical);
      int64_t start, len;
      pq_chunk_range(cm, &start, &len);
      if (start < 4 || len < 0 || start > footer_start || len > footer_start - start)
        return bad(f, "row group %u, column '%s': chunk [%lld, +%lld) lies outside the data area [4, %lld)", r, lf->name,
                   (long long)start, (long long)len, (long long)footer_start);
      if (cm->num_values < 0) return bad(f, "row group %u, column '%s': negative value count", r, lf->name);
      /* Rows must be backed by bytes: even RLE runs of constants or nulls need
       * a page header per page; 65536 rows per stored byte is far beyond any
       * real writer and keeps allocations proportional to the file. */
      if (g->num_rows / 65536 > len + 64)
        return bad(f, "row group %u claims %lld rows but column '%s' has only %lld bytes", r, (long long)g->num_rows,
                   lf->name, (long long)len);
      switch (cm->codec) {
        case 0: case 1: case 2: case 4: case 5: case 6: case 7: break;
        default:
          return ps__error(PS_ERR_UNSUPPORTED, "%s: column '%s': compression codec %s (%d) is not supported", f->path,
                           lf->name, ps_parquet_codec_name(cm->codec), cm->codec);
      }
    }
  }
  if (total != m->num_rows) m->num_rows = total; /* trust the row groups (some writers disagree) */
  return PS_OK;
}

/* Footer, validation and key/value metadata of f->map (size f->size). */
static int open_mapped(ps_parquet_file *f) {
  const char *path = f->path;
  int rc;
  if (f->size < 12) return bad(f, "file is %lld bytes, too small to be Parquet (truncated?)", (long long)f->size);
  if (memcmp(f->map, "PAR1", 4) != 0) return bad(f, "not a Parquet file (no PAR1 magic at the start)");
  const uint8_t *tail = f->map + f->size - 8;
  if (memcmp(tail + 4, "PARE", 4) == 0)
    return ps__error(PS_ERR_UNSUPPORTED, "%s: encrypted Parquet files are not supported", path);
  if (memcmp(tail + 4, "PAR1", 4) != 0) return bad(f, "no PAR1 magic at the end (file truncated or still being written?)");
  uint32_t flen;
  memcpy(&flen, tail, 4);
  int64_t footer_start = f->size - 8 - (int64_t)flen;
  if (footer_start < 4) return bad(f, "footer length %u exceeds the file size %lld", flen, (long long)f->size);
  f->footer = ps__malloc(flen ? flen : 1);
  if (!f->footer) return PS_NOMEM();
  memcpy(f->footer, f->map + footer_start, flen);
  rc = pq_parse_file_meta(f->footer, flen, &f->meta);
  if (rc < 0) return ps__error_prefix(rc, "%s: footer", path);
  PS_TRY(validate(f, footer_start));
  f->kv_values = ps__calloc((size_t)f->meta.num_kv + 1, sizeof *f->kv_values);
  if (!f->kv_values) return PS_NOMEM();
  for (uint32_t i = 0; i < f->meta.num_kv; i++) {
    const pq_kv *kv = &f->meta.kv[i];
    f->kv_values[i] = ps__strndup(kv->has_value ? (const char *)kv->value.ptr : "", kv->has_value ? kv->value.len : 0);
    if (!f->kv_values[i]) return PS_NOMEM();
  }
  /* zone names: ARROW:schema first, then pandas (a pandas zone wins) */
  for (uint32_t i = 0; i < f->meta.num_kv; i++) {
    const pq_kv *kv = &f->meta.kv[i];
    if (kv->key.len == 12 && memcmp(kv->key.ptr, "ARROW:schema", 12) == 0 && kv->has_value)
      PS_TRY(pq_arrow_schema_apply((const char *)kv->value.ptr, kv->value.len, f->leaves, f->nleaves));
  }
  for (uint32_t i = 0; i < f->meta.num_kv; i++) {
    const pq_kv *kv = &f->meta.kv[i];
    if (kv->key.len == 6 && memcmp(kv->key.ptr, "pandas", 6) == 0 && kv->has_value)
      PS_TRY(pq_pandas_metadata_apply((const char *)kv->value.ptr, kv->value.len, f->leaves, f->nleaves, &f->index_leaf));
  }
  return PS_OK;
}

static int file_new(const char *name, ps_parquet_file **out) {
  ps_parquet_file *f = ps__calloc(1, sizeof *f);
  if (!f) return PS_NOMEM();
  f->fd = -1;
  f->index_leaf = -1;
  f->path = ps__strdup(name);
  if (!f->path) {
    ps__free_mem(f);
    return PS_NOMEM();
  }
  *out = f;
  return PS_OK;
}

int ps_parquet_open(const char *path, ps_parquet_file **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_parquet_open: out is NULL");
  *out = NULL;
  if (!path) return ps__error(PS_ERR_INVALID, "ps_parquet_open: path is NULL");
  ps_parquet_file *f = NULL;
  PS_TRY(file_new(path, &f));
  int rc = PS_OK;
  f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO is refused below, not waited on */
  if (f->fd < 0) {
    int e = errno;
    rc = ps__error(ps_status_from_errno(e), "%s: cannot open: %s", path, strerror(e));
    goto failed;
  }
  struct stat st;
  if (fstat(f->fd, &st) != 0) {
    rc = ps__error(PS_ERR_IO, "%s: stat failed: %s", path, strerror(errno));
    goto failed;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = ps__error(PS_ERR_INVALID, "%s: not a regular file", path);
    goto failed;
  }
  f->size = st.st_size;
  if (f->size < 12) {
    rc = bad(f, "file is %lld bytes, too small to be Parquet (truncated?)", (long long)f->size);
    goto failed;
  }
  void *map = mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
  if (map == MAP_FAILED) {
    rc = ps__error(PS_ERR_IO, "%s: mmap failed: %s", path, strerror(errno));
    goto failed;
  }
  /* No kernel readahead around what we touch: a projection or a pruned read
   * would otherwise pull in neighbouring column chunks from disk. The
   * reader asks for each chunk it decodes with MADV_WILLNEED instead. */
  madvise(map, (size_t)f->size, MADV_RANDOM);
  f->map = map;
  f->owns_map = 1;
  if ((rc = open_mapped(f)) < 0) goto failed;
  *out = f;
  return PS_OK;
failed:
  ps_parquet_close(f);
  return rc;
}

int ps_parquet_open_buffer(const void *data, size_t size, const char *name, ps_parquet_file **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_parquet_open_buffer: out is NULL");
  *out = NULL;
  if (!data && size) return ps__error(PS_ERR_INVALID, "ps_parquet_open_buffer: data is NULL");
  ps_parquet_file *f = NULL;
  PS_TRY(file_new(name ? name : "(buffer)", &f));
  f->map = data;
  f->size = (int64_t)size;
  int rc = open_mapped(f);
  if (rc < 0) {
    ps_parquet_close(f);
    return rc;
  }
  *out = f;
  return PS_OK;
}

const char *ps_parquet_metadata_value(const ps_parquet_file *f, const char *key) {
  if (!f || !key) return NULL;
  size_t kl = strlen(key);
  for (uint32_t i = 0; i < f->meta.num_kv; i++)
    if (f->meta.kv[i].key.len == kl && memcmp(f->meta.kv[i].key.ptr, key, kl) == 0) return f->kv_values[i];
  return NULL;
}

int ps_parquet_schema(ps_parquet_file *f, ps_frame **out) {
  if (!f || !out) return ps__error(PS_ERR_INVALID, "ps_parquet_schema: NULL argument");
  ps_frame *fr;
  PS_TRY(ps_frame_new(&fr));
  for (int i = 0; i < f->nleaves; i++) {
    ps_column *c;
    int rc = ps_frame_add_column(fr, f->leaves[i].name, f->leaves[i].type, f->leaves[i].frame_unit, f->leaves[i].tz, &c);
    if (rc < 0) {
      ps_frame_free(fr);
      return rc;
    }
    c->nullable = f->leaves[i].optional;
  }
  fr->index = f->index_leaf;
  *out = fr;
  return PS_OK;
}

/* ---- describe ---- */

static const char *physical_name(int t) {
  static const char *n[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  return t >= 0 && t <= 7 ? n[t] : "UNKNOWN";
}

static const char *encoding_name(int e) {
  switch (e) {
    case 0: return "PLAIN";
    case 2: return "PLAIN_DICTIONARY";
    case 3: return "RLE";
    case 4: return "BIT_PACKED";
    case 5: return "DELTA_BINARY_PACKED";
    case 6: return "DELTA_LENGTH_BYTE_ARRAY";
    case 7: return "DELTA_BYTE_ARRAY";
    case 8: return "RLE_DICTIONARY";
    case 9: return "BYTE_STREAM_SPLIT";
    default: return "UNKNOWN";
  }
}

/* A statistics bound rendered as JSON in the column's logical type. */
static json_t *stat_json(const pq_leaf *lf, const ps_col_stats *s, int is_max) {
  char buf[64];
  switch (lf->type) {
    case PS_TYPE_FLOAT32:
    case PS_TYPE_FLOAT64: return json_real(is_max ? s->max.d : s->min.d);
    case PS_TYPE_BOOL: return json_boolean(is_max ? s->max.i : s->min.i);
    case PS_TYPE_UINT64: {
      snprintf(buf, sizeof buf, "%llu", (unsigned long long)(is_max ? s->max.u : s->min.u));
      return json_string(buf);
    }
    case PS_TYPE_TIMESTAMP:
      ps_format_timestamp(buf, is_max ? s->max.i : s->min.i, lf->frame_unit, lf->tz != NULL);
      return json_string(buf);
    case PS_TYPE_DATE:
      ps_format_date(buf, (int32_t)(is_max ? s->max.i : s->min.i));
      return json_string(buf);
    case PS_TYPE_STRING:
      return json_stringn_nocheck(is_max ? s->max_s : s->min_s, is_max ? s->max_len : s->min_len);
    case PS_TYPE_BINARY: return json_integer((json_int_t)(is_max ? s->max_len : s->min_len));
    default: return json_integer(is_max ? s->max.i : s->min.i);
  }
}

int ps_parquet_describe(ps_parquet_file *f, char **out_json) {
  if (!f || !out_json) return ps__error(PS_ERR_INVALID, "ps_parquet_describe: NULL argument");
  *out_json = NULL;
  json_t *root = json_object(), *cols = json_array(), *rgs = json_array(), *kvs = json_object();
  if (!root || !cols || !rgs || !kvs) {
    json_decref(root); json_decref(cols); json_decref(rgs); json_decref(kvs);
    return PS_NOMEM();
  }
  json_object_set_new(root, "file", json_string(f->path));
  json_object_set_new(root, "num_rows", json_integer(f->meta.num_rows));
  json_object_set_new(root, "num_row_groups", json_integer(f->meta.num_row_groups));
  json_object_set_new(root, "file_size", json_integer(f->size));
  json_object_set_new(root, "format_version", json_integer(f->meta.version));
  if (f->meta.has_created_by)
    json_object_set_new(root, "created_by", json_stringn_nocheck((const char *)f->meta.created_by.ptr, f->meta.created_by.len));
  for (int i = 0; i < f->nleaves; i++) {
    const pq_leaf *lf = &f->leaves[i];
    char ts[96];
    ps_column tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.type = lf->type;
    tmp.unit = lf->frame_unit;
    tmp.tz = lf->tz;
    ps__column_type_string(&tmp, ts, sizeof ts);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", lf->name, "type", ts, "physical_type",
                          physical_name(lf->physical), "repetition", lf->optional ? "OPTIONAL" : "REQUIRED", "index",
                          i == f->index_leaf);
    json_array_append_new(cols, c);
  }
  json_object_set_new(root, "columns", cols);
  for (uint32_t r = 0; r < f->meta.num_row_groups; r++) {
    const pq_row_group *g = &f->meta.row_groups[r];
    json_t *chunks = json_array();
    for (uint32_t c = 0; c < g->num_columns; c++) {
      const pq_column_meta *cm = &g->columns[c].meta_data;
      const pq_leaf *lf = &f->leaves[c];
      json_t *encs = json_array();
      for (uint32_t e = 0; e < cm->num_encodings; e++) json_array_append_new(encs, json_string(encoding_name(cm->encodings[e])));
      json_t *ch = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:b}", "column", lf->name, "codec",
                             ps_parquet_codec_name(cm->codec), "encodings", encs, "num_values", (json_int_t)cm->num_values,
                             "compressed_size", (json_int_t)cm->total_compressed_size, "uncompressed_size",
                             (json_int_t)cm->total_uncompressed_size, "data_page_offset", (json_int_t)cm->data_page_offset,
                             "page_index", g->columns[c].has_column_index && g->columns[c].has_offset_index);
      if (cm->has_statistics) {
        ps_col_stats s;
        json_t *st = json_object();
        int usable = pq_statistics_decode(lf, &cm->statistics, cm->num_values, &s);
        if (cm->statistics.has_null_count) json_object_set_new(st, "null_count", json_integer(cm->statistics.null_count));
        if (usable) {
          json_object_set_new(st, "min", stat_json(lf, &s, 0));
          json_object_set_new(st, "max", stat_json(lf, &s, 1));
        }
        json_object_set_new(ch, "statistics", st);
      }
      json_array_append_new(chunks, ch);
    }
    json_array_append_new(rgs, json_pack("{s:I, s:I, s:o}", "num_rows", (json_int_t)g->num_rows, "total_byte_size",
                                         (json_int_t)g->total_byte_size, "columns", chunks));
  }
  json_object_set_new(root, "row_groups", rgs);
  for (uint32_t i = 0; i < f->meta.num_kv; i++) {
    char *k = ps__strndup((const char *)f->meta.kv[i].key.ptr, f->meta.kv[i].key.len);
    if (k) json_object_set_new(kvs, k, json_string_nocheck(f->kv_values[i]));
    ps__free_mem(k);
  }
  json_object_set_new(root, "key_value_metadata", kvs);
  char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!s) return PS_NOMEM();
  *out_json = s;
  return PS_OK;
}
