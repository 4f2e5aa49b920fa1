/* Logging: a process-wide level ($PYSTORE_LOG_LEVEL) and sink (stderr or a
 * user callback); calls to the sink are serialized. */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static atomic_int g_level = -1; /* -1 = not initialised yet */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static ps_log_fn g_sink;
static void *g_sink_user;

int ps_log_level_from_name(const char *name, ps_log_level *out) {
  static const struct { const char *n; ps_log_level l; } t[] = {
      {"DEBUG", PS_LOG_DEBUG}, {"INFO", PS_LOG_INFO},   {"WARNING", PS_LOG_WARNING}, {"WARN", PS_LOG_WARNING},
      {"ERROR", PS_LOG_ERROR}, {"CRITICAL", PS_LOG_ERROR}, {"OFF", PS_LOG_OFF},     {"NONE", PS_LOG_OFF}};
  if (name) {
    while (*name == ' ') name++;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
      if (strcasecmp(name, t[i].n) == 0) {
        *out = t[i].l;
        return PS_OK;
      }
  }
  return ps__error(PS_ERR_INVALID, "unknown log level '%s' (DEBUG, INFO, WARNING, ERROR, OFF)", name ? name : "(null)");
}

const char *ps_log_level_name(ps_log_level level) {
  switch (level) {
    case PS_LOG_DEBUG: return "DEBUG";
    case PS_LOG_INFO: return "INFO";
    case PS_LOG_WARNING: return "WARNING";
    case PS_LOG_ERROR: return "ERROR";
    default: return "OFF";
  }
}

static int level_from_env(void) {
  const char *e = getenv("PYSTORE_LOG_LEVEL");
  ps_log_level l = PS_LOG_WARNING;
  if (e && *e && ps_log_level_from_name(e, &l) < 0) {
    fprintf(stderr, "pystore: WARNING: ignoring PYSTORE_LOG_LEVEL='%s' (DEBUG, INFO, WARNING, ERROR, OFF)\n", e);
    l = PS_LOG_WARNING;
  }
  return (int)l;
}

static int cur_level(void) {
  int l = atomic_load(&g_level);
  if (l < 0) {
    int want = level_from_env();
    int expected = -1;
    atomic_compare_exchange_strong(&g_level, &expected, want);
    l = atomic_load(&g_level);
  }
  return l;
}

void ps_config_reload_env(void) {
  atomic_store(&g_level, level_from_env());
  ps__memory_reload_env();
}

void ps_log_set_level(ps_log_level level) { atomic_store(&g_level, (int)level); }
ps_log_level ps_log_get_level(void) { return (ps_log_level)cur_level(); }

void ps_log_set_sink(ps_log_fn fn, void *user) {
  pthread_mutex_lock(&g_mu);
  g_sink = fn;
  g_sink_user = user;
  pthread_mutex_unlock(&g_mu);
}

int ps__log_enabled(ps_log_level level) { return (int)level >= cur_level() && level < PS_LOG_OFF; }

void ps_log_message(ps_log_level level, const char *message) {
  if (!ps__log_enabled(level) || !message) return;
  pthread_mutex_lock(&g_mu);
  if (g_sink) g_sink(g_sink_user, level, message);
  else fprintf(stderr, "pystore: %s: %s\n", ps_log_level_name(level), message);
  pthread_mutex_unlock(&g_mu);
}

void ps__log(ps_log_level level, const char *fmt, ...) {
  if (!ps__log_enabled(level)) return;
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ps_log_message(level, buf);
}
