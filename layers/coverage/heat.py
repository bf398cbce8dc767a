"""Heat layers of the dashboard: points counted in hexagons by PostGIS (ST_HexagonGrid, in
web-mercator metres, the hexagons' size following the map's zoom), cached per data stamp.

A layer is a scoped queryset of points (households with a property, incidents of a
category and time window). The hexagons of a zoom are anchored at the projection's origin
(ST_HexagonGrid numbers them i, j), so the same hexagon has the same number in every
request, whatever the bounding box; each hexagon is transformed to 4326 once and finds its
points through the GiST index of the point column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from django.contrib.gis.db.models import Extent
from django.core.cache import caches
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import GridAssignment
from households.models import Household, Village
from households.selectors import BBoxError, parse_bbox
from households.stamps import stamps
from layers.incidents import workflow as wf
from layers.models import Incident, Visit

from .selectors import VISIT_DAYS, ParameterError, Place

HEX_PX = 28  # a hexagon is about 28 screen pixels across at the zoom it is made for
WORLD_M_PER_PX = 156543.03392804097  # web-mercator metres per pixel at zoom 0 (256 px tiles)
MIN_ZOOM, MAX_ZOOM = 6, 18
MAX_HEXES = 40_000  # a bounding box that would need more hexagons is refused (400)
POINTS_ZOOM = 15  # from this zoom, a village's households are drawn one by one
CACHE = "default"
CACHE_SECONDS = 600  # visits and incidents change during the day: ten minutes at most
MAX_DAYS = 3660

ERR_LAYER = _("layer must be one of: %(choices)s (not %(value)r)")
ERR_ZOOM = _("z must be a whole number from %(lo)s to %(hi)s (not %(value)r)")
ERR_DAYS = _("days must be a whole number from 1 to %(hi)s (not %(value)r)")
ERR_TOO_MANY = _("bbox is too large for zoom %(z)s: zoom in or give a smaller bbox")
ERR_CATEGORY = _("category must be an incident category code (not %(value)r)")


def _current_member():
    return GridAssignment.objects.filter(
        household=OuterRef("pk"),
        version__valid_to__isnull=True,
        member_area__member__isnull=False,
        member_area__member_confirmed=True,
    )


def _households(scope, place, f, now) -> QuerySet:
    return Household.objects.for_scope(scope).in_area(place.area)


def _no_member(scope, place, f, now) -> QuerySet:
    return _households(scope, place, f, now).filter(~Exists(_current_member()))


def _not_visited(scope, place, f, now) -> QuerySet:
    since = timezone.localdate(now) - dt.timedelta(days=VISIT_DAYS)
    seen = Visit.objects.filter(household=OuterRef("pk"), visited_on__gte=since)
    return _households(scope, place, f, now).filter(~Exists(seen))


def _incidents(scope, place, f, now) -> QuerySet:
    qs = Incident.objects.for_scope(scope).in_area(place.area)
    if f.get("category"):
        qs = qs.filter(category__code=f["category"])
    if f.get("days"):
        qs = qs.filter(reported_at__gte=now - dt.timedelta(days=f["days"]))
    return qs


def _overdue(scope, place, f, now) -> QuerySet:
    return _incidents(scope, place, f, now).filter(state__in=wf.CLOCK, deadline_at__lt=now)


@dataclass(frozen=True)
class HeatLayer:
    name: str
    label: object
    points: object  # (scope, place, filters, now) -> queryset
    field: str = "location"
    households: bool = True  # points are households (drawn one by one at a village's zoom)


HEAT_LAYERS = {
    layer.name: layer
    for layer in (
        HeatLayer("density", _("Household density"), _households),
        HeatLayer("no_member", _("Not in a grid or without a member"), _no_member),
        HeatLayer("not_visited", _("Not visited in 90 days"), _not_visited),
        HeatLayer("incidents", _("Incidents"), _incidents, "point", False),
        HeatLayer("overdue", _("Overdue incidents"), _overdue, "point", False),
    )
}


def heat_params(params) -> dict:
    """?layer=, ?z=, ?bbox=, ?days=, ?category=: ParameterError names a malformed one."""
    layer = params.get("layer", "")
    if layer not in HEAT_LAYERS:
        raise ParameterError(ERR_LAYER % {"choices": ", ".join(HEAT_LAYERS), "value": layer})
    z = params.get("z", "")
    if not z.isdigit() or not MIN_ZOOM <= int(z) <= MAX_ZOOM:
        raise ParameterError(ERR_ZOOM % {"lo": MIN_ZOOM, "hi": MAX_ZOOM, "value": z})
    out = {"layer": layer, "z": int(z)}
    try:
        out["bbox"] = parse_bbox(params.get("bbox"))
    except BBoxError as exc:
        raise ParameterError(str(exc)) from exc
    bbox = out["bbox"]
    if bbox and not (bbox[0] >= -180 and bbox[2] <= 180 and bbox[1] >= -85 and bbox[3] <= 85):
        raise ParameterError(f"bbox must lie within -180,-85,180,85: {params.get('bbox')!r}")
    days = params.get("days", "")
    if days:
        if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
            raise ParameterError(ERR_DAYS % {"hi": MAX_DAYS, "value": days})
        out["days"] = int(days)
    category = params.get("category", "")
    if category:
        if not category.replace("_", "").replace("-", "").isalnum() or len(category) > 32:
            raise ParameterError(ERR_CATEGORY % {"value": category})
        out["category"] = category
    return out


def hex_size(z: int) -> float:
    """The hexagon size (ST_HexagonGrid's edge length, metres of web mercator) at zoom z."""
    return HEX_PX / 2 * WORLD_M_PER_PX / 2**z


def place_bbox(scope, place: Place) -> tuple | None:
    """The extent of the place's villages (what the map shows first)."""
    qs = Village.objects.for_scope(scope).in_area(place.area).filter(boundary__isnull=False)
    extent = qs.aggregate(e=Extent("boundary"))["e"]
    return tuple(extent) if extent else None


_HEX_SQL = """
SELECT hx.i, hx.j, ST_AsGeoJSON(ST_Transform(hx.geom, 4326), 6), count(*)
FROM ST_HexagonGrid(%s, ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 4326), 3857)) AS hx
JOIN ({points}) AS p
  ON p.geom && ST_Transform(hx.geom, 4326) AND ST_Intersects(ST_Transform(hx.geom, 4326), p.geom)
GROUP BY hx.i, hx.j, hx.geom
"""


def hex_counts(scope, place: Place, f: dict, now=None) -> list[dict]:
    """The hexagons of the layer over the bbox (default: the place's extent) holding at
    least one point: ``fid`` ("i:j"), ``n`` and ``geojson``."""
    now = now or timezone.now()
    layer = HEAT_LAYERS[f["layer"]]
    bbox = f.get("bbox") or place_bbox(scope, place)
    if bbox is None:
        return []
    size = hex_size(f["z"])
    w, s, e, n = _mercator(bbox)
    if (e - w) * (n - s) / (2.6 * size * size) > MAX_HEXES:  # a hexagon is 2.6 s² in area
        raise ParameterError(ERR_TOO_MANY % {"z": f["z"]})
    points = layer.points(scope, place, f, now).order_by().values(layer.field)
    sql, params = points.query.sql_with_params()
    sql = f"SELECT {layer.field} AS geom FROM ({sql}) AS pts"
    with connection.cursor() as cur:
        cur.execute(_HEX_SQL.format(points=sql), (size, *bbox, *params))
        rows = cur.fetchall()
    return [{"fid": f"{i}:{j}", "n": c, "geojson": g} for i, j, g, c in rows]


def _mercator(bbox):
    def x(lon):
        return lon * 20037508.34 / 180

    def y(lat):
        return math.log(math.tan((90 + lat) * math.pi / 360)) * 6378137

    return x(bbox[0]), y(bbox[1]), x(bbox[2]), y(bbox[3])


def heat_key(scope, place: Place, f: dict, township_ids, now) -> str:
    """The cache key: layer, zoom, bbox, filters, scope, place, data stamps, the day."""
    day = timezone.localdate(now).isoformat()
    raw = "|".join(
        str(p)
        for p in (
            sorted(f.items()),
            scope.cache_key(),
            place.level,
            place.code,
            stamps(township_ids),
            day,
        )
    )
    return "coverage-heat:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def hex_cached(scope, place: Place, f: dict, township_ids, now=None) -> list[dict]:
    now = now or timezone.now()
    key = heat_key(scope, place, f, township_ids, now)
    cache = caches[CACHE]
    found = cache.get(key)
    if found is None:
        found = hex_counts(scope, place, f, now)
        cache.set(key, found, CACHE_SECONDS)
    return found
