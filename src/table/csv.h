/* CSV internals shared with the command line tool. */
#ifndef PS_TABLE_CSV_H
#define PS_TABLE_CSV_H

#include "pystore.h"

/* Write `frame` as CSV to standard output, with or without the header line
 * (chunked output prints the header once). */
int ps__csv_write_stdout(const ps_frame *frame, int header);

#endif
