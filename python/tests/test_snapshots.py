"""PyStore tests/test_snapshots.py."""
import pandas as pd
import pytest

from pystore import exceptions as ex
from pandas.testing import assert_frame_equal


def test_create_list_read(test_collection, sample_data):
    test_collection.write("i", sample_data, metadata={"k": "v"})
    assert test_collection.create_snapshot("snap1") is True
    assert test_collection.list_snapshots() == {"snap1"}
    test_collection.append("i", sample_data.iloc[:5].assign(value1=0.0))  # upsert the first rows
    snap = test_collection.item("i", snapshot="snap1")
    assert_frame_equal(snap.to_pandas(), sample_data)
    assert snap.metadata["k"] == "v"  # metadata preserved
    assert not test_collection.item("i").to_pandas().equals(sample_data)


def test_auto_name_and_sanitise(test_collection, sample_data):
    test_collection.write("i", sample_data)
    test_collection.create_snapshot()
    auto = test_collection.last_snapshot
    assert auto.isdigit()
    test_collection.create_snapshot("snap-1 x!")
    assert test_collection.list_snapshots() == {auto, "snap1x"}


def test_delete(test_collection, sample_data):
    test_collection.write("i", sample_data)
    test_collection.create_snapshot("a")
    test_collection.create_snapshot("b")
    assert test_collection.delete_snapshot("a") is True
    assert test_collection.list_snapshots() == {"b"}
    with pytest.raises(ex.SnapshotNotFoundError):
        test_collection.delete_snapshot("a")
    assert test_collection.delete_snapshots() is True
    assert test_collection.list_snapshots() == set()
    with pytest.raises(ex.SnapshotNotFoundError):
        test_collection.item("i", snapshot="b")


def test_item_not_in_snapshot(test_collection, sample_data):
    test_collection.write("i", sample_data)
    test_collection.create_snapshot("s")
    test_collection.write("j", sample_data)
    with pytest.raises(ex.ItemNotFoundError):
        test_collection.item("j", snapshot="s")


def test_read_deleted_item_from_snapshot_and_restore(test_collection, sample_data):
    test_collection.write("i", sample_data, metadata={"k": 1})
    test_collection.create_snapshot("s")
    test_collection.delete_item("i")
    assert_frame_equal(test_collection.item("i", snapshot="s").to_pandas(), sample_data)
    # PyStore's restore idiom, and the atomic C restore
    test_collection.write("i", test_collection.item("i", snapshot="s"), overwrite=True)
    assert_frame_equal(test_collection.item("i").to_pandas(), sample_data)
    test_collection.delete_item("i")
    test_collection.restore_snapshot("s", "i")
    assert_frame_equal(test_collection.item("i").to_pandas(), sample_data)
    assert test_collection.item("i").metadata["k"] == 1
