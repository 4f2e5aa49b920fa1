/* Phase 3 store internals: partition keys, the part sink (streams sorted rows
 * into part files under a strategy), tz lookups, cache hooks, row-group reads. */
#ifndef PS_STORE_PHASE3_INTERNAL_H
#define PS_STORE_PHASE3_INTERNAL_H

#include "store/store_internal.h"
#include "parquet/reader.h"

#define PS_DEFAULT_TARGET_BYTES (128LL * 1024 * 1024)
#define PS_DEFAULT_CHUNK_ROWS 10000

/* ---- partition.c ---- */
/* Calendar period of index values under a time strategy. */
typedef struct ps__period {
  int strategy;       /* MONTHLY/QUARTERLY/YEARLY */
  int is_date;
  ps_time_unit unit;
  const void *zone;   /* NULL = wall clock / UTC */
  int64_t lo, hi;     /* cached UTC-second interval with offset `off` */
  int32_t off;
} ps__period;
/* Prepare a period computer for index column `ic` (WARNING + UTC for an unknown zone). */
int ps__period_init(ps__period *p, int strategy, const ps_column *ic);
int64_t ps__period_key(ps__period *p, const ps_column *ic, int64_t row);
int ps__is_time_strategy(int s);
/* Estimated in-memory bytes per row (strings: their average length). */
double ps__row_bytes(const ps_frame *f);
/* Resolve AUTO against sorted rows (time index: coarsest period under target). */
int ps__partition_resolve(int strategy, int64_t target, const ps_frame *rows, int *out);
/* Widen the run [lo, hi) of parts of `old` that an append of sorted index
 * values first..last (rows of `ni`) rewrites, so parts sharing a period with
 * the new rows are merged too (time strategies only). */
void ps__partition_extend_run(const ps__manifest *old, const ps_column *ni, int64_t first, int64_t last, int *lo, int *hi);

/* A sink writes sorted rows as part files of `into` (names from into->next_part,
 * registered in t->written), cutting parts by strategy. */
typedef struct ps__sink {
  ps__txn *t;
  ps__manifest *into;
  int strategy;
  int64_t target;
  int64_t part_rows_cap; /* rows per part (size cap), from the first batch */
  int64_t fixed_rows;    /* > 0: explicit rows per part (no strategy) */
  ps__period per;
  int have_key;
  int64_t key;
  ps_parquet_writer *w;
  char name[64];
  int64_t rows;          /* rows in the open part */
  ps_column *first, *last; /* index values: first and last row of the open part */
  ps_write_options wo;
} ps__sink;
int ps__sink_init(ps__sink *s, ps__txn *t, ps__manifest *into, int strategy, int64_t target, int64_t fixed_rows);
int ps__sink_write(ps__sink *s, const ps_frame *rows);
int ps__sink_finish(ps__sink *s);
void ps__sink_abort(ps__sink *s);
/* Write sorted rows under the strategy (ps__txn_write_parts calls this when
 * the manifest remembers a strategy). */
int ps__partition_write(ps__txn *t, const ps_frame *rows, int strategy, int64_t target, int64_t fixed_rows,
                        ps__manifest *into);
/* Register a file created by the transaction (removed if it is not committed). */
int ps__txn_track(ps__txn *t, const char *path);

/* Build a new item in a hidden temporary directory under the collection lock
 * and move it into place: fill() gets a transaction on the empty temp item
 * and must leave the manifest to publish in *m. */
typedef int (*ps__create_fill)(void *ctx, ps__txn *t, ps__manifest **m);
int ps__item_create_with(ps_collection *c, const char *item, json_t *meta, ps__create_fill fill, void *ctx);
/* The same, and with `overwrite` an existing item is replaced by fill()'s
 * file set (and `meta`) in one commit. */
int ps__item_write_with(ps_collection *c, const char *item, json_t *meta, int overwrite, ps__create_fill fill,
                        void *ctx);

/* ---- tz.c ---- */
const void *ps__tz_load(const char *name);
/* As ps__tz_load, but PS_ERR_NOMEM when memory ran out (*out NULL: unknown zone). */
int ps__tz_load_status(const char *name, const void **out);
/* UTC offset (seconds east) of zone `zone` at UTC second t; [*lo, *hi) is the
 * interval over which it holds. */
int32_t ps__tz_offset(const void *zone, int64_t t, int64_t *lo, int64_t *hi);

/* ---- cache.c ---- */
/* Called after every commit (manifest or metadata replaced, item created or
 * deleted) with the item directory: invalidates this process's entries and
 * bumps the collection's generation file for other processes. */
void ps__cache_note_write(const char *item_dir);

/* ---- parquet reader (reader.c) ---- */



#endif
