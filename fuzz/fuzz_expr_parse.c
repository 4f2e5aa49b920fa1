/* libFuzzer target: the filter expression parser and printer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  ps_expr *e = NULL;
  if (ps_expr_parse(text, &e) == PS_OK) {
    char *s = NULL;
    if (ps_expr_to_string(e, &s) == PS_OK) {
      /* printing then parsing again must succeed */
      ps_expr *e2 = NULL;
      if (ps_expr_parse(s, &e2) != PS_OK) abort();
      ps_expr_free(e2);
      ps_free(s);
    }
    ps_expr_free(e);
  }
  free(text);
  return 0;
}
