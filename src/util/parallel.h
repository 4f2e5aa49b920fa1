/* Parallel loops on worker threads. */
#ifndef PS_UTIL_PARALLEL_H
#define PS_UTIL_PARALLEL_H

/* Task body: returns PS_OK or a negative status (with ps__error detail). */
typedef int (*ps_task_fn)(void *ctx, int task);

/* Run fn(ctx, 0..n-1) on up to `threads` threads (0 = number of cores).
 * Tasks are claimed in index order. After the first failure no new task
 * starts; the failing task's status is returned and its detail message is
 * carried to the calling thread. */
int ps_parallel_for(int n, int threads, ps_task_fn fn, void *ctx);

/* Number of online cores (>= 1). */
int ps_num_cores(void);

#endif
