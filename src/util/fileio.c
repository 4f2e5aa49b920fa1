#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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
    case EACCES: case EPERM: case EROFS: return PS_ERR_PERMISSION;
    default: return PS_ERR_IO;
  }
}

int ps_status_from_write_errno(int err) {
  int st = ps_status_from_errno(err);
  return st == PS_ERR_NOSPACE || st == PS_ERR_PERMISSION ? st : PS_ERR_IO;
}

/* ---- the injection hook and the wrappers ---- */

enum { OP_OPEN, OP_WRITE, OP_FSYNC, OP_RENAME, OP_MKDIR, OP_LINK, OP_UNLINK, OP_RMDIR, OP_FTRUNCATE };
static const char *const op_names[] = {"open", "write", "fsync", "rename", "mkdir", "link", "unlink", "rmdir", "ftruncate"};

static atomic_long io_budget = -1; /* < 0: disarmed */
static atomic_int io_err;
static atomic_int io_sticky;
static atomic_int io_tripped; /* sticky mode: the fault happened */
static atomic_long io_count;
static _Atomic(const char *) io_failed = "";

void ps__io_fail_after(long n, int err) {
  atomic_store(&io_err, err);
  atomic_store(&io_sticky, 0);
  atomic_store(&io_tripped, 0);
  atomic_store(&io_failed, "");
  atomic_store(&io_budget, n);
}

void ps__io_fail_sticky(long n, int err) {
  ps__io_fail_after(n, err);
  atomic_store(&io_sticky, 1);
}

long ps__io_count(void) { return atomic_load(&io_count); }
void ps__io_count_reset(void) { atomic_store(&io_count, 0); }
const char *ps__io_failed_op(void) { return atomic_load(&io_failed); }

/* 1 (errno set) if operation `op` must fail now. */
static int io_fail(int op) {
  atomic_fetch_add(&io_count, 1);
  if (atomic_load_explicit(&io_budget, memory_order_relaxed) < 0) return 0;
  int space = op != OP_RENAME && op != OP_UNLINK && op != OP_RMDIR;
  if (atomic_load(&io_tripped)) {
    if (!space) return 0;
  } else {
    long b = atomic_fetch_sub(&io_budget, 1);
    if (b != 0) {
      if (b < 0) atomic_fetch_add(&io_budget, 1); /* raced with another thread's fault */
      return 0;
    }
    /* b == 0: this is the one */
    if (atomic_load(&io_sticky)) atomic_store(&io_tripped, 1);
    else atomic_store(&io_budget, -1);
  }
  atomic_store(&io_failed, op_names[op]);
  errno = atomic_load(&io_err);
  return 1;
}

int ps__io_open(const char *path, int flags, unsigned mode) {
  if ((flags & (O_CREAT | O_WRONLY | O_RDWR)) && io_fail(OP_OPEN)) return -1;
  return open(path, flags, (mode_t)mode);
}

long ps__io_write(int fd, const void *p, size_t n) {
  if (io_fail(OP_WRITE)) return -1;
  return (long)write(fd, p, n);
}

int ps__io_fsync(int fd) { return io_fail(OP_FSYNC) ? -1 : fsync(fd); }
int ps__io_rename(const char *from, const char *to) { return io_fail(OP_RENAME) ? -1 : rename(from, to); }
int ps__io_mkdir(const char *path, unsigned mode) { return io_fail(OP_MKDIR) ? -1 : mkdir(path, (mode_t)mode); }
int ps__io_link(const char *from, const char *to) { return io_fail(OP_LINK) ? -1 : link(from, to); }
int ps__io_unlink(const char *path) { return io_fail(OP_UNLINK) ? -1 : unlink(path); }
int ps__io_rmdir(const char *path) { return io_fail(OP_RMDIR) ? -1 : rmdir(path); }
int ps__io_ftruncate(int fd, int64_t size) { return io_fail(OP_FTRUNCATE) ? -1 : ftruncate(fd, (off_t)size); }

int ps_write_all(int fd, const void *p, size_t n, const char *path) {
  const char *c = p;
  while (n > 0) {
    long k = ps__io_write(fd, c, n > (1u << 30) ? (1u << 30) : n);
    if (k < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      return ps__error(ps_status_from_write_errno(e), "%s: write failed: %s", path, strerror(e));
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
  if (ps__io_fsync(fd) != 0) {
    int e = errno;
    return ps__error(ps_status_from_write_errno(e), "%s: fsync failed: %s", path, strerror(e));
  }
  return PS_OK;
}

int ps_fsync_parent_dir(const char *path) {
  /* no allocation: this runs after commit points, where running out of
   * memory must not turn a done commit into a failure */
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (slash && n == 0) n = 1; /* "/x" -> "/" */
  if (!slash) {
    dir[0] = '.';
    n = 1;
  } else {
    if (n >= sizeof dir) return ps__error(PS_ERR_INVALID, "%s: path too long", path);
    memcpy(dir, path, n);
  }
  dir[n] = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return ps__error(ps_status_from_errno(e) == PS_ERR_PERMISSION ? PS_ERR_PERMISSION : PS_ERR_IO,
                     "%s: cannot open directory to sync: %s", dir, strerror(e));
  }
  int rc = PS_OK;
  if (ps__io_fsync(fd) != 0 && errno != EINVAL) {
    int e = errno;
    rc = ps__error(ps_status_from_write_errno(e), "%s: directory fsync failed: %s", dir, strerror(e));
  }
  close(fd);
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
