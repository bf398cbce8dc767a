"""PostGIS functions Django lacks (one class each), and the geometry at the API boundary.

Geometries are stored in EPSG:4326 (``households.models.SRID``); what leaves the server for
a map or an API is transformed to ``API_SRID``, simplified to the precision it is written
with, and written as GeoJSON by PostGIS, in the query that reads it.
"""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc, Transform
from django.db.models import FloatField, IntegerField, Subquery

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


def api_geojson(field: str, *, simplify: bool = False, srid: int = API_SRID) -> AsGeoJSON:
    """The geometry as GeoJSON text, transformed (and simplified) at the API boundary.

    ``simplify`` is for polygon fields (stored as MultiPolygon, and written as such).
    """
    geom = Multi(SimplifyPreserveTopology(field, SIMPLIFY_TOLERANCE)) if simplify else field
    return AsGeoJSON(Transform(geom, srid), precision=COORD_DIGITS)
