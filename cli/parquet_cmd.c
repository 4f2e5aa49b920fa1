/* pystore parquet schema|cat|convert */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *PARQUET_USAGE =
    "usage: pystore parquet schema FILE [--format table|json]\n"
    "       pystore parquet cat FILE [--columns a,b] [--where EXPR] [--limit N] [--format table|csv|json]\n"
    "       pystore parquet convert IN.csv OUT.parquet [--codec C] [--index COL] [--level N]\n"
    "                               [--row-group-rows N] [--page-v2]\n"
    "       pystore parquet convert IN.parquet OUT.csv\n"
    "\n"
    "  schema   columns, types, row groups, codecs, encodings and statistics\n"
    "  cat      print rows; --where takes a filter such as \"price > 10 and sym in ('A','B')\"\n"
    "  convert  CSV -> Parquet (types inferred: int, float, bool, ISO-8601 timestamp, string;\n"
    "           codecs: snappy (default), zstd, gzip, lz4_raw, brotli, none), or Parquet -> CSV\n";

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void print_value(json_t *v) {
  if (json_is_string(v))
    printf("%s", json_string_value(v));
  else if (json_is_integer(v))
    printf("%lld", (long long)json_integer_value(v));
  else if (json_is_real(v))
    printf("%.17g", json_real_value(v));
  else if (json_is_true(v))
    printf("true");
  else if (json_is_false(v))
    printf("false");
  else
    printf("-");
}

static int cmd_schema(int argc, char **argv) {
  const char *file = NULL, *format = "table";
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "pystore: unknown option '%s'\n%s", argv[i], PARQUET_USAGE); return 2; }
    else file = argv[i];
  }
  if (!file) { fputs(PARQUET_USAGE, stderr); return 2; }
  ps_parquet_file *f;
  int rc = ps_parquet_open(file, &f);
  if (rc < 0) return cli_fail("parquet schema", rc);
  char *json;
  rc = ps_parquet_describe(f, &json);
  ps_parquet_close(f);
  if (rc < 0) return cli_fail("parquet schema", rc);
  if (strcmp(format, "json") == 0) {
    printf("%s\n", json);
    ps_free(json);
    return 0;
  }
  json_error_t err;
  json_t *d = json_loads(json, 0, &err);
  ps_free(json);
  if (!d) { fprintf(stderr, "pystore: internal error: bad describe output\n"); return 1; }
  printf("file:        %s\n", json_string_value(json_object_get(d, "file")));
  printf("rows:        %lld\n", (long long)json_integer_value(json_object_get(d, "num_rows")));
  printf("row groups:  %lld\n", (long long)json_integer_value(json_object_get(d, "num_row_groups")));
  printf("size:        %lld bytes\n", (long long)json_integer_value(json_object_get(d, "file_size")));
  json_t *cb = json_object_get(d, "created_by");
  if (cb) printf("created by:  %s\n", json_string_value(cb));
  printf("\ncolumns:\n");
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(d, "columns"), i, c) {
    printf("  %-24s %-28s %-20s %s%s\n", json_string_value(json_object_get(c, "name")),
           json_string_value(json_object_get(c, "type")), json_string_value(json_object_get(c, "physical_type")),
           json_string_value(json_object_get(c, "repetition")), json_is_true(json_object_get(c, "index")) ? "  (index)" : "");
  }
  json_t *rg;
  json_array_foreach(json_object_get(d, "row_groups"), i, rg) {
    printf("\nrow group %zu: %lld rows\n", i, (long long)json_integer_value(json_object_get(rg, "num_rows")));
    printf("  %-20s %-8s %-36s %11s %11s  %-6s %s\n", "column", "codec", "encodings", "compressed", "raw", "nulls", "min .. max");
    size_t k;
    json_t *ch;
    json_array_foreach(json_object_get(rg, "columns"), k, ch) {
      char encs[128] = "";
      size_t e;
      json_t *ev;
      json_array_foreach(json_object_get(ch, "encodings"), e, ev) {
        if (e) strncat(encs, ",", sizeof encs - strlen(encs) - 1);
        strncat(encs, json_string_value(ev), sizeof encs - strlen(encs) - 1);
      }
      json_t *st = json_object_get(ch, "statistics");
      printf("  %-20s %-8s %-36s %11lld %11lld  ", json_string_value(json_object_get(ch, "column")),
             json_string_value(json_object_get(ch, "codec")), encs,
             (long long)json_integer_value(json_object_get(ch, "compressed_size")),
             (long long)json_integer_value(json_object_get(ch, "uncompressed_size")));
      json_t *nc = st ? json_object_get(st, "null_count") : NULL;
      if (nc) printf("%-6lld ", (long long)json_integer_value(nc)); else printf("%-6s ", "-");
      if (st && json_object_get(st, "min")) {
        print_value(json_object_get(st, "min"));
        printf(" .. ");
        print_value(json_object_get(st, "max"));
      }
      printf("\n");
    }
  }
  json_t *kv = json_object_get(d, "key_value_metadata");
  const char *key;
  json_t *val;
  if (json_object_size(kv)) printf("\nkey/value metadata:\n");
  json_object_foreach(kv, key, val) {
    const char *s = json_string_value(val);
    size_t n = s ? strlen(s) : 0;
    printf("  %s: %.*s%s\n", key, n > 200 ? 200 : (int)n, s ? s : "", n > 200 ? "..." : "");
  }
  json_decref(d);
  return 0;
}

static int cmd_cat(int argc, char **argv) {
  const char *file = NULL, *format = "table", *where = NULL, *columns = NULL;
  long long limit = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
    else if (strcmp(argv[i], "--where") == 0 && i + 1 < argc) where = argv[++i];
    else if (strcmp(argv[i], "--columns") == 0 && i + 1 < argc) columns = argv[++i];
    else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
      char *end;
      limit = strtoll(argv[++i], &end, 10);
      if (*end || limit < 0) { fprintf(stderr, "pystore: --limit needs a non-negative integer\n"); return 2; }
    } else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "pystore: unknown option '%s'\n%s", argv[i], PARQUET_USAGE); return 2; }
    else file = argv[i];
  }
  if (!file) { fputs(PARQUET_USAGE, stderr); return 2; }
  if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json")) {
    fprintf(stderr, "pystore: unknown format '%s' (use table, csv or json)\n", format);
    return 2;
  }
  ps_read_options ro;
  memset(&ro, 0, sizeof ro);
  ps_expr *filter = NULL;
  char **cols = NULL;
  size_t ncols = 0;
  int rc;
  if (where && (rc = ps_expr_parse(where, &filter)) < 0) return cli_fail("--where", rc);
  if (columns) {
    cols = cli_split_list(columns, &ncols);
    ro.columns = (const char *const *)cols;
    ro.num_columns = ncols;
  }
  ro.filter = filter;
  ro.limit = limit;
  ps_frame *fr = NULL;
  rc = ps_parquet_read_file(file, &ro, &fr);
  ps_expr_free(filter);
  cli_free_list(cols);
  if (rc < 0) return cli_fail("parquet cat", rc);
  int out = cli_print_frame(fr, format);
  ps_frame_free(fr);
  return out;
}

static int cmd_convert(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *index = NULL;
  ps_write_options wo;
  memset(&wo, 0, sizeof wo);
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--codec") == 0 && i + 1 < argc) {
      int rc = ps_codec_from_name(argv[++i], &wo.codec);
      if (rc < 0) return cli_fail("--codec", rc);
    } else if (strcmp(argv[i], "--index") == 0 && i + 1 < argc) index = argv[++i];
    else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc) wo.codec_level = atoi(argv[++i]);
    else if (strcmp(argv[i], "--row-group-rows") == 0 && i + 1 < argc) wo.row_group_rows = atoll(argv[++i]);
    else if (strcmp(argv[i], "--page-v2") == 0) wo.data_page_v2 = 1;
    else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "pystore: unknown option '%s'\n%s", argv[i], PARQUET_USAGE); return 2; }
    else if (!in) in = argv[i];
    else if (!out) out = argv[i];
    else { fputs(PARQUET_USAGE, stderr); return 2; }
  }
  if (!in || !out) { fputs(PARQUET_USAGE, stderr); return 2; }
  ps_frame *fr = NULL;
  int rc;
  if (ends_with(in, ".parquet") || ends_with(in, ".parq") || ends_with(in, ".pq")) {
    if ((rc = ps_parquet_read_file(in, NULL, &fr)) < 0) return cli_fail("reading Parquet", rc);
    rc = ps_csv_write_file(out, fr);
    ps_frame_free(fr);
    if (rc < 0) return cli_fail("writing CSV", rc);
    return 0;
  }
  ps_csv_options co;
  memset(&co, 0, sizeof co);
  co.index = index;
  if ((rc = ps_csv_read_file(in, &co, &fr)) < 0) return cli_fail("reading CSV", rc);
  rc = ps_parquet_write(out, fr, &wo);
  ps_frame_free(fr);
  if (rc < 0) return cli_fail("writing Parquet", rc);
  return 0;
}

int cli_parquet(int argc, char **argv) {
  if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
    fputs(PARQUET_USAGE, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  if (strcmp(argv[0], "schema") == 0) return cmd_schema(argc - 1, argv + 1);
  if (strcmp(argv[0], "cat") == 0) return cmd_cat(argc - 1, argv + 1);
  if (strcmp(argv[0], "convert") == 0) return cmd_convert(argc - 1, argv + 1);
  fprintf(stderr, "pystore: unknown parquet command '%s'\n%s", argv[0], PARQUET_USAGE);
  return 2;
}
