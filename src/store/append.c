/* Store layer: append = merge new rows into an item by index, rewriting
 * only the parts whose index range the new rows overlap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/phase3_internal.h"
#include "store/store_internal.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"

int ps_duplicates_from_name(const char *name, ps_duplicates *out) {
  static const char *names[] = {"keep_last", "keep_first", "error", "keep_all"};
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, names[i]) == 0) {
      *out = (ps_duplicates)i;
      return PS_OK;
    }
  return ps__error(PS_ERR_INVALID, "unknown duplicates policy '%s' (keep_last, keep_first, error, keep_all)",
                   name ? name : "(null)");
}

int ps__conform_view(const ps_frame *schema, const ps_frame *data, const ps_frame **view, ps_frame **owned) {
  *owned = NULL;
  int same = data->ncols == schema->ncols && data->index == schema->index;
  for (int i = 0; same && i < schema->ncols; i++)
    same = ps__column_same_type(schema->cols[i], data->cols[i]) && schema->cols[i]->nullable == data->cols[i]->nullable;
  if (same) { /* already in the item's shape: no copy */
    *view = data;
    return PS_OK;
  }
  PS_TRY(ps__conform(schema, data, owned));
  *view = *owned;
  return PS_OK;
}

int ps__conform(const ps_frame *schema, const ps_frame *data, ps_frame **out) {
  ps_frame *f;
  PS_TRY(ps__frame_clone_empty(schema, &f));
  int rc = PS_OK;
  for (int i = 0; i < schema->ncols; i++) {
    ps_column *dst = f->cols[i];
    const ps_column *src = ps_frame_column_by_name(data, dst->name);
    if (!src) {
      rc = ps__error(PS_ERR_SCHEMA, "column '%s' missing", dst->name);
      goto fail;
    }
    dst->nullable = 1;
    if (src->type == dst->type) {
      PS_CHECK(ps__column_append_range(dst, src, 0, src->length));
      continue;
    }
    for (int64_t r = 0; r < src->length; r++) {
      if (ps_column_is_null(src, r)) {
        PS_CHECK(ps_column_append_null(dst));
        continue;
      }
      switch (src->type) {
        case PS_TYPE_FLOAT32: rc = ps_column_append_double(dst, ((const float *)src->values)[r]); break;
        case PS_TYPE_INT8: rc = ps_column_append_int(dst, ((const int8_t *)src->values)[r]); break;
        case PS_TYPE_INT16: rc = ps_column_append_int(dst, ((const int16_t *)src->values)[r]); break;
        case PS_TYPE_INT32: rc = ps_column_append_int(dst, ((const int32_t *)src->values)[r]); break;
        case PS_TYPE_UINT8: rc = ps_column_append_int(dst, ((const uint8_t *)src->values)[r]); break;
        case PS_TYPE_UINT16: rc = ps_column_append_int(dst, ((const uint16_t *)src->values)[r]); break;
        case PS_TYPE_UINT32: rc = ps_column_append_int(dst, ((const uint32_t *)src->values)[r]); break;
        default: rc = ps__error(PS_ERR_SCHEMA, "column '%s': cannot convert", dst->name); break;
      }
      if (rc < 0) goto fail;
    }
  }
  for (int i = 0; i < schema->ncols; i++) f->cols[i]->nullable = schema->cols[i]->nullable;
  PS_CHECK(ps_frame_validate(f));
  *out = f;
  return PS_OK;
fail:
  ps_frame_free(f);
  return rc;
}

static int refresh_metadata(const char *dir, int durable) {
  char *path = ps__path_join(dir, PS_METADATA_FILE);
  if (!path) return PS_NOMEM();
  json_t *j = NULL;
  int rc = ps__json_load(path, &j);
  ps__free_mem(path);
  if (rc == PS_ERR_NOT_FOUND) { /* PyStore <= 0.1.23 named it metadata.json: carry it over */
    path = ps__path_join(dir, "metadata.json");
    if (!path) return PS_NOMEM();
    rc = ps__json_load(path, &j);
    ps__free_mem(path);
  }
  if (rc < 0 && rc != PS_ERR_NOT_FOUND) return rc;
  if (j && !json_is_object(j)) {
    json_decref(j);
    j = NULL;
  }
  if (j) json_object_del(j, "_updated");
  rc = ps__metadata_write(dir, j, durable);
  json_decref(j);
  return rc;
}

static int append_locked(ps__txn *t, const ps_frame *data, const ps_append_options *opt) {
  ps__manifest *old = t->m;
  ps_frame *rows_owned = NULL, *conf = NULL, *stored = NULL, *merged = NULL;
  const ps_frame *rows = NULL;
  ps__manifest *m = NULL;
  int rc = PS_OK;
  const ps_frame *src = data;
  /* rows in order and in the item's shape are written from the caller's
   * memory: no copies of the appended data */
  if (old->schema) {
    PS_CHECK(ps__schema_check(old->schema, data, opt->widen));
    PS_CHECK(ps__conform_view(old->schema, data, &src, &conf));
  }
  PS_CHECK(ps__frame_sort_dedup_view(src, opt->duplicates, &rows, &rows_owned));
  PS_CHECK(ps__manifest_new(old->schema ? old->schema : rows, &m));
  m->next_part = old->next_part;
  const ps_column *ni = rows->cols[rows->index];
  int lo = 0, hi = 0;
  if (old->legacy) {
    /* first write to a PyStore item: bring it under a manifest */
    lo = 0;
    hi = old->nparts;
  } else {
    const ps_column *b = old->bounds;
    int64_t last = rows->nrows - 1;
    /* parts are sorted and disjoint (up to equal bounds): the overlapped ones are a run */
    while (lo < old->nparts && ps__value_cmp(b, 2 * lo + 1, ni, 0) < 0) lo++;
    hi = lo;
    while (hi < old->nparts && ps__value_cmp(b, 2 * hi, ni, last) <= 0) hi++;
    ps__partition_extend_run(old, ni, 0, last, &lo, &hi); /* Phase 3: follow a time partition strategy */
  }
  const ps_frame *to_write = rows;
  if (hi > lo) {
    PS_CHECK(ps__read_parts(t->dir, old, lo, hi, &stored));
    if (old->legacy && stored->index < 0) {
      rc = ps__error(PS_ERR_SCHEMA, "the stored item has no index column");
      goto fail;
    }
    if (old->legacy) {
      ps_frame *c2;
      PS_CHECK(ps__schema_check(stored, rows, 0));
      PS_CHECK(ps__conform(stored, rows, &c2));
      ps_frame_free(rows_owned);
      rows_owned = c2;
      rows = c2;
    }
    PS_CHECK(ps__frame_merge_sorted(stored, rows, opt->duplicates, &merged, NULL));
    to_write = merged;
  }
  for (int k = 0; k < lo; k++)
    PS_CHECK(ps__manifest_add_part(m, old->parts[k].file, old->parts[k].rows, old->bounds, 2 * k, 2 * k + 1));
  PS_CHECK(ps__txn_write_parts(t, to_write, opt->part_rows, m));
  for (int k = hi; k < old->nparts; k++)
    PS_CHECK(ps__manifest_add_part(m, old->parts[k].file, old->parts[k].rows, old->bounds, 2 * k, 2 * k + 1));
  PS_CHECK(ps__txn_commit(t, m));
  (void)refresh_metadata(t->dir, t->durable); /* data is committed; _updated is best effort */
fail:
  ps__manifest_free(m);
  ps_frame_free(rows_owned);
  ps_frame_free(conf);
  ps_frame_free(stored);
  ps_frame_free(merged);
  return rc;
}

int ps_item_append(ps_collection *c, const char *item, const ps_frame *data, const ps_append_options *opt) {
  ps_append_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("item", item));
  PS_TRY(ps__check_index(data));
  if ((unsigned)opt->duplicates > PS_DUP_KEEP_ALL) return ps__error(PS_ERR_INVALID, "invalid duplicates policy %d", (int)opt->duplicates);
  char *dir = ps__path_join(c->path, item);
  if (!dir) return PS_NOMEM();
  int rc = PS_OK;
  for (int attempt = 0; attempt < 10; attempt++) {
    ps__txn t;
    rc = ps__txn_begin(c, item, dir, &t);
    if (rc == PS_ERR_NOT_FOUND && opt->create) {
      ps_frame *owned;
      const ps_frame *rows;
      rc = ps__frame_sort_dedup_view(data, opt->duplicates, &rows, &owned);
      if (rc < 0) break;
      rc = ps__item_create(c, item, rows, opt->part_rows, NULL);
      ps_frame_free(owned);
      if (rc == PS_ERR_EXISTS) continue; /* created concurrently: append to it */
      break;
    }
    if (rc < 0) break;
    if (data->nrows > 0) rc = append_locked(&t, data, opt);
    ps__txn_end(&t);
    break;
  }
  if (rc < 0) ps__error_prefix(rc, "append %s/%s/%s", c->store->name, c->name, item);
  ps__free_mem(dir);
  return rc;
}
