"""Reads of the overlays: candidate camera sites and the households each would see, the
best new sites, and the reach of service points per grid."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from grids.models import Grid, GridAssignment
from households.functions import SubqueryCount
from households.models import Household, Township, Village

from .coverage import covered_ids
from .functions import WithinMetres, degrees_bound
from .models import OverlayFeature, OverlayLayer, ServicePoint
from .siting import Siting, greedy_max_coverage

JUNCTION, VILLAGE_CENTRE, SERVICE_POINT = "junction", "village", "service"
JUNCTION_MIN_ENDS = 3  # line ends meeting at one point: a junction of three roads or more
SNAP_DEGREES = 1e-6  # ends within ~0.1 m are the same node


@dataclass(frozen=True)
class Candidate:
    key: str  # kind:number, unique
    kind: str
    label: str
    lon: float
    lat: float


def _junctions(layer: OverlayLayer, township: Township) -> list[Candidate]:
    """Point features of the layer, and the nodes of its lines where JUNCTION_MIN_ENDS or
    more line ends meet, inside the township's villages."""
    feature, village = OverlayFeature._meta.db_table, Village._meta.db_table
    sql = f"""
    WITH parts AS (
      SELECT (ST_Dump(geom)).geom AS g FROM {feature} WHERE layer_id = %s
    ), nodes AS (
      SELECT ST_SnapToGrid(ST_StartPoint(g), %s) AS p FROM parts
        WHERE GeometryType(g) = 'LINESTRING'
      UNION ALL
      SELECT ST_SnapToGrid(ST_EndPoint(g), %s) FROM parts WHERE GeometryType(g) = 'LINESTRING'
    ), found AS (
      SELECT p FROM nodes GROUP BY p HAVING count(*) >= %s
      UNION SELECT g FROM parts WHERE GeometryType(g) = 'POINT'
    )
    SELECT ST_X(p), ST_Y(p) FROM found
    WHERE EXISTS (SELECT 1 FROM {village} v WHERE v.township_id = %s
                  AND ST_Intersects(v.boundary, found.p))
    ORDER BY 2, 1
    """
    params = [layer.pk, SNAP_DEGREES, SNAP_DEGREES, JUNCTION_MIN_ENDS, township.pk]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [
        Candidate(f"{JUNCTION}:{i + 1}", JUNCTION, f"{layer.name} {i + 1}", x, y)
        for i, (x, y) in enumerate(rows)
    ]


def candidate_sites(township: Township, layer: OverlayLayer | None = None) -> list[Candidate]:
    """Village centres (a point surely inside each village), service points, and the
    junctions of an uploaded layer, of the township."""
    out = []
    villages = (
        Village.objects.filter(township=township, boundary__isnull=False)
        .annotate(centre=PointOnSurface("boundary"))
        .order_by("code")
    )
    for v in villages:
        key = f"{VILLAGE_CENTRE}:{v.code}"
        out.append(Candidate(key, VILLAGE_CENTRE, v.name, v.centre.x, v.centre.y))
    for p in ServicePoint.objects.filter(township=township).order_by("external_ref"):
        out.append(
            Candidate(f"{SERVICE_POINT}:{p.pk}", SERVICE_POINT, p.name, p.location.x, p.location.y)
        )
    if layer is not None:
        out += _junctions(layer, township)
    return out


def candidate_households(
    township: Township, candidates: list[Candidate], radius_m: float
) -> dict[str, set[int]]:
    """For each candidate, the township's households outside every camera's view that lie
    within `radius_m` of it (one query: the candidates as an array, an indexed join)."""
    if not candidates:
        return {}
    uncovered = (
        Household.objects.filter(group__village__township=township)
        .exclude(pk__in=covered_ids())
        .values("pk")
    )
    inner, inner_params = uncovered.query.sql_with_params()
    table = Household._meta.db_table
    sql = (
        "SELECT c.i, h.id FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS c(x, y, i) "
        f"JOIN {table} h ON ST_DWithin(h.location, ST_SetSRID(ST_MakePoint(c.x, c.y), 4326), %s) "
        "AND ST_DWithin(h.location::geography, ST_SetSRID(ST_MakePoint(c.x, c.y), 4326)::geography, %s) "
        f"WHERE h.id IN ({inner})"
    )
    params = [
        [c.lon for c in candidates],
        [c.lat for c in candidates],
        degrees_bound(radius_m),
        radius_m,
        *inner_params,
    ]
    seen: dict[str, set[int]] = {c.key: set() for c in candidates}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for i, household in cur.fetchall():
            seen[candidates[i - 1].key].add(household)
    return seen


@dataclass(frozen=True)
class BestSites:
    candidates: dict[str, Candidate]
    siting: Siting
    radius_m: float
    uncovered: int  # households of the township outside every camera's view


def best_sites(township: Township, n: int, layer: OverlayLayer | None = None) -> BestSites:
    """The n best new camera sites of the township by greedy maximum coverage of the
    households no camera sees (``siting``)."""
    radius = settings.OVERLAY_NEW_CAMERA_RANGE_M
    candidates = candidate_sites(township, layer)
    seen = candidate_households(township, candidates, radius)
    uncovered = Household.objects.filter(group__village__township=township).exclude(
        pk__in=covered_ids()
    )
    return BestSites(
        {c.key: c for c in candidates},
        greedy_max_coverage(candidates=seen, n=n),
        radius,
        uncovered.count(),
    )


def service_reach(scope, township: Township, km: dict[str, float]) -> QuerySet:
    """The township's current grids (in the scope), each with ``households`` and, per kind
    of service point, ``far_<kind>``: its households with no point of that kind (of any
    township) within km[kind] kilometres."""
    mine = GridAssignment.objects.filter(grid=OuterRef("pk"))
    far = {}
    for kind in ServicePoint.Kind.values:
        near = ServicePoint.objects.filter(kind=kind).filter(
            WithinMetres("location", OuterRef("household__location"), km[kind] * 1000)
        )
        far[f"far_{kind}"] = SubqueryCount(mine.filter(~Exists(near)))
    return (
        Grid.objects.for_scope(scope)
        .current()
        .filter(village__township=township)
        .annotate(households=SubqueryCount(mine), **far)
        .select_related("village")
        .order_by("code")
    )
