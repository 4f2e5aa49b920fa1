"""PyStore's README workflow, with synthetic data instead of yfinance/Quandl."""
import numpy as np
import pandas as pd

import pystore
from pandas.testing import assert_frame_equal


def ohlcv(start, n):
    rng = np.random.default_rng(7)
    close = 100 + rng.normal(size=n).cumsum()
    return pd.DataFrame({"Open": close + 0.1, "High": close + 1, "Low": close - 1, "Close": close,
                         "Adj Close": close, "Volume": rng.integers(1e5, 1e6, n)},
                        index=pd.bdate_range(start, periods=n, name="Date"))


def test_readme(tmp_path):
    pystore.set_path(tmp_path / "pystore")
    store = pystore.store("mydatastore")
    collection = store.collection("NASDAQ")
    aapl = ohlcv("2018-01-01", 250)
    collection.write("AAPL", aapl[:-1], metadata={"source": "Quandl"})
    item = collection.item("AAPL")
    data = item.data
    metadata = item.metadata
    df = item.to_pandas()
    assert metadata["source"] == "Quandl"
    assert_frame_equal(df, data)
    collection.append("AAPL", aapl[-1:])
    assert_frame_equal(collection.item("AAPL").to_pandas(), aapl, check_freq=False)
    assert collection.list_items() == {"AAPL"}
    collection.write("MSFT", ohlcv("2018-01-01", 10), metadata={"source": "Yahoo"})
    assert collection.list_items(source="Quandl") == {"AAPL"}
    collection.create_snapshot("snapshot_name")
    assert collection.list_snapshots() == {"snapshot_name"}
    snap = collection.item("AAPL", snapshot="snapshot_name")
    collection.write("AAPL", snap.to_pandas(), metadata={"source": "Quandl"}, overwrite=True)
    collection.delete_snapshot("snapshot_name")
    collection.delete_item("AAPL")
    store.delete_collection("NASDAQ")
    assert store.list_collections() == []
    assert pystore.list_stores() == ["mydatastore"]
    pystore.delete_store("mydatastore")
    pystore.config.DEFAULT_PATH = None
