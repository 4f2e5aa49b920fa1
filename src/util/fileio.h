/* File helpers: complete writes/reads with clear errors, fsync of files and
 * directories, unique temporary names. */
#ifndef PS_UTIL_FILEIO_H
#define PS_UTIL_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Write all n bytes (retrying on EINTR/short writes). ENOSPC/EDQUOT ->
 * PS_ERR_NOSPACE, other failures PS_ERR_IO; messages name `path`. */
int ps_write_all(int fd, const void *p, size_t n, const char *path);
/* Read exactly n bytes at offset; a short read is PS_ERR_CORRUPT ("truncated"). */
int ps_pread_all(int fd, void *p, size_t n, int64_t offset, const char *path);
/* fsync a file descriptor / the directory containing `path`. */
int ps_fsync_fd(int fd, const char *path);
int ps_fsync_parent_dir(const char *path);
/* "<path>.tmp-<pid>-<counter>": unique per process and call. Caller frees. */
char *ps_temp_name(const char *path);
/* errno -> PS_ERR_* (ENOENT -> NOT_FOUND, ENOSPC -> NOSPACE, EEXIST -> EXISTS,
 * EACCES/EPERM/EROFS -> PERMISSION, ...). */
int ps_status_from_errno(int err);
/* The status for a failed write/fsync/close: NOSPACE, PERMISSION (EROFS...) or IO. */
int ps_status_from_write_errno(int err);

/* Thin wrappers of the system calls that change the file system, with the
 * same arguments, results and errno. Every such call of the library goes
 * through them so that tests can make one fail (ps__io_fail_after). Opening
 * counts only when it may create or write (O_CREAT, O_WRONLY, O_RDWR). */
int ps__io_open(const char *path, int flags, unsigned mode);
long ps__io_write(int fd, const void *p, size_t n);
int ps__io_fsync(int fd);
int ps__io_rename(const char *from, const char *to);
int ps__io_mkdir(const char *path, unsigned mode);
int ps__io_link(const char *from, const char *to);
int ps__io_unlink(const char *path);
int ps__io_rmdir(const char *path);
int ps__io_ftruncate(int fd, int64_t size);

/* Testing hook: the next `n` I/O operations above succeed, then operation
 * n (counting from 0) fails with errno `err` (ENOSPC, EIO, ...); the ones
 * after it succeed again (a one-shot fault). n < 0 disarms the hook.
 * With `sticky` every later operation that needs space (open for writing,
 * write, fsync, mkdir, link, ftruncate) fails too, as on a full disk, while
 * rename, unlink and rmdir keep working. Process-wide. */
void ps__io_fail_after(long n, int err);
void ps__io_fail_sticky(long n, int err);
/* Operations counted since the last ps__io_count_reset (armed or not). */
long ps__io_count(void);
void ps__io_count_reset(void);
/* Kind of the last operation the hook failed ("write", "fsync", "rename",
 * "open", "mkdir", "link", "unlink", "rmdir", "ftruncate"), "" if none. */
const char *ps__io_failed_op(void);

#endif
