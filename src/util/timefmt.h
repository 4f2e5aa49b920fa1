/* ISO-8601 timestamps and dates <-> integers. */
#ifndef PS_UTIL_TIMEFMT_H
#define PS_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "pystore.h"

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t ps_days_from_civil(int64_t y, unsigned m, unsigned d);
void ps_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Parse "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS[.fffffffff]]" with an
 * optional zone "Z", "+HH:MM", "+HHMM", "+HH". Writes nanoseconds since the
 * epoch (as UTC when a zone is given, else the naive wall time) and whether a
 * zone was present. Returns PS_OK or PS_ERR_PARSE (no message set: callers
 * know the context). Accepts exactly `len` bytes. */
int ps_parse_timestamp_ns(const char *s, size_t len, int64_t *out_ns, int *out_has_zone);
/* Parse "YYYY-MM-DD" into days. */
int ps_parse_date(const char *s, size_t len, int32_t *out_days);

/* Convert between units; returns PS_ERR_LIMIT on overflow. */
int ps_convert_time_unit(int64_t v, ps_time_unit from, ps_time_unit to, int64_t *out);
int64_t ps_unit_per_second(ps_time_unit u);

/* Format a timestamp as ISO-8601 ("2024-01-02T09:30:00.123456789"), with as
 * many fraction digits as the value needs in its unit (0, 3, 6 or 9), and
 * a trailing "Z" when `utc` is set. Returns the length written (buf >= 40). */
size_t ps_format_timestamp(char *buf, int64_t v, ps_time_unit unit, int utc);
size_t ps_format_date(char *buf, int32_t days);

#endif
