"""pystore.verify and the verify() methods: a clean store passes with real
counts; a damaged page is found and named; leftovers are notes."""
from pathlib import Path

import pystore


def _part(coll, item):
    return sorted((Path(coll.datastore) / coll.collection / item).glob("*.parquet"))[0]


def test_clean_store_counts(test_store, test_collection, sample_data):
    test_collection.write("i", sample_data)
    test_collection.write("j", sample_data)
    test_collection.create_snapshot("s1")
    r = test_store.verify()
    assert r["ok"] is True
    assert r["problems"] == 0 and r["findings"] == []
    assert r["items"] == 4 and r["files"] == 4  # i, j and their snapshot copies
    assert r["pages"] >= 4 * 4 and r["pages_crc"] >= r["pages"]
    assert test_collection.verify()["items"] == 4
    assert test_collection.item("i").verify()["files"] == 1
    assert test_collection.item("i", snapshot="s1").verify()["ok"]
    assert pystore.verify(_part(test_collection, "i"))["files"] == 1


def test_damage_found(test_collection, sample_data):
    test_collection.write("i", sample_data)
    p = _part(test_collection, "i")
    b = bytearray(p.read_bytes())
    b[30] ^= 0x40
    p.write_bytes(bytes(b))
    r = test_collection.item("i").verify()
    assert r["ok"] is False and r["problems"] == 1
    path, status, message = r["findings"][0]
    assert path == str(p) and status == "PS_ERR_CORRUPT" and "CRC-32 mismatch" in message


def test_leftover_is_a_note(test_collection, sample_data):
    test_collection.write("i", sample_data)
    d = Path(test_collection.datastore) / test_collection.collection / "i"
    (d / "part.99.parquet").write_bytes(b"junk")
    r = test_collection.item("i").verify()
    assert r["ok"] is True
    assert [f[1] for f in r["findings"]] == ["note"]
