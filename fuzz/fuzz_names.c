/* libFuzzer target: store / collection / item / snapshot names and the
 * paths built from them (src/store/path.c, store.c, collection.c,
 * snapshot.c).
 *
 * The input is split at NUL bytes into up to four names (store, collection,
 * item, snapshot): a C-string API can never see a NUL inside a name, so the
 * fuzzer explores the names themselves. Checked, with abort() on violation:
 *  - ps__name_check accepts exactly the names of the documented rule
 *    (pystore.h: not empty, ".", "..", "_snapshots", no '/', no control
 *    character, valid UTF-8, at most 255 bytes, not starting with "." or
 *    "__"), re-implemented here independently; every rejection is PS_ERR_NAME;
 *  - an accepted name joined to a parent is one path component under it
 *    (ps__path_join, ps__item_dir, ps__hidden_temp);
 *  - the snapshot name sanitiser only keeps its allowed bytes;
 *  - on disk, in a private temporary base directory: opening (creating) the
 *    store and collection, probing the item, creating and deleting a
 *    snapshot create nothing outside <base>/<store>, and deleting the store
 *    leaves the base empty. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "store/store_internal.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The documented rule, written from the header's words (not from path.c). */
static int utf8_ok(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > n) return 0;
    for (size_t k = 1; k < len; k++)
      if ((s[i + k] & 0xC0) != 0x80) return 0;
    if (len == 3) {
      if (c == 0xE0 && s[i + 1] < 0xA0) return 0; /* overlong */
      if (c == 0xED && s[i + 1] >= 0xA0) return 0; /* surrogates */
    }
    if (len == 4) {
      if (c == 0xF0 && s[i + 1] < 0x90) return 0; /* overlong */
      if (c == 0xF4 && s[i + 1] >= 0x90) return 0; /* above U+10FFFF */
    }
    i += len;
  }
  return 1;
}

static int model_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 255) return 0;
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "_snapshots") == 0) return 0;
  if (name[0] == '.' || strncmp(name, "__", 2) == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == '/' || c < 0x20 || c == 0x7F) return 0;
  }
  return utf8_ok((const unsigned char *)name, n);
}

/* The escape invariant alone: one non-empty component that is not a
 * parent/self reference and not hidden. */
static int one_component(const char *name) {
  return name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) <= 255;
}

static int check_name(const char *kind, const char *name) {
  int rc = ps__name_check(kind, name);
  FZ_CHECK(rc == PS_OK || rc == PS_ERR_NAME);
  if (rc == PS_OK) FZ_CHECK(one_component(name));
  FZ_CHECK((rc == PS_OK) == model_ok(name));
  return rc == PS_OK;
}

/* `path` is exactly parent + "/" + name. */
static void check_child(const char *path, const char *parent, const char *name) {
  size_t lp = strlen(parent);
  FZ_CHECK(path && strncmp(path, parent, lp) == 0 && path[lp] == '/' && strcmp(path + lp + 1, name) == 0);
}

/* Entries of `dir` other than "." and ".."; *only = the name of the single
 * entry (if there is exactly one). */
static int count_entries(const char *dir, char *only, size_t only_size) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (only) snprintf(only, only_size, "%s", e->d_name);
    n++;
  }
  closedir(d);
  return n;
}

static char root[96], base[128];

static void cleanup(void) {
  ps_store_options o = {.base_path = base, .no_fsync = 1};
  char **stores = NULL;
  if (ps_list_stores(&o, &stores) == PS_OK) {
    for (char **s = stores; *s; s++) ps_delete_store(&o, *s);
    ps_names_free(stores);
  }
  rmdir(base);
  rmdir(root);
}

/* Real directories: nothing may appear outside <base>/<store>. */
static void on_disk(const char *store, const char *coll, const char *item, const char *snap) {
  ps_store_options o = {.base_path = base, .no_fsync = 1, .lock_timeout_ms = -1};
  ps_store *st = NULL;
  int rc = ps_store_open(store, &o, 1, &st);
  if (rc != PS_OK) {
    FZ_CHECK(rc == PS_ERR_NAME);
    FZ_CHECK(count_entries(base, NULL, 0) == 0);
    return;
  }
  char only[512];
  check_child(ps_store_path(st), base, store);
  FZ_CHECK(count_entries(base, only, sizeof only) == 1 && strcmp(only, store) == 0);
  ps_collection *c = NULL;
  rc = ps_collection_open(st, coll, 1, &c);
  if (rc == PS_OK) {
    check_child(ps_collection_path(c), ps_store_path(st), coll);
    FZ_CHECK(ps_item_exists(c, item) == 0);
    ps_item_info info;
    rc = ps_item_info_get(c, item, snap[0] ? snap : NULL, &info);
    FZ_CHECK(rc == PS_ERR_NOT_FOUND || rc == PS_ERR_NAME);
    char *made = NULL;
    rc = ps_snapshot_create(c, snap, &made);
    if (rc == PS_OK) {
      FZ_CHECK(model_ok(made));
      char *sd = ps__path_join(ps_collection_path(c), PS_SNAPSHOTS_DIR);
      FZ_CHECK(sd && count_entries(sd, only, sizeof only) >= 1);
      char *sp = ps__path_join(sd, made);
      struct stat sb;
      FZ_CHECK(sp && stat(sp, &sb) == 0 && S_ISDIR(sb.st_mode));
      FZ_CHECK(ps_snapshot_delete(c, made) == PS_OK);
      FZ_CHECK(stat(sp, &sb) != 0);
      ps__free_mem(sp);
      ps__free_mem(sd);
      ps_free(made);
    } else {
      FZ_CHECK(rc == PS_ERR_NAME && made == NULL);
    }
    ps_collection_close(c);
  } else {
    FZ_CHECK(rc == PS_ERR_NAME);
  }
  /* still only the store under the base */
  FZ_CHECK(count_entries(base, only, sizeof only) == 1 && strcmp(only, store) == 0);
  ps_store_close(st);
  FZ_CHECK(ps_delete_store(&o, store) == PS_OK);
  FZ_CHECK(count_entries(base, NULL, 0) == 0);
  FZ_CHECK(count_entries(root, only, sizeof only) == 1 && strcmp(only, "base") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  if (!root[0]) {
    fz_temp_path(root, sizeof root, "names", "");
    snprintf(base, sizeof base, "%s/base", root);
    mkdir(root, 0700);
    mkdir(base, 0700);
    atexit(cleanup);
  }
  char *text = fz_strndup(data, size);
  /* up to four NUL-separated names; missing ones are "AAPL"-like defaults */
  const char *names[4] = {"store", "coll", "item", "snap"};
  size_t pos = 0;
  for (int k = 0; k < 4 && pos <= size; k++) {
    names[k] = text + pos;
    pos += strlen(text + pos) + 1;
  }
  static const char *const kinds[4] = {"store", "collection", "item", "snapshot"};
  int ok[4];
  for (int k = 0; k < 4; k++) ok[k] = check_name(kinds[k], names[k]);

  /* paths built from accepted names */
  const char *parent = "/srv/pystore/store";
  for (int k = 0; k < 4; k++) {
    if (!ok[k]) continue;
    char *p = ps__path_join(parent, names[k]);
    check_child(p, parent, names[k]);
    ps__free_mem(p);
    char *t = ps__hidden_temp(parent, "tmp", names[k]);
    FZ_CHECK(t && strncmp(t, parent, strlen(parent)) == 0 && t[strlen(parent)] == '/' &&
             t[strlen(parent) + 1] == '.' && !strchr(t + strlen(parent) + 1, '/'));
    ps__free_mem(t);
  }
  if (ok[2]) {
    ps_collection c = {NULL, (char *)"coll", (char *)parent};
    char *d = ps__item_dir(&c, names[2], NULL);
    check_child(d, parent, names[2]);
    ps__free_mem(d);
    if (ok[3]) {
      d = ps__item_dir(&c, names[2], names[3]);
      char expect[1200];
      snprintf(expect, sizeof expect, "%s/%s/%s/%s", parent, PS_SNAPSHOTS_DIR, names[3], names[2]);
      FZ_CHECK(d && strcmp(d, expect) == 0);
      ps__free_mem(d);
    }
  }

  /* the snapshot sanitiser keeps ASCII letters/digits, '.', '_' and bytes >= 0x80 */
  char *s = ps__snapshot_name_sanitize(names[3]);
  FZ_CHECK(s != NULL && strlen(s) <= strlen(names[3]));
  for (const unsigned char *q = (const unsigned char *)s; *q; q++)
    FZ_CHECK((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '.' ||
             *q == '_' || *q >= 0x80);
  check_name("snapshot", s);
  ps__free_mem(s);

  /* the base path resolver: "~/" expansion and trailing '/' never crash */
  ps_store_options bo = {.base_path = names[1]};
  char *bp = NULL;
  if (ps_base_path(&bo, &bp) == PS_OK) {
    size_t n = strlen(bp);
    FZ_CHECK(n > 0 && (n == 1 || bp[n - 1] != '/'));
    ps_free(bp);
  }

  on_disk(names[0], names[1], names[2], names[3]);
  free(text);
  return 0;
}
