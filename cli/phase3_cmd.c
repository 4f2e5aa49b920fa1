/* Phase 3 commands: append --stream, write-batch, read-chunks, rebalance,
 * optimize, memory. cli_phase3 returns -1 when argv is not one of them. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "table/csv.h"
#include "table/frame.h"

int cli_phase3(int argc, char **argv);

static ps_store_options g_opt;

static const char *P3_USAGE =
    "usage:\n"
    "  pystore [--path BASE] append --stream STORE/COLL/ITEM FILE|- [--index COL] [--chunk-size N]\n"
    "          [--duplicates keep_last|keep_first|error|keep_all] [--create] [--strategy S] [--target-mb N]\n"
    "      stream a CSV (file or '-' = stdin) or Parquet file of any size into an item, in chunks\n"
    "  pystore [--path BASE] write-batch STORE/COLL DIR [--index COL] [--overwrite] [--threads N] [--strategy S]\n"
    "      one item per *.csv / *.parquet file of DIR (item = file name without extension), in parallel\n"
    "  pystore [--path BASE] read-chunks STORE/COLL/ITEM [--chunk-size N] [--columns a,b] [--where EXPR]\n"
    "          [--start S] [--end E] [--format summary|table|csv|json]\n"
    "  pystore [--path BASE] rebalance STORE/COLL/ITEM --strategy size|monthly|quarterly|yearly|auto [--target-mb N]\n"
    "  pystore [--path BASE] optimize FILE|STORE/COLL/ITEM [--lossy-floats] [--output OUT.parquet]\n"
    "  pystore memory\n";

static int usage(void) {
  fputs(P3_USAGE, stderr);
  return 2;
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && strcmp(s + n - k, suf) == 0;
}

static int is_parquet(const char *p) { return ends_with(p, ".parquet") || ends_with(p, ".parq") || ends_with(p, ".pq"); }

/* STORE/COLL[/ITEM] -> open handles. */
typedef struct target {
  char buf[1024];
  char *part[3];
  int n;
  ps_store *store;
  ps_collection *coll;
} target;

static int open_target(const char *spec, int want, int create, target *t) {
  memset(t, 0, sizeof *t);
  snprintf(t->buf, sizeof t->buf, "%s", spec);
  char *s = t->buf;
  while (t->n < 3 && s) {
    t->part[t->n++] = s;
    s = strchr(s, '/');
    if (s) *s++ = 0;
  }
  if (t->n != want || s) {
    fprintf(stderr, "pystore: expected %s, got '%s'\n", want == 3 ? "STORE/COLL/ITEM" : "STORE/COLL", spec);
    return 2;
  }
  int rc = ps_store_open(t->part[0], &g_opt, create, &t->store);
  if (rc == PS_OK) rc = ps_collection_open(t->store, t->part[1], create, &t->coll);
  if (rc < 0) return cli_fail("open", rc);
  return 0;
}

static void close_target(target *t) {
  ps_collection_close(t->coll);
  ps_store_close(t->store);
}

static int parse_strategy(const char *s, ps_partition_strategy *out) {
  int rc = ps_partition_strategy_from_name(s, out);
  if (rc < 0) cli_fail("--strategy", rc);
  return rc;
}

/* ---- append --stream ---- */

typedef struct feed {
  ps_csv_reader *csv;
  ps_parquet_file *pq;
  int64_t pos, chunk, total;
  const char *index;
} feed;

static int feed_next(void *u, ps_frame **out) {
  feed *f = u;
  *out = NULL;
  if (f->csv) {
    int rc = ps_csv_reader_next(f->csv, out);
    if (rc == PS_OK && *out && !f->index && ps_frame_index(*out) < 0)
      rc = ps_frame_set_index(*out, ps_column_name(ps_frame_column(*out, 0)));
    return rc;
  }
  if (f->pos >= f->total) return PS_OK;
  ps_read_options ro;
  memset(&ro, 0, sizeof ro);
  ro.offset = f->pos;
  ro.limit = f->chunk;
  int rc = ps_parquet_read(f->pq, &ro, out);
  if (rc < 0) return rc;
  f->pos += ps_frame_num_rows(*out);
  if (f->index) rc = ps_frame_set_index(*out, f->index);
  else if (ps_frame_index(*out) < 0) rc = ps_frame_set_index(*out, ps_column_name(ps_frame_column(*out, 0)));
  return rc;
}

static int cmd_append_stream(int argc, char **argv) {
  const char *spec = NULL, *file = NULL, *index = NULL;
  ps_stream_options so;
  memset(&so, 0, sizeof so);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--stream")) continue;
    if (!strcmp(a, "--index") && i + 1 < argc) index = argv[++i];
    else if (!strcmp(a, "--chunk-size") && i + 1 < argc) so.chunk_rows = atoll(argv[++i]);
    else if (!strcmp(a, "--duplicates") && i + 1 < argc) {
      int rc = ps_duplicates_from_name(argv[++i], &so.duplicates);
      if (rc < 0) return cli_fail("--duplicates", rc);
    } else if (!strcmp(a, "--create")) so.create = 1;
    else if (!strcmp(a, "--strategy") && i + 1 < argc) {
      if (parse_strategy(argv[++i], &so.partition.strategy) < 0) return 2;
    } else if (!strcmp(a, "--target-mb") && i + 1 < argc) so.partition.target_bytes = (int64_t)(atof(argv[++i]) * 1048576.0);
    else if (a[0] == '-' && a[1]) return usage();
    else if (!spec) spec = a;
    else if (!file) file = a;
    else return usage();
  }
  if (!spec || !file) return usage();
  target t;
  int r = open_target(spec, 3, so.create, &t);
  if (r) return r;
  feed f;
  memset(&f, 0, sizeof f);
  f.index = index;
  f.chunk = so.chunk_rows > 0 ? so.chunk_rows : 10000;
  int rc;
  if (is_parquet(file)) {
    rc = ps_parquet_open(file, &f.pq);
    if (rc == PS_OK) f.total = ps_parquet_num_rows(f.pq);
  } else {
    ps_csv_options co;
    memset(&co, 0, sizeof co);
    co.index = index;
    rc = ps_csv_reader_open(file, &co, f.chunk, &f.csv);
  }
  int64_t rows = 0, runs = 0;
  so.out_rows = &rows;
  so.out_spilled_runs = &runs;
  if (rc == PS_OK) rc = ps_item_append_stream(t.coll, t.part[2], feed_next, &f, &so);
  ps_csv_reader_close(f.csv);
  ps_parquet_close(f.pq);
  if (rc < 0) {
    close_target(&t);
    return cli_fail("append --stream", rc);
  }
  ps_item_info info;
  if (ps_item_info_get(t.coll, t.part[2], NULL, &info) == PS_OK)
    fprintf(stderr, "appended %lld rows (%lld spilled runs); item has %lld rows in %lld parts\n", (long long)rows,
            (long long)runs, (long long)info.num_rows, (long long)info.num_parts);
  close_target(&t);
  return 0;
}

/* ---- write-batch ---- */

static void progress_bar(void *u, int64_t done, int64_t total) {
  (void)u;
  int width = 40, fill = total ? (int)(width * done / total) : width;
  fprintf(stderr, "\r[");
  for (int i = 0; i < width; i++) fputc(i < fill ? '#' : '.', stderr);
  fprintf(stderr, "] %lld/%lld", (long long)done, (long long)total);
  if (done == total) fputc('\n', stderr);
  fflush(stderr);
}

static int cmd_write_batch(int argc, char **argv) {
  const char *spec = NULL, *dir = NULL, *index = NULL;
  ps_batch_options bo;
  memset(&bo, 0, sizeof bo);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--index") && i + 1 < argc) index = argv[++i];
    else if (!strcmp(a, "--overwrite")) bo.overwrite = 1;
    else if (!strcmp(a, "--threads") && i + 1 < argc) bo.threads = atoi(argv[++i]);
    else if (!strcmp(a, "--strategy") && i + 1 < argc) {
      if (parse_strategy(argv[++i], &bo.partition.strategy) < 0) return 2;
    } else if (a[0] == '-' && a[1]) return usage();
    else if (!spec) spec = a;
    else if (!dir) dir = a;
    else return usage();
  }
  if (!spec || !dir) return usage();
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "pystore: %s: cannot open directory\n", dir);
    return 1;
  }
  size_t n = 0, cap = 0;
  ps_batch_write_item *items = NULL;
  char **names = NULL;
  ps_frame **frames = NULL;
  int status = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *nm = e->d_name;
    int pq = is_parquet(nm), csv = ends_with(nm, ".csv");
    if (nm[0] == '.' || (!pq && !csv)) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      items = realloc(items, cap * sizeof *items);
      names = realloc(names, cap * sizeof *names);
      frames = realloc(frames, cap * sizeof *frames);
      if (!items || !names || !frames) {
        fprintf(stderr, "pystore: out of memory\n");
        return 1;
      }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, nm);
    names[n] = strdup(nm);
    *strrchr(names[n], '.') = 0;
    frames[n] = NULL;
    int rc;
    if (pq) {
      rc = ps_parquet_read_file(path, NULL, &frames[n]);
    } else {
      ps_csv_options co;
      memset(&co, 0, sizeof co);
      co.index = index;
      rc = ps_csv_read_file(path, &co, &frames[n]);
    }
    if (rc == PS_OK && index && pq) rc = ps_frame_set_index(frames[n], index);
    if (rc == PS_OK && ps_frame_index(frames[n]) < 0 && ps_frame_num_columns(frames[n]) > 0)
      rc = ps_frame_set_index(frames[n], ps_column_name(ps_frame_column(frames[n], 0)));
    if (rc < 0) {
      cli_fail(path, rc);
      status = 1;
    }
    memset(&items[n], 0, sizeof items[n]);
    items[n].item = names[n];
    items[n].data = frames[n];
    n++;
  }
  closedir(d);
  target t;
  int r = open_target(spec, 2, 1, &t);
  if (r) return r;
  if (isatty(2)) bo.progress = progress_bar;
  int rc = ps_write_batch(t.coll, items, n, &bo);
  size_t ok = 0;
  for (size_t i = 0; i < n; i++) {
    if (items[i].status == PS_OK) ok++;
    else fprintf(stderr, "pystore: %s: %s\n", items[i].item, items[i].errmsg ? items[i].errmsg : ps_strerror(items[i].status));
  }
  printf("wrote %zu of %zu items to %s\n", ok, n, spec);
  ps_batch_write_clear(items, n);
  for (size_t i = 0; i < n; i++) {
    ps_frame_free(frames[i]);
    free(names[i]);
  }
  free(items);
  free(names);
  free(frames);
  close_target(&t);
  return rc < 0 || status ? 1 : 0;
}

/* ---- read-chunks ---- */

/* `pystore read-chunks` (default format: a summary per chunk) and
 * `pystore read --chunk-size N` (default: the rows, as `read` prints them). */
static int cmd_read_chunks(int argc, char **argv, const char *default_format) {
  const char *spec = NULL, *where = NULL, *columns = NULL, *format = default_format;
  int64_t limit = 0, printed = 0; /* --limit N: stop after N rows (0 = all) */
  ps_chunk_options co;
  memset(&co, 0, sizeof co);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--chunk-size") && i + 1 < argc) co.chunk_rows = atoll(argv[++i]);
    else if (!strcmp(a, "--columns") && i + 1 < argc) columns = argv[++i];
    else if (!strcmp(a, "--where") && i + 1 < argc) where = argv[++i];
    else if (!strcmp(a, "--start") && i + 1 < argc) co.start = argv[++i];
    else if (!strcmp(a, "--end") && i + 1 < argc) co.end = argv[++i];
    else if (!strcmp(a, "--format") && i + 1 < argc) format = argv[++i];
    else if (!strcmp(a, "--snapshot") && i + 1 < argc) co.snapshot = argv[++i];
    else if (!strcmp(a, "--limit") && i + 1 < argc) limit = atoll(argv[++i]);
    else if (a[0] == '-' && a[1]) return usage();
    else if (!spec) spec = a;
    else return usage();
  }
  if (!spec) return usage();
  target t;
  int r = open_target(spec, 3, 0, &t);
  if (r) return r;
  ps_expr *flt = NULL;
  char **cols = NULL;
  size_t ncols = 0;
  int rc = PS_OK;
  if (where) rc = ps_expr_parse(where, &flt);
  if (rc < 0) {
    close_target(&t);
    return cli_fail("--where", rc);
  }
  if (columns) {
    cols = cli_split_list(columns, &ncols);
    co.columns = (const char *const *)cols;
    co.num_columns = ncols;
  }
  co.filter = flt;
  ps_chunk_reader *cr = NULL;
  rc = ps_item_chunks_open(t.coll, t.part[2], &co, &cr);
  int64_t k = 0;
  while (rc == PS_OK) {
    ps_frame *ch;
    rc = ps_chunk_reader_next(cr, &ch);
    if (rc < 0 || !ch) break;
    if (limit > 0 && printed + ps_frame_num_rows(ch) > limit) { /* cut the last chunk */
      ps_frame *head = NULL;
      rc = ps__frame_clone_empty(ch, &head);
      for (int c = 0; rc == PS_OK && c < ps_frame_num_columns(ch); c++)
        rc = ps__column_append_range(ps_frame_column(head, c), ps_frame_column(ch, c), 0, limit - printed);
      if (rc == PS_OK) rc = ps_frame_validate(head);
      ps_frame_free(ch);
      ch = head;
      if (rc < 0) {
        ps_frame_free(ch);
        break;
      }
    }
    printed += ps_frame_num_rows(ch);
    if (!strcmp(format, "summary")) printf("chunk %lld: %lld rows\n", (long long)k, (long long)ps_frame_num_rows(ch));
    else if (!strcmp(format, "csv") && k > 0) rc = ps__csv_write_stdout(ch, 0); /* header once */
    else if (cli_print_frame(ch, format) != 0) rc = PS_ERR_INVALID;
    ps_frame_free(ch);
    k++;
    if (limit > 0 && printed >= limit) break;
  }
  if (rc == PS_OK && !strcmp(format, "summary"))
    printf("%lld rows in %lld chunks\n", (long long)ps_chunk_reader_rows(cr), (long long)k);
  ps_chunk_reader_close(cr);
  ps_expr_free(flt);
  cli_free_list(cols);
  close_target(&t);
  return rc < 0 ? cli_fail("read-chunks", rc) : 0;
}

/* ---- rebalance ---- */

static int cmd_rebalance(int argc, char **argv) {
  const char *spec = NULL;
  ps_partition_options po;
  memset(&po, 0, sizeof po);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--strategy") && i + 1 < argc) {
      if (parse_strategy(argv[++i], &po.strategy) < 0) return 2;
    } else if (!strcmp(a, "--target-mb") && i + 1 < argc) po.target_bytes = (int64_t)(atof(argv[++i]) * 1048576.0);
    else if (a[0] == '-' && a[1]) return usage();
    else if (!spec) spec = a;
    else return usage();
  }
  if (!spec || po.strategy == PS_PARTITION_NONE) return usage();
  target t;
  int r = open_target(spec, 3, 0, &t);
  if (r) return r;
  int64_t parts = 0;
  int rc = ps_item_rebalance(t.coll, t.part[2], &po, &parts);
  if (rc == PS_OK) {
    ps_partition_options back;
    ps_item_partitioning(t.coll, t.part[2], &back);
    printf("rebalanced %s: %lld parts (%s)\n", spec, (long long)parts, ps_partition_strategy_name(back.strategy));
  }
  close_target(&t);
  return rc < 0 ? cli_fail("rebalance", rc) : 0;
}

/* ---- optimize ---- */

static int cmd_optimize(int argc, char **argv) {
  const char *src = NULL, *output = NULL;
  ps_optimize_options oo;
  memset(&oo, 0, sizeof oo);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--lossy-floats")) oo.lossy_floats = 1;
    else if (!strcmp(a, "--output") && i + 1 < argc) output = argv[++i];
    else if (a[0] == '-' && a[1]) return usage();
    else if (!src) src = a;
    else return usage();
  }
  if (!src) return usage();
  ps_frame *f = NULL;
  int rc;
  if (access(src, R_OK) == 0) {
    if (is_parquet(src)) {
      rc = ps_parquet_read_file(src, NULL, &f);
    } else {
      ps_csv_options co;
      memset(&co, 0, sizeof co);
      rc = ps_csv_read_file(src, &co, &f);
    }
  } else {
    target t;
    int r = open_target(src, 3, 0, &t);
    if (r) return r;
    rc = ps_item_read(t.coll, t.part[2], NULL, &f);
    close_target(&t);
  }
  if (rc < 0) return cli_fail("optimize", rc);
  ps_frame *o = NULL;
  ps_optimize_report rep;
  rc = ps_frame_optimize(f, &oo, &o, &rep);
  if (rc == PS_OK) {
    printf("rows: %lld\nbytes before: %lld\nbytes after: %lld\nsaved: %.1f%%\ncolumns changed: %d\ndictionary candidates: %d\n%s"
           "details: %s\n",
           (long long)ps_frame_num_rows(f), (long long)rep.bytes_before, (long long)rep.bytes_after,
           rep.bytes_before ? 100.0 * (double)(rep.bytes_before - rep.bytes_after) / (double)rep.bytes_before : 0.0,
           rep.columns_changed, rep.dictionary_columns, rep.lossy ? "lossy: yes (float64 -> float32 rounding)\n" : "",
           rep.details_json);
    if (output) rc = ps_parquet_write(output, o, NULL);
    ps_optimize_report_clear(&rep);
  }
  ps_frame_free(f);
  ps_frame_free(o);
  return rc < 0 ? cli_fail("optimize", rc) : 0;
}

/* ---- memory ---- */

static int cmd_memory(void) {
  ps_memory_info mi;
  int rc = ps_memory_info_get(&mi);
  if (rc < 0) return cli_fail("memory", rc);
  int warned = ps_memory_check("pystore memory");
  printf("process rss: %.1f MB\nprocess peak rss: %.1f MB\nsystem total: %.1f MB\nsystem available: %.1f MB\n"
         "system used: %.1f%%\nwarning threshold: %.0f%%%s\nmemory budget: %s\nlog level: %s\ncache ttl: %.0f s\n",
         mi.rss_bytes / 1048576.0, mi.peak_rss_bytes / 1048576.0, mi.system_total_bytes / 1048576.0,
         mi.system_available_bytes / 1048576.0, mi.system_used_fraction * 100, ps_memory_warning() * 100,
         warned > 0 ? " (exceeded)" : "", ps_memory_budget() > 0 ? "set" : "none", ps_log_level_name(ps_log_get_level()),
         ps_cache_ttl());
  return 0;
}

int cli_phase3(int argc, char **argv) {
  int i = 0;
  memset(&g_opt, 0, sizeof g_opt);
  while (i < argc) {
    if (!strcmp(argv[i], "--path") && i + 1 < argc) {
      g_opt.base_path = argv[i + 1];
      i += 2;
    } else if (!strcmp(argv[i], "--no-fsync")) {
      g_opt.no_fsync = 1;
      i++;
    } else {
      break;
    }
  }
  if (i >= argc) return -1;
  const char *cmd = argv[i];
  int n = argc - i - 1;
  char **rest = argv + i + 1;
  if (!strcmp(cmd, "append")) {
    for (int k = 0; k < n; k++)
      if (!strcmp(rest[k], "--stream")) return cmd_append_stream(n, rest);
    return -1;
  }
  for (int k = 0; k < n; k++)
    if (!strcmp(rest[k], "--help") &&
        (!strcmp(cmd, "write-batch") || !strcmp(cmd, "read-chunks") || !strcmp(cmd, "rebalance") ||
         !strcmp(cmd, "optimize") || !strcmp(cmd, "memory"))) {
      fputs(P3_USAGE, stdout);
      return 0;
    }
  if (!strcmp(cmd, "write-batch")) return cmd_write_batch(n, rest);
  if (!strcmp(cmd, "read-chunks")) return cmd_read_chunks(n, rest, "summary");
  if (!strcmp(cmd, "read"))
    for (int k = 0; k < n; k++)
      if (!strcmp(rest[k], "--chunk-size")) return cmd_read_chunks(n, rest, "table");
  if (!strcmp(cmd, "rebalance")) return cmd_rebalance(n, rest);
  if (!strcmp(cmd, "optimize")) return cmd_optimize(n, rest);
  if (!strcmp(cmd, "memory")) return cmd_memory();
  return -1;
}
