"""PyStore tests/test_edge_cases.py."""
import json
import re

import numpy as np
import pandas as pd
import pytest

import pystore
from pystore import exceptions as ex
from pandas.testing import assert_frame_equal


def test_path_with_spaces(tmp_path, sample_data):
    pystore.set_path(tmp_path / "a dir with spaces")
    c = pystore.store("s").collection("c")
    c.write("i", sample_data)
    assert_frame_equal(c.item("i").to_pandas(), sample_data)
    pystore.config.DEFAULT_PATH = None


def test_updated_format(test_collection, sample_data):
    test_collection.write("i", sample_data)
    upd = test_collection.item("i").metadata["_updated"]
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$", upd)  # %M, not %I (#64)
    raw = json.loads((test_collection.get_item_path("i") / "pystore_metadata.json").read_text())
    assert "_updated" in raw


def test_long_column_names(test_collection):
    df = pd.DataFrame({"c" * 300: [1.0, 2.0]}, index=pd.date_range("2024-01-01", periods=2, name="d"))
    test_collection.write("i", df)
    assert_frame_equal(test_collection.item("i").to_pandas(), df)


@pytest.mark.parametrize("name", ["item_1", "item-1", "item.1", "ITEM", "1item", "^GSPC", "BRK.B", "日経225"])
def test_special_item_names(test_collection, sample_data, name):
    test_collection.write(name, sample_data)
    assert name in test_collection.list_items()
    assert_frame_equal(test_collection.item(name).to_pandas(), sample_data)


def test_rejected_names(test_collection, sample_data):
    for bad in ("", "..", "a/b", "__tmp", ".hidden", "_snapshots"):
        with pytest.raises(ex.ValidationError):
            test_collection.write(bad, sample_data)


def test_index_name_preserved(test_collection):
    for name in ("Date", "timestamp", None):
        df = pd.DataFrame({"v": [1, 2]}, index=pd.date_range("2024-01-01", periods=2, name=name))
        test_collection.write("i", df, overwrite=True)
        assert test_collection.item("i").to_pandas().index.name == name


def test_empty_string_index_name_becomes_index(test_collection):
    df = pd.DataFrame({"v": [1, 2]}, index=pd.date_range("2024-01-01", periods=2, name=""))
    test_collection.write("i", df)
    assert test_collection.item("i").to_pandas().index.name == "index"  # as PyStore


def test_index_column_name_clash(test_collection):
    df = pd.DataFrame({"Date": [1, 2]}, index=pd.date_range("2024-01-01", periods=2, name="Date"))
    with pytest.raises(ex.SchemaError):
        test_collection.write("i", df)


def test_mixed_types(test_collection):
    df = pd.DataFrame({"obj_int": [1, None, 3], "obj_bool": [True, None, False], "obj_float": [1.5, None, 2]},
                      index=pd.date_range("2024-01-01", periods=3, name="d"), dtype=object)
    test_collection.write("i", df)
    back = test_collection.item("i").to_pandas()
    assert back["obj_int"].tolist() == [1, None, 3]
    assert back["obj_bool"].tolist() == [True, None, False]
    with pytest.raises(ex.SchemaError):
        test_collection.write("bad", pd.DataFrame({"m": [1, "a"]}, index=pd.RangeIndex(2)))


def test_multiindex_rejected_clearly(test_collection):
    df = pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)]))
    with pytest.raises(ex.SchemaError, match="MultiIndex"):
        test_collection.write("i", df)


def test_nulls_in_index_rejected(test_collection):
    df = pd.DataFrame({"v": [1, 2]}, index=pd.DatetimeIndex(["2024-01-01", None], name="d"))
    with pytest.raises(ex.PyStoreError):
        test_collection.write("i", df)


def test_legacy_metadata_query_without_metadata(test_collection, sample_data):
    test_collection.write("i", sample_data)
    (test_collection.get_item_path("i") / "pystore_metadata.json").unlink()
    assert test_collection.list_items(source="x") == set()  # PyStore raised KeyError


def test_metadata_cache_invalidated(test_collection, sample_data):
    test_collection.write("i", sample_data, metadata={"v": 1})
    assert test_collection.get_item_metadata("i")["v"] == 1
    test_collection.write("i", sample_data, metadata={"v": 2}, overwrite=True)
    assert test_collection.get_item_metadata("i")["v"] == 2
    test_collection.clear_metadata_cache()
