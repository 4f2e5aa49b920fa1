/* Partitioning: strategies (size, monthly, quarterly, yearly, auto), period
 * keys in the index's zone, the part sink that cuts sorted rows into part
 * files, partitioned writes, rebalancing, and atomic item creation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parquet/writer.h"
#include "store/phase3_internal.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/timefmt.h"

static const char *const STRAT_NAMES[] = {"none", "size", "monthly", "quarterly", "yearly", "auto"};

int ps_partition_strategy_from_name(const char *name, ps_partition_strategy *out) {
  for (int i = 0; i < 6; i++)
    if (name && strcmp(name, STRAT_NAMES[i]) == 0) {
      *out = (ps_partition_strategy)i;
      return PS_OK;
    }
  return ps__error(PS_ERR_INVALID, "unknown partition strategy '%s' (size, monthly, quarterly, yearly, auto)",
                   name ? name : "(null)");
}

const char *ps_partition_strategy_name(ps_partition_strategy s) {
  return (unsigned)s < 6 ? STRAT_NAMES[s] : "unknown";
}

int ps__is_time_strategy(int s) {
  return s == PS_PARTITION_MONTHLY || s == PS_PARTITION_QUARTERLY || s == PS_PARTITION_YEARLY;
}

static int is_time_type(ps_type t) { return t == PS_TYPE_TIMESTAMP || t == PS_TYPE_DATE; }

/* ---- periods ---- */

int ps__period_init(ps__period *p, int strategy, const ps_column *ic) {
  memset(p, 0, sizeof *p);
  p->strategy = strategy;
  p->lo = 1;
  p->hi = 0; /* empty cache */
  if (!is_time_type(ic->type))
    return ps__error(PS_ERR_INVALID, "%s partitioning needs a timestamp or date index; index '%s' is %s",
                     ps_partition_strategy_name(strategy), ic->name, ps_type_name(ic->type));
  p->is_date = ic->type == PS_TYPE_DATE;
  p->unit = ic->unit;
  if (!p->is_date && ic->tz) {
    PS_TRY(ps__tz_load_status(ic->tz, &p->zone));
    if (!p->zone) PS_WARN("time zone '%s' of index '%s' not found in the tz database: partition boundaries in UTC", ic->tz, ic->name);
  }
  return PS_OK;
}

static int64_t floordiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t ps__period_key(ps__period *p, const ps_column *ic, int64_t row) {
  int64_t days;
  if (p->is_date) {
    days = ((const int32_t *)ic->values)[row];
  } else {
    int64_t v = ((const int64_t *)ic->values)[row];
    int64_t sec = floordiv(v, ps_unit_per_second(p->unit));
    if (p->zone) {
      if (!(sec >= p->lo && sec < p->hi)) p->off = ps__tz_offset(p->zone, sec, &p->lo, &p->hi);
      sec += p->off;
    }
    days = floordiv(sec, 86400);
  }
  int64_t y;
  unsigned m, d;
  ps_civil_from_days(days, &y, &m, &d);
  switch (p->strategy) {
    case PS_PARTITION_YEARLY: return y;
    case PS_PARTITION_QUARTERLY: return y * 4 + (m - 1) / 3;
    default: return y * 12 + (m - 1);
  }
}

double ps__row_bytes(const ps_frame *f) {
  double bytes = 0;
  for (int i = 0; i < f->ncols; i++) {
    const ps_column *c = f->cols[i];
    if (ps_is_string_type(c->type)) bytes += 8.0 + (c->length ? (double)c->bytes_len / (double)c->length : 0.0);
    else bytes += (double)ps_type_width(c->type);
  }
  return bytes < 1 ? 1 : bytes;
}

int ps__partition_resolve(int strategy, int64_t target, const ps_frame *rows, int *out) {
  *out = strategy;
  const ps_column *ic = rows && rows->index >= 0 ? rows->cols[rows->index] : NULL;
  if (ps__is_time_strategy(strategy)) {
    if (!ic) return ps__error(PS_ERR_INVALID, "time partitioning needs an index");
    ps__period p;
    return ps__period_init(&p, strategy, ic);
  }
  if (strategy != PS_PARTITION_AUTO) return PS_OK;
  if (!ic || !is_time_type(ic->type) || rows->nrows == 0) {
    *out = PS_PARTITION_SIZE;
    return PS_OK;
  }
  if (target <= 0) target = PS_DEFAULT_TARGET_BYTES;
  double total = ps__row_bytes(rows) * (double)rows->nrows;
  static const int order[] = {PS_PARTITION_YEARLY, PS_PARTITION_QUARTERLY, PS_PARTITION_MONTHLY};
  for (int k = 0; k < 3; k++) {
    ps__period p;
    PS_TRY(ps__period_init(&p, order[k], ic));
    int64_t periods = ps__period_key(&p, ic, rows->nrows - 1) - ps__period_key(&p, ic, 0) + 1;
    if (total / (double)periods <= (double)target || k == 2) {
      *out = order[k];
      PS_DEBUG("auto partitioning of %lld rows (~%.0f MB) over %lld %s periods: %s", (long long)rows->nrows,
               total / 1048576.0, (long long)periods, ps_partition_strategy_name(order[k]), ps_partition_strategy_name(order[k]));
      return PS_OK;
    }
  }
  return PS_OK;
}

void ps__partition_extend_run(const ps__manifest *old, const ps_column *ni, int64_t first, int64_t last, int *lo, int *hi) {
  if (!ps__is_time_strategy(old->strategy) || !old->bounds || old->legacy) return;
  if (old->bounds->length < 2 * old->nparts) return;
  ps__period pb, pn;
  if (ps__period_init(&pb, old->strategy, old->bounds) < 0 || ps__period_init(&pn, old->strategy, ni) < 0) return;
  int64_t kf = ps__period_key(&pn, ni, first), kl = ps__period_key(&pn, ni, last);
  while (*lo > 0 && ps__period_key(&pb, old->bounds, 2 * (*lo - 1) + 1) == kf) (*lo)--;
  while (*hi < old->nparts && ps__period_key(&pb, old->bounds, 2 * *hi) == kl) (*hi)++;
}

/* ---- the sink ---- */

int ps__txn_track(ps__txn *t, const char *path) {
  char **w = ps__realloc(t->written, (t->nwritten + 1) * sizeof *w);
  if (!w) return PS_NOMEM();
  t->written = w;
  w[t->nwritten] = ps__strdup(path);
  if (!w[t->nwritten]) return PS_NOMEM();
  t->nwritten++;
  return PS_OK;
}

int ps__sink_init(ps__sink *s, ps__txn *t, ps__manifest *into, int strategy, int64_t target, int64_t fixed_rows) {
  memset(s, 0, sizeof *s);
  s->t = t;
  s->into = into;
  s->strategy = strategy;
  s->target = target > 0 ? target : (strategy ? PS_DEFAULT_TARGET_BYTES : (int64_t)PS_DEFAULT_PART_BYTES);
  s->fixed_rows = fixed_rows;
  s->wo.codec = t->coll ? t->coll->store->opt.codec : PS_CODEC_DEFAULT;
  s->wo.fsync = t->durable;
  return PS_OK;
}

static int set_one(ps_column **dst, const ps_column *src, int64_t row) {
  ps__column_free(*dst);
  *dst = NULL;
  PS_TRY(ps__column_new(src->name, src->type, src->unit, src->tz, dst));
  return ps__column_append_range(*dst, src, row, 1);
}

static int sink_close_part(ps__sink *s) {
  if (!s->w) return PS_OK;
  ps_parquet_writer *w = s->w;
  s->w = NULL;
  PS_TRY(ps_parquet_writer_close(w));
  ps_column *b = NULL;
  int rc = set_one(&b, s->first, 0);
  if (rc == PS_OK) rc = ps__column_append_range(b, s->last, 0, 1);
  if (rc == PS_OK) rc = ps__manifest_add_part(s->into, s->name, s->rows, b, 0, 1);
  ps__column_free(b);
  if (rc < 0) return rc;
  PS_DEBUG("wrote part %s: %lld rows (partition strategy %s)", s->name, (long long)s->rows, ps_partition_strategy_name(s->strategy));
  s->rows = 0;
  return PS_OK;
}

int ps__sink_write(ps__sink *s, const ps_frame *rows) {
  int64_t n = rows->nrows;
  if (n == 0) return PS_OK;
  if (rows->index < 0) return ps__error(PS_ERR_INVALID, "rows without an index");
  const ps_column *ic = rows->cols[rows->index];
  int time = ps__is_time_strategy(s->strategy);
  if (!s->part_rows_cap) {
    if (s->fixed_rows > 0) s->part_rows_cap = s->fixed_rows;
    else s->part_rows_cap = (int64_t)((double)s->target / ps__row_bytes(rows));
    if (s->part_rows_cap < 1) s->part_rows_cap = 1;
    if (time) PS_TRY(ps__period_init(&s->per, s->strategy, ic));
  }
  for (int64_t i = 0; i < n;) {
    int64_t key = time ? ps__period_key(&s->per, ic, i) : 0;
    if (s->w && time && key != s->key) PS_TRY(sink_close_part(s));
    if (!s->w) {
      snprintf(s->name, sizeof s->name, "part.%lld.parquet", (long long)s->into->next_part++);
      char *path = ps__path_join(s->t->dir, s->name);
      if (!path) return PS_NOMEM();
      int rc = ps__txn_track(s->t, path);
      if (rc == PS_OK) rc = ps_parquet_writer_open(path, &s->wo, &s->w);
      ps__free_mem(path);
      if (rc < 0) return rc;
      PS_TRY(set_one(&s->first, ic, i));
      s->key = key;
      s->rows = 0;
    }
    int64_t j = n - i <= s->part_rows_cap - s->rows ? n : i + (s->part_rows_cap - s->rows);
    if (time && ps__period_key(&s->per, ic, j - 1) != key) {
      int64_t a = i, b = j - 1; /* key(a) == key, key(b) != key: find the first row of a later period */
      while (b - a > 1) {
        int64_t mid = a + (b - a) / 2;
        if (ps__period_key(&s->per, ic, mid) == key) a = mid;
        else b = mid;
      }
      j = b;
    }
    int rc;
    rc = ps__parquet_writer_write_rows(s->w, rows, i, j - i); /* no slice copy */
    if (rc < 0) return rc;
    s->rows += j - i;
    PS_TRY(set_one(&s->last, ic, j - 1));
    if (s->rows >= s->part_rows_cap) PS_TRY(sink_close_part(s));
    i = j;
  }
  return PS_OK;
}

int ps__sink_finish(ps__sink *s) {
  int rc = sink_close_part(s);
  ps__sink_abort(s);
  return rc;
}

void ps__sink_abort(ps__sink *s) {
  if (s->w) ps_parquet_writer_abort(s->w);
  s->w = NULL;
  ps__column_free(s->first);
  ps__column_free(s->last);
  s->first = s->last = NULL;
}

int ps__partition_write(ps__txn *t, const ps_frame *rows, int strategy, int64_t target, int64_t fixed_rows,
                        ps__manifest *into) {
  ps__sink s;
  int st = strategy;
  if (st == PS_PARTITION_AUTO) PS_TRY(ps__partition_resolve(st, target, rows, &st));
  PS_TRY(ps__sink_init(&s, t, into, st, target, fixed_rows));
  int rc = ps__sink_write(&s, rows);
  if (rc == PS_OK) return ps__sink_finish(&s);
  ps__sink_abort(&s);
  return rc;
}

/* ---- public: partitioned write, rebalance, remembered strategy ---- */

typedef struct wp_ctx {
  const ps_frame *rows;
  int strategy;
  int64_t target, part_rows;
} wp_ctx;

static int wp_fill(void *vctx, ps__txn *t, ps__manifest **m) {
  wp_ctx *x = vctx;
  PS_TRY(ps__manifest_new(x->rows, m));
  (*m)->strategy = x->strategy;
  (*m)->target_bytes = x->target;
  (*m)->next_part = t->m->next_part;
  return ps__partition_write(t, x->rows, x->strategy, x->target, x->part_rows, *m);
}

int ps_item_write_partitioned(ps_collection *c, const char *item, const ps_frame *data, const ps_item_write_options *wopt,
                              const ps_partition_options *popt) {
  ps_item_write_options wd;
  ps_partition_options pd;
  memset(&wd, 0, sizeof wd);
  memset(&pd, 0, sizeof pd);
  if (!wopt) wopt = &wd;
  if (!popt) popt = &pd;
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  if (popt->strategy == PS_PARTITION_NONE) return ps_item_write(c, item, data, wopt);
  PS_TRY(ps__name_check("item", item));
  PS_TRY(ps__check_index(data));
  if ((unsigned)popt->strategy > PS_PARTITION_AUTO || popt->target_bytes < 0)
    return ps__error(PS_ERR_INVALID, "write %s/%s: invalid partition options", c->name, item);
  json_t *meta = NULL;
  ps_frame *rows_owned = NULL;
  const ps_frame *rows = NULL;
  int rc;
  PS_CHECK(ps__parse_user_metadata(wopt->metadata, &meta));
  PS_CHECK(ps__frame_sort_dedup_view(data, wopt->duplicates, &rows, &rows_owned));
  wp_ctx x = {rows, popt->strategy, popt->target_bytes, wopt->part_rows};
  PS_CHECK(ps__partition_resolve(popt->strategy, popt->target_bytes, rows, &x.strategy));
  rc = ps__item_write_with(c, item, meta, wopt->overwrite, wp_fill, &x);
fail:
  if (rc < 0) ps__error_prefix(rc, "write %s/%s/%s", c->store->name, c->name, item);
  json_decref(meta);
  ps_frame_free(rows_owned);
  return rc;
}


int ps_item_rebalance(ps_collection *c, const char *item, const ps_partition_options *popt, int64_t *out_parts) {
  ps_partition_options pd;
  memset(&pd, 0, sizeof pd);
  if (!popt) popt = &pd;
  if (!c) return ps__error(PS_ERR_INVALID, "collection is NULL");
  PS_TRY(ps__name_check("item", item));
  if (popt->strategy == PS_PARTITION_NONE || (unsigned)popt->strategy > PS_PARTITION_AUTO || popt->target_bytes < 0)
    return ps__error(PS_ERR_INVALID, "rebalance %s/%s: give a partition strategy (size, monthly, quarterly, yearly, auto)",
                     c->name, item);
  char *dir = ps__path_join(c->path, item);
  if (!dir) return PS_NOMEM();
  ps__txn t;
  int rc = ps__txn_begin(c, item, dir, &t);
  ps__free_mem(dir);
  if (rc < 0) return ps__error_prefix(rc, "rebalance %s/%s/%s", c->store->name, c->name, item);
  ps__manifest *old = t.m, *m = NULL;
  ps_frame *all = NULL, *chunk = NULL;
  ps_parquet_file *pf = NULL;
  ps__sink s;
  memset(&s, 0, sizeof s);
  int strategy = popt->strategy;
  if (old->legacy) {
    /* PyStore parts may overlap: sort in memory once */
    PS_CHECK(ps__read_parts(t.dir, old, 0, old->nparts, &all));
    if (all->index < 0) {
      rc = ps__error(PS_ERR_SCHEMA, "the stored item has no index column");
      goto fail;
    }
  }
  const ps_frame *schema = all ? all : old->schema;
  PS_CHECK(ps__manifest_new(schema, &m));
  m->next_part = old->next_part;
  if (strategy == PS_PARTITION_AUTO) {
    /* resolve from the manifest: rows, span and the schema's row width */
    if (all) {
      PS_CHECK(ps__partition_resolve(strategy, popt->target_bytes, all, &strategy));
    } else if (old->bounds && old->nparts > 0 && is_time_type(old->bounds->type)) {
      /* a 2-row frame (first, last) with the item's row count scaled in by bytes */
      ps__period p;
      double total = 0;
      int64_t tgt = popt->target_bytes > 0 ? popt->target_bytes : PS_DEFAULT_TARGET_BYTES;
      {
        ps_frame *sample = NULL;
        char *p0 = ps__path_join(t.dir, old->parts[0].file);
        if (!p0) {
          rc = PS_NOMEM();
          goto fail;
        }
        ps_read_options ro;
        memset(&ro, 0, sizeof ro);
        ro.limit = 1000;
        rc = ps_parquet_read_file(p0, &ro, &sample);
        ps__free_mem(p0);
        if (rc < 0) goto fail;
        total = ps__row_bytes(sample) * (double)old->rows;
        ps_frame_free(sample);
      }
      static const int order[] = {PS_PARTITION_YEARLY, PS_PARTITION_QUARTERLY, PS_PARTITION_MONTHLY};
      for (int k = 0; k < 3; k++) {
        PS_CHECK(ps__period_init(&p, order[k], old->bounds));
        int64_t periods = ps__period_key(&p, old->bounds, 2 * old->nparts - 1) - ps__period_key(&p, old->bounds, 0) + 1;
        strategy = order[k];
        if (total / (double)periods <= (double)tgt) break;
      }
    } else {
      strategy = PS_PARTITION_SIZE;
    }
  }
  if (ps__is_time_strategy(strategy) && m->schema && m->schema->index >= 0) {
    ps__period p;
    PS_CHECK(ps__period_init(&p, strategy, m->schema->cols[m->schema->index]));
  }
  m->strategy = strategy;
  m->target_bytes = popt->target_bytes;
  PS_CHECK(ps__sink_init(&s, &t, m, strategy, popt->target_bytes, 0));
  if (all) {
    PS_CHECK(ps__sink_write(&s, all));
  } else {
    for (int k = 0; k < old->nparts; k++) {
      char *p = ps__path_join(t.dir, old->parts[k].file);
      if (!p) {
        rc = PS_NOMEM();
        goto fail;
      }
      rc = ps_parquet_open(p, &pf);
      ps__free_mem(p);
      if (rc < 0) goto fail;
      int nrg = ps_parquet_num_row_groups(pf);
      for (int g = 0; g < nrg; g++) {
        PS_CHECK(ps__parquet_read_row_groups(pf, NULL, g, 1, &chunk));
        PS_CHECK(ps__sink_write(&s, chunk));
        ps_frame_free(chunk);
        chunk = NULL;
      }
      ps_parquet_close(pf);
      pf = NULL;
    }
  }
  PS_CHECK(ps__sink_finish(&s));
  PS_CHECK(ps__txn_commit(&t, m));
  PS_INFO("rebalanced %s/%s: %d parts -> %d parts (%s)", c->name, item, old->nparts, m->nparts,
          ps_partition_strategy_name(strategy));
  if (out_parts) *out_parts = m->nparts;
fail:
  if (rc < 0) ps__error_prefix(rc, "rebalance %s/%s/%s", c->store->name, c->name, item);
  ps__sink_abort(&s);
  ps_parquet_close(pf);
  ps_frame_free(chunk);
  ps_frame_free(all);
  ps__manifest_free(m);
  ps__txn_end(&t);
  return rc;
}

int ps_item_partitioning(ps_collection *c, const char *item, ps_partition_options *out) {
  if (!c || !out) return ps__error(PS_ERR_INVALID, "ps_item_partitioning: NULL argument");
  PS_TRY(ps__name_check("item", item));
  memset(out, 0, sizeof *out);
  char *dir = ps__path_join(c->path, item);
  if (!dir) return PS_NOMEM();
  ps__manifest *m;
  int rc = ps__manifest_load(dir, &m);
  ps__free_mem(dir);
  if (rc < 0) return ps__error_prefix(rc, "partitioning %s/%s/%s", c->store->name, c->name, item);
  out->strategy = (ps_partition_strategy)m->strategy;
  out->target_bytes = m->target_bytes;
  ps__manifest_free(m);
  return PS_OK;
}
