/* ps_verify: read-only integrity check of stores, collections, items and
 * Parquet files. Every page of every committed file is decoded (CRC-32
 * checked where present), statistics are checked against the decoded data,
 * and each item's manifest is checked against the files it publishes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "parquet/file.h"
#include "parquet/reader.h"
#include "parquet/stats.h"
#include "store/store_internal.h"
#include "table/frame.h"
#include "table/merge.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"

typedef struct verifier {
  ps_verify_problem_fn fn;
  void *ctx;
  ps_verify_stats st;
  int depth;                   /* directory levels below the path given (base/store/collection) */
  int first_status;            /* status of the first problem (0 = none) */
  char first[PS_ERRMSG_MAX + 512]; /* "path: message" of the first problem */
} verifier;

/* Report a problem (status < 0) or a note (PS_OK: not counted as a problem). */
static void report(verifier *v, const char *path, int status, const char *fmt, ...) PS__PRINTF(4, 5);
static void report(verifier *v, const char *path, int status, const char *fmt, ...) {
  char msg[PS_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (status < 0) {
    v->st.problems++;
    if (!v->first_status) {
      v->first_status = status;
      snprintf(v->first, sizeof v->first, "%s: %s", path, msg);
    }
  }
  if (v->fn) v->fn(v->ctx, path, status, msg);
}

/* A library message without its leading "<path>: " (the report names the path). */
static const char *detail_for(const char *path) {
  const char *m = ps_errmsg();
  size_t n = strlen(path);
  if (strncmp(m, path, n) == 0 && m[n] == ':' && m[n + 1] == ' ') return m + n + 2;
  return m;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int is_parquet_name(const char *name) {
  return ends_with(name, ".parquet") || ends_with(name, ".parq") || ends_with(name, ".pq");
}

/* ---- statistics against data ---- */

/* Compare row `row` of `c` with a decoded statistics bound: <0, 0, >0. */
static int cmp_with_bound(const ps_column *c, int64_t row, const ps_col_stats *s, int want_max) {
  switch (c->type) {
    case PS_TYPE_FLOAT32:
    case PS_TYPE_FLOAT64: {
      double x = c->type == PS_TYPE_FLOAT32 ? ((const float *)c->values)[row] : ((const double *)c->values)[row];
      double b = want_max ? s->max.d : s->min.d;
      return x < b ? -1 : x > b;
    }
    case PS_TYPE_UINT64: {
      uint64_t x = ((const uint64_t *)c->values)[row], b = want_max ? s->max.u : s->min.u;
      return x < b ? -1 : x > b;
    }
    case PS_TYPE_STRING:
    case PS_TYPE_BINARY: {
      const int64_t *off = c->values;
      size_t lx = (size_t)(off[row + 1] - off[row]);
      const char *b = want_max ? s->max_s : s->min_s;
      size_t lb = want_max ? s->max_len : s->min_len;
      size_t m = lx < lb ? lx : lb;
      int r = m ? memcmp(c->bytes + off[row], b, m) : 0;
      if (r) return r < 0 ? -1 : 1;
      return lx < lb ? -1 : lx > lb;
    }
    default: {
      int64_t x = ps__column_get_i64(c, row), b = want_max ? s->max.i : s->min.i;
      return x < b ? -1 : x > b;
    }
  }
}

/* The footer's statistics of one column chunk must bound its decoded values
 * and count its nulls. Unusable statistics (absent, NaN-only...) are skipped. */
static void check_chunk_stats(verifier *v, const char *path, int rg, const pq_leaf *lf, const pq_column_meta *meta,
                              const ps_column *c) {
  if (!meta->has_statistics) return;
  ps_col_stats s;
  memset(&s, 0, sizeof s);
  int usable = pq_statistics_decode(lf, &meta->statistics, c->length, &s);
  if (usable < 0) {
    report(v, path, usable, "row group %d, column '%s': statistics do not decode: %s", rg, c->name, ps_errmsg());
    return;
  }
  if (s.null_count >= 0 && s.null_count != c->null_count) {
    report(v, path, PS_ERR_CORRUPT, "row group %d, column '%s': statistics say %lld nulls, the data has %lld", rg,
           c->name, (long long)s.null_count, (long long)c->null_count);
    return;
  }
  if (!usable || !s.has_min_max) return;
  int is_float = c->type == PS_TYPE_FLOAT32 || c->type == PS_TYPE_FLOAT64;
  for (int64_t i = 0; i < c->length; i++) {
    if (c->validity && !ps_bit_get(c->validity, i)) continue;
    if (is_float) {
      double x = c->type == PS_TYPE_FLOAT32 ? ((const float *)c->values)[i] : ((const double *)c->values)[i];
      if (x != x) continue; /* NaN is outside the order statistics use */
    }
    if (cmp_with_bound(c, i, &s, 0) < 0 || cmp_with_bound(c, i, &s, 1) > 0) {
      char val[64];
      ps__value_string(c, i, val, sizeof val);
      report(v, path, PS_ERR_CORRUPT, "row group %d, column '%s', row %lld: value %s is outside the statistics' min/max",
             rg, c->name, (long long)i, val);
      return;
    }
  }
}

/* The offset index (if any) must describe the chunk's pages in order. */
static void check_offset_index(verifier *v, const ps_parquet_file *f, int rg, int leaf) {
  const pq_column_chunk *cc = &f->meta.row_groups[rg].columns[leaf];
  if (!cc->has_offset_index) return;
  const char *col = f->leaves[leaf].name;
  if (cc->offset_index_offset < 4 || cc->offset_index_length <= 0 || cc->offset_index_offset > f->size ||
      cc->offset_index_length > f->size - cc->offset_index_offset) {
    report(v, f->path, PS_ERR_CORRUPT, "row group %d, column '%s': offset index outside the file", rg, col);
    return;
  }
  pq_offset_index oi;
  memset(&oi, 0, sizeof oi);
  int rc = pq_parse_offset_index(f->map + cc->offset_index_offset, (size_t)cc->offset_index_length, &oi);
  if (rc < 0) {
    report(v, f->path, rc, "row group %d, column '%s': offset index: %s", rg, col, ps_errmsg());
    return;
  }
  int64_t start, len, rows = f->meta.row_groups[rg].num_rows;
  pq_chunk_range(&cc->meta_data, &start, &len);
  for (uint32_t i = 0; i < oi.num_pages; i++) {
    const pq_page_location *l = &oi.page_locations[i];
    const pq_page_location *prev = i ? &oi.page_locations[i - 1] : NULL;
    if (l->offset < start || l->offset >= start + len || l->first_row_index < 0 || l->first_row_index >= rows ||
        (i == 0 && l->first_row_index != 0) ||
        (prev && (l->offset <= prev->offset || l->first_row_index <= prev->first_row_index))) {
      report(v, f->path, PS_ERR_CORRUPT, "row group %d, column '%s': offset index entry %u is inconsistent", rg, col, i);
      break;
    }
  }
  pq_offset_index_free(&oi);
}

/* Decode every page of the open file, row group by row group (memory: one
 * row group), checking row counts, statistics and the offset index. */
static void check_file_pages(verifier *v, ps_parquet_file *f) {
  v->st.bytes += f->size;
  for (int rg = 0; rg < (int)f->meta.num_row_groups; rg++) {
    v->st.row_groups++;
    for (int l = 0; l < f->nleaves; l++) check_offset_index(v, f, rg, l);
    ps_read_stats rs;
    memset(&rs, 0, sizeof rs);
    ps_read_options ro;
    memset(&ro, 0, sizeof ro); /* every column, in leaf order */
    ro.stats = &rs;
    ps_frame *fr = NULL;
    int rc = ps__parquet_read_row_groups(f, &ro, rg, 1, &fr);
    v->st.pages += rs.pages_read;
    v->st.pages_crc += rs.pages_crc_checked;
    if (rc < 0) {
      report(v, f->path, rc, "row group %d: %s", rg, detail_for(f->path));
      continue;
    }
    int64_t want = f->meta.row_groups[rg].num_rows;
    if (fr->nrows != want) {
      report(v, f->path, PS_ERR_CORRUPT, "row group %d decodes to %lld rows, the footer says %lld", rg,
             (long long)fr->nrows, (long long)want);
    } else if (fr->ncols == f->nleaves) {
      for (int l = 0; l < f->nleaves; l++)
        check_chunk_stats(v, f->path, rg, &f->leaves[l], &f->meta.row_groups[rg].columns[l].meta_data, fr->cols[l]);
    }
    ps_frame_free(fr);
  }
}

static int open_parquet(verifier *v, const char *path, ps_parquet_file **out) {
  *out = NULL;
  int rc = ps_parquet_open(path, out);
  if (rc == PS_ERR_NOMEM) return rc;
  if (rc < 0) report(v, path, rc, "%s", detail_for(path));
  return PS_OK;
}

static int verify_file(verifier *v, const char *path) {
  ps_parquet_file *f;
  PS_TRY(open_parquet(v, path, &f));
  if (!f) return PS_OK;
  v->st.files++;
  check_file_pages(v, f);
  ps_parquet_close(f);
  return PS_OK;
}

/* ---- items ---- */

/* A committed part against its manifest entry: schema, rows, index sorted
 * and equal to the recorded bounds. */
static int check_part_against_manifest(verifier *v, ps_parquet_file *f, const ps__manifest *m, int k) {
  const char *path = f->path;
  if (ps_parquet_num_rows(f) != m->parts[k].rows) {
    report(v, path, PS_ERR_CORRUPT, "holds %lld rows, the manifest says %lld", (long long)ps_parquet_num_rows(f),
           (long long)m->parts[k].rows);
    return PS_OK;
  }
  if (!m->schema || m->schema->index < 0) return PS_OK;
  ps_frame *schema = NULL;
  int rc = ps_parquet_schema(f, &schema);
  if (rc == PS_ERR_NOMEM) return rc;
  if (rc == PS_OK) rc = ps__schema_check(m->schema, schema, 0);
  ps_frame_free(schema);
  if (rc == PS_ERR_NOMEM) return rc;
  if (rc < 0) {
    report(v, path, rc, "schema differs from the manifest's: %s", detail_for(path));
    return PS_OK;
  }
  const ps_column *want = m->schema->cols[m->schema->index];
  const char *cols[1] = {want->name};
  ps_read_options ro;
  memset(&ro, 0, sizeof ro);
  ro.columns = cols;
  ro.num_columns = 1;
  ro.no_index = 1;
  ps_frame *idx = NULL;
  rc = ps_parquet_read(f, &ro, &idx);
  if (rc == PS_ERR_NOMEM) return rc;
  if (rc < 0) {
    report(v, path, rc, "index column: %s", detail_for(path));
    return PS_OK;
  }
  const ps_column *c = idx->cols[0];
  int64_t n = c->length;
  for (int64_t i = 1; i < n; i++) {
    if (ps__value_cmp(c, i - 1, c, i) > 0) {
      report(v, path, PS_ERR_CORRUPT, "index '%s' is not sorted at row %lld", c->name, (long long)i);
      goto done;
    }
  }
  if (n > 0 && m->bounds && ps__column_same_type(c, m->bounds) &&
      (ps__value_cmp(c, 0, m->bounds, 2 * k) != 0 || ps__value_cmp(c, n - 1, m->bounds, 2 * k + 1) != 0)) {
    char lo[64], hi[64], blo[64], bhi[64];
    ps__value_string(c, 0, lo, sizeof lo);
    ps__value_string(c, n - 1, hi, sizeof hi);
    ps__value_string(m->bounds, 2 * k, blo, sizeof blo);
    ps__value_string(m->bounds, 2 * k + 1, bhi, sizeof bhi);
    report(v, path, PS_ERR_CORRUPT, "index spans [%s, %s], the manifest says [%s, %s]", lo, hi, blo, bhi);
  }
done:
  ps_frame_free(idx);
  return PS_OK;
}

/* Files in the item directory the manifest does not publish. Leftovers of
 * an interrupted commit are notes (the next writer removes them); anything
 * else that is not ours is a problem only if it looks like data. */
static int check_unlisted(verifier *v, const char *dir, const ps__manifest *m) {
  DIR *d = opendir(dir);
  if (!d) {
    report(v, dir, ps_status_from_errno(errno), "cannot list: %s", strerror(errno));
    return PS_OK;
  }
  int rc = PS_OK;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *nm = e->d_name;
    if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) continue;
    char *p = ps__path_join(dir, nm);
    if (!p) {
      rc = PS_NOMEM();
      break;
    }
    struct stat sb;
    if (lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode))
      report(v, p, PS_ERR_CORRUPT, "symbolic link inside an item (never written by pystore)");
    else if (strstr(nm, ".tmp-"))
      report(v, p, PS_OK, "leftover of an interrupted write (removed by the item's next writer)");
    else if (is_parquet_name(nm) && !m->legacy && !ps__manifest_has(m, nm))
      report(v, p, PS_OK, "part not in the manifest: leftover of an interrupted commit (removed by the next writer)");
    ps__free_mem(p);
  }
  closedir(d);
  return rc;
}

static int check_metadata_json(verifier *v, const char *dir) {
  char *p = ps__path_join(dir, PS_METADATA_FILE);
  if (!p) return PS_NOMEM();
  json_t *j = NULL;
  int rc = ps__json_load(p, &j);
  if (rc == PS_ERR_NOMEM) {
    ps__free_mem(p);
    return rc;
  }
  if (rc < 0 && rc != PS_ERR_NOT_FOUND) report(v, p, rc, "%s", detail_for(p));
  else if (j && !json_is_object(j)) report(v, p, PS_ERR_PARSE, "metadata is not a JSON object");
  json_decref(j);
  ps__free_mem(p);
  return PS_OK;
}

/* One pass over an item. *changed = 1 if a listed part vanished because a
 * writer committed meanwhile (the caller starts over). */
static int verify_item_once(verifier *v, const char *dir, int *changed) {
  *changed = 0;
  ps__manifest *m = NULL;
  int rc = ps__manifest_load(dir, &m);
  if (rc == PS_ERR_NOMEM) return rc;
  if (rc < 0) {
    char *p = ps__path_join(dir, PS_MANIFEST_FILE);
    report(v, p ? p : dir, rc, "%s", p ? detail_for(p) : ps_errmsg());
    ps__free_mem(p);
    return PS_OK;
  }
  for (int k = 0; k < m->nparts && rc == PS_OK; k++) {
    char *p = ps__path_join(dir, m->parts[k].file);
    if (!p) {
      rc = PS_NOMEM();
      break;
    }
    struct stat sb;
    int missing = lstat(p, &sb) != 0;
    if (missing || !S_ISREG(sb.st_mode)) {
      if (missing && !m->legacy) {
        /* a concurrent commit may have replaced it: compare manifest versions */
        ps__manifest *now = NULL;
        if (ps__manifest_load(dir, &now) == PS_OK && now->version != m->version) *changed = 1;
        ps__manifest_free(now);
      }
      if (!*changed)
        report(v, p, missing ? PS_ERR_NOT_FOUND : PS_ERR_CORRUPT,
               missing ? "part listed in the manifest is missing" : "part is not a regular file");
      ps__free_mem(p);
      if (*changed) break;
      continue;
    }
    ps_parquet_file *f;
    rc = open_parquet(v, p, &f);
    ps__free_mem(p);
    if (rc < 0 || !f) continue;
    v->st.files++;
    int64_t before = v->st.problems;
    check_file_pages(v, f);
    /* a damaged file is reported once, not again by the manifest checks */
    if (!m->legacy && v->st.problems == before) rc = check_part_against_manifest(v, f, m, k);
    ps_parquet_close(f);
  }
  if (rc == PS_OK && !*changed && !m->legacy) {
    /* parts are in index order and do not overlap (they may touch) */
    for (int k = 1; m->bounds && k < m->nparts; k++) {
      if (ps__value_cmp(m->bounds, 2 * k - 1, m->bounds, 2 * k) > 0) {
        char *p = ps__path_join(dir, PS_MANIFEST_FILE);
        report(v, p ? p : dir, PS_ERR_CORRUPT, "parts %s and %s overlap or are out of order", m->parts[k - 1].file,
               m->parts[k].file);
        ps__free_mem(p);
        break;
      }
    }
  }
  if (rc == PS_OK && !*changed) rc = check_unlisted(v, dir, m);
  if (rc == PS_OK && !*changed) rc = check_metadata_json(v, dir);
  ps__manifest_free(m);
  return rc;
}

static int verify_item(verifier *v, const char *dir) {
  v->st.items++;
  for (int attempt = 0;; attempt++) {
    /* a retry must not double-count what the abandoned pass reported */
    verifier saved = *v;
    int changed = 0;
    PS_TRY(verify_item_once(v, dir, &changed));
    if (!changed) return PS_OK;
    if (attempt == 20) {
      report(v, dir, PS_ERR_LOCKED, "item changed under the check 20 times in a row; not verified");
      return PS_OK;
    }
    *v = saved;
  }
}

/* 1 if dir holds an item: a manifest file (even a damaged one), or
 * (PyStore) Parquet files. */
static int is_item_dir(const char *dir) {
  char *man = ps__path_join(dir, PS_MANIFEST_FILE);
  struct stat sb;
  int has_manifest = man && lstat(man, &sb) == 0;
  ps__free_mem(man);
  if (has_manifest) return 1;
  ps__manifest *m = NULL;
  int rc = ps__manifest_load(dir, &m);
  ps__manifest_free(m);
  return rc == PS_OK;
}

/* Each subdirectory of `dir` (plain directories only: a symlink is reported)
 * passed to fn. */
static int for_each_subdir(verifier *v, const char *dir, int (*fn)(verifier *, const char *)) {
  char **names = NULL;
  int rc = ps__list_dir(dir, 1, &names);
  if (rc == PS_ERR_NOMEM) return rc;
  if (rc < 0) {
    report(v, dir, rc, "%s", detail_for(dir));
    return PS_OK;
  }
  for (size_t i = 0; names[i] && rc == PS_OK; i++) {
    char *p = ps__path_join(dir, names[i]);
    if (!p) {
      rc = PS_NOMEM();
      break;
    }
    struct stat sb;
    if (lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode))
      report(v, p, PS_ERR_CORRUPT, "symbolic link inside the store (never written by pystore); not followed");
    else
      rc = fn(v, p);
    ps__free_mem(p);
  }
  ps_names_free(names);
  return rc;
}

static int verify_item_if_any(verifier *v, const char *dir) { return is_item_dir(dir) ? verify_item(v, dir) : PS_OK; }

static int verify_snapshot(verifier *v, const char *dir) { return for_each_subdir(v, dir, verify_item_if_any); }

/* A directory that is not an item: a base path, a store or a collection.
 * Its metadata JSON, its snapshots, and every subdirectory (items directly,
 * anything else recursively, down to base/store/collection/item). */
static int verify_tree(verifier *v, const char *dir) {
  if (is_item_dir(dir)) return verify_item(v, dir);
  PS_TRY(check_metadata_json(v, dir));
  char *snaps = ps__path_join(dir, PS_SNAPSHOTS_DIR);
  if (!snaps) return PS_NOMEM();
  int rc = ps__is_dir(snaps) ? for_each_subdir(v, snaps, verify_snapshot) : PS_OK;
  ps__free_mem(snaps);
  if (rc < 0 || v->depth >= 3) return rc;
  v->depth++;
  rc = for_each_subdir(v, dir, verify_tree);
  v->depth--;
  return rc;
}

int ps_verify(const char *path, ps_verify_problem_fn on_problem, void *ctx, ps_verify_stats *stats) {
  if (stats) memset(stats, 0, sizeof *stats);
  if (!path || !*path) return ps__error(PS_ERR_INVALID, "verify: no path given");
  struct stat sb;
  if (stat(path, &sb) != 0) return ps__error(ps_status_from_errno(errno), "%s: cannot verify: %s", path, strerror(errno));
  verifier v;
  memset(&v, 0, sizeof v);
  v.fn = on_problem;
  v.ctx = ctx;
  int rc;
  if (!S_ISDIR(sb.st_mode)) {
    rc = verify_file(&v, path);
  } else {
    rc = verify_tree(&v, path);
  }
  if (stats) *stats = v.st;
  if (rc < 0) return rc;
  if (v.first_status) {
    if (v.st.problems == 1) return ps__error(PS_ERR_CORRUPT, "%.900s", v.first);
    return ps__error(PS_ERR_CORRUPT, "%.900s (and %lld more problems)", v.first, (long long)(v.st.problems - 1));
  }
  return PS_OK;
}
