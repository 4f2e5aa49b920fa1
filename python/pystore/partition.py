"""Partitioning helpers (PyStore 1.0 ``pystore.partition``).

An item is stored as Parquet parts whose index ranges do not overlap.
``rebalance_partitions`` rewrites an item's parts under a strategy with
libpystore's ``ps_item_rebalance`` — one atomic commit, streamed part by
part — and the strategy is remembered in the item's manifest: later
appends, stream appends and compactions follow it (``get_partitioning``).
Strategies: ``size`` (parts of about ``target_size_mb`` of in-memory row
bytes), ``monthly`` / ``quarterly`` / ``yearly`` (a part never spans two
calendar periods of the index, in the index's time zone), ``auto`` (the C
rule: the coarsest period whose average part stays under the target)."""
import pandas as pd

from .exceptions import ValidationError

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


STRATEGIES = ("size", "monthly", "quarterly", "yearly", "auto")
_FREQ_STRATEGY = {"MS": "monthly", "QS": "quarterly", "YS": "yearly"}


def _time_strategy(collection, item):
    """PyStore's time-based rule for a datetime index (span < 1 year:
    monthly, < 3 years: quarterly, else yearly) from the cached part
    bounds, or None if the index is not a timestamp/date."""
    cols, ix = collection._c.schema(item)
    types = {c[0]: c[1] for c in cols}
    if types.get(ix) not in ("timestamp", "date"):
        return None
    parts = collection._c.parts(item)
    lo = [p["min"] for p in parts if p["min"]]
    hi = [p["max"] for p in parts if p["max"]]
    if not lo or not hi:
        return "monthly"
    span = pd.Timestamp(max(hi)) - pd.Timestamp(min(lo))
    return _FREQ_STRATEGY[_auto_freq(pd.DatetimeIndex([pd.Timestamp(min(lo)), pd.Timestamp(min(lo)) + span]))]


def get_partitioning(collection, item):
    """The item's remembered strategy: {'strategy': 'monthly'|...|'none',
    'target_bytes': int, 'partitions': number of parts}."""
    strategy, target = collection._c.partitioning(item)
    return {"strategy": strategy, "target_bytes": target, "partitions": len(collection._c.parts(item))}


def partition_stats(collection, item):
    """Per-part statistics (cached): [{'file', 'rows', 'bytes', 'min', 'max'}]."""
    return collection._c.parts(item)


def rebalance_partitions(collection, item, target_size_mb=DEFAULT_PARTITION_SIZE_MB, time_based=True,
                         strategy=None):
    """Rewrite ``item`` into parts under a partition strategy, atomically
    (``ps_item_rebalance``: one commit; readers see the old or the new
    parts, never a mix). Rows, their order, the schema and the metadata are
    unchanged; the strategy is remembered for later appends.

    ``strategy``: "size", "monthly", "quarterly", "yearly", "auto" (C rule),
    or PyStore's "time_based" / "size_based". Default (None): with
    ``time_based`` and a datetime index, PyStore's rule (index span < 1
    year: monthly, < 3 years: quarterly, else yearly); otherwise size based.
    ``target_size_mb``: the size target (also splits periods bigger than it).

    Returns {'strategy', 'target_bytes', 'partitions'} (PyStore returned
    None). Unlike PyStore 1.0, ``_partitions`` / ``_partition_strategy`` are
    not written into the user metadata: the manifest records the strategy
    (see ``get_partitioning``)."""
    if strategy in (None, "time_based"):
        chosen = _time_strategy(collection, item) if (time_based or strategy == "time_based") else None
        if chosen is None and strategy == "time_based":
            raise ValidationError("time-based partitioning needs a timestamp or date index (item '%s')" % item)
        strategy = chosen or "size"
    elif strategy == "size_based":
        strategy = "size"
    if strategy not in STRATEGIES:
        raise ValidationError("strategy must be one of %s, got %r" % (", ".join(STRATEGIES), strategy))
    target = int(float(target_size_mb) * 1024 * 1024) if target_size_mb else 0
    collection._c.rebalance(item, strategy, target)
    return get_partitioning(collection, item)
