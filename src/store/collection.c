/* Store layer: collections and item listing. */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/json_oom.h"

int ps_collection_open(ps_store *s, const char *name, int create, ps_collection **out) {
  if (!s || !out) return ps__error(PS_ERR_INVALID, "ps_collection_open: NULL argument");
  *out = NULL;
  PS_TRY(ps__name_check("collection", name));
  ps_collection *c = ps__calloc(1, sizeof *c);
  if (!c) return PS_NOMEM();
  c->store = s;
  c->name = ps__strdup(name);
  c->path = ps__path_join(s->path, name);
  int rc = PS_OK;
  char *snaps = NULL;
  if (!c->name || !c->path) {
    rc = PS_NOMEM();
    goto fail;
  }
  if (!ps__is_dir(c->path)) {
    if (!create) {
      rc = ps__error(PS_ERR_NOT_FOUND, "collection '%s' does not exist in store '%s'", name, s->name);
      goto fail;
    }
    if (!ps__is_dir(s->path)) {
      rc = ps__error(PS_ERR_NOT_FOUND, "store '%s' does not exist (%s)", s->name, s->path);
      goto fail;
    }
    PS_CHECK(ps__mkdir(c->path, !s->opt.no_fsync));
  }
  PS_CHECK(ps__path_join_to(&snaps, c->path, PS_SNAPSHOTS_DIR));
  /* a collection that is a symbolic link is only read: nothing is created in its target */
  if (!ps__is_dir(snaps) && ps__check_not_symlink(c->path) == PS_OK) PS_CHECK(ps__mkdir(snaps, 0));
  ps__free_mem(snaps);
  *out = c;
  return PS_OK;
fail:
  ps__free_mem(snaps);
  ps_collection_close(c);
  return rc;
}

void ps_collection_close(ps_collection *c) {
  if (!c) return;
  ps__free_mem(c->name);
  ps__free_mem(c->path);
  ps__free_mem(c);
}

const char *ps_collection_path(const ps_collection *c) { return c ? c->path : NULL; }
const char *ps_collection_name(const ps_collection *c) { return c ? c->name : NULL; }

static int metadata_matches(const char *dir, json_t *filter) {
  ps__manifest *m = NULL;
  int rc = ps__manifest_load(dir, &m);
  if (rc == PS_ERR_NOMEM) return rc;
  char *path = ps__metadata_path(dir, m); /* the committed version's (see ps__txn_commit_meta) */
  ps__manifest_free(m);
  if (!path) return PS_NOMEM();
  json_t *j;
  rc = ps__json_load(path, &j);
  if (rc == PS_ERR_NOT_FOUND && strstr(path, ".pending-")) { /* moved into place meanwhile */
    ps__free_mem(path);
    path = ps__path_join(dir, PS_METADATA_FILE);
    if (!path) return PS_NOMEM();
    rc = ps__json_load(path, &j);
  }
  ps__free_mem(path);
  if (rc == PS_ERR_NOT_FOUND) { /* PyStore <= 0.1.23 named it metadata.json */
    path = ps__path_join(dir, "metadata.json");
    if (!path) return PS_NOMEM();
    rc = ps__json_load(path, &j);
    ps__free_mem(path);
  }
  if (rc == PS_ERR_NOMEM) return rc; /* never a silently shorter list */
  if (rc < 0) return 0; /* no or unreadable metadata: no match */
  int ok = json_is_object(j);
  const char *key;
  json_t *v;
  json_object_foreach(filter, key, v) {
    if (!ok) break;
    json_t *have = json_object_get(j, key);
    if (!have || !json_equal(have, v)) ok = 0;
  }
  json_decref(j);
  return ok;
}

int ps_collection_list_items(ps_collection *c, const char *filter_text, char ***out) {
  if (!c || !out) return ps__error(PS_ERR_INVALID, "ps_collection_list_items: NULL argument");
  *out = NULL;
  json_t *filter = NULL;
  if (filter_text) {
    json_error_t err;
    int oom;
    filter = ps__json_loadb(filter_text, strlen(filter_text), &err, &oom);
    if (!filter && oom) return PS_NOMEM();
    if (!filter) return ps__error(PS_ERR_PARSE, "metadata filter: invalid JSON at column %d: %s", err.column, err.text);
    if (!json_is_object(filter)) {
      json_decref(filter);
      return ps__error(PS_ERR_INVALID, "metadata filter must be a JSON object");
    }
  }
  char **dirs;
  int rc = ps__list_dir(c->path, 1, &dirs);
  if (rc < 0) {
    json_decref(filter);
    return rc;
  }
  size_t n = 0;
  size_t i;
  for (i = 0; dirs[i]; i++) {
    char *d = ps__path_join(c->path, dirs[i]);
    if (!d) {
      rc = PS_NOMEM();
      break;
    }
    int keep = ps__name_check("item", dirs[i]) == PS_OK;
    if (keep) {
      ps__manifest *m;
      /* only committed items: a manifest, or PyStore's *.parquet */
      char *mp = ps__path_join(d, PS_MANIFEST_FILE);
      keep = mp && ps__is_file(mp);
      if (!mp) rc = PS_NOMEM();
      ps__free_mem(mp);
      if (!keep && rc == PS_OK) {
        int r = ps__manifest_load(d, &m);
        if (r == PS_OK) {
          ps__manifest_free(m);
          keep = 1;
        } else if (r == PS_ERR_NOMEM) {
          rc = r;
        }
      }
    }
    if (keep && filter && rc == PS_OK) {
      int r = metadata_matches(d, filter);
      if (r < 0) rc = r;
      keep = r > 0;
    }
    ps__free_mem(d);
    if (rc < 0) break;
    if (keep) dirs[n++] = dirs[i];
    else ps__free_mem(dirs[i]);
  }
  if (rc < 0) {
    for (size_t j = i; dirs[j]; j++) ps__free_mem(dirs[j]);
    dirs[n] = NULL;
    ps_names_free(dirs);
    json_decref(filter);
    return rc;
  }
  dirs[n] = NULL;
  json_decref(filter);
  *out = dirs;
  return PS_OK;
}
