"""PostGIS functions Django lacks (one class each), and the geometry at the API boundary.

Geometries are stored in EPSG:4326 (``households.models.SRID``); what leaves the server for
a map or an API is transformed to ``API_SRID``, simplified to the precision it is written
with, and written as GeoJSON by PostGIS, in the query that reads it.
"""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc, Transform
from django.db.models import FloatField, IntegerField, Subquery, Value

API_SRID = 4326  # GeoJSON (RFC 7946) and Leaflet take WGS84 longitude, latitude
COORD_DIGITS = 6  # decimals written: 1e-6 degree is ~0.1 m at these latitudes
# A vertex within the written precision of the line through its neighbours changes nothing
# on the map; dropping those shrinks the demo's grid polygons by about a third.
SIMPLIFY_TOLERANCE = 10.0**-COORD_DIGITS


class SimplifyPreserveTopology(GeoFunc):
    """ST_SimplifyPreserveTopology(geom, tolerance): fewer vertices, never an invalid polygon
    (a one-part MultiPolygon comes back as a Polygon: see Multi)."""

    output_field = GeometryField()


class Multi(GeoFunc):
    """ST_Multi(geom): the geometry as a collection (MultiPolygon for a Polygon)."""

    output_field = GeometryField()


class FlipCoordinates(GeoFunc):
    """ST_FlipCoordinates(geom): x and y swapped, for a CRS whose first axis is latitude
    (EPSG:4326 and EPSG:4490 as OGC API clients ask for them)."""

    output_field = GeometryField()


class X(GeoFunc):
    """ST_X(point): the longitude (x) of a point, a number (grouping points into cells)."""

    output_field = FloatField()


class Y(GeoFunc):
    """ST_Y(point): the latitude (y) of a point."""

    output_field = FloatField()


class SubqueryCount(Subquery):
    """How many rows a correlated queryset has: a count beside each row, no GROUP BY."""

    template = "(SELECT count(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()

    def __init__(self, queryset, **extra):
        super().__init__(queryset.order_by().values("pk"), **extra)


def api_geojson(
    field,
    *,
    simplify: bool = False,
    srid: int = API_SRID,
    flip: bool = False,
    precision: int = COORD_DIGITS,
) -> AsGeoJSON:
    """The geometry (a field name or a geometry expression) as GeoJSON text, transformed (and
    simplified) at the API boundary.

    ``simplify`` is for polygon fields (stored as MultiPolygon, and written as such); ``flip``
    writes latitude first; ``precision``: decimals written.
    """
    geom = Multi(SimplifyPreserveTopology(field, SIMPLIFY_TOLERANCE)) if simplify else field
    geom = Transform(geom, srid)
    return AsGeoJSON(FlipCoordinates(geom) if flip else geom, precision=precision)


class TileEnvelope(GeoFunc):
    """ST_TileEnvelope(z, x, y, margin => m): a web-map tile's square in EPSG:3857,
    widened by ``margin`` (a share of its side) on every side."""

    function = "ST_TileEnvelope"
    output_field = GeometryField(srid=3857)
    geom_param_pos = ()

    def __init__(self, z: int, x: int, y: int, margin: float = 0.0, **extra):
        extra.setdefault("template", "%(function)s(%(expressions)s, margin => %(margin)r)")
        super().__init__(Value(z), Value(x), Value(y), margin=float(margin), **extra)


class AsMVTGeom(GeoFunc):
    """ST_AsMVTGeom(geom, bounds, extent, buffer, clip): a EPSG:3857 geometry in the
    coordinates of a vector tile (``extent`` units across), clipped to ``buffer`` units
    around it."""

    function = "ST_AsMVTGeom"
    output_field = GeometryField(srid=0)
    geom_param_pos = (0, 1)

    def __init__(self, geom, bounds, extent: int, buffer: int, **extra):
        super().__init__(geom, bounds, Value(extent), Value(buffer), Value(True), **extra)


class ConvexHull(GeoFunc):
    """ST_ConvexHull(geom): the smallest convex polygon holding the geometry."""

    output_field = GeometryField()


class BufferMetres(GeoFunc):
    """ST_Buffer(geom::geography, metres)::geometry: a EPSG:4326 geometry widened by a
    distance in metres (a point becomes a disc, a line a band)."""

    template = "ST_Buffer((%(expressions)s)::geography, %(metres)s)::geometry"
    output_field = GeometryField()

    def __init__(self, expression, metres: float, **extra):
        super().__init__(expression, metres=float(metres), **extra)
