/* Internal logging: level check and printf-style emit (public API in pystore.h). */
#ifndef PS_UTIL_LOG_H
#define PS_UTIL_LOG_H

#include "pystore.h"
#include "util/error.h"

/* 1 if messages at `level` are emitted (cheap; reads the env on first use). */
int ps__log_enabled(ps_log_level level);
void ps__log(ps_log_level level, const char *fmt, ...) PS__PRINTF(2, 3);

#define PS_LOG_DEBUG_ON() ps__log_enabled(PS_LOG_DEBUG)
#define PS_DEBUG(...) do { if (ps__log_enabled(PS_LOG_DEBUG)) ps__log(PS_LOG_DEBUG, __VA_ARGS__); } while (0)
#define PS_INFO(...) do { if (ps__log_enabled(PS_LOG_INFO)) ps__log(PS_LOG_INFO, __VA_ARGS__); } while (0)
#define PS_WARN(...) do { if (ps__log_enabled(PS_LOG_WARNING)) ps__log(PS_LOG_WARNING, __VA_ARGS__); } while (0)

/* memory.c: re-read $PYSTORE_MEMORY_WARNING (called by ps_config_reload_env). */
void ps__memory_reload_env(void);

#endif
