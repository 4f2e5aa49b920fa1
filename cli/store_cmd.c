/* pystore [--path BASE] stores | collections | items | write | append | read |
 * info | metadata | snapshot | delete | compact
 * (the long names list-stores, list-collections, list-items are aliases). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_store(int argc, char **argv);

static const char *STORE_USAGE =
    "usage: pystore [--path BASE] [--no-fsync] COMMAND ...\n"
    "\n"
    "  stores                                   list the stores under the base path\n"
    "  collections STORE                        list a store's collections\n"
    "  items STORE/COLL [--where KEY=VALUE ...] list items (metadata equality, AND of keys)\n"
    "  write STORE/COLL/ITEM FILE [--index COL] [--overwrite] [--metadata JSON]\n"
    "                                           create an item from CSV/Parquet (FILE '-' = CSV on stdin)\n"
    "  append STORE/COLL/ITEM FILE [--duplicates keep_last|keep_first|error|keep_all]\n"
    "                                           merge rows into an item by index\n"
    "  read STORE/COLL/ITEM [--columns a,b] [--where EXPR] [--start T] [--end T]\n"
    "       [--format table|csv|json|parquet] [-o OUT]\n"
    "  info [STORE[/COLL[/ITEM]]]               base path, store, collection or item summary\n"
    "  metadata STORE|STORE/COLL/ITEM [--set JSON | --update JSON]\n"
    "  snapshot create|list|delete|restore STORE/COLL ...\n"
    "  delete STORE[/COLL[/ITEM]]\n"
    "  compact STORE/COLL/ITEM [--part-rows N]  merge small adjacent parts\n"
    "\n"
    "'pystore COMMAND --help' shows a command's options. The base path is --path,\n"
    "else $PYSTORE_PATH, else ~/pystore. Lists and info take --format json.\n"
    "Errors go to stderr with the library's message and a non-zero exit status.\n";

static const char *H_STORES =
    "usage: pystore [--path BASE] stores [--format table|json]\n"
    "  (alias: list-stores) The stores under the base path, one per line.\n";
static const char *H_COLLECTIONS =
    "usage: pystore [--path BASE] collections STORE [--format table|json]\n"
    "  (alias: list-collections) The collections of STORE.\n";
static const char *H_ITEMS =
    "usage: pystore [--path BASE] items STORE/COLL [--where KEY=VALUE ...] [--metadata JSON]\n"
    "       [--format table|json]\n"
    "  (alias: list-items) The items of a collection. Each --where keeps items whose\n"
    "  metadata has KEY equal to VALUE (all of them must match, as PyStore's\n"
    "  list_items(**kw)). VALUE is read as JSON when it is valid JSON (5, true,\n"
    "  \"5\", [1,2]), else as a string. --metadata takes the whole filter as a JSON object.\n";
static const char *H_WRITE =
    "usage: pystore [--path BASE] write STORE/COLL/ITEM FILE [--index COL] [--overwrite]\n"
    "       [--metadata JSON] [--duplicates keep_last|keep_first|error|keep_all] [--part-rows N]\n"
    "  Create item ITEM from FILE: CSV or Parquet (recognised by its content), or '-'\n"
    "  for CSV (or Parquet) on standard input. --index names the index column (a\n"
    "  Parquet file written by pandas already marks it). An existing item is an error\n"
    "  unless --overwrite (which replaces data and metadata atomically).\n"
    "  --duplicates: what to do with repeated index values inside FILE (default keep_last).\n";
static const char *H_APPEND =
    "usage: pystore [--path BASE] append STORE/COLL/ITEM FILE [--index COL]\n"
    "       [--duplicates keep_last|keep_first|error|keep_all] [--create] [--widen] [--part-rows N]\n"
    "  Merge the rows of FILE (CSV, Parquet or '-' for stdin) into the item by index;\n"
    "  the item stays sorted. --duplicates: rows whose index is already stored:\n"
    "  keep_last (default, upsert), keep_first, error, keep_all. --create creates a\n"
    "  missing item; --widen accepts narrower int/float columns.\n";
static const char *H_READ =
    "usage: pystore [--path BASE] read STORE/COLL/ITEM [--columns a,b] [--where EXPR]\n"
    "       [--start T] [--end T] [--limit N] [--head N] [--tail N] [--snapshot S]\n"
    "       [--format table|csv|json|parquet] [-o OUT]\n"
    "  Print the item (the index is always included). --where EXPR filters rows\n"
    "  (e.g. \"close > 10 and sym == 'A'\"); --start/--end are inclusive bounds on the\n"
    "  index (ISO-8601 for time indexes). --format parquet needs -o OUT and writes a\n"
    "  Parquet file (pandas metadata included); -o writes any format to OUT.\n"
    "  --chunk-size N reads and prints N rows at a time (memory bounded by one\n"
    "  chunk, for items larger than memory): table, csv or json to stdout, with\n"
    "  --columns/--where/--start/--end/--limit/--snapshot.\n";
static const char *H_INFO =
    "usage: pystore [--path BASE] info [STORE[/COLL[/ITEM]]] [--snapshot S] [--format table|json]\n"
    "  No argument: the base path and its stores. STORE: its metadata and\n"
    "  collections. STORE/COLL: its items and snapshots. STORE/COLL/ITEM: rows,\n"
    "  parts, version and schema, read without reading data.\n";
static const char *H_METADATA =
    "usage: pystore [--path BASE] metadata STORE|STORE/COLL/ITEM [--set JSON | --update JSON]\n"
    "       [--snapshot S]\n"
    "  Print the metadata (JSON). --set replaces an item's user metadata; --update\n"
    "  merges the given keys into it. '_updated' is maintained by the library.\n";
static const char *H_SNAPSHOT =
    "usage: pystore [--path BASE] snapshot create STORE/COLL [NAME]\n"
    "       pystore snapshot list STORE/COLL [--format table|json]\n"
    "       pystore snapshot delete STORE/COLL NAME|--all\n"
    "       pystore snapshot restore STORE/COLL NAME ITEM   (or STORE/COLL/ITEM NAME)\n"
    "  Snapshots of a whole collection. Read one with 'read ... --snapshot NAME'.\n";
static const char *H_DELETE =
    "usage: pystore [--path BASE] delete STORE[/COLL[/ITEM]]\n"
    "  Remove a store, a collection or an item (an error if it does not exist).\n";
static const char *H_COMPACT =
    "usage: pystore [--path BASE] compact STORE/COLL/ITEM [--part-rows N]\n"
    "  Merge runs of small adjacent parts (left by many small appends).\n";

static ps_store_options g_opt;
static const char *g_help; /* help text of the running command */

static int usage_error(const char *msg) {
  fprintf(stderr, "pystore: %s\n%s", msg, g_help ? g_help : STORE_USAGE);
  return 2;
}

static int unknown_option(const char *opt) {
  fprintf(stderr, "pystore: unknown option '%s'\n%s", opt, g_help ? g_help : STORE_USAGE);
  return 2;
}

/* Options every command accepts after its name: --path BASE, --no-fsync.
 * Returns 1 if argv[*i] was one (and advances *i). */
static int common_option(int argc, char **argv, int *i) {
  if (strcmp(argv[*i], "--path") == 0 && *i + 1 < argc) {
    g_opt.base_path = argv[++*i];
    return 1;
  }
  if (strcmp(argv[*i], "--no-fsync") == 0) {
    g_opt.no_fsync = 1;
    return 1;
  }
  return 0;
}

static int is_format(const char *f, int allow_frame) {
  if (strcmp(f, "table") == 0 || strcmp(f, "json") == 0) return 1;
  return allow_frame && (strcmp(f, "csv") == 0 || strcmp(f, "parquet") == 0);
}

/* Split "a/b/c" into up to 3 parts in place; returns the number of parts. */
static int split_path(char *s, char *parts[3]) {
  int n = 0;
  parts[0] = parts[1] = parts[2] = NULL;
  char *p = s;
  while (n < 3) {
    parts[n++] = p;
    char *slash = strchr(p, '/');
    if (!slash) break;
    if (n == 3) return -1; /* "s/c/i/x": a fourth component was silently dropped */
    *slash = 0;
    p = slash + 1;
  }
  return n;
}

typedef struct target {
  char buf[2048];
  char *part[3];
  int n;
  ps_store *store;
  ps_collection *coll;
} target;

/* want > 0: exactly that many parts; want < 0: at least -want. */
static int open_target(target *t, const char *spec, int want, int create) {
  memset(t, 0, sizeof *t);
  if (strlen(spec) >= sizeof t->buf) return usage_error("STORE/COLL/ITEM path too long");
  snprintf(t->buf, sizeof t->buf, "%s", spec);
  t->n = split_path(t->buf, t->part);
  if (t->n < 0 || (t->n != want && !(want < 0 && t->n >= -want))) {
    const char *what = want == 1 ? "STORE" : want == 2 ? "STORE/COLL" : want == 3 ? "STORE/COLL/ITEM" : "STORE[/COLL[/ITEM]]";
    fprintf(stderr, "pystore: '%s' is not %s\n%s", spec, what, g_help ? g_help : STORE_USAGE);
    return 2;
  }
  int rc = ps_store_open(t->part[0], &g_opt, create, &t->store);
  if (rc < 0) return cli_fail("store", rc);
  if (t->n >= 2) {
    rc = ps_collection_open(t->store, t->part[1], create, &t->coll);
    if (rc < 0) {
      ps_store_close(t->store);
      t->store = NULL;
      return cli_fail("collection", rc);
    }
  }
  return 0;
}

static void close_target(target *t) {
  ps_collection_close(t->coll);
  ps_store_close(t->store);
  t->coll = NULL;
  t->store = NULL;
}

static void print_json_value(json_t *j) {
  char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (s) printf("%s\n", s);
  free(s);
}

/* Prints (and frees) a name list as lines or a JSON array. */
static int print_names(char **names, const char *format) {
  if (strcmp(format, "json") == 0) {
    json_t *a = json_array();
    for (char **p = names; p && *p; p++) json_array_append_new(a, json_string(*p));
    print_json_value(a);
    json_decref(a);
  } else {
    for (char **p = names; p && *p; p++) printf("%s\n", *p);
  }
  ps_names_free(names);
  return 0;
}

static json_t *names_json(char **names) {
  json_t *a = json_array();
  for (char **p = names; p && *p; p++) json_array_append_new(a, json_string(*p));
  ps_names_free(names);
  return a;
}

/* ---- input files ---- */

static int has_parquet_magic(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  char m[4];
  size_t n = fread(m, 1, 4, f);
  fclose(f);
  return n == 4 && memcmp(m, "PAR1", 4) == 0;
}

/* Standard input copied to a temporary file (CSV reading needs a path). */
static int stdin_to_temp(char *path, size_t size) {
  const char *dir = getenv("TMPDIR");
  snprintf(path, size, "%s/pystore-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd < 0) {
    fprintf(stderr, "pystore: cannot create a temporary file for standard input: %s\n", strerror(errno));
    return 1;
  }
  char buf[65536];
  size_t n;
  int bad = 0;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    size_t off = 0;
    while (off < n) {
      ssize_t w = write(fd, buf + off, n - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        bad = 1;
        break;
      }
      off += (size_t)w;
    }
    if (bad) break;
  }
  if (ferror(stdin)) bad = 1;
  if (close(fd) != 0) bad = 1;
  if (bad) {
    fprintf(stderr, "pystore: copying standard input to %s failed: %s\n", path, strerror(errno));
    unlink(path);
    return 1;
  }
  return 0;
}

static int load_input(const char *file, const char *index, ps_frame **out) {
  int rc, r = 0;
  char tmp[4096];
  const char *path = file, *shown = file;
  *out = NULL;
  if (strcmp(file, "-") == 0) {
    if (stdin_to_temp(tmp, sizeof tmp)) return 1;
    path = tmp;
    shown = "standard input";
  }
  if (has_parquet_magic(path)) {
    rc = ps_parquet_read_file(path, NULL, out);
    if (rc < 0) r = cli_fail(shown, rc);
    else if (index && (rc = ps_frame_set_index(*out, index)) < 0) r = cli_fail("--index", rc);
  } else {
    ps_csv_options co;
    memset(&co, 0, sizeof co);
    co.index = index;
    rc = ps_csv_read_file(path, &co, out);
    if (rc < 0) r = cli_fail(shown, rc);
  }
  if (path == tmp) unlink(tmp);
  if (r == 0 && ps_frame_index(*out) < 0) {
    fprintf(stderr, "pystore: %s has no index column; name one with --index COL\n", shown);
    r = 1;
  }
  if (r) {
    ps_frame_free(*out);
    *out = NULL;
  }
  return r;
}

static int parse_i64(const char *opt, const char *s, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end || !*s || v < 0 || errno) {
    fprintf(stderr, "pystore: %s needs a non-negative integer\n", opt);
    return 2;
  }
  *out = v;
  return 0;
}

/* ---- commands ---- */

static int cmd_write(int argc, char **argv, int append) {
  const char *spec = NULL, *file = NULL, *index = NULL;
  ps_item_write_options wo;
  ps_append_options ao;
  memset(&wo, 0, sizeof wo);
  memset(&ao, 0, sizeof ao);
  ps_duplicates dup = PS_DUP_KEEP_LAST;
  int64_t part_rows = 0;
  for (int i = 0; i < argc; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (strcmp(argv[i], "--index") == 0 && i + 1 < argc) index = argv[++i];
    else if (!append && strcmp(argv[i], "--overwrite") == 0) wo.overwrite = 1;
    else if (!append && strcmp(argv[i], "--metadata") == 0 && i + 1 < argc) wo.metadata = argv[++i];
    else if (append && strcmp(argv[i], "--create") == 0) ao.create = 1;
    else if (append && strcmp(argv[i], "--widen") == 0) ao.widen = 1;
    else if (strcmp(argv[i], "--duplicates") == 0 && i + 1 < argc) {
      int rc = ps_duplicates_from_name(argv[++i], &dup);
      if (rc < 0) return cli_fail("--duplicates", rc);
    } else if (strcmp(argv[i], "--part-rows") == 0 && i + 1 < argc) {
      if (parse_i64("--part-rows", argv[++i], &part_rows)) return 2;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return unknown_option(argv[i]);
    } else if (!spec) spec = argv[i];
    else if (!file) file = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec || !file) return usage_error(append ? "append needs STORE/COLL/ITEM and FILE" : "write needs STORE/COLL/ITEM and FILE");
  ps_frame *f = NULL;
  int r = load_input(file, index, &f); /* before creating anything */
  if (r) return r;
  target t;
  r = open_target(&t, spec, 3, 1);
  if (r) {
    ps_frame_free(f);
    return r;
  }
  int rc;
  if (append) {
    ao.duplicates = dup;
    ao.part_rows = part_rows;
    rc = ps_item_append(t.coll, t.part[2], f, &ao);
  } else {
    wo.duplicates = dup;
    wo.part_rows = part_rows;
    rc = ps_item_write(t.coll, t.part[2], f, &wo);
  }
  if (rc < 0) r = cli_fail(append ? "append" : "write", rc);
  ps_frame_free(f);
  close_target(&t);
  return r;
}

static int write_output(const ps_frame *f, const char *format, const char *out) {
  if (strcmp(format, "parquet") == 0) {
    int rc = ps_parquet_write(out, f, NULL);
    return rc < 0 ? cli_fail(out, rc) : 0;
  }
  if (strcmp(format, "csv") == 0 && out) {
    int rc = ps_csv_write_file(out, f);
    return rc < 0 ? cli_fail(out, rc) : 0;
  }
  if (out) {
    fflush(stdout);
    if (!freopen(out, "w", stdout)) {
      fprintf(stderr, "pystore: %s: %s\n", out, strerror(errno));
      return 1;
    }
  }
  int r = cli_print_frame(f, format);
  if (fflush(stdout) != 0 && r == 0) {
    fprintf(stderr, "pystore: writing %s: %s\n", out ? out : "standard output", strerror(errno));
    r = 1;
  }
  return r;
}

static int cmd_read(int argc, char **argv) {
  const char *spec = NULL, *format = "table", *where = NULL, *columns = NULL, *out = NULL;
  ps_item_read_options ro;
  memset(&ro, 0, sizeof ro);
  int64_t head = 0, tail = 0;
  for (int i = 0; i < argc; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
    else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc) out = argv[++i];
    else if (strcmp(argv[i], "--where") == 0 && i + 1 < argc) where = argv[++i];
    else if (strcmp(argv[i], "--columns") == 0 && i + 1 < argc) columns = argv[++i];
    else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc) ro.start = argv[++i];
    else if (strcmp(argv[i], "--end") == 0 && i + 1 < argc) ro.end = argv[++i];
    else if (strcmp(argv[i], "--snapshot") == 0 && i + 1 < argc) ro.snapshot = argv[++i];
    else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
      if (parse_i64("--limit", argv[++i], &ro.limit)) return 2;
    } else if (strcmp(argv[i], "--head") == 0 && i + 1 < argc) {
      if (parse_i64("--head", argv[++i], &head)) return 2;
    } else if (strcmp(argv[i], "--tail") == 0 && i + 1 < argc) {
      if (parse_i64("--tail", argv[++i], &tail)) return 2;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return unknown_option(argv[i]);
    } else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec) return usage_error("read needs STORE/COLL/ITEM");
  if (!is_format(format, 1)) return usage_error("unknown --format (use table, csv, json or parquet)");
  if (strcmp(format, "parquet") == 0 && !out) return usage_error("--format parquet needs -o OUT");
  if ((head || tail) && (where || ro.start || ro.end || columns))
    return usage_error("--head/--tail cannot be combined with --where, --start, --end or --columns");
  target t;
  int r = open_target(&t, spec, 3, 0);
  if (r) return r;
  ps_expr *filter = NULL;
  char **cols = NULL;
  size_t ncols = 0;
  int rc = PS_OK;
  if (where && (rc = ps_expr_parse(where, &filter)) < 0) {
    close_target(&t);
    return cli_fail("--where", rc);
  }
  if (columns) {
    cols = cli_split_list(columns, &ncols);
    ro.columns = (const char *const *)cols;
    ro.num_columns = ncols;
  }
  ro.filter = filter;
  ps_frame *f = NULL;
  if (head) rc = ps_item_head(t.coll, t.part[2], head, ro.snapshot, &f);
  else if (tail) rc = ps_item_tail(t.coll, t.part[2], tail, ro.snapshot, &f);
  else rc = ps_item_read(t.coll, t.part[2], &ro, &f);
  r = rc < 0 ? cli_fail("read", rc) : write_output(f, format, out);
  ps_frame_free(f);
  ps_expr_free(filter);
  cli_free_list(cols);
  close_target(&t);
  return r;
}

static const char *unit_name(ps_time_unit u) {
  return u == PS_UNIT_S ? "s" : u == PS_UNIT_MS ? "ms" : u == PS_UNIT_US ? "us" : "ns";
}

static json_t *parse_json_text(const char *s) {
  if (!s) return NULL;
  return json_loads(s, JSON_DECODE_ANY, NULL);
}

static int info_item(target *t, const char *snap, int json) {
  ps_item_info info;
  ps_frame *schema = NULL;
  char *meta = NULL;
  int rc = ps_item_info_get(t->coll, t->part[2], snap, &info);
  if (rc == PS_OK) rc = ps_item_schema(t->coll, t->part[2], snap, &schema);
  if (rc == PS_OK) rc = ps_item_metadata(t->coll, t->part[2], snap, &meta);
  if (rc < 0) {
    ps_frame_free(schema);
    return cli_fail("info", rc);
  }
  if (json) {
    json_t *cols = json_array();
    for (int i = 0; i < ps_frame_num_columns(schema); i++) {
      const ps_column *c = ps_frame_column(schema, i);
      json_t *o = json_pack("{s:s, s:s}", "name", ps_column_name(c), "type", ps_type_name(ps_column_type(c)));
      if (ps_column_type(c) == PS_TYPE_TIMESTAMP) {
        json_object_set_new(o, "unit", json_string(unit_name(ps_column_unit(c))));
        json_object_set_new(o, "tz", ps_column_tz(c) ? json_string(ps_column_tz(c)) : json_null());
      }
      json_object_set_new(o, "index", json_boolean(i == ps_frame_index(schema)));
      json_array_append_new(cols, o);
    }
    json_t *m = parse_json_text(meta);
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:b, s:o, s:o}", "item", t->part[2], "rows", (json_int_t)info.num_rows,
                          "parts", (json_int_t)info.num_parts, "version", (json_int_t)info.version, "manifest",
                          info.has_manifest, "columns", cols, "metadata", m ? m : json_object());
    if (snap) json_object_set_new(o, "snapshot", json_string(snap));
    print_json_value(o);
    json_decref(o);
  } else {
    printf("item:      %s/%s/%s%s%s\n", t->part[0], t->part[1], t->part[2], snap ? " @ " : "", snap ? snap : "");
    printf("rows:      %lld\nparts:     %lld\nversion:   %lld%s\nmetadata:  %s\ncolumns:\n", (long long)info.num_rows,
           (long long)info.num_parts, (long long)info.version,
           info.has_manifest ? "" : " (PyStore item without manifest)", meta ? meta : "{}");
    for (int i = 0; i < ps_frame_num_columns(schema); i++) {
      const ps_column *c = ps_frame_column(schema, i);
      const char *tz = ps_column_tz(c);
      char ty[64];
      if (ps_column_type(c) == PS_TYPE_TIMESTAMP)
        snprintf(ty, sizeof ty, "timestamp[%s%s%s]", unit_name(ps_column_unit(c)), tz ? ", " : "", tz ? tz : "");
      else
        snprintf(ty, sizeof ty, "%s", ps_type_name(ps_column_type(c)));
      printf("  %-24s %s%s\n", ps_column_name(c), ty, i == ps_frame_index(schema) ? "  (index)" : "");
    }
  }
  ps_free(meta);
  ps_frame_free(schema);
  return 0;
}

static int cmd_info(int argc, char **argv) {
  const char *spec = NULL, *snap = NULL, *format = "table";
  for (int i = 0; i < argc; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (strcmp(argv[i], "--snapshot") == 0 && i + 1 < argc) snap = argv[++i];
    else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) return unknown_option(argv[i]);
    else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!is_format(format, 0)) return usage_error("unknown --format (use table or json)");
  int json = strcmp(format, "json") == 0;
  if (!spec) {
    char *base = NULL;
    char **stores = NULL;
    int rc = ps_base_path(&g_opt, &base);
    if (rc == PS_OK) rc = ps_list_stores(&g_opt, &stores);
    if (rc < 0) {
      ps_free(base);
      return cli_fail("info", rc);
    }
    if (json) {
      json_t *o = json_pack("{s:s, s:o}", "base", base, "stores", names_json(stores));
      print_json_value(o);
      json_decref(o);
    } else {
      printf("base:      %s\nstores:\n", base);
      for (char **p = stores; *p; p++) printf("  %s\n", *p);
      ps_names_free(stores);
    }
    ps_free(base);
    return 0;
  }
  target t;
  int r = open_target(&t, spec, -1, 0);
  if (r) return r;
  if (t.n == 3) {
    r = info_item(&t, snap, json);
    close_target(&t);
    return r;
  }
  if (snap) {
    close_target(&t);
    return usage_error("--snapshot needs STORE/COLL/ITEM");
  }
  char **a = NULL, **b = NULL;
  char *meta = NULL;
  int rc;
  if (t.n == 1) {
    rc = ps_store_metadata(t.store, &meta);
    if (rc == PS_OK) rc = ps_store_list_collections(t.store, &a);
  } else {
    rc = ps_collection_list_items(t.coll, NULL, &a);
    if (rc == PS_OK) rc = ps_snapshot_list(t.coll, &b);
  }
  if (rc < 0) {
    ps_names_free(a);
    ps_free(meta);
    close_target(&t);
    return cli_fail("info", rc);
  }
  if (json) {
    json_t *o;
    if (t.n == 1) {
      json_t *m = parse_json_text(meta);
      o = json_pack("{s:s, s:s, s:o, s:o}", "store", t.part[0], "path", ps_store_path(t.store), "metadata",
                    m ? m : json_object(), "collections", names_json(a));
    } else {
      o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "store", t.part[0], "collection", t.part[1], "path",
                    ps_collection_path(t.coll), "items", names_json(a), "snapshots", names_json(b));
    }
    print_json_value(o);
    json_decref(o);
  } else if (t.n == 1) {
    printf("store:       %s\npath:        %s\nmetadata:    %s\ncollections:\n", t.part[0], ps_store_path(t.store), meta);
    for (char **p = a; *p; p++) printf("  %s\n", *p);
    ps_names_free(a);
  } else {
    printf("collection:  %s/%s\npath:        %s\nitems:\n", t.part[0], t.part[1], ps_collection_path(t.coll));
    for (char **p = a; *p; p++) printf("  %s\n", *p);
    printf("snapshots:\n");
    for (char **p = b; *p; p++) printf("  %s\n", *p);
    ps_names_free(a);
    ps_names_free(b);
  }
  ps_free(meta);
  close_target(&t);
  return 0;
}

static int cmd_compact(int argc, char **argv) {
  const char *spec = NULL;
  int64_t part_rows = 0;
  for (int i = 0; i < argc; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (strcmp(argv[i], "--part-rows") == 0 && i + 1 < argc) {
      if (parse_i64("--part-rows", argv[++i], &part_rows)) return 2;
    } else if (argv[i][0] == '-' && argv[i][1]) return unknown_option(argv[i]);
    else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec) return usage_error("compact needs STORE/COLL/ITEM");
  target t;
  int r = open_target(&t, spec, 3, 0);
  if (r) return r;
  int64_t parts = 0;
  int rc = ps_item_compact(t.coll, t.part[2], part_rows, &parts);
  if (rc < 0) r = cli_fail("compact", rc);
  else printf("%lld parts\n", (long long)parts);
  close_target(&t);
  return r;
}

static int cmd_metadata(int argc, char **argv) {
  const char *spec = NULL, *set = NULL, *update = NULL, *snap = NULL;
  for (int i = 0; i < argc; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) set = argv[++i];
    else if (strcmp(argv[i], "--update") == 0 && i + 1 < argc) update = argv[++i];
    else if (strcmp(argv[i], "--snapshot") == 0 && i + 1 < argc) snap = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) return unknown_option(argv[i]);
    else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec) return usage_error("metadata needs STORE or STORE/COLL/ITEM");
  if (set && update) return usage_error("--set and --update exclude each other");
  target t;
  int r = open_target(&t, spec, -1, 0);
  if (r) return r;
  char *json = NULL;
  int rc = PS_OK;
  if (t.n == 1) {
    if (set || update || snap) {
      close_target(&t);
      return usage_error("--set, --update and --snapshot work on items only");
    }
    rc = ps_store_metadata(t.store, &json);
  } else if (t.n == 3) {
    if ((set || update) && snap) {
      close_target(&t);
      return usage_error("a snapshot's metadata cannot be changed");
    }
    if (set) {
      rc = ps_item_set_metadata(t.coll, t.part[2], set);
    } else if (update) {
      json_error_t jerr;
      json_t *add = json_loads(update, 0, &jerr);
      if (!json_is_object(add)) {
        json_decref(add);
        close_target(&t);
        fprintf(stderr, "pystore: --update needs a JSON object (%s)\n", add ? "not an object" : jerr.text);
        return 2;
      }
      char *cur = NULL;
      rc = ps_item_metadata(t.coll, t.part[2], NULL, &cur);
      if (rc == PS_OK) {
        json_t *m = json_loads(cur, 0, NULL);
        if (!json_is_object(m)) {
          json_decref(m);
          m = json_object();
        }
        json_object_del(m, "_updated");
        json_object_update(m, add);
        char *text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
        rc = text ? ps_item_set_metadata(t.coll, t.part[2], text) : PS_ERR_NOMEM;
        free(text);
        json_decref(m);
      }
      ps_free(cur);
      json_decref(add);
    } else {
      rc = ps_item_metadata(t.coll, t.part[2], snap, &json);
    }
  } else {
    close_target(&t);
    return usage_error("metadata needs STORE or STORE/COLL/ITEM");
  }
  if (rc < 0) r = cli_fail("metadata", rc);
  else if (json) printf("%s\n", json);
  ps_free(json);
  close_target(&t);
  return r;
}

static int cmd_delete(int argc, char **argv) {
  const char *spec = NULL;
  for (int i = 0; i < argc; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (argv[i][0] == '-' && argv[i][1]) return unknown_option(argv[i]);
    if (spec) return usage_error("too many arguments");
    spec = argv[i];
  }
  if (!spec) return usage_error("delete needs STORE, STORE/COLL or STORE/COLL/ITEM");
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", spec);
  char *part[3];
  int n = split_path(buf, part);
  if (n == 1) {
    int rc = ps_delete_store(&g_opt, part[0]);
    return rc < 0 ? cli_fail("delete", rc) : 0;
  }
  target t;
  int r = open_target(&t, spec, -2, 0);
  if (r) return r;
  int rc = t.n == 2 ? ps_store_delete_collection(t.store, t.part[1]) : ps_item_delete(t.coll, t.part[2]);
  if (rc < 0) r = cli_fail("delete", rc);
  close_target(&t);
  return r;
}

static int cmd_snapshot(int argc, char **argv) {
  const char *format = "table";
  char *pos[4];
  int np = 0;
  int all = 0;
  for (int i = 0; i < argc; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
    else if (strcmp(argv[i], "--all") == 0) all = 1;
    else if (argv[i][0] == '-' && argv[i][1]) return unknown_option(argv[i]);
    else if (np < 4) pos[np++] = argv[i];
    else return usage_error("too many arguments");
  }
  if (np < 2) return usage_error("snapshot needs a sub-command and STORE/COLL");
  if (!is_format(format, 0)) return usage_error("unknown --format (use table or json)");
  const char *sub = pos[0];
  /* "restore STORE/COLL/ITEM NAME" is accepted as well as "restore STORE/COLL NAME ITEM" */
  char spec[2048];
  const char *item3 = NULL;
  snprintf(spec, sizeof spec, "%s", pos[1]);
  if (strcmp(sub, "restore") == 0 && np == 3) {
    char *slash = strchr(spec, '/');
    slash = slash ? strchr(slash + 1, '/') : NULL;
    if (slash) {
      *slash = 0;
      item3 = pos[1] + (slash - spec) + 1;
    }
  }
  int ok = (strcmp(sub, "create") == 0 && np <= 3 && !all) || (strcmp(sub, "list") == 0 && np == 2 && !all) ||
           (strcmp(sub, "delete") == 0 && ((np == 3 && !all) || (np == 2 && all))) ||
           (strcmp(sub, "restore") == 0 && !all && (np == 4 || (np == 3 && item3)));
  if (!ok) return usage_error("bad snapshot command");
  target t;
  int r = open_target(&t, spec, 2, 0);
  if (r) return r;
  int rc = PS_OK;
  if (strcmp(sub, "create") == 0) {
    char *name = NULL;
    rc = ps_snapshot_create(t.coll, np == 3 ? pos[2] : NULL, &name);
    if (rc == PS_OK) printf("%s\n", name);
    ps_free(name);
  } else if (strcmp(sub, "list") == 0) {
    char **names;
    rc = ps_snapshot_list(t.coll, &names);
    if (rc == PS_OK) print_names(names, format);
  } else if (strcmp(sub, "delete") == 0) {
    rc = all ? ps_snapshot_delete_all(t.coll) : ps_snapshot_delete(t.coll, pos[2]);
  } else {
    rc = ps_snapshot_restore(t.coll, pos[2], item3 ? item3 : pos[3]);
  }
  if (rc < 0) r = cli_fail("snapshot", rc);
  close_target(&t);
  return r;
}

/* "KEY=VALUE" into obj: VALUE as JSON if it parses, else a string. */
static int add_where(json_t *obj, const char *kv) {
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv) {
    fprintf(stderr, "pystore: --where needs KEY=VALUE, got '%s'\n", kv);
    return 2;
  }
  char *key = strndup(kv, (size_t)(eq - kv));
  json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
  if (!v) v = json_string(eq + 1);
  int bad = !key || !v || json_object_set_new(obj, key, v) != 0;
  free(key);
  if (bad) {
    fprintf(stderr, "pystore: --where '%s': not valid UTF-8 or out of memory\n", kv);
    return 2;
  }
  return 0;
}

static int cmd_list(int argc, char **argv, int level) {
  char **names = NULL;
  const char *spec = NULL, *meta = NULL, *format = "table";
  json_t *where = NULL;
  int r = 0;
  for (int i = 0; i < argc && !r; i++) {
    if (common_option(argc, argv, &i)) continue;
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
    else if (level == 2 && strcmp(argv[i], "--metadata") == 0 && i + 1 < argc) meta = argv[++i];
    else if (level == 2 && strcmp(argv[i], "--where") == 0 && i + 1 < argc) {
      if (!where) where = json_object();
      r = add_where(where, argv[++i]);
    } else if (argv[i][0] == '-' && argv[i][1]) r = unknown_option(argv[i]);
    else if (level > 0 && !spec) spec = argv[i];
    else r = usage_error("too many arguments");
  }
  if (!r && !is_format(format, 0)) r = usage_error("unknown --format (use table or json)");
  if (!r && level > 0 && !spec) r = usage_error(level == 1 ? "collections needs STORE" : "items needs STORE/COLL");
  if (!r && where && meta) {
    /* both: the union of keys */
    json_t *m = json_loads(meta, 0, NULL);
    if (!json_is_object(m)) {
      json_decref(m);
      r = usage_error("--metadata needs a JSON object");
    } else {
      json_object_update_missing(where, m);
      json_decref(m);
    }
  }
  if (r) {
    json_decref(where);
    return r;
  }
  int rc;
  if (level == 0) {
    rc = ps_list_stores(&g_opt, &names);
    return rc < 0 ? cli_fail("stores", rc) : print_names(names, format);
  }
  char *filter = where ? json_dumps(where, JSON_COMPACT) : NULL;
  json_decref(where);
  target t;
  r = open_target(&t, spec, level, 0);
  if (r) {
    free(filter);
    return r;
  }
  rc = level == 1 ? ps_store_list_collections(t.store, &names)
                  : ps_collection_list_items(t.coll, filter ? filter : meta, &names);
  if (rc < 0) r = cli_fail(level == 1 ? "collections" : "items", rc);
  else print_names(names, format);
  free(filter);
  close_target(&t);
  return r;
}

static int has_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
  return 0;
}

typedef struct store_command {
  const char *name, *alias, *help;
  int (*fn)(int, char **, int);
  int arg;
} store_command;

static int run_list(int argc, char **argv, int level) { return cmd_list(argc, argv, level); }
static int run_write(int argc, char **argv, int append) { return cmd_write(argc, argv, append); }
static int run_read(int argc, char **argv, int x) { (void)x; return cmd_read(argc, argv); }
static int run_info(int argc, char **argv, int x) { (void)x; return cmd_info(argc, argv); }
static int run_metadata(int argc, char **argv, int x) { (void)x; return cmd_metadata(argc, argv); }
static int run_snapshot(int argc, char **argv, int x) { (void)x; return cmd_snapshot(argc, argv); }
static int run_delete(int argc, char **argv, int x) { (void)x; return cmd_delete(argc, argv); }
static int run_compact(int argc, char **argv, int x) { (void)x; return cmd_compact(argc, argv); }

static const store_command COMMANDS[] = {
    {"stores", "list-stores", NULL, run_list, 0},
    {"collections", "list-collections", NULL, run_list, 1},
    {"items", "list-items", NULL, run_list, 2},
    {"write", NULL, NULL, run_write, 0},
    {"append", NULL, NULL, run_write, 1},
    {"read", NULL, NULL, run_read, 0},
    {"info", NULL, NULL, run_info, 0},
    {"metadata", NULL, NULL, run_metadata, 0},
    {"snapshot", NULL, NULL, run_snapshot, 0},
    {"delete", NULL, NULL, run_delete, 0},
    {"compact", NULL, NULL, run_compact, 0},
};

static const char *help_of(int k) {
  const char *h[] = {H_STORES, H_COLLECTIONS, H_ITEMS, H_WRITE, H_APPEND, H_READ,
                     H_INFO,   H_METADATA,    H_SNAPSHOT, H_DELETE, H_COMPACT};
  return h[k];
}

/* Returns -1 when argv[0] is not a store command (main goes on dispatching). */
int cli_store(int argc, char **argv) {
  memset(&g_opt, 0, sizeof g_opt);
  g_help = NULL;
  int i = 0;
  for (; i < argc; i++)
    if (!common_option(argc, argv, &i)) break;
  if (i >= argc) return i ? usage_error("missing command") : -1;
  const char *cmd = argv[i];
  argc -= i + 1;
  argv += i + 1;
  if (strcmp(cmd, "store-help") == 0 || (i && (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0))) {
    fputs(STORE_USAGE, stdout);
    return 0;
  }
  for (size_t k = 0; k < sizeof COMMANDS / sizeof COMMANDS[0]; k++) {
    const store_command *c = &COMMANDS[k];
    if (strcmp(cmd, c->name) != 0 && !(c->alias && strcmp(cmd, c->alias) == 0)) continue;
    g_help = help_of((int)k);
    if (has_help(argc, argv)) {
      fputs(g_help, stdout);
      return 0;
    }
    return c->fn(argc, argv, c->arg);
  }
  return i ? usage_error("unknown command") : -1;
}
