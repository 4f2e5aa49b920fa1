"""Logging as PyStore 1.0: loggers under ``pystore.*``, level from
``PYSTORE_LOG_LEVEL`` (default WARNING).

libpystore's own log (``ps_log_*``: parts/row groups/pages pruned, stream
spills and merges, parts written, memory warnings, per-item batch
failures) is bridged into Python ``logging``: a C sink installed with
``ps_log_set_sink`` hands every message to the logger ``pystore.c``
(levels map 1:1: DEBUG=10 ... ERROR=40). The sink may run on a C worker
thread; it takes the GIL for the duration of the ``logging`` call only.
The C library only formats messages at or above its own level, so
``set_level`` (and ``setup_logging``) keep the two in step; if you change
the ``pystore`` logger's level directly, call ``sync_level()``."""
import atexit
import logging
import os

from . import _pystore

C_LOGGER = "pystore.c"
_configured = False
_bridged = False


def _c_sink(level, message):
    lg = logging.getLogger(C_LOGGER)
    if lg.isEnabledFor(level):
        lg.log(level, message)


def _level_number(level):
    if isinstance(level, str):
        name = level.strip().upper()
        if name == "WARN":
            name = "WARNING"
        if name == "OFF":
            return logging.CRITICAL + 10
        return getattr(logging, name, logging.WARNING)
    return int(level)


def install_bridge():
    """Route libpystore's log into ``logging`` (done at import)."""
    global _bridged
    _pystore.log_set_sink(_c_sink)
    _bridged = True


def remove_bridge():
    """Back to libpystore's default sink (stderr)."""
    global _bridged
    _pystore.log_set_sink(None)
    _bridged = False


def sync_level():
    """Set libpystore's level to the effective level of the ``pystore.c``
    logger, so the C side formats exactly the messages Python would emit."""
    eff = logging.getLogger(C_LOGGER).getEffectiveLevel()
    if eff >= logging.CRITICAL:
        _pystore.log_set_level(100)  # OFF (the library never logs CRITICAL)
    else:
        _pystore.log_set_level(max(logging.DEBUG, eff))
    return eff


def set_level(level):
    """Set the level of the ``pystore`` loggers and of libpystore together."""
    lv = _level_number(level)
    logging.getLogger("pystore").setLevel(lv)
    sync_level()
    return lv


def setup_logging(level=None):
    global _configured
    level = level or os.environ.get("PYSTORE_LOG_LEVEL", "WARNING")
    root = logging.getLogger("pystore")
    root.setLevel(_level_number(level))
    if not root.handlers:
        h = logging.StreamHandler()
        h.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
        root.addHandler(h)
    if not _bridged:
        install_bridge()
    sync_level()
    _configured = True
    return root


def get_logger(name="pystore"):
    if not _configured:
        setup_logging()
    if not name.startswith("pystore"):
        name = "pystore." + name
    return logging.getLogger(name)


# the sink must be gone before the interpreter finalizes (C threads could
# otherwise try to take the GIL of a dying interpreter)
atexit.register(lambda: _pystore.log_set_sink(None))
