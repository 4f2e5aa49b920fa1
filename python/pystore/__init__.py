"""pystore: PyStore's API (store -> collection -> item, pandas in and out) on
libpystore, a C implementation of the store (Parquet parts, atomic commits,
index-merging appends, hard-link snapshots).

    import pystore
    pystore.set_path("~/pystore")
    store = pystore.store("mydatastore")
    collection = store.collection("NASDAQ")
    collection.write("AAPL", df, metadata={"source": "Quandl"})
    item = collection.item("AAPL")
    df = item.to_pandas()

See python/README.md for where this differs from Python PyStore.
"""
import shutil
from pathlib import Path

from . import config
from . import _pystore
from .exceptions import *  # noqa: F401,F403
from .exceptions import StoreNotFoundError, ConfigurationError, _register as _register_exceptions
from .store import store
from .collection import Collection
from .item import Item

_register_exceptions()

__version__ = "1.0.1+c" + _pystore.__version__

Store = store


def set_path(path=None):
    """Set the base path (``~`` expanded, resolved, created). ``None``:
    ``$PYSTORE_PATH`` if set, else ``~/pystore``. Accepts str or pathlib.Path."""
    if path is None:
        config.DEFAULT_PATH = None
        p = config.get_base()
    else:
        s = str(path)
        if "://" in s and not s.startswith("file://"):
            raise ConfigurationError("only local paths are supported: %r" % s)
        if s.startswith("file://"):
            s = s[len("file://"):]
        s = s.rstrip()
        p = Path(s).expanduser()
    p = p.resolve()
    p.mkdir(parents=True, exist_ok=True)
    config.DEFAULT_PATH = p
    return p


def get_path(*args):
    return Path(config.get_base(), *args)


def list_stores():
    return _pystore.list_stores(str(config.get_base()))


def delete_store(store):
    """Remove a store; StoreNotFoundError if missing."""
    try:
        _pystore.delete_store(str(config.get_base()), store)
    except StoreNotFoundError:
        raise
    except LookupError as e:
        raise StoreNotFoundError(str(e)) from None
    return True


def delete_stores():
    """Remove every store under the base path (only store directories, not
    other files that happen to live there, unlike PyStore's rmtree)."""
    for name in list_stores():
        _pystore.delete_store(str(config.get_base()), name)
    return True


def set_partition_size(size=None):
    config.PARTITION_SIZE = 99e6 if size is None else size


def get_partition_size():
    return config.PARTITION_SIZE


def set_client(scheduler=None):
    """dask is not used; accepted for compatibility, returns None."""
    return None


def get_client():
    return None


def read_csv(urlpath, *args, **kwargs):
    """pandas.read_csv with PyStore's ``index_col``/``index_name`` handling
    (returns a pandas DataFrame, not a dask one)."""
    import pandas as pd
    index_name = kwargs.pop("index_name", None)
    kwargs.pop("index", None)
    index_col = kwargs.pop("index_col", None)
    if isinstance(index_col, (list, tuple)):
        index_col = index_col[0]
    df = pd.read_csv(urlpath, *args, **kwargs)
    if index_col is not None:
        df = df.set_index(index_col)
    if index_name is not None:
        df.index.name = index_name
    return df


from . import partition, memory, cache, logger  # noqa: E402,F401

set_cache_ttl = cache.set_ttl
clear_cache = cache.clear
cache_stats = cache.stats
set_log_level = logger.set_level


def verify(path):
    """Integrity check of a store, collection or item directory, or one
    Parquet file (``ps_verify``): every page decoded (CRC-32 checked),
    statistics, manifests, snapshots. Returns a dict: ``ok`` (bool), counts
    (``items``, ``files``, ``row_groups``, ``pages``, ``pages_crc``,
    ``bytes``, ``problems``) and ``findings``, a list of
    ``(path, status, message)`` where status is an error name for a problem
    or ``"note"`` for a leftover of an interrupted commit. ``store``,
    ``Collection`` and ``Item`` objects have a ``verify()`` method too."""
    return _pystore.verify(str(path))
