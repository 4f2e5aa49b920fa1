/* Reading: projection, row-group and page pruning by statistics, parallel
 * decoding straight into the output columns, exact row filtering. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "parquet/file.h"
#include "parquet/page_decoder.h"
#include "parquet/reader.h"
#include "parquet/stats.h"
#include "table/expr.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/log.h"
#include "util/parallel.h"

typedef struct rg_plan {
  int rg;
  pq_row_range *ranges;
  int nranges;
  int64_t rows;       /* rows selected by the ranges */
  int64_t out_offset; /* first output row (unfiltered path) */
} rg_plan;

typedef struct read_ctx {
  ps_parquet_file *f;
  const ps_read_options *opt;
  int64_t base; /* rows already in `out` when appending to a caller's frame */
  int *leaves; /* leaves decoded: output columns first, then filter-only columns */
  int nout, nleaves;
  rg_plan *plans;
  int nplans;
  ps_frame *out;
  /* per task (plan x leaf) */
  ps_column **local; /* strings (unfiltered path) or every column (filtered path) */
  uint8_t **vbits;
  int64_t *nulls;
  pq_decode_stats *dstats;
} read_ctx;

/* ---- statistics lookups for pruning ---- */

typedef struct rg_stats_ctx {
  ps_parquet_file *f;
  int rg;
} rg_stats_ctx;

static int leaf_by_name(const ps_parquet_file *f, const char *name) {
  for (int i = 0; i < f->nleaves; i++)
    if (strcmp(f->leaves[i].name, name) == 0) return i;
  return -1;
}

static int rg_stats(void *vctx, const char *column, ps_col_stats *out) {
  rg_stats_ctx *c = vctx;
  int l = leaf_by_name(c->f, column);
  if (l < 0) return 0;
  const pq_row_group *g = &c->f->meta.row_groups[c->rg];
  const pq_column_meta *m = &g->columns[l].meta_data;
  if (!m->has_statistics) return 0;
  pq_statistics_decode(&c->f->leaves[l], &m->statistics, g->num_rows, out);
  return 1;
}

/* Page-level statistics: one page per filter column covering the segment. */
typedef struct page_stats_ctx {
  ps_parquet_file *f;
  int nfilter;
  const int *filter_leaves;
  pq_column_index *ci;
  pq_offset_index *oi;
  uint32_t *cur; /* current page per filter column */
  int64_t rg_rows;
  int rg;
} page_stats_ctx;

static int page_stats(void *vctx, const char *column, ps_col_stats *out) {
  page_stats_ctx *c = vctx;
  for (int k = 0; k < c->nfilter; k++) {
    int l = c->filter_leaves[k];
    if (strcmp(c->f->leaves[l].name, column) != 0) continue;
    uint32_t p = c->cur[k];
    const pq_column_index *ci = &c->ci[k];
    const pq_offset_index *oi = &c->oi[k];
    int64_t first = oi->page_locations[p].first_row_index;
    int64_t next = p + 1 < oi->num_pages ? oi->page_locations[p + 1].first_row_index : c->rg_rows;
    int64_t nc = ci->has_null_counts ? ci->null_counts[p] : -1;
    /* Some writers (Polars) flag a page as all-null when they merely have no
     * min/max for it (NaN). Believe the flag only if the counts agree. */
    const pq_column_meta *cm = &c->f->meta.row_groups[c->rg].columns[l].meta_data;
    int64_t chunk_nulls = cm->has_statistics && cm->statistics.has_null_count ? cm->statistics.null_count : -1;
    int believable = (nc < 0 || nc >= next - first) && (chunk_nulls < 0 || chunk_nulls >= next - first);
    if (ci->null_pages[p] && !believable) {
      memset(out, 0, sizeof *out);
      out->type = c->f->leaves[l].type;
      out->unit = c->f->leaves[l].frame_unit;
      out->null_count = nc;
      out->num_values = next - first;
      return 1;
    }
    if (ci->null_pages[p]) {
      memset(out, 0, sizeof *out);
      out->type = c->f->leaves[l].type;
      out->unit = c->f->leaves[l].frame_unit;
      out->null_count = next - first;
      out->num_values = next - first;
      return 1;
    }
    pq_stats_decode(&c->f->leaves[l], &ci->min_values[p], &ci->max_values[p], nc, next - first, out);
    return 1;
  }
  return 0;
}

static int load_page_index(ps_parquet_file *f, const pq_column_chunk *cc, pq_column_index *ci, pq_offset_index *oi) {
  if (!cc->has_column_index || !cc->has_offset_index) return 0;
  if (cc->column_index_offset < 4 || cc->column_index_length <= 0 || cc->column_index_offset > f->size ||
      cc->column_index_length > f->size - cc->column_index_offset)
    return 0;
  if (cc->offset_index_offset < 4 || cc->offset_index_length <= 0 || cc->offset_index_offset > f->size ||
      cc->offset_index_length > f->size - cc->offset_index_offset)
    return 0;
  if (pq_parse_column_index(f->map + cc->column_index_offset, (size_t)cc->column_index_length, ci) < 0) return 0;
  if (pq_parse_offset_index(f->map + cc->offset_index_offset, (size_t)cc->offset_index_length, oi) < 0) {
    pq_column_index_free(ci);
    return 0;
  }
  if (ci->num_pages != oi->num_pages || oi->num_pages == 0 || oi->page_locations[0].first_row_index != 0) {
    pq_column_index_free(ci);
    pq_offset_index_free(oi);
    return 0;
  }
  for (uint32_t p = 1; p < oi->num_pages; p++)
    if (oi->page_locations[p].first_row_index <= oi->page_locations[p - 1].first_row_index) {
      pq_column_index_free(ci);
      pq_offset_index_free(oi);
      return 0;
    }
  return 1;
}

static int add_range(rg_plan *p, int *cap, int64_t b, int64_t e) {
  if (p->nranges && p->ranges[p->nranges - 1].end == b) {
    p->ranges[p->nranges - 1].end = e;
  } else {
    if (p->nranges == *cap) {
      int nc = *cap ? *cap * 2 : 4;
      pq_row_range *r = ps__realloc(p->ranges, (size_t)nc * sizeof *r);
      if (!r) return PS_NOMEM();
      p->ranges = r;
      *cap = nc;
    }
    p->ranges[p->nranges++] = (pq_row_range){b, e};
  }
  p->rows += e - b;
  return PS_OK;
}

/* Row ranges of a row group that may match, from the page indexes of the
 * filter columns. Without usable page indexes: the whole row group. */
static int plan_pages(ps_parquet_file *f, const ps_expr *filter, const int *fl, int nf, int rg, rg_plan *plan,
                      ps_read_stats *rs) {
  const pq_row_group *g = &f->meta.row_groups[rg];
  int cap = 0;
  if (!filter || nf == 0) return add_range(plan, &cap, 0, g->num_rows);
  pq_column_index *ci = ps__calloc((size_t)nf, sizeof *ci);
  pq_offset_index *oi = ps__calloc((size_t)nf, sizeof *oi);
  uint32_t *cur = ps__calloc((size_t)nf, sizeof *cur);
  int rc = PS_OK, loaded = 0;
  if (!ci || !oi || !cur) {
    rc = PS_NOMEM();
    goto out;
  }
  for (; loaded < nf; loaded++)
    if (!load_page_index(f, &g->columns[fl[loaded]], &ci[loaded], &oi[loaded])) break;
  if (loaded < nf) {
    rc = add_range(plan, &cap, 0, g->num_rows);
    goto out;
  }
  page_stats_ctx pc = {f, nf, fl, ci, oi, cur, g->num_rows, rg};
  int64_t b = 0;
  while (b < g->num_rows) {
    /* the segment ends at the next page boundary of any filter column */
    int64_t e = g->num_rows;
    for (int k = 0; k < nf; k++) {
      while (cur[k] + 1 < oi[k].num_pages && oi[k].page_locations[cur[k] + 1].first_row_index <= b) cur[k]++;
      if (cur[k] + 1 < oi[k].num_pages && oi[k].page_locations[cur[k] + 1].first_row_index < e)
        e = oi[k].page_locations[cur[k] + 1].first_row_index;
    }
    int m = ps__expr_may_match(filter, page_stats, &pc);
    if (m < 0) {
      rc = m;
      goto out;
    }
    if (m) PS_CHECK(add_range(plan, &cap, b, e));
    b = e;
  }
  (void)rs;
out:
  for (int k = 0; k < loaded && k < nf; k++) {
    pq_column_index_free(&ci[k]);
    pq_offset_index_free(&oi[k]);
  }
  ps__free_mem(ci);
  ps__free_mem(oi);
  ps__free_mem(cur);
  return rc;
fail:
  goto out;
}

/* ---- decoding tasks ---- */

/* A decoded chunk's file pages are not needed again: drop them from this
 * process's RSS (they stay in the page cache), so a read's peak memory is
 * its output, not output + file. Only whole pages inside the chunk, so a
 * neighbour still being decoded keeps its pages. */
static void release_mapped(const ps_parquet_file *f, int64_t start, int64_t len) {
  if (!f->owns_map || len <= 0) return;
  const int64_t page = 4096;
  uintptr_t base = (uintptr_t)f->map;
  uintptr_t lo = (base + (uintptr_t)start + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
  uintptr_t hi = (base + (uintptr_t)start + (uintptr_t)len) & ~(uintptr_t)(page - 1);
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static int decode_task(void *vctx, int t) {
  read_ctx *c = vctx;
  int pi = t / c->nleaves, li = t % c->nleaves;
  rg_plan *plan = &c->plans[pi];
  ps_parquet_file *f = c->f;
  int leaf = c->leaves[li];
  const pq_leaf *lf = &f->leaves[leaf];
  const pq_column_chunk *cc = &f->meta.row_groups[plan->rg].columns[leaf];
  int64_t start, len;
  pq_chunk_range(&cc->meta_data, &start, &len);
  if (f->owns_map && len > 0) { /* read this chunk ahead, exactly (the mapping is MADV_RANDOM) */
    uintptr_t a = ((uintptr_t)f->map + (uintptr_t)start) & ~(uintptr_t)4095;
    madvise((void *)a, (size_t)((uintptr_t)f->map + (uintptr_t)(start + len) - a), MADV_WILLNEED);
  }
  pq_offset_index oi;
  pq_column_index ci;
  int have_oi = 0;
  if (plan->nranges > 1 || plan->rows < f->meta.row_groups[plan->rg].num_rows) {
    memset(&oi, 0, sizeof oi);
    memset(&ci, 0, sizeof ci);
    if (cc->has_offset_index && cc->offset_index_offset >= 4 && cc->offset_index_length > 0 &&
        cc->offset_index_offset <= f->size && cc->offset_index_length <= f->size - cc->offset_index_offset &&
        pq_parse_offset_index(f->map + cc->offset_index_offset, (size_t)cc->offset_index_length, &oi) == PS_OK)
      have_oi = 1;
  }
  pq_chunk_source src = {f->path, lf->name, lf, &cc->meta_data, f->map + start, (size_t)len,
                         f->meta.row_groups[plan->rg].num_rows, have_oi ? &oi : NULL, start,
                         !c->opt->no_crc_check};
  pq_sink sink;
  memset(&sink, 0, sizeof sink);
  int rc = PS_OK;
  if (lf->optional) {
    c->vbits[t] = ps__calloc((size_t)(plan->rows + 7) / 8 + 1, 1);
    if (!c->vbits[t]) {
      rc = PS_NOMEM();
      goto out;
    }
    sink.validity = c->vbits[t];
  }
  if (c->local[t]) {
    sink.col = c->local[t];
    sink.row = 0;
  } else {
    sink.col = c->out->cols[li];
    sink.row = c->base + plan->out_offset;
  }
  rc = pq_decode_chunk(&src, plan->ranges, plan->nranges, &sink, &c->dstats[t]);
  c->nulls[t] = sink.nulls;
  release_mapped(f, start, len);
  if (rc == PS_OK && c->local[t] && !ps_is_string_type(sink.col->type)) sink.col->length = plan->rows;
out:
  if (have_oi) pq_offset_index_free(&oi);
  return rc;
}

/* Copy n validity bits from src (bit 0) to dst at bit offset `at`. */
/* Bits [at, at+n) of dst become bits [0, n) of src (set and cleared). */
static void copy_bits(uint8_t *dst, int64_t at, const uint8_t *src, int64_t n) {
  int64_t i = 0;
  if ((at & 7) == 0) {
    memcpy(dst + (at >> 3), src, (size_t)(n >> 3));
    i = n & ~(int64_t)7;
  }
  for (; i < n; i++) {
    if (ps_bit_get(src, i)) ps_bit_set(dst, at + i);
    else ps_bit_clear(dst, at + i);
  }
}

static int add_output_columns(ps_parquet_file *f, read_ctx *c, ps_frame *out) {
  for (int i = 0; i < c->nout; i++) {
    const pq_leaf *lf = &f->leaves[c->leaves[i]];
    ps_column *col;
    PS_TRY(ps_frame_add_column(out, lf->name, lf->type, lf->frame_unit, lf->tz, &col));
    col->nullable = lf->optional;
    if (c->leaves[i] == f->index_leaf) out->index = i;
  }
  return PS_OK;
}

/* Strings are decoded per task (their byte sizes are unknown up front);
 * put the pieces of column i together, copying them in parallel. */
typedef struct stitch_ctx {
  read_ctx *c;
  int col;
  int64_t *row_at, *byte_at; /* per plan: first row / first byte in the output */
} stitch_ctx;

static int stitch_task(void *v, int p) {
  stitch_ctx *x = v;
  const ps_column *lc = x->c->local[p * x->c->nleaves + x->col];
  ps_column *col = x->c->out->cols[x->col];
  const int64_t *so = lc->values;
  int64_t *doff = (int64_t *)col->values + x->row_at[p];
  int64_t shift = x->byte_at[p] - so[0];
  if (lc->bytes_len) memcpy(col->bytes + x->byte_at[p], lc->bytes + so[0], (size_t)(so[lc->length] - so[0]));
  for (int64_t r = 1; r <= lc->length; r++) doff[r] = so[r] + shift;
  return PS_OK;
}

static int stitch_strings(read_ctx *c, int i) {
  ps_column *col = c->out->cols[i];
  int64_t *row_at = ps__malloc(sizeof(int64_t) * 2 * ((size_t)c->nplans + 1));
  if (!row_at) return PS_NOMEM();
  int64_t *byte_at = row_at + c->nplans + 1;
  int64_t rows = col->length, bytes = col->bytes_len;
  for (int p = 0; p < c->nplans; p++) {
    const ps_column *lc = c->local[p * c->nleaves + i];
    row_at[p] = rows;
    byte_at[p] = bytes;
    rows += lc->length;
    bytes += lc->length ? ((const int64_t *)lc->values)[lc->length] - ((const int64_t *)lc->values)[0] : 0;
  }
  int rc = ps__column_reserve_uninit(col, rows); /* every offset is written below */
  if (rc == PS_OK) rc = ps__column_reserve_bytes(col, bytes - col->bytes_len);
  if (rc == PS_OK) {
    ((int64_t *)col->values)[col->length] = col->bytes_len;
    stitch_ctx x = {c, i, row_at, byte_at};
    rc = ps_parallel_for(c->nplans, c->opt->threads, stitch_task, &x);
  }
  if (rc == PS_OK) {
    col->length = rows;
    col->bytes_len = bytes;
  }
  ps__free_mem(row_at);
  return rc;
}

/* A row count the column chunk's size does not make plausible (a forged
 * footer, or extreme RLE) is checked against the values its data pages
 * declare (page headers only) before the output is allocated for it. */
static int check_claimed_rows(ps_parquet_file *f, int rg, int leaf, int64_t rows) {
  const pq_column_meta *cm = &f->meta.row_groups[rg].columns[leaf].meta_data;
  int64_t csize = cm->total_compressed_size > 0 ? cm->total_compressed_size : 0;
  if (rows <= csize * 64 + (1 << 16)) return PS_OK;
  const char *name = f->leaves[leaf].name;
  int64_t pos = cm->data_page_offset;
  if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 && cm->dictionary_page_offset < pos)
    pos = cm->dictionary_page_offset;
  int64_t end = pos + csize, values = 0;
  if (pos < 4 || end > f->size) return ps__error(PS_ERR_CORRUPT, "%s: column '%s': row group %d: chunk outside the file", f->path, name, rg);
  while (pos < end && values <= rows) {
    pq_page_header h;
    size_t hl = 0;
    int rc = pq_parse_page_header(f->map + pos, (size_t)(end - pos), &h, &hl);
    if (rc < 0) return ps__error_prefix(rc, "%s: column '%s': row group %d: page header", f->path, name, rg);
    if (h.compressed_page_size < 0) break;
    if (h.type == PQ_PAGE_DATA && h.has_data_page_header) values += h.data_page_header.num_values;
    else if (h.type == PQ_PAGE_DATA_V2 && h.has_data_page_header_v2) values += h.data_page_header_v2.num_rows;
    pos += (int64_t)hl + h.compressed_page_size;
  }
  if (values != rows)
    return ps__error(PS_ERR_CORRUPT, "%s: column '%s': row group %d claims %lld rows but its pages hold %s%lld values",
                     f->path, name, rg, (long long)rows, values > rows ? "more than " : "", (long long)values);
  return PS_OK;
}

static int read_unfiltered(read_ctx *c, int64_t total) {
  ps_parquet_file *f = c->f;
  ps_frame *out = c->out;
  int ntasks = c->nplans * c->nleaves;
  const int64_t base = c->base;
  for (int p = 0; p < c->nplans; p++)
    for (int i = 0; i < c->nleaves; i++) PS_TRY(check_claimed_rows(f, c->plans[p].rg, c->leaves[i], f->meta.row_groups[c->plans[p].rg].num_rows));
  for (int i = 0; i < c->nout; i++) {
    ps_column *col = out->cols[i];
    if (!ps_is_string_type(col->type)) PS_TRY(ps__column_reserve_uninit(col, base + total)); /* decoders fill every slot */
  }
  for (int t = 0; t < ntasks; t++) {
    ps_column *oc = out->cols[t % c->nleaves];
    if (ps_is_string_type(oc->type)) {
      PS_TRY(ps__column_new(oc->name, oc->type, oc->unit, NULL, &c->local[t]));
      c->local[t]->nullable = 1;
    }
  }
  PS_TRY(ps_parallel_for(ntasks, c->opt->threads, decode_task, c));
  /* stitch: strings and validity come from per-task pieces */
  for (int i = 0; i < c->nout; i++) {
    ps_column *col = out->cols[i];
    int64_t nulls = 0;
    for (int p = 0; p < c->nplans; p++) nulls += c->nulls[p * c->nleaves + i];
    if (ps_is_string_type(col->type)) {
      PS_TRY(stitch_strings(c, i));
    } else {
      col->length = base + total;
    }
    if (nulls) {
      PS_TRY(ps__column_make_validity(col)); /* earlier rows valid; ours set exactly below */
      for (int p = 0; p < c->nplans; p++)
        copy_bits(col->validity, base + c->plans[p].out_offset, c->vbits[p * c->nleaves + i], c->plans[p].rows);
      col->null_count += nulls;
    } else if (col->validity) { /* nulls in an earlier part only: ours are all present */
      for (int64_t r = base; r < base + total; r++) ps_bit_set(col->validity, r);
    }
  }
  out->nrows = base + total;
  (void)f;
  return PS_OK;
}

/* Decode a subset of the (plan x leaf) tasks on the thread pool. */
typedef struct task_subset {
  read_ctx *c;
  const int *tasks;
} task_subset;

static int subset_task(void *v, int i) {
  task_subset *s = v;
  return decode_task(s->c, s->tasks[i]);
}

/* `pool` (one slot per leaf position) keeps a row group's scratch columns
 * for the next one: reusing them avoids faulting in fresh pages for every
 * row group, which costs more than decoding into them. */
static int decode_tasks(read_ctx *c, const int *tasks, int n, ps_column **pool) {
  for (int i = 0; i < n; i++) {
    int t = tasks[i], li = t % c->nleaves;
    const pq_leaf *lf = &c->f->leaves[c->leaves[li]];
    if (pool[li]) {
      c->local[t] = pool[li];
      pool[li] = NULL;
    } else {
      PS_TRY(ps__column_new(lf->name, lf->type, lf->frame_unit, lf->tz, &c->local[t]));
    }
    if (!ps_is_string_type(lf->type)) {
      /* The footer's row count is only a claim: reserve up front what the
       * chunk's bytes can plausibly hold (the page decoder grows the column
       * for extreme RLE runs), so a forged count cannot force a huge allocation. */
      const rg_plan *pl = &c->plans[t / c->nleaves];
      const pq_column_meta *cm = &c->f->meta.row_groups[pl->rg].columns[c->leaves[li]].meta_data;
      int64_t rows = pl->rows, plausible = (cm->total_compressed_size > 0 ? cm->total_compressed_size : 0) * 64 + (1 << 16);
      PS_TRY(ps__column_reserve_uninit(c->local[t], rows < plausible ? rows : plausible));
    }
  }
  task_subset sub = {c, tasks};
  return ps_parallel_for(n, c->opt->threads, subset_task, &sub);
}

/* Give a decoded task column its validity and row count, for evaluation
 * and gathering. */
static int finish_local(read_ctx *c, int t, int64_t rows) {
  ps_column *lc = c->local[t];
  lc->length = rows;
  if (c->vbits[t] && c->nulls[t] && !lc->validity) {
    PS_TRY(ps__column_reserve(lc, rows));
    uint8_t *v = ps__calloc((size_t)(lc->capacity + 7) / 8 + 1, 1);
    if (!v) return PS_NOMEM();
    memcpy(v, c->vbits[t], (size_t)(rows + 7) / 8);
    lc->validity = v;
    lc->null_count = c->nulls[t];
  }
  return PS_OK;
}

static void free_plan_tasks(read_ctx *c, int p, ps_column **pool) {
  for (int i = 0; i < c->nleaves; i++) {
    int t = p * c->nleaves + i;
    ps_column *lc = c->local[t];
    c->local[t] = NULL;
    if (lc && !pool[i]) { /* keep the buffers, drop the rows */
      lc->length = 0;
      lc->bytes_len = 0;
      lc->null_count = 0;
      ps__free_mem(lc->validity);
      lc->validity = NULL;
      if (ps_is_string_type(lc->type)) ((int64_t *)lc->values)[0] = 0;
      pool[i] = lc;
    } else {
      ps__column_free(lc);
    }
    ps__free_mem(c->vbits[t]);
    c->vbits[t] = NULL;
  }
}

typedef struct gather_ctx {
  read_ctx *c;
  int plan;
  const int64_t *idx; /* matching row positions, shared by every column */
  int64_t count;
  const uint8_t *decoded; /* NULL: every column is decoded in c->local; else
                             only columns with decoded[i] set are, the others
                             are decoded here in gather mode */
} gather_ctx;

static int gather_task(void *v, int i) {
  gather_ctx *g = v;
  read_ctx *c = g->c;
  int t = g->plan * c->nleaves + i;
  if (!g->decoded || g->decoded[i]) return ps__column_append_indices(c->out->cols[i], c->local[t], g->idx, g->count);
  const rg_plan *plan = &c->plans[g->plan];
  ps_parquet_file *f = c->f;
  const pq_leaf *lf = &f->leaves[c->leaves[i]];
  const pq_column_chunk *cc = &f->meta.row_groups[plan->rg].columns[c->leaves[i]];
  int64_t start, len;
  pq_chunk_range(&cc->meta_data, &start, &len);
  pq_chunk_source src = {f->path, lf->name, lf, &cc->meta_data, f->map + start, (size_t)len,
                         f->meta.row_groups[plan->rg].num_rows, NULL, start, !c->opt->no_crc_check};
  pq_sink sink;
  memset(&sink, 0, sizeof sink);
  sink.col = c->out->cols[i];
  sink.gather = g->idx;
  sink.ngather = g->count;
  int rc = pq_decode_chunk(&src, plan->ranges, plan->nranges, &sink, &c->dstats[t]);
  release_mapped(f, start, len);
  return rc;
}

/* Row group by row group (memory: one row group's columns): decode the
 * filter columns, evaluate, and only if rows match decode the other output
 * columns and gather the matching rows. Stops as soon as `limit` rows are
 * found. */
static int read_filtered(read_ctx *c, const ps_expr *filter, const int *filter_leaves, int nfilter) {
  ps_frame *out = c->out;
  int rc = PS_OK;
  int64_t skip = c->opt->offset > 0 ? c->opt->offset : 0;
  int64_t want = c->opt->limit > 0 ? c->opt->limit : INT64_MAX;
  uint8_t *sel = NULL;
  int *tasks = ps__calloc((size_t)c->nleaves + 1, sizeof *tasks);
  uint8_t *is_filter = ps__calloc((size_t)c->nleaves + 1, 1);
  ps_column **pool = ps__calloc((size_t)c->nleaves + 1, sizeof *pool);
  ps_frame *ef = NULL;
  if (!tasks || !is_filter || !pool) {
    rc = PS_NOMEM();
    goto out;
  }
  for (int i = 0; i < c->nleaves; i++)
    for (int k = 0; k < nfilter; k++) is_filter[i] |= c->leaves[i] == filter_leaves[k];
  for (int p = 0; p < c->nplans && want > 0; p++) {
    int64_t rows = c->plans[p].rows;
    int n = 0;
    for (int i = 0; i < c->nleaves; i++)
      if (is_filter[i]) tasks[n++] = p * c->nleaves + i;
    PS_CHECK(decode_tasks(c, tasks, n, pool));
    /* a frame of the filter columns (borrowed) to evaluate on */
    PS_CHECK(ps_frame_new(&ef));
    for (int i = 0; i < c->nleaves; i++) {
      if (!is_filter[i]) continue;
      int t = p * c->nleaves + i;
      PS_CHECK(finish_local(c, t, rows));
      if ((rc = ps__frame_adopt_column(ef, c->local[t])) < 0) {
        c->local[t] = NULL; /* adopt frees the column on failure */
        goto fail;
      }
    }
    ef->nrows = rows;
    uint8_t *ns = ps__realloc(sel, (size_t)rows + 1);
    if (!ns) {
      rc = PS_NOMEM();
      goto fail;
    }
    sel = ns;
    rc = ps__expr_eval(filter, ef, sel);
    ef->ncols = 0; /* the columns stay owned by c->local */
    ps_frame_free(ef);
    ef = NULL;
    if (rc < 0) goto fail;
    /* offset / limit over the matching rows */
    int64_t matches = 0;
    for (int64_t r = 0; r < rows; r++) {
      if (!sel[r]) continue;
      if (skip > 0) { sel[r] = 0; skip--; continue; }
      if (want == 0) { sel[r] = 0; continue; }
      want--;
      matches++;
    }
    if (matches > 0) {
      /* one list of matching positions, shared by every column */
      int64_t *idx = ps__malloc((size_t)matches * sizeof *idx);
      if (!idx) {
        rc = PS_NOMEM();
        goto fail;
      }
      for (int64_t r = 0, k = 0; r < rows; r++)
        if (sel[r]) idx[k++] = r;
      /* A plan covering its whole row group decodes the other columns page by
       * page straight into the result, keeping only the matching rows (the
       * positions are row-group rows). A page-pruned plan decodes them whole
       * first (positions are then rows of the decoded ranges). */
      int whole = c->plans[p].nranges == 1 && c->plans[p].ranges[0].begin == 0 &&
                  c->plans[p].ranges[0].end == c->f->meta.row_groups[c->plans[p].rg].num_rows;
      if (!whole) {
        n = 0;
        for (int i = 0; i < c->nout; i++)
          if (!is_filter[i]) tasks[n++] = p * c->nleaves + i;
        rc = decode_tasks(c, tasks, n, pool);
        for (int i = 0; rc == PS_OK && i < c->nout; i++)
          if (!is_filter[i]) rc = finish_local(c, p * c->nleaves + i, rows);
      }
      if (rc == PS_OK) { /* columns are independent: in parallel */
        gather_ctx g = {c, p, idx, matches, whole ? is_filter : NULL};
        rc = ps_parallel_for(c->nout, c->opt->threads, gather_task, &g);
      }
      ps__free_mem(idx);
      if (rc < 0) goto fail;
    }
    free_plan_tasks(c, p, pool);
  }
  out->nrows = out->ncols ? out->cols[0]->length : 0;
  goto out;
fail:
  if (ef) {
    ef->ncols = 0;
    ps_frame_free(ef);
  }
out:
  ps__free_mem(sel);
  ps__free_mem(tasks);
  ps__free_mem(is_filter);
  for (int i = 0; pool && i < c->nleaves; i++) ps__column_free(pool[i]);
  ps__free_mem(pool);
  return rc;
}

/* Phase 3: the row groups ps_parquet_read considers on this thread
 * (ps__parquet_read_row_groups sets it for one call). */
static _Thread_local int64_t rg_window_lo = 0, rg_window_hi = INT64_MAX;

int ps__parquet_read_row_groups(ps_parquet_file *f, const ps_read_options *opt, int first, int count, ps_frame **out) {
  rg_window_lo = first;
  rg_window_hi = (int64_t)first + count;
  int rc = ps_parquet_read(f, opt, out);
  rg_window_lo = 0;
  rg_window_hi = INT64_MAX;
  return rc;
}

/* ps_parquet_read, or (into != NULL) appending the rows to `into`, whose
 * columns must be those the read produces (another part of the same item). */
static int read_impl(ps_parquet_file *f, const ps_read_options *opt, ps_frame *into, ps_frame **out) {
  if (!f || (!out && !into)) return ps__error(PS_ERR_INVALID, "ps_parquet_read: NULL argument");
  if (out) *out = NULL;
  ps_read_options defaults;
  memset(&defaults, 0, sizeof defaults);
  if (!opt) opt = &defaults;
  if (opt->offset < 0 || opt->limit < 0) return ps__error(PS_ERR_INVALID, "%s: negative offset or limit", f->path);
  read_ctx c;
  memset(&c, 0, sizeof c);
  c.f = f;
  c.opt = opt;
  int rc = PS_OK;
  ps_frame *schema = NULL;
  const char **fnames = NULL;
  size_t nfn = 0;
  int *filter_leaves = NULL;
  int nfilter = 0;
  c.leaves = ps__calloc((size_t)f->nleaves * 2 + 2, sizeof *c.leaves);
  if (!c.leaves) return PS_NOMEM();
  /* projection */
  if (opt->columns) {
    for (size_t i = 0; i < opt->num_columns; i++) {
      int l = opt->columns[i] ? leaf_by_name(f, opt->columns[i]) : -1;
      if (l < 0) {
        rc = ps__error(PS_ERR_NOT_FOUND, "%s: no column named '%s'", f->path, opt->columns[i] ? opt->columns[i] : "(null)");
        goto done;
      }
      int dup = 0;
      for (int k = 0; k < c.nout; k++) dup |= c.leaves[k] == l;
      if (!dup) c.leaves[c.nout++] = l;
    }
    if (f->index_leaf >= 0 && !opt->no_index) {
      int have = 0;
      for (int k = 0; k < c.nout; k++) have |= c.leaves[k] == f->index_leaf;
      if (!have) c.leaves[c.nout++] = f->index_leaf;
    }
  } else {
    for (int i = 0; i < f->nleaves; i++)
      if (!(opt->no_index && i == f->index_leaf)) c.leaves[c.nout++] = i;
  }
  c.nleaves = c.nout;
  /* filter columns */
  if (opt->filter) {
    PS_CHECK(ps_parquet_schema(f, &schema));
    if ((rc = ps__expr_bind_check(opt->filter, schema)) < 0) {
      rc = ps__error_prefix(rc, "%s", f->path);
      goto done;
    }
    PS_CHECK(ps__expr_columns(opt->filter, &fnames, &nfn));
    filter_leaves = ps__calloc(nfn + 1, sizeof *filter_leaves);
    if (!filter_leaves) {
      rc = PS_NOMEM();
      goto done;
    }
    for (size_t i = 0; i < nfn; i++) {
      int l = leaf_by_name(f, fnames[i]);
      filter_leaves[nfilter++] = l;
      int have = 0;
      for (int k = 0; k < c.nleaves; k++) have |= c.leaves[k] == l;
      if (!have) c.leaves[c.nleaves++] = l;
    }
  }
  /* plan row groups */
  c.plans = ps__calloc((size_t)f->meta.num_row_groups + 1, sizeof *c.plans);
  if (!c.plans) {
    rc = PS_NOMEM();
    goto done;
  }
  int64_t row_base = 0, total = 0;
  int64_t lo = opt->offset, hi = opt->limit > 0 ? opt->offset + opt->limit : INT64_MAX;
  if (opt->limit > 0 && opt->offset > INT64_MAX - opt->limit) hi = INT64_MAX;
  if (opt->stats) memset(opt->stats, 0, sizeof *opt->stats);
  for (uint32_t r = 0; r < f->meta.num_row_groups; r++) {
    const pq_row_group *g = &f->meta.row_groups[r];
    int64_t n = g->num_rows;
    if ((int64_t)r < rg_window_lo || (int64_t)r >= rg_window_hi) { /* Phase 3: row-group window */
      row_base += n;
      continue;
    }
    if (opt->stats) opt->stats->row_groups_total++;
    if (n == 0) continue;
    rg_plan *p = &c.plans[c.nplans];
    p->rg = (int)r;
    if (opt->filter) {
      rg_stats_ctx sc = {f, (int)r};
      int m = ps__expr_may_match(opt->filter, rg_stats, &sc);
      if (m < 0) {
        rc = m;
        goto done;
      }
      if (!m) {
        PS_DEBUG("%s: row group %u (%lld rows) pruned: column statistics cannot match the filter", f->path, r, (long long)n);
        continue;
      }
      PS_CHECK(plan_pages(f, opt->filter, filter_leaves, nfilter, (int)r, p, opt->stats));
      if (p->nranges == 0) {
        PS_DEBUG("%s: row group %u pruned: no page's statistics can match the filter (page index)", f->path, r);
        continue;
      }
      if (p->rows < n) PS_DEBUG("%s: row group %u: page index keeps %lld of %lld rows", f->path, r, (long long)p->rows, (long long)n);
    } else {
      /* offset/limit select global rows [lo, hi) */
      int64_t b = lo > row_base ? lo - row_base : 0, e = hi - row_base < n ? hi - row_base : n;
      row_base += n;
      if (b >= n || e <= 0 || e <= b) continue;
      int cap = 0;
      PS_CHECK(add_range(p, &cap, b, e));
    }
    p->out_offset = total;
    total += p->rows;
    c.nplans++;
  }
  if (opt->stats) opt->stats->row_groups_read = c.nplans;
  {
    int ntasks = c.nplans * c.nleaves;
    c.local = ps__calloc((size_t)ntasks + 1, sizeof *c.local);
    c.vbits = ps__calloc((size_t)ntasks + 1, sizeof *c.vbits);
    c.nulls = ps__calloc((size_t)ntasks + 1, sizeof *c.nulls);
    c.dstats = ps__calloc((size_t)ntasks + 1, sizeof *c.dstats);
    if (!c.local || !c.vbits || !c.nulls || !c.dstats) {
      rc = PS_NOMEM();
      goto done;
    }
    if (into && into->ncols > 0) {
      if (into->ncols != c.nout) {
        rc = ps__error(PS_ERR_SCHEMA, "%s: has %d columns to read, the frame being filled has %d", f->path, c.nout,
                       into->ncols);
        goto done;
      }
      for (int i = 0; i < c.nout; i++) {
        const pq_leaf *lf = &f->leaves[c.leaves[i]];
        const ps_column *have = into->cols[i];
        if (strcmp(have->name, lf->name) != 0 || have->type != lf->type ||
            (lf->type == PS_TYPE_TIMESTAMP && have->unit != lf->frame_unit)) {
          rc = ps__error(PS_ERR_SCHEMA, "%s: column '%s' does not match column '%s' of the frame being filled",
                         f->path, lf->name, have->name);
          goto done;
        }
      }
      c.out = into;
      c.base = into->nrows;
    } else if (into) {
      c.out = into;
      PS_CHECK(add_output_columns(f, &c, c.out));
    } else {
      PS_CHECK(ps_frame_new(&c.out));
      PS_CHECK(add_output_columns(f, &c, c.out));
    }
    rc = opt->filter ? read_filtered(&c, opt->filter, filter_leaves, nfilter) : read_unfiltered(&c, total);
    if (rc < 0) goto done;
    if (opt->stats) {
      for (int t = 0; t < ntasks; t++) {
        opt->stats->pages_total += c.dstats[t].pages_total;
        opt->stats->pages_read += c.dstats[t].pages_read;
        opt->stats->bytes_read += c.dstats[t].bytes_read;
        opt->stats->pages_crc_checked += c.dstats[t].pages_crc;
      }
    }
    if (out) *out = c.out;
    c.out = NULL;
    for (int t = 0; t < ntasks; t++) {
      ps__column_free(c.local[t]);
      ps__free_mem(c.vbits[t]);
    }
  }
done:
fail:
  if (rc < 0 && c.local) {
    for (int t = 0; t < c.nplans * c.nleaves; t++) {
      ps__column_free(c.local[t]);
      if (c.vbits) ps__free_mem(c.vbits[t]); /* NULL when its allocation failed */
    }
  }
  if (rc < 0) {
    ps__error_copy(f->errmsg, sizeof f->errmsg);
  }
  if (c.out != into) ps_frame_free(c.out); /* a caller's frame stays the caller's, even on failure */
  ps__free_mem(c.local);
  ps__free_mem(c.vbits);
  ps__free_mem(c.nulls);
  ps__free_mem(c.dstats);
  if (c.plans)
    for (int i = 0; i < (int)f->meta.num_row_groups; i++) ps__free_mem(c.plans[i].ranges);
  ps__free_mem(c.plans);
  ps__free_mem(c.leaves);
  ps__free_mem(filter_leaves);
  free(fnames);
  ps_frame_free(schema);
  return rc;
}

int ps_parquet_read_file(const char *path, const ps_read_options *opt, ps_frame **out) {
  ps_parquet_file *f;
  PS_TRY(ps_parquet_open(path, &f));
  int rc = ps_parquet_read(f, opt, out);
  ps_parquet_close(f);
  return rc;
}

int ps_parquet_read(ps_parquet_file *f, const ps_read_options *opt, ps_frame **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_parquet_read: NULL argument");
  return read_impl(f, opt, NULL, out);
}

int ps__parquet_read_append(ps_parquet_file *f, const ps_read_options *opt, ps_frame *into) {
  if (!into) return ps__error(PS_ERR_INVALID, "ps_parquet_read: NULL frame");
  return read_impl(f, opt, into, NULL);
}
