"""Memory helpers (PyStore 1.0 ``pystore.memory``), without psutil:
system figures come from /proc (Linux) and resource.getrusage."""
import contextlib
import gc
import os
import resource

import numpy as np
import pandas as pd

from .logger import get_logger

log = get_logger("pystore.memory")

MEMORY_WARNING_THRESHOLD = float(os.environ.get("PYSTORE_MEMORY_WARNING", 0.8))
MEMORY_CRITICAL_THRESHOLD = 0.9
_GB = 1024.0 ** 3


def _meminfo():
    out = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                k, v = line.split(":", 1)
                out[k] = float(v.split()[0]) * 1024
    except OSError:
        pass
    return out


def _rss_vms():
    try:
        with open("/proc/self/statm") as f:
            vms, rss = [int(x) for x in f.read().split()[:2]]
        page = os.sysconf("SC_PAGE_SIZE")
        return rss * page, vms * page
    except (OSError, ValueError):
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_maxrss * 1024, 0


def get_memory_info():
    m = _meminfo()
    total = m.get("MemTotal", 0.0)
    avail = m.get("MemAvailable", m.get("MemFree", 0.0))
    rss, vms = _rss_vms()
    return {"total_gb": total / _GB, "available_gb": avail / _GB,
            "used_percent": (1.0 - avail / total) if total else 0.0,
            "process_rss_gb": rss / _GB, "process_vms_gb": vms / _GB}


def check_memory_usage():
    info = get_memory_info()
    if info["used_percent"] > MEMORY_CRITICAL_THRESHOLD:
        log.warning("critical memory usage: %.0f%%", info["used_percent"] * 100)
    elif info["used_percent"] > MEMORY_WARNING_THRESHOLD:
        log.warning("high memory usage: %.0f%%", info["used_percent"] * 100)
    return info


class MemoryMonitor(object):
    """Context manager: records RSS before/after (``start_rss_gb``,
    ``end_rss_gb``, ``delta_gb``, ``peak_rss_gb``), warns past the threshold,
    runs gc.collect() on exit."""

    def __init__(self, warn_threshold=MEMORY_WARNING_THRESHOLD):
        self.warn_threshold = warn_threshold
        self.start_rss_gb = self.end_rss_gb = self.delta_gb = self.peak_rss_gb = None

    def __enter__(self):
        self.start_rss_gb = _rss_vms()[0] / _GB
        return self

    def __exit__(self, *exc):
        self.end_rss_gb = _rss_vms()[0] / _GB
        self.delta_gb = self.end_rss_gb - self.start_rss_gb
        self.peak_rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / _GB
        info = get_memory_info()
        if self.delta_gb > 0.1:
            log.info("memory grew by %.2f GB", self.delta_gb)
        if info["used_percent"] > self.warn_threshold:
            log.warning("system memory usage %.0f%% above %.0f%%", info["used_percent"] * 100,
                        self.warn_threshold * 100)
        gc.collect()
        return False


def estimate_dataframe_memory(df):
    """In-memory size in GB."""
    return float(df.memory_usage(deep=True).sum()) / _GB


def optimize_dataframe_memory(df, deep=True, inplace=False):
    """Downcast integers by range; object columns with < 50% distinct values
    become categorical; floats become float32 only where exact (PyStore
    converted lossily and to categoricals). Returns a new frame unless
    ``inplace=True`` (PyStore always mutated the caller's frame)."""
    out = df if inplace else df.copy()
    before = out.memory_usage(deep=True).sum()
    for c in out.columns:
        s = out[c]
        kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else None
        if kind in "iu" and kind is not None and len(s):
            out[c] = pd.to_numeric(s, downcast="integer" if kind == "i" else "unsigned")
        elif kind == "f" and deep and len(s):
            f32 = s.astype(np.float32)
            if np.array_equal(f32.astype(s.dtype).to_numpy(), s.to_numpy(), equal_nan=True):
                out[c] = f32
        elif s.dtype == object and len(s) and s.nunique(dropna=True) < 0.5 * len(s):
            out[c] = s.astype("category")
    after = out.memory_usage(deep=True).sum()
    log.info("optimize_dataframe_memory: %d -> %d bytes", before, after)
    return out


def read_in_chunks(collection, item, chunk_size=100000, columns=None, filters=None):
    """Yield the item as DataFrames of at most ``chunk_size`` rows, in index
    order. Each chunk is one C read bounded by the index (start = last index
    value seen, limit), so only the parts holding it are opened; memory stays
    at one chunk. Works with duplicate index values."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    start, skip = None, 0
    while True:
        it = collection.item(item, columns=columns, filters=filters)
        df = it.read(start=start, limit=chunk_size + skip)
        if skip:
            df = df.iloc[skip:]
        if len(df) == 0:
            return
        yield df
        if len(df) < chunk_size:
            return
        last = df.index[-1]
        same = int((df.index == last).sum())
        skip = same + (skip if start is not None and _eq(start, last) else 0)
        start = last


def _eq(a, b):
    try:
        return bool(a == b)
    except Exception:
        return False


@contextlib.contextmanager
def memory_efficient_read(chunk_size=50000):
    gc.collect()
    try:
        yield chunk_size
    finally:
        gc.collect()
