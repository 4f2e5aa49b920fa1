/* pystore [--path BASE] list-stores | list-collections | list-items | write |
 * append | read | info | metadata | delete | snapshot ... */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_store(int argc, char **argv);

static const char *STORE_USAGE =
    "usage: pystore [--path BASE] [--no-fsync] COMMAND ...\n"
    "  list-stores\n"
    "  list-collections STORE\n"
    "  list-items STORE/COLL [--metadata JSON]      (items whose metadata has these key/values)\n"
    "  write STORE/COLL/ITEM FILE.csv|FILE.parquet [--index COL] [--overwrite] [--metadata JSON]\n"
    "        [--duplicates P] [--part-rows N]\n"
    "  append STORE/COLL/ITEM FILE.csv|FILE.parquet [--index COL] [--create] [--widen] [--part-rows N]\n"
    "        [--duplicates keep_last|keep_first|error|keep_all]\n"
    "  read STORE/COLL/ITEM [--columns a,b] [--where EXPR] [--start X] [--end Y] [--limit N]\n"
    "        [--head N] [--tail N] [--snapshot S] [--format table|csv|json]\n"
    "  info STORE/COLL/ITEM [--snapshot S]          (rows, parts, version, schema)\n"
    "  compact STORE/COLL/ITEM [--part-rows N]      (merge small adjacent parts)\n"
    "  metadata STORE | STORE/COLL/ITEM [--set JSON] [--snapshot S]\n"
    "  delete STORE | STORE/COLL | STORE/COLL/ITEM\n"
    "  snapshot create STORE/COLL [NAME] | list STORE/COLL | delete STORE/COLL NAME|--all\n"
    "           | restore STORE/COLL NAME ITEM\n"
    "\n"
    "The base path is --path, else $PYSTORE_PATH, else ~/pystore.\n";

static ps_store_options g_opt;

static int usage_error(const char *msg) {
  fprintf(stderr, "pystore: %s\n%s", msg, STORE_USAGE);
  return 2;
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
    *slash = 0;
    p = slash + 1;
  }
  if (strchr(p, '/')) return -1;
  return n;
}

typedef struct target {
  char buf[2048];
  char *part[3];
  int n;
  ps_store *store;
  ps_collection *coll;
} target;

static int open_target(target *t, const char *spec, int want, int create) {
  memset(t, 0, sizeof *t);
  snprintf(t->buf, sizeof t->buf, "%s", spec);
  t->n = split_path(t->buf, t->part);
  if (t->n != want && !(want < 0 && t->n >= -want)) return usage_error("wrong STORE/COLL/ITEM path");
  int rc = ps_store_open(t->part[0], &g_opt, create, &t->store);
  if (rc < 0) return cli_fail("store", rc);
  if (t->n >= 2) {
    rc = ps_collection_open(t->store, t->part[1], create, &t->coll);
    if (rc < 0) {
      ps_store_close(t->store);
      return cli_fail("collection", rc);
    }
  }
  return 0;
}

static void close_target(target *t) {
  ps_collection_close(t->coll);
  ps_store_close(t->store);
}

static int print_names(char **names) {
  for (char **p = names; p && *p; p++) printf("%s\n", *p);
  ps_names_free(names);
  return 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int load_input(const char *file, const char *index, ps_frame **out) {
  int rc;
  if (ends_with(file, ".parquet") || ends_with(file, ".parq") || ends_with(file, ".pq")) {
    rc = ps_parquet_read_file(file, NULL, out);
    if (rc < 0) return cli_fail("reading Parquet", rc);
    if (index && (rc = ps_frame_set_index(*out, index)) < 0) return cli_fail("--index", rc);
  } else {
    ps_csv_options co;
    memset(&co, 0, sizeof co);
    co.index = index;
    rc = ps_csv_read_file(file, &co, out);
    if (rc < 0) return cli_fail("reading CSV", rc);
  }
  if (ps_frame_index(*out) < 0) {
    ps_frame_free(*out);
    *out = NULL;
    fprintf(stderr, "pystore: %s has no index column; name one with --index COL\n", file);
    return 1;
  }
  return 0;
}

static int parse_i64(const char *opt, const char *s, int64_t *out) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*end || v < 0) {
    fprintf(stderr, "pystore: %s needs a non-negative integer\n", opt);
    return 2;
  }
  *out = v;
  return 0;
}

static int cmd_write(int argc, char **argv, int append) {
  const char *spec = NULL, *file = NULL, *index = NULL;
  ps_item_write_options wo;
  ps_append_options ao;
  memset(&wo, 0, sizeof wo);
  memset(&ao, 0, sizeof ao);
  ps_duplicates dup = PS_DUP_KEEP_LAST;
  int64_t part_rows = 0;
  for (int i = 0; i < argc; i++) {
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
      fprintf(stderr, "pystore: unknown option '%s'\n", argv[i]);
      return 2;
    } else if (!spec) spec = argv[i];
    else if (!file) file = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec || !file) return usage_error(append ? "append needs STORE/COLL/ITEM and FILE" : "write needs STORE/COLL/ITEM and FILE");
  target t;
  int r = open_target(&t, spec, 3, 1);
  if (r) return r;
  ps_frame *f = NULL;
  r = load_input(file, index, &f);
  if (r == 0) {
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
  }
  ps_frame_free(f);
  close_target(&t);
  return r;
}

static int cmd_read(int argc, char **argv) {
  const char *spec = NULL, *format = "table", *where = NULL, *columns = NULL;
  ps_item_read_options ro;
  memset(&ro, 0, sizeof ro);
  int64_t head = 0, tail = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) format = argv[++i];
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
      fprintf(stderr, "pystore: unknown option '%s'\n", argv[i]);
      return 2;
    } else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec) return usage_error("read needs STORE/COLL/ITEM");
  if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
    return usage_error("unknown --format (use table, csv or json)");
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
  r = rc < 0 ? cli_fail("read", rc) : cli_print_frame(f, format);
  ps_frame_free(f);
  ps_expr_free(filter);
  cli_free_list(cols);
  close_target(&t);
  return r;
}

static int cmd_info(int argc, char **argv) {
  const char *spec = NULL, *snap = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--snapshot") == 0 && i + 1 < argc) snap = argv[++i];
    else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec) return usage_error("info needs STORE/COLL/ITEM");
  target t;
  int r = open_target(&t, spec, 3, 0);
  if (r) return r;
  ps_item_info info;
  ps_frame *schema = NULL;
  int rc = ps_item_info_get(t.coll, t.part[2], snap, &info);
  if (rc == PS_OK) rc = ps_item_schema(t.coll, t.part[2], snap, &schema);
  if (rc < 0) {
    r = cli_fail("info", rc);
  } else {
    printf("rows:      %lld\nparts:     %lld\nversion:   %lld%s\ncolumns:\n", (long long)info.num_rows,
           (long long)info.num_parts, (long long)info.version, info.has_manifest ? "" : " (PyStore item without manifest)");
    for (int i = 0; i < ps_frame_num_columns(schema); i++) {
      const ps_column *c = ps_frame_column(schema, i);
      const char *tz = ps_column_tz(c);
      printf("  %-24s %s%s%s%s\n", ps_column_name(c), ps_type_name(ps_column_type(c)), tz ? " " : "", tz ? tz : "",
             i == ps_frame_index(schema) ? "  (index)" : "");
    }
  }
  ps_frame_free(schema);
  close_target(&t);
  return r;
}

static int cmd_compact(int argc, char **argv) {
  const char *spec = NULL;
  int64_t part_rows = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--part-rows") == 0 && i + 1 < argc) {
      if (parse_i64("--part-rows", argv[++i], &part_rows)) return 2;
    } else if (!spec) spec = argv[i];
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
  const char *spec = NULL, *set = NULL, *snap = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) set = argv[++i];
    else if (strcmp(argv[i], "--snapshot") == 0 && i + 1 < argc) snap = argv[++i];
    else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec) return usage_error("metadata needs STORE or STORE/COLL/ITEM");
  target t;
  int r = open_target(&t, spec, -1, 0);
  if (r) return r;
  char *json = NULL;
  int rc;
  if (t.n == 1) {
    if (set) {
      close_target(&t);
      return usage_error("--set works on items only");
    }
    rc = ps_store_metadata(t.store, &json);
  } else if (t.n == 3) {
    rc = set ? ps_item_set_metadata(t.coll, t.part[2], set) : ps_item_metadata(t.coll, t.part[2], snap, &json);
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
  if (argc != 1) return usage_error("delete needs STORE, STORE/COLL or STORE/COLL/ITEM");
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", argv[0]);
  char *part[3];
  int n = split_path(buf, part);
  if (n == 1) {
    int rc = ps_delete_store(&g_opt, part[0]);
    return rc < 0 ? cli_fail("delete", rc) : 0;
  }
  target t;
  int r = open_target(&t, argv[0], -2, 0);
  if (r) return r;
  int rc = t.n == 2 ? ps_store_delete_collection(t.store, t.part[1]) : ps_item_delete(t.coll, t.part[2]);
  if (rc < 0) r = cli_fail("delete", rc);
  close_target(&t);
  return r;
}

static int cmd_snapshot(int argc, char **argv) {
  if (argc < 2) return usage_error("snapshot needs a sub-command and STORE/COLL");
  const char *sub = argv[0];
  target t;
  int r = open_target(&t, argv[1], 2, 0);
  if (r) return r;
  int rc = PS_OK;
  if (strcmp(sub, "create") == 0 && argc <= 3) {
    char *name = NULL;
    rc = ps_snapshot_create(t.coll, argc == 3 ? argv[2] : NULL, &name);
    if (rc == PS_OK) printf("%s\n", name);
    ps_free(name);
  } else if (strcmp(sub, "list") == 0 && argc == 2) {
    char **names;
    rc = ps_snapshot_list(t.coll, &names);
    if (rc == PS_OK) print_names(names);
  } else if (strcmp(sub, "delete") == 0 && argc == 3) {
    rc = strcmp(argv[2], "--all") == 0 ? ps_snapshot_delete_all(t.coll) : ps_snapshot_delete(t.coll, argv[2]);
  } else if (strcmp(sub, "restore") == 0 && argc == 4) {
    rc = ps_snapshot_restore(t.coll, argv[2], argv[3]);
  } else {
    close_target(&t);
    return usage_error("bad snapshot command");
  }
  if (rc < 0) r = cli_fail("snapshot", rc);
  close_target(&t);
  return r;
}

static int cmd_list(int argc, char **argv, int level) {
  char **names = NULL;
  int rc;
  if (level == 0) {
    if (argc != 0) return usage_error("list-stores takes no arguments");
    rc = ps_list_stores(&g_opt, &names);
    if (rc < 0) return cli_fail("list-stores", rc);
    return print_names(names);
  }
  const char *spec = NULL, *meta = NULL;
  for (int i = 0; i < argc; i++) {
    if (level == 2 && strcmp(argv[i], "--metadata") == 0 && i + 1 < argc) meta = argv[++i];
    else if (!spec) spec = argv[i];
    else return usage_error("too many arguments");
  }
  if (!spec) return usage_error(level == 1 ? "list-collections needs STORE" : "list-items needs STORE/COLL");
  target t;
  int r = open_target(&t, spec, level, 0);
  if (r) return r;
  rc = level == 1 ? ps_store_list_collections(t.store, &names) : ps_collection_list_items(t.coll, meta, &names);
  if (rc < 0) r = cli_fail("list", rc);
  else print_names(names);
  close_target(&t);
  return r;
}

/* Returns -1 when argv[0] is not a store command (main goes on dispatching). */
int cli_store(int argc, char **argv) {
  memset(&g_opt, 0, sizeof g_opt);
  int i = 0;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--path") == 0 && i + 1 < argc) g_opt.base_path = argv[++i];
    else if (strcmp(argv[i], "--no-fsync") == 0) g_opt.no_fsync = 1;
    else break;
  }
  if (i >= argc) return i ? usage_error("missing command") : -1;
  const char *cmd = argv[i];
  argc -= i + 1;
  argv += i + 1;
  if (strcmp(cmd, "list-stores") == 0) return cmd_list(argc, argv, 0);
  if (strcmp(cmd, "list-collections") == 0) return cmd_list(argc, argv, 1);
  if (strcmp(cmd, "list-items") == 0) return cmd_list(argc, argv, 2);
  if (strcmp(cmd, "write") == 0) return cmd_write(argc, argv, 0);
  if (strcmp(cmd, "append") == 0) return cmd_write(argc, argv, 1);
  if (strcmp(cmd, "read") == 0) return cmd_read(argc, argv);
  if (strcmp(cmd, "info") == 0) return cmd_info(argc, argv);
  if (strcmp(cmd, "compact") == 0) return cmd_compact(argc, argv);
  if (strcmp(cmd, "metadata") == 0) return cmd_metadata(argc, argv);
  if (strcmp(cmd, "delete") == 0) return cmd_delete(argc, argv);
  if (strcmp(cmd, "snapshot") == 0) return cmd_snapshot(argc, argv);
  if (strcmp(cmd, "store-help") == 0) {
    fputs(STORE_USAGE, stdout);
    return 0;
  }
  return i ? usage_error("unknown command") : -1;
}
