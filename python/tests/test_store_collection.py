"""PyStore tests/test_store.py, test_collection.py, test_exceptions.py."""
import os
from pathlib import Path

import pandas as pd
import pytest

import pystore
from pystore import exceptions as ex


def test_store_creation(temp_store_path):
    s = pystore.store("a_store")
    assert s.datastore == temp_store_path / "a_store"
    assert (temp_store_path / "a_store" / "pystore_metadata.json").exists()
    assert s.metadata["engine"] == "pyarrow"
    assert "a_store" in pystore.list_stores()
    assert repr(s).startswith("PyStore.datastore")


def test_store_exists_reopen(temp_store_path):
    pystore.store("s1").collection("c")
    assert pystore.store("s1").list_collections() == ["c"]


def test_list_and_delete_stores(temp_store_path):
    for n in ("s1", "s2", "s3"):
        pystore.store(n)
    assert sorted(pystore.list_stores()) == ["s1", "s2", "s3"]
    assert pystore.delete_store("s2") is True
    assert sorted(pystore.list_stores()) == ["s1", "s3"]
    with pytest.raises(ex.StoreNotFoundError):
        pystore.delete_store("nope")
    (temp_store_path / "keep.txt").write_text("not a store")
    assert pystore.delete_stores() is True
    assert pystore.list_stores() == []
    assert (temp_store_path / "keep.txt").exists()  # only stores are removed


def test_path_handling(tmp_path, monkeypatch):
    p = pystore.set_path(Path(tmp_path) / "with space" / "x/")  # pathlib.Path accepted (#72)
    assert p == (tmp_path / "with space" / "x").resolve() and p.is_dir()
    assert pystore.get_path() == p
    assert pystore.get_path("a", "b") == p / "a" / "b"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    p2 = pystore.set_path("~/stores")  # ~ expanded (#68)
    assert p2 == (tmp_path / "home" / "stores").resolve()
    with pytest.raises(ex.ConfigurationError):
        pystore.set_path("s3://bucket/x")
    monkeypatch.setenv("PYSTORE_PATH", str(tmp_path / "env"))
    assert pystore.set_path(None) == (tmp_path / "env").resolve()
    pystore.config.DEFAULT_PATH = None


def test_invalid_names(temp_store_path):
    with pytest.raises(ex.ValidationError):
        pystore.store("..")
    s = pystore.store("ok")
    with pytest.raises(ex.ValidationError):
        s.collection("a/b")


def test_collection_create_list_delete(test_store):
    c = test_store.collection("c1")
    assert repr(c) == "PyStore.collection <c1>"
    test_store.collection("c2")
    assert sorted(test_store.list_collections()) == ["c1", "c2"]
    assert (test_store.datastore / "c1" / "_snapshots").is_dir()
    assert test_store.delete_collection("c1") is True
    assert test_store.list_collections() == ["c2"]
    with pytest.raises(ex.CollectionNotFoundError):
        test_store.delete_collection("c1")
    with pytest.raises(ex.CollectionExistsError):
        test_store.create_collection("c2")


def test_collection_overwrite(test_store, sample_data):
    c = test_store.collection("c")
    c.write("x", sample_data)
    c = test_store.collection("c", overwrite=True)
    assert c.list_items() == set()


def test_list_items_and_metadata_query(test_collection, sample_data):
    test_collection.write("a", sample_data, metadata={"source": "Quandl", "n": 1})
    test_collection.write("b", sample_data, metadata={"source": "Yahoo"})
    test_collection.write("c", sample_data)
    assert test_collection.list_items() == {"a", "b", "c"}
    assert test_collection.items == {"a", "b", "c"}
    assert test_collection.list_items(source="Quandl") == {"a"}
    assert test_collection.list_items(source="Quandl", n=1) == {"a"}
    assert test_collection.list_items(source="Quandl", n=2) == set()
    assert test_collection.list_items(missing="x") == set()


def test_store_item_shortcut(test_store, sample_data):
    test_store.collection("c").write("x", sample_data)
    assert len(test_store.item("c", "x").to_pandas()) == 100


def test_exception_hierarchy():
    for cls in (ex.DataIntegrityError, ex.ItemNotFoundError, ex.ItemExistsError, ex.CollectionNotFoundError,
                ex.CollectionExistsError, ex.SnapshotNotFoundError, ex.StorageError, ex.SchemaError,
                ex.ConfigurationError, ex.ValidationError, ex.StoreNotFoundError):
        assert issubclass(cls, ex.PyStoreError)
    assert issubclass(ex.TransactionError, ex.StorageError)
    assert issubclass(ex.ItemExistsError, ValueError)  # PyStore 0.1 raised ValueError
    assert pystore.PyStoreError is ex.PyStoreError


def test_exception_carries_status(test_collection, sample_data):
    with pytest.raises(ex.ItemNotFoundError) as e:
        test_collection.append("nope", sample_data)
    assert e.value.status == "PS_ERR_NOT_FOUND" and e.value.code == -7
    assert "nope" in str(e.value)
