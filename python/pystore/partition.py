"""Partitioning helpers (PyStore 1.0 ``pystore.partition``).

An item is stored as Parquet parts whose index ranges do not overlap;
libpystore chooses part boundaries by row count (``part_rows``) and an
append after the stored range adds one part. ``rebalance_partitions``
rewrites an item into parts of about ``target_size_mb`` (size based) or one
part per calendar period (time based: one write of the first period plus
one cheap append per later period)."""
import pandas as pd

DEFAULT_PARTITION_SIZE_MB = 128
MIN_PARTITION_SIZE_MB = 32
MAX_PARTITION_SIZE_MB = 512


def _mem_mb(data):
    return float(data.memory_usage(deep=True).sum()) / (1024 * 1024)


def calculate_optimal_partitions(data, target_size_mb=DEFAULT_PARTITION_SIZE_MB, min_partitions=1,
                                 max_partitions=100):
    n = max(1, int(_mem_mb(data) / float(target_size_mb)))
    return max(min_partitions, min(max_partitions, n))


def _auto_freq(index):
    span = index.max() - index.min()
    if span < pd.Timedelta(days=365):
        return "MS"
    if span < pd.Timedelta(days=3 * 365):
        return "QS"
    return "YS"


def time_partitions(data, freq="auto"):
    """Split a frame with a DatetimeIndex into consecutive calendar periods."""
    if freq == "auto":
        freq = _auto_freq(data.index)
    period = {"MS": "M", "QS": "Q", "YS": "Y"}.get(freq, freq)
    idx = data.index.tz_localize(None) if data.index.tz is not None else data.index
    keys = idx.to_period(period)
    return [g for _, g in data.groupby(keys, sort=True)], freq


def optimize_time_series_partitions(data, freq="auto", min_partition_days=30):
    """-> (list of frames, number of partitions); PyStore returned a dask frame."""
    parts, _ = time_partitions(data, freq)
    return parts, len(parts)


def rebalance_partitions(collection, item, target_size_mb=DEFAULT_PARTITION_SIZE_MB, time_based=True):
    """Rewrite ``item`` into better-sized parts and record ``_partitions`` and
    ``_partition_strategy`` in its metadata. Keeps the item's metadata. Not
    atomic in the time-based case (readers may briefly see only the first
    period): run it when nothing else reads the item."""
    it = collection.item(item)
    df = it.to_pandas()
    meta = {k: v for k, v in it.metadata.items() if k != "_updated"}
    if time_based and isinstance(df.index, pd.DatetimeIndex) and len(df) > 1:
        parts, freq = time_partitions(df)
        meta["_partitions"] = len(parts)
        meta["_partition_strategy"] = "time_based"
        collection.write(item, parts[0], metadata=meta, overwrite=True, npartitions=1)
        for p in parts[1:]:
            collection.append(item, p, duplicates="keep_all", npartitions=1)
        return None
    n = calculate_optimal_partitions(df, target_size_mb)
    meta["_partitions"] = n
    meta["_partition_strategy"] = "size_based"
    collection.write(item, df, metadata=meta, overwrite=True, npartitions=n)
    return None
