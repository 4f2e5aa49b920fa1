/* Streaming append: batches from a callback, cut into chunks, each chunk
 * sorted and de-duplicated. Chunks that arrive in order after everything
 * before them are written straight into new parts ("direct" path: memory =
 * one chunk + one row group, no stored data read). A chunk out of order (or
 * overlapping stored parts) switches the stream to spilling: every later
 * chunk is written as a sorted run to a hidden temporary file, and at the
 * end the overlapped stored parts, the direct parts and the runs are k-way
 * merged (row group by row group, fan-in FANIN, multi-level) into the final
 * parts. One commit at the end: all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/phase3_internal.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/json_oom.h"
#include "util/fileio.h"
#include "util/log.h"

#define FANIN 16

/* ---- cursors over sorted sequences of Parquet files ---- */

typedef struct cursor {
  char **files; /* borrowed paths */
  int nfiles, fi;
  ps_parquet_file *pf;
  int rg, nrg;
  ps_frame *buf;
  int64_t pos;
  int done;
} cursor;

static int cur_fill(cursor *c) {
  while (!c->done && (!c->buf || c->pos >= c->buf->nrows)) {
    ps_frame_free(c->buf);
    c->buf = NULL;
    c->pos = 0;
    if (!c->pf) {
      if (c->fi >= c->nfiles) {
        c->done = 1;
        break;
      }
      PS_TRY(ps_parquet_open(c->files[c->fi], &c->pf));
      c->rg = 0;
      c->nrg = ps_parquet_num_row_groups(c->pf);
    }
    if (c->rg >= c->nrg) {
      ps_parquet_close(c->pf);
      c->pf = NULL;
      c->fi++;
      continue;
    }
    PS_TRY(ps__parquet_read_row_groups(c->pf, NULL, c->rg++, 1, &c->buf));
    if (c->buf->index < 0) return ps__error(PS_ERR_SCHEMA, "%s: no index column", c->files[c->fi]);
  }
  return PS_OK;
}

static void cur_close(cursor *c) {
  ps_frame_free(c->buf);
  ps_parquet_close(c->pf);
  memset(c, 0, sizeof *c);
}

static const ps_column *cur_idx(const cursor *c) { return c->buf->cols[c->buf->index]; }

typedef int (*emit_fn)(void *ctx, const ps_frame *f);

/* k-way merge of sorted sources in priority order (0 = oldest). For an index
 * value in several sources: KEEP_LAST keeps the newest source's rows,
 * KEEP_FIRST the oldest's, KEEP_ALL all (oldest first), ERROR fails. */
static int merge(cursor *cs, int n, ps_duplicates dup, const ps_frame *schema, int64_t out_rows, emit_fn emit, void *ctx) {
  ps_frame *out = NULL;
  ps_column *v = NULL;
  int rc = PS_OK;
  PS_CHECK(ps__frame_clone_empty(schema, &out));
  for (;;) {
    int mi = -1;
    for (int i = 0; i < n; i++) {
      PS_CHECK(cur_fill(&cs[i]));
      if (cs[i].done) continue;
      if (mi < 0 || ps__value_cmp(cur_idx(&cs[i]), cs[i].pos, cur_idx(&cs[mi]), cs[mi].pos) < 0) mi = i;
    }
    if (mi < 0) break;
    int tie = 0, second = -1;
    for (int i = 0; i < n; i++) {
      if (i == mi || cs[i].done) continue;
      int c = ps__value_cmp(cur_idx(&cs[i]), cs[i].pos, cur_idx(&cs[mi]), cs[mi].pos);
      if (c == 0) tie = 1;
      else if (second < 0 || ps__value_cmp(cur_idx(&cs[i]), cs[i].pos, cur_idx(&cs[second]), cs[second].pos) < 0) second = i;
    }
    if (!tie) {
      cursor *m = &cs[mi];
      const ps_column *ic = cur_idx(m);
      int64_t e = m->pos + 1, nr = m->buf->nrows;
      if (second < 0) {
        e = nr;
      } else {
        const ps_column *sc = cur_idx(&cs[second]);
        while (e < nr && ps__value_cmp(ic, e, sc, cs[second].pos) < 0) e++;
      }
      PS_CHECK(ps__frame_append_range(out, m->buf, m->pos, e - m->pos));
      m->pos = e;
    } else {
      ps__column_free(v);
      v = NULL;
      const ps_column *ic = cur_idx(&cs[mi]);
      PS_CHECK(ps__column_new(ic->name, ic->type, ic->unit, ic->tz, &v));
      PS_CHECK(ps__column_append_range(v, ic, cs[mi].pos, 1));
      int first = -1, last = -1, count = 0;
      for (int i = 0; i < n; i++)
        if (!cs[i].done && ps__value_cmp(cur_idx(&cs[i]), cs[i].pos, v, 0) == 0) {
          if (first < 0) first = i;
          last = i;
          count++;
        }
      if (dup == PS_DUP_ERROR && count > 1) {
        char buf[128];
        ps__value_string(v, 0, buf, sizeof buf);
        rc = ps__error(PS_ERR_DUPLICATE, "duplicate index value %s (policy 'error'); nothing was written", buf);
        goto fail;
      }
      for (int i = 0; i < n; i++) {
        int keep = dup == PS_DUP_KEEP_ALL || dup == PS_DUP_ERROR || (dup == PS_DUP_KEEP_LAST && i == last) ||
                   (dup == PS_DUP_KEEP_FIRST && i == first);
        while (!cs[i].done && ps__value_cmp(cur_idx(&cs[i]), cs[i].pos, v, 0) == 0) {
          if (keep) PS_CHECK(ps__frame_append_range(out, cs[i].buf, cs[i].pos, 1));
          cs[i].pos++;
          PS_CHECK(cur_fill(&cs[i]));
        }
      }
    }
    if (out->nrows >= out_rows) {
      PS_CHECK(emit(ctx, out));
      ps_frame_free(out);
      out = NULL;
      PS_CHECK(ps__frame_clone_empty(schema, &out));
    }
  }
  if (out->nrows > 0) PS_CHECK(emit(ctx, out));
fail:
  ps__column_free(v);
  ps_frame_free(out);
  return rc;
}

static int emit_sink(void *ctx, const ps_frame *f) { return ps__sink_write(ctx, f); }
static int emit_writer(void *ctx, const ps_frame *f) { return ps_parquet_writer_write(ctx, f); }

/* ---- the stream ---- */

typedef struct stream {
  ps__txn *t;
  const ps_stream_options *opt;
  ps_batch_fn next;
  void *user;
  ps_frame *first_batch; /* peeked before the transaction */
  ps_frame *schema;      /* item schema (empty frame) */
  int strategy;
  int64_t target, chunk_rows;
  ps_frame *pending;
  ps__manifest *dm; /* parts written by the direct path */
  ps__sink dsink;
  int dsink_on;
  ps_column *maxv;  /* largest index value so far (direct path) */
  int spilling;
  char **runs;
  int nruns, runs_cap;
  ps_column *gmin, *gmax;
  int keep_upto; /* stored parts [0, keep_upto) stay unless merged */
  int64_t rows_in, chunks;
  int run_seq;
} stream;

static int col_keep(ps_column **dst, const ps_column *src, int64_t row) {
  ps__column_free(*dst);
  *dst = NULL;
  PS_TRY(ps__column_new(src->name, src->type, src->unit, src->tz, dst));
  return ps__column_append_range(*dst, src, row, 1);
}

static int spill_path(stream *s, char **out) {
  char name[96];
  snprintf(name, sizeof name, "spill.%d.parquet.tmp-run-%ld", s->run_seq++, (long)getpid());
  *out = ps__path_join(s->t->dir, name);
  if (!*out) return PS_NOMEM();
  int rc = ps__txn_track(s->t, *out);
  if (rc < 0) { /* callers own *out only on success */
    ps__free_mem(*out);
    *out = NULL;
  }
  return rc;
}

static int push_run(stream *s, char *path) {
  if (s->nruns == s->runs_cap) {
    int cap = s->runs_cap ? s->runs_cap * 2 : 16;
    char **r = ps__realloc(s->runs, (size_t)cap * sizeof *r);
    if (!r) {
      ps__free_mem(path);
      return PS_NOMEM();
    }
    s->runs = r;
    s->runs_cap = cap;
  }
  s->runs[s->nruns++] = path;
  return PS_OK;
}

static int spill_run(stream *s, const ps_frame *run) {
  char *path;
  PS_TRY(spill_path(s, &path));
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.row_group_rows = s->chunk_rows;
  wo.threads = 1;
  int rc = ps_parquet_write(path, run, &wo);
  if (rc < 0) {
    ps__free_mem(path);
    return rc;
  }
  PS_DEBUG("append_stream: chunk of %lld rows out of order: spilled as sorted run %d", (long long)run->nrows, s->nruns);
  return push_run(s, path);
}

static const ps_column *stored_bounds(const stream *s) { return s->t->m->bounds; }

/* Feed stored part k (the last, same period as the first new rows) into the direct sink. */
static int feed_part(stream *s, int k) {
  char *p = ps__path_join(s->t->dir, s->t->m->parts[k].file);
  if (!p) return PS_NOMEM();
  cursor c;
  memset(&c, 0, sizeof c);
  c.files = &p;
  c.nfiles = 1;
  int rc;
  for (;;) {
    rc = cur_fill(&c);
    if (rc < 0 || c.done) break;
    if ((rc = ps__sink_write(&s->dsink, c.buf)) < 0) break;
    c.pos = c.buf->nrows;
  }
  cur_close(&c);
  ps__free_mem(p);
  return rc;
}

static int process_chunk(stream *s, ps_frame *chunk) {
  ps_frame *run = NULL;
  int rc = PS_OK;
  PS_CHECK(ps__frame_sort_dedup(chunk, s->opt->duplicates, &run));
  const ps_column *ic = run->cols[run->index];
  int64_t last = run->nrows - 1;
  if (!s->gmin || ps__value_cmp(ic, 0, s->gmin, 0) < 0) PS_CHECK(col_keep(&s->gmin, ic, 0));
  if (!s->gmax || ps__value_cmp(ic, last, s->gmax, 0) > 0) PS_CHECK(col_keep(&s->gmax, ic, last));
  if (!s->spilling && (!s->maxv || ps__value_cmp(ic, 0, s->maxv, 0) > 0)) {
    if (!s->dsink_on) {
      if (!s->dm) {
        PS_CHECK(ps__manifest_new(s->schema, &s->dm));
        s->dm->next_part = s->t->m->next_part;
      }
      PS_CHECK(ps__sink_init(&s->dsink, s->t, s->dm, s->strategy, s->target, 0));
      s->dsink_on = 1;
      const ps__manifest *old = s->t->m;
      if (ps__is_time_strategy(s->strategy) && old->nparts > 0 && stored_bounds(s)) {
        ps__period pa, pb;
        PS_CHECK(ps__period_init(&pa, s->strategy, stored_bounds(s)));
        PS_CHECK(ps__period_init(&pb, s->strategy, ic));
        if (ps__period_key(&pa, stored_bounds(s), 2 * old->nparts - 1) == ps__period_key(&pb, ic, 0)) {
          PS_DEBUG("append_stream: the last stored part %s shares a period with the new rows: rewritten", old->parts[old->nparts - 1].file);
          PS_CHECK(feed_part(s, old->nparts - 1));
          s->keep_upto = old->nparts - 1;
        }
      }
    }
    PS_CHECK(ps__sink_write(&s->dsink, run));
    PS_CHECK(col_keep(&s->maxv, ic, last));
  } else {
    if (!s->spilling) PS_DEBUG("append_stream: chunk %lld overlaps earlier rows: switching to sorted runs + merge", (long long)s->chunks);
    s->spilling = 1;
    PS_CHECK(spill_run(s, run));
  }
  s->chunks++;
  if (s->chunks % 64 == 0) (void)ps_memory_check("append_stream");
fail:
  ps_frame_free(run);
  return rc;
}

static int take_batch(stream *s, ps_frame *b) {
  int rc = PS_OK;
  ps_frame *conf = NULL;
  PS_CHECK(ps__check_index(b));
  if (!s->schema) {
    PS_CHECK(ps__frame_clone_empty(b, &s->schema));
    for (int i = 0; i < s->schema->ncols; i++) s->schema->cols[i]->nullable = b->cols[i]->nullable;
  }
  PS_CHECK(ps__schema_check(s->schema, b, s->opt->widen));
  PS_CHECK(ps__conform(s->schema, b, &conf));
  s->rows_in += conf->nrows;
  for (int64_t i = 0; i < conf->nrows;) {
    if (!s->pending) PS_CHECK(ps__frame_clone_empty(s->schema, &s->pending));
    int64_t room = s->chunk_rows - s->pending->nrows;
    int64_t k = conf->nrows - i < room ? conf->nrows - i : room;
    PS_CHECK(ps__frame_append_range(s->pending, conf, i, k));
    i += k;
    if (s->pending->nrows >= s->chunk_rows) {
      ps_frame *ch = s->pending;
      s->pending = NULL;
      rc = process_chunk(s, ch);
      ps_frame_free(ch);
      if (rc < 0) goto fail;
    }
  }
fail:
  ps_frame_free(conf);
  return rc;
}

static void unlink_all(char **paths, int n) {
  for (int i = 0; i < n; i++) ps__io_unlink(paths[i]);
}

/* Merge groups of FANIN runs until at most FANIN remain. */
static int reduce_runs(stream *s) {
  while (s->nruns > FANIN) {
    char **next = NULL;
    int nn = 0;
    int rc = PS_OK;
    next = ps__calloc((size_t)(s->nruns / FANIN + 2), sizeof *next);
    if (!next) return PS_NOMEM();
    for (int g = 0; g < s->nruns && rc == PS_OK; g += FANIN) {
      int k = s->nruns - g < FANIN ? s->nruns - g : FANIN;
      cursor cs[FANIN];
      memset(cs, 0, sizeof cs);
      for (int i = 0; i < k; i++) {
        cs[i].files = &s->runs[g + i];
        cs[i].nfiles = 1;
      }
      char *path = NULL;
      ps_parquet_writer *w = NULL;
      ps_write_options wo;
      memset(&wo, 0, sizeof wo);
      wo.row_group_rows = s->chunk_rows;
      wo.threads = 1;
      rc = spill_path(s, &path);
      if (rc == PS_OK) rc = ps_parquet_writer_open(path, &wo, &w);
      if (rc == PS_OK) rc = merge(cs, k, s->opt->duplicates, s->schema, s->chunk_rows, emit_writer, w);
      if (w) {
        if (rc == PS_OK) rc = ps_parquet_writer_close(w);
        else ps_parquet_writer_abort(w);
      }
      for (int i = 0; i < k; i++) cur_close(&cs[i]);
      if (rc == PS_OK) next[nn++] = path;
      else ps__free_mem(path);
    }
    if (rc < 0) {
      for (int i = 0; i < nn; i++) ps__free_mem(next[i]);
      ps__free_mem(next);
      return rc;
    }
    PS_DEBUG("append_stream: merged %d runs into %d", s->nruns, nn);
    unlink_all(s->runs, s->nruns);
    for (int i = 0; i < s->nruns; i++) ps__free_mem(s->runs[i]);
    ps__free_mem(s->runs);
    s->runs = next;
    s->nruns = nn;
    s->runs_cap = s->nruns / FANIN + 2;
  }
  return PS_OK;
}

static int add_parts(ps__manifest *m, const ps__manifest *src, int from, int to) {
  for (int k = from; k < to; k++)
    PS_TRY(ps__manifest_add_part(m, src->parts[k].file, src->parts[k].rows, src->bounds, 2 * k, 2 * k + 1));
  return PS_OK;
}

/* Build the manifest to publish (not committed). */
static int finish(stream *s, ps__manifest **out) {
  *out = NULL;
  ps__manifest *old = s->t->m, *m = NULL;
  char **spaths = NULL, **dpaths = NULL;
  int rc = PS_OK;
  if (s->pending && s->pending->nrows > 0) {
    ps_frame *ch = s->pending;
    s->pending = NULL;
    rc = process_chunk(s, ch);
    ps_frame_free(ch);
    if (rc < 0) return rc;
  }
  if (s->dsink_on) {
    s->dsink_on = 0;
    PS_TRY(ps__sink_finish(&s->dsink));
  }
  if (!s->dm) {
    PS_TRY(ps__manifest_new(s->schema, &s->dm));
    s->dm->next_part = old->next_part;
  }
  PS_TRY(ps__manifest_new(s->schema, &m));
  m->strategy = s->strategy;
  m->target_bytes = s->target;
  if (!s->spilling) {
    m->next_part = s->dm->next_part;
    PS_CHECK(add_parts(m, old, 0, s->keep_upto));
    PS_CHECK(add_parts(m, s->dm, 0, s->dm->nparts));
    *out = m;
    return PS_OK;
  }
  PS_CHECK(reduce_runs(s));
  /* the stored parts the new rows reach */
  int lo = 0, hi = 0, nst = s->keep_upto;
  const ps_column *b = old->bounds;
  if (b && nst > 0) {
    while (lo < nst && ps__value_cmp(b, 2 * lo + 1, s->gmin, 0) < 0) lo++;
    hi = lo;
    while (hi < nst && ps__value_cmp(b, 2 * hi, s->gmax, 0) <= 0) hi++;
    ps__partition_extend_run(old, s->gmin, 0, 0, &lo, &hi);
    ps__partition_extend_run(old, s->gmax, 0, 0, &lo, &hi);
    if (s->dm->nparts > 0) hi = nst; /* the direct parts follow every stored part */
  }
  PS_DEBUG("append_stream: merging %d stored parts, %d direct parts and %d runs", hi - lo, s->dm->nparts, s->nruns);
  int nsrc = 2 + s->nruns;
  cursor *cs = ps__calloc((size_t)nsrc, sizeof *cs);
  spaths = ps__calloc((size_t)(hi - lo) + 1, sizeof *spaths);
  dpaths = ps__calloc((size_t)s->dm->nparts + 1, sizeof *dpaths);
  if (!cs || !spaths || !dpaths) {
    ps__free_mem(cs);
    rc = PS_NOMEM();
    goto fail;
  }
  for (int k = lo; k < hi; k++)
    if (!(spaths[k - lo] = ps__path_join(s->t->dir, old->parts[k].file))) rc = PS_NOMEM();
  for (int k = 0; k < s->dm->nparts; k++)
    if (!(dpaths[k] = ps__path_join(s->t->dir, s->dm->parts[k].file))) rc = PS_NOMEM();
  if (rc == PS_OK) {
    cs[0].files = spaths;
    cs[0].nfiles = hi - lo;
    cs[1].files = dpaths;
    cs[1].nfiles = s->dm->nparts;
    for (int i = 0; i < s->nruns; i++) {
      cs[2 + i].files = &s->runs[i];
      cs[2 + i].nfiles = 1;
    }
    m->next_part = s->dm->next_part;
    rc = add_parts(m, old, 0, lo);
    ps__sink sk;
    if (rc == PS_OK) rc = ps__sink_init(&sk, s->t, m, s->strategy, s->target, 0);
    if (rc == PS_OK) {
      rc = merge(cs, nsrc, s->opt->duplicates, s->schema, s->chunk_rows, emit_sink, &sk);
      if (rc == PS_OK) rc = ps__sink_finish(&sk);
      else ps__sink_abort(&sk);
    }
    if (rc == PS_OK) rc = add_parts(m, old, hi, nst);
  }
  for (int i = 0; i < nsrc; i++) cur_close(&cs[i]);
  ps__free_mem(cs);
  if (rc < 0) goto fail;
  /* intermediate files are not part of the new version */
  unlink_all(dpaths, s->dm->nparts);
  unlink_all(s->runs, s->nruns);
  *out = m;
  m = NULL;
fail:
  for (int k = 0; spaths && k < hi - lo; k++) ps__free_mem(spaths[k]);
  for (int k = 0; dpaths && k < s->dm->nparts; k++) ps__free_mem(dpaths[k]);
  ps__free_mem(spaths);
  ps__free_mem(dpaths);
  ps__manifest_free(m);
  return rc;
}

/* Runs the whole stream against transaction t (an existing item, or an
 * empty temporary one being created). */
static int run_stream(stream *s, ps__manifest **out) {
  ps__manifest *old = s->t->m;
  int rc = PS_OK;
  if (old->schema) PS_TRY(ps__frame_clone_empty(old->schema, &s->schema));
  if (old->nparts > 0 && old->bounds && old->bounds->length >= 2 * old->nparts)
    PS_TRY(col_keep(&s->maxv, old->bounds, 2 * old->nparts - 1));
  s->keep_upto = old->nparts;
  int want = s->opt->partition.strategy;
  s->strategy = want != PS_PARTITION_NONE ? want : old->strategy;
  s->target = want != PS_PARTITION_NONE ? s->opt->partition.target_bytes : old->target_bytes;
  ps_frame *b = s->first_batch;
  s->first_batch = NULL;
  int first = 1;
  while (b) {
    if (first && s->strategy == PS_PARTITION_AUTO) {
      /* a stream's span is unknown up front: time index -> monthly, else size */
      const ps_column *ic = b->index >= 0 ? b->cols[b->index] : NULL;
      s->strategy = ic && (ic->type == PS_TYPE_TIMESTAMP || ic->type == PS_TYPE_DATE) ? PS_PARTITION_MONTHLY : PS_PARTITION_SIZE;
    }
    first = 0;
    rc = take_batch(s, b);
    ps_frame_free(b);
    b = NULL;
    if (rc < 0) return rc;
    rc = s->next(s->user, &b);
    if (rc < 0) {
      ps_frame_free(b);
      return ps__error_prefix(rc, "the batch source failed after %lld rows; nothing was committed", (long long)s->rows_in);
    }
  }
  if (ps__is_time_strategy(s->strategy) && s->schema) {
    ps__period p;
    PS_TRY(ps__period_init(&p, s->strategy, s->schema->cols[s->schema->index]));
  }
  return finish(s, out);
}

static void stream_free(stream *s) {
  if (s->dsink_on) ps__sink_abort(&s->dsink);
  ps_frame_free(s->first_batch);
  ps_frame_free(s->schema);
  ps_frame_free(s->pending);
  ps__manifest_free(s->dm);
  for (int i = 0; i < s->nruns; i++) ps__free_mem(s->runs[i]);
  ps__free_mem(s->runs);
  ps__column_free(s->maxv);
  ps__column_free(s->gmin);
  ps__column_free(s->gmax);
}

static int create_fill(void *ctx, ps__txn *t, ps__manifest **m) {
  stream *s = ctx;
  s->t = t;
  return run_stream(s, m);
}

int ps_item_append_stream(ps_collection *c, const char *item, ps_batch_fn next, void *user, const ps_stream_options *opt) {
  ps_stream_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!c || !next) return ps__error(PS_ERR_INVALID, "append_stream: NULL collection or batch source");
  PS_TRY(ps__name_check("item", item));
  if ((unsigned)opt->duplicates > PS_DUP_KEEP_ALL || opt->chunk_rows < 0 || (unsigned)opt->partition.strategy > PS_PARTITION_AUTO)
    return ps__error(PS_ERR_INVALID, "append_stream %s/%s: invalid options", c->name, item);
  stream s;
  memset(&s, 0, sizeof s);
  s.opt = opt;
  s.next = next;
  s.user = user;
  s.chunk_rows = opt->chunk_rows > 0 ? opt->chunk_rows : PS_DEFAULT_CHUNK_ROWS;
  char *dir = NULL;
  json_t *meta = NULL;
  int rc = next(user, &s.first_batch);
  if (rc < 0) goto done;
  if (!s.first_batch) goto done; /* an empty stream is a no-op */
  if (opt->metadata) {
    json_error_t err;
    int oom;
    meta = ps__json_loadb(opt->metadata, strlen(opt->metadata), &err, &oom);
    if (!meta && oom) {
      rc = PS_NOMEM();
      goto done;
    }
    if (!meta || !json_is_object(meta)) {
      rc = ps__error(PS_ERR_PARSE, "metadata must be a JSON object");
      goto done;
    }
    json_object_del(meta, "_updated");
  }
  dir = ps__path_join(c->path, item);
  if (!dir) {
    rc = PS_NOMEM();
    goto done;
  }
  for (int attempt = 0; attempt < 3; attempt++) {
    ps__txn t;
    rc = ps__txn_begin(c, item, dir, &t);
    if (rc == PS_ERR_NOT_FOUND && opt->create) {
      rc = ps__item_create_with(c, item, meta, create_fill, &s);
      if (rc == PS_ERR_EXISTS && s.first_batch) continue; /* created meanwhile, nothing consumed: append */
      break;
    }
    if (rc < 0) break;
    if (t.m->legacy) {
      /* a PyStore item: bring it under a manifest first (sorted parts) */
      ps__txn_end(&t);
      rc = ps_item_compact(c, item, 0, NULL);
      if (rc < 0) break;
      continue;
    }
    s.t = &t;
    ps__manifest *m = NULL;
    rc = run_stream(&s, &m);
    if (rc == PS_OK) rc = ps__txn_commit(&t, m);
    if (rc == PS_OK) {
      /* refresh _updated, keep the user keys (best effort: data is committed) */
      char *mp = ps__path_join(dir, PS_METADATA_FILE);
      json_t *j = NULL;
      if (mp && ps__json_load(mp, &j) == PS_OK && json_is_object(j)) {
        json_object_del(j, "_updated");
        (void)ps__metadata_write(dir, j, t.durable);
      }
      json_decref(j);
      ps__free_mem(mp);
    }
    ps__manifest_free(m);
    ps__txn_end(&t);
    break;
  }
done:
  if (rc == PS_OK && opt->out_rows) *opt->out_rows = s.rows_in;
  if (opt->out_spilled_runs) *opt->out_spilled_runs = s.run_seq;
  if (rc < 0) ps__error_prefix(rc, "append_stream %s/%s/%s", c->store->name, c->name, item);
  else PS_INFO("append_stream %s/%s: %lld rows in %lld chunks (%d spilled runs)", c->name, item, (long long)s.rows_in,
               (long long)s.chunks, s.run_seq);
  stream_free(&s);
  json_decref(meta);
  ps__free_mem(dir);
  return rc;
}

/* ---- memory budget on appends ---- */

typedef struct slice_src {
  const ps_frame *data;
  int64_t pos, step;
} slice_src;

static int next_slice(void *u, ps_frame **out) {
  slice_src *x = u;
  *out = NULL;
  if (x->pos >= x->data->nrows) return PS_OK;
  int64_t k = x->data->nrows - x->pos < x->step ? x->data->nrows - x->pos : x->step;
  PS_TRY(ps__frame_slice(x->data, x->pos, k, out));
  x->pos += k;
  return PS_OK;
}

int ps_item_append_budget(ps_collection *c, const char *item, const ps_frame *data, const ps_append_options *opt,
                          int64_t budget) {
  ps_append_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!c || !data) return ps__error(PS_ERR_INVALID, "append: NULL argument");
  if (budget <= 0) budget = ps_memory_budget();
  int64_t need = 3 * ps_frame_memory_bytes(data); /* conformed copy + sorted copy + merge output */
  if (budget <= 0 || need <= budget) return ps_item_append(c, item, data, opt);
  double row = ps_frame_memory_bytes(data) / (double)(data->nrows ? data->nrows : 1);
  int64_t step = (int64_t)((double)budget / (4.0 * (row > 0 ? row : 1)));
  if (step < 1)
    return ps__error(PS_ERR_LIMIT, "append %s/%s/%s: a memory budget of %lld bytes cannot hold even one row",
                     c->store->name, c->name, item, (long long)budget);
  if (step > PS_DEFAULT_CHUNK_ROWS) step = PS_DEFAULT_CHUNK_ROWS;
  PS_INFO("append %s/%s: ~%lld bytes exceed the memory budget %lld: streaming in chunks of %lld rows", c->name, item,
          (long long)need, (long long)budget, (long long)step);
  slice_src src = {data, 0, step};
  ps_stream_options so;
  memset(&so, 0, sizeof so);
  so.duplicates = opt->duplicates;
  so.create = opt->create;
  so.widen = opt->widen;
  so.chunk_rows = step;
  return ps_item_append_stream(c, item, next_slice, &src, &so);
}
