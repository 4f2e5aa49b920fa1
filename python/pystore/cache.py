"""libpystore's process-wide metadata cache (``ps_cache_*``).

Item lists, item info, item metadata and partition statistics are cached
with a TTL (default 300 s, ``$PYSTORE_CACHE_TTL``). Entries are never stale:
this process's writes invalidate what they touch, and every hit is
revalidated against a change stamp (the collection's ``.pystore_generation``
file, bumped after each commit by any process using libpystore, plus stat()
of the item's manifest/metadata and the collection directory), so writes by
other processes are seen on the next call. ``Collection.items``,
``list_items()``, ``get_item_metadata`` and ``Item.metadata`` use it."""
from . import _pystore


def set_ttl(seconds):
    """TTL in seconds; <= 0 disables the cache."""
    _pystore.cache_set_ttl(float(seconds))


def get_ttl():
    return _pystore.cache_ttl()


def clear():
    _pystore.cache_clear()


def stats():
    """{'hits', 'misses', 'invalidations', 'entries'}"""
    return _pystore.cache_stats()
