"""Data version stamps: a token per township that changes whenever its data does.

Answers built from the data (vector tiles, the GeoJSON layers of the maps) are cached
under a key that includes the stamps of the townships they show, and carry it in their
ETag: a new grid version, an import or an edit gives the township a new stamp, so the
next request misses the cache and a browser's copy no longer matches.

The services that write call :func:`data_changed` inside their transaction; the stamps
are replaced once it commits, so a reader that sees a new stamp also sees the new rows
(replaced earlier, a reader could cache the old rows under the new stamp). A change that
belongs to no single township (an import, which may create townships or households outside
every group) replaces the county stamp, which every key includes.

Stamps live in Django's cache (``STAMP_CACHE``; a file cache by default, shared by the
server's processes, so no new service). A stamp the cache lost is simply made anew: keys
built on it are new too, and nothing stale is ever served for want of a stamp.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from django.core.cache import caches
from django.db import transaction

STAMP_CACHE = "default"  # alias in settings.CACHES
COUNTY = "county"
_PREFIX = "stamp:"


def _key(township) -> str:
    return f"{_PREFIX}{township}"


def _new() -> str:
    return uuid.uuid4().hex[:16]


def _replace(keys: list[str]) -> None:
    caches[STAMP_CACHE].set_many({k: _new() for k in keys}, timeout=None)


def data_changed(township_ids: Iterable[int] | None = None) -> None:
    """The data of these townships (None: of the whole county) changed in the current
    transaction: give them new stamps when it commits."""
    keys = [_key(COUNTY)] if township_ids is None else sorted({_key(t) for t in township_ids})
    if keys:
        transaction.on_commit(lambda: _replace(keys))


def data_etag(request, scope, township_ids: Iterable[int]) -> str:
    """An ETag for a data answer: its URL, the user's scope (``access.Scope``), the
    language, and the stamps of the townships it shows."""
    raw = "|".join(
        (request.get_full_path(), scope.cache_key(), request.LANGUAGE_CODE, stamps(township_ids))
    )
    return f'"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"'


def stamps(township_ids: Iterable[int]) -> str:
    """The county stamp and those of the given townships, as one string for a cache key."""
    cache = caches[STAMP_CACHE]
    keys = [_key(COUNTY), *sorted({_key(t) for t in township_ids})]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:  # never stamped, or lost by the cache: a first stamp
            first = _new()
            cache.add(key, first, timeout=None)
            found[key] = cache.get(key) or first
    return "-".join(f"{k.removeprefix(_PREFIX)}.{found[k]}" for k in keys)
