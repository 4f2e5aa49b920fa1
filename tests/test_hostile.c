/* Hostile input: every case is refused with a clear error (ps_errmsg names
 * the path, column, row or name that failed), nothing is written outside the
 * store, nothing committed is lost.
 *
 *  - names with path traversal, control characters, huge lengths (C API and CLI);
 *    base path ($PYSTORE_PATH) edge cases; paths longer than PATH_MAX;
 *  - symbolic links planted inside a store (item, part, lock, manifest,
 *    metadata, collection, _snapshots, snapshot) pointing outside it: writes,
 *    appends, deletes, snapshots, restores, compactions and rebalances never
 *    modify, create or delete anything outside (the outside tree is compared
 *    byte for byte after every operation); reads follow links read-only
 *    (docs/store.md, "Symlinks and hostile paths"); FIFOs where files belong;
 *  - hostile manifests (traversal in part names, negative row counts);
 *  - Parquet files built by hand with enormous declared sizes (footer length,
 *    row counts, page sizes, string lengths, dictionary sizes, list lengths)
 *    and corrupt dictionaries: PS_ERR_CORRUPT, no huge allocation (peak RSS);
 *  - every kind of wrong-type append: PS_ERR_SCHEMA naming the column, item
 *    unchanged (ps_item_append, ps_item_append_stream, the CLI);
 *  - malformed CSV (ragged, bad UTF-8, unterminated quote, NUL, CR/LF mixes,
 *    header problems, BOM, a 50 MB field) for both CSV readers and the CLI;
 *  - absurd filter values (beyond int64, 1e400, nan/inf, huge strings, deep
 *    nesting, non-dates against timestamps, unknown columns, type mismatch). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/codec.h"
#include "parquet/metadata.h"
#include "test.h"
#include "test_store_util.h"
#include "util/buf.h"

static char root[256];    /* everything of this test lives here */
static char base[320];    /* the store base path: <root>/base */
static char outside[320]; /* victims outside the store: <root>/outside */
static ps_store_options sopt;

static int contains(const char *s, const char *sub) { return s && sub && strstr(s, sub) != NULL; }

#define ASSERT_MSG(sub)                                                                                       \
  do {                                                                                                        \
    if (!contains(ps_errmsg(), (const char *)(sub))) {                                                                    \
      fprintf(stderr, "%s:%d: error message \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, ps_errmsg(), \
              (const char *)(sub));                                                                                       \
      test__failures++;                                                                                       \
      return;                                                                                                 \
    }                                                                                                         \
  } while (0)

/* ---- running under a sanitizer or valgrind ---- */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static int under_valgrind(void) {
  const char *p = getenv("LD_PRELOAD");
  if (p && strstr(p, "vgpreload")) return 1;
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return 0;
  char line[512];
  int hit = 0;
  while (!hit && fgets(line, sizeof line, f)) hit = strstr(line, "vgpreload") != NULL;
  fclose(f);
  return hit;
}

/* Peak RSS in bytes (VmHWM), after resetting it when the kernel lets us. */
static void peak_reset(void) {
  int fd = open("/proc/self/clear_refs", O_WRONLY);
  if (fd >= 0) {
    if (write(fd, "5", 1) != 1) { /* older kernels: the peak stays */
    }
    close(fd);
  }
}
static int64_t peak_rss(void) {
  ps_memory_info mi;
  if (ps_memory_info_get(&mi) == PS_OK && mi.peak_rss_bytes > 0) return mi.peak_rss_bytes;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (int64_t)ru.ru_maxrss * 1024;
}

/* ---- files ---- */
static void write_bytes(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(2);
  }
  if (n && fwrite(data, 1, n, f) != n) exit(2);
  fclose(f);
}
static void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

static char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)sz + 1);
  size_t k = fread(b, 1, (size_t)sz, f);
  fclose(f);
  b[k] = 0;
  if (n) *n = k;
  return b;
}

static int copy_file(const char *from, const char *to) {
  size_t n;
  char *d = read_all(from, &n);
  if (!d) return -1;
  write_bytes(to, d, n);
  free(d);
  return 0;
}

static int exists_l(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}
static int is_dir(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
static int is_link(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static char *pathf(const char *fmt, ...) {
  static char bufs[8][1024];
  static int k;
  char *b = bufs[k++ % 8];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof bufs[0], fmt, ap);
  va_end(ap);
  return b;
}

/* ---- a fingerprint of a directory tree: types, sizes, contents, link targets ---- */
typedef struct sbuf {
  char *s;
  size_t n, cap;
} sbuf;
static void sb_add(sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[2048];
  int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  if (b->n + (size_t)k + 1 > b->cap) {
    b->cap = (b->n + (size_t)k + 1) * 2;
    b->s = realloc(b->s, b->cap);
  }
  memcpy(b->s + b->n, tmp, (size_t)k + 1);
  b->n += (size_t)k;
}
static uint64_t fnv_file(const char *path) {
  uint64_t h = 1469598103934665603ull;
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  unsigned char buf[65536];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, f)) > 0)
    for (size_t i = 0; i < k; i++) h = (h ^ buf[i]) * 1099511628211ull;
  fclose(f);
  return h;
}
static void tree_scan(const char *dir, const char *rel, sbuf *out) {
  struct dirent **ents;
  int n = scandir(dir, &ents, NULL, alphasort);
  if (n < 0) {
    sb_add(out, "? %s\n", rel);
    return;
  }
  for (int i = 0; i < n; i++) {
    const char *nm = ents[i]->d_name;
    if (strcmp(nm, ".") && strcmp(nm, "..")) {
      char p[2048], r[2048];
      snprintf(p, sizeof p, "%s/%s", dir, nm);
      snprintf(r, sizeof r, "%s/%s", rel, nm);
      struct stat st;
      if (lstat(p, &st) != 0) {
        sb_add(out, "? %s\n", r);
      } else if (S_ISLNK(st.st_mode)) {
        char t[1024];
        ssize_t k = readlink(p, t, sizeof t - 1);
        t[k < 0 ? 0 : k] = 0;
        sb_add(out, "L %s -> %s\n", r, t);
      } else if (S_ISDIR(st.st_mode)) {
        sb_add(out, "D %s %o\n", r, (unsigned)(st.st_mode & 07777));
        tree_scan(p, r, out);
      } else if (S_ISREG(st.st_mode)) {
        sb_add(out, "F %s %lld %016llx\n", r, (long long)st.st_size, (unsigned long long)fnv_file(p));
      } else {
        sb_add(out, "S %s %o\n", r, (unsigned)st.st_mode);
      }
    }
    free(ents[i]);
  }
  free(ents);
}
static char *fingerprint(const char *dir) {
  sbuf b = {0};
  sb_add(&b, "");
  tree_scan(dir, "", &b);
  return b.s;
}
/* <root> holds only base/, outside/ and what the test put there itself. */
static char *root_listing(void) {
  sbuf b = {0};
  sb_add(&b, "");
  struct dirent **ents;
  int n = scandir(root, &ents, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    sb_add(&b, "%s\n", ents[i]->d_name);
    free(ents[i]);
  }
  if (n >= 0) free(ents);
  return b.s;
}

/* Fails the test when the outside tree or the set of entries of <root> changed. */
#define ASSERT_OUTSIDE_SAME(fp0, rl0)                                                              \
  do {                                                                                             \
    char *fp1__ = fingerprint(outside), *rl1__ = root_listing();                                   \
    int same__ = strcmp(fp0, fp1__) == 0 && strcmp(rl0, rl1__) == 0;                               \
    if (!same__)                                                                                   \
      fprintf(stderr, "outside changed:\n--- before\n%s%s--- after\n%s%s", fp0, rl0, fp1__, rl1__); \
    free(fp1__);                                                                                   \
    free(rl1__);                                                                                   \
    ASSERT(same__);                                                                                \
  } while (0)

/* ---- CLI ---- */
static int have_cli(void) { return access("./pystore", X_OK) == 0; }
static char cli_out[400], cli_err[400];
static int cli(const char *fmt, ...) {
  char args[8192], cmd[10000];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "./pystore --path '%s' --no-fsync %s > '%s' 2> '%s'", base, args, cli_out, cli_err);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
static char *cli_stderr(void) {
  static char buf[16384];
  FILE *f = fopen(cli_err, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return buf;
}

/* ---- store helpers ---- */
static int open_sc(const char *store, const char *coll, ps_store **st, ps_collection **c) {
  *st = NULL;
  *c = NULL;
  int rc = ps_store_open(store, &sopt, 1, st);
  if (rc == PS_OK) rc = ps_collection_open(*st, coll, 1, c);
  return rc;
}
static void close_sc(ps_store *st, ps_collection *c) {
  ps_collection_close(c);
  ps_store_close(st);
}

/* rows of an item as one string (index + close), for before/after comparisons */
static char *item_dump(ps_collection *c, const char *item) {
  ps_frame *f = NULL;
  if (ps_item_read(c, item, NULL, &f) != PS_OK) return strdup("(unreadable)");
  sbuf b = {0};
  sb_add(&b, "");
  const ps_column *ic = ps_frame_column(f, ps_frame_index(f));
  for (int64_t i = 0; i < ps_frame_num_rows(f); i++) {
    sb_add(&b, "%lld", (long long)((const int64_t *)ps_column_values(ic))[i]);
    for (int j = 0; j < ps_frame_num_columns(f); j++) {
      const ps_column *col = ps_frame_column(f, j);
      if (ps_column_type(col) == PS_TYPE_FLOAT64) sb_add(&b, " %.17g", ((const double *)ps_column_values(col))[i]);
    }
    sb_add(&b, "\n");
  }
  ps_frame_free(f);
  return b.s;
}

static int write_range(ps_collection *c, const char *item, int64_t from, int n, int64_t part_rows) {
  ps_frame *f = mk_range(from, n);
  ps_item_write_options wo = {0};
  wo.overwrite = 1;
  wo.part_rows = part_rows;
  int rc = ps_item_write(c, item, f, &wo);
  ps_frame_free(f);
  return rc;
}
static int append_range(ps_collection *c, const char *item, int64_t from, int n) {
  ps_frame *f = mk_range(from, n);
  ps_append_options ao = {0};
  ao.part_rows = 10;
  int rc = ps_item_append(c, item, f, &ao);
  ps_frame_free(f);
  return rc;
}

/* ======================================================================
 * Names
 * ==================================================================== */

static void test_names(void) {
  char *fp0 = fingerprint(outside), *rl0 = root_listing();
  char n256[300], n5000[5001];
  memset(n256, 'a', 256);
  n256[256] = 0;
  memset(n5000, 'b', 5000);
  n5000[5000] = 0;
  const char *bad[] = {"",     ".",      "..",       "../x",       "a/b",     "/abs",      "a\\..\\b", /* backslash is fine: see below */
                       "x\x01y", "x\ny",  "tab\there", "\x7f",      "\xff\xfe", "\xc0\xaf",  ".hidden", "__x",
                       "_snapshots", n256, n5000,      "../../outside", "a/../../b"};
  size_t nbad = sizeof bad / sizeof *bad;
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("names", "c", &st, &c));
  ps_frame *f = mk_range(0, 3);
  for (size_t i = 0; i < nbad; i++) {
    const char *nm = bad[i];
    if (strcmp(nm, "a\\..\\b") == 0) continue; /* one path component: allowed (not a separator on POSIX) */
    ps_store *s2 = NULL;
    ps_collection *c2 = NULL;
    ASSERT_RC(ps_store_open(nm, &sopt, 1, &s2), PS_ERR_NAME);
    ASSERT_MSG("store name");
    ASSERT_RC(ps_delete_store(&sopt, nm), PS_ERR_NAME);
    ASSERT_RC(ps_collection_open(st, nm, 1, &c2), PS_ERR_NAME);
    ASSERT_MSG("collection name");
    ASSERT_RC(ps_store_delete_collection(st, nm), PS_ERR_NAME);
    ASSERT_RC(ps_item_write(c, nm, f, NULL), PS_ERR_NAME);
    ASSERT_MSG("item name");
    ASSERT_RC(ps_item_append(c, nm, f, NULL), PS_ERR_NAME);
    ps_frame *g = NULL;
    ASSERT_RC(ps_item_read(c, nm, NULL, &g), PS_ERR_NAME);
    ASSERT_RC(ps_item_delete(c, nm), PS_ERR_NAME);
    ASSERT_RC(ps_item_compact(c, nm, 0, NULL), PS_ERR_NAME);
    ASSERT_RC(ps_item_set_metadata(c, nm, "{}"), PS_ERR_NAME);
    ASSERT(!ps_item_exists(c, nm));
    ps_item_read_options ro = {0};
    ro.snapshot = nm;
    ASSERT_RC(ps_item_read(c, "x", &ro, &g), PS_ERR_NAME);
    ASSERT_MSG("snapshot name");
    ASSERT_RC(ps_snapshot_delete(c, nm), PS_ERR_NAME);
    ASSERT_RC(ps_snapshot_restore(c, nm, "x"), PS_ERR_NAME);
    ASSERT_RC(ps_snapshot_restore(c, "s", nm), PS_ERR_NAME);
    /* creation sanitises (PyStore): whatever survives must still be one safe component */
    char *used = NULL;
    int rc = ps_snapshot_create(c, nm, &used);
    if (rc == PS_OK) {
      ASSERT(used && !strchr(used, '/') && used[0] != '.' && strlen(used) <= 255);
      ASSERT_OK(ps_snapshot_delete(c, used));
    } else {
      ASSERT_EQ_INT(rc, PS_ERR_NAME);
      ASSERT_MSG("snapshot name");
    }
    ps_free(used);
  }
  /* a backslash is an ordinary byte on POSIX: one component, stays inside */
  ASSERT_OK(ps_item_write(c, "a\\..\\b", f, NULL));
  ASSERT(exists_l(pathf("%s/names/c/a\\..\\b", base)));
  ASSERT_OK(ps_item_delete(c, "a\\..\\b"));
  /* NUL: C strings end there, "a\0b" is "a"; there is no length-taking name API */
  /* the error names the offending name (clipped when long) */
  ASSERT_RC(ps_item_write(c, "../x", f, NULL), PS_ERR_NAME);
  ASSERT_MSG("'../x'");
  ASSERT_RC(ps_item_write(c, n5000, f, NULL), PS_ERR_NAME);
  ASSERT_MSG("longer than 255 bytes");
  ASSERT(strlen(ps_errmsg()) < 1000);
  /* exactly 255 bytes is fine */
  n256[255] = 0;
  ASSERT_OK(ps_item_write(c, n256, f, NULL));
  ASSERT_OK(ps_item_delete(c, n256));
  ps_frame_free(f);
  close_sc(st, c);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);
}

static void test_names_cli(void) {
  if (!have_cli()) {
    fprintf(stderr, "(no ./pystore: CLI name checks skipped)\n");
    return;
  }
  char *fp0 = fingerprint(outside), *rl0 = root_listing();
  char csv[400];
  snprintf(csv, sizeof csv, "%s/names.csv", root);
  write_text(csv, "Date,close\n2024-01-01,1.5\n2024-01-02,2.5\n");
  const char *specs[] = {"../outside/x", "s/../x", "s/c/..", "/abs/c/i", "s//i", "s/c/", "s/c/.x", "s/c/a/b", "./c/i"};
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    int rc = cli("write '%s' '%s' --index Date", specs[i], csv);
    if (rc != 1 && rc != 2) fprintf(stderr, "write '%s': exit %d\n", specs[i], rc);
    ASSERT(rc == 1 || rc == 2);
    ASSERT(strlen(cli_stderr()) > 0);
    rc = cli("delete '%s'", specs[i]);
    ASSERT(rc == 1 || rc == 2);
    rc = cli("snapshot create '%s' x", specs[i]);
    ASSERT(rc != 0);
  }
  ASSERT(cli("write '../c/i' '%s' --index Date", csv) == 1);
  ASSERT(contains(cli_stderr(), "store name '..'"));
  ASSERT(cli("snapshot restore s/c '../../x' i") == 1);
  ASSERT(contains(cli_stderr(), "snapshot name"));
  ASSERT(cli("read s/c/i --snapshot ..") == 1);
  ASSERT(contains(cli_stderr(), "snapshot name '..'"));
  unlink(csv);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);
}

/* $PYSTORE_PATH / base_path edge cases */
static void test_base_path(void) {
  char *fp0 = fingerprint(outside), *rl0 = root_listing();
  char *saved_env = getenv("PYSTORE_PATH") ? strdup(getenv("PYSTORE_PATH")) : NULL;
  char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
  char home[400];
  snprintf(home, sizeof home, "%s/home", root); /* made by main() */
  setenv("HOME", home, 1);
  char *bp = NULL;
  /* unset and empty: $HOME/pystore */
  unsetenv("PYSTORE_PATH");
  ASSERT_OK(ps_base_path(NULL, &bp));
  ASSERT_EQ_STR(bp, pathf("%s/pystore", home));
  ps_free(bp);
  setenv("PYSTORE_PATH", "", 1);
  ASSERT_OK(ps_base_path(NULL, &bp));
  ASSERT_EQ_STR(bp, pathf("%s/pystore", home));
  ps_free(bp);
  /* ~ and ~/x expand; trailing slashes go; "/" stays "/" */
  setenv("PYSTORE_PATH", "~", 1);
  ASSERT_OK(ps_base_path(NULL, &bp));
  ASSERT_EQ_STR(bp, home);
  ps_free(bp);
  setenv("PYSTORE_PATH", "~/ps///", 1);
  ASSERT_OK(ps_base_path(NULL, &bp));
  ASSERT_EQ_STR(bp, pathf("%s/ps", home));
  ps_free(bp);
  setenv("PYSTORE_PATH", "///", 1);
  ASSERT_OK(ps_base_path(NULL, &bp));
  ASSERT_EQ_STR(bp, "/");
  ps_free(bp);
  /* ~user is not expanded (a literal relative path, as the shell would not see it either) */
  setenv("PYSTORE_PATH", "~nobody/x", 1);
  ASSERT_OK(ps_base_path(NULL, &bp));
  ASSERT_EQ_STR(bp, "~nobody/x");
  ps_free(bp);
  /* no HOME and no PYSTORE_PATH: a clear error, nothing created */
  unsetenv("PYSTORE_PATH");
  unsetenv("HOME");
  ps_store *st = NULL;
  ASSERT_RC(ps_store_open("s", NULL, 1, &st), PS_ERR_INVALID);
  ASSERT_MSG("PYSTORE_PATH");
  setenv("PYSTORE_PATH", "~/x", 1);
  ASSERT_RC(ps_store_open("s", NULL, 1, &st), PS_ERR_INVALID);
  ASSERT_MSG("HOME");
  setenv("HOME", home, 1);
  /* the base is a regular file: refused, naming it */
  char file[512];
  snprintf(file, sizeof file, "%s/afile", home);
  write_text(file, "not a directory\n");
  setenv("PYSTORE_PATH", file, 1);
  int rc = ps_store_open("s", NULL, 1, &st);
  ASSERT(rc < 0);
  ASSERT_MSG("afile");
  char **names = NULL;
  ASSERT_OK(ps_list_stores(NULL, &names)); /* not a directory: no stores */
  ASSERT(names && !names[0]);
  ps_names_free(names);
  /* through a file: ENOTDIR */
  setenv("PYSTORE_PATH", pathf("%s/afile/sub", home), 1);
  ASSERT(ps_store_open("s", NULL, 1, &st) < 0);
  ASSERT_MSG("afile");
  /* longer than PATH_MAX: a clear error naming the path, nothing created */
  char *lng = malloc(PATH_MAX + 600);
  int k = snprintf(lng, PATH_MAX + 600, "%s/long", home);
  while (k < PATH_MAX + 100) k += snprintf(lng + k, (size_t)(PATH_MAX + 600 - k), "/%s", "dddddddddddddddddddddddddddddddddddddddd");
  setenv("PYSTORE_PATH", lng, 1);
  rc = ps_store_open("s", NULL, 1, &st);
  ASSERT(rc < 0);
  ASSERT(contains(ps_errmsg(), "/long/"));
  free(lng);
  /* a relative base is relative to the working directory (here: a directory of ours) */
  char cwd[PATH_MAX];
  ASSERT(getcwd(cwd, sizeof cwd));
  ASSERT_EQ_INT(chdir(home), 0);
  setenv("PYSTORE_PATH", "rel/base", 1);
  rc = ps_store_open("s", NULL, 1, &st);
  if (chdir(cwd) != 0) abort();
  ASSERT_OK(rc);
  ASSERT(is_dir(pathf("%s/rel/base/s", home)));
  ps_store_close(st);
  /* restore */
  if (saved_env) setenv("PYSTORE_PATH", saved_env, 1);
  else unsetenv("PYSTORE_PATH");
  if (saved_home) setenv("HOME", saved_home, 1);
  else unsetenv("HOME");
  free(saved_env);
  free(saved_home);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);
}

/* Paths longer than PATH_MAX inside a store: clear errors naming the path. */
static void test_long_paths(void) {
  char *fp0 = fingerprint(outside), *rl0 = root_listing();
  /* a base of ~3900 bytes (components of 200), then store/coll/item names of 250 */
  char *deep = malloc(PATH_MAX + 1024);
  int k = snprintf(deep, PATH_MAX, "%s/deep", base);
  char comp[201];
  memset(comp, 'p', 200);
  comp[200] = 0;
  while (k < 3900) k += snprintf(deep + k, (size_t)(PATH_MAX + 1024 - k), "/%s", comp);
  ps_store_options o = sopt;
  o.base_path = deep;
  char nm[251];
  memset(nm, 'n', 250);
  nm[250] = 0;
  ps_store *st = NULL;
  ps_collection *c = NULL;
  int rc = ps_store_open(nm, &o, 1, &st);
  if (rc == PS_OK) {
    rc = ps_collection_open(st, nm, 1, &c);
    if (rc == PS_OK) {
      ps_frame *f = mk_range(0, 3);
      rc = ps_item_write(c, nm, f, NULL);
      ps_frame_free(f);
    }
  }
  ASSERT(rc < 0);
  /* the message names the path (cut at the message size limit when the path alone is longer) */
  ASSERT(contains(ps_errmsg(), "nnnnnnnnnn") || contains(ps_errmsg(), "pppppppppp"));
  ps_collection_close(c);
  ps_store_close(st);
  free(deep);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);
}

/* ======================================================================
 * Symbolic links planted inside a store
 * ==================================================================== */

typedef struct one_batch {
  ps_frame *f;
} one_batch;
static int next_one(void *user, ps_frame **out) {
  one_batch *b = user;
  *out = b->f;
  b->f = NULL;
  return PS_OK;
}
static int stream_range(ps_collection *c, const char *item, int64_t from, int n) {
  one_batch b = {mk_range(from, n)};
  ps_stream_options so = {0};
  int rc = ps_item_append_stream(c, item, next_one, &b, &so);
  ps_frame_free(b.f);
  return rc;
}

static int64_t item_rows(ps_collection *c, const char *item, const char *snapshot) {
  ps_item_read_options ro = {0};
  ro.snapshot = snapshot;
  ps_frame *f = NULL;
  if (ps_item_read(c, item, &ro, &f) != PS_OK) return -1;
  int64_t n = ps_frame_num_rows(f);
  ps_frame_free(f);
  return n;
}

static int has_name(char **names, const char *nm) {
  for (char **p = names; p && *p; p++)
    if (strcmp(*p, nm) == 0) return 1;
  return 0;
}

/* an item directory that is a symlink to an item outside the store */
static void test_symlink_item_dir(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("sym", "c", &st, &c));
  ASSERT_OK(write_range(c, "linked", 100, 5, 0));
  ASSERT_OK(ps_snapshot_create(c, "before", NULL));
  ASSERT_OK(ps_item_delete(c, "linked"));
  const char *link = pathf("%s/sym/c/linked", base);
  ASSERT_EQ_INT(symlink(pathf("%s/os/oc/victim", outside), link), 0);
  /* a dangling one pointing where nothing exists yet */
  const char *dangle = pathf("%s/sym/c/dangle", base);
  ASSERT_EQ_INT(symlink(pathf("%s/newdir", outside), dangle), 0);
  char *fp0 = fingerprint(outside), *rl0 = root_listing();

  /* reads follow the link, read-only */
  ASSERT_EQ_INT(item_rows(c, "linked", NULL), 30);
  char **names = NULL;
  ASSERT_OK(ps_collection_list_items(c, NULL, &names));
  ASSERT(has_name(names, "linked"));
  ps_names_free(names);
  char *meta = NULL;
  ASSERT_OK(ps_item_metadata(c, "linked", NULL, &meta));
  ps_free(meta);

  /* every write is refused, naming the link */
  ps_frame *f = mk_range(200, 3);
  ps_item_write_options wo = {0};
  wo.overwrite = 1;
  ASSERT_RC(ps_item_append(c, "linked", f, NULL), PS_ERR_INVALID);
  ASSERT_MSG("symbolic link");
  ASSERT_MSG("linked");
  ASSERT_RC(ps_item_write(c, "linked", f, &wo), PS_ERR_INVALID);
  ASSERT_MSG("symbolic link");
  ASSERT(ps_item_write(c, "linked", f, NULL) < 0);
  ASSERT_RC(ps_item_compact(c, "linked", 1000, NULL), PS_ERR_INVALID);
  ps_partition_options po = {PS_PARTITION_SIZE, 0};
  ASSERT_RC(ps_item_rebalance(c, "linked", &po, NULL), PS_ERR_INVALID);
  ASSERT_RC(ps_item_set_metadata(c, "linked", "{\"x\": 1}"), PS_ERR_INVALID);
  ASSERT_RC(stream_range(c, "linked", 300, 4), PS_ERR_INVALID);
  ASSERT_RC(ps_item_append_budget(c, "linked", f, NULL, 1 << 30), PS_ERR_INVALID);
  ASSERT_RC(ps_snapshot_create(c, "after", NULL), PS_ERR_INVALID);
  ASSERT_MSG("linked");
  ASSERT_RC(ps_snapshot_restore(c, "before", "linked"), PS_ERR_INVALID);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* the dangling link: creating through it must not create its target */
  ASSERT(ps_item_write(c, "dangle", f, NULL) < 0);
  ps_append_options ao = {0};
  ao.create = 1;
  ASSERT(ps_item_append(c, "dangle", f, &ao) < 0);
  ASSERT(stream_range(c, "dangle", 0, 3) < 0);
  ASSERT(!exists_l(pathf("%s/newdir", outside)));
  ASSERT_OUTSIDE_SAME(fp0, rl0);

  /* delete removes the link itself, never its target */
  ASSERT_OK(ps_item_delete(c, "linked"));
  ASSERT(!exists_l(link));
  ASSERT_OK(ps_item_delete(c, "dangle"));
  ASSERT(!exists_l(dangle));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* and the name is usable again */
  ASSERT_OK(ps_snapshot_restore(c, "before", "linked"));
  ASSERT_EQ_INT(item_rows(c, "linked", NULL), 5);
  ASSERT(is_dir(link));
  ASSERT_OK(ps_snapshot_delete_all(c));
  ASSERT_OK(ps_item_delete(c, "linked"));
  ps_frame_free(f);
  close_sc(st, c);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);
}

static int count_links(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (is_link(pathf("%s/%s", dir, e->d_name))) n++;
  closedir(d);
  return n;
}

static void replace_with_link(const char *path, const char *target_copy) {
  if (copy_file(path, target_copy) != 0 || unlink(path) != 0 || symlink(target_copy, path) != 0) {
    perror(path);
    exit(2);
  }
}

/* part files, the manifest, the metadata, lock and generation files as symlinks */
static void test_symlink_files(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("sym", "f", &st, &c));
  ASSERT_OK(write_range(c, "p", 0, 30, 10));
  const char *dir = pathf("%s/sym/f/p", base);
  char d[400];
  snprintf(d, sizeof d, "%s", dir);
  replace_with_link(pathf("%s/part.1.parquet", d), pathf("%s/part1.parquet", outside));
  replace_with_link(pathf("%s/_pystore_manifest.json", d), pathf("%s/manifest.json", outside));
  replace_with_link(pathf("%s/pystore_metadata.json", d), pathf("%s/meta.json", outside));
  /* unlisted entries pointing outside: leftovers of nobody */
  ASSERT_EQ_INT(symlink(pathf("%s/victim.txt", outside), pathf("%s/part.99.parquet", d)), 0);
  ASSERT_EQ_INT(symlink(pathf("%s/victim.txt", outside), pathf("%s/part.7.parquet.tmp-1-1", d)), 0);
  char *fp0 = fingerprint(outside), *rl0 = root_listing();
  char *before = item_dump(c, "p");

  /* reads follow */
  ASSERT_EQ_INT(item_rows(c, "p", NULL), 30);
  /* snapshot links the links (never their targets) */
  ASSERT_OK(ps_snapshot_create(c, "s1", NULL));
  ASSERT_EQ_INT(item_rows(c, "p", "s1"), 30);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* append after the range, then over the linked part (rewritten, link dropped) */
  ASSERT_OK(append_range(c, "p", 30, 5));
  ASSERT_OK(append_range(c, "p", 14, 3));
  ASSERT_EQ_INT(item_rows(c, "p", NULL), 35);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  ASSERT_EQ_INT(count_links(d), 0); /* manifest/metadata replaced by rename, leftovers unlinked */
  ASSERT_OK(ps_item_set_metadata(c, "p", "{\"a\": 1}"));
  ASSERT_OK(ps_item_compact(c, "p", 1000, NULL));
  ps_partition_options po = {PS_PARTITION_SIZE, 0};
  ASSERT_OK(ps_item_rebalance(c, "p", &po, NULL));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* restore the snapshot (whose part 1 is a link): the live item gets the link, reads follow */
  ASSERT_OK(ps_snapshot_restore(c, "s1", "p"));
  char *after = item_dump(c, "p");
  ASSERT_EQ_STR(after, before);
  free(after);
  ASSERT_OK(append_range(c, "p", 10, 2)); /* rewrites the part that is a link again */
  ASSERT_OUTSIDE_SAME(fp0, rl0);

  /* the item's lock file is a link to an outside file: refused, file untouched */
  unlink(pathf("%s/.lock", d));
  ASSERT_EQ_INT(symlink(pathf("%s/victim.txt", outside), pathf("%s/.lock", d)), 0);
  ASSERT(append_range(c, "p", 50, 2) < 0);
  ASSERT_MSG(".lock");
  ASSERT_MSG("symbolic link");
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* dangling: the target must not be created */
  unlink(pathf("%s/.lock", d));
  ASSERT_EQ_INT(symlink(pathf("%s/newlock", outside), pathf("%s/.lock", d)), 0);
  ASSERT(append_range(c, "p", 50, 2) < 0);
  ASSERT(ps_item_set_metadata(c, "p", "{}") < 0);
  ASSERT(!exists_l(pathf("%s/newlock", outside)));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* delete does not need the item's lock file through the link, and removes the link only */
  ASSERT_OK(ps_item_delete(c, "p"));
  ASSERT(!exists_l(d));
  ASSERT_OUTSIDE_SAME(fp0, rl0);

  /* the collection's lock and generation files as links */
  const char *cl = pathf("%s/sym/f/.lock", base);
  char clp[400];
  snprintf(clp, sizeof clp, "%s", cl);
  unlink(clp);
  ASSERT_EQ_INT(symlink(pathf("%s/victim.txt", outside), clp), 0);
  ASSERT(write_range(c, "q", 0, 3, 0) < 0);
  ASSERT_MSG("symbolic link");
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  unlink(clp);
  const char *gen = pathf("%s/sym/f/.pystore_generation", base);
  char genp[400];
  snprintf(genp, sizeof genp, "%s", gen);
  unlink(genp);
  ASSERT_EQ_INT(symlink(pathf("%s/victim.txt", outside), genp), 0);
  ASSERT_OK(write_range(c, "q", 0, 3, 0));
  ASSERT_OK(append_range(c, "q", 3, 3));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  ASSERT(!is_link(genp));
  /* the snapshot still reads, and deleting it removes only links */
  ASSERT_EQ_INT(item_rows(c, "p", "s1"), 30);
  ASSERT_OK(ps_snapshot_delete(c, "s1"));
  ASSERT_OK(ps_item_delete(c, "q"));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(before);
  close_sc(st, c);
  free(fp0);
  free(rl0);
}

/* a collection directory that is a symlink to a collection outside */
static void test_symlink_collection(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("sym", "real", &st, &c));
  ps_collection_close(c);
  c = NULL;
  const char *link = pathf("%s/sym/lc", base);
  char lk[400];
  snprintf(lk, sizeof lk, "%s", link);
  ASSERT_EQ_INT(symlink(pathf("%s/os/oc2", outside), lk), 0);
  char *fp0 = fingerprint(outside), *rl0 = root_listing();
  ASSERT(!exists_l(pathf("%s/os/oc2/_snapshots", outside)));

  /* opening (even with create) and reading work and write nothing */
  ASSERT_OK(ps_collection_open(st, "lc", 1, &c));
  ASSERT(!exists_l(pathf("%s/os/oc2/_snapshots", outside)));
  ASSERT_EQ_INT(item_rows(c, "v2", NULL), 30);
  char **names = NULL;
  ASSERT_OK(ps_collection_list_items(c, NULL, &names));
  ASSERT(has_name(names, "v2"));
  ps_names_free(names);
  ASSERT_OK(ps_snapshot_list(c, &names));
  ASSERT(names && !names[0]);
  ps_names_free(names);

  ps_frame *f = mk_range(50, 3);
  ps_item_write_options wo = {0};
  wo.overwrite = 1;
  ASSERT_RC(ps_item_write(c, "n", f, NULL), PS_ERR_INVALID);
  ASSERT_MSG("symbolic link");
  ASSERT_MSG("lc");
  ASSERT_RC(ps_item_write(c, "v2", f, &wo), PS_ERR_INVALID);
  ASSERT_RC(ps_item_append(c, "v2", f, NULL), PS_ERR_INVALID);
  ASSERT_RC(ps_item_delete(c, "v2"), PS_ERR_INVALID);
  ASSERT_RC(ps_item_compact(c, "v2", 1000, NULL), PS_ERR_INVALID);
  ASSERT_RC(ps_item_set_metadata(c, "v2", "{}"), PS_ERR_INVALID);
  ASSERT_RC(stream_range(c, "v2", 100, 3), PS_ERR_INVALID);
  ps_partition_options po = {PS_PARTITION_SIZE, 0};
  ASSERT_RC(ps_item_rebalance(c, "v2", &po, NULL), PS_ERR_INVALID);
  ASSERT_RC(ps_snapshot_create(c, "x", NULL), PS_ERR_INVALID);
  ps_batch_write_item bi = {"n2", f, NULL, 0, NULL};
  ps_batch_options bo = {0};
  ASSERT(ps_write_batch(c, &bi, 1, &bo) < 0);
  ASSERT(bi.status == PS_ERR_INVALID);
  ps_batch_write_clear(&bi, 1);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  ps_collection_close(c);
  c = NULL;
  ps_frame_free(f);

  /* deleting the collection removes the link only */
  ASSERT_OK(ps_store_delete_collection(st, "lc"));
  ASSERT(!exists_l(lk));
  ASSERT_OUTSIDE_SAME(fp0, rl0);

  /* a store directory that is a symlink is where the store lives (allowed);
   * deleting the store removes the link, not the data */
  ASSERT_EQ_INT(symlink(pathf("%s/os", outside), pathf("%s/lstore", base)), 0);
  ps_store *s2 = NULL;
  ASSERT_OK(ps_store_open("lstore", &sopt, 0, &s2));
  ps_store_close(s2);
  ASSERT_OK(ps_delete_store(&sopt, "lstore"));
  ASSERT(!exists_l(pathf("%s/lstore", base)));
  close_sc(st, NULL);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);
}

static void copy_item_dir(const char *from, const char *to) {
  mkdir(to, 0777);
  DIR *d = opendir(from);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/%s", from, e->d_name);
    snprintf(b, sizeof b, "%s/%s", to, e->d_name);
    copy_file(a, b);
  }
  if (d) closedir(d);
}

/* a snapshot directory and a _snapshots directory that are symlinks */
static void test_symlink_snapshots(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("sym", "c3", &st, &c));
  ASSERT_OK(write_range(c, "a", 0, 20, 10));
  mkdir(pathf("%s/snapdir", outside), 0777);
  copy_item_dir(pathf("%s/os/oc/victim", outside), pathf("%s/snapdir/a", outside));
  ASSERT_EQ_INT(symlink(pathf("%s/snapdir", outside), pathf("%s/sym/c3/_snapshots/ls", base)), 0);
  char *fp0 = fingerprint(outside), *rl0 = root_listing();

  char **names = NULL;
  ASSERT_OK(ps_snapshot_list(c, &names));
  ASSERT(has_name(names, "ls"));
  ps_names_free(names);
  ASSERT_EQ_INT(item_rows(c, "a", "ls"), 30);
  ASSERT_OK(ps_snapshot_restore(c, "ls", "a")); /* reads the snapshot, writes the live item */
  ASSERT_EQ_INT(item_rows(c, "a", NULL), 30);
  ASSERT_OK(ps_item_delete(c, "a"));
  ASSERT_OK(ps_snapshot_restore(c, "ls", "a")); /* recreated from it */
  ASSERT_EQ_INT(item_rows(c, "a", NULL), 30);
  ASSERT_RC(ps_snapshot_create(c, "ls", NULL), PS_ERR_EXISTS);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  ASSERT_OK(ps_snapshot_delete(c, "ls"));
  ASSERT(!exists_l(pathf("%s/sym/c3/_snapshots/ls", base)));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);

  /* _snapshots itself is a link */
  mkdir(pathf("%s/snaps4", outside), 0777);
  mkdir(pathf("%s/snaps4/x", outside), 0777);
  copy_item_dir(pathf("%s/os/oc/victim", outside), pathf("%s/snaps4/x/a", outside));
  char sd[400];
  snprintf(sd, sizeof sd, "%s/sym/c3/_snapshots", base);
  unlink(pathf("%s/.lock", sd));
  ASSERT_EQ_INT(rmdir(sd), 0);
  ASSERT_EQ_INT(symlink(pathf("%s/snaps4", outside), sd), 0);
  fp0 = fingerprint(outside);
  rl0 = root_listing();
  ASSERT_OK(ps_snapshot_list(c, &names));
  ASSERT(has_name(names, "x"));
  ps_names_free(names);
  ASSERT_EQ_INT(item_rows(c, "a", "x"), 30);
  ASSERT_RC(ps_snapshot_create(c, "new", NULL), PS_ERR_INVALID);
  ASSERT_MSG("symbolic link");
  ASSERT_RC(ps_snapshot_delete(c, "x"), PS_ERR_INVALID);
  ASSERT_RC(ps_snapshot_delete_all(c), PS_ERR_INVALID);
  ASSERT_OK(ps_snapshot_restore(c, "x", "a"));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* reopening the collection does not "repair" _snapshots through the link */
  ps_collection_close(c);
  ASSERT_OK(ps_collection_open(st, "c3", 1, &c));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  /* deleting the collection removes the link, not the target */
  ps_collection_close(c);
  c = NULL;
  ASSERT_OK(ps_store_delete_collection(st, "c3"));
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  close_sc(st, c);
  free(fp0);
  free(rl0);
}

/* FIFOs and directories where files belong: errors, never a hang */
static void test_special_files(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("special", "c", &st, &c));
  ASSERT_OK(write_range(c, "a", 0, 20, 10));
  const char *part = pathf("%s/special/c/a/part.0.parquet", base);
  char pp[400];
  snprintf(pp, sizeof pp, "%s", part);
  unlink(pp);
  ASSERT_EQ_INT(mkfifo(pp, 0666), 0);
  alarm(20);
  ps_frame *f = NULL;
  ASSERT(ps_item_read(c, "a", NULL, &f) < 0);
  ASSERT_MSG("part.0.parquet");
  ASSERT(append_range(c, "a", 5, 2) < 0); /* overlaps the FIFO part: must read it */
  ASSERT_MSG("part.0.parquet");
  unlink(pp);
  ASSERT_EQ_INT(mkdir(pp, 0777), 0);
  ASSERT(ps_item_read(c, "a", NULL, &f) < 0);
  ASSERT_MSG("part.0.parquet");
  rmdir(pp);
  /* the manifest as a FIFO */
  const char *man = pathf("%s/special/c/a/_pystore_manifest.json", base);
  char mp[400];
  snprintf(mp, sizeof mp, "%s", man);
  unlink(mp);
  ASSERT_EQ_INT(mkfifo(mp, 0666), 0);
  ASSERT(ps_item_read(c, "a", NULL, &f) < 0);
  ASSERT_MSG("_pystore_manifest.json");
  ps_item_info info;
  ASSERT(ps_item_info_get(c, "a", NULL, &info) < 0);
  char **names = NULL;
  ASSERT_OK(ps_collection_list_items(c, NULL, &names)); /* not listed as a committed item, no hang */
  ps_names_free(names);
  alarm(0);
  unlink(mp);
  close_sc(st, c);
}

/* manifests written by someone else: part names that leave the directory, bad counts */
static void test_hostile_manifest(void) {
  char *fp0 = fingerprint(outside), *rl0 = root_listing();
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("hm", "c", &st, &c));
  ASSERT_OK(write_range(c, "a", 0, 10, 0));
  const char *man = pathf("%s/hm/c/a/_pystore_manifest.json", base);
  char mp[400];
  snprintf(mp, sizeof mp, "%s", man);
  size_t n;
  char *good = read_all(mp, &n);
  ASSERT(good && strstr(good, "\"part.0.parquet\""));
  const char *bad_files[] = {"../../../../outside/victim.txt", "/etc/passwd", "..", ".", "", ".lock",
                             "sub/part.0.parquet", "part.0.parquet/"};
  char vt[400];
  snprintf(vt, sizeof vt, "%s/victim.txt", outside);
  for (size_t i = 0; i < sizeof bad_files / sizeof *bad_files; i++) {
    sbuf b = {0};
    const char *at = strstr(good, "\"part.0.parquet\"");
    sb_add(&b, "%.*s\"%s\"%s", (int)(at - good), good, bad_files[i], at + strlen("\"part.0.parquet\""));
    write_text(mp, b.s);
    free(b.s);
    ps_frame *f = NULL;
    ASSERT_RC(ps_item_read(c, "a", NULL, &f), PS_ERR_CORRUPT);
    ASSERT_MSG("_pystore_manifest.json");
    ASSERT_MSG("part entry");
    ASSERT_RC(append_range(c, "a", 20, 2), PS_ERR_CORRUPT);
    ASSERT_RC(ps_item_compact(c, "a", 1000, NULL), PS_ERR_CORRUPT);
  }
  /* negative and absurd row counts */
  const char *rows_at = strstr(good, "\"rows\": 10");
  ASSERT(rows_at);
  rows_at = strstr(rows_at + 1, "\"rows\": 10"); /* the part's */
  ASSERT(rows_at);
  const char *bad_rows[] = {"-5", "-9223372036854775808", "9223372036854775807"};
  for (size_t i = 0; i < 3; i++) {
    sbuf b = {0};
    sb_add(&b, "%.*s\"rows\": %s%s", (int)(rows_at - good), good, bad_rows[i], rows_at + strlen("\"rows\": 10"));
    write_text(mp, b.s);
    free(b.s);
    ps_frame *f = NULL;
    int rc = ps_item_read(c, "a", NULL, &f);
    if (rc == PS_OK) {
      ASSERT_EQ_INT(ps_frame_num_rows(f), 10); /* the file's rows are what counts */
      ps_frame_free(f);
    } else {
      ASSERT_EQ_INT(rc, PS_ERR_CORRUPT);
    }
    rc = ps_item_tail(c, "a", 3, NULL, &f);
    if (rc == PS_OK) ps_frame_free(f);
    else ASSERT_EQ_INT(rc, PS_ERR_CORRUPT);
  }
  write_text(mp, good);
  ASSERT_EQ_INT(item_rows(c, "a", NULL), 10);
  ASSERT_OK(ps_item_delete(c, "a"));
  free(good);
  close_sc(st, c);
  ASSERT_OUTSIDE_SAME(fp0, rl0);
  free(fp0);
  free(rl0);
}

/* ======================================================================
 * Parquet files built by hand: enormous declared sizes, corrupt dictionaries
 * ==================================================================== */

typedef struct hpage {
  int type;                 /* PQ_PAGE_DATA / PQ_PAGE_DICTIONARY */
  int encoding;             /* of the values */
  int32_t num_values;       /* declared */
  const uint8_t *payload;   /* uncompressed bytes (compressed with `codec` when set) */
  size_t n;
  int32_t uncompressed_override, compressed_override; /* 0 = the real sizes */
} hpage;

typedef struct hfile {
  int phys;                 /* PQ_INT64 or PQ_BYTE_ARRAY, REQUIRED */
  int codec;                /* Parquet codec id; 0 = uncompressed */
  hpage pages[4];
  int npages;
  int dict_page;            /* index of the page dictionary_page_offset names; -1 = none */
  int data_page;            /* index of the page data_page_offset names */
  int64_t rg_rows, file_rows, num_values;
  int32_t root_children;    /* 0 = 1 */
  int has_footer_len;
  uint32_t footer_len_override;
} hfile;

static const char *hpath(const char *name) { return pathf("%s/pq-%s.parquet", root, name); }

static int build_parquet(const char *path, const hfile *h) {
  ps_buf b = {0};
  ps_buf_append(&b, "PAR1", 4);
  int64_t offs[4] = {0};
  for (int i = 0; i < h->npages; i++) {
    const hpage *p = &h->pages[i];
    offs[i] = (int64_t)b.len;
    uint8_t *comp = NULL;
    size_t clen = p->n;
    if (h->codec) {
      size_t cap = ps_compress_bound(h->codec, p->n);
      comp = malloc(cap + 1);
      if (ps_compress(h->codec, 0, p->payload, p->n, comp, cap, &clen) != PS_OK) return -1;
    }
    pq_page_header ph;
    memset(&ph, 0, sizeof ph);
    ph.type = p->type;
    ph.uncompressed_page_size = p->uncompressed_override ? p->uncompressed_override : (int32_t)p->n;
    ph.compressed_page_size = p->compressed_override ? p->compressed_override : (int32_t)clen;
    if (p->type == PQ_PAGE_DICTIONARY) {
      ph.has_dict_page_header = 1;
      ph.dict_page_header.num_values = p->num_values;
      ph.dict_page_header.encoding = p->encoding;
    } else {
      ph.has_data_page_header = 1;
      ph.data_page_header.num_values = p->num_values;
      ph.data_page_header.encoding = p->encoding;
      ph.data_page_header.def_encoding = PQ_ENC_RLE;
      ph.data_page_header.rep_encoding = PQ_ENC_RLE;
    }
    pq_write_page_header(&b, &ph);
    ps_buf_append(&b, comp ? comp : p->payload, clen);
    free(comp);
  }
  int64_t chunk_end = (int64_t)b.len;
  pq_schema_element se[2];
  memset(se, 0, sizeof se);
  se[0].name.ptr = (const uint8_t *)"schema";
  se[0].name.len = 6;
  se[0].num_children = h->root_children ? h->root_children : 1;
  se[0].converted_type = PQ_CT_NONE;
  se[1].has_type = 1;
  se[1].type = h->phys;
  se[1].has_repetition = 1;
  se[1].repetition = PQ_REQUIRED;
  se[1].name.ptr = (const uint8_t *)"v";
  se[1].name.len = 1;
  se[1].converted_type = h->phys == PQ_BYTE_ARRAY ? PQ_CT_UTF8 : PQ_CT_NONE;
  pq_bytes path1 = {(const uint8_t *)"v", 1};
  int encs[3] = {PQ_ENC_PLAIN, PQ_ENC_RLE, PQ_ENC_RLE_DICTIONARY};
  pq_column_chunk cc;
  memset(&cc, 0, sizeof cc);
  cc.file_offset = 4;
  cc.has_meta_data = 1;
  pq_column_meta *cm = &cc.meta_data;
  cm->type = h->phys;
  cm->encodings = encs;
  cm->num_encodings = 3;
  cm->path = &path1;
  cm->path_len = 1;
  cm->codec = h->codec;
  cm->num_values = h->num_values;
  cm->total_uncompressed_size = cm->total_compressed_size = chunk_end - 4;
  cm->data_page_offset = offs[h->data_page];
  if (h->dict_page >= 0) {
    cm->has_dictionary_page_offset = 1;
    cm->dictionary_page_offset = offs[h->dict_page];
  }
  pq_row_group rg;
  memset(&rg, 0, sizeof rg);
  rg.columns = &cc;
  rg.num_columns = 1;
  rg.total_byte_size = chunk_end - 4;
  rg.num_rows = h->rg_rows;
  pq_file_meta m;
  memset(&m, 0, sizeof m);
  m.version = 1;
  m.schema = se;
  m.num_schema = 2;
  m.num_rows = h->file_rows;
  m.row_groups = &rg;
  m.num_row_groups = 1;
  size_t fstart = b.len;
  if (pq_write_file_meta(&b, &m) != PS_OK) return -1;
  uint32_t flen = h->has_footer_len ? h->footer_len_override : (uint32_t)(b.len - fstart);
  uint8_t le[4] = {(uint8_t)flen, (uint8_t)(flen >> 8), (uint8_t)(flen >> 16), (uint8_t)(flen >> 24)};
  ps_buf_append(&b, le, 4);
  ps_buf_append(&b, "PAR1", 4);
  write_bytes(path, b.data, b.len);
  ps_buf_free(&b);
  return 0;
}

/* 8 rows, dictionary [10,20,30,40], indices 0,1,2,3,0,1,2,3 bit-packed with width 2 */
static const uint8_t dict4[32] = {10, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0,
                                  30, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t idx_bp[4] = {2, 0x03, 0xE4, 0xE4}; /* width 2; 1 group of 8 (bit-packed); values */

static hfile dict_file(void) {
  hfile h;
  memset(&h, 0, sizeof h);
  h.phys = PQ_INT64;
  h.pages[0] = (hpage){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 4, dict4, sizeof dict4, 0, 0};
  h.pages[1] = (hpage){PQ_PAGE_DATA, PQ_ENC_RLE_DICTIONARY, 8, idx_bp, sizeof idx_bp, 0, 0};
  h.npages = 2;
  h.dict_page = 0;
  h.data_page = 1;
  h.rg_rows = h.file_rows = h.num_values = 8;
  return h;
}

/* Read `h` from a file: must fail with PS_ERR_CORRUPT naming the file (and say `what`). */
#define ASSERT_CORRUPT(name, h, what)                                                     \
  do {                                                                                    \
    ASSERT_EQ_INT(build_parquet(hpath(name), &(h)), 0);                                   \
    ps_frame *g__ = NULL;                                                                 \
    int rc__ = ps_parquet_read_file(hpath(name), NULL, &g__);                             \
    if (rc__ == PS_OK) {                                                                  \
      fprintf(stderr, "%s: read succeeded (%lld rows)\n", name, (long long)ps_frame_num_rows(g__)); \
      ps_frame_free(g__);                                                                 \
    }                                                                                     \
    ASSERT_RC(rc__, PS_ERR_CORRUPT);                                                      \
    ASSERT_MSG(pathf("pq-%s.parquet", name));                                             \
    if (what) ASSERT_MSG(what);                                                           \
    unlink(hpath(name));                                                                  \
  } while (0)

static void test_parquet_dictionaries(void) {
  /* the builder makes valid files */
  hfile h = dict_file();
  ASSERT_EQ_INT(build_parquet(hpath("dict-ok"), &h), 0);
  ps_frame *g = NULL;
  ASSERT_OK(ps_parquet_read_file(hpath("dict-ok"), NULL, &g));
  ASSERT_EQ_INT(ps_frame_num_rows(g), 8);
  const int64_t *v = ps_column_values(ps_frame_column(g, 0));
  ASSERT(v[0] == 10 && v[1] == 20 && v[2] == 30 && v[3] == 40 && v[7] == 40);
  ps_frame_free(g);
  unlink(hpath("dict-ok"));

  /* indices out of range: RLE run of index 5, bit-packed index 3 of a 3-entry dictionary */
  static const uint8_t idx_rle5[3] = {3, 0x10, 0x05};
  h = dict_file();
  h.pages[1].payload = idx_rle5;
  h.pages[1].n = sizeof idx_rle5;
  ASSERT_CORRUPT("dict-index-rle", h, "'v'");
  h = dict_file();
  h.pages[0].num_values = 3;
  h.pages[0].n = 24;
  ASSERT_CORRUPT("dict-index-bitpacked", h, "'v'");
  /* a dictionary page after the data page */
  h = dict_file();
  h.pages[0] = (hpage){PQ_PAGE_DATA, PQ_ENC_RLE_DICTIONARY, 8, idx_bp, sizeof idx_bp, 0, 0};
  h.pages[1] = (hpage){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 4, dict4, sizeof dict4, 0, 0};
  h.dict_page = -1;
  h.data_page = 0;
  ASSERT_CORRUPT("dict-after-data", h, "'v'");
  h.dict_page = 1; /* even when the footer points at it */
  ASSERT_CORRUPT("dict-after-data2", h, "'v'");
  /* two dictionaries */
  h = dict_file();
  h.pages[2] = h.pages[1];
  h.pages[1] = h.pages[0];
  h.npages = 3;
  h.data_page = 2;
  {
    ASSERT_EQ_INT(build_parquet(hpath("dict-twice"), &h), 0);
    int rc = ps_parquet_read_file(hpath("dict-twice"), NULL, &g);
    if (rc == PS_OK) ps_frame_free(g); /* a repeated identical dictionary may be tolerated */
    else ASSERT_EQ_INT(rc, PS_ERR_CORRUPT);
    unlink(hpath("dict-twice"));
  }
  /* wrong num_values: more than the page holds, negative, enormous */
  int32_t nv[] = {5, 1000, -1, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < sizeof nv / sizeof *nv; i++) {
    h = dict_file();
    h.pages[0].num_values = nv[i];
    ASSERT_CORRUPT("dict-num-values", h, NULL);
  }
  /* wrong bit width: wider than 32 bits, far too wide for the page */
  static const uint8_t bw33[4] = {33, 0x03, 0xE4, 0xE4};
  static const uint8_t bw255[4] = {255, 0x03, 0xE4, 0xE4};
  static const uint8_t bw9[4] = {9, 0x03, 0xE4, 0xE4}; /* 8 values of 9 bits need 9 bytes */
  const uint8_t *bws[] = {bw33, bw255, bw9};
  for (int i = 0; i < 3; i++) {
    h = dict_file();
    h.pages[1].payload = bws[i];
    ASSERT_CORRUPT("dict-bit-width", h, "'v'");
  }
  /* a dictionary-encoded page without a dictionary */
  h = dict_file();
  h.pages[0] = h.pages[1];
  h.npages = 1;
  h.dict_page = -1;
  h.data_page = 0;
  ASSERT_CORRUPT("dict-missing", h, "dictionary");
  /* a string dictionary whose first string claims 4 GB */
  static const uint8_t sdict[9] = {0xF0, 0xFF, 0xFF, 0xFF, 'a', 'b', 'c', 'd', 'e'};
  h = dict_file();
  h.phys = PQ_BYTE_ARRAY;
  h.pages[0] = (hpage){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 4, sdict, sizeof sdict, 0, 0};
  ASSERT_CORRUPT("dict-string-len", h, "'v'");
  /* PLAIN strings with an enormous length prefix */
  static const uint8_t splain[12] = {1, 0, 0, 0, 'x', 0xFF, 0xFF, 0xFF, 0x7F, 'y', 'z', 'w'};
  h = dict_file();
  h.phys = PQ_BYTE_ARRAY;
  h.pages[0] = (hpage){PQ_PAGE_DATA, PQ_ENC_PLAIN, 2, splain, sizeof splain, 0, 0};
  h.npages = 1;
  h.dict_page = -1;
  h.data_page = 0;
  h.rg_rows = h.file_rows = h.num_values = 2;
  ASSERT_CORRUPT("plain-string-len", h, "'v'");
}

static void test_parquet_huge_sizes(void) {
  peak_reset();
  int64_t peak0 = peak_rss();
  hfile h;
  /* footer length beyond the file, zero, and pointing into the magic */
  uint32_t fl[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0, 1, 40};
  for (size_t i = 0; i < sizeof fl / sizeof *fl; i++) {
    h = dict_file();
    h.has_footer_len = 1;
    h.footer_len_override = fl[i];
    ASSERT_CORRUPT("footer-len", h, NULL);
  }
  /* row counts: enormous in the row group (the chunk is 60 bytes) */
  int64_t rows[] = {INT64_MAX, (int64_t)1 << 40, (int64_t)1 << 31, 4000000, 9, -1};
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    h = dict_file();
    h.rg_rows = rows[i];
    h.file_rows = rows[i];
    ASSERT_CORRUPT("rg-rows", h, NULL);
    h = dict_file();
    h.num_values = rows[i]; /* the chunk's count is not used to size anything: refused or ignored */
    ASSERT_EQ_INT(build_parquet(hpath("chunk-num-values"), &h), 0);
    ps_frame *g = NULL;
    int rc = ps_parquet_read_file(hpath("chunk-num-values"), NULL, &g);
    if (rc == PS_OK) {
      ASSERT_EQ_INT(ps_frame_num_rows(g), 8);
      ps_frame_free(g);
    } else {
      ASSERT_EQ_INT(rc, PS_ERR_CORRUPT);
    }
  }
  /* a big (legitimate-looking) chunk lets the row-count plausibility check pass:
   * 64 KB of dictionary, a group claiming 2^31 rows: no 16 GB allocation */
  {
    size_t nd = 8192;
    uint8_t *big = calloc(nd, 8);
    for (size_t i = 0; i < nd; i++) big[i * 8] = (uint8_t)i, big[i * 8 + 1] = (uint8_t)(i >> 8);
    h = dict_file();
    h.pages[0] = (hpage){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, (int32_t)nd, big, nd * 8, 0, 0};
    static const uint8_t idx13[4] = {13, 0x10, 0x01, 0x00}; /* RLE: 8 x index 1 */
    h.pages[1].payload = idx13;
    h.pages[1].n = sizeof idx13;
    ASSERT_EQ_INT(build_parquet(hpath("big-ok"), &h), 0);
    ps_frame *g = NULL;
    ASSERT_OK(ps_parquet_read_file(hpath("big-ok"), NULL, &g));
    ASSERT_EQ_INT(ps_frame_num_rows(g), 8);
    ps_frame_free(g);
    unlink(hpath("big-ok"));
    int64_t r2[] = {(int64_t)1 << 31, (int64_t)1 << 32, 500000000};
    for (int i = 0; i < 3; i++) {
      h.rg_rows = h.file_rows = h.num_values = r2[i];
      ASSERT_CORRUPT("big-rows", h, NULL);
      h.pages[1].num_values = (int32_t)(r2[i] > INT32_MAX ? INT32_MAX : r2[i]);
      ASSERT_CORRUPT("big-rows-pages", h, NULL);
      h.pages[1].num_values = 8;
    }
    free(big);
  }
  /* page sizes: beyond the chunk, negative, and an uncompressed size of 2 GB */
  int32_t ps_[] = {INT32_MAX, -1, INT32_MIN, 1 << 30};
  for (size_t i = 0; i < sizeof ps_ / sizeof *ps_; i++) {
    h = dict_file();
    h.pages[1].compressed_override = ps_[i];
    ASSERT_CORRUPT("page-compressed-size", h, NULL);
    h = dict_file();
    h.pages[1].uncompressed_override = ps_[i];
    ASSERT_CORRUPT("page-uncompressed-size", h, NULL);
    h = dict_file();
    h.pages[0].uncompressed_override = ps_[i];
    ASSERT_CORRUPT("dict-uncompressed-size", h, NULL);
    int codecs[] = {1, 2, 6}; /* snappy, gzip, zstd: the real data is small */
    for (int k = 0; k < 3; k++) {
      h = dict_file();
      h.codec = codecs[k];
      h.pages[0].uncompressed_override = ps_[i];
      ASSERT_CORRUPT("codec-uncompressed-size", h, NULL);
      h = dict_file();
      h.codec = codecs[k];
      h.pages[1].uncompressed_override = ps_[i];
      ASSERT_CORRUPT("codec-uncompressed-size2", h, NULL);
    }
  }
  /* the data page claims more values than it holds, or than the group has */
  int32_t dv[] = {9, INT32_MAX, -1};
  for (int i = 0; i < 3; i++) {
    h = dict_file();
    h.pages[1].num_values = dv[i];
    ASSERT_CORRUPT("page-num-values", h, NULL);
  }
  /* schema: a root with a million children, and lists whose declared length is absurd */
  h = dict_file();
  h.root_children = 1000000;
  ASSERT_CORRUPT("root-children", h, NULL);
  {
    /* FileMetaData { 1: version = 1, 2: schema = list<struct> of 2^31-1 elements } */
    static const uint8_t foot[] = {0x15, 0x02, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x00};
    /* ... and row_groups = list of 2^32-1 elements after an empty schema */
    static const uint8_t foot2[] = {0x15, 0x02, 0x19, 0x0C, 0x16, 0x10, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00};
    /* a binary field (created_by) claiming 2 GB */
    static const uint8_t foot3[] = {0x15, 0x02, 0x19, 0x0C, 0x16, 0x10, 0x19, 0x0C, 0x28, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00};
    const uint8_t *foots[] = {foot, foot2, foot3};
    size_t fn[] = {sizeof foot, sizeof foot2, sizeof foot3};
    for (int i = 0; i < 3; i++) {
      ps_buf b = {0};
      ps_buf_append(&b, "PAR1", 4);
      ps_buf_append(&b, foots[i], fn[i]);
      uint8_t le[4] = {(uint8_t)fn[i], 0, 0, 0};
      ps_buf_append(&b, le, 4);
      ps_buf_append(&b, "PAR1", 4);
      write_bytes(hpath("list-len"), b.data, b.len);
      ps_buf_free(&b);
      ps_frame *g = NULL;
      ASSERT_RC(ps_parquet_read_file(hpath("list-len"), NULL, &g), PS_ERR_CORRUPT);
      ASSERT_MSG("pq-list-len.parquet");
      ps_parquet_file *pf = NULL;
      ASSERT_RC(ps_parquet_open(hpath("list-len"), &pf), PS_ERR_CORRUPT);
      unlink(hpath("list-len"));
    }
  }
  int64_t grew = peak_rss() - peak0;
  if (grew > 100ll << 20 && !UNDER_ASAN && !under_valgrind()) {
    fprintf(stderr, "peak RSS grew by %lld MB reading hostile Parquet files\n", (long long)(grew >> 20));
    ASSERT(grew <= 100ll << 20);
  }
}

/* the same hostile files as parts of an item: the item read fails naming the part, nothing lost */
static void test_parquet_in_store(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("pq", "c", &st, &c));
  ASSERT_OK(write_range(c, "a", 0, 30, 10));
  char *before = item_dump(c, "a");
  const char *part = pathf("%s/pq/c/a/part.1.parquet", base);
  char pp[400], saved[400];
  snprintf(pp, sizeof pp, "%s", part);
  snprintf(saved, sizeof saved, "%s/saved.parquet", root);
  ASSERT_EQ_INT(rename(pp, saved), 0);
  hfile h = dict_file();
  h.rg_rows = h.file_rows = h.num_values = (int64_t)1 << 40;
  ASSERT_EQ_INT(build_parquet(pp, &h), 0);
  ps_frame *f = NULL;
  ASSERT_RC(ps_item_read(c, "a", NULL, &f), PS_ERR_CORRUPT);
  ASSERT_MSG("part.1.parquet");
  ASSERT_MSG("pq/c/a");
  /* an append that must rewrite the bad part fails; one after the range does not read it */
  ASSERT_RC(append_range(c, "a", 12, 2), PS_ERR_CORRUPT);
  ASSERT_RC(ps_item_compact(c, "a", 1000, NULL), PS_ERR_CORRUPT);
  ASSERT_OK(append_range(c, "a", 30, 2));
  unlink(pp);
  ASSERT_EQ_INT(rename(saved, pp), 0);
  char *after = item_dump(c, "a");
  ASSERT(strncmp(after, before, strlen(before)) == 0); /* old rows intact, two new after them */
  free(before);
  free(after);
  ASSERT_OK(ps_item_delete(c, "a"));
  close_sc(st, c);
}

/* ======================================================================
 * Wrong-type appends
 * ==================================================================== */

/* Item layout: Date (timestamp[unit, tz]) index, i int64, f float64, s string, b bool. */
typedef struct colspec {
  const char *name;
  ps_type type;
  ps_time_unit unit;
  const char *tz;
} colspec;

static ps_frame *mk_typed(const colspec *cols, int ncols, const char *index, int64_t from, int n) {
  ps_frame *f;
  if (ps_frame_new(&f)) return NULL;
  for (int j = 0; j < ncols; j++) {
    ps_column *c;
    ps_frame_add_column(f, cols[j].name, cols[j].type, cols[j].unit, cols[j].tz, &c);
    for (int i = 0; i < n; i++) {
      int64_t k = from + i;
      switch (cols[j].type) {
        case PS_TYPE_TIMESTAMP: {
          int64_t per = cols[j].unit == PS_UNIT_NS ? DAY_NS : cols[j].unit == PS_UNIT_US ? DAY_NS / 1000
                        : cols[j].unit == PS_UNIT_MS ? DAY_NS / 1000000 : 86400;
          ps_column_append_int(c, (T0_NS / DAY_NS + k) * per);
          break;
        }
        case PS_TYPE_DATE: ps_column_append_int(c, 19723 + k); break;
        case PS_TYPE_FLOAT32:
        case PS_TYPE_FLOAT64: ps_column_append_double(c, (double)k + 0.5); break;
        case PS_TYPE_STRING:
        case PS_TYPE_BINARY: {
          char b[32];
          snprintf(b, sizeof b, "s%lld", (long long)k);
          ps_column_append_string(c, b, strlen(b));
          break;
        }
        case PS_TYPE_BOOL: ps_column_append_bool(c, (int)(k & 1)); break;
        default: ps_column_append_int(c, k % 100); break;
      }
    }
  }
  ps_frame_validate(f);
  if (index) ps_frame_set_index(f, index);
  return f;
}

typedef struct two_batches {
  ps_frame **b;
  int k;
} two_batches;
static int next_two_batches(void *user, ps_frame **out) {
  two_batches *t = user;
  *out = t->k < 2 ? t->b[t->k++] : NULL;
  return PS_OK;
}

static void test_wrong_type_appends(void) {
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("types", "c", &st, &c));
  const colspec item[] = {{"Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL}, {"i", PS_TYPE_INT64, 0, NULL},
                          {"f", PS_TYPE_FLOAT64, 0, NULL},               {"s", PS_TYPE_STRING, 0, NULL},
                          {"b", PS_TYPE_BOOL, 0, NULL}};
  ps_frame *f0 = mk_typed(item, 5, "Date", 0, 20);
  ps_item_write_options wo = {0};
  wo.part_rows = 10;
  ASSERT_OK(ps_item_write(c, "t", f0, &wo));
  ps_frame_free(f0);
  const colspec zitem[] = {{"Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, "America/New_York"}, {"i", PS_TYPE_INT64, 0, NULL}};
  f0 = mk_typed(zitem, 2, "Date", 0, 20);
  ASSERT_OK(ps_item_write(c, "z", f0, &wo));
  ps_frame_free(f0);
  const char *man = pathf("%s/types/c/t/_pystore_manifest.json", base);
  char mp[400], zmp[400];
  snprintf(mp, sizeof mp, "%s", man);
  snprintf(zmp, sizeof zmp, "%s/types/c/z/_pystore_manifest.json", base);
  char *m0 = read_all(mp, NULL), *zm0 = read_all(zmp, NULL);
  char *d0 = item_dump(c, "t");

  struct {
    const char *what;
    colspec cols[6];
    int ncols;
    const char *index;
    const char *item;
    const char *col; /* the message names this column */
  } cases[] = {
      {"int into float", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_INT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'f'"},
      {"float into int", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_FLOAT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'i'"},
      {"string into int", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_STRING, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'i'"},
      {"int into string", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_INT64, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'s'"},
      {"binary into string", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_BINARY, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'s'"},
      {"int into bool", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_INT8, 0, NULL}}, 5, "Date", "t", "'b'"},
      {"int32 into int64 (no widen)", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT32, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'i'"},
      {"uint64 into int64", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_UINT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'i'"},
      {"tz-aware into naive", {{"Date", PS_TYPE_TIMESTAMP, 0, "UTC"}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'Date'"},
      {"naive into tz-aware", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}}, 2, "Date", "z", "'Date'"},
      {"other zone", {{"Date", PS_TYPE_TIMESTAMP, 0, "Europe/London"}, {"i", PS_TYPE_INT64, 0, NULL}}, 2, "Date", "z", "Europe/London"},
      {"unit ms into ns", {{"Date", PS_TYPE_TIMESTAMP, PS_UNIT_MS, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'Date'"},
      {"unit us into ns (zoned)", {{"Date", PS_TYPE_TIMESTAMP, PS_UNIT_US, "America/New_York"}, {"i", PS_TYPE_INT64, 0, NULL}}, 2, "Date", "z", "'Date'"},
      {"date into timestamp", {{"Date", PS_TYPE_DATE, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'Date'"},
      {"missing column", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 4, "Date", "t", "'f'"},
      {"extra column", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}, {"extra", PS_TYPE_INT64, 0, NULL}}, 6, "Date", "t", "'extra'"},
      {"renamed column", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"I", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Date", "t", "'i'"},
      {"different index", {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "i", "t", "'Date'"},
      {"renamed index", {{"Datetime", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}, {"s", PS_TYPE_STRING, 0, NULL}, {"b", PS_TYPE_BOOL, 0, NULL}}, 5, "Datetime", "t", "'Date'"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    for (int mode = 0; mode < 4; mode++) {
      /* 0: after the stored range, 1: overlapping, 2: streamed, 3: widen = 1 */
      ps_frame *f = mk_typed(cases[k].cols, cases[k].ncols, cases[k].index, mode == 1 ? 5 : 100, 10);
      ASSERT(f);
      int rc;
      if (mode == 2) {
        one_batch b = {f};
        ps_stream_options so = {0};
        rc = ps_item_append_stream(c, cases[k].item, next_one, &b, &so);
        f = b.f;
      } else {
        ps_append_options ao = {0};
        ao.widen = mode == 3;
        rc = ps_item_append(c, cases[k].item, f, &ao);
      }
      ps_frame_free(f);
      if (mode == 3 && strstr(cases[k].what, "int32")) { /* the one case widening accepts */
        ASSERT_OK(rc);
        /* put the item back as it was */
        ps_item_write_options ow = wo;
        ow.overwrite = 1;
        f0 = mk_typed(item, 5, "Date", 0, 20);
        ASSERT_OK(ps_item_write(c, "t", f0, &ow));
        ps_frame_free(f0);
        free(m0);
        m0 = read_all(mp, NULL);
        continue;
      }
      if (rc != PS_ERR_SCHEMA) fprintf(stderr, "case '%s' mode %d: %s\n", cases[k].what, mode, ps_errmsg());
      ASSERT_EQ_INT(rc, PS_ERR_SCHEMA);
      ASSERT_MSG(cases[k].col);
      ASSERT_MSG(cases[k].item[0] == 't' ? "types/c/t" : "types/c/z");
      /* nothing changed: the manifest is byte-identical and the rows are the same */
      char *m1 = read_all(strcmp(cases[k].item, "t") == 0 ? mp : zmp, NULL);
      ASSERT_EQ_STR(m1, strcmp(cases[k].item, "t") == 0 ? m0 : zm0);
      free(m1);
    }
  }
  /* a stream whose second batch changes type: nothing committed */
  {
    ps_frame *good = mk_typed(item, 5, "Date", 100, 5);
    const colspec badc[] = {{"Date", PS_TYPE_TIMESTAMP, 0, NULL}, {"i", PS_TYPE_STRING, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL},
                            {"s", PS_TYPE_STRING, 0, NULL},        {"b", PS_TYPE_BOOL, 0, NULL}};
    ps_frame *bad = mk_typed(badc, 5, "Date", 200, 5);
    ps_frame *batches[2] = {good, bad};
    two_batches two = {batches, 0};
    ps_stream_options so = {0};
    int rc = ps_item_append_stream(c, "t", next_two_batches, &two, &so);
    for (int i = two.k; i < 2; i++) ps_frame_free(batches[i]);
    ASSERT_RC(rc, PS_ERR_SCHEMA);
    ASSERT_MSG("'i'");
    char *m1 = read_all(mp, NULL);
    ASSERT_EQ_STR(m1, m0);
    free(m1);
  }
  char *d1 = item_dump(c, "t");
  ASSERT_EQ_STR(d1, d0);
  free(d1);

  /* the CLI: a CSV whose column is text where the item has floats */
  if (have_cli()) {
    char csv[400];
    snprintf(csv, sizeof csv, "%s/wrong.csv", root);
    write_text(csv, "Date,close,volume,sym\n2024-03-01,abc,1,X\n");
    ASSERT_OK(write_range(c, "cli", 0, 5, 0));
    char *cm0 = read_all(pathf("%s/types/c/cli/_pystore_manifest.json", base), NULL);
    ASSERT_EQ_INT(cli("append types/c/cli '%s' --index Date", csv), 1);
    ASSERT(contains(cli_stderr(), "'close'"));
    write_text(csv, "Date,close,volume\n2024-03-01,1.5,1\n");
    ASSERT_EQ_INT(cli("append types/c/cli '%s' --index Date", csv), 1);
    ASSERT(contains(cli_stderr(), "'sym'"));
    write_text(csv, "Date,close,volume,sym\n2024-03-01T00:00:00Z,1.5,1,X\n");
    ASSERT_EQ_INT(cli("append types/c/cli '%s' --index Date", csv), 1);
    ASSERT(contains(cli_stderr(), "'Date'"));
    char *cm1 = read_all(pathf("%s/types/c/cli/_pystore_manifest.json", base), NULL);
    ASSERT_EQ_STR(cm1, cm0);
    free(cm0);
    free(cm1);
    unlink(csv);
  }
  free(m0);
  free(zm0);
  free(d0);
  close_sc(st, c);
}

/* ======================================================================
 * Malformed CSV (both readers, and the CLI)
 * ==================================================================== */

static const char *csv_path(void) { return pathf("%s/hostile.csv", root); }

/* whole-file reader */
static int rd_whole(const char *data, size_t n, ps_frame **out) {
  write_bytes(csv_path(), data, n);
  return ps_csv_read_file(csv_path(), NULL, out);
}
/* streaming reader: all chunks concatenated row count in *rows */
static int rd_stream_chunks(int64_t chunk, ps_frame **first, int64_t *rows) {
  ps_csv_reader *r = NULL;
  *first = NULL;
  *rows = 0;
  int rc = ps_csv_reader_open(csv_path(), NULL, chunk, &r);
  if (rc < 0) return rc;
  for (;;) {
    ps_frame *f = NULL;
    rc = ps_csv_reader_next(r, &f);
    if (rc < 0 || !f) break;
    *rows += ps_frame_num_rows(f);
    if (!*first) *first = f;
    else ps_frame_free(f);
  }
  ps_csv_reader_close(r);
  if (rc < 0) {
    ps_frame_free(*first);
    *first = NULL;
  }
  return rc;
}
static int rd_stream(const char *data, size_t n, int64_t chunk, ps_frame **first, int64_t *rows) {
  write_bytes(csv_path(), data, n);
  return rd_stream_chunks(chunk, first, rows);
}
static int rd_stream_file(ps_frame **first, int64_t *rows) { return rd_stream_chunks(1000, first, rows); }

#define CSV_BAD(text, ...)                                                             \
  do {                                                                                 \
    const char *subs__[] = {__VA_ARGS__};                                              \
    ps_frame *f__ = NULL;                                                              \
    int64_t rows__;                                                                    \
    ASSERT_RC(rd_whole(text, sizeof(text) - 1, &f__), PS_ERR_PARSE);                   \
    for (size_t i__ = 0; i__ < sizeof subs__ / sizeof *subs__; i__++) ASSERT_MSG(subs__[i__]); \
    ASSERT_MSG("hostile.csv");                                                         \
    for (int64_t ch__ = 1; ch__ <= 1000; ch__ *= 1000) {                               \
      ASSERT_RC(rd_stream(text, sizeof(text) - 1, ch__, &f__, &rows__), PS_ERR_PARSE); \
      ASSERT_MSG(subs__[0]);                                                           \
      ASSERT_MSG("hostile.csv");                                                       \
    }                                                                                  \
  } while (0)

static void test_csv_malformed(void) {
  /* ragged rows: too many / too few fields */
  CSV_BAD("a,b\n1,2\n3,4,5\n", "line 3");
  CSV_BAD("a,b,c\n1,2,3\n4,5\n", "line 3");
  CSV_BAD("a,b\r\n1,2\r\n3\r\n", "line 3");
  /* unterminated quote (at the end, and one swallowing the rest of the file) */
  CSV_BAD("a,b\n1,\"abc\n", "line 2", "unterminated");
  CSV_BAD("a,b\n1,2\n3,\"x\n4,5\n6,7\n", "line 3", "unterminated");
  /* text right after a closing quote */
  CSV_BAD("a,b\n1,\"x\"y\n", "line 2");
  /* bad UTF-8 in values (unquoted, quoted) and in the header */
  CSV_BAD("a,b\n1,x\n2,\xC3\x28\n", "line 3", "UTF-8");
  CSV_BAD("a,b\n1,\"ok\xFF\"\n", "line 2", "UTF-8");
  CSV_BAD("a,\xFF\n1,2\n", "line 1", "UTF-8");
  CSV_BAD("a,b\n1,\xED\xA0\x80\n", "UTF-8");
  /* header: duplicates, duplicate made by an empty name */
  CSV_BAD("a,b,a\n1,2,3\n", "duplicate");
  CSV_BAD("Unnamed: 1,\n1,2\n", "duplicate");
  /* a NUL in a header name */
  CSV_BAD("a,b\0c\n1,2\n", "line 1");

  /* accepted, as documented: */
  ps_frame *f = NULL, *g = NULL;
  int64_t rows;
  /* empty header names become "Unnamed: N" */
  ASSERT_OK(rd_whole("a,,\n1,2,3\n", 10, &f));
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 1)), "Unnamed: 1");
  ps_frame_free(f);
  ASSERT_OK(rd_stream("a,,\n1,2,3\n", 10, 100, &g, &rows));
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(g, 2)), "Unnamed: 2");
  ps_frame_free(g);
  /* a BOM is skipped: the first column keeps its name (and can be the index) */
  static const char bom[] = "\xEF\xBB\xBF" "Date,x\n2024-01-01,1\n2024-01-02,2\n";
  ps_csv_options co = {0};
  co.index = "Date";
  write_bytes(csv_path(), bom, sizeof bom - 1);
  ASSERT_OK(ps_csv_read_file(csv_path(), &co, &f));
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(f, 0)), "Date");
  ps_frame_free(f);
  ps_csv_reader *r = NULL;
  ASSERT_OK(ps_csv_reader_open(csv_path(), &co, 100, &r));
  ASSERT_OK(ps_csv_reader_next(r, &g));
  ASSERT(g && ps_frame_index(g) == 0);
  ASSERT_EQ_STR(ps_column_name(ps_frame_column(g, 0)), "Date");
  ps_frame_free(g);
  ps_csv_reader_close(r);
  /* CRLF, LF and lone CR line ends mixed: the same rows either way */
  static const char mix[] = "a,b\r\n1,x\n2,y\r3,z\r\n4,w";
  ASSERT_OK(rd_whole(mix, sizeof mix - 1, &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 4);
  ASSERT_OK(rd_stream(mix, sizeof mix - 1, 100, &g, &rows));
  ASSERT_EQ_INT(rows, 4);
  for (int64_t i = 0; i < 4; i++) {
    size_t n1, n2;
    const char *s1 = ps_column_string(ps_frame_column(f, 1), i, &n1);
    const char *s2 = ps_column_string(ps_frame_column(g, 1), i, &n2);
    ASSERT(n1 == 1 && n2 == 1 && s1[0] == s2[0]);
    ASSERT_EQ_INT(((const int64_t *)ps_column_values(ps_frame_column(g, 0)))[i], i + 1);
  }
  ps_frame_free(f);
  ps_frame_free(g);
  /* NUL bytes inside values are data (valid UTF-8, U+0000); "1\0" is not the number 1 */
  static const char nul[] = "a,b\n1\0002,x\0y\n3,z\n";
  ASSERT_OK(rd_whole(nul, sizeof nul - 1, &f));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(f, 0)), PS_TYPE_STRING);
  ASSERT_OK(rd_stream(nul, sizeof nul - 1, 100, &g, &rows));
  ASSERT_EQ_INT(ps_column_type(ps_frame_column(g, 0)), PS_TYPE_STRING);
  size_t n1, n2;
  const char *s1 = ps_column_string(ps_frame_column(f, 1), 0, &n1);
  const char *s2 = ps_column_string(ps_frame_column(g, 1), 0, &n2);
  ASSERT(n1 == 3 && n2 == 3 && memcmp(s1, "x\0y", 3) == 0 && memcmp(s2, "x\0y", 3) == 0);
  ps_frame_free(f);
  ps_frame_free(g);
  /* later chunks of the stream that do not fit the inferred type: line and column */
  ASSERT_RC(rd_stream("a,b\n1,2\n3,x\n", 12, 1, &g, &rows), PS_ERR_PARSE);
  ASSERT_MSG("line 3");
  ASSERT_MSG("'b'");

  /* the CLI refuses the file and creates nothing */
  if (have_cli()) {
    ps_store *st = NULL;
    ps_collection *c = NULL;
    ASSERT_OK(open_sc("csv", "c", &st, &c));
    close_sc(st, c);
    write_text(csv_path(), "Date,x\n2024-01-01,1\n2024-01-02,2,3\n");
    ASSERT_EQ_INT(cli("write csv/c/i '%s' --index Date", csv_path()), 1);
    ASSERT(contains(cli_stderr(), "line 3"));
    ASSERT(!exists_l(pathf("%s/csv/c/i", base)));
    write_text(csv_path(), "Date,x\n2024-01-01,\"1\n");
    ASSERT_EQ_INT(cli("write csv/c/i '%s' --index Date", csv_path()), 1);
    ASSERT(contains(cli_stderr(), "unterminated"));
    ASSERT_EQ_INT(system(pathf("cat '%s' | ./pystore --path '%s' append --stream csv/c/j - --index Date > /dev/null 2> '%s'",
                               csv_path(), base, cli_err)) != 0, 1);
    ASSERT(contains(cli_stderr(), "unterminated"));
    ASSERT(!exists_l(pathf("%s/csv/c/j", base)) || !exists_l(pathf("%s/csv/c/j/_pystore_manifest.json", base)));
  }
  unlink(csv_path());
}

/* A single enormous field: works, with memory bounded by a small multiple of the input. */
static void test_csv_huge_field(void) {
  size_t big = under_valgrind() ? (4u << 20) : (50u << 20);
  char *data = malloc(big + 64);
  size_t k = (size_t)sprintf(data, "a,b\n1,");
  memset(data + k, 'x', big);
  k += big;
  k += (size_t)sprintf(data + k, "\n2,y\n");
  write_bytes(csv_path(), data, k);
  free(data);
  peak_reset();
  int64_t p0 = peak_rss();
  ps_frame *f = NULL;
  ASSERT_OK(ps_csv_read_file(csv_path(), NULL, &f));
  size_t n;
  ps_column_string(ps_frame_column(f, 1), 0, &n);
  ASSERT_EQ_INT(n, big);
  ps_frame_free(f);
  int64_t grew = peak_rss() - p0;
  if (!UNDER_ASAN && !under_valgrind() && grew > (int64_t)(4 * big + (64u << 20))) {
    fprintf(stderr, "whole-file CSV reader: peak RSS grew by %lld MB for a %zu MB field\n", (long long)(grew >> 20), big >> 20);
    ASSERT(0);
  }
  peak_reset();
  p0 = peak_rss();
  int64_t rows;
  ASSERT_OK(rd_stream_file(&f, &rows));
  ASSERT_EQ_INT(rows, 2);
  ps_frame_free(f);
  grew = peak_rss() - p0;
  if (!UNDER_ASAN && !under_valgrind() && grew > (int64_t)(4 * big + (64u << 20))) {
    fprintf(stderr, "streaming CSV reader: peak RSS grew by %lld MB for a %zu MB field\n", (long long)(grew >> 20), big >> 20);
    ASSERT(0);
  }
  /* the same field never closed: an error naming the line, quickly */
  FILE *fp = fopen(csv_path(), "wb");
  fputs("a,b\n1,\"", fp);
  for (size_t i = 0; i < big / 65536; i++) {
    static char chunk[65536];
    memset(chunk, 'q', sizeof chunk);
    fwrite(chunk, 1, sizeof chunk, fp);
  }
  fclose(fp);
  ASSERT_RC(ps_csv_read_file(csv_path(), NULL, &f), PS_ERR_PARSE);
  ASSERT_MSG("line 2");
  ASSERT_MSG("unterminated");
  ASSERT_RC(rd_stream_file(&f, &rows), PS_ERR_PARSE);
  ASSERT_MSG("unterminated");
  unlink(csv_path());
}

/* ======================================================================
 * Absurd filter values
 * ==================================================================== */

static void test_filters(void) {
  ps_expr *e = NULL;
  /* numbers beyond int64/uint64, and beyond double */
  const char *bad_parse[] = {"i > 99999999999999999999999",  "i > -9223372036854775809", "f > 1e400", "f < -1e400",
                             "f > 1e99999999999999999999",  "i > 1..2",                 "i > 0x10",  "i > 1e",
                             "i > --1",                     "i >",                      "> 1",       "i 1",
                             "i in (1, 2",                  "i in ()x",                 "s == 'unterminated", "`` > 1",
                             "i > 1 and",                   "(i > 1",                   "i > 1)",    "i > 1 or or i < 2",
                             "i = = 1",                     "i ! 1",                    "i > #",     "i > 1 \x01"};
  for (size_t k = 0; k < sizeof bad_parse / sizeof *bad_parse; k++) {
    int rc = ps_expr_parse(bad_parse[k], &e);
    if (rc != PS_ERR_PARSE) fprintf(stderr, "'%s' -> %s\n", bad_parse[k], ps_status_name(rc));
    ASSERT_EQ_INT(rc, PS_ERR_PARSE);
    ASSERT_MSG("filter");
    ASSERT_MSG("byte");
    ASSERT(e == NULL);
  }
  ASSERT_RC(ps_expr_parse("f > 1e400", &e), PS_ERR_PARSE);
  ASSERT_MSG("out of range");
  /* just inside the limits */
  const char *ok[] = {"i > 18446744073709551615", "i >= -9223372036854775808", "f > 1.7976931348623157e308",
                      "f > 4.9e-324", "f > 1e-400", "f = nan", "f != NaN", "f < inf", "f > -Infinity", "f in (nan, inf, -inf)"};
  for (size_t k = 0; k < sizeof ok / sizeof *ok; k++) {
    ASSERT_OK(ps_expr_parse(ok[k], &e));
    ps_expr_free(e);
    e = NULL;
  }
  /* deep nesting: a limit, not a stack overflow */
  size_t depth = 100000;
  char *deep = malloc(2 * depth + 16);
  memset(deep, '(', depth);
  memcpy(deep + depth, "i > 1", 5);
  memset(deep + depth + 5, ')', depth);
  deep[2 * depth + 5] = 0;
  ASSERT_RC(ps_expr_parse(deep, &e), PS_ERR_LIMIT);
  ASSERT_MSG("nesting");

  /* against data: an item with Date (timestamp), i, f, s, b */
  ps_store *st;
  ps_collection *c;
  ASSERT_OK(open_sc("filters", "c", &st, &c));
  const colspec cols[] = {{"Date", PS_TYPE_TIMESTAMP, PS_UNIT_NS, NULL}, {"i", PS_TYPE_INT64, 0, NULL},
                          {"f", PS_TYPE_FLOAT64, 0, NULL},               {"s", PS_TYPE_STRING, 0, NULL},
                          {"b", PS_TYPE_BOOL, 0, NULL}};
  ps_frame *data = mk_typed(cols, 5, "Date", 0, 50);
  ps_item_write_options wo = {0};
  wo.part_rows = 20;
  ASSERT_OK(ps_item_write(c, "t", data, &wo));
  ps_frame_free(data);
  struct {
    const char *text;
    const char *names; /* the message names this */
    int64_t rows;      /* >= 0: it is valid and returns this many rows */
  } cases[] = {
      {"i > 18446744073709551615", NULL, 0},
      {"i < 18446744073709551615", NULL, 50},
      {"i >= -9223372036854775808", NULL, 50},
      {"f > 1.7976931348623157e308", NULL, 0},
      {"f = nan", NULL, 0},
      {"f < inf", NULL, 50},
      {"f > -inf", NULL, 50},
      {"i > 1e300", NULL, 0},
      {"i < nan", NULL, 0},
      {"Date > 'hello'", "'Date'", -1},
      {"Date > '2024-13-45'", "'Date'", -1},
      {"Date < '99999-01-01'", "'Date'", -1},
      {"Date > 1e400", NULL, -2}, /* a parse error already */
      {"Date > true", "'Date'", -1},
      {"Date > 1.5", "'Date'", -1},
      {"nope > 1", "'nope'", -1},
      {"`x``y` > 1", "x`y", -1},
      {"s > 5", "'s'", -1},
      {"i == 'abc'", "'i'", -1},
      {"i in (1, 'a')", "'i'", -1},
      {"b > 'x'", "'b'", -1},
      {"b = 2", "'b'", -1},
      {"s in (1, 2)", "'s'", -1},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    int rc = ps_expr_parse(cases[k].text, &e);
    if (cases[k].rows == -2) {
      ASSERT_RC(rc, PS_ERR_PARSE);
      continue;
    }
    ASSERT_OK(rc);
    ps_item_read_options ro = {0};
    ro.filter = e;
    ps_frame *f = NULL;
    rc = ps_item_read(c, "t", &ro, &f);
    if (cases[k].rows >= 0) {
      if (rc != PS_OK) fprintf(stderr, "filter '%s': %s\n", cases[k].text, ps_errmsg());
      ASSERT_OK(rc);
      if (ps_frame_num_rows(f) != cases[k].rows) fprintf(stderr, "filter '%s'\n", cases[k].text);
      ASSERT_EQ_INT(ps_frame_num_rows(f), cases[k].rows);
      ps_frame_free(f);
    } else {
      if (rc == PS_OK) fprintf(stderr, "filter '%s' accepted (%lld rows)\n", cases[k].text, (long long)ps_frame_num_rows(f));
      ps_frame_free(f);
      ASSERT(rc == PS_ERR_INVALID || rc == PS_ERR_SCHEMA || rc == PS_ERR_NOT_FOUND || rc == PS_ERR_PARSE);
      ASSERT_MSG(cases[k].names);
      ASSERT_MSG("filters/c/t");
    }
    /* the same on the chunked reader */
    ps_chunk_options co = {0};
    co.filter = e;
    ps_chunk_reader *cr = NULL;
    rc = ps_item_chunks_open(c, "t", &co, &cr);
    if (rc == PS_OK) {
      int64_t got = 0;
      for (;;) {
        ps_frame *f2 = NULL;
        rc = ps_chunk_reader_next(cr, &f2);
        if (rc < 0 || !f2) break;
        got += ps_frame_num_rows(f2);
        ps_frame_free(f2);
      }
      ps_chunk_reader_close(cr);
      if (cases[k].rows >= 0) ASSERT_EQ_INT(got, cases[k].rows);
    }
    if (cases[k].rows < 0) ASSERT(rc < 0);
    ps_expr_free(e);
    e = NULL;
  }
  /* a 4 MB string literal and a 1 MB column name */
  size_t big = 4u << 20;
  char *t = malloc(big + 64);
  size_t n = (size_t)sprintf(t, "s == '");
  memset(t + n, 'z', big);
  n += big;
  sprintf(t + n, "'");
  ASSERT_OK(ps_expr_parse(t, &e));
  ps_item_read_options ro = {0};
  ro.filter = e;
  ps_frame *f = NULL;
  ASSERT_OK(ps_item_read(c, "t", &ro, &f));
  ASSERT_EQ_INT(ps_frame_num_rows(f), 0);
  ps_frame_free(f);
  ps_expr_free(e);
  n = (size_t)sprintf(t, "`");
  memset(t + n, 'c', 1u << 20);
  n += 1u << 20;
  sprintf(t + n, "` > 1");
  ASSERT_OK(ps_expr_parse(t, &e));
  ro.filter = e;
  ASSERT(ps_item_read(c, "t", &ro, &f) < 0);
  ASSERT_MSG("cccccccc");
  ASSERT(strlen(ps_errmsg()) < 4096);
  ps_expr_free(e);
  free(t);
  /* start/end bounds that are not values of the index type */
  const char *bad_bounds[] = {"hello", "2024-13-45", "99999-01-01", "", "2024-01-01T25:00", "1e400", "2024-01-01 junk"};
  for (size_t k = 0; k < sizeof bad_bounds / sizeof *bad_bounds; k++) {
    ps_item_read_options rb = {0};
    rb.start = bad_bounds[k];
    int rc = ps_item_read(c, "t", &rb, &f);
    if (rc == PS_OK) {
      fprintf(stderr, "start '%s' accepted\n", bad_bounds[k]);
      ps_frame_free(f);
    }
    if (rc != PS_ERR_INVALID && rc != PS_ERR_PARSE && rc != PS_ERR_SCHEMA)
      fprintf(stderr, "start '%s': %s %s\n", bad_bounds[k], ps_status_name(rc), ps_errmsg());
    ASSERT(rc == PS_ERR_INVALID || rc == PS_ERR_PARSE || rc == PS_ERR_SCHEMA);
    ASSERT_MSG("'Date'");
  }
  /* an integer index: bounds beyond int64 */
  const colspec icols[] = {{"k", PS_TYPE_INT64, 0, NULL}, {"f", PS_TYPE_FLOAT64, 0, NULL}};
  data = mk_typed(icols, 2, "k", 0, 50);
  ASSERT_OK(ps_item_write(c, "ik", data, NULL));
  ps_frame_free(data);
  const char *ib[] = {"99999999999999999999", "-99999999999999999999", "1e400", "abc", "1.5", " ", "0x10"};
  for (size_t k = 0; k < sizeof ib / sizeof *ib; k++) {
    ps_item_read_options rb = {0};
    rb.end = ib[k];
    int rc = ps_item_read(c, "ik", &rb, &f);
    if (rc == PS_OK) {
      fprintf(stderr, "end '%s' accepted on an int index\n", ib[k]);
      ps_frame_free(f);
    }
    ASSERT_RC(rc, PS_ERR_INVALID);
    ASSERT_MSG("'k'");
  }
  /* the CLI */
  if (have_cli()) {
    ASSERT_EQ_INT(cli("read filters/c/t --where 'Date > \"hello\"'"), 1);
    ASSERT(contains(cli_stderr(), "Date"));
    ASSERT_EQ_INT(cli("read filters/c/t --where 'f > 1e400'"), 1);
    ASSERT(contains(cli_stderr(), "out of range"));
    ASSERT_EQ_INT(cli("read filters/c/t --where 'nope = 1'"), 1);
    ASSERT(contains(cli_stderr(), "nope"));
    ASSERT_EQ_INT(cli("read filters/c/t --start hello"), 1);
    ASSERT(contains(cli_stderr(), "hello"));
    deep[6000] = 0; /* still far beyond the nesting limit, and fits a command line */
    ASSERT_EQ_INT(cli("read filters/c/t --where '%s'", deep), 1);
    ASSERT(contains(cli_stderr(), "nesting"));
  }
  free(deep);
  close_sc(st, c);
}

/* ====================================================================== */

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  snprintf(root, sizeof root, "/tmp/pystore-hostile-%ld-XXXXXX", (long)getpid());
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 2;
  }
  snprintf(base, sizeof base, "%s/base", root);
  snprintf(outside, sizeof outside, "%s/outside", root);
  snprintf(cli_out, sizeof cli_out, "%s/cli.out", root);
  snprintf(cli_err, sizeof cli_err, "%s/cli.err", root);
  mkdir(base, 0777);
  mkdir(outside, 0777);
  mkdir(pathf("%s/home", root), 0777);
  write_text(pathf("%s/victim.txt", outside), "precious outside data\n");
  write_text(cli_out, "");
  write_text(cli_err, "");
  sopt.base_path = base;
  sopt.no_fsync = 1;
  sopt.lock_timeout_ms = -1; /* never wait: a test must not hang on a lock */
  /* an outside store with items the links point at */
  {
    ps_store_options oo = sopt;
    oo.base_path = outside;
    ps_store *st = NULL;
    ps_collection *c = NULL;
    if (ps_store_open("os", &oo, 1, &st) || ps_collection_open(st, "oc", 1, &c) || write_range(c, "victim", 0, 30, 10)) {
      fprintf(stderr, "setup: %s\n", ps_errmsg());
      return 2;
    }
    ps_collection_close(c);
    if (ps_collection_open(st, "oc2", 1, &c) || write_range(c, "v2", 0, 30, 10)) {
      fprintf(stderr, "setup: %s\n", ps_errmsg());
      return 2;
    }
    ps_collection_close(c);
    ps_store_close(st);
    rmdir(pathf("%s/os/oc2/_snapshots", outside));
  }

  RUN(test_parquet_huge_sizes); /* first: its peak-RSS check wants a small process */
  RUN(test_parquet_dictionaries);
  RUN(test_parquet_in_store);
  RUN(test_names);
  RUN(test_names_cli);
  RUN(test_base_path);
  RUN(test_long_paths);
  RUN(test_symlink_item_dir);
  RUN(test_symlink_files);
  RUN(test_symlink_collection);
  RUN(test_symlink_snapshots);
  RUN(test_special_files);
  RUN(test_hostile_manifest);
  RUN(test_wrong_type_appends);
  RUN(test_csv_malformed);
  RUN(test_filters);
  RUN(test_csv_huge_field);
  if (test__failures == 0) rm_base(root);
  else fprintf(stderr, "(left %s for inspection)\n", root);
  TEST_MAIN_END();
}
