/* Store layer: collection snapshots (hard links of committed parts). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"

static char *snaps_dir(const ps_collection *c) { return ps__path_join(c->path, PS_SNAPSHOTS_DIR); }

static int link_file(const char *from_dir, const char *to_dir, const char *name, const char *to_name, int optional) {
  char *a = ps__path_join(from_dir, name), *b = ps__path_join(to_dir, to_name ? to_name : name);
  int rc = (a && b) ? PS_OK : PS_NOMEM();
  if (rc == PS_OK && optional && !ps__is_file(a)) {
    ps__free_mem(a);
    ps__free_mem(b);
    return PS_OK;
  }
  if (rc == PS_OK) rc = ps__link_or_copy(a, b);
  ps__free_mem(a);
  ps__free_mem(b);
  return rc;
}

/* fsync the directory `dir` itself. */
static int fsync_dir(const char *dir) {
  char *p = ps__path_join(dir, ".");
  if (!p) return PS_NOMEM();
  int rc = ps_fsync_parent_dir(p);
  ps__free_mem(p);
  return rc;
}

/* Link the committed files of one live item into `dst` (created). The
 * item lock is held so the manifest and its parts agree. */
static int snapshot_item(ps_collection *c, const char *item, const char *dst) {
  char *src = ps__path_join(c->path, item);
  if (!src) return PS_NOMEM();
  ps__txn t;
  int rc = ps__txn_begin(c, item, src, &t);
  if (rc == PS_ERR_NOT_FOUND) { /* deleted meanwhile */
    ps__free_mem(src);
    return PS_OK;
  }
  if (rc == PS_OK) rc = ps__mkdir(dst, 0);
  for (int k = 0; rc == PS_OK && k < t.m->nparts; k++) rc = link_file(src, dst, t.m->parts[k].file, NULL, 0);
  if (rc == PS_OK && !t.m->legacy) rc = link_file(src, dst, PS_MANIFEST_FILE, NULL, 0);
  if (rc == PS_OK) rc = link_file(src, dst, PS_METADATA_FILE, NULL, 1);
  if (rc == PS_OK && t.m->legacy) {
    rc = link_file(src, dst, "_metadata", NULL, 1);
    if (rc == PS_OK) rc = link_file(src, dst, "_common_metadata", NULL, 1);
  }
  /* the links must be durable before the rename that publishes the snapshot */
  if (rc == PS_OK && t.durable) rc = fsync_dir(dst);
  if (t.dir) ps__txn_end(&t);
  ps__free_mem(src);
  return rc;
}

int ps_snapshot_create(ps_collection *c, const char *name, char **out_name) {
  if (out_name) *out_name = NULL;
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  char *snap;
  if (name) {
    snap = ps__snapshot_name_sanitize(name);
  } else {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)tv.tv_sec * 1000000LL + tv.tv_usec);
    snap = ps__strdup(buf);
  }
  if (!snap) return PS_NOMEM();
  int rc = ps__name_check("snapshot", snap);
  char *sd = snaps_dir(c), *final = NULL, *tmp = NULL;
  char **items = NULL;
  int durable = !c->store->opt.no_fsync, lock_fd = -1;
  if (rc < 0) goto done;
  if (!sd) {
    rc = PS_NOMEM();
    goto done;
  }
  PS_CHECK(ps__check_not_symlink(c->path)); /* _snapshots itself: ps__lock_dir below */
  PS_CHECK(ps__mkdir(sd, 0));
  /* the collection's entry for _snapshots (made by ps_collection_open
   * without an fsync) must be durable before a snapshot counts as taken */
  if (durable) PS_CHECK(ps_fsync_parent_dir(sd));
  /* snapshot creations and deletions of a collection are serialized by
   * _snapshots/.lock; its holder removes what crashed ones left behind
   * (.tmp-* being built, .del-* being removed) */
  PS_CHECK(ps__lock_dir(sd, &c->store->opt, &lock_fd));
  ps__clean_collection_leftovers(sd);
  PS_CHECK(ps__path_join_to(&final, sd, snap));
  if (ps__is_dir(final)) {
    rc = ps__error(PS_ERR_EXISTS, "snapshot '%s' already exists in collection '%s'", snap, c->name);
    goto done;
  }
  tmp = ps__hidden_temp(sd, "tmp", snap);
  if (!tmp) {
    rc = PS_NOMEM();
    goto done;
  }
  PS_CHECK(ps__mkdir(tmp, 0));
  PS_CHECK(ps_collection_list_items(c, NULL, &items));
  for (size_t i = 0; items[i]; i++) {
    char *dst = ps__path_join(tmp, items[i]);
    if (!dst) {
      rc = PS_NOMEM();
      goto fail;
    }
    rc = snapshot_item(c, items[i], dst);
    ps__free_mem(dst);
    if (rc < 0) goto fail;
  }
  if (durable) PS_CHECK(fsync_dir(tmp)); /* its item directories' entries */
  if (ps__io_rename(tmp, final) != 0) {
    int e = errno;
    rc = ps__error(e == ENOTEMPTY || e == EEXIST ? PS_ERR_EXISTS : ps_status_from_errno(e),
                   "snapshot '%s': cannot publish %s: %s", snap, final, strerror(e));
    goto fail;
  }
  if (!c->store->opt.no_fsync) ps_fsync_parent_dir(final);
  if (out_name) {
    *out_name = ps__strdup(snap);
    if (!*out_name) rc = PS_NOMEM();
  }
  goto done;
fail:
  if (tmp) ps__rmtree(tmp);
done:
  ps__unlock(lock_fd);
  ps_names_free(items);
  ps__free_mem(snap);
  ps__free_mem(sd);
  ps__free_mem(final);
  ps__free_mem(tmp);
  return rc;
}

int ps_snapshot_list(ps_collection *c, char ***out) {
  if (!c || !out) return ps__error(PS_ERR_INVALID, "ps_snapshot_list: NULL argument");
  char *sd = snaps_dir(c);
  if (!sd) return PS_NOMEM();
  int rc;
  if (!ps__is_dir(sd)) {
    *out = ps__calloc(1, sizeof **out);
    rc = *out ? PS_OK : PS_NOMEM();
  } else {
    rc = ps__list_dir(sd, 1, out);
  }
  ps__free_mem(sd);
  return rc;
}

int ps_snapshot_delete(ps_collection *c, const char *name) {
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("snapshot", name));
  char *sd = snaps_dir(c);
  char *p = sd ? ps__path_join(sd, name) : NULL;
  char *del = sd ? ps__hidden_temp(sd, "del", name) : NULL;
  int rc, lock_fd = -1;
  if (!p || !del) rc = PS_NOMEM();
  else if (!ps__is_dir(p)) rc = ps__error(PS_ERR_NOT_FOUND, "snapshot '%s' does not exist in collection '%s'", name, c->name);
  else if ((rc = ps__check_not_symlink(c->path)) < 0) {
  } else if ((rc = ps__lock_dir(sd, &c->store->opt, &lock_fd)) < 0) { /* see ps_snapshot_create */
  } else {
    ps__clean_collection_leftovers(sd);
    if (!ps__is_dir(p)) {
      rc = ps__error(PS_ERR_NOT_FOUND, "snapshot '%s' does not exist in collection '%s'", name, c->name);
    } else if (ps__io_rename(p, del) == 0) {
      /* gone atomically; a crash from here leaves .del-* for the next holder of the lock */
      if (!c->store->opt.no_fsync) ps_fsync_parent_dir(del);
      rc = ps__rmtree(del);
    } else {
      /* never a half-deleted snapshot: removing it in place could stop midway */
      int e = errno;
      rc = ps__error(ps_status_from_errno(e), "%s: cannot remove: %s", p, strerror(e));
    }
  }
  ps__unlock(lock_fd);
  ps__free_mem(sd);
  ps__free_mem(p);
  ps__free_mem(del);
  return rc;
}

int ps_snapshot_delete_all(ps_collection *c) {
  char **names;
  PS_TRY(ps_snapshot_list(c, &names));
  int rc = PS_OK;
  for (size_t i = 0; names[i] && rc == PS_OK; i++) rc = ps_snapshot_delete(c, names[i]);
  ps_names_free(names);
  return rc;
}

int ps_snapshot_restore(ps_collection *c, const char *snapshot, const char *item) {
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("snapshot", snapshot));
  PS_TRY(ps__name_check("item", item));
  char *sdir = ps__item_dir(c, item, snapshot);
  char *live = ps__path_join(c->path, item);
  ps__manifest *sm = NULL, *m = NULL;
  json_t *meta = NULL;
  int rc = PS_OK;
  ps__txn t;
  memset(&t, 0, sizeof t);
  t.lock_fd = -1;
  if (!sdir || !live) {
    rc = PS_NOMEM();
    goto done;
  }
  rc = ps__manifest_load(sdir, &sm);
  if (rc == PS_ERR_NOT_FOUND)
    rc = ps__error(PS_ERR_NOT_FOUND, "item '%s' is not in snapshot '%s' of collection '%s'", item, snapshot, c->name);
  if (rc < 0) goto done;
  char *mp = ps__path_join(sdir, PS_METADATA_FILE);
  if (!mp) {
    rc = PS_NOMEM();
    goto done;
  }
  if (ps__json_load(mp, &meta) == PS_OK && json_is_object(meta)) json_object_del(meta, "_updated");
  ps__free_mem(mp);
  for (int attempt = 0; attempt < 10; attempt++) {
    rc = ps__txn_begin(c, item, live, &t);
    if (rc != PS_ERR_NOT_FOUND) break;
    /* the live item is gone: recreate it from the snapshot's rows */
    ps_frame *rows;
    PS_CHECK(ps__read_parts(sdir, sm, 0, sm->nparts, &rows));
    rc = ps__item_create(c, item, rows, 0, meta);
    ps_frame_free(rows);
    if (rc != PS_ERR_EXISTS) goto done;
  }
  if (rc < 0) goto done;
  if (sm->legacy) {
    /* no bounds to reuse: rewrite the rows under a manifest */
    ps_frame *rows;
    PS_CHECK(ps__read_parts(sdir, sm, 0, sm->nparts, &rows));
    rc = ps__manifest_new(rows, &m);
    if (rc == PS_OK) {
      m->next_part = t.m->next_part;
      rc = ps__txn_write_parts(&t, rows, 0, m);
    }
    ps_frame_free(rows);
    if (rc < 0) goto fail;
  } else {
    PS_CHECK(ps__manifest_new(sm->schema, &m));
    m->next_part = t.m->next_part;
    for (int k = 0; k < sm->nparts; k++) {
      char name[64];
      snprintf(name, sizeof name, "part.%lld.parquet", (long long)m->next_part++);
      /* tracked before it exists, so that a failure removes it */
      char *p = ps__path_join(live, name);
      char **w = p ? ps__realloc(t.written, (t.nwritten + 1) * sizeof *w) : NULL;
      if (!w) {
        ps__free_mem(p);
        rc = PS_NOMEM();
        goto fail;
      }
      t.written = w;
      w[t.nwritten++] = p;
      PS_CHECK(link_file(sdir, live, sm->parts[k].file, name, 0));
      PS_CHECK(ps__manifest_add_part(m, name, sm->parts[k].rows, sm->bounds, 2 * k, 2 * k + 1));
    }
    /* the new links must be durable before the manifest rename publishes them */
    if (t.durable && sm->nparts > 0) PS_CHECK(fsync_dir(live));
  }
  PS_CHECK(ps__txn_commit_meta(&t, m, meta)); /* rows and metadata in one commit */
fail:
done:
  if (t.dir) ps__txn_end(&t);
  ps__manifest_free(sm);
  ps__manifest_free(m);
  json_decref(meta);
  ps__free_mem(sdir);
  ps__free_mem(live);
  return rc;
}
