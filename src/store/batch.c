/* Batch write / read: many items of one collection in one call, on a pool
 * of threads. Each item gets its own status and message; a failing item
 * does not stop the others. The metadata cache is refreshed once at the end. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/phase3_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/log.h"
#include "util/parallel.h"

typedef struct bctx {
  ps_collection *c;
  const ps_batch_options *opt;
  ps_batch_write_item *w;
  ps_batch_read_item *r;
  size_t n;
  pthread_mutex_t mu;
  int64_t done;
} bctx;

static void progress(bctx *x) {
  pthread_mutex_lock(&x->mu);
  x->done++;
  if (x->opt->progress) x->opt->progress(x->opt->progress_user, x->done, (int64_t)x->n);
  pthread_mutex_unlock(&x->mu);
}

static char *errdup(void) {
  const char *m = ps_errmsg();
  return ps__strdup(m && *m ? m : "unknown error");
}

static int write_task(void *v, int i) {
  bctx *x = v;
  ps_batch_write_item *it = &x->w[i];
  ps_item_write_options wo;
  memset(&wo, 0, sizeof wo);
  wo.overwrite = x->opt->overwrite;
  wo.metadata = it->metadata;
  wo.duplicates = x->opt->duplicates;
  int rc;
  if (!it->item || !it->data) rc = ps__error(PS_ERR_INVALID, "batch entry %d: item name or data is NULL", i);
  else rc = ps_item_write_partitioned(x->c, it->item, it->data, &wo, &x->opt->partition);
  it->status = rc;
  it->errmsg = rc < 0 ? errdup() : NULL;
  if (rc < 0) PS_WARN("write_batch %s: item %s failed: %s", x->c->name, it->item ? it->item : "(null)", it->errmsg ? it->errmsg : "");
  progress(x);
  return PS_OK; /* never stop the other items */
}

static int read_task(void *v, int i) {
  bctx *x = v;
  ps_batch_read_item *it = &x->r[i];
  it->frame = NULL;
  it->metadata_json = NULL;
  int rc;
  if (!it->item) {
    rc = ps__error(PS_ERR_INVALID, "batch entry %d: item name is NULL", i);
  } else {
    rc = ps_item_read(x->c, it->item, &it->options, &it->frame);
    if (rc == PS_OK) rc = ps_cached_item_metadata(x->c, it->item, &it->metadata_json);
  }
  it->status = rc;
  it->errmsg = rc < 0 ? errdup() : NULL;
  if (rc < 0) {
    ps_frame_free(it->frame);
    it->frame = NULL;
  }
  progress(x);
  return PS_OK;
}

static int finish(bctx *x, int (*status_of)(bctx *, size_t)) {
  pthread_mutex_destroy(&x->mu);
  int first = PS_OK;
  size_t failed = 0;
  for (size_t i = 0; i < x->n; i++) {
    int s = status_of(x, i);
    if (s < 0) {
      if (first == PS_OK) first = s;
      failed++;
    }
  }
  if (first < 0)
    ps__error(first, "%zu of %zu items failed in collection %s/%s (see the per-item results)", failed, x->n,
              x->c->store->name, x->c->name);
  (void)ps_memory_check("batch");
  return first;
}

static int wstatus(bctx *x, size_t i) { return x->w[i].status; }
static int rstatus(bctx *x, size_t i) { return x->r[i].status; }

/* Items whose task never ran (the thread pool could not start: out of
 * memory) get the pool's error, never a PS_OK they did not earn. */
#define NOT_RUN 1
static void mark_not_run(int prc, int *status, char **errmsg) {
  if (*status != NOT_RUN) return;
  *status = prc < 0 ? prc : PS_ERR_INTERNAL;
  *errmsg = errdup();
}

int ps_write_batch(ps_collection *c, ps_batch_write_item *items, size_t n, const ps_batch_options *opt) {
  ps_batch_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!c || (!items && n)) return ps__error(PS_ERR_INVALID, "write_batch: NULL argument");
  if (n > 0x7fffffff) return ps__error(PS_ERR_LIMIT, "write_batch: too many items");
  for (size_t i = 0; i < n; i++) {
    items[i].status = NOT_RUN;
    items[i].errmsg = NULL;
  }
  bctx x = {c, opt, items, NULL, n, PTHREAD_MUTEX_INITIALIZER, 0};
  int prc = ps_parallel_for((int)n, opt->threads, write_task, &x);
  for (size_t i = 0; i < n; i++) mark_not_run(prc, &items[i].status, &items[i].errmsg);
  int rc = finish(&x, wstatus);
  /* one refresh of the collection's cached listing at the end */
  char **names = NULL;
  if (ps_cached_list_items(c, &names) == PS_OK) ps_names_free(names);
  return rc;
}

int ps_read_batch(ps_collection *c, ps_batch_read_item *items, size_t n, const ps_batch_options *opt) {
  ps_batch_options d;
  memset(&d, 0, sizeof d);
  if (!opt) opt = &d;
  if (!c || (!items && n)) return ps__error(PS_ERR_INVALID, "read_batch: NULL argument");
  if (n > 0x7fffffff) return ps__error(PS_ERR_LIMIT, "read_batch: too many items");
  for (size_t i = 0; i < n; i++) {
    items[i].status = NOT_RUN;
    items[i].frame = NULL;
    items[i].metadata_json = NULL;
    items[i].errmsg = NULL;
  }
  bctx x = {c, opt, NULL, items, n, PTHREAD_MUTEX_INITIALIZER, 0};
  int prc = ps_parallel_for((int)n, opt->threads, read_task, &x);
  for (size_t i = 0; i < n; i++) mark_not_run(prc, &items[i].status, &items[i].errmsg);
  return finish(&x, rstatus);
}

void ps_batch_write_clear(ps_batch_write_item *items, size_t n) {
  for (size_t i = 0; items && i < n; i++) {
    ps__free_mem(items[i].errmsg);
    items[i].errmsg = NULL;
  }
}

void ps_batch_read_clear(ps_batch_read_item *items, size_t n) {
  for (size_t i = 0; items && i < n; i++) {
    ps_frame_free(items[i].frame);
    ps__free_mem(items[i].metadata_json);
    ps__free_mem(items[i].errmsg);
    items[i].frame = NULL;
    items[i].metadata_json = NULL;
    items[i].errmsg = NULL;
  }
}
