"""PyStore's Collection (a namespace of items with snapshots)."""
import itertools
import json
import math
import warnings
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from . import _frames, _pystore, config
from .exceptions import (ItemExistsError, ItemNotFoundError, PyStoreError, SnapshotNotFoundError,
                         StorageError, ValidationError)
from .filters import normalize
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
        self._validator = None

    def verify(self):
        """Integrity check of the collection, snapshots included (see ``pystore.verify``)."""
        return _pystore.verify(str(Path(self.datastore) / self.collection))

    # -- listing --
    @property
    def items(self):
        """Item names (served by the C metadata cache, revalidated on every hit)."""
        return set(self._c.cached_list_items())

    @property
    def snapshots(self):
        return set(self._c.snapshot_list())

    def list_items(self, **kwargs):
        """All item names, or those whose metadata has every given key with an
        equal value (PyStore's metadata query; items without metadata simply
        do not match)."""
        if not kwargs:
            return set(self._c.cached_list_items())
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
        meta = json.loads(self._c.metadata(item, snapshot) if snapshot else self._c.cached_metadata(item))
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
        """Item metadata (a fresh dict) through libpystore's process-wide
        metadata cache (``ps_cached_item_metadata``; TTL 300 s,
        ``pystore.cache.set_ttl``). Unlike PyStore 1.0's per-object dict it
        is never stale: every write in this process invalidates it and every
        hit is revalidated against the item's files and the collection's
        generation file, so writes by other processes are seen too."""
        text = self._c.cached_metadata(item) if use_cache else self._c.metadata(item, None)
        meta = json.loads(text)
        meta.pop(_frames.PANDAS_META_KEY, None)
        return meta

    def clear_metadata_cache(self, item=None):
        """Drop cached metadata (``ps_cache_clear``: the C cache has no
        per-item clear, so this drops every entry; only costs re-reads)."""
        _pystore.cache_clear()

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
        self._c.append(item, spec, duplicates=_dups(duplicates, duplicate_handling, "keep_last"),
                       create=bool(create), widen=not validate_schema, part_rows=_part_rows(data, npartitions))
        if create:
            meta = json.loads(self._c.metadata(item, None))
            if _frames.PANDAS_META_KEY not in meta:
                meta.pop("_updated", None)
                meta[_frames.PANDAS_META_KEY] = pmeta
                self._c.set_metadata(item, json.dumps(meta, ensure_ascii=False, default=str))

    def delete_item(self, item, reload_items=False):
        self._c.delete_item(item)
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
        return True

    # -- PyStore 1.0 "performance" API (C-backed: docs/phase3.md) --
    def append_stream(self, item, data_iterator, chunk_size=10000, epochdate=False, duplicate_handling=None,
                      validate_schema=True, reload_items=True, duplicates=None, create=False, **kwargs):
        """Append every DataFrame an iterator yields as **one** atomic append
        (``ps_item_append_stream``): the result equals ``append`` of all the
        frames concatenated, committed once at the end (all or nothing).
        Frames are pulled one at a time (the GIL is held only while a frame
        is produced and converted) and cut into chunks of ``chunk_size``
        rows; out-of-order or overlapping chunks are spilled as sorted runs
        and merged, so memory stays about one chunk whatever the total.

        ``duplicates`` / ``duplicate_handling``: as ``append`` (default
        ``keep_last``; duplicates are resolved in arrival order).
        Non-DataFrame chunks raise ValidationError, empty ones are skipped.
        Any exception raised by the iterator aborts the stream: nothing is
        committed and the exception propagates. A missing item is
        ItemNotFoundError unless ``create=True``. ``validate_schema=False``
        allows lossless widening (as ``append``). The C statistics of the
        last call are in ``self.last_append_stream`` (rows, spilled_runs)."""
        _check_kwargs(kwargs, "append_stream")
        dups = _dups(duplicates, duplicate_handling, "keep_last")
        try:
            chunk_rows = int(chunk_size or 0)
        except (TypeError, ValueError):
            raise ValidationError("chunk_size must be a positive integer, got %r" % (chunk_size,)) from None
        if chunk_rows < 0:
            raise ValidationError("chunk_size must be a positive integer, got %r" % (chunk_size,))
        exists = self._c.exists(item)
        if not exists and not create:
            raise ItemNotFoundError("item '%s' does not exist in collection '%s'" % (item, self.collection))
        source = iter(data_iterator)

        def specs():
            for chunk in source:
                if isinstance(chunk, pd.Series):
                    chunk = chunk.to_frame()
                if not isinstance(chunk, pd.DataFrame):
                    raise ValidationError("append_stream: chunks must be DataFrames, got %s" % type(chunk).__name__)
                if len(chunk) == 0:
                    continue
                if self._validator is not None:
                    self._validator.validate(chunk)
                yield _frames.to_spec(chunk)

        gen = specs()
        batches = (spec for spec, _ in gen)
        meta = None
        if not exists:
            # a new item: its metadata (with the pandas dtypes) goes with the stream
            first = next(gen, None)
            if first is None:
                self.last_append_stream = {"rows": 0, "spilled_runs": 0}
                return None
            meta = json.dumps({_frames.PANDAS_META_KEY: first[1]}, ensure_ascii=False, default=str)
            batches = itertools.chain([first[0]], batches)
        try:
            rows, runs = self._c.append_stream(item, batches, duplicates=dups, create=bool(create),
                                               widen=not validate_schema, chunk_rows=chunk_rows, metadata=meta)
        finally:
            gen.close()
        self.last_append_stream = {"rows": rows, "spilled_runs": runs}
        log.debug("append_stream %s: %d rows, %d spilled runs", item, rows, runs)
        return None

    def write_batch(self, items_data, metadata=None, npartitions=None, overwrite=False, epochdate=False,
                    parallel=True, max_workers=None, threads=None, duplicates="keep_all", **kwargs):
        """Write several items in one call (``ps_write_batch``: a C thread
        pool, the GIL released while it runs). ``items_data``: a dict
        {name: DataFrame} or a list of (name, DataFrame) pairs; ``metadata``
        and ``npartitions``: per-item dicts. ``threads`` (or PyStore's
        ``max_workers``; 0/None = cores); ``parallel=False`` = one thread.

        One failing item does not stop the others, and no error is lost: if
        any item fails, StorageError "Batch write partially failed: k/n: ..."
        is raised after the batch, with ``.errors`` = {name: exception of the
        specific class (ItemExistsError, SchemaError, ...)} and
        ``.succeeded`` = [names written]."""
        _check_kwargs(kwargs, "write_batch")
        pairs = list(items_data.items()) if isinstance(items_data, dict) else [tuple(p) for p in items_data]
        metadata = metadata or {}
        npartitions = npartitions or {}
        if not parallel:
            nthreads = 1
        else:
            nthreads = int(threads if threads is not None else (max_workers or 0))
        dups = _dups(duplicates, None, "keep_all")
        errors, entries, singles = {}, [], []
        for name, data in pairs:
            try:
                data = self._prepare(data)
                m = metadata.get(name) or {}
                if not isinstance(m, dict):
                    raise ValidationError("metadata for item '%s' must be a dict" % name)
                spec, pmeta = _frames.to_spec(data)
                meta = dict(m)
                meta.pop("_updated", None)
                meta[_frames.PANDAS_META_KEY] = pmeta
                mj = json.dumps(meta, ensure_ascii=False, default=str)
                part_rows = _part_rows(data, npartitions.get(name))
            except (PyStoreError, TypeError, ValueError) as e:
                errors[name] = e
                continue
            if part_rows:
                singles.append((name, spec, mj, part_rows))  # rows per part: the single-item writer
            else:
                entries.append((name, spec, mj))
        results = self._c.write_batch(entries, overwrite=bool(overwrite), duplicates=dups, threads=nthreads)
        for (name, _, _), r in zip(entries, results):
            if isinstance(r, BaseException):
                errors[name] = r
            elif r[0] != 0:
                errors[name] = _pystore.error(r[0], r[1] or "")
        for name, spec, mj, part_rows in singles:
            try:
                self._c.write(name, spec, mj, overwrite=bool(overwrite), duplicates=dups, part_rows=part_rows)
            except PyStoreError as e:
                errors[name] = e
        if errors:
            err = StorageError("Batch write partially failed: %d/%d: %s" % (
                len(errors), len(pairs), "; ".join("%s: %s" % (k, v) for k, v in errors.items())))
            err.errors = errors
            err.succeeded = [n for n, _ in pairs if n not in errors]
            raise err
        return None

    def read_batch(self, items, columns=None, filters=None, threads=None, raise_errors=False):
        """Read several items in one call (``ps_read_batch``: a C thread pool,
        the GIL released while it runs) -> {name: DataFrame or None}.
        ``columns`` / ``filters``: per-item dicts (PyStore), or one list for
        every item. A failing item maps to None, as PyStore 1.0 (logged as a
        warning); its exception (ItemNotFoundError, ...) is kept in
        ``self.last_batch_errors`` = {name: exception}. With
        ``raise_errors=True`` a StorageError "Batch read partially failed:
        k/n" is raised instead, with ``.errors`` and ``.results``."""
        names = list(items)

        def per(opt, name):
            if opt is None:
                return None
            if isinstance(opt, dict):
                return opt.get(name)
            return opt

        errors, entries, wanted = {}, [], {}
        for name in names:
            cols = per(columns, name)
            cols = list(cols) if cols is not None else None
            try:
                filt = normalize(per(filters, name), lambda c, _n=name: self._batch_rename(_n, c))
            except PyStoreError as e:
                errors[name] = e
                continue
            wanted[name] = cols
            entries.append((name, [str(c) for c in cols] if cols is not None else None, filt, None, None, 0))
        results = self._c.read_batch(entries, threads=int(threads or 0))
        out = {}
        for (name, *_), (status, msg, res, meta) in zip(entries, results):
            if status != 0:
                errors[name] = _pystore.error(status, msg or "")
                continue
            pmeta = json.loads(meta).get(_frames.PANDAS_META_KEY) if meta else None
            out[name] = _frames.from_result(res, pmeta, wanted[name])
        for name in names:
            if name in errors:
                log.warning("read_batch: %s: %s", name, errors[name])
                out[name] = None
        out = {n: out[n] for n in names}
        self.last_batch_errors = errors
        if errors and raise_errors:
            err = StorageError("Batch read partially failed: %d/%d: %s" % (
                len(errors), len(names), "; ".join("%s: %s" % (k, v) for k, v in errors.items())))
            err.errors = errors
            err.results = out
            raise err
        return out

    def _batch_rename(self, item, col):
        if col == "index":  # the unnamed index is stored as __null_dask_index__
            return self._filter_column(item, col, None, None)
        return col

    def __repr__(self):
        return "PyStore.collection <%s>" % self.collection
