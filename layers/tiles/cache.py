"""Tiles kept per scope under the data stamps of the townships they show.

A tile's key names the layer, z/x/y, the scope it was made for (role and area: two users
with the same area share tiles, nobody gets another area's) and the stamps
(``households.stamps``) of the county and of the townships whose villages reach the tile
(for a user bound to a township or below, that township). A new grid version, an import
or an edit there gives the township a new stamp, hence new keys: the old tiles are never
read again and leave the cache with its timeout. The key is also the tile's ETag.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.db import connection

from households.models import Village
from households.scoping import COUNTY
from households.stamps import stamps

from .mvt import BUFFER, EXTENT, tile_bytes
from .registry import TileLayer

TILE_CACHE = "tiles"  # alias in settings.CACHES


def townships_in_tile(scope, z: int, x: int, y: int) -> list[int]:
    """The townships whose data a tile may show to the scope."""
    if scope.level != COUNTY:
        return [scope.township_id] if scope.township_id else []
    table = Village._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT township_id FROM {table} WHERE boundary && "
            "ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), 4326)",
            (z, x, y, BUFFER / EXTENT),
        )
        return sorted(r[0] for r in cur.fetchall())


def tile_key(layer: TileLayer, scope, z: int, x: int, y: int) -> str:
    versions = stamps(townships_in_tile(scope, z, x, y))
    raw = f"{layer.name}/{z}/{x}/{y}|{scope.cache_key()}|{versions}"
    return f"tile:{layer.name}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def tile_cached(layer: TileLayer, scope, z: int, x: int, y: int, key: str) -> bytes:
    """The tile from the cache, or made by PostGIS and kept."""
    cache = caches[TILE_CACHE]
    body = cache.get(key)
    if body is None:
        body = tile_bytes(layer, scope, z, x, y)
        cache.set(key, body)
    return body
