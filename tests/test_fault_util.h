/* Helpers of the fault-injection tests (test_oom.c, test_io_faults.c,
 * test_permissions.c): a digest of a directory tree, frame comparison and
 * the sweep stride. */
#ifndef PS_TEST_FAULT_UTIL_H
#define PS_TEST_FAULT_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pystore.h"

/* ---- tree digest ---------------------------------------------------------
 * One line per entry under `root` ("d path", "f path size hash", "l path ->
 * target"), sorted, so two digests are equal exactly when the trees have the
 * same paths, types, sizes and contents. Lock files (".lock") are left out:
 * a writer legitimately creates its lock file and leaves it. */

/* 1 = leave out the collections' change counter (.pystore_generation) too:
 * for operations whose partial successes are undone by the test (a batch
 * where some items were written), which bumps it legitimately. */
static int tree_ignore_generation = 0;

typedef struct tree_lines {
  char **v;
  size_t n, cap;
} tree_lines;

static inline void tree__push(tree_lines *t, const char *s) {
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->v = realloc(t->v, t->cap * sizeof *t->v);
    if (!t->v) abort();
  }
  t->v[t->n] = strdup(s);
  if (!t->v[t->n]) abort();
  t->n++;
}

static inline uint64_t tree__hash_file(const char *path) {
  uint64_t h = 1469598103934665603ULL;
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  unsigned char buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, f)) > 0)
    for (size_t i = 0; i < k; i++) h = (h ^ buf[i]) * 1099511628211ULL;
  fclose(f);
  return h;
}

static inline void tree__walk(tree_lines *t, const char *root, const char *rel) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel) >= sizeof path) return;
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (strcmp(e->d_name, ".lock") == 0) continue;
    if (tree_ignore_generation && strcmp(e->d_name, ".pystore_generation") == 0) continue;
    char sub[2048], full[4096], line[8400];
    if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >= sizeof sub) continue;
    if ((size_t)snprintf(full, sizeof full, "%s/%s", root, sub) >= sizeof full) continue;
    struct stat st;
    if (lstat(full, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      snprintf(line, sizeof line, "d %s", sub);
      tree__push(t, line);
      tree__walk(t, root, sub);
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t k = readlink(full, target, sizeof target - 1);
      target[k > 0 ? k : 0] = 0;
      snprintf(line, sizeof line, "l %s -> %s", sub, target);
      tree__push(t, line);
    } else {
      snprintf(line, sizeof line, "f %s %lld %016llx", sub, (long long)st.st_size,
               (unsigned long long)tree__hash_file(full));
      tree__push(t, line);
    }
  }
  closedir(d);
}

static inline int tree__cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The digest of the tree under `root` as one string (caller frees). */
static inline char *tree_digest(const char *root) {
  tree_lines t = {0};
  tree__walk(&t, root, "");
  if (t.n) qsort(t.v, t.n, sizeof *t.v, tree__cmp);
  size_t len = 1;
  for (size_t i = 0; i < t.n; i++) len += strlen(t.v[i]) + 1;
  char *s = malloc(len), *p = s;
  if (!s) abort();
  *p = 0;
  for (size_t i = 0; i < t.n; i++) {
    size_t k = strlen(t.v[i]);
    memcpy(p, t.v[i], k);
    p[k] = '\n';
    p += k + 1;
    free(t.v[i]);
  }
  *p = 0;
  free(t.v);
  return s;
}

/* Print the lines only in a and only in b (for a failed comparison). */
static inline void tree_diff_print(const char *a, const char *b) {
  const char *sides[2] = {a, b}, *other[2] = {b, a}, *tag[2] = {"-", "+"};
  for (int k = 0; k < 2; k++) {
    const char *p = sides[k];
    while (*p) {
      const char *nl = strchr(p, '\n');
      size_t n = nl ? (size_t)(nl - p) : strlen(p);
      char line[8400];
      snprintf(line, sizeof line, "%.*s\n", (int)n, p);
      if (!strstr(other[k], line)) fprintf(stderr, "    %s %s", tag[k], line);
      p += n + (nl ? 1 : 0);
    }
  }
}

/* 1 if the tree under root still has the digest `before`; else prints the difference. */
static inline int tree_same(const char *root, const char *before, const char *what) {
  char *now = tree_digest(root);
  int same = strcmp(now, before) == 0;
  if (!same) {
    fprintf(stderr, "  %s: the tree under %s changed:\n", what, root);
    tree_diff_print(before, now);
  }
  free(now);
  return same;
}

/* ---- frames ---- */

/* 1 if a and b have the same columns (names, types, units, zones), index
 * and values (nulls included). */
static inline int frames_equal(const ps_frame *a, const ps_frame *b) {
  if (!a || !b) return a == b;
  if (ps_frame_num_columns(a) != ps_frame_num_columns(b) || ps_frame_num_rows(a) != ps_frame_num_rows(b)) return 0;
  if (ps_frame_index(a) != ps_frame_index(b)) return 0;
  int64_t n = ps_frame_num_rows(a);
  for (int i = 0; i < ps_frame_num_columns(a); i++) {
    const ps_column *x = ps_frame_column(a, i), *y = ps_frame_column(b, i);
    if (strcmp(ps_column_name(x), ps_column_name(y)) != 0 || ps_column_type(x) != ps_column_type(y)) return 0;
    if (ps_column_type(x) == PS_TYPE_TIMESTAMP) {
      const char *tx = ps_column_tz(x), *ty = ps_column_tz(y);
      if (ps_column_unit(x) != ps_column_unit(y) || (!tx) != (!ty) || (tx && strcmp(tx, ty) != 0)) return 0;
    }
    size_t w = ps_type_width(ps_column_type(x));
    for (int64_t r = 0; r < n; r++) {
      if (ps_column_is_null(x, r) != ps_column_is_null(y, r)) return 0;
      if (ps_column_is_null(x, r)) continue;
      if (w) {
        if (memcmp((const char *)ps_column_values(x) + r * (int64_t)w, (const char *)ps_column_values(y) + r * (int64_t)w, w) != 0)
          return 0;
      } else {
        size_t lx, ly;
        const char *sx = ps_column_string(x, r, &lx), *sy = ps_column_string(y, r, &ly);
        if (lx != ly || memcmp(sx, sy, lx) != 0) return 0;
      }
    }
  }
  return 1;
}

/* ---- sweeps ---- */

/* PS_FAULT_FULL=1: every failure point. Otherwise every point up to
 * `dense`, then a growing step (so long operations stay quick in CI). */
static inline int fault_full(void) {
  const char *e = getenv("PS_FAULT_FULL");
  return e && *e && strcmp(e, "0") != 0;
}

static inline long fault_next(long n, long dense) {
  if (fault_full() || n < dense) return n + 1;
  return n + 1 + (n - dense) / 8;
}

/* A fresh base directory, on /dev/shm when there is one: the sweeps fsync
 * thousands of times, which costs nothing on tmpfs. */
static inline void fault_mk_base(char *buf, size_t n, const char *tag) {
  struct stat st;
  const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(buf, n, "%s/pystore-%s-%ld-XXXXXX", dir, tag, (long)getpid());
  if (!mkdtemp(buf)) {
    perror("mkdtemp");
    exit(2);
  }
}

/* Running under valgrind (slower: smaller dense ranges). */
static inline int fault_under_valgrind(void) {
  const char *p = getenv("LD_PRELOAD");
  if (p && strstr(p, "valgrind")) return 1;
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return 0;
  char line[512];
  int found = 0;
  while (!found && fgets(line, sizeof line, f))
    if (strstr(line, "vgpreload")) found = 1;
  fclose(f);
  return found;
}

#endif
