/* Store layer: compaction of small adjacent parts. */
#include <string.h>

#include "store/store_internal.h"
#include "table/frame.h"
#include "util/alloc.h"
#include "util/error.h"

int ps_item_compact(ps_collection *c, const char *item, int64_t part_rows, int64_t *out_parts) {
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("item", item));
  char *dir = ps__path_join(c->path, item);
  if (!dir) return PS_NOMEM();
  ps__txn t;
  int rc = ps__txn_begin(c, item, dir, &t);
  ps__free_mem(dir);
  if (rc < 0) return ps__error_prefix(rc, "compact %s/%s/%s", c->store->name, c->name, item);
  ps__manifest *old = t.m, *m = NULL;
  int64_t target = part_rows > 0 ? part_rows : (old->schema ? ps__auto_part_rows(old->schema, 0) : 1000000);
  int changed = 0;
  PS_CHECK(ps__manifest_new(old->schema, &m));
  m->next_part = old->next_part;
  for (int k = 0; k < old->nparts;) {
    int j = k;
    if (old->legacy) {
      j = old->nparts;
    } else {
      while (j < old->nparts && old->parts[j].rows < target / 2 + (target < 2)) j++;
    }
    if (j - k >= 2 || old->legacy) {
      ps_frame *rows;
      PS_CHECK(ps__read_parts(t.dir, old, k, j, &rows));
      if (!m->schema) {
        /* legacy item: the schema comes from the data */
        ps__manifest_free(m);
        m = NULL;
        rc = ps__manifest_new(rows, &m);
        if (rc == PS_OK) m->next_part = old->next_part;
      }
      if (rc == PS_OK && rows->index < 0) rc = ps__error(PS_ERR_SCHEMA, "the stored item has no index column");
      if (rc == PS_OK) rc = ps__txn_write_parts(&t, rows, target, m);
      ps_frame_free(rows);
      if (rc < 0) goto fail;
      changed = 1;
      k = j;
    } else {
      int e = j > k ? j : k + 1;
      for (; k < e; k++)
        PS_CHECK(ps__manifest_add_part(m, old->parts[k].file, old->parts[k].rows, old->bounds, 2 * k, 2 * k + 1));
    }
  }
  if (changed) PS_CHECK(ps__txn_commit(&t, m));
  if (out_parts) *out_parts = changed ? m->nparts : old->nparts;
fail:
  if (rc < 0) ps__error_prefix(rc, "compact %s/%s/%s", c->store->name, c->name, item);
  ps__manifest_free(m);
  ps__txn_end(&t);
  return rc;
}
