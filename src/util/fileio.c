#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pystore.h"
#include "util/alloc.h"
#include "util/error.h"

int ps_status_from_errno(int err) {
  switch (err) {
    case ENOENT: case ENOTDIR: return PS_ERR_NOT_FOUND;
    case EEXIST: case ENOTEMPTY: return PS_ERR_EXISTS;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      return PS_ERR_NOSPACE;
    case ENOMEM: return PS_ERR_NOMEM;
    case EINVAL: case ENAMETOOLONG: return PS_ERR_INVALID;
    case EWOULDBLOCK: return PS_ERR_LOCKED;
    default: return PS_ERR_IO;
  }
}

int ps_write_all(int fd, const void *p, size_t n, const char *path) {
  const char *c = p;
  while (n > 0) {
    ssize_t k = write(fd, c, n > (1u << 30) ? (1u << 30) : n);
    if (k < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      return ps__error(ps_status_from_errno(e) == PS_ERR_NOSPACE ? PS_ERR_NOSPACE : PS_ERR_IO, "%s: write failed: %s",
                       path, strerror(e));
    }
    c += k;
    n -= (size_t)k;
  }
  return PS_OK;
}

int ps_pread_all(int fd, void *p, size_t n, int64_t offset, const char *path) {
  char *c = p;
  while (n > 0) {
    ssize_t k = pread(fd, c, n > (1u << 30) ? (1u << 30) : n, (off_t)offset);
    if (k < 0) {
      if (errno == EINTR) continue;
      return ps__error(PS_ERR_IO, "%s: read failed at offset %lld: %s", path, (long long)offset, strerror(errno));
    }
    if (k == 0) return ps__error(PS_ERR_CORRUPT, "%s: file is truncated (wanted %zu more bytes at offset %lld)", path, n, (long long)offset);
    c += k;
    n -= (size_t)k;
    offset += k;
  }
  return PS_OK;
}

int ps_fsync_fd(int fd, const char *path) {
  if (fsync(fd) != 0) {
    int e = errno;
    return ps__error(ps_status_from_errno(e) == PS_ERR_NOSPACE ? PS_ERR_NOSPACE : PS_ERR_IO, "%s: fsync failed: %s",
                     path, strerror(e));
  }
  return PS_OK;
}

int ps_fsync_parent_dir(const char *path) {
  char *copy = ps__strdup(path);
  if (!copy) return PS_NOMEM();
  const char *dir = dirname(copy);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int rc = ps__error(PS_ERR_IO, "%s: cannot open directory to sync: %s", dir, strerror(errno));
    ps__free_mem(copy);
    return rc;
  }
  int rc = PS_OK;
  if (fsync(fd) != 0 && errno != EINVAL) rc = ps__error(PS_ERR_IO, "%s: directory fsync failed: %s", dir, strerror(errno));
  close(fd);
  ps__free_mem(copy);
  return rc;
}

char *ps_temp_name(const char *path) {
  static atomic_uint counter;
  unsigned n = atomic_fetch_add(&counter, 1);
  size_t len = strlen(path) + 64;
  char *s = ps__malloc(len);
  if (!s) return NULL;
  snprintf(s, len, "%s.tmp-%ld-%u", path, (long)getpid(), n);
  return s;
}
