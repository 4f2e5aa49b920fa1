/* Time zones for calendar partition boundaries: a small TZif (RFC 8536)
 * reader over the system tz database, plus fixed offsets ("UTC", "+05:30").
 * Zones are loaded once per process and kept. Past the last transition of a
 * file the last offset is used (the POSIX rule in the footer is not
 * applied; Debian's "fat" zone files carry transitions up to 2037). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/phase3_internal.h"
#include "util/alloc.h"
#include "util/error.h"

typedef struct tzone {
  char *name;
  int64_t *trans; /* UTC seconds of transitions */
  int32_t *off;   /* offset after each transition */
  int n;
  int32_t off0;   /* before the first transition (or the fixed offset) */
  struct tzone *next;
} tzone;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static tzone *g_zones;

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

static int parse_fixed(const char *s, int32_t *off) {
  if (!strcmp(s, "UTC") || !strcmp(s, "Z") || !strcmp(s, "Etc/UTC") || !strcmp(s, "GMT") || !strcmp(s, "Etc/GMT") ||
      !strcmp(s, "utc")) {
    *off = 0;
    return 1;
  }
  if ((s[0] == '+' || s[0] == '-') && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9') {
    int h = (s[1] - '0') * 10 + (s[2] - '0'), m = 0;
    const char *p = s + 3;
    if (*p == ':') p++;
    if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') {
      m = (p[0] - '0') * 10 + (p[1] - '0');
      p += 2;
    }
    if (*p) return 0;
    *off = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
    return 1;
  }
  return 0;
}

static tzone *load_file(const char *name, int *nomem) {
  if (strstr(name, "..") || name[0] == '/') return NULL;
  char path[512];
  const char *dir = getenv("TZDIR");
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char *buf = NULL;
  size_t cap = 0, len = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 8192;
      unsigned char *nb = ps__realloc(buf, cap);
      if (!nb) { /* out of memory: never parse a truncated file */
        *nomem = 1;
        ps__free_mem(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t k = fread(buf + len, 1, cap - len, f);
    if (k == 0) break;
    len += k;
  }
  fclose(f);
  tzone *z = NULL;
  if (!buf || len < 44 || memcmp(buf, "TZif", 4) != 0) goto out;
  const unsigned char *h = buf;
  size_t pos = 0;
  int ver = buf[4];
  uint32_t c[6];
  for (int i = 0; i < 6; i++) c[i] = be32(h + 20 + 4 * i);
  size_t tsz = 4;
  if (ver >= '2') {
    size_t v1 = (size_t)c[3] * 4 + c[3] + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
    pos = 44 + v1;
    if (pos + 44 > len || memcmp(buf + pos, "TZif", 4) != 0) goto out;
    for (int i = 0; i < 6; i++) c[i] = be32(buf + pos + 20 + 4 * i);
    tsz = 8;
  }
  pos += 44;
  uint32_t timecnt = c[3], typecnt = c[4];
  if (typecnt == 0 || pos + (size_t)timecnt * (tsz + 1) + (size_t)typecnt * 6 > len) goto out;
  z = ps__calloc(1, sizeof *z);
  if (!z) {
    *nomem = 1;
    goto out;
  }
  z->trans = ps__calloc((size_t)timecnt + 1, sizeof *z->trans);
  z->off = ps__calloc((size_t)timecnt + 1, sizeof *z->off);
  if (!z->trans || !z->off) {
    ps__free_mem(z->trans);
    ps__free_mem(z->off);
    ps__free_mem(z);
    z = NULL;
    *nomem = 1;
    goto out;
  }
  const unsigned char *tt = buf + pos, *ix = tt + (size_t)timecnt * tsz, *ti = ix + timecnt;
  for (uint32_t i = 0; i < timecnt; i++) {
    z->trans[i] = tsz == 8 ? be64(tt + 8 * i) : (int64_t)(int32_t)be32(tt + 4 * i);
    unsigned k = ix[i] < typecnt ? ix[i] : 0;
    z->off[i] = (int32_t)be32(ti + 6 * k);
  }
  z->n = (int)timecnt;
  z->off0 = (int32_t)be32(ti);
out:
  ps__free_mem(buf);
  return z;
}

int ps__tz_load_status(const char *name, const void **out) {
  *out = NULL;
  if (!name) return PS_OK;
  int nomem = 0;
  pthread_mutex_lock(&g_mu);
  tzone *z;
  for (z = g_zones; z; z = z->next)
    if (strcmp(z->name, name) == 0) break;
  if (!z) {
    int32_t off;
    if (parse_fixed(name, &off)) {
      z = ps__calloc(1, sizeof *z);
      if (z) z->off0 = off;
      else nomem = 1;
    } else {
      z = load_file(name, &nomem);
    }
    if (z) {
      z->name = ps__strdup(name);
      if (!z->name) {
        ps__free_mem(z->trans);
        ps__free_mem(z->off);
        ps__free_mem(z);
        z = NULL;
        nomem = 1;
      } else {
        z->next = g_zones;
        g_zones = z;
      }
    }
  }
  pthread_mutex_unlock(&g_mu);
  *out = z;
  return nomem ? PS_NOMEM() : PS_OK;
}

const void *ps__tz_load(const char *name) {
  const void *z;
  ps__tz_load_status(name, &z);
  return z;
}

int32_t ps__tz_offset(const void *zone, int64_t t, int64_t *lo, int64_t *hi) {
  const tzone *z = zone;
  if (!z || z->n == 0 || t < z->trans[0]) {
    *lo = INT64_MIN;
    *hi = z && z->n ? z->trans[0] : INT64_MAX;
    return z ? z->off0 : 0;
  }
  int a = 0, b = z->n - 1; /* last transition <= t */
  while (a < b) {
    int m = (a + b + 1) / 2;
    if (z->trans[m] <= t) a = m;
    else b = m - 1;
  }
  *lo = z->trans[a];
  *hi = a + 1 < z->n ? z->trans[a + 1] : INT64_MAX;
  return z->off[a];
}
