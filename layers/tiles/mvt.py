"""A Mapbox Vector Tile of one layer, written by PostGIS from the layer's scoped queryset.

The queryset keeps the rows whose geometry overlaps the tile (widened by its buffer; a
bounding-box test that the geometry's GiST index answers), annotates the geometry in tile
coordinates (``ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y))``) and the
layer's ``tile_fields``, and ``ST_AsMVT`` writes the tile from exactly those columns.
Polygons are first simplified to a quarter of a tile unit, in EPSG:4326 (fewer vertices to
transform at low zooms; nothing a screen can show is lost). Points of a layer counted per
cell at low zooms are grouped by cell in the same query: a feature per cell at the mean of
its points, with ``n``, the number of points.
"""

from __future__ import annotations

import math

from django.contrib.gis.db.models.functions import Transform
from django.db import connection
from django.db.models import F

from households.functions import AsMVTGeom, SimplifyPreserveTopology, TileEnvelope

from .registry import POLYGON, TileLayer

EXTENT = 4096  # tile units across a tile: the MVT specification's customary extent
# Buffer around the tile, in tile units (of EXTENT): 16 of 256 pixels, wider than the
# largest symbol drawn (household dots of radius 7 px plus their outline), so a point
# near an edge is drawn whole by both tiles; polygons' outlines continue past the edge.
BUFFER = 256
TILE_PX = 256  # Leaflet's tile size
# Cells that points are counted in at low zooms: 64 px, close to the 80 px radius within
# which Leaflet.markercluster (the township map's clusters so far) grouped markers.
CELL_PX = 64
_CELLS = TILE_PX // CELL_PX  # per side of a tile
# A cell's point (the mean of its points) is kept this far from the tile's edges: the
# largest count circle the maps draw (radius 18 px) is never cut by the edge.
EDGE_PX = 20
_EARTH = 6378137.0  # EPSG:3857 sphere radius, metres
_HALF = math.pi * _EARTH


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's square in EPSG:3857 metres: xmin, ymin, xmax, ymax."""
    side = 2 * _HALF / 2**z
    return -_HALF + x * side, _HALF - (y + 1) * side, -_HALF + (x + 1) * side, _HALF - y * side


def _simplified(layer: TileLayer, geom: str, z: int):
    if layer.kind != POLYGON:
        return F(geom)
    degrees_per_unit = 360.0 / 2**z / EXTENT
    return SimplifyPreserveTopology(geom, degrees_per_unit / 4)


def _rows(layer: TileLayer, scope, z: int, x: int, y: int):
    """The layer's rows in the tile (and its buffer), and the name of their geometry."""
    bounds = Transform(TileEnvelope(z, x, y, BUFFER / EXTENT), 4326)
    rows = layer.queryset(scope)
    if layer.within:  # by a related geometry: a subquery, so no row comes twice
        inside = rows.model._default_manager.filter(**{f"{layer.within}__bboverlaps": bounds})
        rows = rows.filter(pk__in=inside.values("pk"))
    else:
        rows = rows.filter(**{f"{layer.geom}__bboverlaps": bounds})
    if callable(layer.geom):
        return rows.annotate(t_source=layer.geom(bounds)), "t_source"
    return rows, layer.geom


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def tile_bytes(layer: TileLayer, scope, z: int, x: int, y: int) -> bytes:
    """The layer's tile z/x/y as the scope sees it (b"" when it holds nothing)."""
    if not layer.serves(z):
        return b""
    rows, source = _rows(layer, scope, z, x, y)
    if layer.clustered(z):
        return _clustered(layer, rows, source, z, x, y)
    values = {f"t_{name}": F(path) for name, path in layer.tile_fields.items()}
    shape = Transform(_simplified(layer, source, z), 3857)
    geom = AsMVTGeom(shape, TileEnvelope(z, x, y), EXTENT, BUFFER)
    sql, params = rows.values(**values, t_geom=geom).query.sql_with_params()
    columns = ", ".join(f"q.t_{n} AS {_quoted(n)}" for n in layer.tile_fields)
    return _mvt(
        f"SELECT q.t_geom AS geom{', ' if columns else ''}{columns} FROM ({sql}) q "
        "WHERE q.t_geom IS NOT NULL",
        params,
        layer.name,
    )


def _clustered(layer: TileLayer, rows, source: str, z: int, x: int, y: int) -> bytes:
    """Points counted per cell of CELL_PX pixels (cells aligned with the tile): each cell
    a point at the mean of its points (in EPSG:3857, within EDGE_PX of the edges)."""
    xmin, ymin, xmax, ymax = tile_bounds(z, x, y)
    cell = (xmax - xmin) / _CELLS
    sql, params = rows.values(t_geom=F(source)).query.sql_with_params()
    # EPSG:3857 from longitude and latitude by the formula (no ST_Transform per point)
    mx = f"({_EARTH} * radians(ST_X(q.t_geom)))"
    my = f"({_EARTH} * ln(tan(pi() / 4 + radians(ST_Y(q.t_geom)) / 2)))"
    edge = EDGE_PX * (xmax - xmin) / TILE_PX
    px = f"least(greatest(avg({mx}), {xmin + edge!r}), {xmax - edge!r})"
    py = f"least(greatest(avg({my}), {ymin + edge!r}), {ymax - edge!r})"
    inner = (
        f"SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint({px}, {py}), 3857), "
        f"ST_TileEnvelope(%s, %s, %s), {EXTENT}, 0) AS geom, count(*) AS n FROM ({sql}) q "
        f"WHERE {mx} >= %s AND {mx} < %s AND {my} > %s AND {my} <= %s "
        f"GROUP BY floor(({mx} - %s) / %s), floor(({my} - %s) / %s)"
    )
    bounds = (xmin, xmax, ymin, ymax, xmin, cell, ymin, cell)
    return _mvt(inner, (z, x, y, *params, *bounds), layer.name)


def _mvt(inner: str, params, name: str) -> bytes:
    with connection.cursor() as cur:
        cur.execute(f"SELECT ST_AsMVT(m, %s, {EXTENT}, 'geom') FROM ({inner}) m", (name, *params))
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
