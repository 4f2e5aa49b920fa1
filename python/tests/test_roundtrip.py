"""Round-trip fidelity: written == read under assert_frame_equal."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import pystore
from pandas.testing import assert_frame_equal


def rt(coll, df, name="x", **kw):
    coll.write(name, df, overwrite=True, **kw)
    return coll.item(name).to_pandas()


def test_all_types(test_collection):
    n = 6
    idx = pd.date_range("2024-01-01 09:30", periods=n, freq="T", name="ts")
    df = pd.DataFrame({
        "i64": np.array([0, 1, -1, np.iinfo(np.int64).max, np.iinfo(np.int64).min, 7], dtype=np.int64),
        "i32": np.arange(n, dtype=np.int32), "i8": np.arange(n, dtype=np.int8),
        "u8": np.arange(n, dtype=np.uint8), "u64": np.array([0, 1, 2, 3, 2**64 - 1, 5], dtype=np.uint64),
        "f64": [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-300], "f32": np.arange(n, dtype=np.float32),
        "b": [True, False, True, True, False, False],
        "s": ["a", "", "ünïcødé", "x" * 1000, "'quoted\"", "z"],
        "s_null": ["a", None, "", None, "e", "f"],
        "dt": pd.to_datetime(["2020-01-01", None, "1969-12-31 23:59:59.999999999", "2262-01-01", "1677-09-22", "2000-01-01"]),
        "dt_tz": pd.date_range("2024-03-10", periods=n, freq="H", tz="America/New_York"),
        "Int64": pd.array([1, None, 3, None, 5, 6], dtype="Int64"),
        "Int64_nonull": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64"),
        "boolean": pd.array([True, None, False, True, None, False], dtype="boolean"),
        "string": pd.array(["a", None, "", "d", "e", "f"], dtype="string"),
        "Float64": pd.array([1.5, None, 2.5, np.nan, 0.0, 1.0], dtype="Float64"),
        "td": pd.to_timedelta([1, 2, None, 4, 5, 6], unit="s"),
        "cat": pd.Categorical(["a", "b", "a", None, "b", "a"]),
    }, index=idx)
    back = rt(test_collection, df)
    assert_frame_equal(df, back)
    # -0.0 keeps its sign, NaN stays NaN (not null), inf survive
    assert np.signbit(back["f64"].iloc[1])
    assert np.isnan(back["f64"].iloc[2])


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Berlin", "Asia/Kolkata"])
def test_datetime_index_tz_and_ns(test_collection, tz):
    idx = pd.DatetimeIndex(["2024-01-01 00:00:00.000000001", "2024-01-01 00:00:00.000000002",
                            "2024-06-30 12:34:56.123456789"], name="Date").tz_localize(tz)
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=idx)
    back = rt(test_collection, df)
    assert_frame_equal(df, back)
    if tz:
        assert str(back.index.tz) == tz


def test_unnamed_and_named_index(test_collection):
    df = pd.DataFrame({"v": [1, 2, 3]}, index=pd.date_range("2024-01-01", periods=3))
    assert df.index.name is None
    assert_frame_equal(df, rt(test_collection, df, "unnamed"))
    df.index.name = "when"
    assert_frame_equal(df, rt(test_collection, df, "named"))


def test_integer_and_string_index(test_collection):
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=pd.Index([10, 2_000_000, 3_000_000_000], name="n"))
    back = rt(test_collection, df, "ints")
    assert_frame_equal(df, back)
    assert back.index.dtype == np.int64  # PyStore #10: not turned into dates
    df = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["AAPL", "MSFT"], name="sym"))
    assert_frame_equal(df, rt(test_collection, df, "strs"))
    df = pd.DataFrame({"v": [1, 2, 3]})  # RangeIndex
    assert_frame_equal(df, rt(test_collection, df, "range"))


def test_series_becomes_frame(test_collection):
    s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3), name="close")
    assert_frame_equal(s.to_frame(), rt(test_collection, s, "series"))
    s2 = pd.Series([1, 2, 3], index=pd.date_range("2024-01-01", periods=3))
    assert_frame_equal(s2.to_frame(), rt(test_collection, s2, "series2"))


def test_object_columns_nulls(test_collection):
    df = pd.DataFrame({"s": ["a", None, ""], "n": [None, None, None]},
                      index=pd.date_range("2024-01-01", periods=3, name="Date"))
    back = rt(test_collection, df)
    assert back["s"].tolist() == ["a", None, ""]
    assert back["n"].isna().all()


def test_empty_frame(test_collection):
    df = pd.DataFrame({"v": pd.Series([], dtype=float), "s": pd.Series([], dtype=object)},
                      index=pd.DatetimeIndex([], name="Date"))
    back = rt(test_collection, df)
    assert len(back) == 0 and list(back.columns) == ["v", "s"]


def test_unsorted_index_is_stored_sorted(test_collection):
    df = pd.DataFrame({"v": [3, 1, 2]}, index=pd.DatetimeIndex(["2024-01-03", "2024-01-01", "2024-01-02"], name="d"))
    assert_frame_equal(df.sort_index(), rt(test_collection, df))


def test_zero_copy_read(test_collection):
    df = pd.DataFrame({"v": np.arange(1000.0)}, index=pd.date_range("2024-01-01", periods=1000, freq="S"))
    test_collection.write("zc", df)
    res = test_collection._c.read("zc")
    cols = {c[0]: c for c in res[0]}
    arr = cols["v"][2]
    assert arr.base is not None and not arr.flags.owndata  # a view of the C frame
    assert arr.flags.writeable
    del res, cols
    assert arr.sum() == df["v"].sum()  # frame alive while the array is
