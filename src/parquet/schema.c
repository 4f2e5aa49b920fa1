/* Frame types <-> Parquet schema elements; the pandas key/value metadata. */
#include "parquet/schema.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/json_oom.h"

static void set_int_logical(pq_schema_element *el, int bits, int is_signed) {
  el->logical.kind = PQ_LT_INTEGER;
  el->logical.int_bits = bits;
  el->logical.int_signed = is_signed;
  static const int ct_signed[] = {PQ_CT_INT_8, PQ_CT_INT_16, PQ_CT_INT_32, PQ_CT_INT_64};
  static const int ct_unsigned[] = {PQ_CT_UINT_8, PQ_CT_UINT_16, PQ_CT_UINT_32, PQ_CT_UINT_64};
  int k = bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3;
  el->converted_type = is_signed ? ct_signed[k] : ct_unsigned[k];
}

int pq_schema_element_for_column(const ps_column *col, int micros, pq_schema_element *el, pq_leaf *leaf) {
  memset(el, 0, sizeof *el);
  memset(leaf, 0, sizeof *leaf);
  el->has_type = 1;
  el->has_repetition = 1;
  el->repetition = col->nullable ? PQ_OPTIONAL : PQ_REQUIRED;
  el->name.ptr = (const uint8_t *)col->name;
  el->name.len = (uint32_t)strlen(col->name);
  el->converted_type = PQ_CT_NONE;
  leaf->type = col->type;
  leaf->optional = col->nullable;
  leaf->decimal_scale = -1;
  switch (col->type) {
    case PS_TYPE_BOOL: el->type = PQ_BOOLEAN; break;
    case PS_TYPE_INT8: el->type = PQ_INT32; set_int_logical(el, 8, 1); break;
    case PS_TYPE_INT16: el->type = PQ_INT32; set_int_logical(el, 16, 1); break;
    case PS_TYPE_INT32: el->type = PQ_INT32; set_int_logical(el, 32, 1); break;
    case PS_TYPE_INT64: el->type = PQ_INT64; set_int_logical(el, 64, 1); break;
    case PS_TYPE_UINT8: el->type = PQ_INT32; set_int_logical(el, 8, 0); leaf->unsigned_order = 1; break;
    case PS_TYPE_UINT16: el->type = PQ_INT32; set_int_logical(el, 16, 0); leaf->unsigned_order = 1; break;
    case PS_TYPE_UINT32: el->type = PQ_INT32; set_int_logical(el, 32, 0); leaf->unsigned_order = 1; break;
    case PS_TYPE_UINT64: el->type = PQ_INT64; set_int_logical(el, 64, 0); leaf->unsigned_order = 1; break;
    case PS_TYPE_FLOAT32: el->type = PQ_FLOAT; break;
    case PS_TYPE_FLOAT64: el->type = PQ_DOUBLE; break;
    case PS_TYPE_DATE:
      el->type = PQ_INT32;
      el->logical.kind = PQ_LT_DATE;
      el->converted_type = PQ_CT_DATE;
      break;
    case PS_TYPE_STRING:
      el->type = PQ_BYTE_ARRAY;
      el->logical.kind = PQ_LT_STRING;
      el->converted_type = PQ_CT_UTF8;
      leaf->unsigned_order = 1;
      break;
    case PS_TYPE_BINARY:
      el->type = PQ_BYTE_ARRAY;
      leaf->unsigned_order = 1;
      break;
    case PS_TYPE_TIMESTAMP: {
      el->type = PQ_INT64;
      el->logical.kind = PQ_LT_TIMESTAMP;
      el->logical.ts_utc = col->tz != NULL;
      leaf->utc = col->tz != NULL;
      leaf->frame_unit = col->unit;
      /* Parquet has no seconds unit: seconds are stored as milliseconds. */
      ps_time_unit u = col->unit == PS_UNIT_S ? PS_UNIT_MS : col->unit;
      if (micros && u == PS_UNIT_NS) u = PS_UNIT_US;
      leaf->unit = u;
      el->logical.unit = u == PS_UNIT_MS ? PQ_MILLIS : u == PS_UNIT_US ? PQ_MICROS : PQ_NANOS;
      if (u == PS_UNIT_MS) el->converted_type = PQ_CT_TIMESTAMP_MILLIS;
      if (u == PS_UNIT_US) el->converted_type = PQ_CT_TIMESTAMP_MICROS;
      break;
    }
    default: return ps__error(PS_ERR_INVALID, "column '%s': invalid type", col->name);
  }
  leaf->physical = el->type;
  return PS_OK;
}

void pq_leaf_clear(pq_leaf *leaf) {
  if (!leaf) return;
  ps__free_mem(leaf->name);
  ps__free_mem(leaf->tz);
  memset(leaf, 0, sizeof *leaf);
}

static int unit_from_pq(int u) { return u == PQ_MILLIS ? PS_UNIT_MS : u == PQ_MICROS ? PS_UNIT_US : PS_UNIT_NS; }

int pq_leaf_from_element(const pq_schema_element *el, pq_leaf *lf) {
  memset(lf, 0, sizeof *lf);
  lf->decimal_scale = -1;
  lf->name = ps__strndup((const char *)el->name.ptr, el->name.len);
  if (!lf->name) return PS_NOMEM();
  if (!el->has_type) return ps__error(PS_ERR_UNSUPPORTED, "column '%s': nested (group) columns are not supported", lf->name);
  if (el->has_repetition && el->repetition == PQ_REPEATED)
    return ps__error(PS_ERR_UNSUPPORTED, "column '%s': repeated columns are not supported", lf->name);
  lf->optional = !el->has_repetition || el->repetition == PQ_OPTIONAL;
  lf->physical = el->type;
  lf->type_length = el->type_length;
  const pq_logical_type *lt = &el->logical;
  int ct = el->converted_type;
  switch (el->type) {
    case PQ_BOOLEAN: lf->type = PS_TYPE_BOOL; break;
    case PQ_INT32:
      if (lt->kind == PQ_LT_DATE || ct == PQ_CT_DATE) {
        lf->type = PS_TYPE_DATE;
      } else if (lt->kind == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL) {
        lf->type = PS_TYPE_FLOAT64;
        lf->decimal_scale = lt->kind == PQ_LT_DECIMAL ? lt->dec_scale : el->scale;
      } else if (lt->kind == PQ_LT_INTEGER) {
        int b = lt->int_bits;
        if (lt->int_signed)
          lf->type = b == 8 ? PS_TYPE_INT8 : b == 16 ? PS_TYPE_INT16 : PS_TYPE_INT32;
        else
          lf->type = b == 8 ? PS_TYPE_UINT8 : b == 16 ? PS_TYPE_UINT16 : PS_TYPE_UINT32;
      } else {
        switch (ct) {
          case PQ_CT_INT_8: lf->type = PS_TYPE_INT8; break;
          case PQ_CT_INT_16: lf->type = PS_TYPE_INT16; break;
          case PQ_CT_UINT_8: lf->type = PS_TYPE_UINT8; break;
          case PQ_CT_UINT_16: lf->type = PS_TYPE_UINT16; break;
          case PQ_CT_UINT_32: lf->type = PS_TYPE_UINT32; break;
          default: lf->type = PS_TYPE_INT32; break;
        }
      }
      lf->unsigned_order = lf->type == PS_TYPE_UINT8 || lf->type == PS_TYPE_UINT16 || lf->type == PS_TYPE_UINT32;
      break;
    case PQ_INT64:
      if (lt->kind == PQ_LT_TIMESTAMP) {
        lf->type = PS_TYPE_TIMESTAMP;
        lf->unit = lf->frame_unit = (ps_time_unit)unit_from_pq(lt->unit);
        lf->utc = lt->ts_utc;
      } else if (ct == PQ_CT_TIMESTAMP_MILLIS || ct == PQ_CT_TIMESTAMP_MICROS) {
        lf->type = PS_TYPE_TIMESTAMP;
        lf->unit = lf->frame_unit = ct == PQ_CT_TIMESTAMP_MILLIS ? PS_UNIT_MS : PS_UNIT_US;
        lf->utc = 1; /* legacy converted timestamps are UTC-adjusted */
      } else if (lt->kind == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL) {
        lf->type = PS_TYPE_FLOAT64;
        lf->decimal_scale = lt->kind == PQ_LT_DECIMAL ? lt->dec_scale : el->scale;
      } else if ((lt->kind == PQ_LT_INTEGER && !lt->int_signed) || ct == PQ_CT_UINT_64) {
        lf->type = PS_TYPE_UINT64;
        lf->unsigned_order = 1;
      } else {
        lf->type = PS_TYPE_INT64;
      }
      break;
    case PQ_INT96:
      lf->type = PS_TYPE_TIMESTAMP;
      lf->unit = lf->frame_unit = PS_UNIT_NS;
      lf->int96 = 1;
      break;
    case PQ_FLOAT: lf->type = PS_TYPE_FLOAT32; break;
    case PQ_DOUBLE: lf->type = PS_TYPE_FLOAT64; break;
    case PQ_BYTE_ARRAY:
      if (lt->kind == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL)
        return ps__error(PS_ERR_UNSUPPORTED, "column '%s': byte-array decimals are not supported", lf->name);
      lf->type = (lt->kind == PQ_LT_STRING || lt->kind == PQ_LT_JSON || lt->kind == PQ_LT_ENUM || ct == PQ_CT_UTF8 ||
                  ct == PQ_CT_JSON || ct == PQ_CT_ENUM)
                     ? PS_TYPE_STRING
                     : PS_TYPE_BINARY;
      lf->unsigned_order = 1;
      break;
    case PQ_FIXED:
      if (el->type_length <= 0)
        return ps__error(PS_ERR_CORRUPT, "column '%s': FIXED_LEN_BYTE_ARRAY with length %d", lf->name, el->type_length);
      if (lt->kind == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL) {
        if (el->type_length > 16)
          return ps__error(PS_ERR_UNSUPPORTED, "column '%s': decimal of %d bytes is not supported", lf->name,
                           el->type_length);
        lf->type = PS_TYPE_FLOAT64;
        lf->decimal_scale = lt->kind == PQ_LT_DECIMAL ? lt->dec_scale : el->scale;
      } else if (lt->kind == PQ_LT_FLOAT16 && el->type_length == 2) {
        lf->type = PS_TYPE_FLOAT32;
        lf->float16 = 1;
      } else {
        lf->type = PS_TYPE_BINARY;
        lf->unsigned_order = 1;
      }
      break;
    default: return ps__error(PS_ERR_UNSUPPORTED, "column '%s': unknown physical type %d", lf->name, el->type);
  }
  if (lf->type == PS_TYPE_TIMESTAMP && lf->utc) {
    lf->tz = ps__strdup("UTC");
    if (!lf->tz) return PS_NOMEM();
  }
  if (lf->decimal_scale > 38 || (lf->decimal_scale < 0 && lf->decimal_scale != -1))
    return ps__error(PS_ERR_CORRUPT, "column '%s': decimal scale %d", lf->name, lf->decimal_scale);
  return PS_OK;
}

/* ---- pandas metadata ---- */

static int is_unnamed_index(const char *name) {
  return strcmp(name, "__null_dask_index__") == 0 || strncmp(name, "__index_level_", 14) == 0;
}

static void unit_suffix(ps_time_unit u, char *buf) {
  strcpy(buf, u == PS_UNIT_S ? "datetime64[s]" : u == PS_UNIT_MS ? "datetime64[ms]" : u == PS_UNIT_US ? "datetime64[us]" : "datetime64[ns]");
}

static json_t *column_entry(const ps_column *c, int is_index) {
  const char *pandas_type = "object", *numpy_type = "object";
  char nt[32];
  json_t *meta = json_null();
  switch (c->type) {
    case PS_TYPE_BOOL: pandas_type = numpy_type = "bool"; break;
    case PS_TYPE_INT8: pandas_type = numpy_type = "int8"; break;
    case PS_TYPE_INT16: pandas_type = numpy_type = "int16"; break;
    case PS_TYPE_INT32: pandas_type = numpy_type = "int32"; break;
    case PS_TYPE_INT64: pandas_type = numpy_type = "int64"; break;
    case PS_TYPE_UINT8: pandas_type = numpy_type = "uint8"; break;
    case PS_TYPE_UINT16: pandas_type = numpy_type = "uint16"; break;
    case PS_TYPE_UINT32: pandas_type = numpy_type = "uint32"; break;
    case PS_TYPE_UINT64: pandas_type = numpy_type = "uint64"; break;
    case PS_TYPE_FLOAT32: pandas_type = numpy_type = "float32"; break;
    case PS_TYPE_FLOAT64: pandas_type = numpy_type = "float64"; break;
    case PS_TYPE_DATE: pandas_type = "date"; numpy_type = "object"; break;
    case PS_TYPE_STRING: pandas_type = "unicode"; numpy_type = "object"; break;
    case PS_TYPE_BINARY: pandas_type = "bytes"; numpy_type = "object"; break;
    case PS_TYPE_TIMESTAMP:
      unit_suffix(c->unit, nt);
      numpy_type = nt;
      if (c->tz) {
        pandas_type = "datetimetz";
        meta = json_pack("{s:s}", "timezone", c->tz);
      } else {
        pandas_type = "datetime";
      }
      break;
  }
  json_t *name = (is_index && is_unnamed_index(c->name)) ? json_null() : json_string(c->name);
  return json_pack("{s:o, s:s, s:s, s:s, s:o}", "name", name, "field_name", c->name, "pandas_type", pandas_type,
                   "numpy_type", numpy_type, "metadata", meta);
}

int pq_pandas_metadata_build(const ps_frame *f, char **out_json) {
  *out_json = NULL;
  json_t *root = json_object();
  json_t *index_columns = json_array();
  json_t *columns = json_array();
  if (!root || !index_columns || !columns) goto nomem;
  /* data columns first, then the index (pyarrow's order) */
  for (int i = 0; i < f->ncols; i++) {
    if (i == f->index) continue;
    if (json_array_append_new(columns, column_entry(f->cols[i], 0))) goto nomem;
  }
  if (f->index >= 0) {
    if (json_array_append_new(columns, column_entry(f->cols[f->index], 1))) goto nomem;
    if (json_array_append_new(index_columns, json_string(f->cols[f->index]->name))) goto nomem;
  }
  /* no index column: an empty index_columns gives pandas a default RangeIndex */
  json_t *column_indexes = json_pack("[{s:n, s:n, s:s, s:s, s:{s:s}}]", "name", "field_name", "pandas_type", "unicode",
                                     "numpy_type", "object", "metadata", "encoding", "UTF-8");
  json_t *creator = json_pack("{s:s, s:s}", "library", "pystore", "version", PS_VERSION_STRING);
  if (!column_indexes || !creator) {
    json_decref(column_indexes);
    json_decref(creator);
    goto nomem;
  }
  json_object_set_new(root, "index_columns", index_columns);
  json_object_set_new(root, "column_indexes", column_indexes);
  json_object_set_new(root, "columns", columns);
  json_object_set_new(root, "creator", creator);
  json_object_set_new(root, "pandas_version", json_string("2.1.4"));
  char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!s) return PS_NOMEM();
  *out_json = s;
  return PS_OK;
nomem:
  json_decref(root);
  json_decref(index_columns);
  json_decref(columns);
  return PS_NOMEM();
}

int pq_pandas_metadata_apply(const char *json, size_t len, pq_leaf *leaves, int nleaves, int *index_leaf) {
  *index_leaf = -1;
  json_error_t jerr;
  int oom;
  json_t *root = ps__json_loadb(json, len, &jerr, &oom);
  if (!root) return oom ? PS_NOMEM() : PS_OK; /* malformed: ignored */
  int rc = PS_OK;
  json_t *idx = json_object_get(root, "index_columns");
  if (json_is_array(idx) && json_array_size(idx) >= 1) {
    json_t *first = json_array_get(idx, 0);
    if (json_is_string(first)) {
      for (int i = 0; i < nleaves; i++)
        if (strcmp(leaves[i].name, json_string_value(first)) == 0) *index_leaf = i;
    }
  }
  json_t *cols = json_object_get(root, "columns");
  size_t k;
  json_t *c;
  if (json_is_array(cols)) {
    json_array_foreach(cols, k, c) {
      const char *field = json_string_value(json_object_get(c, "field_name"));
      if (!field) continue;
      for (int i = 0; i < nleaves; i++) {
        pq_leaf *lf = &leaves[i];
        if (strcmp(lf->name, field) != 0 || lf->type != PS_TYPE_TIMESTAMP) continue;
        const char *numpy_type = json_string_value(json_object_get(c, "numpy_type"));
        if (numpy_type && strcmp(numpy_type, "datetime64[s]") == 0 && lf->unit == PS_UNIT_MS) lf->frame_unit = PS_UNIT_S;
        json_t *meta = json_object_get(c, "metadata");
        const char *tz = json_is_object(meta) ? json_string_value(json_object_get(meta, "timezone")) : NULL;
        /* pyarrow: isAdjustedToUTC timestamps; fastparquet times='int96': INT96 holds UTC instants */
        if (tz && *tz && (lf->utc || lf->int96)) {
          char *copy = ps__strdup(tz);
          if (copy) {
            ps__free_mem(lf->tz);
            lf->tz = copy;
          } else {
            rc = PS_NOMEM();
          }
        }
      }
    }
  }
  json_decref(root);
  return rc;
}
