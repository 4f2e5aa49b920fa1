"""PyStore's ``store`` (a datastore under the base path)."""
import json
from pathlib import Path

from . import _pystore, config
from .collection import Collection
from .exceptions import CollectionExistsError, CollectionNotFoundError


class store(object):
    """``pystore.store(name)``: opens the store, creating it (with its
    ``pystore_metadata.json``) if missing. ``engine`` is accepted for
    compatibility; only "pyarrow"-compatible Parquet is written."""

    def __init__(self, datastore, engine="pyarrow"):
        base = str(config.get_base())
        self._s = _pystore.Store(datastore, base_path=base, create=True,
                                 no_fsync=config.NO_FSYNC, lock_timeout_ms=config.LOCK_TIMEOUT_MS)
        self.name = datastore
        self.datastore = Path(self._s.path())
        self.engine = engine

    def verify(self):
        """Integrity check of the whole store (see ``pystore.verify``)."""
        return _pystore.verify(str(self.datastore))

    @property
    def collections(self):
        """Collection names (a fresh directory scan; PyStore cached a list)."""
        return self.list_collections()

    def list_collections(self):
        return self._s.list_collections()

    def collection(self, collection, overwrite=False):
        """Open (creating if missing) a collection. ``overwrite=True`` deletes
        an existing collection and recreates it empty (as PyStore)."""
        if overwrite and collection in self._s.list_collections():
            self._s.delete_collection(collection)
        return Collection(collection, self)

    def create_collection(self, collection, overwrite=False):
        """Create a collection; CollectionExistsError if it exists (unless overwrite)."""
        if collection in self._s.list_collections() and not overwrite:
            raise CollectionExistsError("collection '%s' already exists in store '%s'" % (collection, self.name))
        return self.collection(collection, overwrite=overwrite)

    def delete_collection(self, collection):
        """Remove a collection; CollectionNotFoundError if missing."""
        try:
            self._s.delete_collection(collection)
        except CollectionNotFoundError:
            raise
        except LookupError as e:
            raise CollectionNotFoundError(str(e)) from None
        return True

    def item(self, collection, item):
        return self.collection(collection).item(item)

    @property
    def metadata(self):
        return json.loads(self._s.metadata())

    def __repr__(self):
        return "PyStore.datastore <%s>" % self.datastore
