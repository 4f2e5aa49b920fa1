/* The pystore command line tool: shared helpers. */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "pystore.h"

/* Print a frame as "table", "csv" or "json" (records) to stdout. */
int cli_print_frame(const ps_frame *f, const char *format);
/* Report a failed library call: "pystore: <what>: <detail>" on stderr; returns 1. */
int cli_fail(const char *what, int rc);
/* Split "a,b,c" into a NULL-terminated array (caller frees with cli_free_list). */
char **cli_split_list(const char *s, size_t *n);
void cli_free_list(char **list);
/* Commands */
int cli_parquet(int argc, char **argv);

#endif
