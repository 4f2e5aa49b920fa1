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
    "\n"
    "stores (global options: --path BASE, --no-fsync):\n"
    "  stores                              list stores (alias list-stores)\n"
    "  collections STORE                   list collections (alias list-collections)\n"
    "  items STORE/COLL [--where K=V ...]  list items, optionally by metadata (alias list-items)\n"
    "  write STORE/COLL/ITEM FILE          create an item from CSV/Parquet ('-' = stdin)\n"
    "  append STORE/COLL/ITEM FILE         merge rows into an item by index\n"
    "  read STORE/COLL/ITEM [options]      print rows (--columns, --where, --start, --end, --format, -o,\n"
    "                                      --chunk-size N to stream)\n"
    "  info [STORE[/COLL[/ITEM]]]          summary without reading data\n"
    "  metadata STORE|STORE/COLL/ITEM      show or change metadata (--set, --update)\n"
    "  snapshot create|list|delete|restore STORE/COLL ...\n"
    "  delete STORE[/COLL[/ITEM]]          remove a store, collection or item\n"
    "  compact STORE/COLL/ITEM             merge small adjacent parts\n"
    "  append --stream STORE/COLL/ITEM FILE|-  stream CSV/Parquet of any size in chunks (Phase 3)\n"
    "  write-batch STORE/COLL DIR          one item per CSV/Parquet file, in parallel\n"
    "  read-chunks STORE/COLL/ITEM --chunk-size N   read in chunks\n"
    "  rebalance STORE/COLL/ITEM --strategy size|monthly|quarterly|yearly|auto [--target-mb N]\n"
    "  optimize FILE|STORE/COLL/ITEM       lossless downcasting report (--lossy-floats, --output)\n"
    "  memory                              process/system memory, thresholds\n"
    "  verify [STORE[/COLL[/ITEM]]|PATH]   integrity check: files, pages (CRC), manifests, snapshots\n"
    "\n"
    "Run 'pystore COMMAND --help' (or 'pystore parquet --help') for the options.\n"
    "Errors go to stderr with a non-zero exit status.\n";

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
  { extern int cli_verify(int, char **); int r = cli_verify(argc - 1, argv + 1); if (r >= 0) return r; }
  { extern int cli_phase3(int, char **); int r = cli_phase3(argc - 1, argv + 1); if (r >= 0) return r; }
  { extern int cli_store(int, char **); int r = cli_store(argc - 1, argv + 1); if (r >= 0) return r; }
  fprintf(stderr, "pystore: unknown command '%s'\n%s", argv[1], USAGE);
  return 2;
}
