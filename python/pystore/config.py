"""Process-wide settings (PyStore's ``config``)."""
import os
from pathlib import Path

PARTITION_SIZE = 99e6  # bytes of in-memory data per part (PyStore's rule; C default)
DEFAULT_PATH = None    # None: $PYSTORE_PATH (read at each call), else ~/pystore
NO_FSYNC = False       # True: skip fsync on commit (faster, not power-loss safe)
LOCK_TIMEOUT_MS = 0    # 0: writers wait for each other forever


def get_base():
    if DEFAULT_PATH is not None:
        return Path(DEFAULT_PATH)
    env = os.environ.get("PYSTORE_PATH")
    if env:
        return Path(env).expanduser()
    return Path.home() / "pystore"
