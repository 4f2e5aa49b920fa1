#include "util/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"

typedef struct loop {
  ps_task_fn fn;
  void *ctx;
  int n;
  atomic_int next;
  atomic_int failed;
  pthread_mutex_t mu;
  int first_rc;
  int first_task;
  char msg[PS_ERRMSG_MAX];
} loop;

int ps_num_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (int)n;
}

static void *worker(void *arg) {
  loop *l = arg;
  for (;;) {
    if (atomic_load(&l->failed)) break;
    int t = atomic_fetch_add(&l->next, 1);
    if (t >= l->n) break;
    int rc = l->fn(l->ctx, t);
    if (rc < 0) {
      pthread_mutex_lock(&l->mu);
      /* Keep the lowest-numbered failure so the report is deterministic. */
      if (!l->first_rc || t < l->first_task) {
        l->first_rc = rc;
        l->first_task = t;
        ps__error_copy(l->msg, sizeof l->msg);
      }
      pthread_mutex_unlock(&l->mu);
      atomic_store(&l->failed, 1);
    }
  }
  return NULL;
}

int ps_parallel_for(int n, int threads, ps_task_fn fn, void *ctx) {
  if (n <= 0) return PS_OK;
  if (threads <= 0) threads = ps_num_cores();
  if (threads > n) threads = n;
  if (threads == 1) {
    for (int t = 0; t < n; t++) PS_TRY(fn(ctx, t));
    return PS_OK;
  }
  loop l;
  memset(&l, 0, sizeof l);
  l.fn = fn;
  l.ctx = ctx;
  l.n = n;
  atomic_init(&l.next, 0);
  atomic_init(&l.failed, 0);
  pthread_mutex_init(&l.mu, NULL);
  pthread_t *tids = ps__calloc((size_t)threads, sizeof *tids);
  if (!tids) {
    pthread_mutex_destroy(&l.mu);
    return PS_NOMEM();
  }
  int started = 0;
  for (int i = 0; i < threads - 1; i++) {
    if (pthread_create(&tids[i], NULL, worker, &l) != 0) break;
    started++;
  }
  worker(&l); /* the caller works too */
  for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
  ps__free_mem(tids);
  pthread_mutex_destroy(&l.mu);
  if (l.first_rc) {
    ps__error_set_text(l.msg);
    return l.first_rc;
  }
  return PS_OK;
}
