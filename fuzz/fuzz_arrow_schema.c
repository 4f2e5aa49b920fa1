/* libFuzzer target: the ARROW:schema decoder (src/parquet/arrow_schema.c).
 *
 * The input is tried twice: as the base64 text itself, and as the decoded
 * message bytes (encoded to base64 here). The leaves carry the names the
 * seeds use, so zones really get applied; every zone set must be a string
 * no longer than the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/arrow_schema.h"
#include "parquet/schema.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const NAMES[] = {"ts", "f32", "u32", "naive", "ts_ns_ny", "v", ""};
#define NLEAVES ((int)(sizeof NAMES / sizeof NAMES[0]))

static void run(const char *b64, size_t len, size_t limit) {
  pq_leaf lv[NLEAVES];
  memset(lv, 0, sizeof lv);
  for (int i = 0; i < NLEAVES; i++) {
    lv[i].name = ps__strdup(NAMES[i]);
    lv[i].type = i == 1 ? PS_TYPE_FLOAT32 : PS_TYPE_TIMESTAMP;
    lv[i].utc = i != 3;
    if (!lv[i].name) goto done;
  }
  pq_arrow_schema_apply(b64, len, lv, NLEAVES);
  for (int i = 0; i < NLEAVES; i++) {
    if (!lv[i].tz) continue;
    if (!lv[i].utc || lv[i].type != PS_TYPE_TIMESTAMP) abort();
    if (lv[i].tz[0] == '\0' || strlen(lv[i].tz) > limit) abort();
  }
done:
  for (int i = 0; i < NLEAVES; i++) pq_leaf_clear(&lv[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  /* as text */
  char *text = malloc(size ? size : 1);
  if (!text) return 0;
  if (size) memcpy(text, data, size); /* exact size: ASan sees any over-read */
  run(text, size, size);
  free(text);
  /* as bytes */
  char *b64 = NULL;
  if (pq_base64_encode(data, size, &b64) != PS_OK) return 0;
  size_t n = strlen(b64);
  run(b64, n, size);
  free(b64);
  return 0;
}
