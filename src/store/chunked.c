/* Chunked reading: an iterator over an item yielding frames of chunk_rows
 * rows. Parts are chosen by their manifest index ranges, opened at open time
 * (fixing the version read), and read one row group at a time, so memory is
 * about one chunk plus one row group. Also: the read memory budget. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/file.h"
#include "store/phase3_internal.h"
#include "table/expr.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/log.h"

struct ps_chunk_reader {
  char *label;               /* "coll/item" for messages */
  ps_parquet_file **files;   /* chosen parts, in order */
  int nfiles, fi, rg;
  ps_expr *own_filter;       /* range AND filter (owned) */
  const ps_expr *filter;
  const ps_expr *post_filter; /* applied after reading if it could not be combined */
  char **columns;
  size_t ncols;
  int threads;
  int64_t chunk_rows, rows_out;
  ps_frame *pending;
  int64_t pending_pos;
};

/* ---- index bounds and part pruning ---- */

static int and_into(ps_expr **acc, ps_expr *e) {
  if (!*acc) {
    *acc = e;
    return PS_OK;
  }
  ps_expr *both;
  int rc = ps_expr_and(*acc, e, &both);
  *acc = rc == PS_OK ? both : NULL;
  return rc;
}


/* Plan: manifest, filter, chosen parts. */
typedef struct plan {
  ps__manifest *m;
  ps_expr *filter; /* owned combined filter (or NULL) */
  const ps_expr *use;
  const ps_expr *post;
  uint8_t *chosen;
} plan;

static void plan_free(plan *p) {
  ps__manifest_free(p->m);
  ps_expr_free(p->filter);
  ps__free_mem(p->chosen);
  memset(p, 0, sizeof *p);
}

static int plan_make(const char *dir, const char *start, const char *end, const ps_expr *filter, plan *p) {
  memset(p, 0, sizeof *p);
  int rc = PS_OK;
  PS_CHECK(ps__manifest_load(dir, &p->m));
  ps__manifest *m = p->m;
  const ps_column *ic = m->schema && m->schema->index >= 0 ? m->schema->cols[m->schema->index] : NULL;
  if ((start || end) && !ic) {
    rc = ps__error(PS_ERR_INVALID, "start/end given but the item has no index");
    goto fail;
  }
  ps_expr *range = NULL;
  if (start) {
    ps_expr *e;
    PS_CHECK(ps__index_bound_expr(ic, start, PS_OP_GE, &e));
    PS_CHECK(and_into(&range, e));
  }
  if (end) {
    ps_expr *e;
    rc = ps__index_bound_expr(ic, end, PS_OP_LE, &e);
    if (rc < 0) {
      ps_expr_free(range);
      goto fail;
    }
    PS_CHECK(and_into(&range, e));
  }
  p->filter = range;
  p->use = range ? range : filter;
  if (range && filter) {
    char *text = NULL;
    ps_expr *clone = NULL;
    if (ps_expr_to_string(filter, &text) == PS_OK && ps_expr_parse(text, &clone) == PS_OK) {
      p->filter = NULL;
      rc = and_into(&range, clone);
      p->filter = range;
      p->use = range;
      ps_free(text);
      if (rc < 0) goto fail;
    } else {
      ps_free(text);
      ps_expr_free(clone);
      p->post = filter;
    }
  }
  p->chosen = ps__calloc((size_t)m->nparts + 1, 1);
  if (!p->chosen) {
    rc = PS_NOMEM();
    goto fail;
  }
  for (int k = 0; k < m->nparts; k++) {
    p->chosen[k] = 1;
    if (m->legacy || !m->bounds || m->bounds->length < 2 * (k + 1) || !p->use) continue;
    ps__part_bounds x = {m->bounds, k, m->parts[k].rows};
    int r = ps__expr_may_match(p->use, ps__part_bounds_stats, &x);
    if (r < 0) {
      rc = r;
      goto fail;
    }
    if (r == 0) {
      p->chosen[k] = 0;
      PS_DEBUG("%s: part %s pruned: its index range cannot match the start/end/filter", dir, m->parts[k].file);
    }
  }
  return PS_OK;
fail:
  plan_free(p);
  return rc;
}

static double est_row_bytes(const ps_frame *schema, const char *const *cols, size_t ncols) {
  double b = 0;
  for (int i = 0; i < schema->ncols; i++) {
    const ps_column *c = schema->cols[i];
    int keep = !cols || i == schema->index;
    for (size_t k = 0; cols && k < ncols; k++) keep |= strcmp(cols[k], c->name) == 0;
    if (!keep) continue;
    b += ps_is_string_type(c->type) ? 40.0 : (double)ps_type_width(c->type);
  }
  return b < 1 ? 1 : b;
}

/* ---- the chunk reader ---- */

void ps_chunk_reader_close(ps_chunk_reader *r) {
  if (!r) return;
  for (int i = 0; r->files && i < r->nfiles; i++) ps_parquet_close(r->files[i]);
  ps__free_mem(r->files);
  ps_expr_free(r->own_filter);
  for (size_t i = 0; i < r->ncols; i++) ps__free_mem(r->columns[i]);
  ps__free_mem(r->columns);
  ps_frame_free(r->pending);
  ps__free_mem(r->label);
  ps__free_mem(r);
}

static int open_once(const char *dir, const ps_chunk_options *opt, ps_chunk_reader *r, int *retry) {
  *retry = 0;
  plan p;
  PS_TRY(plan_make(dir, opt->start, opt->end, opt->filter, &p));
  int rc = PS_OK;
  int64_t max_rg_rows = 0;
  r->files = ps__calloc((size_t)p.m->nparts + 1, sizeof *r->files);
  if (!r->files) {
    rc = PS_NOMEM();
    goto done;
  }
  for (int k = 0; k < p.m->nparts; k++) {
    if (!p.chosen[k]) continue;
    char *path = ps__path_join(dir, p.m->parts[k].file);
    if (!path) {
      rc = PS_NOMEM();
      goto done;
    }
    rc = ps_parquet_open(path, &r->files[r->nfiles]);
    ps__free_mem(path);
    if (rc == PS_ERR_NOT_FOUND && !p.m->legacy) *retry = 1;
    if (rc < 0) goto done;
    ps_parquet_file *pf = r->files[r->nfiles++];
    for (uint32_t g = 0; g < pf->meta.num_row_groups; g++)
      if (pf->meta.row_groups[g].num_rows > max_rg_rows) max_rg_rows = pf->meta.row_groups[g].num_rows;
  }
  int64_t budget = opt->memory_budget > 0 ? opt->memory_budget : ps_memory_budget();
  if (budget > 0 && p.m->schema) {
    double rb = est_row_bytes(p.m->schema, opt->columns, opt->num_columns);
    double need = rb * (double)(r->chunk_rows + max_rg_rows);
    if (need > (double)budget) {
      rc = ps__error(PS_ERR_LIMIT,
                     "a chunk of %lld rows plus a row group of %lld rows needs ~%.0f bytes, over the memory budget of %lld "
                     "bytes (use a smaller chunk_rows)",
                     (long long)r->chunk_rows, (long long)max_rg_rows, need, (long long)budget);
      goto done;
    }
  }
  r->own_filter = p.filter;
  p.filter = NULL;
  r->filter = p.use;
  r->post_filter = p.post;
  PS_DEBUG("%s: chunked read opens %d of %d parts", dir, r->nfiles, p.m->nparts);
done:
  if (rc < 0) {
    for (int i = 0; r->files && i < r->nfiles; i++) ps_parquet_close(r->files[i]);
    ps__free_mem(r->files);
    r->files = NULL;
    r->nfiles = 0;
  }
  plan_free(&p);
  return rc;
}

int ps_item_chunks_open(ps_collection *c, const char *item, const ps_chunk_options *opt, ps_chunk_reader **out) {
  ps_chunk_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!c || !out) return ps__error(PS_ERR_INVALID, "ps_item_chunks_open: NULL argument");
  *out = NULL;
  PS_TRY(ps__name_check("item", item));
  if (opt->snapshot) PS_TRY(ps__name_check("snapshot", opt->snapshot));
  if (opt->chunk_rows < 0) return ps__error(PS_ERR_INVALID, "chunk_rows must be >= 0");
  ps_chunk_reader *r = ps__calloc(1, sizeof *r);
  if (!r) return PS_NOMEM();
  r->chunk_rows = opt->chunk_rows > 0 ? opt->chunk_rows : PS_DEFAULT_CHUNK_ROWS;
  r->threads = opt->threads;
  int rc = PS_OK;
  {
    size_t n = strlen(c->store->name) + strlen(c->name) + strlen(item) + 3;
    r->label = ps__malloc(n);
    if (r->label) snprintf(r->label, n, "%s/%s/%s", c->store->name, c->name, item);
  }
  char *dir = ps__item_dir(c, item, opt->snapshot);
  if (!dir) {
    rc = PS_NOMEM();
    goto fail;
  }
  if (opt->columns) {
    r->columns = ps__calloc(opt->num_columns + 1, sizeof *r->columns);
    if (!r->columns) {
      rc = PS_NOMEM();
      goto fail;
    }
    for (size_t i = 0; i < opt->num_columns; i++) {
      if (!(r->columns[i] = ps__strdup(opt->columns[i] ? opt->columns[i] : ""))) {
        rc = PS_NOMEM();
        goto fail;
      }
      r->ncols++;
    }
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    int retry;
    rc = open_once(dir, opt, r, &retry);
    if (!retry) break;
  }
  if (rc < 0) goto fail;
  ps__free_mem(dir);
  *out = r;
  return PS_OK;
fail:
  ps__error_prefix(rc, "read_in_chunks %s/%s/%s", c->store->name, c->name, item);
  ps__free_mem(dir);
  ps_chunk_reader_close(r);
  return rc;
}

/* Read the next non-empty row group into r->pending (NULL at the end). */
static int next_row_group(ps_chunk_reader *r, ps_frame **out) {
  *out = NULL;
  while (r->fi < r->nfiles) {
    ps_parquet_file *pf = r->files[r->fi];
    if (r->rg >= ps_parquet_num_row_groups(pf)) {
      ps_parquet_close(pf);
      r->files[r->fi++] = NULL;
      r->rg = 0;
      continue;
    }
    ps_read_options ro;
    memset(&ro, 0, sizeof ro);
    ro.columns = (const char *const *)r->columns;
    ro.num_columns = r->ncols;
    ro.filter = r->filter;
    ro.threads = r->threads;
    ps_frame *f;
    PS_TRY(ps__parquet_read_row_groups(pf, &ro, r->rg++, 1, &f));
    if (r->post_filter) {
      ps_frame *g;
      int rc = ps_frame_filter(f, r->post_filter, &g);
      ps_frame_free(f);
      PS_TRY(rc);
      f = g;
    }
    if (f->nrows == 0) {
      ps_frame_free(f);
      continue;
    }
    *out = f;
    return PS_OK;
  }
  return PS_OK;
}

int ps_chunk_reader_next(ps_chunk_reader *r, ps_frame **out) {
  if (!r || !out) return ps__error(PS_ERR_INVALID, "ps_chunk_reader_next: NULL argument");
  *out = NULL;
  ps_frame *acc = NULL;
  int rc = PS_OK;
  while (!acc || acc->nrows < r->chunk_rows) {
    if (!r->pending || r->pending_pos >= r->pending->nrows) {
      ps_frame_free(r->pending);
      r->pending = NULL;
      r->pending_pos = 0;
      PS_CHECK(next_row_group(r, &r->pending));
      if (!r->pending) break;
    }
    int64_t want = r->chunk_rows - (acc ? acc->nrows : 0);
    int64_t have = r->pending->nrows - r->pending_pos;
    int64_t k = have < want ? have : want;
    if (!acc) PS_CHECK(ps__frame_clone_empty(r->pending, &acc));
    PS_CHECK(ps__frame_append_range(acc, r->pending, r->pending_pos, k));
    r->pending_pos += k;
  }
  if (acc) r->rows_out += acc->nrows;
  *out = acc;
  return PS_OK;
fail:
  ps_frame_free(acc);
  return ps__error_prefix(rc, "read_in_chunks %s", r->label ? r->label : "");
}

int64_t ps_chunk_reader_rows(const ps_chunk_reader *r) { return r ? r->rows_out : 0; }

/* ---- read with a memory budget ---- */

int ps_item_read_budget(ps_collection *c, const char *item, const ps_item_read_options *opt, int64_t budget, ps_frame **out) {
  ps_item_read_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!c || !out) return ps__error(PS_ERR_INVALID, "read: NULL argument");
  *out = NULL;
  if (budget <= 0) budget = ps_memory_budget();
  if (budget > 0) {
    PS_TRY(ps__name_check("item", item));
    char *dir = ps__item_dir(c, item, opt->snapshot);
    if (!dir) return PS_NOMEM();
    plan p;
    int rc = plan_make(dir, opt->start, opt->end, opt->filter, &p);
    ps__free_mem(dir);
    if (rc < 0) return ps__error_prefix(rc, "read %s/%s/%s", c->store->name, c->name, item);
    int64_t rows = 0;
    for (int k = 0; k < p.m->nparts; k++)
      if (p.chosen[k]) rows += p.m->parts[k].rows;
    if (opt->limit > 0 && rows > opt->limit) rows = opt->limit;
    double need = p.m->schema ? est_row_bytes(p.m->schema, opt->columns, opt->num_columns) * (double)rows : 0;
    plan_free(&p);
    if (need > (double)budget)
      return ps__error(PS_ERR_LIMIT,
                       "read %s/%s/%s: up to %lld rows (~%.0f bytes) exceed the memory budget of %lld bytes; "
                       "read in chunks or narrow columns/start/end",
                       c->store->name, c->name, item, (long long)rows, need, (long long)budget);
  }
  return ps_item_read(c, item, opt, out);
}
