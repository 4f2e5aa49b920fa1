"""PyStore's Item: one time-indexed table of a collection."""
import json
from pathlib import Path

from . import _frames, _pystore
from .exceptions import ItemNotFoundError, SnapshotNotFoundError
from .filters import normalize


def _split_meta(text):
    meta = json.loads(text) if text else {}
    pandas_meta = meta.pop(_frames.PANDAS_META_KEY, None)
    return meta, pandas_meta


class Item(object):
    """``collection.item(name, snapshot=None, filters=None, columns=None)``.

    Unlike PyStore, ``.data`` is the pandas DataFrame (read on first access
    and cached), not a lazy dask frame; ``to_pandas()`` reads again.
    """

    def __init__(self, item, datastore, collection, snapshot=None, filters=None, columns=None,
                 engine="pyarrow", _coll=None):
        self.item = item
        self.datastore = datastore
        self.collection = collection  # name, as PyStore
        self.snapshot = snapshot
        self.engine = engine
        self.filters = filters
        self.columns = list(columns) if columns is not None else None
        self._coll = _coll  # the pystore.Collection
        c = _coll._c
        if snapshot is not None:
            if snapshot not in c.snapshot_list():
                raise SnapshotNotFoundError("snapshot '%s' does not exist in collection '%s'"
                                            % (snapshot, collection))
            try:
                c.info(item, snapshot)
            except ItemNotFoundError:
                raise ItemNotFoundError("item '%s' is not in snapshot '%s' of collection '%s'"
                                        % (item, snapshot, collection)) from None
        elif not c.exists(item):
            raise ItemNotFoundError("item '%s' does not exist in collection '%s'" % (item, collection))
        self._data = None
        self._meta_cache = None

    # -- metadata --
    def _load_meta(self):
        if self._meta_cache is None:
            c = self._coll._c
            # live items: the C metadata cache (never stale); snapshots: read directly
            text = c.metadata(self.item, self.snapshot) if self.snapshot else c.cached_metadata(self.item)
            self._meta_cache = _split_meta(text)
        return self._meta_cache

    @property
    def metadata(self):
        """User metadata plus ``_updated`` (a fresh dict each time)."""
        return dict(self._load_meta()[0])

    @property
    def _pandas_meta(self):
        return self._load_meta()[1]

    def info(self):
        """{'num_rows', 'num_parts', 'version', 'has_manifest'} from the manifest."""
        return self._coll._c.info(self.item, self.snapshot)

    def __len__(self):
        return int(self.info()["num_rows"])

    # -- data --
    def _rename(self, col):
        return self._coll._filter_column(self.item, col, self.snapshot, self._pandas_meta)

    def _columns_arg(self):
        if self.columns is None:
            return None
        return [str(c) for c in self.columns]

    def read(self, start=None, end=None, limit=0):
        """Read with the item's filters/columns plus optional inclusive index
        bounds (ISO text / numbers / pandas Timestamps) and a row limit."""
        filt = normalize(self.filters, self._rename)
        res = self._coll._c.read(self.item, columns=self._columns_arg(), filters=filt,
                                 start=_bound(start), end=_bound(end), limit=int(limit or 0),
                                 snapshot=self.snapshot)
        return _frames.from_result(res, self._pandas_meta, self.columns)

    def verify(self):
        """Integrity check of this item (as of its snapshot, if any; see ``pystore.verify``)."""
        d = Path(self.datastore) / self.collection
        d = d / "_snapshots" / self.snapshot / self.item if self.snapshot is not None else d / self.item
        return _pystore.verify(str(d))

    def to_pandas(self, parse_dates=True):
        """The item as a pandas DataFrame. ``parse_dates`` is accepted for
        compatibility and ignored: types are stored exactly, so an integer
        index stays an integer index (PyStore #10)."""
        return self.read()

    @property
    def data(self):
        if self._data is None:
            self._data = self.read()
        return self._data

    def head(self, n=5):
        if self.filters is not None or self.columns is not None:
            return self.read(limit=n) if n > 0 else self.read().head(n)
        res = self._coll._c.head(self.item, int(n), self.snapshot)
        return _frames.from_result(res, self._pandas_meta)

    def tail(self, n=5):
        if self.filters is not None or self.columns is not None:
            return self.read().tail(n)
        res = self._coll._c.tail(self.item, int(n), self.snapshot)
        return _frames.from_result(res, self._pandas_meta)

    def __repr__(self):
        return "PyStore.item <%s/%s>" % (self.collection, self.item)


def _bound(v):
    if v is None:
        return None
    if isinstance(v, str):
        return v
    from .filters import normalize_value
    v = normalize_value(v)
    return v if isinstance(v, str) else repr(v)
