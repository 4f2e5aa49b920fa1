/* pystore verify: integrity check of a store, collection, item or Parquet
 * file (ps_verify). Exit 0 when clean, 1 when any problem was found. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char *VERIFY_USAGE =
    "usage: pystore [--path BASE] verify [STORE[/COLL[/ITEM]]] [--format table|json] [--quiet]\n"
    "       pystore verify FILE.parquet | ./DIR | /abs/DIR\n"
    "\n"
    "Checks everything committed: every file's footer, every page (CRC-32 where\n"
    "written, full decode always), row counts, statistics against the data, each\n"
    "item's manifest against the files it publishes (missing, unlisted, rows,\n"
    "index bounds, schema), metadata JSON, and snapshots as items. Reads only.\n"
    "Each problem is printed with its path; leftovers of an interrupted commit\n"
    "(removed by the item's next writer) are printed as notes and are not problems.\n"
    "An argument that is an existing file, an absolute path or starts with ./ or\n"
    "../ is checked as is; otherwise it names STORE[/COLL[/ITEM]] under the base;\n"
    "no argument checks every store under the base.\n"
    "Exit status: 0 clean, 1 problems found or the check failed, 2 usage.\n";

typedef struct verify_out {
  int json, quiet;
  json_t *list;
  int64_t notes;
} verify_out;

static void on_problem(void *ctx, const char *path, int status, const char *message) {
  verify_out *o = ctx;
  if (status == PS_OK) o->notes++;
  if (o->json) {
    json_array_append_new(o->list, json_pack("{s:s, s:s, s:s}", "path", path, "status",
                                             status == PS_OK ? "note" : ps_status_name(status), "message", message));
  } else if (status < 0 || !o->quiet) {
    fprintf(status < 0 ? stdout : stderr, "%s %s: %s\n", status < 0 ? "PROBLEM" : "note", path, message);
  }
}

/* The filesystem path to check: given as is, or STORE[/COLL[/ITEM]] under the base. */
static char *resolve(const char *arg, const ps_store_options *opt) {
  struct stat sb;
  if (!arg) {
    char *base = NULL;
    if (ps_base_path(opt, &base) < 0) return NULL;
    char *p = strdup(base);
    ps_free(base);
    return p;
  }
  if (arg[0] == '/' || strncmp(arg, "./", 2) == 0 || strncmp(arg, "../", 3) == 0 ||
      (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode)))
    return strdup(arg);
  char *base = NULL;
  if (ps_base_path(opt, &base) < 0) return NULL;
  size_t n = strlen(base) + strlen(arg) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", base, arg);
  ps_free(base);
  return p;
}

int cli_verify(int argc, char **argv) {
  ps_store_options opt;
  memset(&opt, 0, sizeof opt);
  int i = 0;
  /* global options may come before the command name */
  while (i < argc && !strcmp(argv[i], "--path") && i + 1 < argc) {
    opt.base_path = argv[i + 1];
    i += 2;
  }
  if (i >= argc || strcmp(argv[i], "verify") != 0) return -1;
  const char *spec = NULL, *format = "table";
  verify_out out = {0, 0, NULL, 0};
  for (i++; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(VERIFY_USAGE, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--path") && i + 1 < argc) opt.base_path = argv[++i];
    else if (!strcmp(argv[i], "--format") && i + 1 < argc) format = argv[++i];
    else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) out.quiet = 1;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "pystore: unknown option '%s'\n%s", argv[i], VERIFY_USAGE);
      return 2;
    } else if (!spec) spec = argv[i];
    else {
      fprintf(stderr, "pystore: too many arguments\n%s", VERIFY_USAGE);
      return 2;
    }
  }
  if (strcmp(format, "table") && strcmp(format, "json")) {
    fprintf(stderr, "pystore: unknown --format (use table or json)\n%s", VERIFY_USAGE);
    return 2;
  }
  out.json = !strcmp(format, "json");
  char *path = resolve(spec, &opt);
  if (!path) return cli_fail("verify", PS_ERR_NOMEM);
  if (out.json) out.list = json_array();
  ps_verify_stats st;
  int rc = ps_verify(path, on_problem, &out, &st);
  if (rc < 0 && rc != PS_ERR_CORRUPT) {
    json_decref(out.list);
    free(path);
    return cli_fail("verify", rc);
  }
  if (out.json) {
    json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "path", path, "ok", rc == PS_OK,
                          "items", (json_int_t)st.items, "files", (json_int_t)st.files, "row_groups",
                          (json_int_t)st.row_groups, "pages", (json_int_t)st.pages, "pages_crc",
                          (json_int_t)st.pages_crc, "bytes", (json_int_t)st.bytes, "problems",
                          (json_int_t)st.problems, "notes", (json_int_t)out.notes, "findings", out.list);
    char *s = json_dumps(o, JSON_INDENT(2));
    if (s) puts(s);
    free(s);
    json_decref(o);
  } else if (!out.quiet || rc != PS_OK) {
    printf("%s: %lld items, %lld files, %lld row groups, %lld pages (%lld CRC-checked), %.1f MB: ", path,
           (long long)st.items, (long long)st.files, (long long)st.row_groups, (long long)st.pages,
           (long long)st.pages_crc, st.bytes / 1e6);
    if (rc == PS_OK) printf("OK%s\n", out.notes ? " (see notes)" : "");
    else printf("%lld problem%s\n", (long long)st.problems, st.problems == 1 ? "" : "s");
  }
  free(path);
  return rc == PS_OK ? 0 : 1;
}
