"""PyStore's exception hierarchy (PyStore 1.0 names), raised with libpystore's
messages. The C extension maps status codes to these classes (see
``_register``); not-found/exists errors pick the class from the subject the
C message names (item, collection, store, snapshot).

For compatibility with PyStore 0.1.x, which raised ``ValueError`` for
"Item already exists" / "Item does not exist" / "Collection exists!", those
classes also derive from ``ValueError``.
"""


class PyStoreError(Exception):
    """Base class of every pystore error. ``code``/``status``: libpystore's
    status code and its name when the error came from the C library."""

    code = None
    status = None


class DataIntegrityError(PyStoreError):
    """Duplicate index values with duplicates='error', corrupt data."""


class ItemNotFoundError(PyStoreError, ValueError):
    pass


class ItemExistsError(PyStoreError, ValueError):
    pass


class CollectionNotFoundError(PyStoreError, ValueError):
    pass


class CollectionExistsError(PyStoreError, ValueError):
    pass


class StoreNotFoundError(PyStoreError, ValueError):
    pass


class SnapshotNotFoundError(PyStoreError, ValueError):
    pass


class SnapshotExistsError(PyStoreError, ValueError):
    pass


class NotFoundError(PyStoreError, LookupError):
    """Something else was not found (e.g. a column named in ``columns=``)."""


class StorageError(PyStoreError, OSError):
    """I/O errors, locks, no space, corrupt files."""


class TransactionError(StorageError):
    pass


class StoragePermissionError(StorageError, PermissionError):
    """Permission denied or a read-only file system (PS_ERR_PERMISSION)."""


class SchemaError(PyStoreError, TypeError):
    """Column names/types of appended data differ from the stored item, or a
    type that cannot be stored."""


class ConfigurationError(PyStoreError, ValueError):
    pass


class ValidationError(PyStoreError, ValueError):
    """Invalid names, arguments, filters."""


def _register():
    from . import _pystore

    _pystore._set_exceptions({
        "default": PyStoreError,
        "item_not_found": ItemNotFoundError,
        "collection_not_found": CollectionNotFoundError,
        "store_not_found": StoreNotFoundError,
        "snapshot_not_found": SnapshotNotFoundError,
        "item_exists": ItemExistsError,
        "collection_exists": CollectionExistsError,
        "store_exists": PyStoreError,
        "snapshot_exists": SnapshotExistsError,
        "PS_ERR_NOT_FOUND": NotFoundError,
        "PS_ERR_EXISTS": PyStoreError,
        "PS_ERR_IO": StorageError,
        "PS_ERR_CORRUPT": DataIntegrityError,
        "PS_ERR_CODEC": StorageError,
        "PS_ERR_LOCKED": StorageError,
        "PS_ERR_NOSPACE": StorageError,
        "PS_ERR_PERMISSION": StoragePermissionError,
        "PS_ERR_LIMIT": StorageError,
        "PS_ERR_UNSUPPORTED": SchemaError,
        "PS_ERR_SCHEMA": SchemaError,
        "PS_ERR_DUPLICATE": DataIntegrityError,
        "PS_ERR_INVALID": ValidationError,
        "PS_ERR_NAME": ValidationError,
        "PS_ERR_PARSE": ValidationError,
        "PS_ERR_INTERNAL": PyStoreError,
    })


__all__ = [
    "PyStoreError", "DataIntegrityError", "ItemNotFoundError", "ItemExistsError",
    "CollectionNotFoundError", "CollectionExistsError", "StoreNotFoundError",
    "SnapshotNotFoundError", "SnapshotExistsError", "NotFoundError", "StorageError",
    "TransactionError", "StoragePermissionError", "SchemaError", "ConfigurationError", "ValidationError",
]
