"""The vector tiles: ``/tiles/<layer>/<z>/<x>/<y>.pbf`` (layers.tiles), as the user's role
and area allow; ETag and 304, gzip."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.utils.cache import get_conditional_response
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from households import access
from layers.tiles import UnknownLayer, layer_get
from layers.tiles.cache import tile_cached, tile_key
from layers.tiles.registry import MAX_ZOOM

MVT = "application/vnd.mapbox-vector-tile"
BAD_Z = "z must be a whole number from 0 to {max}, not {value!r}"
BAD_XY = "{name} must be a whole number from 0 to {max} at zoom {z}, not {value!r}"


class TileAddressError(ValueError):
    """A z/x/y outside the tile pyramid (answered with 400, naming the parameter)."""


def _whole(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else None


def tile_address(z: str, x: str, y: str) -> tuple[int, int, int]:
    zi = _whole(z)
    if zi is None or zi > MAX_ZOOM:
        raise TileAddressError(BAD_Z.format(max=MAX_ZOOM, value=z))
    top = 2**zi - 1
    for name, value in (("x", x), ("y", y)):
        vi = _whole(value)
        if vi is None or vi > top:
            raise TileAddressError(BAD_XY.format(name=name, max=top, z=zi, value=value))
    return zi, int(x), int(y)


@login_required
@require_GET
@gzip_page
def tile(request, layer, z, x, y):
    try:
        tile_layer = layer_get(layer)
    except UnknownLayer as exc:
        return HttpResponseNotFound(str(exc), content_type="text/plain; charset=utf-8")
    try:
        zi, xi, yi = tile_address(z, x, y)
    except TileAddressError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    scope = access.require(request.user, tile_layer.action)
    key = tile_key(tile_layer, scope, zi, xi, yi)
    etag = f'"{key.rsplit(":", 1)[-1]}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _revalidate(not_modified)
    response = HttpResponse(tile_cached(tile_layer, scope, zi, xi, yi, key), content_type=MVT)
    response["ETag"] = etag
    return _revalidate(response)


def _revalidate(response):
    """The browser keeps tiles but asks each time (an edit must show at once): a 304
    costs a stamp lookup, no query of the data."""
    response["Cache-Control"] = "private, no-cache"
    return response
