/* Store layer: the item manifest (_pystore_manifest.json), the committed
 * file set of an item, and the item schema. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/phase3_internal.h"
#include "store/store_internal.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"

#define MANIFEST_FORMAT "pystore-c-manifest"

static const char *unit_str(ps_time_unit u) {
  switch (u) {
    case PS_UNIT_S: return "s";
    case PS_UNIT_MS: return "ms";
    case PS_UNIT_US: return "us";
    default: return "ns";
  }
}

static int type_from_str(const char *s, ps_type *out) {
  for (int t = PS_TYPE_BOOL; t <= PS_TYPE_BINARY; t++)
    if (strcmp(ps_type_name((ps_type)t), s) == 0) {
      *out = (ps_type)t;
      return PS_OK;
    }
  return ps__error(PS_ERR_CORRUPT, "manifest: unknown column type '%s'", s);
}

static int unit_from_str(const char *s, ps_time_unit *out) {
  if (!s || strcmp(s, "ns") == 0) *out = PS_UNIT_NS;
  else if (strcmp(s, "us") == 0) *out = PS_UNIT_US;
  else if (strcmp(s, "ms") == 0) *out = PS_UNIT_MS;
  else if (strcmp(s, "s") == 0) *out = PS_UNIT_S;
  else return ps__error(PS_ERR_CORRUPT, "manifest: unknown time unit '%s'", s);
  return PS_OK;
}

void ps__manifest_free(ps__manifest *m) {
  if (!m) return;
  for (int i = 0; i < m->nparts; i++) ps__free_mem(m->parts[i].file);
  ps__free_mem(m->parts);
  ps_frame_free(m->schema);
  ps__column_free(m->bounds);
  ps__free_mem(m);
}

static int new_bounds(ps__manifest *m) {
  ps__column_free(m->bounds);
  m->bounds = NULL;
  if (!m->schema || m->schema->index < 0) return PS_OK;
  const ps_column *ic = m->schema->cols[m->schema->index];
  return ps__column_new(ic->name, ic->type, ic->unit, ic->tz, &m->bounds);
}

int ps__manifest_new(const ps_frame *schema, ps__manifest **out) {
  ps__manifest *m = ps__calloc(1, sizeof *m);
  if (!m) return PS_NOMEM();
  int rc = PS_OK;
  if (schema) PS_CHECK(ps__frame_clone_empty(schema, &m->schema));
  PS_CHECK(new_bounds(m));
  *out = m;
  return PS_OK;
fail:
  ps__manifest_free(m);
  return rc;
}

int ps__manifest_has(const ps__manifest *m, const char *file) {
  for (int i = 0; i < m->nparts; i++)
    if (strcmp(m->parts[i].file, file) == 0) return 1;
  return 0;
}

static int push_part(ps__manifest *m, const char *file, int64_t rows) {
  if (m->nparts == m->cap) {
    int cap = m->cap ? m->cap * 2 : 8;
    ps__part *p = ps__realloc(m->parts, (size_t)cap * sizeof *p);
    if (!p) return PS_NOMEM();
    m->parts = p;
    m->cap = cap;
  }
  char *f = ps__strdup(file);
  if (!f) return PS_NOMEM();
  m->parts[m->nparts].file = f;
  m->parts[m->nparts].rows = rows;
  m->nparts++;
  m->rows += rows;
  return PS_OK;
}

int ps__manifest_add_part(ps__manifest *m, const char *file, int64_t rows, const ps_column *src, int64_t min_row,
                          int64_t max_row) {
  PS_TRY(push_part(m, file, rows));
  if (m->bounds && src) {
    PS_TRY(ps__column_append_range(m->bounds, src, min_row, 1));
    PS_TRY(ps__column_append_range(m->bounds, src, max_row, 1));
  }
  return PS_OK;
}

/* ---- schema JSON ---- */

/* json_object_set_new that remembers a failure (out of memory: the key
 * would silently be missing from what is saved). */
static void set_new(json_t *o, const char *key, json_t *v, int *bad) {
  if (json_object_set_new(o, key, v) != 0) *bad = 1;
}

json_t *ps__schema_to_json(const ps_frame *s) {
  json_t *arr = json_array();
  if (!arr) return NULL;
  for (int i = 0; i < s->ncols; i++) {
    const ps_column *c = s->cols[i];
    json_t *o = json_pack("{s:s, s:s, s:b}", "name", c->name, "type", ps_type_name(c->type), "nullable", c->nullable);
    if (!o) goto fail;
    if (c->type == PS_TYPE_TIMESTAMP) {
      int bad = 0;
      set_new(o, "unit", json_string(unit_str(c->unit)), &bad);
      set_new(o, "tz", c->tz ? json_string(c->tz) : json_null(), &bad);
      if (bad) {
        json_decref(o);
        goto fail;
      }
    }
    if (json_array_append_new(arr, o)) goto fail;
  }
  return arr;
fail:
  json_decref(arr);
  return NULL;
}

int ps__schema_from_json(json_t *j, const char *index, ps_frame **out) {
  *out = NULL;
  if (!json_is_array(j)) return ps__error(PS_ERR_CORRUPT, "manifest: schema is not an array");
  ps_frame *f;
  PS_TRY(ps_frame_new(&f));
  int rc = PS_OK;
  size_t i;
  json_t *o;
  json_array_foreach(j, i, o) {
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!name || !type) {
      rc = ps__error(PS_ERR_CORRUPT, "manifest: schema entry %zu lacks name/type", i);
      goto fail;
    }
    ps_type t = PS_TYPE_INT64;
    ps_time_unit u = PS_UNIT_NS;
    PS_CHECK(type_from_str(type, &t));
    PS_CHECK(unit_from_str(json_string_value(json_object_get(o, "unit")), &u));
    ps_column *c;
    PS_CHECK(ps_frame_add_column(f, name, t, u, json_string_value(json_object_get(o, "tz")), &c));
    json_t *nb = json_object_get(o, "nullable");
    if (nb) c->nullable = json_is_true(nb);
  }
  if (index) PS_CHECK(ps_frame_set_index(f, index));
  *out = f;
  return PS_OK;
fail:
  ps_frame_free(f);
  return rc;
}

static int widenable(const ps_column *item, const ps_column *data) {
  if (item->type == PS_TYPE_INT64)
    return data->type == PS_TYPE_INT8 || data->type == PS_TYPE_INT16 || data->type == PS_TYPE_INT32 ||
           data->type == PS_TYPE_UINT8 || data->type == PS_TYPE_UINT16 || data->type == PS_TYPE_UINT32;
  if (item->type == PS_TYPE_FLOAT64) return data->type == PS_TYPE_FLOAT32;
  return 0;
}

int ps__schema_check(const ps_frame *schema, const ps_frame *data, int widen) {
  char a[96], b[96];
  for (int i = 0; i < schema->ncols; i++) {
    const ps_column *sc = schema->cols[i];
    const ps_column *dc = ps_frame_column_by_name(data, sc->name);
    if (!dc) return ps__error(PS_ERR_SCHEMA, "column '%s' of the item is missing from the new data", sc->name);
    if (!ps__column_same_type(sc, dc) && !(widen && widenable(sc, dc))) {
      ps__column_type_string(sc, a, sizeof a);
      ps__column_type_string(dc, b, sizeof b);
      return ps__error(PS_ERR_SCHEMA, "column '%s': the item has type %s but the new data has %s", sc->name, a, b);
    }
  }
  for (int i = 0; i < data->ncols; i++)
    if (ps_frame_column_index(schema, data->cols[i]->name) < 0)
      return ps__error(PS_ERR_SCHEMA, "column '%s' of the new data is not in the item", data->cols[i]->name);
  const char *si = schema->index >= 0 ? schema->cols[schema->index]->name : NULL;
  const char *di = data->index >= 0 ? data->cols[data->index]->name : NULL;
  if (!si || !di || strcmp(si, di) != 0)
    return ps__error(PS_ERR_SCHEMA, "the item's index is '%s' but the new data's index is '%s'", si ? si : "(none)",
                     di ? di : "(none)");
  return PS_OK;
}

/* ---- bounds values <-> JSON ---- */

static json_t *bound_to_json(const ps_column *c, int64_t row) {
  switch (c->type) {
    case PS_TYPE_FLOAT32: return json_real(((const float *)c->values)[row]);
    case PS_TYPE_FLOAT64: return json_real(((const double *)c->values)[row]);
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY: {
      size_t n;
      const char *s = ps_column_string(c, row, &n);
      return json_stringn(s, n);
    }
    case PS_TYPE_UINT64: return json_integer((json_int_t)((const uint64_t *)c->values)[row]);
    default: {
      int64_t v = ps__column_get_i64(c, row);
      return json_integer((json_int_t)v);
    }
  }
}

static int bound_from_json(ps_column *c, json_t *v) {
  switch (c->type) {
    case PS_TYPE_FLOAT32:
    case PS_TYPE_FLOAT64:
      if (!json_is_number(v)) break;
      return ps_column_append_double(c, json_number_value(v));
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY:
      if (!json_is_string(v)) break;
      return ps_column_append_string(c, json_string_value(v), json_string_length(v));
    case PS_TYPE_UINT64:
      if (!json_is_integer(v)) break;
      return ps_column_append_uint(c, (uint64_t)json_integer_value(v));
    case PS_TYPE_BOOL:
      if (!json_is_integer(v)) break;
      return ps_column_append_bool(c, (int)json_integer_value(v));
    default:
      if (!json_is_integer(v)) break;
      return ps_column_append_int(c, (int64_t)json_integer_value(v));
  }
  return ps__error(PS_ERR_CORRUPT, "manifest: index bound of the wrong type");
}

int ps__manifest_save(const char *dir, const ps__manifest *m, int durable) {
  int published;
  return ps__manifest_save_ex(dir, m, durable, &published);
}

int ps__manifest_save_ex(const char *dir, const ps__manifest *m, int durable, int *published) {
  *published = 0;
  json_t *root = json_object();
  json_t *parts = json_array();
  json_t *schema = m->schema ? ps__schema_to_json(m->schema) : json_null();
  int rc = PS_OK;
  if (!root || !parts || !schema) {
    json_decref(schema);
    rc = PS_NOMEM();
    goto done; /* parts and root are released there (not twice) */
  }
  int bad = 0;
  set_new(root, "format", json_string(MANIFEST_FORMAT), &bad);
  set_new(root, "format_version", json_integer(1), &bad);
  set_new(root, "version", json_integer(m->version), &bad);
  set_new(root, "next_part", json_integer(m->next_part), &bad);
  set_new(root, "rows", json_integer(m->rows), &bad);
  set_new(root, "index", m->schema && m->schema->index >= 0 ? json_string(m->schema->cols[m->schema->index]->name) : json_null(),
          &bad);
  set_new(root, "schema", schema, &bad);
  if (m->strategy > 0) /* Phase 3: remembered partition strategy */
    set_new(root, "partition", json_pack("{s:s, s:I}", "strategy", ps_partition_strategy_name(m->strategy),
                                         "target_bytes", (json_int_t)m->target_bytes), &bad);
  if (bad) {
    rc = PS_NOMEM();
    goto done;
  }
  for (int i = 0; i < m->nparts; i++) {
    json_t *p = json_pack("{s:s, s:I}", "file", m->parts[i].file, "rows", (json_int_t)m->parts[i].rows);
    if (!p) {
      rc = PS_NOMEM();
      goto done;
    }
    if (m->bounds && m->bounds->length >= 2 * (i + 1)) {
      json_t *lo = bound_to_json(m->bounds, 2 * i), *hi = bound_to_json(m->bounds, 2 * i + 1);
      if (!lo || !hi) {
        json_decref(lo);
        json_decref(hi);
        json_decref(p);
        /* only string bounds can be unrepresentable (invalid UTF-8) */
        rc = ps_is_string_type(m->bounds->type)
                 ? ps__error(PS_ERR_INVALID, "index bounds of part %s cannot be stored as JSON (out of memory or not UTF-8)",
                             m->parts[i].file)
                 : PS_NOMEM();
        goto done;
      }
      set_new(p, "min", lo, &bad);
      set_new(p, "max", hi, &bad);
    }
    if (json_array_append_new(parts, p) != 0) bad = 1;
    if (bad) {
      rc = PS_NOMEM();
      goto done;
    }
  }
  bad = json_object_set_new(root, "parts", parts) != 0;
  parts = NULL;
  if (bad) {
    rc = PS_NOMEM();
    goto done;
  }
  {
    char *text = json_dumps(root, JSON_INDENT(1));
    if (!text) {
      rc = PS_NOMEM();
      goto done;
    }
    char *path = ps__path_join(dir, PS_MANIFEST_FILE);
    rc = path ? ps__write_file_atomic_ex(path, text, strlen(text), durable, published) : PS_NOMEM();
    if (*published) ps__cache_note_write(dir); /* Phase 3: after the commit point */
    ps__free_mem(path);
    ps__free_mem(text);
  }
done:
  json_decref(parts);
  json_decref(root);
  return rc;
}

/* part.<N>.parquet -> N (natural order for legacy listings) */
static long part_number(const char *f) {
  if (strncmp(f, "part.", 5) != 0) return -1;
  char *end;
  long n = strtol(f + 5, &end, 10);
  return end != f + 5 && strcmp(end, ".parquet") == 0 ? n : -1;
}

static int cmp_parts(const void *a, const void *b) {
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  long nx = part_number(x), ny = part_number(y);
  if (nx >= 0 && ny >= 0 && nx != ny) return nx < ny ? -1 : 1;
  return strcmp(x, y);
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && strcmp(s + n - k, suf) == 0;
}

static int load_legacy(const char *dir, ps__manifest **out) {
  char **files;
  PS_TRY(ps__list_dir(dir, 2, &files));
  size_t n = 0;
  for (size_t i = 0; files[i]; i++)
    if (ends_with(files[i], ".parquet") || ends_with(files[i], ".parq") || ends_with(files[i], ".pq")) files[n++] = files[i];
    else ps__free_mem(files[i]);
  files[n] = NULL;
  int rc = PS_OK;
  ps__manifest *m = NULL;
  if (n == 0) {
    ps_names_free(files);
    return ps__error(PS_ERR_NOT_FOUND, "%s: no item here (no manifest, no Parquet files)", dir);
  }
  qsort(files, n, sizeof *files, cmp_parts);
  PS_CHECK(ps__manifest_new(NULL, &m));
  m->legacy = 1;
  for (size_t i = 0; i < n; i++) {
    char *path = ps__path_join(dir, files[i]);
    if (!path) {
      rc = PS_NOMEM();
      goto fail;
    }
    ps_parquet_file *pf;
    rc = ps_parquet_open(path, &pf);
    ps__free_mem(path);
    if (rc < 0) goto fail;
    if (!m->schema) rc = ps_parquet_schema(pf, &m->schema);
    int64_t rows = ps_parquet_num_rows(pf);
    ps_parquet_close(pf);
    if (rc < 0) goto fail;
    PS_CHECK(push_part(m, files[i], rows));
    long pn = part_number(files[i]);
    if (pn >= m->next_part) m->next_part = pn + 1;
  }
  ps_names_free(files);
  *out = m;
  return PS_OK;
fail:
  ps_names_free(files);
  ps__manifest_free(m);
  return rc;
}

int ps__manifest_load(const char *dir, ps__manifest **out) {
  *out = NULL;
  char *path = ps__path_join(dir, PS_MANIFEST_FILE);
  if (!path) return PS_NOMEM();
  json_t *j;
  int rc = ps__json_load(path, &j);
  if (rc == PS_ERR_NOT_FOUND) {
    if (!ps__is_dir(dir)) {
      ps__free_mem(path);
      return ps__error(PS_ERR_NOT_FOUND, "%s: no such item", dir);
    }
    /* The directory may have appeared after the first look: items are created
     * (and re-created after a delete) by renaming a complete directory, manifest
     * included, into place. A manifest never leaves a live item, so only a
     * directory still without one is a PyStore (legacy) item. Reading it as
     * legacy would list every *.parquet file: parts of a commit in progress
     * and parts a commit has just replaced, i.e. a partial state. */
    rc = ps__json_load(path, &j);
    if (rc == PS_ERR_NOT_FOUND) {
      rc = load_legacy(dir, out);
      if (rc < 0 || !ps__is_file(path)) {
        ps__free_mem(path);
        return rc;
      }
      /* it got a manifest while we scanned (a PyStore item's first write, or
       * a re-creation): use that */
      ps__manifest_free(*out);
      *out = NULL;
      rc = ps__json_load(path, &j);
    }
  }
  ps__free_mem(path);
  if (rc < 0) return rc;
  ps__manifest *m = ps__calloc(1, sizeof *m);
  if (!m) {
    json_decref(j);
    return PS_NOMEM();
  }
  const char *fmt = json_string_value(json_object_get(j, "format"));
  if (!fmt || strcmp(fmt, MANIFEST_FORMAT) != 0) {
    rc = ps__error(PS_ERR_CORRUPT, "%s/%s: not a pystore manifest", dir, PS_MANIFEST_FILE);
    goto fail;
  }
  m->version = (int64_t)json_integer_value(json_object_get(j, "version"));
  m->next_part = (int64_t)json_integer_value(json_object_get(j, "next_part"));
  json_t *part = json_object_get(j, "partition");
  if (json_is_object(part)) { /* Phase 3 */
    ps_partition_strategy ps_;
    if (ps_partition_strategy_from_name(json_string_value(json_object_get(part, "strategy")), &ps_) == PS_OK) m->strategy = (int)ps_;
    m->target_bytes = (int64_t)json_integer_value(json_object_get(part, "target_bytes"));
  }
  json_t *schema = json_object_get(j, "schema");
  if (json_is_array(schema))
    PS_CHECK(ps__schema_from_json(schema, json_string_value(json_object_get(j, "index")), &m->schema));
  PS_CHECK(new_bounds(m));
  json_t *parts = json_object_get(j, "parts");
  size_t i;
  json_t *p;
  json_array_foreach(parts, i, p) {
    const char *file = json_string_value(json_object_get(p, "file"));
    json_t *rows = json_object_get(p, "rows");
    /* a part is a plain file name of this directory: never empty, never a path or a hidden name */
    if (!file || !json_is_integer(rows) || !*file || strchr(file, '/') || file[0] == '.' ||
        json_integer_value(rows) < 0) {
      rc = ps__error(PS_ERR_CORRUPT, "%s/%s: bad part entry %zu%s%.64s%s", dir, PS_MANIFEST_FILE, i, file ? " ('" : "",
                     file ? file : "", file ? "')" : "");
      goto fail;
    }
    PS_CHECK(push_part(m, file, (int64_t)json_integer_value(rows)));
    if (m->bounds) {
      PS_CHECK(bound_from_json(m->bounds, json_object_get(p, "min")));
      PS_CHECK(bound_from_json(m->bounds, json_object_get(p, "max")));
    }
  }
  json_decref(j);
  *out = m;
  return PS_OK;
fail:
  json_decref(j);
  ps__manifest_free(m);
  return ps__error_prefix(rc, "%s", dir);
}
