"""A county's own basemap, served from one MBTiles file (``GIS_MBTILES_PATH``): raster tiles
in SQLite (the MBTiles 1.3 specification, mapbox/mbtiles-spec), read-only.

MBTiles rows count tiles from the south (TMS): the row of web tile (z, x, y) is
``2**z - 1 - y``. A tile the file does not hold is a 404 (Leaflet shows the blank
background there); a malformed z/x/y is a 400 naming the parameter.
"""

import sqlite3
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

MAX_ZOOM = 22  # MBTiles files rarely go past 19; 2**22 tiles a side is far past any county
FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
ERR_PARAM = "{name}: expected a whole number from 0 to {top}, not {value!r}"
CACHE_SECONDS = 24 * 3600  # the file changes when an administrator replaces it


def _connect(path: str) -> sqlite3.Connection:
    # read-only, never creates a file; one connection per thread (sqlite3's default check)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=True)


@lru_cache(maxsize=4)
def _format(path: str) -> str:
    with _connect(path) as db:
        row = db.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
    return FORMATS.get((row[0] if row else "png").lower(), "image/png")


def _number(name: str, value: str, top: int) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= 8 and int(value) <= top):
        raise ValueError(ERR_PARAM.format(name=name, top=top, value=value[:20]))
    return int(value)


def tile_read(path: str, z: int, x: int, y: int) -> bytes | None:
    """The tile's bytes, or None when the file holds no such tile."""
    with _connect(path) as db:
        row = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y),
        ).fetchone()
    return bytes(row[0]) if row else None


@login_required
@require_GET
def basemap_tile(request, z, x, y):
    path = settings.GIS_MBTILES_PATH
    if not path:
        raise Http404
    try:
        zoom = _number("z", z, MAX_ZOOM)
        col = _number("x", x, (1 << zoom) - 1)
        row = _number("y", y, (1 << zoom) - 1)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    data = tile_read(path, zoom, col, row)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type=_format(path))
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    return response
