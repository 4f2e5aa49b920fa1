/* Text forms of numbers that read back exactly. */
#ifndef PS_UTIL_NUMFMT_H
#define PS_UTIL_NUMFMT_H

#include <stddef.h>

/* Shortest decimal text that strtod reads back to the same double
 * ("0.1", "-0.0", "1e+300", "nan", "inf", "-inf"). buf >= 32. Returns length. */
size_t ps_format_double(char *buf, double v);
/* Same for a float (shortest text that strtof reads back). */
size_t ps_format_float(char *buf, float v);

#endif
