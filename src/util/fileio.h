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
/* errno -> PS_ERR_* (ENOENT -> NOT_FOUND, ENOSPC -> NOSPACE, EEXIST -> EXISTS, ...). */
int ps_status_from_errno(int err);

#endif
