/* Store layer: base path and stores. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"

static int resolve_base(const ps_store_options *opt, char **out) {
  *out = NULL;
  const char *p = opt ? opt->base_path : NULL;
  if (!p || !*p) p = getenv("PYSTORE_PATH");
  char *s;
  if (p && *p) {
    if (p[0] == '~' && (p[1] == '/' || p[1] == 0)) {
      const char *home = getenv("HOME");
      if (!home || !*home) return ps__error(PS_ERR_INVALID, "cannot expand '~': HOME is not set");
      s = ps__malloc(strlen(home) + strlen(p) + 1);
      if (!s) return PS_NOMEM();
      strcpy(s, home);
      strcat(s, p + 1);
    } else {
      s = ps__strdup(p);
      if (!s) return PS_NOMEM();
    }
  } else {
    const char *home = getenv("HOME");
    if (!home || !*home) return ps__error(PS_ERR_INVALID, "no base path: set PYSTORE_PATH or HOME");
    s = ps__path_join(home, "pystore");
    if (!s) return PS_NOMEM();
  }
  size_t n = strlen(s);
  while (n > 1 && s[n - 1] == '/') s[--n] = 0;
  *out = s;
  return PS_OK;
}

int ps_base_path(const ps_store_options *opt, char **out) {
  char *s;
  PS_TRY(resolve_base(opt, &s));
  *out = ps__strdup(s);
  ps__free_mem(s);
  return *out ? PS_OK : PS_NOMEM();
}

int ps_list_stores(const ps_store_options *opt, char ***out) {
  char *base;
  PS_TRY(resolve_base(opt, &base));
  int rc;
  if (!ps__is_dir(base)) {
    *out = ps__calloc(1, sizeof **out);
    rc = *out ? PS_OK : PS_NOMEM();
  } else {
    rc = ps__list_dir(base, 1, out);
  }
  ps__free_mem(base);
  return rc;
}

int ps_delete_store(const ps_store_options *opt, const char *name) {
  PS_TRY(ps__name_check("store", name));
  char *base;
  PS_TRY(resolve_base(opt, &base));
  char *path = ps__path_join(base, name);
  ps__free_mem(base);
  if (!path) return PS_NOMEM();
  int rc;
  if (!ps__is_dir(path)) {
    rc = ps__error(PS_ERR_NOT_FOUND, "store '%s' does not exist (%s)", name, path);
  } else {
    /* disappear atomically, then remove */
    char *parent = ps__strdup(path);
    char *slash = parent ? strrchr(parent, '/') : NULL;
    if (slash) *slash = 0;
    char *del = parent ? ps__hidden_temp(parent, "del", name) : NULL;
    if (!del) {
      rc = PS_NOMEM();
    } else if (ps__io_rename(path, del) == 0) {
      rc = ps__rmtree(del);
    } else { /* never a half-deleted store: removing it in place could stop midway */
      int e = errno;
      rc = ps__error(ps_status_from_errno(e), "%s: cannot remove: %s", path, strerror(e));
    }
    ps__free_mem(del);
    ps__free_mem(parent);
  }
  ps__free_mem(path);
  return rc;
}

int ps_store_open(const char *name, const ps_store_options *opt, int create, ps_store **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_store_open: out is NULL");
  *out = NULL;
  PS_TRY(ps__name_check("store", name));
  ps_store *s = ps__calloc(1, sizeof *s);
  if (!s) return PS_NOMEM();
  if (opt) s->opt = *opt;
  s->opt.base_path = NULL; /* not owned; s->base holds the resolved copy */
  int rc;
  PS_CHECK(resolve_base(opt, &s->base));
  s->name = ps__strdup(name);
  s->path = ps__path_join(s->base, name);
  if (!s->name || !s->path) {
    rc = PS_NOMEM();
    goto fail;
  }
  if (!ps__is_dir(s->path)) {
    if (!create) {
      rc = ps__error(PS_ERR_NOT_FOUND, "store '%s' does not exist (%s)", name, s->path);
      goto fail;
    }
    PS_CHECK(ps__mkdir_p(s->base));
    PS_CHECK(ps__mkdir(s->path, !s->opt.no_fsync));
  }
  char *meta = ps__path_join(s->path, PS_METADATA_FILE);
  if (!meta) {
    rc = PS_NOMEM();
    goto fail;
  }
  if (create && !ps__is_file(meta)) {
    json_t *j = json_pack("{s:s}", "engine", "pyarrow");
    rc = j ? ps__metadata_write(s->path, j, !s->opt.no_fsync) : PS_NOMEM();
    json_decref(j);
  }
  ps__free_mem(meta);
  if (rc < 0) goto fail;
  *out = s;
  return PS_OK;
fail:
  ps_store_close(s);
  return rc;
}

void ps_store_close(ps_store *s) {
  if (!s) return;
  ps__free_mem(s->base);
  ps__free_mem(s->name);
  ps__free_mem(s->path);
  ps__free_mem(s);
}

const char *ps_store_path(const ps_store *s) { return s ? s->path : NULL; }
const char *ps_store_name(const ps_store *s) { return s ? s->name : NULL; }

int ps_store_metadata(ps_store *s, char **out_json) {
  *out_json = NULL;
  if (!s) return ps__error(PS_ERR_INVALID, "store is NULL");
  char *path = ps__path_join(s->path, PS_METADATA_FILE);
  if (!path) return PS_NOMEM();
  json_t *j;
  int rc = ps__json_load(path, &j);
  ps__free_mem(path);
  if (rc == PS_ERR_NOT_FOUND) {
    *out_json = ps__strdup("{}");
    return *out_json ? PS_OK : PS_NOMEM();
  }
  if (rc < 0) return rc;
  *out_json = json_dumps(j, JSON_SORT_KEYS);
  json_decref(j);
  return *out_json ? PS_OK : PS_NOMEM();
}

int ps_store_list_collections(ps_store *s, char ***out) {
  if (!s || !out) return ps__error(PS_ERR_INVALID, "ps_store_list_collections: NULL argument");
  return ps__list_dir(s->path, 1, out);
}

int ps_store_delete_collection(ps_store *s, const char *name) {
  if (!s) return ps__error(PS_ERR_INVALID, "store is NULL");
  PS_TRY(ps__name_check("collection", name));
  char *path = ps__path_join(s->path, name);
  char *del = ps__hidden_temp(s->path, "del", name);
  int rc;
  if (!path || !del) {
    rc = PS_NOMEM();
  } else if (!ps__is_dir(path)) {
    rc = ps__error(PS_ERR_NOT_FOUND, "collection '%s' does not exist in store '%s'", name, s->name);
  } else if (ps__io_rename(path, del) == 0) {
    rc = ps__rmtree(del);
  } else { /* never a half-deleted collection */
    int e = errno;
    rc = ps__error(ps_status_from_errno(e), "%s: cannot remove: %s", path, strerror(e));
  }
  ps__free_mem(path);
  ps__free_mem(del);
  return rc;
}
