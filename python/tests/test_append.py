"""PyStore tests/test_append.py (1.0 API) and the append issues of §9."""
import numpy as np
import pandas as pd
import pytest

from pystore import exceptions as ex
from pandas.testing import assert_frame_equal


def frame(start, n, **cols):
    idx = pd.date_range(start, periods=n, freq="D", name="Date")
    data = cols or {"v": np.arange(n, dtype=float)}
    return pd.DataFrame(data, index=idx)


def test_basic_append(test_collection, sample_data):
    test_collection.write("i", sample_data.iloc[:50])
    test_collection.append("i", sample_data.iloc[50:])
    assert_frame_equal(test_collection.item("i").to_pandas(), sample_data)


def test_append_nonexistent(test_collection, sample_data):
    with pytest.raises(ex.ItemNotFoundError):
        test_collection.append("nope", sample_data)
    test_collection.append("nope", sample_data, create=True)
    assert_frame_equal(test_collection.item("nope").to_pandas(), sample_data)


def test_append_empty(test_collection, sample_data):
    test_collection.write("i", sample_data)
    test_collection.append("i", sample_data.iloc[:0])
    assert len(test_collection.item("i").to_pandas()) == 100


@pytest.mark.parametrize("policy,expected", [("keep_last", [1.0, 20.0, 30.0, 4.0]),
                                             ("keep_first", [1.0, 2.0, 3.0, 4.0])])
def test_duplicate_handling(test_collection, policy, expected):
    test_collection.write("i", frame("2024-01-01", 3, v=[1.0, 2.0, 3.0]))
    new = frame("2024-01-02", 3, v=[20.0, 30.0, 4.0])
    test_collection.append("i", new, duplicate_handling=policy)
    assert test_collection.item("i").to_pandas()["v"].tolist() == expected


def test_duplicate_keep_all_and_error(test_collection):
    test_collection.write("i", frame("2024-01-01", 3, v=[1.0, 2.0, 3.0]))
    with pytest.raises(ex.DataIntegrityError):
        test_collection.append("i", frame("2024-01-03", 2, v=[9.0, 9.0]), duplicates="error")
    assert len(test_collection.item("i").to_pandas()) == 3  # nothing written
    test_collection.append("i", frame("2024-01-03", 2, v=[9.0, 9.0]), duplicates="keep_all")
    assert test_collection.item("i").to_pandas()["v"].tolist() == [1.0, 2.0, 3.0, 9.0, 9.0]
    with pytest.raises(ex.ValidationError):
        test_collection.append("i", frame("2025-01-01", 1), duplicates="values")


def test_validate_schema(test_collection):
    test_collection.write("i", frame("2024-01-01", 3))
    with pytest.raises(ex.SchemaError):
        test_collection.append("i", frame("2024-02-01", 2, w=[1.0, 2.0]))
    with pytest.raises(ex.SchemaError):
        test_collection.append("i", frame("2024-02-01", 2, v=np.array([1, 2], dtype=np.int32)))
    i32 = frame("2024-01-01", 3, v=np.array([1, 2, 3], dtype=np.int64))
    test_collection.write("j", i32)
    test_collection.append("j", frame("2024-02-01", 2, v=np.array([4, 5], dtype=np.int32)), validate_schema=False)
    assert test_collection.item("j").to_pandas()["v"].tolist() == [1, 2, 3, 4, 5]


def test_append_preserves_metadata(test_collection):
    test_collection.write("i", frame("2024-01-01", 3), metadata={"source": "x"})
    test_collection.append("i", frame("2024-02-01", 3))
    assert test_collection.item("i").metadata["source"] == "x"


def test_append_keeps_sorted(test_collection):
    test_collection.write("i", frame("2024-02-01", 3))
    test_collection.append("i", frame("2024-01-01", 3))  # older data (#76)
    test_collection.append("i", frame("2024-01-15", 30))  # overlapping
    idx = test_collection.item("i").to_pandas().index
    assert idx.is_monotonic_increasing and idx.is_unique


def test_append_nanosecond(test_collection, sample_data_nanosecond):
    test_collection.write("ns", sample_data_nanosecond.iloc[:5])
    test_collection.append("ns", sample_data_nanosecond.iloc[5:])
    assert_frame_equal(test_collection.item("ns").to_pandas(), sample_data_nanosecond)


def test_identical_values_different_timestamps(test_collection):
    # PyStore #69/#43: value-based dedup lost rows; expects 6 rows
    df = pd.DataFrame({"a": [1.0] * 3, "b": [2.0] * 3}, index=pd.date_range("2024-01-01", periods=3, name="Date"))
    test_collection.write("i", df)
    test_collection.append("i", df.set_axis(pd.date_range("2024-01-04", periods=3, name="Date")))
    assert len(test_collection.item("i").to_pandas()) == 6


def test_append_tz_aware(test_collection):
    # PyStore #35
    df = frame("2024-01-01", 3)
    df.index = df.index.tz_localize("Europe/London")
    test_collection.write("tz", df)
    more = frame("2024-01-04", 2)
    more.index = more.index.tz_localize("Europe/London")
    test_collection.append("tz", more)
    back = test_collection.item("tz").to_pandas()
    assert len(back) == 5 and str(back.index.tz) == "Europe/London"
    with pytest.raises(ex.SchemaError):
        test_collection.append("tz", frame("2024-02-01", 1))  # naive into aware


def test_append_strings_and_nullable(test_collection):
    a = pd.DataFrame({"s": ["x", None], "i": pd.array([1, None], dtype="Int64")},
                     index=pd.date_range("2024-01-01", periods=2, name="Date"))
    b = pd.DataFrame({"s": ["", "y"], "i": pd.array([3, 4], dtype="Int64")},
                     index=pd.date_range("2024-01-03", periods=2, name="Date"))
    test_collection.write("i", a)
    test_collection.append("i", b)
    assert_frame_equal(test_collection.item("i").to_pandas(), pd.concat([a, b]), check_freq=False)


def test_append_after_delete_and_recreate(test_collection, sample_data):
    test_collection.write("i", sample_data.iloc[:10])
    test_collection.delete_item("i")
    assert "i" not in test_collection.list_items()
    test_collection.write("i", sample_data.iloc[:10])
    test_collection.append("i", sample_data.iloc[10:20])
    assert len(test_collection.item("i").to_pandas()) == 20


def test_concurrent_appends_threads(test_collection):
    from concurrent.futures import ThreadPoolExecutor
    test_collection.write("i", frame("2020-01-01", 1))
    chunks = [frame(pd.Timestamp("2020-01-02") + pd.Timedelta(days=10 * k), 10) for k in range(8)]
    with ThreadPoolExecutor(4) as ex_:
        list(ex_.map(lambda c: test_collection.append("i", c), chunks))
    idx = test_collection.item("i").to_pandas().index
    assert len(idx) == 81 and idx.is_monotonic_increasing
