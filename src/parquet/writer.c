/* Parquet file writer: batches -> row groups -> column chunks (encoded in
 * parallel) -> page indexes -> footer. Memory is bounded by one row group. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/codec.h"
#include "parquet/arrow_schema.h"
#include "parquet/column_writer.h"
#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "parquet/writer.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/parallel.h"

#define PQ_DEFAULT_ROW_GROUP_ROWS 262144
#define PQ_DEFAULT_PAGE_BYTES (1 << 20)
#define PQ_DEFAULT_DICT_BYTES (1 << 20)
#define PQ_MAGIC "PAR1"

typedef struct kept_row_group {
  pq_chunk_out *chunks; /* data freed once written; metadata, arena, pages kept for the footer */
  int64_t num_rows;
  int64_t file_offset;
  int64_t total_uncompressed, total_compressed;
  int sorted_index; /* the index column is non-decreasing in this row group */
} kept_row_group;

struct ps_parquet_writer {
  char *path, *tmp_path;
  int fd;
  int64_t offset;
  int fsync_on_close;
  char *created_by;
  char **kv; /* key, value, key, value ... */
  int nkv;
  pq_chunk_options chunk_opt;
  int threads;
  int micros;
  int page_index;
  int64_t row_group_rows;
  ps_frame *schema;
  pq_leaf *leaves;
  int ncols;
  ps_frame *pending;
  kept_row_group *rgs;
  int nrg, rg_cap;
  int64_t num_rows;
  int failed;
  char errmsg[PS_ERRMSG_MAX];
};

const char *ps_parquet_writer_errmsg(const ps_parquet_writer *w) { return w ? w->errmsg : ""; }
int64_t ps_parquet_writer_bytes(const ps_parquet_writer *w) { return w ? w->offset : 0; }

static int fail(ps_parquet_writer *w, int rc) {
  w->failed = 1;
  ps__error_copy(w->errmsg, sizeof w->errmsg);
  return rc;
}

static void writer_free(ps_parquet_writer *w) {
  if (!w) return;
  if (w->fd >= 0) close(w->fd);
  ps__free_mem(w->path);
  ps__free_mem(w->tmp_path);
  ps__free_mem(w->created_by);
  for (int i = 0; i < w->nkv; i++) ps__free_mem(w->kv[i]);
  ps__free_mem(w->kv);
  for (int i = 0; w->leaves && i < w->ncols; i++) pq_leaf_clear(&w->leaves[i]);
  ps__free_mem(w->leaves);
  ps_frame_free(w->schema);
  ps_frame_free(w->pending);
  for (int i = 0; i < w->nrg; i++) {
    for (int c = 0; c < w->ncols; c++) pq_chunk_out_free(&w->rgs[i].chunks[c]);
    ps__free_mem(w->rgs[i].chunks);
  }
  ps__free_mem(w->rgs);
  ps__free_mem(w);
}

static int add_kv(ps_parquet_writer *w, const char *k, const char *v) {
  char **kv = ps__realloc(w->kv, (size_t)(w->nkv + 2) * sizeof *kv);
  if (!kv) return PS_NOMEM();
  w->kv = kv;
  kv[w->nkv] = ps__strdup(k);
  kv[w->nkv + 1] = ps__strdup(v ? v : "");
  w->nkv += 2;
  if (!kv[w->nkv - 2] || !kv[w->nkv - 1]) return PS_NOMEM();
  return PS_OK;
}

int ps_parquet_writer_open(const char *path, const ps_write_options *opt, ps_parquet_writer **out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_parquet_writer_open: out is NULL");
  *out = NULL;
  if (!path || !*path) return ps__error(PS_ERR_INVALID, "ps_parquet_writer_open: empty path");
  ps_write_options defaults;
  memset(&defaults, 0, sizeof defaults);
  if (!opt) opt = &defaults;
  if (opt->row_group_rows < 0 || opt->page_bytes < 0 || opt->dictionary_bytes < 0)
    return ps__error(PS_ERR_INVALID, "%s: negative size option", path);
  if ((unsigned)opt->codec > PS_CODEC_BROTLI) return ps__error(PS_ERR_INVALID, "%s: unknown codec %d", path, (int)opt->codec);
  ps_parquet_writer *w = ps__calloc(1, sizeof *w);
  if (!w) return PS_NOMEM();
  w->fd = -1;
  int rc = PS_OK;
  w->path = ps__strdup(path);
  w->tmp_path = ps_temp_name(path);
  char cb[128];
  snprintf(cb, sizeof cb, "pystore version %s (build pystore)", PS_VERSION_STRING);
  w->created_by = ps__strdup(opt->created_by ? opt->created_by : cb);
  if (!w->path || !w->tmp_path || !w->created_by) {
    rc = PS_NOMEM();
    goto failed;
  }
  if (opt->metadata) {
    for (const char *const *p = opt->metadata; p[0]; p += 2) {
      if (!p[1]) {
        rc = ps__error(PS_ERR_INVALID, "%s: metadata key '%s' has no value (list must be key, value pairs)", path, p[0]);
        goto failed;
      }
      PS_CHECK(add_kv(w, p[0], p[1]));
    }
  }
  w->chunk_opt.codec = ps_codec_to_parquet(opt->codec);
  w->chunk_opt.level = opt->codec_level;
  w->chunk_opt.page_bytes = opt->page_bytes ? opt->page_bytes : PQ_DEFAULT_PAGE_BYTES;
  w->chunk_opt.v2 = opt->data_page_v2 != 0;
  w->chunk_opt.dictionary = opt->dictionary;
  w->chunk_opt.dictionary_bytes = opt->dictionary_bytes ? opt->dictionary_bytes : PQ_DEFAULT_DICT_BYTES;
  w->chunk_opt.delta = opt->delta;
  w->chunk_opt.byte_stream_split = opt->byte_stream_split;
  w->chunk_opt.checksum = opt->page_checksum != PS_OFF;
  w->page_index = opt->page_index != PS_OFF;
  w->threads = opt->threads;
  w->micros = opt->timestamp_micros;
  w->row_group_rows = opt->row_group_rows ? opt->row_group_rows : PQ_DEFAULT_ROW_GROUP_ROWS;
  w->fsync_on_close = opt->fsync;
  w->fd = ps__io_open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    int e = errno;
    rc = ps__error(ps_status_from_errno(e), "%s: cannot create file: %s", path, strerror(e));
    goto failed;
  }
  PS_CHECK(ps_write_all(w->fd, PQ_MAGIC, 4, path));
  w->offset = 4;
  *out = w;
  return PS_OK;
fail:
failed:
  if (w->fd >= 0) ps__io_unlink(w->tmp_path);
  writer_free(w);
  return rc;
}

static int setup_schema(ps_parquet_writer *w, const ps_frame *batch) {
  if (batch->ncols == 0) return ps__error(PS_ERR_SCHEMA, "%s: a Parquet file needs at least one column", w->path);
  PS_TRY(ps__frame_clone_empty(batch, &w->schema));
  w->ncols = batch->ncols;
  w->leaves = ps__calloc((size_t)w->ncols, sizeof *w->leaves);
  if (!w->leaves) return PS_NOMEM();
  for (int i = 0; i < w->ncols; i++) {
    pq_schema_element el;
    PS_TRY(pq_schema_element_for_column(batch->cols[i], w->micros, &el, &w->leaves[i]));
  }
  PS_TRY(ps__frame_clone_empty(batch, &w->pending));
  /* the pandas metadata unless the caller supplied one */
  int have_pandas = 0, have_arrow = 0;
  for (int i = 0; i < w->nkv; i += 2) {
    if (strcmp(w->kv[i], "pandas") == 0) have_pandas = 1;
    if (strcmp(w->kv[i], "ARROW:schema") == 0) have_arrow = 1;
  }
  if (!have_pandas) {
    char *json;
    PS_TRY(pq_pandas_metadata_build(batch, &json));
    int rc = add_kv(w, "pandas", json);
    ps__free_mem(json);
    PS_TRY(rc);
  }
  /* the Arrow schema: pyarrow and Polars take time zone names from it */
  if (!have_arrow) {
    char *b64;
    PS_TRY(pq_arrow_schema_build(batch, w->micros, &b64));
    int rc = add_kv(w, "ARROW:schema", b64);
    ps__free_mem(b64);
    PS_TRY(rc);
  }
  return PS_OK;
}

static int check_batch(ps_parquet_writer *w, const ps_frame *b) {
  if (b->ncols != w->ncols)
    return ps__error(PS_ERR_SCHEMA, "%s: batch has %d columns, the file has %d", w->path, b->ncols, w->ncols);
  for (int i = 0; i < b->ncols; i++) {
    const ps_column *s = w->schema->cols[i], *c = b->cols[i];
    if (!ps__column_same_type(s, c)) {
      char ts[96], tc[96];
      ps__column_type_string(s, ts, sizeof ts);
      ps__column_type_string(c, tc, sizeof tc);
      return ps__error(PS_ERR_SCHEMA, "%s: column %d: batch has '%s' %s, the file has '%s' %s", w->path, i, c->name, tc,
                       s->name, ts);
    }
    if (!s->nullable && c->null_count)
      return ps__error(PS_ERR_SCHEMA, "%s: column '%s' is REQUIRED but the batch has %lld nulls", w->path, c->name,
                       (long long)c->null_count);
  }
  return PS_OK;
}

typedef struct rg_task {
  ps_parquet_writer *w;
  const ps_frame *f;
  int64_t start, n;
  pq_chunk_out *chunks;
} rg_task;

static int encode_chunk_task(void *ctx, int c) {
  rg_task *t = ctx;
  return pq_encode_column_chunk(t->f->cols[c], &t->w->leaves[c], t->start, t->n, &t->w->chunk_opt, &t->chunks[c]);
}

static int write_row_group(ps_parquet_writer *w, const ps_frame *f, int64_t start, int64_t n) {
  if (w->nrg == w->rg_cap) {
    int cap = w->rg_cap ? w->rg_cap * 2 : 8;
    kept_row_group *r = ps__realloc(w->rgs, (size_t)cap * sizeof *r);
    if (!r) return PS_NOMEM();
    w->rgs = r;
    w->rg_cap = cap;
  }
  if (w->nrg >= 32767) return ps__error(PS_ERR_LIMIT, "%s: more than 32767 row groups", w->path);
  kept_row_group *rg = &w->rgs[w->nrg];
  memset(rg, 0, sizeof *rg);
  rg->chunks = ps__calloc((size_t)w->ncols, sizeof *rg->chunks);
  if (!rg->chunks) return PS_NOMEM();
  w->nrg++; /* counted now so that writer_free releases the chunks on failure */
  rg_task t = {w, f, start, n, rg->chunks};
  PS_TRY(ps_parallel_for(w->ncols, w->threads, encode_chunk_task, &t));
  rg->num_rows = n;
  rg->file_offset = w->offset;
  for (int c = 0; c < w->ncols; c++) {
    pq_chunk_out *ch = &rg->chunks[c];
    int64_t base = w->offset;
    ch->meta.data_page_offset += base;
    if (ch->meta.has_dictionary_page_offset) ch->meta.dictionary_page_offset += base;
    for (int p = 0; p < ch->npages; p++) ch->pages[p].offset += base;
    PS_TRY(ps_write_all(w->fd, ch->data.data, ch->data.len, w->path));
    w->offset += (int64_t)ch->data.len;
    rg->total_uncompressed += ch->meta.total_uncompressed_size;
    rg->total_compressed += ch->meta.total_compressed_size;
    ps_buf_free(&ch->data);
  }
  rg->sorted_index = f->index >= 0 && rg->chunks[f->index].sorted;
  w->num_rows += n;
  return PS_OK;
}

/* `last`: no batch follows, so a final partial row group can be encoded
 * straight from the caller's buffers instead of being copied to pending. */
static int writer_write(ps_parquet_writer *w, const ps_frame *batch, int64_t from, int64_t to, int last) {
  if (!w || !batch) return ps__error(PS_ERR_INVALID, "ps_parquet_writer_write: NULL argument");
  if (w->failed) return ps__error(PS_ERR_INVALID, "%s: writer already failed: %s", w->path, w->errmsg);
  int rc;
  if (!w->schema && (rc = setup_schema(w, batch)) < 0) return fail(w, rc);
  if ((rc = check_batch(w, batch)) < 0) return fail(w, rc);
  int64_t len = batch->ncols ? batch->cols[0]->length : 0;
  for (int i = 1; i < batch->ncols; i++)
    if (batch->cols[i]->length != len)
      return fail(w, ps__error(PS_ERR_SCHEMA, "%s: batch column '%s' has %lld rows, column '%s' has %lld", w->path,
                               batch->cols[i]->name, (long long)batch->cols[i]->length, batch->cols[0]->name,
                               (long long)len));
  int64_t nrows = to < 0 ? len : to; /* rows [from, nrows) of the batch */
  if (from < 0 || from > nrows || nrows > len)
    return fail(w, ps__error(PS_ERR_INVALID, "%s: row range [%lld, %lld) outside the batch of %lld rows", w->path,
                             (long long)from, (long long)nrows, (long long)len));
  int64_t row = from;
  while (row < nrows) {
    int64_t pend = w->pending->cols[0]->length;
    if (pend == 0 && (nrows - row >= w->row_group_rows || last)) {
      /* whole row groups (and a last partial one) straight from the caller's buffers */
      int64_t n = nrows - row < w->row_group_rows ? nrows - row : w->row_group_rows;
      if ((rc = write_row_group(w, batch, row, n)) < 0) return fail(w, rc);
      row += n;
      continue;
    }
    int64_t take = w->row_group_rows - pend;
    if (take > nrows - row) take = nrows - row;
    for (int c = 0; c < w->ncols; c++)
      if ((rc = ps__column_append_range(w->pending->cols[c], batch->cols[c], row, take)) < 0) return fail(w, rc);
    w->pending->nrows = pend + take;
    row += take;
    if (w->pending->nrows == w->row_group_rows) {
      if ((rc = write_row_group(w, w->pending, 0, w->pending->nrows)) < 0) return fail(w, rc);
      ps_frame *fresh;
      if ((rc = ps__frame_clone_empty(w->schema, &fresh)) < 0) return fail(w, rc);
      ps_frame_free(w->pending);
      w->pending = fresh;
    }
  }
  return PS_OK;
}

int ps_parquet_writer_write(ps_parquet_writer *w, const ps_frame *batch) { return writer_write(w, batch, 0, -1, 0); }

int ps__parquet_writer_write_rows(ps_parquet_writer *w, const ps_frame *batch, int64_t from, int64_t n) {
  return writer_write(w, batch, from, from + n, 0);
}

/* Where offset `off` of a chunk's statistics arena is. An arena that only
 * ever held empty bounds (all-null pages, empty strings) has no memory at
 * all: its bounds are empty and point at a static empty string (NULL + 0
 * is undefined behaviour). */
static const uint8_t *arena_at(const uint8_t *arena, uintptr_t off) {
  return arena ? arena + off : (const uint8_t *)"";
}

/* Serialise the page indexes of every chunk and note their offsets. */
static int write_page_indexes(ps_parquet_writer *w, int64_t (*ci_off)[2], int64_t (*oi_off)[2]) {
  ps_buf buf = {0};
  int rc = PS_OK;
  for (int pass = 0; pass < 2; pass++) {
    for (int r = 0; r < w->nrg; r++) {
      for (int c = 0; c < w->ncols; c++) {
        pq_chunk_out *ch = &w->rgs[r].chunks[c];
        int idx = r * w->ncols + c;
        ps_buf_clear(&buf);
        int np = ch->npages;
        if (pass == 0) {
          pq_column_index ci;
          memset(&ci, 0, sizeof ci);
          ci.num_pages = (uint32_t)np;
          ci.null_pages = ps__calloc((size_t)np + 1, 1);
          ci.min_values = ps__calloc((size_t)np + 1, sizeof *ci.min_values);
          ci.max_values = ps__calloc((size_t)np + 1, sizeof *ci.max_values);
          ci.null_counts = ps__calloc((size_t)np + 1, sizeof *ci.null_counts);
          if (!ci.null_pages || !ci.min_values || !ci.max_values || !ci.null_counts) {
            rc = PS_NOMEM();
          } else {
            for (int p = 0; p < np; p++) {
              pq_page_entry *pe = &ch->pages[p];
              ci.null_pages[p] = (uint8_t)pe->all_null;
              ci.min_values[p] = (pq_bytes){arena_at(ch->arena.data, (uintptr_t)pe->min_off), pe->min_len};
              ci.max_values[p] = (pq_bytes){arena_at(ch->arena.data, (uintptr_t)pe->max_off), pe->max_len};
              ci.null_counts[p] = pe->null_count;
            }
            ci.boundary_order = ch->boundary_order;
            ci.has_null_counts = 1;
            rc = pq_write_column_index(&buf, &ci);
          }
          ps__free_mem(ci.null_pages);
          ps__free_mem(ci.min_values);
          ps__free_mem(ci.max_values);
          ps__free_mem(ci.null_counts);
        } else {
          pq_offset_index oi;
          memset(&oi, 0, sizeof oi);
          oi.num_pages = (uint32_t)np;
          oi.page_locations = ps__calloc((size_t)np + 1, sizeof *oi.page_locations);
          if (!oi.page_locations) {
            rc = PS_NOMEM();
          } else {
            for (int p = 0; p < np; p++)
              oi.page_locations[p] = (pq_page_location){ch->pages[p].offset, ch->pages[p].size, ch->pages[p].first_row};
            rc = pq_write_offset_index(&buf, &oi);
          }
          ps__free_mem(oi.page_locations);
        }
        if (rc < 0) goto out;
        int64_t (*dst)[2] = pass == 0 ? ci_off : oi_off;
        dst[idx][0] = w->offset;
        dst[idx][1] = (int64_t)buf.len;
        if ((rc = ps_write_all(w->fd, buf.data, buf.len, w->path)) < 0) goto out;
        w->offset += (int64_t)buf.len;
      }
    }
  }
out:
  ps_buf_free(&buf);
  return rc;
}

static void fix_stat_ptrs(pq_statistics *st, const uint8_t *arena) {
  /* the chunk encoder stored arena offsets; make them pointers now that the arena is final */
  if (st->has_min_value) st->min_value.ptr = arena_at(arena, (uintptr_t)st->min_value.ptr);
  if (st->has_max_value) st->max_value.ptr = arena_at(arena, (uintptr_t)st->max_value.ptr);
  if (st->has_min) st->min.ptr = arena_at(arena, (uintptr_t)st->min.ptr);
  if (st->has_max) st->max.ptr = arena_at(arena, (uintptr_t)st->max.ptr);
}

static int write_footer(ps_parquet_writer *w) {
  int rc = PS_OK;
  size_t nidx = (size_t)w->nrg * (size_t)w->ncols;
  int64_t (*ci_off)[2] = ps__calloc(nidx + 1, sizeof *ci_off);
  int64_t (*oi_off)[2] = ps__calloc(nidx + 1, sizeof *oi_off);
  pq_schema_element *schema = ps__calloc((size_t)w->ncols + 1, sizeof *schema);
  pq_row_group *rgs = ps__calloc((size_t)w->nrg + 1, sizeof *rgs);
  pq_column_chunk *cols = ps__calloc(nidx + 1, sizeof *cols);
  pq_sorting_column *sorting = ps__calloc((size_t)w->nrg + 1, sizeof *sorting);
  pq_kv *kv = ps__calloc((size_t)w->nkv / 2 + 1, sizeof *kv);
  int *orders = ps__calloc((size_t)w->ncols + 1, sizeof *orders);
  ps_buf footer = {0};
  if (!ci_off || !oi_off || !schema || !rgs || !cols || !sorting || !kv || !orders) {
    rc = PS_NOMEM();
    goto out;
  }
  if (w->page_index && (rc = write_page_indexes(w, ci_off, oi_off)) < 0) goto out;
  schema[0].name = (pq_bytes){(const uint8_t *)"schema", 6};
  schema[0].num_children = w->ncols;
  schema[0].converted_type = PQ_CT_NONE;
  for (int c = 0; c < w->ncols; c++) {
    pq_leaf tmp;
    if ((rc = pq_schema_element_for_column(w->schema->cols[c], w->micros, &schema[c + 1], &tmp)) < 0) goto out;
    orders[c] = 1; /* TYPE_ORDER */
  }
  for (int r = 0; r < w->nrg; r++) {
    kept_row_group *k = &w->rgs[r];
    pq_row_group *g = &rgs[r];
    g->columns = &cols[(size_t)r * w->ncols];
    g->num_columns = (uint32_t)w->ncols;
    g->total_byte_size = k->total_uncompressed;
    g->num_rows = k->num_rows;
    g->has_file_offset = 1;
    g->file_offset = k->file_offset;
    g->has_total_compressed_size = 1;
    g->total_compressed_size = k->total_compressed;
    g->has_ordinal = 1;
    g->ordinal = (int16_t)r;
    if (k->sorted_index) {
      sorting[r] = (pq_sorting_column){w->schema->index, 0, 0};
      g->sorting_columns = &sorting[r];
      g->num_sorting_columns = 1;
    }
    for (int c = 0; c < w->ncols; c++) {
      pq_chunk_out *ch = &k->chunks[c];
      pq_column_chunk *cc = &g->columns[c];
      cc->file_offset = 0; /* deprecated; 0 as the spec now says */
      cc->has_meta_data = 1;
      cc->meta_data = ch->meta;
      fix_stat_ptrs(&cc->meta_data.statistics, ch->arena.data);
      /* the chunk's path pointed into the batch, which may be gone: use the
       * writer's own schema copy, alive until the writer is freed */
      ch->path.ptr = (const uint8_t *)w->schema->cols[c]->name;
      ch->path.len = (uint32_t)strlen(w->schema->cols[c]->name);
      cc->meta_data.path = &ch->path;
      if (w->page_index) {
        size_t idx = (size_t)r * w->ncols + c;
        cc->has_column_index = 1;
        cc->column_index_offset = ci_off[idx][0];
        cc->column_index_length = (int32_t)ci_off[idx][1];
        cc->has_offset_index = 1;
        cc->offset_index_offset = oi_off[idx][0];
        cc->offset_index_length = (int32_t)oi_off[idx][1];
      }
    }
  }
  for (int i = 0; i < w->nkv / 2; i++) {
    kv[i].key = (pq_bytes){(const uint8_t *)w->kv[2 * i], (uint32_t)strlen(w->kv[2 * i])};
    kv[i].has_value = 1;
    kv[i].value = (pq_bytes){(const uint8_t *)w->kv[2 * i + 1], (uint32_t)strlen(w->kv[2 * i + 1])};
  }
  pq_file_meta fm;
  memset(&fm, 0, sizeof fm);
  fm.version = 1;
  fm.schema = schema;
  fm.num_schema = (uint32_t)w->ncols + 1;
  fm.num_rows = w->num_rows;
  fm.row_groups = rgs;
  fm.num_row_groups = (uint32_t)w->nrg;
  fm.kv = kv;
  fm.num_kv = (uint32_t)w->nkv / 2;
  fm.has_created_by = 1;
  fm.created_by = (pq_bytes){(const uint8_t *)w->created_by, (uint32_t)strlen(w->created_by)};
  fm.column_orders = orders;
  fm.num_column_orders = (uint32_t)w->ncols;
  if ((rc = pq_write_file_meta(&footer, &fm)) < 0) goto out;
  if (footer.len > UINT32_MAX) {
    rc = ps__error(PS_ERR_LIMIT, "%s: footer too large", w->path);
    goto out;
  }
  uint32_t flen = (uint32_t)footer.len;
  if ((rc = ps_buf_append(&footer, &flen, 4)) < 0 || (rc = ps_buf_append(&footer, PQ_MAGIC, 4)) < 0) goto out;
  if ((rc = ps_write_all(w->fd, footer.data, footer.len, w->path)) < 0) goto out;
  w->offset += (int64_t)footer.len;
out:
  ps__free_mem(ci_off);
  ps__free_mem(oi_off);
  ps__free_mem(schema);
  ps__free_mem(rgs);
  ps__free_mem(cols);
  ps__free_mem(sorting);
  ps__free_mem(kv);
  ps__free_mem(orders);
  ps_buf_free(&footer);
  return rc;
}

int ps_parquet_writer_close(ps_parquet_writer *w) {
  if (!w) return ps__error(PS_ERR_INVALID, "ps_parquet_writer_close: writer is NULL");
  int rc = PS_OK;
  if (w->failed) {
    rc = ps__error(PS_ERR_INVALID, "%s: writer failed earlier: %s", w->path, w->errmsg);
    goto abort;
  }
  if (!w->schema) {
    rc = ps__error(PS_ERR_SCHEMA, "%s: nothing was written (no batch gave the schema)", w->path);
    goto abort;
  }
  if (w->pending->cols[0]->length > 0 && (rc = write_row_group(w, w->pending, 0, w->pending->cols[0]->length)) < 0)
    goto abort;
  if ((rc = write_footer(w)) < 0) goto abort;
  if (w->fsync_on_close && (rc = ps_fsync_fd(w->fd, w->path)) < 0) goto abort;
  if (close(w->fd) != 0) {
    int e = errno;
    w->fd = -1;
    rc = ps__error(ps_status_from_write_errno(e), "%s: close failed: %s", w->path, strerror(e));
    goto abort;
  }
  w->fd = -1;
  if (ps__io_rename(w->tmp_path, w->path) != 0) {
    int e = errno;
    rc = ps__error(ps_status_from_errno(e), "%s: cannot rename temporary file into place: %s", w->path, strerror(e));
    goto abort;
  }
  if (w->fsync_on_close && (rc = ps_fsync_parent_dir(w->path)) < 0) {
    writer_free(w);
    return rc;
  }
  writer_free(w);
  return PS_OK;
abort:
  if (w->fd >= 0) {
    close(w->fd);
    w->fd = -1;
  }
  ps__io_unlink(w->tmp_path);
  writer_free(w);
  return rc;
}

void ps_parquet_writer_abort(ps_parquet_writer *w) {
  if (!w) return;
  if (w->fd >= 0) {
    close(w->fd);
    w->fd = -1;
  }
  ps__io_unlink(w->tmp_path);
  writer_free(w);
}

int ps__parquet_write_rows(const char *path, const ps_frame *frame, int64_t from, int64_t n,
                           const ps_write_options *opt) {
  if (!frame) return ps__error(PS_ERR_INVALID, "ps_parquet_write: frame is NULL");
  ps_parquet_writer *w;
  PS_TRY(ps_parquet_writer_open(path, opt, &w));
  int rc = writer_write(w, frame, from, n < 0 ? -1 : from + n, 1);
  if (rc < 0) {
    ps_parquet_writer_abort(w);
    return rc;
  }
  return ps_parquet_writer_close(w);
}

int ps_parquet_write(const char *path, const ps_frame *frame, const ps_write_options *opt) {
  return ps__parquet_write_rows(path, frame, 0, -1, opt);
}
