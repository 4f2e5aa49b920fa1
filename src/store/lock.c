/* Store layer: advisory writer locks (flock on <dir>/.lock). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ps__lock_dir(const char *dir, const ps_store_options *opt, int *out_fd) {
  *out_fd = -1;
  PS_TRY(ps__check_not_symlink(dir)); /* the lock is taken before every modification */
  char *path = ps__path_join(dir, PS_LOCK_FILE);
  if (!path) return PS_NOMEM();
  int rc = PS_OK;
  int64_t deadline = opt && opt->lock_timeout_ms > 0 ? now_ms() + opt->lock_timeout_ms : 0;
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = ps__io_open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0) {
      int e = errno;
      if (e == ELOOP)
        rc = ps__error(PS_ERR_INVALID,
                       "%s: the lock file is a symbolic link: refused (the store never writes through symbolic "
                       "links; delete it)",
                       path);
      else
        rc = ps__error(ps_status_from_errno(e), "%s: cannot open lock file: %s", path, strerror(e));
      break;
    }
    int wait_forever = !opt || opt->lock_timeout_ms == 0;
    int got = 0;
    while (!got) {
      if (flock(fd, wait_forever ? LOCK_EX : LOCK_EX | LOCK_NB) == 0) {
        got = 1;
        break;
      }
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) {
        rc = ps__error(PS_ERR_IO, "%s: flock failed: %s", path, strerror(errno));
        break;
      }
      if (opt->lock_timeout_ms < 0 || now_ms() >= deadline) {
        rc = ps__error(PS_ERR_LOCKED, "%s: another writer holds the lock", dir);
        break;
      }
      struct timespec ts = {0, 5 * 1000000};
      nanosleep(&ts, NULL);
    }
    if (!got) {
      close(fd);
      break;
    }
    /* the directory may have been renamed away (deleted) while we waited */
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
      *out_fd = fd;
      rc = PS_OK;
      break;
    }
    close(fd);
    if (!ps__is_dir(dir)) {
      rc = ps__error(PS_ERR_NOT_FOUND, "%s was removed", dir);
      break;
    }
  }
  if (*out_fd < 0 && rc == PS_OK) rc = ps__error(PS_ERR_LOCKED, "%s: cannot acquire lock", dir);
  ps__free_mem(path);
  return rc;
}

void ps__unlock(int fd) {
  if (fd >= 0) close(fd); /* closing releases the flock */
}
