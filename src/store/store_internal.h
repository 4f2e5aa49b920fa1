/* Store layer internals: handles, paths, files, locks, manifests, commits. */
#ifndef PS_STORE_INTERNAL_H
#define PS_STORE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pystore.h"
#include "table/expr.h"

#define PS_MANIFEST_FILE "_pystore_manifest.json"
#define PS_METADATA_FILE "pystore_metadata.json"
#define PS_LOCK_FILE ".lock"
#define PS_SNAPSHOTS_DIR "_snapshots"
#define PS_DEFAULT_PART_BYTES 99000000.0

struct ps_store {
  char *base, *name, *path;
  ps_store_options opt;
};

struct ps_collection {
  ps_store *store;
  char *name, *path;
};

/* ---- path.c: names, paths, directories, small files ---- */
/* PS_ERR_NAME with a message naming `kind` and the name if invalid. */
int ps__name_check(const char *kind, const char *name);
/* Sanitise a snapshot name as PyStore (keep ASCII alnum, bytes >= 0x80, '.', '_'). Caller frees. */
char *ps__snapshot_name_sanitize(const char *name);
char *ps__path_join(const char *a, const char *b); /* NULL on out of memory */
int ps__path_join_to(char **out, const char *a, const char *b);
int ps__is_dir(const char *path);
int ps__is_file(const char *path);
/* PS_ERR_INVALID naming `path` if it is a symbolic link (a missing path is
 * fine). Every operation that modifies a collection, item or snapshot
 * directory checks it first: writes never go through a link planted in a
 * store (reads follow links, read-only). */
int ps__check_not_symlink(const char *path);
/* mkdir (EEXIST for a directory is fine); fsync the parent when `durable`. */
int ps__mkdir(const char *path, int durable);
int ps__mkdir_p(const char *path);
/* Recursive remove; a missing path is fine. */
int ps__rmtree(const char *path);
/* Entries of `dir`: kind 1 = directories, 2 = regular files. Hidden entries
 * (leading '.') are skipped, as are names starting with "__" and (for
 * directories) "_snapshots". Sorted. NULL-terminated list (ps_names_free). */
int ps__list_dir(const char *dir, int kind, char ***out);
/* Growable NULL-terminated name list. */
int ps__names_push(char ***list, size_t *n, const char *name);
/* Write a whole small file atomically (temp + fsync + rename + dir fsync). */
int ps__write_file_atomic(const char *path, const void *data, size_t n, int durable);
/* The same; *published = 1 once the rename put the new file in place (an
 * error after that, from the directory fsync, leaves it published). */
int ps__write_file_atomic_ex(const char *path, const void *data, size_t n, int durable, int *published);
int ps__read_file(const char *path, char **out, size_t *n); /* NOT_FOUND if missing; NUL-terminated */
/* "2024-01-02 09:30:00.123456" in UTC (PyStore 1.0's corrected format, %M for minutes). */
void ps__updated_now(char *buf, size_t size);
/* Write <dir>/pystore_metadata.json = copy of `user` (NULL = {}) plus "_updated". */
int ps__metadata_write(const char *dir, json_t *user, int durable);
/* The same into <dir>/<name>. */
int ps__metadata_write_as(const char *dir, const char *name, json_t *user, int durable);
/* Parse a JSON file; NOT_FOUND if missing, PS_ERR_PARSE with the position if bad. */
int ps__json_load(const char *path, json_t **out);
/* Hard link src -> dst, copying where links are impossible. */
int ps__link_or_copy(const char *src, const char *dst);
/* Clean `<dir>` entries starting with ".tmp-" or ".del-" (leftovers of crashed
 * creations/deletions); call with the collection lock held. */
void ps__clean_collection_leftovers(const char *dir);
/* Unique hidden temporary sibling name "<dir>/.<tag>-<name>-<pid>-<n>". */
char *ps__hidden_temp(const char *dir, const char *tag, const char *name);

/* ---- lock.c ---- */
/* Exclusive flock on <dir>/.lock (created if missing), honouring the
 * store's lock_timeout_ms. If the lock file is replaced or removed while we
 * wait (the directory was renamed away), PS_ERR_NOT_FOUND. */
int ps__lock_dir(const char *dir, const ps_store_options *opt, int *out_fd);
void ps__unlock(int fd);

/* ---- manifest.c ---- */
typedef struct ps__part {
  char *file; /* base name, "part.7.parquet" */
  int64_t rows;
} ps__part;

typedef struct ps__manifest {
  int legacy;        /* no manifest file: parts are every *.parquet file */
  int64_t version;   /* commit number */
  int64_t next_part; /* next part number */
  ps_frame *schema;  /* empty frame with the columns and index (NULL = unknown) */
  ps__part *parts;
  int nparts, cap;
  ps_column *bounds; /* index type; row 2k = min of part k, 2k+1 = max (non-legacy) */
  int64_t rows;
  int strategy;         /* remembered ps_partition_strategy (0 = none; Phase 3) */
  int64_t target_bytes; /* its size target (0 = default) */
} ps__manifest;

void ps__manifest_free(ps__manifest *m);
/* Load <dir>'s manifest, or scan *.parquet for a legacy item.
 * NOT_FOUND if the directory does not hold an item. */
int ps__manifest_load(const char *dir, ps__manifest **out);
int ps__manifest_new(const ps_frame *schema, ps__manifest **out);
/* Add a part (copies the name) with its index bounds taken from rows
 * [0] and [n-1] of `idx`. */
int ps__manifest_add_part(ps__manifest *m, const char *file, int64_t rows, const ps_column *bounds_src,
                          int64_t min_row, int64_t max_row);
int ps__manifest_save(const char *dir, const ps__manifest *m, int durable);
/* As ps__manifest_save; *published = 1 once the new manifest is in place
 * (the commit point), even if a later step (the directory fsync) failed. */
int ps__manifest_save_ex(const char *dir, const ps__manifest *m, int durable, int *published);
/* 1 if `file` is listed. */
int ps__manifest_has(const ps__manifest *m, const char *file);
/* Schema <-> JSON helpers */
json_t *ps__schema_to_json(const ps_frame *schema);
int ps__schema_from_json(json_t *j, const char *index, ps_frame **out);
/* Compare data columns with the item schema; PS_ERR_SCHEMA naming column and types. */
int ps__schema_check(const ps_frame *schema, const ps_frame *data, int widen);

/* ---- item.c ---- */
char *ps__item_dir(const ps_collection *c, const char *item, const char *snapshot);
/* An item opened for writing: locked, leftovers cleaned, manifest loaded. */
typedef struct ps__txn {
  ps_collection *coll;
  char *dir;
  int lock_fd;
  int durable;
  ps__manifest *m;
  char **written; /* part files created by this transaction (removed on abort) */
  size_t nwritten;
  int committed;  /* ps__txn_commit put the new manifest in place */
} ps__txn;
int ps__txn_begin(ps_collection *c, const char *item, const char *dir, ps__txn *t);
/* Write `rows` (sorted by index) as new parts; appends them to `into`. */
int ps__txn_write_parts(ps__txn *t, const ps_frame *rows, int64_t part_rows, ps__manifest *into);
/* Publish `m` (its version is set to the old version + 1), remove files the
 * old manifest listed that `m` does not. */
int ps__txn_commit(ps__txn *t, ps__manifest *m);
/* ps__txn_commit that also replaces the user metadata (`meta`, NULL = {})
 * in the same commit: the new metadata is staged as
 * pystore_metadata.json.pending-<new version> before the manifest rename
 * and renamed into place after it. Until that rename (a crash in between),
 * readers take the staged file when its version is the committed one
 * (ps__metadata_path), and the next ps__txn_begin rolls it forward, or
 * removes it if its version never committed. */
int ps__txn_commit_meta(ps__txn *t, ps__manifest *m, json_t *meta);
/* Path of the user metadata file that goes with manifest `m` of the item in
 * `dir` (m may be NULL): the staged file of m's version if there is one,
 * else <dir>/pystore_metadata.json. Caller frees; NULL on out of memory. */
char *ps__metadata_path(const char *dir, const ps__manifest *m);
/* Release the lock; remove written files if not committed. */
void ps__txn_end(ps__txn *t);
int64_t ps__auto_part_rows(const ps_frame *f, int64_t requested);
/* Check an index is usable (present, no nulls/NaN, supported type). */
int ps__check_index(const ps_frame *f);
/* Read every part of a manifest into one frame (sorted; legacy parts are sorted). */
int ps__read_parts(const char *dir, const ps__manifest *m, int from, int to, ps_frame **out);
/* Create a new item atomically from sorted `rows` (collection lock held by caller or not). */
int ps__item_create(ps_collection *c, const char *item, const ps_frame *rows, int64_t part_rows, json_t *meta);

/* Part pruning by the manifest's index bounds. `bounds` holds min and max of
 * part k at rows 2k and 2k+1; ps__part_bounds_stats is a ps_stats_fn. */
typedef struct ps__part_bounds {
  const ps_column *b;
  int k;
  int64_t rows;
} ps__part_bounds;
int ps__part_bounds_stats(void *ctx, const char *column, ps_col_stats *out);
/* `index OP text` with `text` read in the index column's type (ISO-8601 for
 * dates/timestamps, a number for numeric indexes). PS_ERR_INVALID if it
 * does not parse. */
int ps__index_bound_expr(const ps_column *index, const char *text, ps_op op, ps_expr **out);

/* User metadata JSON text (NULL = none) as an object without "_updated";
 * PS_ERR_PARSE / PS_ERR_INVALID for bad JSON or a non-object. */
int ps__parse_user_metadata(const char *text, json_t **out);

/* Copy of `data` with the columns in `schema` order (and its nullability),
 * losslessly widened to the schema's types where they differ. */
int ps__conform(const ps_frame *schema, const ps_frame *data, ps_frame **out);
/* The same without a copy when `data` already has the schema's shape:
 * *view is `data` (borrowed) or *owned (caller frees *owned). */
int ps__conform_view(const ps_frame *schema, const ps_frame *data, const ps_frame **view, ps_frame **owned);

#endif
