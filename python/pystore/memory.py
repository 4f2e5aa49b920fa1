"""Memory helpers (PyStore 1.0 ``pystore.memory``), on libpystore:
``ps_memory_info_get`` (RSS, peak RSS, system total/available from /proc),
``ps_memory_set_warning`` / ``ps_memory_check`` (the warning threshold the
C streaming/batch/chunked paths check as they go) and chunked reads with
``ps_item_chunks_open``. No psutil."""
import contextlib
import gc
import json
import os

import numpy as np
import pandas as pd

from . import _frames, _pystore
from .filters import normalize
from .item import _bound
from .logger import get_logger

log = get_logger("pystore.memory")

MEMORY_WARNING_THRESHOLD = float(os.environ.get("PYSTORE_MEMORY_WARNING", 0.8))
MEMORY_CRITICAL_THRESHOLD = 0.9
_GB = 1024.0 ** 3


def set_memory_warning(fraction):
    """Threshold (0, 1] on the system's used fraction above which libpystore
    (and ``check_memory_usage``) log a WARNING."""
    global MEMORY_WARNING_THRESHOLD
    _pystore.memory_set_warning(float(fraction))
    MEMORY_WARNING_THRESHOLD = float(fraction)


def set_memory_budget(nbytes):
    """Process-wide default budget (bytes; 0 = none) that libpystore's
    budgeted reads/appends and chunked reads check (``ps_memory_set_budget``)."""
    _pystore.memory_set_budget(int(nbytes))


def get_memory_budget():
    return _pystore.memory_budget()


def _vms():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def get_memory_info():
    """{'total_gb', 'available_gb', 'used_percent' (0-1), 'process_rss_gb',
    'process_vms_gb', 'process_peak_rss_gb'} (``ps_memory_info_get``; the
    virtual size is not in the C figures and is read from /proc here)."""
    m = _pystore.memory_info()
    return {"total_gb": m["system_total_bytes"] / _GB, "available_gb": m["system_available_bytes"] / _GB,
            "used_percent": m["system_used_fraction"],
            "process_rss_gb": m["rss_bytes"] / _GB, "process_vms_gb": _vms() / _GB,
            "process_peak_rss_gb": m["peak_rss_bytes"] / _GB}


def check_memory_usage():
    """Log above the thresholds: critical (0.9) here, the warning threshold
    through libpystore's ``ps_memory_check`` (same message the C paths log)."""
    info = get_memory_info()
    if info["used_percent"] > MEMORY_CRITICAL_THRESHOLD:
        log.warning("critical memory usage: %.0f%%", info["used_percent"] * 100)
    else:
        _pystore.memory_check("check_memory_usage")
    return info


class MemoryMonitor(object):
    """Context manager over ``ps_memory_info_get``: records the RSS before
    and after (``start_rss_gb``, ``end_rss_gb``, ``delta_gb``), the peak RSS
    (``peak_rss_gb``, the process high-water mark) and the system usage at
    exit (``system_used_percent``); logs if the RSS grew by more than 0.1 GB
    or the system usage is above ``warn_threshold``; gc.collect() on exit."""

    def __init__(self, warn_threshold=None):
        self.warn_threshold = MEMORY_WARNING_THRESHOLD if warn_threshold is None else warn_threshold
        self.start_rss_gb = self.end_rss_gb = self.delta_gb = self.peak_rss_gb = None
        self.system_used_percent = None

    def __enter__(self):
        self.start_rss_gb = _pystore.memory_info()["rss_bytes"] / _GB
        return self

    def __exit__(self, *exc):
        m = _pystore.memory_info()
        self.end_rss_gb = m["rss_bytes"] / _GB
        self.peak_rss_gb = m["peak_rss_bytes"] / _GB
        self.delta_gb = self.end_rss_gb - self.start_rss_gb
        self.system_used_percent = m["system_used_fraction"]
        if self.delta_gb > 0.1:
            log.info("memory grew by %.2f GB", self.delta_gb)
        if self.system_used_percent > self.warn_threshold:
            log.warning("system memory usage %.0f%% above %.0f%%", self.system_used_percent * 100,
                        self.warn_threshold * 100)
        gc.collect()
        return False


def estimate_dataframe_memory(df):
    """In-memory size in GB."""
    return float(df.memory_usage(deep=True).sum()) / _GB


def _smallest_int(s):
    lo, hi = s.min(), s.max()
    if lo >= 0:
        for t in (np.uint8, np.uint16, np.uint32, np.uint64):
            if hi <= np.iinfo(t).max:
                return np.dtype(t)
    for t in (np.int8, np.int16, np.int32, np.int64):
        if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max:
            return np.dtype(t)
    return s.dtype


def optimize_dataframe_memory(df, deep=True, inplace=False, lossy_floats=False, dictionary_ratio=0.5,
                              return_report=False):
    """Downcast a DataFrame with the rules of libpystore's ``ps_frame_optimize``
    (it works on a pandas frame, so it stays pandas-level): integers ->
    the smallest type holding their range (unsigned when no value is
    negative); float64 -> float32 only if every value round-trips exactly
    (``deep``), unless ``lossy_floats``; string columns whose distinct/rows
    ratio is under ``dictionary_ratio`` become categorical (the pandas
    counterpart of the C side's dictionary candidates). The index is never
    changed. Returns a new frame unless ``inplace=True`` (PyStore always
    mutated the caller's frame). The report has the fields of
    ``ps_optimize_report`` ({bytes_before, bytes_after, columns_changed,
    dictionary_columns, lossy, details: [{column, from, to, dictionary}]});
    it is logged at INFO and returned as ``(df, report)`` with
    ``return_report=True``."""
    out = df if inplace else df.copy()
    before = int(out.memory_usage(deep=True).sum())
    details, changed, dictionary, lossy = [], 0, 0, False
    for c in list(out.columns):
        s = out[c]
        dt = s.dtype
        kind = dt.kind if isinstance(dt, np.dtype) else None
        if not len(s):
            continue
        if kind in ("i", "u"):
            new = _smallest_int(s)
            if new != dt:
                out[c] = s.astype(new)
                details.append({"column": str(c), "from": str(dt), "to": str(new), "dictionary": False})
                changed += 1
        elif kind == "f" and dt == np.float64 and (deep or lossy_floats):
            f32 = s.astype(np.float32)
            exact = np.array_equal(f32.astype(np.float64).to_numpy(), s.to_numpy(), equal_nan=True)
            if exact or lossy_floats:
                out[c] = f32
                lossy = lossy or not exact
                details.append({"column": str(c), "from": "float64", "to": "float32", "dictionary": False})
                changed += 1
        elif (dt == object or isinstance(dt, pd.StringDtype)) and \
                pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty") and \
                s.nunique(dropna=True) < dictionary_ratio * len(s):
            out[c] = s.astype("category")
            details.append({"column": str(c), "from": "string", "to": "category", "dictionary": True})
            dictionary += 1
    after = int(out.memory_usage(deep=True).sum())
    report = {"bytes_before": before, "bytes_after": after, "columns_changed": changed,
              "dictionary_columns": dictionary, "lossy": lossy, "details": details,
              "details_json": json.dumps(details)}
    log.info("optimize: %d -> %d bytes (%d columns changed, %d dictionary columns%s)", before, after, changed,
             dictionary, ", lossy" if lossy else "")
    return (out, report) if return_report else out


def read_in_chunks(collection, item, chunk_size=100000, columns=None, filters=None, start=None, end=None,
                   snapshot=None, memory_budget=0):
    """Yield the item as DataFrames of exactly ``chunk_size`` rows (the last
    may be shorter), in index order, through libpystore's chunked reader
    (``ps_item_chunks_open``): the item version is fixed when the first
    chunk is requested, parts are chosen from the manifest bounds
    (``start``/``end``/``filters``), row groups are read lazily (memory: one
    chunk plus one row group). ``memory_budget`` (bytes, 0 = the process
    default): StorageError at open if one chunk would exceed it."""
    if chunk_size is None or int(chunk_size) <= 0:
        raise ValueError("chunk_size must be positive")
    c = collection._c
    text = c.metadata(item, snapshot) if snapshot else c.cached_metadata(item)
    pmeta = json.loads(text).get(_frames.PANDAS_META_KEY)
    cols = list(columns) if columns is not None else None
    filt = normalize(filters, lambda col: collection._filter_column(item, col, snapshot, pmeta))
    reader = c.chunks(item, columns=[str(x) for x in cols] if cols is not None else None, filters=filt,
                      start=_bound(start), end=_bound(end), chunk_rows=int(chunk_size), snapshot=snapshot,
                      memory_budget=int(memory_budget or 0))
    try:
        for res in reader:
            yield _frames.from_result(res, pmeta, cols)
    finally:
        reader.close()


@contextlib.contextmanager
def memory_efficient_read(chunk_size=50000):
    gc.collect()
    try:
        yield chunk_size
    finally:
        gc.collect()
