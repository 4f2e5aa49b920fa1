"""Logging as PyStore 1.0: loggers under ``pystore.*``, level from
``PYSTORE_LOG_LEVEL`` (default WARNING)."""
import logging
import os

_configured = False


def setup_logging(level=None):
    global _configured
    level = level or os.environ.get("PYSTORE_LOG_LEVEL", "WARNING")
    if isinstance(level, str):
        level = getattr(logging, level.upper(), logging.WARNING)
    root = logging.getLogger("pystore")
    root.setLevel(level)
    if not root.handlers:
        h = logging.StreamHandler()
        h.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
        root.addHandler(h)
    _configured = True
    return root


def get_logger(name="pystore"):
    if not _configured:
        setup_logging()
    if not name.startswith("pystore"):
        name = "pystore." + name
    return logging.getLogger(name)
