/* Memory monitor: process RSS / peak and system memory from /proc, a usage
 * warning threshold ($PYSTORE_MEMORY_WARNING, default 0.8) reported through
 * the log sink, a process-wide default memory budget, frame size estimates. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/frame.h"
#include "util/log.h"

static _Atomic double g_warn = -1.0;
static _Atomic int64_t g_budget = 0;

static double warn_from_env(void) {
  const char *e = getenv("PYSTORE_MEMORY_WARNING");
  if (e && *e) {
    char *end;
    double v = strtod(e, &end);
    if (end != e && *end == 0 && v > 0 && v <= 1) return v;
    PS_WARN("ignoring PYSTORE_MEMORY_WARNING='%s' (a fraction in (0, 1])", e);
  }
  return 0.8;
}

void ps__memory_reload_env(void) { atomic_store(&g_warn, warn_from_env()); }

double ps_memory_warning(void) {
  double w = atomic_load(&g_warn);
  if (w < 0) {
    w = warn_from_env();
    atomic_store(&g_warn, w);
  }
  return w;
}

int ps_memory_set_warning(double fraction) {
  if (!(fraction > 0 && fraction <= 1)) return ps__error(PS_ERR_INVALID, "memory warning threshold %g is not in (0, 1]", fraction);
  atomic_store(&g_warn, fraction);
  return PS_OK;
}

void ps_memory_set_budget(int64_t bytes) { atomic_store(&g_budget, bytes > 0 ? bytes : 0); }
int64_t ps_memory_budget(void) { return atomic_load(&g_budget); }

/* "Key:   1234 kB" lines of a /proc file. */
static int read_kb_fields(const char *path, const char *const *keys, int64_t *vals, int n) {
  FILE *f = fopen(path, "r");
  if (!f) return ps__error(PS_ERR_UNSUPPORTED, "cannot read %s (memory figures need Linux /proc)", path);
  char line[256];
  while (fgets(line, sizeof line, f)) {
    for (int i = 0; i < n; i++) {
      size_t k = strlen(keys[i]);
      if (strncmp(line, keys[i], k) == 0 && line[k] == ':') vals[i] = strtoll(line + k + 1, NULL, 10) * 1024;
    }
  }
  fclose(f);
  return PS_OK;
}

int ps_memory_info_get(ps_memory_info *out) {
  if (!out) return ps__error(PS_ERR_INVALID, "ps_memory_info_get: out is NULL");
  memset(out, 0, sizeof *out);
  static const char *const pk[] = {"VmRSS", "VmHWM"};
  static const char *const sk[] = {"MemTotal", "MemAvailable"};
  int64_t p[2] = {-1, -1}, s[2] = {-1, -1};
  PS_TRY(read_kb_fields("/proc/self/status", pk, p, 2));
  PS_TRY(read_kb_fields("/proc/meminfo", sk, s, 2));
  if (p[0] < 0 || s[0] <= 0) return ps__error(PS_ERR_UNSUPPORTED, "/proc lacks VmRSS/MemTotal");
  out->rss_bytes = p[0];
  out->peak_rss_bytes = p[1] >= p[0] ? p[1] : p[0];
  out->system_total_bytes = s[0];
  out->system_available_bytes = s[1] >= 0 ? s[1] : 0;
  out->system_used_fraction = 1.0 - (double)out->system_available_bytes / (double)out->system_total_bytes;
  return PS_OK;
}

int ps_memory_check(const char *what) {
  ps_memory_info mi;
  PS_TRY(ps_memory_info_get(&mi));
  double w = ps_memory_warning();
  if (mi.system_used_fraction < w) return 0;
  PS_WARN("memory usage %.0f%% of %.0f MB is past the warning threshold %.0f%%%s%s (process RSS %.0f MB)",
          mi.system_used_fraction * 100, (double)mi.system_total_bytes / 1048576.0, w * 100, what ? " during " : "",
          what ? what : "", (double)mi.rss_bytes / 1048576.0);
  return 1;
}

int64_t ps_frame_memory_bytes(const ps_frame *f) {
  if (!f) return 0;
  int64_t b = 0;
  for (int i = 0; i < f->ncols; i++) {
    const ps_column *c = f->cols[i];
    if (ps_is_string_type(c->type)) b += (c->length + 1) * 8 + c->bytes_len;
    else b += c->length * (int64_t)ps_type_width(c->type);
    if (c->validity) b += (c->length + 7) / 8;
  }
  return b;
}
