"""Tile layers, declared once each: what ``/tiles/<layer>/<z>/<x>/<y>.pbf`` serves.

A layer is a scoped queryset and the few values a map draws from it::

    register(TileLayer(
        name="incidents",
        queryset=lambda scope: Incident.objects.for_scope(scope).filter(closed_at=None),
        tile_fields={"id": "pk", "category": "category", "state": "state"},
        geom="location",
        min_zoom=12,
        kind=POINT,
    ))

``queryset(scope)`` starts from ``Model.objects.for_scope(scope)`` (households.scoping):
a tile holds only rows of the user's area. ``tile_fields`` maps each property of a tile's
features to a value of the queryset (a field path or an annotation); nothing else leaves
the server, so a layer names no ID number or phone. ``geom`` is a geometry (EPSG:4326)
field or annotation, or a function of the tile's bounds (EPSG:4326) giving the geometry
to draw there (a township's outline: the union of its villages in the tile); ``within``
an indexed geometry path (through any relation) that tells which rows lie in the tile
when ``geom`` is computed (a member area's hull lies in its grid). ``action`` is the right a role needs
(``households.access.MATRIX``). ``cluster_below``: below this zoom, points are counted per
cell instead (a feature per cell with ``n``, its count). The tiles of a layer are cached
per scope under the stamps of the townships they show (``households.stamps``): a layer
whose rows change outside the services that call ``data_changed`` must call it too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db.models import Expression, QuerySet

POINT, POLYGON = "point", "polygon"
MAX_ZOOM = 22  # the deepest zoom served: Leaflet's maps here stop at 19 (settings.LEAFLET_CONFIG)

UNKNOWN_LAYER = "Unknown tile layer {name!r}: the layers are {names}."
DUPLICATE_LAYER = "Tile layer {name!r} is declared twice."


class UnknownLayer(LookupError):
    """A tile layer nobody declared (answered with 404, naming the layers there are)."""


@dataclass(frozen=True)
class TileLayer:
    name: str
    queryset: Callable[..., QuerySet]
    tile_fields: Mapping[str, str]
    geom: str | Callable[..., Expression] = "geom"
    within: str = ""
    kind: str = POLYGON
    min_zoom: int = 0
    max_zoom: int = MAX_ZOOM
    action: str = "view_map"
    cluster_below: int | None = None
    description: str = field(default="", compare=False)

    def __post_init__(self):
        if self.kind not in (POINT, POLYGON):
            raise ValueError(f"kind must be {POINT!r} or {POLYGON!r}, not {self.kind!r}")
        if not 0 <= self.min_zoom <= self.max_zoom <= MAX_ZOOM:
            raise ValueError(f"{self.name}: zooms must run 0 <= min <= max <= {MAX_ZOOM}")
        if self.cluster_below is not None and self.kind != POINT:
            raise ValueError(f"{self.name}: only points are counted per cell")

    def serves(self, z: int) -> bool:
        return self.min_zoom <= z <= self.max_zoom

    def clustered(self, z: int) -> bool:
        return self.cluster_below is not None and z < self.cluster_below


_LAYERS: dict[str, TileLayer] = {}


def register(layer: TileLayer) -> TileLayer:
    """Declare a tile layer (once, from a module imported at start-up: an app's ready())."""
    if layer.name in _LAYERS and _LAYERS[layer.name] != layer:
        raise ValueError(DUPLICATE_LAYER.format(name=layer.name))
    _LAYERS[layer.name] = layer
    return layer


def layer_get(name: str) -> TileLayer:
    try:
        return _LAYERS[name]
    except KeyError:
        names = ", ".join(sorted(_LAYERS))
        raise UnknownLayer(UNKNOWN_LAYER.format(name=name, names=names)) from None


def layers() -> dict[str, TileLayer]:
    return dict(_LAYERS)
