#!/usr/bin/env python3
"""Python-layer overhead benchmark.

    PYTHONPATH=build-py/python /usr/bin/python3 bench/bench_python.py [rows] [repeats]

A frame of `rows` (default 1,000,000) x 20 float64 columns with a ns
DatetimeIndex is written, appended (a second frame after the stored range)
and read back, (a) through the pandas-level API (collection.write/append,
item.to_pandas) and (b) through the extension's raw calls with the column
description prebuilt from NumPy arrays (the "C" time: parquet encode/decode +
I/O + the bulk copy into the C frame; no pandas). Median of `repeats` runs,
no fsync (so that disk flushes do not dominate). The overhead is
(python - raw) / raw.

Phase-3 paths (C-backed since the extension wraps them):
* append_stream: the second frame fed as 10 DataFrames (a generator) to
  collection.append_stream (ps_item_append_stream, chunk_size 100,000),
  vs. the raw call fed prebuilt column specs; the reference is one append.
* read_batch: 8 items of rows/8 rows read with collection.read_batch
  (ps_read_batch on the C pool) vs. the raw call, and vs. a Python loop of
  item().to_pandas() (what read_batch was before).
"""
import os
import statistics
import sys

# the source tree's python/pystore has no extension: import the built package
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
import tempfile
import time

import numpy as np
import pandas as pd

import pystore
from pystore import _frames


def median_time(fn, repeats, setup=None):
    ts = []
    for _ in range(repeats):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rng = np.random.default_rng(0)
    idx = pd.date_range("2020-01-01", periods=rows, freq="S", name="ts")
    df = pd.DataFrame(rng.random((rows, 20)), index=idx, columns=["c%d" % i for i in range(20)])
    idx2 = pd.date_range(idx[-1] + pd.Timedelta(seconds=1), periods=rows, freq="S", name="ts")
    df2 = pd.DataFrame(rng.random((rows, 20)), index=idx2, columns=df.columns)

    tmp = tempfile.mkdtemp(prefix="pystore-bench-")
    pystore.set_path(tmp)
    pystore.config.NO_FSYNC = True
    coll = pystore.store("bench").collection("c")
    raw = coll._c
    spec, pmeta = _frames.to_spec(df)
    spec2, _ = _frames.to_spec(df2)
    meta_json = '{"_pystore_pandas": {}}'

    def drop(name):
        def f():
            if raw.exists(name):
                raw.delete_item(name)
        return f

    res = {}
    res["write", "python"] = median_time(lambda: coll.write("py", df), repeats, drop("py"))
    res["write", "raw"] = median_time(lambda: raw.write("raw", spec, meta_json), repeats, drop("raw"))

    def prep_py():
        drop("py")()
        coll.write("py", df)

    def prep_raw():
        drop("raw")()
        raw.write("raw", spec, meta_json)
    res["append", "python"] = median_time(lambda: coll.append("py", df2), repeats, prep_py)
    res["append", "raw"] = median_time(lambda: raw.append("raw", spec2), repeats, prep_raw)

    prep_py()
    prep_raw()
    res["read", "python"] = median_time(lambda: coll.item("py").to_pandas(), repeats)
    res["read", "raw"] = median_time(lambda: raw.read("raw"), repeats)

    # append_stream: the second frame in 10 pieces
    pieces = np.array_split(np.arange(rows), 10)
    frames2 = [df2.iloc[p[0]:p[-1] + 1] for p in pieces]
    specs2 = [_frames.to_spec(f)[0] for f in frames2]
    res["append_stream", "python"] = median_time(
        lambda: coll.append_stream("py", (f for f in frames2), chunk_size=100_000), repeats, prep_py)
    res["append_stream", "raw"] = median_time(
        lambda: raw.append_stream("raw", iter(specs2), chunk_rows=100_000), repeats, prep_raw)
    assert len(coll.item("py")) == 2 * rows

    # read_batch: 8 items
    k = 8
    part = max(1, rows // k)
    names = ["rb%d" % i for i in range(k)]
    coll.write_batch({n: df.iloc[i * part:(i + 1) * part] for i, n in enumerate(names)})
    entries = [(n, None, None, None, None, 0) for n in names]
    res["read_batch", "python"] = median_time(lambda: coll.read_batch(names), repeats)
    res["read_batch", "raw"] = median_time(lambda: raw.read_batch(entries), repeats)
    loop = median_time(lambda: {n: coll.item(n).to_pandas() for n in names}, repeats)

    print("rows=%d cols=20 float64 + ns DatetimeIndex, median of %d, no fsync" % (rows, repeats))
    print("%-14s %10s %10s %9s" % ("op", "python s", "raw C s", "overhead"))
    for op in ("write", "append", "read", "append_stream", "read_batch"):
        p, r = res[op, "python"], res[op, "raw"]
        print("%-14s %10.4f %10.4f %8.1f%%" % (op, p, r, 100.0 * (p - r) / r))
    print("append_stream (10 frames) vs one append: %.4f s vs %.4f s" % (res["append_stream", "python"],
                                                                          res["append", "python"]))
    print("read_batch (%d items x %d rows) vs a Python loop of to_pandas(): %.4f s vs %.4f s"
          % (k, part, res["read_batch", "python"], loop))
    back = coll.item("py").to_pandas()
    pd.testing.assert_frame_equal(back.iloc[:rows], df, check_freq=False)
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
