"""PostGIS functions the overlays need and Django lacks."""

import math

from django.conf import settings
from django.db.models import BooleanField, Func

_METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator


def degrees_bound(metres: float) -> float:
    """Degrees that span at least `metres` in any direction within the county (a degree of
    longitude shrinks with cos(latitude): taken at the county's latitude farthest from the
    equator)."""
    _x0, y0, _x1, y1 = settings.COUNTY_EXTENT
    return metres / _METRES_PER_DEGREE / math.cos(math.radians(min(max(abs(y0), abs(y1)), 89)))


class WithinMetres(Func):
    """ST_DWithin(a, b, degrees) AND ST_DWithin(a::geography, b::geography, metres): two
    EPSG:4326 geometries within `metres` on the spheroid; the first test, on the geometries'
    GiST index, keeps the second (exact, unindexed) to a few rows."""

    output_field = BooleanField()

    def __init__(self, a, b, metres: float):
        super().__init__(a, b)
        self.metres = float(metres)

    def as_sql(self, compiler, connection, **extra):
        a, a_params = compiler.compile(self.source_expressions[0])
        b, b_params = compiler.compile(self.source_expressions[1])
        sql = f"(ST_DWithin({a}, {b}, %s) AND ST_DWithin(({a})::geography, ({b})::geography, %s))"
        params = (*a_params, *b_params, degrees_bound(self.metres), *a_params, *b_params)
        return sql, (*params, self.metres)
