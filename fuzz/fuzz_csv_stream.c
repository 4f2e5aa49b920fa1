/* libFuzzer target: the streaming CSV reader (append --stream) over
 * arbitrary bytes, in small chunks so that chunk boundaries, type checks
 * against the first chunk and quoted fields across chunks are exercised. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "pystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/ps_fuzz_csvs_%d.csv", (int)getpid());
  FILE *fp = fopen(path, "wb");
  if (!fp) return 0;
  fwrite(data, 1, size, fp);
  fclose(fp);
  ps_csv_options o = {0};
  ps_csv_reader *r = NULL;
  if (ps_csv_reader_open(path, &o, 3, &r) == PS_OK) {
    for (int i = 0; i < 100000; i++) {
      ps_frame *f = NULL;
      if (ps_csv_reader_next(r, &f) != PS_OK || !f) break;
      ps_frame_free(f);
    }
    ps_csv_reader_close(r);
  }
  unlink(path);
  return 0;
}
