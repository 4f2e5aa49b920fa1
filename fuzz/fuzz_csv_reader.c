/* libFuzzer target: CSV reading with type inference. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "pystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/ps_fuzz_csv_%d.csv", (int)getpid());
  FILE *fp = fopen(path, "wb");
  if (!fp) return 0;
  fwrite(data, 1, size, fp);
  fclose(fp);
  ps_frame *f = NULL;
  ps_csv_options o = {0};
  if (ps_csv_read_file(path, &o, &f) == PS_OK) ps_frame_free(f);
  unlink(path);
  return 0;
}
