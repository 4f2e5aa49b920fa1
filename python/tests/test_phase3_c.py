"""The C-backed Phase-3 paths: streaming append, batches, chunked reads,
rebalance, metadata cache across processes, the logging bridge, memory."""
import logging
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import pystore
from pystore import exceptions as ex
from pystore.memory import get_memory_info, optimize_dataframe_memory, read_in_chunks
from pystore.partition import get_partitioning, rebalance_partitions

DUPS = ("keep_last", "keep_first", "keep_all", "error")


def frame(n, start="2024-01-01", freq="T", seed=0, offset=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"v": np.arange(offset, offset + n, dtype=np.int64), "x": rng.random(n),
                         "s": rng.choice(["a", "b", "c"], n)},
                        index=pd.date_range(start, periods=n, freq=freq, name="ts"))


def chunks_of(df, size):
    return [df.iloc[k:k + size] for k in range(0, len(df), size)]


def item_files(coll, item):
    """Data/metadata files of an item (the lock file a writer leaves is not data)."""
    return sorted(f for f in os.listdir(coll.get_item_path(item)) if f != ".lock")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def clog():
    """Capture the C log bridged into logging ('pystore.c') at DEBUG."""
    h = Capture()
    lg = logging.getLogger("pystore.c")
    lg.addHandler(h)
    old = logging.getLogger("pystore").level
    pystore.logger.set_level("DEBUG")
    try:
        yield h
    finally:
        lg.removeHandler(h)
        pystore.logger.set_level(old)


# ---- streaming append -------------------------------------------------------

def stream_cases():
    base = frame(500)
    later = frame(1000, start=base.index[-1] + pd.Timedelta(minutes=1), seed=1, offset=500)
    in_order = chunks_of(later, 90)
    # out of order + overlapping the stored rows + duplicates inside and across chunks
    rng = np.random.default_rng(7)
    mixed = frame(1200, start="2023-12-31 22:00", seed=2, offset=10_000)
    mixed = mixed.iloc[rng.permutation(len(mixed))]
    mixed = pd.concat([mixed, mixed.iloc[:150].assign(v=lambda d: d.v + 100_000)])
    return base, {"in_order": in_order, "out_of_order": chunks_of(mixed, 130)}


@pytest.mark.parametrize("order", ["in_order", "out_of_order"])
@pytest.mark.parametrize("dups", DUPS)
def test_stream_equals_one_append(test_collection, order, dups):
    base, cases = stream_cases()
    chunks = cases[order]
    test_collection.write("a", base)
    test_collection.write("b", base)
    try:
        test_collection.append("b", pd.concat(chunks), duplicates=dups)
        expected_error = None
    except ex.DataIntegrityError as e:
        expected_error = e
    if expected_error is not None:
        assert dups == "error"
        before = item_files(test_collection, "a")
        with pytest.raises(ex.DataIntegrityError):
            test_collection.append_stream("a", iter(chunks), chunk_size=100, duplicates=dups)
        assert item_files(test_collection, "a") == before  # nothing committed, temporaries removed
        assert_frame_equal(test_collection.item("a").to_pandas(), base, check_freq=False)
        return
    test_collection.append_stream("a", iter(chunks), chunk_size=100, duplicates=dups)
    got = test_collection.item("a").to_pandas()
    assert_frame_equal(got, test_collection.item("b").to_pandas(), check_freq=False)
    stats = test_collection.last_append_stream
    assert stats["rows"] == sum(len(c) for c in chunks)
    if order == "out_of_order":
        assert stats["spilled_runs"] > 0  # the merge path was taken
    else:
        assert stats["spilled_runs"] == 0


def test_stream_duplicate_handling_alias_and_single_commit(test_collection):
    base = frame(100)
    test_collection.write("s", base)
    v0 = test_collection.item("s").info()["version"]
    upd = base.iloc[::10].assign(v=-1)
    test_collection.append_stream("s", iter(chunks_of(upd, 3)), chunk_size=4, duplicate_handling="keep_first")
    assert (test_collection.item("s").to_pandas()["v"] >= 0).all()
    assert test_collection.item("s").info()["version"] == v0 + 1  # one commit for the whole stream
    test_collection.append_stream("s", iter(chunks_of(upd, 3)), chunk_size=4)  # default keep_last
    assert (test_collection.item("s").to_pandas()["v"] == -1).sum() == 10


def test_failing_iterator_commits_nothing(test_collection):
    base = frame(300)
    test_collection.write("f", base)
    files = item_files(test_collection, "f")
    info = test_collection.item("f").info()

    class Boom(Exception):
        pass

    def gen():
        more = frame(500, start="2030-01-01", offset=1000)
        for c in chunks_of(more, 100)[:3]:
            yield c
        # out of order too, so runs were spilled before the failure
        yield frame(50, start="2020-01-01", offset=5000)
        raise Boom("iterator failed")

    with pytest.raises(Boom, match="iterator failed"):
        test_collection.append_stream("f", gen(), chunk_size=40)
    assert test_collection.item("f").info() == info
    assert item_files(test_collection, "f") == files
    assert_frame_equal(test_collection.item("f").to_pandas(), base, check_freq=False)
    # a non-DataFrame chunk aborts the same way
    with pytest.raises(ex.ValidationError):
        test_collection.append_stream("f", iter([frame(5, start="2031-01-01"), [1, 2]]))
    assert test_collection.item("f").info() == info
    # a failing stream that would create the item creates nothing
    with pytest.raises(Boom):
        test_collection.append_stream("new", gen(), create=True)
    assert "new" not in test_collection.list_items()


def test_stream_create_and_schema_mismatch(test_collection):
    df = frame(1000)
    with pytest.raises(ex.ItemNotFoundError):
        test_collection.append_stream("c", iter(chunks_of(df, 100)))
    test_collection.append_stream("c", iter(chunks_of(df, 100)), create=True, chunk_size=250)
    assert_frame_equal(test_collection.item("c").to_pandas(), df, check_freq=False)
    with pytest.raises(ex.SchemaError):
        test_collection.append_stream("c", iter([frame(10, start="2030-01-01").rename(columns={"x": "y"})]))
    assert len(test_collection.item("c")) == 1000
    test_collection.append_stream("c", iter([]))  # empty stream: no-op


# ---- batches ----------------------------------------------------------------

def test_write_batch_one_failing_item(test_collection):
    test_collection.write("exists", frame(10))
    data = {"b%d" % k: frame(200, seed=k) for k in range(4)}
    data["exists"] = frame(20)
    data["bad"] = pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([(1, 2), (3, 4)]))
    with pytest.raises(ex.StorageError, match="partially failed: 2/6") as ei:
        test_collection.write_batch(data, metadata={"b1": {"source": "q"}}, threads=3)
    errs = ei.value.errors
    assert set(errs) == {"exists", "bad"}
    assert isinstance(errs["exists"], ex.ItemExistsError)
    assert isinstance(errs["bad"], ex.SchemaError)
    assert sorted(ei.value.succeeded) == ["b0", "b1", "b2", "b3"]
    for k in range(4):
        assert_frame_equal(test_collection.item("b%d" % k).to_pandas(), data["b%d" % k], check_freq=False)
    assert test_collection.item("b1").metadata["source"] == "q"
    assert len(test_collection.item("exists")) == 10
    # list form + overwrite
    test_collection.write_batch([("exists", frame(30)), ("b0", frame(5))], overwrite=True, parallel=False)
    assert len(test_collection.item("exists")) == 30 and len(test_collection.item("b0")) == 5


def test_read_batch_errors_per_item(test_collection):
    data = {"r%d" % k: frame(300, seed=k) for k in range(3)}
    test_collection.write_batch(data)
    out = test_collection.read_batch(["r0", "missing", "r1", "r2"], columns={"r1": ["x"]},
                                     filters={"r2": [("s", "==", "a"), ("v", ">=", 100)]}, threads=2)
    assert list(out) == ["r0", "missing", "r1", "r2"]
    assert out["missing"] is None
    assert isinstance(test_collection.last_batch_errors["missing"], ex.ItemNotFoundError)
    assert_frame_equal(out["r0"], data["r0"], check_freq=False)
    assert_frame_equal(out["r1"], data["r1"][["x"]], check_freq=False)
    d2 = data["r2"]
    assert_frame_equal(out["r2"], d2[(d2.s == "a") & (d2.v >= 100)], check_freq=False)
    with pytest.raises(ex.StorageError, match="partially failed: 1/2") as ei:
        test_collection.read_batch(["r0", "missing"], raise_errors=True)
    assert set(ei.value.errors) == {"missing"} and ei.value.results["r0"] is not None


# ---- chunked reading --------------------------------------------------------

def test_read_in_chunks_100k(test_collection):
    df = frame(100_000)
    test_collection.write("c", df, npartitions=7)
    chunks = list(read_in_chunks(test_collection, "c", chunk_size=10_000))
    assert [len(c) for c in chunks] == [10_000] * 10
    assert_frame_equal(pd.concat(chunks), df, check_freq=False)
    # bounds, columns and filters are pushed down
    lo, hi = df.index[12_345], df.index[77_777]
    got = pd.concat(read_in_chunks(test_collection, "c", chunk_size=9_999, columns=["v", "s"],
                                   filters=[("s", "==", "b")], start=lo, end=hi))
    exp = df.loc[lo:hi]
    assert_frame_equal(got, exp[exp.s == "b"][["v", "s"]], check_freq=False)


def test_read_in_chunks_fixes_version(test_collection):
    df = frame(30_000)
    test_collection.write("v", df)
    it = read_in_chunks(test_collection, "v", chunk_size=10_000)
    first = next(it)
    test_collection.write("v", frame(10), overwrite=True)  # a writer commits meanwhile
    rest = list(it)
    assert_frame_equal(pd.concat([first] + rest), df, check_freq=False)


# ---- partitioning -------------------------------------------------------------

def test_rebalance_preserves_rows_metadata_and_remembers_strategy(test_collection):
    df = frame(100_000)  # 2024-01-01 .. ~2024-03-10, by minute
    test_collection.write("p", df, metadata={"source": "q", "n": 3}, npartitions=9)
    meta = test_collection.item("p").metadata
    assert get_partitioning(test_collection, "p")["strategy"] == "none"
    res = rebalance_partitions(test_collection, "p", strategy="monthly")
    assert res == {"strategy": "monthly", "target_bytes": res["target_bytes"], "partitions": 3}
    it = test_collection.item("p")
    assert_frame_equal(it.to_pandas(), df, check_freq=False)
    m2 = it.metadata
    assert {k: v for k, v in m2.items() if k != "_updated"} == {k: v for k, v in meta.items() if k != "_updated"}
    # remembered: an append follows it (new rows in March rewrite the March part; April adds one)
    more = frame(40 * 24 * 60, start=df.index[-1] + pd.Timedelta(minutes=1), offset=100_000)
    test_collection.append("p", more)
    assert get_partitioning(test_collection, "p")["strategy"] == "monthly"
    parts = pystore.partition.partition_stats(test_collection, "p")
    assert len(parts) == 4  # Jan, Feb, Mar, Apr
    months = [(pd.Timestamp(p["min"]).month, pd.Timestamp(p["max"]).month) for p in parts]
    assert all(a == b for a, b in months)
    assert_frame_equal(test_collection.item("p").to_pandas(), pd.concat([df, more]), check_freq=False)
    # size based
    res = rebalance_partitions(test_collection, "p", target_size_mb=0.5, time_based=False)
    assert res["strategy"] == "size" and res["partitions"] > 4
    assert get_partitioning(test_collection, "p")["strategy"] == "size"
    with pytest.raises(ex.ValidationError):
        rebalance_partitions(test_collection, "p", strategy="weekly")


# ---- metadata cache ---------------------------------------------------------------

def test_cache_not_stale_after_write_from_another_process(test_collection, sample_data):
    test_collection.write("m", sample_data, metadata={"v": 1})
    assert test_collection.get_item_metadata("m")["v"] == 1
    assert test_collection.get_item_metadata("m")["v"] == 1  # a cache hit
    assert pystore.cache_stats()["hits"] >= 1
    assert test_collection.items == {"m"}
    pkg_parent = os.path.dirname(os.path.dirname(pystore.__file__))
    code = textwrap.dedent("""
        import sys, pandas as pd, pystore
        pystore.set_path(sys.argv[1])
        c = pystore.store("test_store").collection("test_collection")
        df = c.item("m").to_pandas()
        c.write("m", df, metadata={"v": 2}, overwrite=True)
        c.write("other", df.iloc[:3])
    """)
    env = dict(os.environ, PYTHONPATH=pkg_parent + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", code, str(pystore.get_path())], check=True, env=env, timeout=120)
    assert test_collection.get_item_metadata("m")["v"] == 2
    assert test_collection.item("m").metadata["v"] == 2
    assert test_collection.items == {"m", "other"}
    pystore.cache.set_ttl(0)  # disabled: still correct
    try:
        assert test_collection.get_item_metadata("m")["v"] == 2
    finally:
        pystore.cache.set_ttl(300)


# ---- logging bridge ------------------------------------------------------------------

def test_logging_bridge_debug_pruning(test_collection, clog):
    df = frame(50_000)
    test_collection.write("l", df, npartitions=5)
    got = test_collection.item("l").read(start=df.index[45_000])
    assert len(got) == 5_000
    msgs = [r.getMessage() for r in clog.records if r.levelno == logging.DEBUG]
    assert any("pruned" in m for m in msgs), msgs
    assert all(r.name == "pystore.c" for r in clog.records)


def test_logging_bridge_from_worker_threads(test_collection, clog):
    test_collection.write("x0", frame(10))
    data = {"x%d" % k: frame(100) for k in range(6)}
    with pytest.raises(ex.StorageError):
        test_collection.write_batch(data, threads=4)
    warn = [r.getMessage() for r in clog.records if r.levelno == logging.WARNING]
    assert any("x0" in m and "failed" in m for m in warn), warn
    # read_batch logs the part pruning from its pool threads
    clog.records.clear()
    out = test_collection.read_batch(list(data), filters=[("ts", ">", frame(100).index[90])], threads=3)
    assert len(out.pop("x0")) == 0 and all(len(v) == 9 for v in out.values())
    assert any("pruned" in r.getMessage() for r in clog.records)


def test_logging_bridge_under_concurrent_python_threads(test_collection, clog):
    """C pool threads log (DEBUG pruning) while several Python threads run
    batch reads and chunked reads and the main thread logs too: no deadlock,
    every reader gets its rows."""
    from concurrent.futures import ThreadPoolExecutor
    df = frame(20_000)
    names = ["t%d" % k for k in range(4)]
    test_collection.write_batch({n: df for n in names}, npartitions={n: 8 for n in names})
    cut = df.index[15_000]

    def work(i):
        out = test_collection.read_batch(names, filters=[("ts", ">", cut)], threads=2)
        rows = sum(len(v) for v in out.values())
        rows += sum(len(c) for c in read_in_chunks(test_collection, names[i % 4], chunk_size=3000, start=cut))
        return rows

    with ThreadPoolExecutor(4) as ex_:
        futs = [ex_.submit(work, i) for i in range(8)]
        for k in range(50):
            pystore._pystore.log_message(logging.DEBUG, "main %d" % k)
        results = [f.result(timeout=120) for f in futs]
    assert results == [4 * 4_999 + 5_000] * 8  # filter ts > cut; chunked start=cut is inclusive
    msgs = [r.getMessage() for r in clog.records]
    assert sum("pruned" in m for m in msgs) >= 8 and sum(m.startswith("main ") for m in msgs) == 50


def test_log_level_follows_python(clog):
    assert pystore._pystore.log_get_level() == logging.DEBUG
    pystore.logger.set_level("ERROR")
    assert pystore._pystore.log_get_level() == logging.ERROR
    pystore._pystore.log_message(logging.WARNING, "not emitted")
    pystore._pystore.log_message(logging.ERROR, "emitted")
    assert [r.getMessage() for r in clog.records] == ["emitted"]


# ---- memory ----------------------------------------------------------------------

def test_memory_info_and_warning(clog):
    info = get_memory_info()
    assert info["total_gb"] > 0 and 0 <= info["used_percent"] <= 1
    assert info["process_peak_rss_gb"] >= info["process_rss_gb"] > 0
    old = pystore.memory.MEMORY_WARNING_THRESHOLD
    pystore.memory.set_memory_warning(1e-6)
    try:
        pystore.memory.check_memory_usage()
    finally:
        pystore.memory.set_memory_warning(old)
    assert any(r.levelno == logging.WARNING and "check_memory_usage" in r.getMessage() for r in clog.records)
    with pytest.raises(ex.ValidationError):
        pystore.memory.set_memory_warning(2.0)


def test_optimize_report():
    df = frame(10_000)
    opt, rep = optimize_dataframe_memory(df, return_report=True)
    assert rep["bytes_after"] < rep["bytes_before"]
    assert opt["v"].dtype == np.uint16  # 0..9999, no negatives: unsigned
    assert opt["x"].dtype == np.float64  # random floats do not round-trip through float32
    assert str(opt["s"].dtype) == "category" and rep["dictionary_columns"] == 1
    assert rep["columns_changed"] == 1 and not rep["lossy"]
    assert {d["column"] for d in rep["details"]} == {"v", "s"}
    assert (opt["v"].astype(np.int64) == df["v"]).all()
    _, rep = optimize_dataframe_memory(df, lossy_floats=True, return_report=True)
    assert rep["lossy"] and rep["columns_changed"] == 2
