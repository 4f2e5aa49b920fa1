/* Store layer: name validation, path helpers, directories, small files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "store/phase3_internal.h"
#include "store/store_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/json_oom.h"
#include "util/fileio.h"

static int utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t k;
    unsigned cp;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; }
    else return 0;
    if (i + k >= n) return 0;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    i += k + 1;
  }
  return 1;
}

int ps__name_check(const char *kind, const char *name) {
  if (!name) return ps__error(PS_ERR_NAME, "%s name is NULL", kind);
  size_t n = strlen(name);
  if (n == 0) return ps__error(PS_ERR_NAME, "%s name is empty", kind);
  if (n > 255) return ps__error(PS_ERR_NAME, "%s name '%.40s...' is longer than 255 bytes", kind, name);
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return ps__error(PS_ERR_NAME, "%s name '%s' is not allowed", kind, name);
  if (strchr(name, '/')) return ps__error(PS_ERR_NAME, "%s name '%s' contains '/'", kind, name);
  if (name[0] == '.') return ps__error(PS_ERR_NAME, "%s name '%s' starts with '.' (reserved)", kind, name);
  if (name[0] == '_' && name[1] == '_') return ps__error(PS_ERR_NAME, "%s name '%s' starts with '__' (reserved)", kind, name);
  if (strcmp(name, PS_SNAPSHOTS_DIR) == 0) return ps__error(PS_ERR_NAME, "%s name '%s' is reserved", kind, name);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
      return ps__error(PS_ERR_NAME, "%s name contains a control character at byte %zu", kind, i);
  if (!utf8_valid((const unsigned char *)name, n)) return ps__error(PS_ERR_NAME, "%s name is not valid UTF-8", kind);
  return PS_OK;
}

char *ps__snapshot_name_sanitize(const char *name) {
  size_t n = strlen(name);
  char *s = ps__malloc(n + 1);
  if (!s) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c >= 0x80)
      s[k++] = (char)c;
  }
  s[k] = 0;
  return s;
}

char *ps__path_join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = ps__malloc(la + lb + 2);
  if (!s) return NULL;
  memcpy(s, a, la);
  s[la] = '/';
  memcpy(s + la + 1, b, lb + 1);
  return s;
}

int ps__path_join_to(char **out, const char *a, const char *b) {
  *out = ps__path_join(a, b);
  return *out ? PS_OK : PS_NOMEM();
}

int ps__is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ps__check_not_symlink(const char *path) {
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
    return ps__error(PS_ERR_INVALID,
                     "%s is a symbolic link: the store never creates, replaces or removes anything through a "
                     "symbolic link (replace it with a real directory, or delete it)",
                     path);
  return PS_OK;
}

int ps__is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int ps__mkdir(const char *path, int durable) {
  if (ps__io_mkdir(path, 0777) != 0) {
    if (errno == EEXIST && ps__is_dir(path)) return PS_OK;
    int e = errno;
    return ps__error(ps_status_from_errno(e), "%s: cannot create directory: %s", path, strerror(e));
  }
  if (durable) return ps_fsync_parent_dir(path);
  return PS_OK;
}

int ps__mkdir_p(const char *path) {
  char *p = ps__strdup(path);
  if (!p) return PS_NOMEM();
  int rc = PS_OK;
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (!ps__is_dir(p)) rc = ps__mkdir(p, 0);
    *s = '/';
    if (rc < 0) break;
  }
  if (rc == PS_OK) rc = ps__mkdir(p, 0);
  ps__free_mem(p);
  return rc;
}

int ps__rmtree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? PS_OK : ps__error(ps_status_from_write_errno(errno), "%s: %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    if (ps__io_unlink(path) != 0 && errno != ENOENT)
      return ps__error(ps_status_from_write_errno(errno), "%s: cannot remove: %s", path, strerror(errno));
    return PS_OK;
  }
  DIR *d = opendir(path);
  if (!d)
    return errno == ENOENT ? PS_OK : ps__error(ps_status_from_write_errno(errno), "%s: cannot open directory: %s", path, strerror(errno));
  int rc = PS_OK;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    /* no allocation for usual path lengths: this cleans up after failures,
     * out of memory among them */
    char buf[4096];
    char *sub = buf;
    if ((size_t)snprintf(buf, sizeof buf, "%s/%s", path, e->d_name) >= sizeof buf) sub = ps__path_join(path, e->d_name);
    if (!sub) {
      rc = PS_NOMEM();
      break;
    }
    int r = ps__rmtree(sub);
    if (sub != buf) ps__free_mem(sub);
    if (r < 0) rc = r;
  }
  closedir(d);
  if (rc == PS_OK && ps__io_rmdir(path) != 0 && errno != ENOENT)
    rc = ps__error(ps_status_from_write_errno(errno), "%s: cannot remove directory: %s", path, strerror(errno));
  return rc;
}

int ps__names_push(char ***list, size_t *n, const char *name) {
  char **l = ps__realloc(*list, (*n + 2) * sizeof *l);
  if (!l) return PS_NOMEM();
  *list = l;
  l[*n] = ps__strdup(name);
  if (!l[*n]) {
    l[*n] = NULL;
    return PS_NOMEM();
  }
  (*n)++;
  l[*n] = NULL;
  return PS_OK;
}

void ps_names_free(char **names) {
  if (!names) return;
  for (char **p = names; *p; p++) ps__free_mem(*p);
  ps__free_mem(names);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int ps__list_dir(const char *dir, int kind, char ***out) {
  *out = NULL;
  char **list = NULL;
  size_t n = 0;
  DIR *d = opendir(dir);
  if (!d) {
    int e = errno;
    return ps__error(ps_status_from_errno(e), "%s: cannot list directory: %s", dir, strerror(e));
  }
  int rc = PS_OK;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *nm = e->d_name;
    if (nm[0] == '.' || (nm[0] == '_' && nm[1] == '_')) continue;
    if (kind == 1 && strcmp(nm, PS_SNAPSHOTS_DIR) == 0) continue;
    char *sub = ps__path_join(dir, nm);
    if (!sub) {
      rc = PS_NOMEM();
      break;
    }
    int ok = kind == 1 ? ps__is_dir(sub) : ps__is_file(sub);
    ps__free_mem(sub);
    if (!ok) continue;
    if ((rc = ps__names_push(&list, &n, nm)) < 0) break;
  }
  closedir(d);
  if (rc < 0) {
    ps_names_free(list);
    return rc;
  }
  if (!list) {
    list = ps__calloc(1, sizeof *list);
    if (!list) return PS_NOMEM();
  }
  qsort(list, n, sizeof *list, cmp_str);
  *out = list;
  return PS_OK;
}

int ps__write_file_atomic(const char *path, const void *data, size_t n, int durable) {
  int published;
  return ps__write_file_atomic_ex(path, data, n, durable, &published);
}

int ps__write_file_atomic_ex(const char *path, const void *data, size_t n, int durable, int *published) {
  *published = 0;
  char *tmp = ps_temp_name(path);
  if (!tmp) return PS_NOMEM();
  int rc = PS_OK;
  int fd = ps__io_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    int e = errno;
    rc = ps__error(ps_status_from_errno(e), "%s: cannot create: %s", tmp, strerror(e));
    goto done;
  }
  rc = ps_write_all(fd, data, n, tmp);
  if (rc == PS_OK && durable) rc = ps_fsync_fd(fd, tmp);
  if (close(fd) != 0 && rc == PS_OK) rc = ps__error(ps_status_from_write_errno(errno), "%s: close failed: %s", tmp, strerror(errno));
  if (rc == PS_OK && ps__io_rename(tmp, path) != 0) {
    int e = errno;
    rc = ps__error(ps_status_from_errno(e), "%s: cannot rename into place: %s", path, strerror(e));
  }
  if (rc < 0) ps__io_unlink(tmp);
  if (rc == PS_OK) *published = 1;
  if (rc == PS_OK && durable) rc = ps_fsync_parent_dir(path);
done:
  ps__free_mem(tmp);
  return rc;
}

int ps__read_file(const char *path, char **out, size_t *n) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO planted here must not block */
  if (fd < 0) {
    int e = errno;
    return ps__error(ps_status_from_errno(e), "%s: cannot open: %s", path, strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return ps__error(PS_ERR_IO, "%s: stat failed", path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return ps__error(PS_ERR_INVALID, "%s: not a regular file", path);
  }
  size_t size = (size_t)st.st_size;
  char *buf = ps__malloc(size + 1);
  if (!buf) {
    close(fd);
    return PS_NOMEM();
  }
  int rc = ps_pread_all(fd, buf, size, 0, path);
  close(fd);
  if (rc < 0) {
    ps__free_mem(buf);
    return rc;
  }
  buf[size] = 0;
  *out = buf;
  if (n) *n = size;
  return PS_OK;
}

void ps__updated_now(char *buf, size_t size) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  time_t t = tv.tv_sec;
  gmtime_r(&t, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
  snprintf(buf, size, "%s.%06ld", base, (long)tv.tv_usec);
}

int ps__metadata_write(const char *dir, json_t *user, int durable) {
  return ps__metadata_write_as(dir, PS_METADATA_FILE, user, durable);
}

int ps__metadata_write_as(const char *dir, const char *name, json_t *user, int durable) {
  json_t *j = user ? json_deep_copy(user) : json_object();
  if (!j) return PS_NOMEM();
  char upd[48];
  ps__updated_now(upd, sizeof upd);
  if (json_object_set_new(j, "_updated", json_string(upd)) != 0) { /* never saved without it */
    json_decref(j);
    return PS_NOMEM();
  }
  char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(j);
  if (!text) return PS_NOMEM();
  char *path = ps__path_join(dir, name);
  int published = 0;
  int rc = path ? ps__write_file_atomic_ex(path, text, strlen(text), durable, &published) : PS_NOMEM();
  /* Phase 3; a staged file is published by its manifest's commit, which notes it */
  if (published && strcmp(name, PS_METADATA_FILE) == 0) ps__cache_note_write(dir);
  if (rc < 0 && published) ps__error_prefix(rc, "committed, but not known to be durable");
  ps__free_mem(text);
  ps__free_mem(path);
  return rc;
}

int ps__json_load(const char *path, json_t **out) {
  *out = NULL;
  char *text = NULL;
  size_t n = 0;
  PS_TRY(ps__read_file(path, &text, &n));
  json_error_t err;
  int oom;
  json_t *j = ps__json_loadb(text, n, &err, &oom);
  ps__free_mem(text);
  if (!j && oom) return PS_NOMEM();
  if (!j) return ps__error(PS_ERR_PARSE, "%s: invalid JSON at line %d: %s", path, err.line, err.text);
  *out = j;
  return PS_OK;
}

int ps__link_or_copy(const char *src, const char *dst) {
  if (ps__io_link(src, dst) == 0) return PS_OK;
  int e = errno;
  if (e == ENOENT || e == EEXIST) return ps__error(ps_status_from_errno(e), "cannot link %s to %s: %s", src, dst, strerror(e));
  /* copy */
  char *data;
  size_t n;
  PS_TRY(ps__read_file(src, &data, &n));
  int fd = ps__io_open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    ps__free_mem(data);
    return ps__error(ps_status_from_errno(errno), "%s: cannot create: %s", dst, strerror(errno));
  }
  int rc = ps_write_all(fd, data, n, dst);
  /* the copy is published like a link (snapshot, restore): its data must be
   * durable first; rare (only where hard links are impossible), so always */
  if (rc == PS_OK) rc = ps_fsync_fd(fd, dst);
  close(fd);
  ps__free_mem(data);
  if (rc < 0) ps__io_unlink(dst);
  return rc;
}

char *ps__hidden_temp(const char *dir, const char *tag, const char *name) {
  static atomic_uint counter;
  unsigned k = atomic_fetch_add(&counter, 1);
  size_t len = strlen(dir) + strlen(tag) + strlen(name) + 64;
  char *s = ps__malloc(len);
  if (!s) return NULL;
  /* a name may be 255 bytes: keep the temporary name within NAME_MAX (pid
   * and counter make it unique; only the ".tmp-"/".del-" prefix matters) */
  int keep = (int)strlen(name) > 160 ? 160 : (int)strlen(name);
  snprintf(s, len, "%s/.%s-%.*s-%ld-%u", dir, tag, keep, name, (long)getpid(), k);
  return s;
}

void ps__clean_collection_leftovers(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, ".tmp-", 5) != 0 && strncmp(e->d_name, ".del-", 5) != 0) continue;
    char *sub = ps__path_join(dir, e->d_name);
    if (sub) ps__rmtree(sub);
    ps__free_mem(sub);
  }
  closedir(d);
}
