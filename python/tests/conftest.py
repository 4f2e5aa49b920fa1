import numpy as np
import pandas as pd
import pytest

import pystore


@pytest.fixture
def temp_store_path(tmp_path, monkeypatch):
    monkeypatch.delenv("PYSTORE_PATH", raising=False)
    p = pystore.set_path(tmp_path / "pystore")
    yield p
    pystore.config.DEFAULT_PATH = None


@pytest.fixture
def test_store(temp_store_path):
    return pystore.store("test_store")


@pytest.fixture
def test_collection(test_store):
    return test_store.collection("test_collection")


@pytest.fixture
def sample_data():
    rng = np.random.default_rng(42)
    idx = pd.date_range("2023-01-01", periods=100, freq="D", name="Date")
    return pd.DataFrame({"value1": rng.normal(size=100), "value2": rng.normal(size=100),
                         "category": rng.choice(["A", "B", "C"], size=100)}, index=idx)


@pytest.fixture
def sample_data_nanosecond():
    idx = pd.DatetimeIndex([pd.Timestamp("2023-01-01") + pd.Timedelta(nanoseconds=i) for i in range(10)],
                           name="Date")
    return pd.DataFrame({"value": np.arange(10.0)}, index=idx)
