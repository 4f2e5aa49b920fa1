"""PyStore tests/test_performance.py (the 1.0 "performance" features)."""
import numpy as np
import pandas as pd
import pytest

import pystore
from pystore import exceptions as ex
from pystore.memory import MemoryMonitor, optimize_dataframe_memory, read_in_chunks
from pystore.partition import calculate_optimal_partitions, rebalance_partitions
from pandas.testing import assert_frame_equal


def big(n=100_000, start="2020-01-01", freq="T"):
    rng = np.random.default_rng(1)
    return pd.DataFrame({"price": rng.random(n), "volume": rng.integers(0, 1000, n),
                         "category": rng.choice(["A", "B", "C"], n)},
                        index=pd.date_range(start, periods=n, freq=freq, name="ts"))


def test_append_stream(test_collection):
    df = big(10_000)
    test_collection.write("s", df.iloc[:1000])

    def gen():
        for k in range(1000, 10_000, 900):
            yield df.iloc[k:k + 900]
    test_collection.append_stream("s", gen(), chunk_size=3000)
    assert_frame_equal(test_collection.item("s").to_pandas(), df, check_freq=False)
    with pytest.raises(ex.ItemNotFoundError):
        test_collection.append_stream("nope", iter([df]))
    with pytest.raises(ex.ValidationError):
        test_collection.append_stream("s", iter([[1, 2]]))


@pytest.mark.parametrize("parallel", [True, False])
def test_write_batch_read_batch(test_collection, parallel):
    data = {"i%d" % k: big(1000, start="202%d-01-01" % k) for k in range(5)}
    test_collection.write_batch(data, metadata={"i0": {"source": "x"}}, parallel=parallel)
    assert test_collection.list_items() == set(data)
    assert test_collection.item("i0").metadata["source"] == "x"
    out = test_collection.read_batch(list(data) + ["missing"], columns={"i1": ["price"]},
                                     filters={"i2": [("category", "==", "A")]})
    assert out["missing"] is None
    assert_frame_equal(out["i0"], data["i0"])
    assert list(out["i1"].columns) == ["price"]
    assert set(out["i2"]["category"]) == {"A"}
    with pytest.raises(ex.StorageError, match="partially failed: 5/5"):
        test_collection.write_batch(data, parallel=parallel)  # all exist


def test_optimized_partitioning_and_rebalance(test_collection):
    df = big(100_000)
    assert calculate_optimal_partitions(df, target_size_mb=1) > 1
    test_collection.write("p", df, npartitions=calculate_optimal_partitions(df, target_size_mb=1),
                          metadata={"source": "x"})
    assert test_collection.item("p").info()["num_parts"] > 1
    res = rebalance_partitions(test_collection, "p", time_based=True)
    it = test_collection.item("p")
    assert res["strategy"] == "monthly"  # 100k minutes ~ 70 days: PyStore's rule -> monthly
    assert it.info()["num_parts"] == res["partitions"] == 3
    assert it.metadata["source"] == "x" and "_partition_strategy" not in it.metadata
    assert_frame_equal(it.to_pandas(), df, check_freq=False)
    res = rebalance_partitions(test_collection, "p", target_size_mb=1, time_based=False)
    assert res["strategy"] == "size" and res["partitions"] > 1
    assert_frame_equal(test_collection.item("p").to_pandas(), df, check_freq=False)


def test_memory_optimisation():
    df = big(10_000)
    opt = optimize_dataframe_memory(df)
    assert opt.memory_usage(deep=True).sum() < df.memory_usage(deep=True).sum()
    assert df["volume"].dtype == np.int64  # the caller's frame is not mutated
    assert (opt["volume"].astype(np.int64) == df["volume"]).all()


def test_memory_monitor():
    with MemoryMonitor() as m:
        x = np.ones(1_000_000)
        del x
    assert m.start_rss_gb > 0 and m.end_rss_gb > 0 and m.delta_gb is not None
    assert m.peak_rss_gb >= m.end_rss_gb and 0 <= m.system_used_percent <= 1
    info = pystore.memory.get_memory_info()
    assert 0 <= info["used_percent"] <= 1 and info["total_gb"] > 0


def test_read_in_chunks(test_collection):
    df = big(100_000)
    test_collection.write("c", df, npartitions=7)
    chunks = list(read_in_chunks(test_collection, "c", chunk_size=10_000))
    assert len(chunks) == 10 and all(len(c) == 10_000 for c in chunks)
    assert_frame_equal(pd.concat(chunks), df, check_freq=False)
    # duplicate index values across chunk boundaries
    dup = pd.DataFrame({"v": np.arange(10)}, index=pd.Index([1, 1, 1, 2, 2, 2, 2, 3, 4, 4], name="k"))
    test_collection.write("d", dup)
    chunks = list(read_in_chunks(test_collection, "d", chunk_size=2))
    assert_frame_equal(pd.concat(chunks), dup)


def test_column_selection_and_filter_pushdown(test_collection):
    df = big(100_000)
    test_collection.write("f", df, npartitions=10)
    f = test_collection.item("f", filters=[("category", "==", "A")], columns=["price", "category"]).to_pandas()
    exp = df[df.category == "A"][["price", "category"]]
    assert_frame_equal(f, exp, check_freq=False)
    cut = df.index[95_000]
    f = test_collection.item("f", filters=[("ts", ">", cut), ("category", "==", "B")]).to_pandas()
    assert_frame_equal(f, df[(df.index > cut) & (df.category == "B")], check_freq=False)
