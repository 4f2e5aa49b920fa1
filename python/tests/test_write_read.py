"""PyStore tests/test_write_read.py + filters/columns."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import pystore
from pystore import exceptions as ex
from pandas.testing import assert_frame_equal


def test_basic_roundtrip(test_collection, sample_data):
    test_collection.write("item", sample_data, metadata={"source": "test"})
    item = test_collection.item("item")
    assert_frame_equal(item.to_pandas(), sample_data)
    assert_frame_equal(item.data, sample_data)  # pandas, not dask
    assert item.metadata["source"] == "test" and "_updated" in item.metadata
    assert "_pystore_pandas" not in item.metadata
    assert repr(item) == "PyStore.item <test_collection/item>"
    assert len(item) == 100


def test_metadata_not_mutated(test_collection, sample_data):
    meta = {"a": 1}
    test_collection.write("i", sample_data, metadata=meta)
    assert meta == {"a": 1}


def test_overwrite(test_collection, sample_data):
    test_collection.write("i", sample_data, metadata={"v": 1})
    with pytest.raises(ex.ItemExistsError):
        test_collection.write("i", sample_data)
    new = sample_data.iloc[:10]
    test_collection.write("i", new, metadata={"v": 2}, overwrite=True)
    item = test_collection.item("i")
    assert_frame_equal(item.to_pandas(), new)
    assert item.metadata["v"] == 2


def test_nanosecond_precision(test_collection, sample_data_nanosecond):
    test_collection.write("ns", sample_data_nanosecond)  # PyStore #75: no 'times' TypeError
    back = test_collection.item("ns").to_pandas()
    assert_frame_equal(back, sample_data_nanosecond)
    assert (back.index.nanosecond == np.arange(10)).all()


def test_epochdate_accepted(test_collection, sample_data):
    test_collection.write("e", sample_data, epochdate=True)
    assert_frame_equal(test_collection.item("e").to_pandas(), sample_data)


def test_read_nonexistent(test_collection):
    with pytest.raises(ex.ItemNotFoundError):
        test_collection.item("nope")


def test_read_columns(test_collection, sample_data):
    test_collection.write("i", sample_data)
    df = test_collection.item("i", columns=["value2", "category"]).to_pandas()
    assert list(df.columns) == ["value2", "category"]
    assert_frame_equal(df, sample_data[["value2", "category"]])
    with pytest.raises(ex.PyStoreError):
        test_collection.item("i", columns=["nope"]).to_pandas()


def test_read_filters(test_collection, sample_data):
    test_collection.write("i", sample_data)
    f = test_collection.item("i", filters=[("category", "==", "A")]).to_pandas()
    assert_frame_equal(f, sample_data[sample_data.category == "A"], check_freq=False)
    f = test_collection.item("i", filters=[("category", "==", "A"), ("value1", ">", 0)]).to_pandas()
    exp = sample_data[(sample_data.category == "A") & (sample_data.value1 > 0)]
    assert_frame_equal(f, exp, check_freq=False)
    # OR of ANDs, in / not in, index by name with a Timestamp / datetime / string
    f = test_collection.item("i", filters=[[("category", "in", ["A", "B"]), ("value1", "<", 0)],
                                           [("Date", ">=", pd.Timestamp("2023-04-01"))]]).to_pandas()
    exp = sample_data[(sample_data.category.isin(["A", "B"]) & (sample_data.value1 < 0))
                      | (sample_data.index >= "2023-04-01")]
    assert_frame_equal(f, exp, check_freq=False)
    f = test_collection.item("i", filters=[("category", "not in", ("A",)),
                                           ("Date", "<", dt.datetime(2023, 1, 10))]).to_pandas()
    exp = sample_data[(sample_data.category != "A") & (sample_data.index < "2023-01-10")]
    assert_frame_equal(f, exp, check_freq=False)
    f = test_collection.item("i", filters=[("Date", "=", "2023-01-05")]).to_pandas()
    assert len(f) == 1


def test_filter_values_with_quotes(test_collection):
    df = pd.DataFrame({"s": ["it's", 'say "hi"', "plain"]}, index=pd.RangeIndex(3, name="n"))
    test_collection.write("q", df)
    assert test_collection.item("q", filters=[("s", "==", "it's")]).to_pandas()["s"].tolist() == ["it's"]
    assert len(test_collection.item("q", filters=[("s", "in", ['say "hi"', "x') OR (1=1"])]).to_pandas()) == 1


def test_filter_tz_index(test_collection):
    idx = pd.date_range("2024-01-01", periods=48, freq="H", tz="America/New_York", name="ts")
    df = pd.DataFrame({"v": np.arange(48)}, index=idx)
    test_collection.write("tz", df)
    cut = pd.Timestamp("2024-01-02 00:00", tz="America/New_York")
    f = test_collection.item("tz", filters=[("ts", ">=", cut)]).to_pandas()
    assert_frame_equal(f, df[df.index >= cut], check_freq=False)


def test_filter_null_and_errors(test_collection):
    df = pd.DataFrame({"s": ["a", None, "c"]}, index=pd.RangeIndex(3, name="n"))
    test_collection.write("n", df)
    assert test_collection.item("n", filters=[("s", "==", None)]).to_pandas().index.tolist() == [1]
    assert test_collection.item("n", filters=[("s", "!=", None)]).to_pandas().index.tolist() == [0, 2]
    with pytest.raises(ex.ValidationError):
        test_collection.item("n", filters=[("s", "~", "a")]).to_pandas()


def test_filter_built_with_expr_api():
    text = pystore._pystore.filter_text([[("a", "==", "x'y"), ("b", ">", 1)], [("c", "in", [1, 2.5])]])
    assert "a" in text and "OR" in text.upper()


def test_head_tail_index(test_collection, sample_data):
    test_collection.write("i", sample_data)
    item = test_collection.item("i")
    assert_frame_equal(item.head(), sample_data.head(), check_freq=False)
    assert_frame_equal(item.tail(3), sample_data.tail(3), check_freq=False)
    assert test_collection.index("i").equals(sample_data.index)
    assert test_collection.index("i", last=True) == sample_data.index[-1]


def test_write_from_item_and_dask_like(test_collection, sample_data):
    test_collection.write("a", sample_data)
    test_collection.write("b", test_collection.item("a"))
    assert_frame_equal(test_collection.item("b").to_pandas(), sample_data)

    class Lazy:  # anything with .compute() (a dask frame)
        def compute(self):
            return sample_data
    test_collection.write("c", Lazy())
    assert_frame_equal(test_collection.item("c").to_pandas(), sample_data)


def test_npartitions(test_collection, sample_data):
    test_collection.write("p", sample_data, npartitions=4)
    assert test_collection.item("p").info()["num_parts"] == 4
    assert_frame_equal(test_collection.item("p").to_pandas(), sample_data)


def test_unknown_kwargs(test_collection, sample_data):
    with pytest.warns(UserWarning):
        test_collection.write("w", sample_data, compression="snappy")
    with pytest.raises(TypeError):
        test_collection.write("w2", sample_data, bogus=1)
