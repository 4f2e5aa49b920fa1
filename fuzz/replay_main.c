/* Regression driver: runs a fuzz target over every file of a corpus
 * directory (CTest replays the stored corpora without libFuzzer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  DIR *d = opendir(argv[1]);
  if (!d) {
    fprintf(stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
    FILE *fp = fopen(path, "rb");
    if (!fp) continue;
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    if (size > 0 && fread(buf, 1, (size_t)size, fp) != (size_t)size) {
      fclose(fp);
      free(buf);
      continue;
    }
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, (size_t)size);
    free(buf);
    n++;
  }
  closedir(d);
  if (n == 0) {
    fprintf(stderr, "no inputs in %s\n", argv[1]);
    return 1;
  }
  printf("%d passed, 0 failed\n", n);
  return 0;
}
