/* Metadata cache: item lists, item info, item metadata and partition
 * statistics, per process, with a TTL. Never stale: writes by this process
 * drop the entries they touch, and every hit is revalidated against a change
 * stamp: the collection's generation file (one byte appended after every
 * commit by any process, so its size only grows; replaced by a fresh file
 * past 64 KiB) plus stat() of the manifest, the metadata file and the
 * directory. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/phase3_internal.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/log.h"

#define GEN_FILE ".pystore_generation"
#define MAX_ENTRIES 4096

typedef struct fstamp {
  int64_t ino, size, mtime_ns, ctime_ns;
  int exists;
} fstamp;

typedef struct stamp {
  fstamp f[4];
} stamp;

enum { K_LIST = 'L', K_INFO = 'I', K_META = 'M', K_PARTS = 'P' };

typedef struct entry {
  char kind;
  char *path;
  stamp st;
  double at;
  /* values */
  char **names;
  ps_item_info info;
  char *json;
  ps_part_info *parts;
  int64_t nparts;
  struct entry *next;
} entry;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static entry *g_head;
static int64_t g_count;
static double g_ttl = -1; /* < 0 = not read from the env yet */
static ps_cache_stats g_stats;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double ttl_locked(void) {
  if (g_ttl < 0) {
    g_ttl = 300;
    const char *e = getenv("PYSTORE_CACHE_TTL");
    if (e && *e) {
      char *end;
      double v = strtod(e, &end);
      if (end != e && !*end) g_ttl = v;
      else PS_WARN("ignoring PYSTORE_CACHE_TTL='%s' (seconds)", e);
    }
  }
  return g_ttl;
}

static void entry_free(entry *e) {
  if (!e) return;
  ps__free_mem(e->path);
  ps_names_free(e->names);
  ps__free_mem(e->json);
  ps_part_info_free(e->parts, e->nparts);
  ps__free_mem(e);
}

static void clear_locked(void) {
  while (g_head) {
    entry *e = g_head;
    g_head = e->next;
    entry_free(e);
  }
  g_count = 0;
}

void ps_cache_set_ttl(double seconds) {
  pthread_mutex_lock(&g_mu);
  g_ttl = seconds > 0 ? seconds : 0;
  if (g_ttl <= 0) clear_locked();
  pthread_mutex_unlock(&g_mu);
}

double ps_cache_ttl(void) {
  pthread_mutex_lock(&g_mu);
  double t = ttl_locked();
  pthread_mutex_unlock(&g_mu);
  return t;
}

void ps_cache_clear(void) {
  pthread_mutex_lock(&g_mu);
  clear_locked();
  pthread_mutex_unlock(&g_mu);
}

void ps_cache_stats_get(ps_cache_stats *out) {
  pthread_mutex_lock(&g_mu);
  *out = g_stats;
  out->entries = g_count;
  pthread_mutex_unlock(&g_mu);
}

/* ---- stamps ---- */

static void fstat_path(const char *path, fstamp *s) {
  struct stat st;
  memset(s, 0, sizeof *s);
  if (!path || stat(path, &st) != 0) return;
  s->exists = 1;
  s->ino = (int64_t)st.st_ino;
  s->size = (int64_t)st.st_size;
  s->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  s->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
}

static char *parent_of(const char *dir) {
  const char *sl = strrchr(dir, '/');
  if (!sl) return ps__strdup(".");
  return ps__strndup(dir, (size_t)(sl - dir > 0 ? sl - dir : 1));
}

/* kind LIST: path = collection dir; others: path = item dir */
static int make_stamp(char kind, const char *path, stamp *st) {
  memset(st, 0, sizeof *st);
  char *coll = kind == K_LIST ? ps__strdup(path) : parent_of(path);
  char *gen = coll ? ps__path_join(coll, GEN_FILE) : NULL;
  char *man = kind == K_LIST ? NULL : ps__path_join(path, PS_MANIFEST_FILE);
  char *meta = kind == K_LIST ? NULL : ps__path_join(path, PS_METADATA_FILE);
  int rc = PS_OK;
  if (!coll || !gen || (kind != K_LIST && (!man || !meta))) rc = PS_NOMEM();
  if (rc == PS_OK) {
    fstat_path(gen, &st->f[0]);
    fstat_path(path, &st->f[1]);
    fstat_path(man, &st->f[2]);
    fstat_path(meta, &st->f[3]);
  }
  ps__free_mem(coll);
  ps__free_mem(gen);
  ps__free_mem(man);
  ps__free_mem(meta);
  return rc;
}

void ps__cache_note_write(const char *item_dir) {
  /* a hidden temporary directory (an item being built) is seen by no one:
   * nothing to invalidate, and a create that fails must leave no trace */
  const char *slash = strrchr(item_dir, '/');
  if (slash && slash[1] == '.') return;
  char *coll = parent_of(item_dir);
  if (!coll) return;
  /* this process: drop the item's entries and the collection's list */
  pthread_mutex_lock(&g_mu);
  for (entry **pp = &g_head; *pp;) {
    entry *e = *pp;
    if (strcmp(e->path, item_dir) == 0 || strcmp(e->path, coll) == 0) {
      *pp = e->next;
      entry_free(e);
      g_count--;
      g_stats.invalidations++;
    } else {
      pp = &e->next;
    }
  }
  pthread_mutex_unlock(&g_mu);
  /* other processes: bump the collection generation (only for item directories) */
  char *man = ps__path_join(item_dir, PS_MANIFEST_FILE);
  char *gen = ps__path_join(coll, GEN_FILE);
  if (man && gen && (!ps__is_dir(item_dir) || ps__is_file(man))) {
    struct stat st;
    if (stat(gen, &st) == 0 && st.st_size >= 65536) {
      char *tmp = ps_temp_name(gen);
      if (tmp) {
        int fd = ps__io_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
          ssize_t w = ps__io_write(fd, "g", 1);
          close(fd);
          if (w != 1 || ps__io_rename(tmp, gen) != 0) ps__io_unlink(tmp);
        }
        ps__free_mem(tmp);
      }
    } else {
      /* never through a symbolic link planted in the collection: replace the link */
      int fd = ps__io_open(gen, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 && errno == ELOOP && ps__io_unlink(gen) == 0)
        fd = ps__io_open(gen, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd >= 0) {
        if (ps__io_write(fd, "g", 1) != 1) PS_DEBUG("%s: cannot bump the generation file", gen);
        close(fd);
      }
    }
  }
  ps__free_mem(man);
  ps__free_mem(gen);
  ps__free_mem(coll);
}

/* ---- lookup / insert ---- */

/* Returns the entry (mutex held) if valid; else NULL (mutex held). */
static entry *lookup_locked(char kind, const char *path, const stamp *st) {
  double ttl = ttl_locked();
  if (ttl <= 0) return NULL;
  for (entry **pp = &g_head; *pp; pp = &(*pp)->next) {
    entry *e = *pp;
    if (e->kind != kind || strcmp(e->path, path) != 0) continue;
    if (now_s() - e->at <= ttl && memcmp(&e->st, st, sizeof *st) == 0) {
      g_stats.hits++;
      return e;
    }
    *pp = e->next;
    entry_free(e);
    g_count--;
    g_stats.invalidations++;
    break;
  }
  g_stats.misses++;
  return NULL;
}

static void insert_locked(entry *e) {
  if (ttl_locked() <= 0) {
    entry_free(e);
    return;
  }
  e->next = g_head;
  g_head = e;
  if (++g_count > MAX_ENTRIES) { /* drop the oldest (the tail) */
    entry **pp = &g_head;
    while ((*pp)->next) pp = &(*pp)->next;
    entry_free(*pp);
    *pp = NULL;
    g_count--;
  }
}

static entry *new_entry(char kind, const char *path, const stamp *st) {
  entry *e = ps__calloc(1, sizeof *e);
  if (!e) return NULL;
  e->kind = kind;
  e->path = ps__strdup(path);
  if (!e->path) {
    ps__free_mem(e);
    return NULL;
  }
  e->st = *st;
  e->at = now_s();
  return e;
}

static int names_copy(char **src, char ***out) {
  size_t n = 0;
  while (src && src[n]) n++;
  char **d = ps__calloc(n + 1, sizeof *d);
  if (!d) return PS_NOMEM();
  for (size_t i = 0; i < n; i++) {
    d[i] = ps__strdup(src[i]);
    if (!d[i]) {
      ps_names_free(d);
      return PS_NOMEM();
    }
  }
  *out = d;
  return PS_OK;
}

int ps_cached_list_items(ps_collection *c, char ***out) {
  if (!c || !out) return ps__error(PS_ERR_INVALID, "ps_cached_list_items: NULL argument");
  stamp st;
  PS_TRY(make_stamp(K_LIST, c->path, &st));
  pthread_mutex_lock(&g_mu);
  entry *e = lookup_locked(K_LIST, c->path, &st);
  int rc = e ? names_copy(e->names, out) : 1;
  pthread_mutex_unlock(&g_mu);
  if (rc <= 0) return rc;
  char **names;
  PS_TRY(ps_collection_list_items(c, NULL, &names));
  entry *ne = new_entry(K_LIST, c->path, &st);
  if (ne && names_copy(names, &ne->names) == PS_OK) {
    pthread_mutex_lock(&g_mu);
    insert_locked(ne);
    pthread_mutex_unlock(&g_mu);
  } else {
    entry_free(ne);
  }
  *out = names;
  return PS_OK;
}

static int item_path(ps_collection *c, const char *item, char **dir) {
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("item", item));
  *dir = ps__path_join(c->path, item);
  return *dir ? PS_OK : PS_NOMEM();
}

int ps_cached_item_info(ps_collection *c, const char *item, ps_item_info *out) {
  char *dir;
  PS_TRY(item_path(c, item, &dir));
  stamp st;
  int rc = make_stamp(K_INFO, dir, &st);
  if (rc == PS_OK) {
    pthread_mutex_lock(&g_mu);
    entry *e = lookup_locked(K_INFO, dir, &st);
    if (e) *out = e->info;
    pthread_mutex_unlock(&g_mu);
    if (!e) {
      rc = ps_item_info_get(c, item, NULL, out);
      entry *ne = rc == PS_OK ? new_entry(K_INFO, dir, &st) : NULL;
      if (ne) {
        ne->info = *out;
        pthread_mutex_lock(&g_mu);
        insert_locked(ne);
        pthread_mutex_unlock(&g_mu);
      }
    }
  }
  ps__free_mem(dir);
  return rc;
}

int ps_cached_item_metadata(ps_collection *c, const char *item, char **out_json) {
  char *dir;
  PS_TRY(item_path(c, item, &dir));
  stamp st;
  int rc = make_stamp(K_META, dir, &st);
  if (rc == PS_OK) {
    pthread_mutex_lock(&g_mu);
    entry *e = lookup_locked(K_META, dir, &st);
    if (e) {
      *out_json = ps__strdup(e->json);
      if (!*out_json) rc = PS_NOMEM();
    }
    pthread_mutex_unlock(&g_mu);
    if (!e) {
      rc = ps_item_metadata(c, item, NULL, out_json);
      entry *ne = rc == PS_OK ? new_entry(K_META, dir, &st) : NULL;
      if (ne && (ne->json = ps__strdup(*out_json)) != NULL) {
        pthread_mutex_lock(&g_mu);
        insert_locked(ne);
        pthread_mutex_unlock(&g_mu);
      } else {
        entry_free(ne);
      }
    }
  }
  ps__free_mem(dir);
  return rc;
}

/* ---- partition statistics ---- */

void ps_part_info_free(ps_part_info *parts, int64_t n) {
  if (!parts) return;
  for (int64_t i = 0; i < n; i++) {
    ps__free_mem(parts[i].file);
    ps__free_mem(parts[i].min);
    ps__free_mem(parts[i].max);
  }
  ps__free_mem(parts);
}

static char *bound_text(const ps_column *b, int64_t row) {
  char buf[512];
  ps__value_string(b, row, buf, sizeof buf);
  size_t n = strlen(buf);
  if (b->type == PS_TYPE_STRING && n >= 2 && buf[0] == '\'' && buf[n - 1] == '\'') {
    buf[n - 1] = 0;
    return ps__strdup(buf + 1);
  }
  return ps__strdup(buf);
}

static int parts_copy(const ps_part_info *src, int64_t n, ps_part_info **out) {
  ps_part_info *d = ps__calloc((size_t)n + 1, sizeof *d);
  if (!d) return PS_NOMEM();
  for (int64_t i = 0; i < n; i++) {
    d[i].rows = src[i].rows;
    d[i].bytes = src[i].bytes;
    d[i].file = ps__strdup(src[i].file);
    d[i].min = src[i].min ? ps__strdup(src[i].min) : NULL;
    d[i].max = src[i].max ? ps__strdup(src[i].max) : NULL;
    if (!d[i].file || (src[i].min && !d[i].min) || (src[i].max && !d[i].max)) {
      ps_part_info_free(d, i + 1);
      return PS_NOMEM();
    }
  }
  *out = d;
  return PS_OK;
}

static int load_parts(const char *dir, ps_part_info **out, int64_t *n) {
  ps__manifest *m;
  PS_TRY(ps__manifest_load(dir, &m));
  ps_part_info *p = ps__calloc((size_t)m->nparts + 1, sizeof *p);
  int rc = p ? PS_OK : PS_NOMEM();
  for (int k = 0; rc == PS_OK && k < m->nparts; k++) {
    p[k].rows = m->parts[k].rows;
    p[k].file = ps__strdup(m->parts[k].file);
    if (!p[k].file) rc = PS_NOMEM();
    char *fp = ps__path_join(dir, m->parts[k].file);
    struct stat st;
    if (fp && stat(fp, &st) == 0) p[k].bytes = (int64_t)st.st_size;
    ps__free_mem(fp);
    if (!m->legacy && m->bounds && m->bounds->length >= 2 * (k + 1)) {
      p[k].min = bound_text(m->bounds, 2 * k);
      p[k].max = bound_text(m->bounds, 2 * k + 1);
      if (!p[k].min || !p[k].max) rc = PS_NOMEM();
    }
  }
  if (rc < 0) {
    ps_part_info_free(p, m->nparts);
  } else {
    *out = p;
    *n = m->nparts;
  }
  ps__manifest_free(m);
  return rc;
}

int ps_item_parts(ps_collection *c, const char *item, ps_part_info **out, int64_t *n) {
  if (!out || !n) return ps__error(PS_ERR_INVALID, "ps_item_parts: NULL argument");
  char *dir;
  PS_TRY(item_path(c, item, &dir));
  stamp st;
  int rc = make_stamp(K_PARTS, dir, &st);
  if (rc == PS_OK) {
    pthread_mutex_lock(&g_mu);
    entry *e = lookup_locked(K_PARTS, dir, &st);
    if (e) {
      rc = parts_copy(e->parts, e->nparts, out);
      *n = e->nparts;
    }
    pthread_mutex_unlock(&g_mu);
    if (!e) {
      rc = load_parts(dir, out, n);
      entry *ne = rc == PS_OK ? new_entry(K_PARTS, dir, &st) : NULL;
      if (ne && parts_copy(*out, *n, &ne->parts) == PS_OK) {
        ne->nparts = *n;
        pthread_mutex_lock(&g_mu);
        insert_locked(ne);
        pthread_mutex_unlock(&g_mu);
      } else {
        entry_free(ne);
      }
    }
  }
  if (rc < 0) ps__error_prefix(rc, "parts %s/%s/%s", c->store->name, c->name, item);
  ps__free_mem(dir);
  return rc;
}
