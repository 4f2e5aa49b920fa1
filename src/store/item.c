/* Store layer: items — transactions (lock, recovery, parts, manifest
 * commit), write, read, head/tail, info, metadata, delete. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parquet/reader.h"
#include "parquet/writer.h"
#include "store/phase3_internal.h"
#include "store/store_internal.h"
#include "table/expr.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/json_oom.h"
#include "util/fileio.h"
#include "util/log.h"

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && strcmp(s + n - k, suf) == 0;
}

char *ps__item_dir(const ps_collection *c, const char *item, const char *snapshot) {
  if (!snapshot) return ps__path_join(c->path, item);
  size_t n = strlen(c->path) + strlen(PS_SNAPSHOTS_DIR) + strlen(snapshot) + strlen(item) + 4;
  char *s = ps__malloc(n);
  if (s) snprintf(s, n, "%s/%s/%s/%s", c->path, PS_SNAPSHOTS_DIR, snapshot, item);
  return s;
}

static int durable(const ps_collection *c) { return !c->store->opt.no_fsync; }

int ps__check_index(const ps_frame *f) {
  if (!f) return ps__error(PS_ERR_INVALID, "data frame is NULL");
  if (f->index < 0) return ps__error(PS_ERR_INVALID, "the data has no index column (see ps_frame_set_index)");
  const ps_column *ic = f->cols[f->index];
  if (ic->type == PS_TYPE_BINARY)
    return ps__error(PS_ERR_UNSUPPORTED, "index column '%s': binary indexes are not supported", ic->name);
  if (ic->null_count) return ps__error(PS_ERR_INVALID, "index column '%s' has %lld nulls", ic->name, (long long)ic->null_count);
  if (ic->type == PS_TYPE_FLOAT32 || ic->type == PS_TYPE_FLOAT64)
    for (int64_t i = 0; i < ic->length; i++) {
      double v = ic->type == PS_TYPE_FLOAT32 ? ((const float *)ic->values)[i] : ((const double *)ic->values)[i];
      if (isnan(v)) return ps__error(PS_ERR_INVALID, "index column '%s' has NaN at row %lld", ic->name, (long long)i);
    }
  if (ic->type == PS_TYPE_STRING) {
    /* bounds go into JSON: must be UTF-8 (jansson checks on store) */
  }
  return PS_OK;
}

int64_t ps__auto_part_rows(const ps_frame *f, int64_t requested) {
  if (requested > 0) return requested;
  double bytes = 0;
  for (int i = 0; i < f->ncols; i++) {
    const ps_column *c = f->cols[i];
    if (ps_is_string_type(c->type))
      bytes += 8.0 + (c->length ? (double)c->bytes_len / (double)c->length : 0.0) + 49.0; /* pandas object overhead */
    else
      bytes += (double)ps_type_width(c->type);
  }
  if (bytes < 1) bytes = 1;
  int64_t rows = (int64_t)(PS_DEFAULT_PART_BYTES / bytes);
  return rows < 1 ? 1 : rows;
}

/* ---- transactions ---- */

static void clean_item_leftovers(const char *dir, const ps__manifest *m) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *nm = e->d_name;
    int stale = strstr(nm, ".tmp-") != NULL;
    if (!stale && !m->legacy && ends_with(nm, ".parquet") && !ps__manifest_has(m, nm)) stale = 1;
    if (!stale) continue;
    char *p = ps__path_join(dir, nm);
    if (p) ps__io_unlink(p);
    ps__free_mem(p);
  }
  closedir(d);
}

/* ---- metadata replaced in the same commit as the data ---- */

#define STAGED_META_PREFIX PS_METADATA_FILE ".pending-"

static void staged_meta_name(char *buf, size_t n, int64_t version) {
  snprintf(buf, n, "%s%lld", STAGED_META_PREFIX, (long long)version);
}

char *ps__metadata_path(const char *dir, const ps__manifest *m) {
  if (m && !m->legacy) {
    char name[96];
    staged_meta_name(name, sizeof name, m->version);
    char *p = ps__path_join(dir, name);
    if (!p) return NULL;
    if (ps__is_file(p)) return p;
    ps__free_mem(p);
  }
  return ps__path_join(dir, PS_METADATA_FILE);
}

/* Staged metadata left by a crash between a manifest commit and the rename
 * of its metadata (ps__txn_commit_meta): rolled forward if its version is
 * the committed one, removed if that commit never happened. Runs under the
 * item lock, before anything can commit the next version. */
static int recover_staged_metadata(const char *dir, const ps__manifest *m, int durable) {
  DIR *d = opendir(dir);
  if (!d) return ps__error(ps_status_from_errno(errno), "%s: cannot list: %s", dir, strerror(errno));
  size_t pl = strlen(STAGED_META_PREFIX);
  int rc = PS_OK;
  struct dirent *e;
  while (rc == PS_OK && (e = readdir(d)) != NULL) {
    const char *nm = e->d_name;
    if (strncmp(nm, STAGED_META_PREFIX, pl) != 0 || strstr(nm, ".tmp-")) continue;
    char *end;
    long long v = strtoll(nm + pl, &end, 10);
    char *p = ps__path_join(dir, nm), *dst = ps__path_join(dir, PS_METADATA_FILE);
    if (!p || !dst) {
      rc = PS_NOMEM();
    } else if (*end == 0 && !m->legacy && v == m->version) {
      if (ps__io_rename(p, dst) != 0)
        rc = ps__error(ps_status_from_errno(errno), "%s: cannot move into place: %s", p, strerror(errno));
      else if (durable)
        rc = ps_fsync_parent_dir(dst);
      ps__cache_note_write(dir);
    } else if (ps__io_unlink(p) != 0 && errno != ENOENT) {
      rc = ps__error(ps_status_from_errno(errno), "%s: cannot remove: %s", p, strerror(errno));
    }
    ps__free_mem(p);
    ps__free_mem(dst);
  }
  closedir(d);
  return rc;
}

int ps__txn_begin(ps_collection *c, const char *item, const char *dir, ps__txn *t) {
  memset(t, 0, sizeof *t);
  t->lock_fd = -1;
  t->coll = c;
  t->durable = durable(c);
  t->dir = ps__strdup(dir);
  if (!t->dir) return PS_NOMEM();
  int rc = ps__check_not_symlink(c->path); /* the item directory itself: ps__lock_dir */
  if (rc < 0) goto fail;
  if (!ps__is_dir(dir)) {
    rc = ps__error(PS_ERR_NOT_FOUND, "item '%s' does not exist in %s", item, c->path);
    goto fail;
  }
  rc = ps__lock_dir(dir, &c->store->opt, &t->lock_fd);
  if (rc == PS_ERR_NOT_FOUND) rc = ps__error(PS_ERR_NOT_FOUND, "item '%s' does not exist in %s", item, c->path);
  if (rc < 0) goto fail;
  rc = ps__manifest_load(dir, &t->m);
  if (rc == PS_ERR_NOT_FOUND) rc = ps__error(PS_ERR_NOT_FOUND, "item '%s' does not exist in %s", item, c->path);
  if (rc < 0) goto fail;
  if ((rc = recover_staged_metadata(dir, t->m, t->durable)) < 0) goto fail;
  clean_item_leftovers(dir, t->m);
  return PS_OK;
fail:
  ps__txn_end(t);
  return rc;
}

static int written_push(ps__txn *t, const char *path) {
  char **w = ps__realloc(t->written, (t->nwritten + 1) * sizeof *w);
  if (!w) return PS_NOMEM();
  t->written = w;
  w[t->nwritten] = ps__strdup(path);
  if (!w[t->nwritten]) return PS_NOMEM();
  t->nwritten++;
  return PS_OK;
}

int ps__txn_write_parts(ps__txn *t, const ps_frame *rows, int64_t part_rows, ps__manifest *into) {
  int64_t n = rows->nrows;
  if (n == 0) return PS_OK;
  { /* Phase 3: follow the item's partition strategy (new manifest's, else the committed one's) */
    const ps__manifest *sm = into->strategy ? into : t->m;
    if (sm && sm->strategy && (part_rows <= 0 || ps__is_time_strategy(sm->strategy)))
      return ps__partition_write(t, rows, sm->strategy, sm->target_bytes, part_rows, into);
  }
  part_rows = ps__auto_part_rows(rows, part_rows);
  int64_t nparts = (n + part_rows - 1) / part_rows;
  int64_t per = (n + nparts - 1) / nparts; /* even split */
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.codec = t->coll ? t->coll->store->opt.codec : PS_CODEC_DEFAULT;
  wo.fsync = t->durable;
  const ps_column *ic = rows->cols[rows->index];
  for (int64_t start = 0; start < n; start += per) {
    int64_t k = n - start < per ? n - start : per;
    char name[64];
    snprintf(name, sizeof name, "part.%lld.parquet", (long long)into->next_part++);
    char *path = ps__path_join(t->dir, name);
    if (!path) return PS_NOMEM();
    int rc = written_push(t, path);
    if (rc == PS_OK) {
      rc = ps__parquet_write_rows(path, rows, start, k, &wo); /* no slice copy */
    }
    ps__free_mem(path);
    if (rc < 0) return rc;
    PS_TRY(ps__manifest_add_part(into, name, k, ic, start, start + k - 1));
  }
  return PS_OK;
}

int ps__txn_commit(ps__txn *t, ps__manifest *m) {
  m->version = t->m->version + 1;
  if (m->next_part < t->m->next_part) m->next_part = t->m->next_part;
  if (!m->strategy) { /* Phase 3: the partition strategy is remembered across commits */
    m->strategy = t->m->strategy;
    m->target_bytes = t->m->target_bytes;
  }
  int published;
  int rc = ps__manifest_save_ex(t->dir, m, t->durable, &published);
  if (!published) return rc;
  t->committed = 1;
  /* committed (even if the directory fsync after the rename failed): new
   * files stay, files of the old set that are not in the new one go */
  for (size_t i = 0; i < t->nwritten; i++) ps__free_mem(t->written[i]);
  t->nwritten = 0;
  for (int i = 0; i < t->m->nparts; i++) {
    if (ps__manifest_has(m, t->m->parts[i].file)) continue;
    char *p = ps__path_join(t->dir, t->m->parts[i].file);
    if (p) ps__io_unlink(p);
    ps__free_mem(p);
  }
  if (t->m->legacy) {
    /* dask/fastparquet summary files describe the old file set */
    const char *stale[] = {"_metadata", "_common_metadata"};
    for (int i = 0; i < 2; i++) {
      char *p = ps__path_join(t->dir, stale[i]);
      if (p) ps__io_unlink(p);
      ps__free_mem(p);
    }
  }
  if (rc < 0) return ps__error_prefix(rc, "committed, but not known to be durable");
  return PS_OK;
}

int ps__txn_commit_meta(ps__txn *t, ps__manifest *m, json_t *meta) {
  char name[96];
  staged_meta_name(name, sizeof name, t->m->version + 1);
  int rc = ps__metadata_write_as(t->dir, name, meta, t->durable); /* durable before the commit point */
  if (rc == PS_OK) rc = ps__txn_commit(t, m);
  if (rc < 0 && !t->committed) {
    /* nothing committed: the staged file goes (were this unlink to fail,
     * the next writer removes it, its version not being the committed one) */
    char p[4096]; /* no allocation: this may be out of memory's error path */
    if ((size_t)snprintf(p, sizeof p, "%s/%s", t->dir, name) < sizeof p) ps__io_unlink(p);
  }
  PS_TRY(rc);
  char *from = ps__path_join(t->dir, name), *to = ps__path_join(t->dir, PS_METADATA_FILE);
  /* best effort: until this rename is done (and durable) readers and the
   * next writer use the staged file, which is already durable */
  if (from && to && ps__io_rename(from, to) == 0) {
    if (t->durable) (void)ps_fsync_parent_dir(to);
    ps__cache_note_write(t->dir);
  }
  ps__free_mem(from);
  ps__free_mem(to);
  return PS_OK;
}

void ps__txn_end(ps__txn *t) {
  for (size_t i = 0; i < t->nwritten; i++) {
    ps__io_unlink(t->written[i]);
    ps__free_mem(t->written[i]);
  }
  ps__free_mem(t->written);
  t->written = NULL;
  t->nwritten = 0;
  ps__unlock(t->lock_fd);
  t->lock_fd = -1;
  ps__manifest_free(t->m);
  t->m = NULL;
  ps__free_mem(t->dir);
  t->dir = NULL;
}

/* ---- reading parts ---- */

static int concat_into(ps_frame **acc, ps_frame *f) {
  if (!*acc) {
    *acc = f;
    return PS_OK;
  }
  int rc = ps__frame_append_range(*acc, f, 0, f->nrows);
  ps_frame_free(f);
  return rc;
}

int ps__read_parts(const char *dir, const ps__manifest *m, int from, int to, ps_frame **out) {
  *out = NULL;
  ps_frame *acc = NULL;
  int rc = PS_OK;
  for (int k = from; k < to; k++) {
    char *p = ps__path_join(dir, m->parts[k].file);
    if (!p) {
      rc = PS_NOMEM();
      break;
    }
    ps_frame *f;
    rc = ps_parquet_read_file(p, NULL, &f);
    ps__free_mem(p);
    if (rc < 0) break;
    if ((rc = concat_into(&acc, f)) < 0) break;
  }
  if (rc == PS_OK && !acc && m->schema) rc = ps__frame_clone_empty(m->schema, &acc);
  if (rc == PS_OK && m->legacy && acc && acc->index >= 0 && !ps__frame_index_sorted(acc)) {
    ps_frame *s;
    rc = ps__frame_sort_dedup(acc, PS_DUP_KEEP_ALL, &s);
    if (rc == PS_OK) {
      ps_frame_free(acc);
      acc = s;
    }
  }
  if (rc < 0) {
    ps_frame_free(acc);
    return rc;
  }
  *out = acc;
  return PS_OK;
}

/* ---- create ---- */

/* The one way an item comes to exist: built in a hidden temporary directory
 * under the collection lock by fill(), then renamed into place. */

int ps__item_create_with(ps_collection *c, const char *item, json_t *meta, ps__create_fill fill, void *ctx) {
  int lock_fd;
  PS_TRY(ps__lock_dir(c->path, &c->store->opt, &lock_fd));
  char *dir = ps__path_join(c->path, item);
  char *tmp = ps__hidden_temp(c->path, "tmp", item);
  ps__manifest *m = NULL;
  ps__txn t;
  memset(&t, 0, sizeof t);
  t.lock_fd = -1;
  int rc = PS_OK, made = 0;
  if (!dir || !tmp) {
    rc = PS_NOMEM();
    goto done;
  }
  ps__clean_collection_leftovers(c->path);
  if (ps__is_dir(dir)) {
    ps__manifest *old;
    rc = ps__manifest_load(dir, &old);
    ps__manifest_free(old);
    if (rc == PS_OK) {
      rc = ps__error(PS_ERR_EXISTS, "item '%s' already exists in %s (use overwrite or append)", item, c->path);
      goto done;
    }
    if (rc != PS_ERR_NOT_FOUND) goto done;
    /* a directory without committed data (e.g. emptied by hand): replace it */
    PS_CHECK(ps__rmtree(dir));
  }
  PS_CHECK(ps__mkdir(tmp, 0));
  made = 1;
  t.coll = c;
  t.durable = !c->store->opt.no_fsync;
  t.dir = tmp;
  PS_CHECK(ps__manifest_new(NULL, &t.m));
  PS_CHECK(fill(ctx, &t, &m));
  m->version = 1;
  PS_CHECK(ps__manifest_save(tmp, m, t.durable));
  PS_CHECK(ps__metadata_write(tmp, meta, t.durable));
  if (ps__io_rename(tmp, dir) != 0) {
    int e = errno;
    rc = ps__error(ps_status_from_errno(e), "%s: cannot move the new item into place: %s", dir, strerror(e));
    goto fail;
  }
  made = 0;
  ps__cache_note_write(dir); /* Phase 3: the item is visible now */
  if (t.durable && (rc = ps_fsync_parent_dir(dir)) < 0) ps__error_prefix(rc, "committed, but not known to be durable");
  goto done;
fail:
done:
  if (made) ps__rmtree(tmp);
  for (size_t i = 0; i < t.nwritten; i++) ps__free_mem(t.written[i]);
  ps__free_mem(t.written);
  ps__manifest_free(t.m);
  ps__manifest_free(m);
  ps__unlock(lock_fd);
  ps__free_mem(dir);
  ps__free_mem(tmp);
  return rc;
}

typedef struct create_rows {
  const ps_frame *rows;
  int64_t part_rows;
} create_rows;

static int fill_rows(void *ctx, ps__txn *t, ps__manifest **m) {
  create_rows *x = ctx;
  PS_TRY(ps__manifest_new(x->rows, m));
  (*m)->next_part = t->m->next_part; /* an overwrite must not reuse the replaced parts' names */
  return ps__txn_write_parts(t, x->rows, x->part_rows, *m);
}

int ps__item_write_with(ps_collection *c, const char *item, json_t *meta, int overwrite, ps__create_fill fill,
                        void *ctx) {
  int rc = ps__item_create_with(c, item, meta, fill, ctx);
  if (rc != PS_ERR_EXISTS || !overwrite) return rc;
  /* overwrite an existing item: one commit replacing the whole file set */
  char *dir = ps__path_join(c->path, item);
  if (!dir) return PS_NOMEM();
  ps__txn t;
  rc = ps__txn_begin(c, item, dir, &t);
  if (rc == PS_OK) {
    ps__manifest *m = NULL;
    rc = fill(ctx, &t, &m);
    if (rc == PS_OK) rc = ps__txn_commit_meta(&t, m, meta); /* data and metadata: one commit */
    ps__manifest_free(m);
    ps__txn_end(&t);
  }
  ps__free_mem(dir);
  return rc;
}

int ps__item_create(ps_collection *c, const char *item, const ps_frame *rows, int64_t part_rows, json_t *meta) {
  create_rows x = {rows, part_rows};
  return ps__item_create_with(c, item, meta, fill_rows, &x);
}

/* ---- write ---- */

int ps__parse_user_metadata(const char *text, json_t **out) {
  *out = NULL;
  if (!text) return PS_OK;
  json_error_t err;
  int oom;
  json_t *j = ps__json_loadb(text, strlen(text), &err, &oom);
  if (!j && oom) return PS_NOMEM();
  if (!j) return ps__error(PS_ERR_PARSE, "metadata: invalid JSON at column %d: %s", err.column, err.text);
  if (!json_is_object(j)) {
    json_decref(j);
    return ps__error(PS_ERR_INVALID, "metadata must be a JSON object");
  }
  json_object_del(j, "_updated");
  *out = j;
  return PS_OK;
}

static int check_coll_item(ps_collection *c, const char *item) {
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  return ps__name_check("item", item);
}

int ps_item_write(ps_collection *c, const char *item, const ps_frame *data, const ps_item_write_options *opt) {
  ps_item_write_options defaults;
  memset(&defaults, 0, sizeof defaults);
  if (!opt) opt = &defaults;
  PS_TRY(check_coll_item(c, item));
  PS_TRY(ps__check_index(data));
  json_t *meta;
  PS_TRY(ps__parse_user_metadata(opt->metadata, &meta));
  ps_frame *rows_owned = NULL;
  const ps_frame *rows = NULL;
  int rc;
  PS_CHECK(ps__frame_sort_dedup_view(data, opt->duplicates, &rows, &rows_owned));
  create_rows x = {rows, opt->part_rows};
  rc = ps__item_write_with(c, item, meta, opt->overwrite, fill_rows, &x);
fail:
  if (rc < 0) ps__error_prefix(rc, "write %s/%s/%s", c->store->name, c->name, item);
  json_decref(meta);
  ps_frame_free(rows_owned);
  return rc;
}

/* ---- read ---- */


int ps__part_bounds_stats(void *vctx, const char *column, ps_col_stats *out) {
  ps__part_bounds *x = vctx;
  const ps_column *b = x->b;
  if (strcmp(column, b->name) != 0) return 0;
  memset(out, 0, sizeof *out);
  out->type = b->type;
  out->unit = b->unit;
  out->has_min_max = 1;
  out->null_count = 0;
  out->num_values = x->rows;
  int64_t lo = 2 * x->k, hi = lo + 1;
  switch (b->type) {
    case PS_TYPE_FLOAT32:
      out->min.d = ((const float *)b->values)[lo];
      out->max.d = ((const float *)b->values)[hi];
      break;
    case PS_TYPE_FLOAT64:
      out->min.d = ((const double *)b->values)[lo];
      out->max.d = ((const double *)b->values)[hi];
      break;
    case PS_TYPE_UINT64:
      out->min.u = ((const uint64_t *)b->values)[lo];
      out->max.u = ((const uint64_t *)b->values)[hi];
      break;
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY:
      out->min_s = ps_column_string(b, lo, &out->min_len);
      out->max_s = ps_column_string(b, hi, &out->max_len);
      break;
    default:
      out->min.i = ps__column_get_i64(b, lo);
      out->max.i = ps__column_get_i64(b, hi);
      break;
  }
  return 1;
}

int ps__index_bound_expr(const ps_column *ic, const char *text, ps_op op, ps_expr **out) {
  ps_value v;
  memset(&v, 0, sizeof v);
  char *end = NULL;
  errno = 0;
  switch (ic->type) {
    case PS_TYPE_TIMESTAMP:
    case PS_TYPE_DATE:
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY:
      v.kind = PS_VALUE_STRING;
      v.s = text;
      v.len = strlen(text);
      break;
    case PS_TYPE_FLOAT32:
    case PS_TYPE_FLOAT64:
      v.kind = PS_VALUE_DOUBLE;
      v.d = strtod(text, &end);
      break;
    case PS_TYPE_UINT64:
      v.kind = PS_VALUE_UINT;
      v.u = strtoull(text, &end, 10);
      break;
    case PS_TYPE_BOOL:
      v.kind = PS_VALUE_BOOL;
      v.i = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
      break;
    default:
      v.kind = PS_VALUE_INT;
      v.i = strtoll(text, &end, 10);
      break;
  }
  if (end && (end == text || *end || errno))
    return ps__error(PS_ERR_INVALID, "index bound '%s' is not a valid %s for index '%s'", text, ps_type_name(ic->type), ic->name);
  return ps_expr_compare(ic->name, op, &v, out);
}

typedef struct read_plan {
  ps_expr *range;   /* start/end (owned) */
  ps_expr *combined; /* range AND filter (owned), or NULL */
  const ps_expr *read_filter;
  const ps_expr *post_filter;
} read_plan;

static void plan_free(read_plan *p) {
  ps_expr_free(p->combined);
  if (!p->combined) ps_expr_free(p->range);
  memset(p, 0, sizeof *p);
}

static int plan_build(const ps__manifest *m, const ps_item_read_options *opt, read_plan *p) {
  memset(p, 0, sizeof *p);
  const ps_column *ic = m->schema && m->schema->index >= 0 ? m->schema->cols[m->schema->index] : NULL;
  if ((opt->start || opt->end) && !ic) return ps__error(PS_ERR_INVALID, "start/end given but the item has no index");
  if (opt->start) PS_TRY(ps__index_bound_expr(ic, opt->start, PS_OP_GE, &p->range));
  if (opt->end) {
    ps_expr *e;
    int rc = ps__index_bound_expr(ic, opt->end, PS_OP_LE, &e);
    if (rc < 0) {
      plan_free(p);
      return rc;
    }
    if (p->range) {
      ps_expr *both;
      rc = ps_expr_and(p->range, e, &both);
      p->range = NULL;
      if (rc < 0) return rc;
      p->range = both;
    } else {
      p->range = e;
    }
  }
  p->read_filter = p->range ? p->range : opt->filter;
  if (p->range && opt->filter) {
    /* combine by cloning the caller's filter through its text form */
    char *text = NULL;
    ps_expr *clone = NULL;
    if (ps_expr_to_string(opt->filter, &text) == PS_OK && ps_expr_parse(text, &clone) == PS_OK) {
      ps_expr *both;
      if (ps_expr_and(p->range, clone, &both) == PS_OK) {
        p->combined = both;
        p->read_filter = both;
      } else {
        /* ps_expr_and took ownership of both operands even on failure */
        p->range = NULL;
        ps_free(text);
        return ps__error(PS_ERR_NOMEM, "cannot combine filters");
      }
    } else {
      ps_expr_free(clone);
      p->post_filter = opt->filter;
    }
    ps_free(text);
  }
  return PS_OK;
}

static int part_may_match(const ps__manifest *m, int k, const ps_item_read_options *opt, const read_plan *p) {
  if (m->legacy || !m->bounds || m->bounds->length < 2 * (k + 1)) return 1;
  ps__part_bounds x = {m->bounds, k, m->parts[k].rows};
  /* p->range may have been flattened into p->combined by ps_expr_and (its node freed) */
  const ps_expr *range = p->combined ? p->combined : p->range;
  if (range) {
    int r = ps__expr_may_match(range, ps__part_bounds_stats, &x);
    if (r <= 0) return r;
  }
  if (opt->filter) {
    int r = ps__expr_may_match(opt->filter, ps__part_bounds_stats, &x);
    if (r <= 0) return r;
  }
  return 1;
}

static void add_stats(ps_read_stats *acc, const ps_read_stats *s) {
  acc->row_groups_total += s->row_groups_total;
  acc->row_groups_read += s->row_groups_read;
  acc->pages_total += s->pages_total;
  acc->pages_read += s->pages_read;
  acc->bytes_read += s->bytes_read;
}

/* An empty result frame with the projected columns. */
static int empty_result(const ps__manifest *m, const ps_item_read_options *opt, ps_frame **out) {
  ps_frame *f;
  if (!m->schema) return ps_frame_new(out);
  PS_TRY(ps__frame_clone_empty(m->schema, &f));
  if (opt->columns) {
    for (int i = f->ncols - 1; i >= 0; i--) {
      if (i == f->index) continue;
      int keep = 0;
      for (size_t k = 0; k < opt->num_columns; k++)
        if (strcmp(opt->columns[k], f->cols[i]->name) == 0) keep = 1;
      if (!keep) {
        char *nm = ps__strdup(f->cols[i]->name);
        if (nm) ps_frame_drop_column(f, nm);
        ps__free_mem(nm);
      }
    }
    for (size_t k = 0; k < opt->num_columns; k++)
      if (ps_frame_column_index(m->schema, opt->columns[k]) < 0) {
        ps_frame_free(f);
        return ps__error(PS_ERR_NOT_FOUND, "no column named '%s'", opt->columns[k]);
      }
  }
  *out = f;
  return PS_OK;
}

/* One attempt: NOT_FOUND from a part means a writer replaced it: retry. */
static int read_once(const char *dir, const ps_item_read_options *opt, int64_t offset_from_end, ps_frame **out,
                     int *retry) {
  *out = NULL;
  *retry = 0;
  ps__manifest *m;
  PS_TRY(ps__manifest_load(dir, &m));
  read_plan plan;
  int rc = plan_build(m, opt, &plan);
  if (rc < 0) {
    ps__manifest_free(m);
    return rc;
  }
  ps_parquet_file **files = ps__calloc((size_t)(m->nparts ? m->nparts : 1), sizeof *files);
  ps_frame *acc = NULL;
  int64_t parts_read = 0;
  ps_read_stats total;
  memset(&total, 0, sizeof total);
  if (!files) {
    rc = PS_NOMEM();
    goto done;
  }
  /* choose parts; for tail (offset_from_end > 0) only the last ones */
  int first = 0;
  int64_t head_rows = 0;
  if (offset_from_end > 0 && !m->legacy) {
    int64_t need = offset_from_end;
    first = m->nparts;
    while (first > 0 && need > 0) need -= m->parts[--first].rows;
  }
  for (int k = first; k < m->nparts; k++) {
    int r = part_may_match(m, k, opt, &plan);
    if (r < 0) {
      rc = r;
      goto done;
    }
    if (!r) {
      PS_DEBUG("%s: part %s pruned: its index range cannot match start/end/filter", dir, m->parts[k].file); /* Phase 3 */
      continue;
    }
    char *p = ps__path_join(dir, m->parts[k].file);
    if (!p) {
      rc = PS_NOMEM();
      goto done;
    }
    rc = ps_parquet_open(p, &files[k]);
    ps__free_mem(p);
    if (rc == PS_ERR_NOT_FOUND && !m->legacy) *retry = 1;
    if (rc < 0) goto done;
    /* head (a limit, no row filter): the parts opened so far hold the first
     * `limit` rows; opening the others (mmap + footer) would be wasted work,
     * and every extra open is a chance to race with a commit and retry */
    if (opt->limit > 0 && !m->legacy && !plan.read_filter && !plan.post_filter && offset_from_end <= 0) {
      head_rows += m->parts[k].rows;
      if (head_rows >= opt->limit) break;
    }
  }
  /* all chosen parts are open: the snapshot of the file set is fixed */
  int64_t got = 0;
  for (int k = first; k < m->nparts; k++) {
    if (!files[k]) continue;
    if (opt->limit > 0 && got >= opt->limit && !m->legacy) break;
    ps_read_options ro;
    memset(&ro, 0, sizeof ro);
    ro.columns = opt->columns;
    ro.num_columns = opt->num_columns;
    ro.filter = plan.read_filter;
    ro.threads = opt->threads;
    ro.no_crc_check = opt->no_crc_check;
    ps_read_stats st;
    memset(&st, 0, sizeof st);
    ro.stats = &st;
    if (opt->limit > 0 && !m->legacy && !plan.post_filter) ro.limit = opt->limit - got;
    if (acc && !plan.post_filter && !m->legacy) { /* decode straight into the result */
      PS_CHECK(ps__parquet_read_append(files[k], &ro, acc));
      parts_read++;
      add_stats(&total, &st);
      got = acc->nrows;
      continue;
    }
    ps_frame *f;
    PS_CHECK(ps_parquet_read(files[k], &ro, &f));
    parts_read++;
    add_stats(&total, &st);
    if (plan.post_filter) {
      ps_frame *g;
      rc = ps_frame_filter(f, plan.post_filter, &g);
      ps_frame_free(f);
      if (rc < 0) goto fail;
      f = g;
    }
    got += f->nrows;
    PS_CHECK(concat_into(&acc, f));
  }
  if (!acc) PS_CHECK(empty_result(m, opt, &acc));
  if (m->legacy && acc->index >= 0 && !ps__frame_index_sorted(acc)) {
    ps_frame *s;
    PS_CHECK(ps__frame_sort_dedup(acc, PS_DUP_KEEP_ALL, &s));
    ps_frame_free(acc);
    acc = s;
  }
  if (offset_from_end > 0 && acc->nrows > offset_from_end) {
    ps_frame *s;
    PS_CHECK(ps__frame_slice(acc, acc->nrows - offset_from_end, offset_from_end, &s));
    ps_frame_free(acc);
    acc = s;
  } else if (opt->limit > 0 && acc->nrows > opt->limit) {
    ps_frame *s;
    PS_CHECK(ps__frame_slice(acc, 0, opt->limit, &s));
    ps_frame_free(acc);
    acc = s;
  }
  if (opt->stats) *opt->stats = total;
  if (opt->parts_read) *opt->parts_read = parts_read;
  *out = acc;
  acc = NULL;
  goto done;
fail:
done:
  ps_frame_free(acc);
  for (int k = 0; files && k < m->nparts; k++) ps_parquet_close(files[k]);
  ps__free_mem(files);
  plan_free(&plan);
  ps__manifest_free(m);
  return rc;
}

static int read_dir(const ps_collection *c, const char *item, const char *snapshot, const ps_item_read_options *opt,
                    int64_t tail, ps_frame **out) {
  *out = NULL;
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("item", item));
  if (snapshot) PS_TRY(ps__name_check("snapshot", snapshot));
  char *dir = ps__item_dir(c, item, snapshot);
  if (!dir) return PS_NOMEM();
  int rc = PS_OK;
  for (int attempt = 0; attempt < 100; attempt++) {
    int retry;
    rc = read_once(dir, opt, tail, out, &retry);
    if (!retry) break;
  }
  if (rc < 0) ps__error_prefix(rc, "read %s/%s/%s%s%s", c->store->name, c->name, item, snapshot ? " @" : "", snapshot ? snapshot : "");
  ps__free_mem(dir);
  return rc;
}

int ps_item_read(ps_collection *c, const char *item, const ps_item_read_options *opt, ps_frame **out) {
  ps_item_read_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!out) return ps__error(PS_ERR_INVALID, "ps_item_read: out is NULL");
  return read_dir(c, item, opt->snapshot, opt, 0, out);
}

int ps_item_head(ps_collection *c, const char *item, int64_t n, const char *snapshot, ps_frame **out) {
  ps_item_read_options o;
  memset(&o, 0, sizeof o);
  if (n <= 0) n = 5;
  o.limit = n;
  return read_dir(c, item, snapshot, &o, 0, out);
}

int ps_item_tail(ps_collection *c, const char *item, int64_t n, const char *snapshot, ps_frame **out) {
  ps_item_read_options o;
  memset(&o, 0, sizeof o);
  if (n <= 0) n = 5;
  return read_dir(c, item, snapshot, &o, n, out);
}

static int load_manifest_for(ps_collection *c, const char *item, const char *snapshot, ps__manifest **m) {
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("item", item));
  if (snapshot) PS_TRY(ps__name_check("snapshot", snapshot));
  char *dir = ps__item_dir(c, item, snapshot);
  if (!dir) return PS_NOMEM();
  int rc = ps__manifest_load(dir, m);
  ps__free_mem(dir);
  return rc;
}

int ps_item_exists(ps_collection *c, const char *item) {
  ps__manifest *m;
  if (load_manifest_for(c, item, NULL, &m) < 0) return 0;
  ps__manifest_free(m);
  return 1;
}

int ps_item_info_get(ps_collection *c, const char *item, const char *snapshot, ps_item_info *out) {
  ps__manifest *m;
  PS_TRY(load_manifest_for(c, item, snapshot, &m));
  memset(out, 0, sizeof *out);
  out->num_rows = m->rows;
  out->num_parts = m->nparts;
  out->version = m->legacy ? 0 : m->version;
  out->has_manifest = !m->legacy;
  ps__manifest_free(m);
  return PS_OK;
}

int ps_item_schema(ps_collection *c, const char *item, const char *snapshot, ps_frame **out) {
  ps__manifest *m;
  PS_TRY(load_manifest_for(c, item, snapshot, &m));
  int rc = m->schema ? ps__frame_clone_empty(m->schema, out) : ps_frame_new(out);
  ps__manifest_free(m);
  return rc;
}

/* ---- metadata ---- */

int ps_item_metadata(ps_collection *c, const char *item, const char *snapshot, char **out_json) {
  *out_json = NULL;
  ps__manifest *m;
  PS_TRY(load_manifest_for(c, item, snapshot, &m));
  char *dir = ps__item_dir(c, item, snapshot);
  char *path = dir ? ps__metadata_path(dir, m) : NULL; /* the version's metadata, see ps__txn_commit_meta */
  ps__manifest_free(m);
  if (!path) {
    ps__free_mem(dir);
    return PS_NOMEM();
  }
  json_t *j;
  int rc = ps__json_load(path, &j);
  if (rc == PS_ERR_NOT_FOUND && !ends_with(path, "/" PS_METADATA_FILE)) {
    /* the staged file was just moved into place by its writer */
    ps__free_mem(path);
    path = ps__path_join(dir, PS_METADATA_FILE);
    rc = path ? ps__json_load(path, &j) : PS_NOMEM();
  }
  ps__free_mem(path);
  ps__free_mem(dir);
  if (rc == PS_ERR_NOT_FOUND) { /* PyStore <= 0.1.23 named it metadata.json */
    char *d2 = ps__item_dir(c, item, snapshot);
    char *p2 = d2 ? ps__path_join(d2, "metadata.json") : NULL;
    ps__free_mem(d2);
    if (!p2) return PS_NOMEM();
    rc = ps__json_load(p2, &j);
    ps__free_mem(p2);
  }
  if (rc == PS_ERR_NOT_FOUND) {
    *out_json = ps__strdup("{}");
    return *out_json ? PS_OK : PS_NOMEM();
  }
  if (rc < 0) return rc;
  *out_json = json_dumps(j, JSON_SORT_KEYS);
  json_decref(j);
  return *out_json ? PS_OK : PS_NOMEM();
}

int ps_item_set_metadata(ps_collection *c, const char *item, const char *json) {
  PS_TRY(check_coll_item(c, item));
  json_t *meta;
  PS_TRY(ps__parse_user_metadata(json ? json : "{}", &meta));
  char *dir = ps__path_join(c->path, item);
  int rc = PS_OK;
  if (!dir) {
    rc = PS_NOMEM();
  } else {
    ps__txn t;
    rc = ps__txn_begin(c, item, dir, &t);
    if (rc == PS_OK) {
      rc = ps__metadata_write(dir, meta, t.durable);
      ps__txn_end(&t);
    }
  }
  ps__free_mem(dir);
  json_decref(meta);
  return rc;
}

int ps_item_delete(ps_collection *c, const char *item) {
  PS_TRY(check_coll_item(c, item));
  int cfd, ifd = -1;
  PS_TRY(ps__lock_dir(c->path, &c->store->opt, &cfd));
  char *dir = ps__path_join(c->path, item);
  char *del = ps__hidden_temp(c->path, "del", item);
  int rc = PS_OK;
  if (!dir || !del) {
    rc = PS_NOMEM();
    goto done;
  }
  struct stat lst;
  int is_link = lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode);
  char *lockp = is_link ? NULL : ps__path_join(dir, PS_LOCK_FILE);
  /* a lock file that is a link cannot be held by any writer (they refuse it) */
  int lock_is_link = lockp && lstat(lockp, &lst) == 0 && S_ISLNK(lst.st_mode);
  ps__free_mem(lockp);
  if (!is_link && !ps__is_dir(dir)) {
    rc = ps__error(PS_ERR_NOT_FOUND, "item '%s' does not exist in %s", item, c->path);
    goto done;
  }
  /* wait for a writer in the middle of a commit; an item that is a symbolic
   * link has no writers (they refuse it): the link itself is removed below,
   * its target is never touched */
  if (!is_link && !lock_is_link) rc = ps__lock_dir(dir, &c->store->opt, &ifd);
  if (rc < 0) goto done;
  if (ps__io_rename(dir, del) != 0) {
    rc = ps__error(ps_status_from_errno(errno), "%s: cannot remove: %s", dir, strerror(errno));
    goto done;
  }
  if (durable(c)) ps_fsync_parent_dir(dir);
  ps__cache_note_write(dir); /* Phase 3 */
  ps__unlock(ifd);
  ifd = -1;
  /* the item is gone (the rename was the commit point); what cannot be
   * removed now is a .del-* leftover that the next holder of the collection
   * lock removes: not a failure of the delete */
  if (ps__rmtree(del) < 0) PS_WARN("delete: %s", ps_errmsg());
  rc = PS_OK;
done:
  ps__unlock(ifd);
  ps__unlock(cfd);
  ps__free_mem(dir);
  ps__free_mem(del);
  return rc;
}
