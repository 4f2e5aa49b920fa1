/* pystore: command line front end of libpystore. */
#include <string.h>

#include "cli.h"

static const char *USAGE =
    "usage: pystore [--version] [--help] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  parquet schema FILE                 show a Parquet file's schema, row groups and statistics\n"
    "  parquet cat FILE [options]          print rows (--columns, --where, --limit, --format)\n"
    "  parquet convert IN OUT [options]    CSV -> Parquet, or Parquet -> CSV\n"
    "  [--path BASE] list-stores|list-collections|list-items|write|append|read|info|compact|metadata|delete|snapshot ...\n"
    "                                      stores, collections, items ('pystore store-help' for details)\n"
    "\n"
    "Run 'pystore parquet --help' for the options. Errors go to stderr with a non-zero exit status.\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(USAGE, stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(USAGE, stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("pystore %s\n", ps_version_string());
    return 0;
  }
  if (strcmp(argv[1], "parquet") == 0) return cli_parquet(argc - 2, argv + 2);
  { extern int cli_store(int, char **); int r = cli_store(argc - 1, argv + 1); if (r >= 0) return r; }
  fprintf(stderr, "pystore: unknown command '%s'\n%s", argv[1], USAGE);
  return 2;
}
