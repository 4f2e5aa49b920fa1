"""PyStore's Collection (a namespace of items with snapshots)."""
import json
import math
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from . import _frames, _pystore, config
from .exceptions import (ItemExistsError, ItemNotFoundError, PyStoreError, SnapshotNotFoundError,
                         StorageError, ValidationError)
from .item import Item
from .logger import get_logger

log = get_logger("pystore.collection")

DUPLICATES = ("keep_last", "keep_first", "keep_all", "error")
_IGNORED_WRITE_KW = ("engine", "compression", "write_metadata_file", "write_index", "schema",
                     "partition_on", "times", "append", "ignore_divisions")


def _dups(duplicates, duplicate_handling, default):
    d = duplicate_handling if duplicate_handling is not None else duplicates
    if d is None:
        d = default
    if d not in DUPLICATES:
        raise ValidationError("duplicates must be one of %s, got %r" % (", ".join(DUPLICATES), d))
    return d


def _check_kwargs(kwargs, where):
    for k in list(kwargs):
        if k in _IGNORED_WRITE_KW:
            warnings.warn("%s(): keyword %r is a dask/pyarrow option and is ignored" % (where, k), stacklevel=3)
        else:
            raise TypeError("%s() got an unexpected keyword argument %r" % (where, k))


def _part_rows(data, npartitions):
    if npartitions:
        return max(1, int(math.ceil(len(data) / float(npartitions))))
    if config.PARTITION_SIZE and config.PARTITION_SIZE != 99e6 and len(data):
        per_row = max(1.0, float(data.memory_usage(deep=False).sum()) / len(data))
        return max(1, int(config.PARTITION_SIZE // per_row))
    return 0  # the C default: about 99 MB of in-memory data per part


class Collection(object):
    def __init__(self, collection, datastore, engine="pyarrow"):
        # datastore: the pystore.store object (PyStore passed a path)
        self._store = datastore
        self._c = _pystore.Collection(datastore._s, collection, create=True)
        self.collection = collection
        self.datastore = datastore.datastore
        self.engine = engine
        self._meta_cache = {}
        self._validator = None

    # -- listing --
    @property
    def items(self):
        return set(self._c.list_items())

    @property
    def snapshots(self):
        return set(self._c.snapshot_list())

    def list_items(self, **kwargs):
        """All item names, or those whose metadata has every given key with an
        equal value (PyStore's metadata query; items without metadata simply
        do not match)."""
        if not kwargs:
            return set(self._c.list_items())
        return set(self._c.list_items(json.dumps(kwargs, ensure_ascii=False)))

    def get_item_path(self, item, as_string=False):
        from pathlib import Path
        p = Path(self._c.path(), item)
        return str(p) if as_string else p

    _item_path = get_item_path

    # -- reading --
    def item(self, item, snapshot=None, filters=None, columns=None):
        return Item(item, self.datastore, self.collection, snapshot=snapshot, filters=filters,
                    columns=columns, engine=self.engine, _coll=self)

    def index(self, item, last=False):
        """The item's index (read without other columns); ``last=True``: its last value."""
        if last:
            res = self._c.tail(item, 1, None)
            df = _frames.from_result(res, self._pandas_meta(item))
            return df.index[-1] if len(df) else None
        cols, ix = self._c.schema(item)
        res = self._c.read(item, columns=[ix])
        return _frames.from_result(res, self._pandas_meta(item)).index

    def _pandas_meta(self, item, snapshot=None):
        meta = json.loads(self._c.metadata(item, snapshot))
        return meta.get(_frames.PANDAS_META_KEY)

    def _filter_column(self, item, col, snapshot, pandas_meta):
        """A column name as the user writes it -> the stored name."""
        cols, ix = self._c.schema(item, snapshot)
        names = [c[0] for c in cols]
        if col in names:
            return col
        if col == "index" and ix == _frames.UNNAMED_INDEX:
            return ix
        return col

    def get_item_metadata(self, item, use_cache=True):
        """Item metadata through a small cache (300 s TTL, as PyStore 1.0) that
        this object's write/append/delete invalidate."""
        now = time.time()
        hit = self._meta_cache.get(item)
        if use_cache and hit and now - hit[0] < 300:
            return dict(hit[1])
        meta = json.loads(self._c.metadata(item, None))
        meta.pop(_frames.PANDAS_META_KEY, None)
        self._meta_cache[item] = (now, meta)
        return dict(meta)

    def clear_metadata_cache(self, item=None):
        if item is None:
            self._meta_cache.clear()
        else:
            self._meta_cache.pop(item, None)

    # -- writing --
    def set_validator(self, validator):
        self._validator = validator

    def get_validator(self):
        return self._validator

    def _prepare(self, data):
        if isinstance(data, Item):
            data = data.to_pandas()
        elif hasattr(data, "compute") and not isinstance(data, (pd.DataFrame, pd.Series)):
            data = data.compute()  # a dask frame
        if isinstance(data, pd.Series):
            data = data.to_frame()
        if not isinstance(data, pd.DataFrame):
            raise TypeError("data must be a pandas DataFrame or Series (got %s)" % type(data).__name__)
        if self._validator is not None:
            self._validator.validate(data)
        return data

    def write(self, item, data, metadata={}, npartitions=None, overwrite=False, epochdate=False,
              reload_items=False, duplicates="keep_all", **kwargs):
        """Write ``data`` as a new item (ItemExistsError if it exists, unless
        ``overwrite=True``, which replaces data and metadata atomically).
        The caller's ``metadata`` dict is not modified. ``data`` may be a
        DataFrame, a Series (stored as a one-column frame) or an Item (e.g.
        from a snapshot). Rows are stored sorted by the index; duplicate
        index values are all kept (``duplicates=`` can choose otherwise)."""
        _check_kwargs(kwargs, "write")
        data = self._prepare(data)
        if metadata is not None and not isinstance(metadata, dict):
            raise ValidationError("metadata must be a dict")
        spec, pmeta = _frames.to_spec(data)
        meta = dict(metadata or {})
        meta.pop("_updated", None)
        meta[_frames.PANDAS_META_KEY] = pmeta
        try:
            self._c.write(item, spec, json.dumps(meta, ensure_ascii=False, default=str),
                          overwrite=bool(overwrite), duplicates=_dups(duplicates, None, "keep_all"),
                          part_rows=_part_rows(data, npartitions))
        except ItemExistsError:
            raise ItemExistsError("Item already exists. To overwrite, use `overwrite=True`. "
                                  "Otherwise, use `<collection>.append()` (item '%s')" % item) from None
        finally:
            self._meta_cache.pop(item, None)

    def write_threaded(self, *args, **kwargs):
        """write() in a background thread; returns a concurrent.futures.Future
        (exceptions are raised by ``future.result()``, not lost)."""
        ex = ThreadPoolExecutor(max_workers=1)
        fut = ex.submit(self.write, *args, **kwargs)
        ex.shutdown(wait=False)
        return fut

    def append(self, item, data, npartitions=None, epochdate=False, threaded=False, reload_items=False,
               duplicates=None, duplicate_handling=None, validate_schema=True, create=False, **kwargs):
        """Merge ``data`` into the item by index (the item stays sorted).

        ``duplicates`` / ``duplicate_handling`` (PyStore 1.0's name) decide
        what happens to rows whose index value is already stored:
        ``keep_last`` (default, upsert), ``keep_first`` (PyStore 0.1's "stored
        rows win"), ``keep_all``, ``error`` (DataIntegrityError, nothing
        written). Rows with equal values at different index values are never
        dropped (PyStore #43/#69). Column names and types must match the
        item (SchemaError); ``validate_schema=False`` additionally accepts
        losslessly widenable types (int32 -> int64, float32 -> float64).
        A missing item is ItemNotFoundError unless ``create=True``."""
        _check_kwargs(kwargs, "append")
        data = self._prepare(data)
        if len(data) == 0 and self._c.exists(item):
            return
        spec, pmeta = _frames.to_spec(data)
        try:
            self._c.append(item, spec, duplicates=_dups(duplicates, duplicate_handling, "keep_last"),
                           create=bool(create), widen=not validate_schema,
                           part_rows=_part_rows(data, npartitions))
        finally:
            self._meta_cache.pop(item, None)
        if create:
            meta = json.loads(self._c.metadata(item, None))
            if _frames.PANDAS_META_KEY not in meta:
                meta.pop("_updated", None)
                meta[_frames.PANDAS_META_KEY] = pmeta
                self._c.set_metadata(item, json.dumps(meta, ensure_ascii=False, default=str))

    def delete_item(self, item, reload_items=False):
        try:
            self._c.delete_item(item)
        finally:
            self._meta_cache.pop(item, None)
        return True

    def compact(self, item, part_rows=0):
        """Merge runs of small parts (C-backed). Returns the part count."""
        return self._c.compact(item, int(part_rows))

    # -- snapshots --
    def create_snapshot(self, snapshot=None):
        """Snapshot the whole collection (hard links; the name is sanitised as
        PyStore does). Returns True, as PyStore; the name used is
        ``self.last_snapshot``."""
        self.last_snapshot = self._c.snapshot_create(snapshot)
        return True

    def list_snapshots(self):
        return set(self._c.snapshot_list())

    def delete_snapshot(self, snapshot):
        """SnapshotNotFoundError if missing (PyStore silently returned True)."""
        try:
            self._c.snapshot_delete(snapshot)
        except SnapshotNotFoundError:
            raise
        except LookupError as e:
            raise SnapshotNotFoundError(str(e)) from None
        return True

    def delete_snapshots(self):
        self._c.snapshot_delete_all()
        return True

    def restore_snapshot(self, snapshot, item):
        """Make the live item equal to its state in ``snapshot`` (atomic; no data copied)."""
        self._c.snapshot_restore(snapshot, item)
        self._meta_cache.pop(item, None)
        return True

    # -- PyStore 1.0 "performance" API --
    def append_stream(self, item, data_iterator, chunk_size=10000, epochdate=False,
                      duplicate_handling="keep_last", validate_schema=True, reload_items=True, **kwargs):
        """Append the frames an iterator yields, buffered into batches of at
        least ``chunk_size`` rows (one C append per batch). Non-DataFrame
        chunks raise ValidationError; the item must exist (ItemNotFoundError)."""
        if not self._c.exists(item):
            raise ItemNotFoundError("item '%s' does not exist in collection '%s'" % (item, self.collection))
        buf, rows = [], 0
        for chunk in data_iterator:
            if isinstance(chunk, pd.Series):
                chunk = chunk.to_frame()
            if not isinstance(chunk, pd.DataFrame):
                raise ValidationError("append_stream: chunks must be DataFrames, got %s" % type(chunk).__name__)
            if len(chunk) == 0:
                continue
            buf.append(chunk)
            rows += len(chunk)
            if rows >= chunk_size:
                self.append(item, pd.concat(buf) if len(buf) > 1 else buf[0],
                            duplicate_handling=duplicate_handling, validate_schema=validate_schema, **kwargs)
                buf, rows = [], 0
        if buf:
            self.append(item, pd.concat(buf) if len(buf) > 1 else buf[0],
                        duplicate_handling=duplicate_handling, validate_schema=validate_schema, **kwargs)

    def write_batch(self, items_data, metadata=None, npartitions=None, overwrite=False, epochdate=False,
                    parallel=True, max_workers=None, **kwargs):
        """Write several items ({name: frame}); per-item ``metadata`` and
        ``npartitions`` dicts. With ``parallel`` the writes run on threads
        (the C library releases the GIL). Every failure is reported:
        StorageError "Batch write partially failed: k/n" with the causes."""
        metadata = metadata or {}
        npartitions = npartitions or {}

        def one(name):
            self.write(name, items_data[name], metadata=metadata.get(name, {}),
                       npartitions=npartitions.get(name), overwrite=overwrite, **kwargs)

        names = list(items_data)
        errors = {}
        if parallel and len(names) > 1:
            with ThreadPoolExecutor(max_workers=max_workers) as ex:
                futs = {n: ex.submit(one, n) for n in names}
                for n, f in futs.items():
                    e = f.exception()
                    if e is not None:
                        errors[n] = e
        else:
            for n in names:
                try:
                    one(n)
                except PyStoreError as e:
                    errors[n] = e
        if errors:
            err = StorageError("Batch write partially failed: %d/%d: %s" % (
                len(errors), len(names), "; ".join("%s: %s" % (k, v) for k, v in errors.items())))
            err.errors = errors
            raise err

    def read_batch(self, items, columns=None, filters=None):
        """{name: DataFrame or None}; per-item ``columns``/``filters`` dicts.
        A failing item maps to None (logged, as PyStore)."""
        columns = columns or {}
        filters = filters or {}
        out = {}
        for name in items:
            try:
                out[name] = self.item(name, columns=columns.get(name), filters=filters.get(name)).to_pandas()
            except PyStoreError as e:
                log.warning("read_batch: %s: %s", name, e)
                out[name] = None
        return out

    def __repr__(self):
        return "PyStore.collection <%s>" % self.collection
