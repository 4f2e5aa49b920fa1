#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's civil calendar algorithms (public domain). */
int64_t ps_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void ps_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = (int64_t)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static int digits(const char *s, size_t len, size_t *pos, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (*pos >= len || s[*pos] < '0' || s[*pos] > '9') return -1;
    v = v * 10 + (s[*pos] - '0');
    (*pos)++;
  }
  *out = v;
  return 0;
}

static int days_in_month(int64_t y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

static int parse_date_part(const char *s, size_t len, size_t *pos, int64_t *days) {
  int y, m, d;
  int neg = 0;
  if (*pos < len && (s[*pos] == '-' || s[*pos] == '+')) {
    neg = s[*pos] == '-';
    (*pos)++;
  }
  if (digits(s, len, pos, 4, &y)) return -1;
  if (*pos >= len || s[*pos] != '-') return -1;
  (*pos)++;
  if (digits(s, len, pos, 2, &m)) return -1;
  if (*pos >= len || s[*pos] != '-') return -1;
  (*pos)++;
  if (digits(s, len, pos, 2, &d)) return -1;
  int64_t yy = neg ? -(int64_t)y : y;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(yy, m)) return -1;
  *days = ps_days_from_civil(yy, (unsigned)m, (unsigned)d);
  return 0;
}

int ps_parse_date(const char *s, size_t len, int32_t *out_days) {
  size_t pos = 0;
  int64_t days;
  if (parse_date_part(s, len, &pos, &days) || pos != len) return PS_ERR_PARSE;
  if (days < INT32_MIN || days > INT32_MAX) return PS_ERR_PARSE;
  *out_days = (int32_t)days;
  return PS_OK;
}

int ps_parse_timestamp_ns(const char *s, size_t len, int64_t *out_ns, int *out_has_zone) {
  size_t pos = 0;
  int64_t days;
  int hh = 0, mi = 0, ss = 0;
  int64_t frac = 0;
  int zone = 0;
  int64_t offset_s = 0;
  if (parse_date_part(s, len, &pos, &days)) return PS_ERR_PARSE;
  if (pos < len && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    pos++;
    if (digits(s, len, &pos, 2, &hh)) return PS_ERR_PARSE;
    if (pos >= len || s[pos] != ':') return PS_ERR_PARSE;
    pos++;
    if (digits(s, len, &pos, 2, &mi)) return PS_ERR_PARSE;
    if (pos < len && s[pos] == ':') {
      pos++;
      if (digits(s, len, &pos, 2, &ss)) return PS_ERR_PARSE;
      if (pos < len && (s[pos] == '.' || s[pos] == ',')) {
        pos++;
        int nd = 0;
        while (pos < len && s[pos] >= '0' && s[pos] <= '9') {
          if (nd < 9) {
            frac = frac * 10 + (s[pos] - '0');
            nd++;
          } else if (s[pos] != '0') {
            return PS_ERR_PARSE; /* sub-nanosecond precision would be lost */
          }
          pos++;
        }
        if (nd == 0) return PS_ERR_PARSE;
        for (; nd < 9; nd++) frac *= 10;
      }
    }
    if (hh > 23 || mi > 59 || ss > 60) return PS_ERR_PARSE;
    if (ss == 60) return PS_ERR_PARSE; /* leap seconds are not representable */
    if (pos < len) {
      if (s[pos] == 'Z' || s[pos] == 'z') {
        zone = 1;
        pos++;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos] == '-' ? -1 : 1;
        int oh, om = 0;
        pos++;
        if (digits(s, len, &pos, 2, &oh)) return PS_ERR_PARSE;
        if (pos < len && s[pos] == ':') pos++;
        if (pos < len) {
          if (digits(s, len, &pos, 2, &om)) return PS_ERR_PARSE;
        }
        if (oh > 23 || om > 59) return PS_ERR_PARSE;
        zone = 1;
        offset_s = sign * (oh * 3600 + om * 60);
      }
    }
  }
  if (pos != len) return PS_ERR_PARSE;
  /* days * 86400e9 overflows int64 outside ~1677..2262: check in steps. */
  int64_t secs = days * 86400 + hh * 3600 + mi * 60 + ss - offset_s;
  /* exact in 128 bits: the int64 ns range ends inside a second at both ends */
  __int128 ns = (__int128)secs * 1000000000 + frac;
  if (ns > INT64_MAX || ns < INT64_MIN) return PS_ERR_PARSE;
  *out_ns = (int64_t)ns;
  if (out_has_zone) *out_has_zone = zone;
  return PS_OK;
}

int64_t ps_unit_per_second(ps_time_unit u) {
  switch (u) {
    case PS_UNIT_S: return 1;
    case PS_UNIT_MS: return 1000;
    case PS_UNIT_US: return 1000000;
    default: return 1000000000;
  }
}

int ps_convert_time_unit(int64_t v, ps_time_unit from, ps_time_unit to, int64_t *out) {
  int64_t f = ps_unit_per_second(from), t = ps_unit_per_second(to);
  if (f == t) {
    *out = v;
  } else if (t > f) {
    int64_t k = t / f;
    if (v > INT64_MAX / k || v < INT64_MIN / k) return PS_ERR_LIMIT;
    *out = v * k;
  } else {
    int64_t k = f / t;
    /* floor division so that instants before 1970 round down consistently */
    int64_t q = v / k;
    if ((v % k) != 0 && v < 0) q--;
    *out = q;
  }
  return PS_OK;
}

size_t ps_format_date(char *buf, int32_t days) {
  int64_t y;
  unsigned m, d;
  ps_civil_from_days(days, &y, &m, &d);
  if (y < 0) return (size_t)sprintf(buf, "-%04lld-%02u-%02u", (long long)-y, m, d);
  return (size_t)sprintf(buf, "%04lld-%02u-%02u", (long long)y, m, d);
}

size_t ps_format_timestamp(char *buf, int64_t v, ps_time_unit unit, int utc) {
  int64_t per = ps_unit_per_second(unit);
  int64_t secs = v / per, sub = v % per;
  if (sub < 0) {
    sub += per;
    secs -= 1;
  }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  size_t n = ps_format_date(buf, (int32_t)days);
  n += (size_t)sprintf(buf + n, "T%02d:%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
  if (sub) {
    /* scale to ns, then print 3, 6 or 9 digits as needed */
    int64_t ns = sub * (1000000000 / per);
    if (ns % 1000000 == 0)
      n += (size_t)sprintf(buf + n, ".%03lld", (long long)(ns / 1000000));
    else if (ns % 1000 == 0)
      n += (size_t)sprintf(buf + n, ".%06lld", (long long)(ns / 1000));
    else
      n += (size_t)sprintf(buf + n, ".%09lld", (long long)ns);
  }
  if (utc) buf[n++] = 'Z';
  buf[n] = 0;
  return n;
}
