/* libFuzzer target: an item's _pystore_manifest.json (the committed file
 * set) as arbitrary bytes. A damaged manifest must be an error naming the
 * file, never a crash or a part path outside the item directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static void remove_dir(void) { rmdir(dir); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/ps_fuzz_manifest_%d", (int)getpid());
    mkdir(dir, 0700);
    atexit(remove_dir);
  }
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, PS_MANIFEST_FILE);
  FILE *fp = fopen(path, "wb");
  if (!fp) return 0;
  fwrite(data, 1, size, fp);
  fclose(fp);
  ps__manifest *m = NULL;
  if (ps__manifest_load(dir, &m) == PS_OK) {
    for (int k = 0; k < m->nparts; k++)
      if (strchr(m->parts[k].file, '/') || m->parts[k].file[0] == '.') abort(); /* must have been refused */
    ps__manifest_free(m);
  }
  unlink(path);
  return 0;
}
