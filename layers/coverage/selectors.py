"""The dashboard's figures: raw additive figures per unit (township, village or grid) of
an area, from the registered sources, and the rows and totals the indicators make of them.

Every query starts from the scoped querysets (``Model.objects.for_scope(scope)``) of the
user's area, narrowed to the area shown: the household query joins the compiled SQL of
the scoped households, the grid query is the scoped current grids.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from django.core.cache import caches
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from grids.models import Grid
from households.models import Household, Township, Village
from households.scoping import COUNTY, GRID, TOWNSHIP, VILLAGE, Area
from households.stamps import stamps
from layers.incidents.stats import incident_stats

from .indicators import INDICATORS, SOURCES
from .models import PARTY_GROUP_MIN_MEMBERS, PartyGroup
from .places import (  # noqa: F401 - the places API, from here too
    CHILD,
    LEVELS,
    VISIT_DAYS,
    Context,
    ParameterError,
    Place,
    at_level,
    place_parse,
)


def units(ctx: Context) -> list[dict]:
    """The units of the place, in code order: ``code``, ``name`` (and their village's
    code for grids)."""
    level, area, scope = ctx.level, ctx.place.area, ctx.scope
    if level == TOWNSHIP:
        qs = Township.objects.for_scope(scope).in_area(area)
        return list(qs.order_by("code").values("code", "name"))
    if level == VILLAGE:
        qs = Village.objects.for_scope(scope).in_area(area)
        return list(qs.order_by("code").values("code", "name"))
    qs = Grid.objects.for_scope(scope).in_area(area).current().order_by("code")
    return [
        {"code": c, "name": c, "village": v} for c, v in qs.values_list("code", "village__code")
    ]


def _unit_of(level: str, township: str, village: str, grid: str | None) -> str | None:
    return {TOWNSHIP: township, VILLAGE: village, GRID: grid}[level]


_HOUSEHOLD_SQL = """
SELECT t.code, v.code, gr.code,
       count(*), count(ga.id),
       count(*) FILTER (WHERE ma.member_id IS NOT NULL AND ma.member_confirmed),
       count(vis.household_id),
       coalesce(sum(pm.n), 0)::int
FROM households_household h
JOIN households_villagegroup vg ON vg.id = h.group_id
JOIN households_village v ON v.id = vg.village_id
JOIN households_township t ON t.id = v.township_id
LEFT JOIN (grids_gridassignment ga
           JOIN grids_gridversion gv ON gv.id = ga.version_id AND gv.valid_to IS NULL)
       ON ga.household_id = h.id
LEFT JOIN grids_grid gr ON gr.id = ga.grid_id
LEFT JOIN grids_memberarea ma ON ma.id = ga.member_area_id
LEFT JOIN (SELECT DISTINCT household_id FROM layers_visit WHERE visited_on >= %s) vis
       ON vis.household_id = h.id
LEFT JOIN (SELECT household_id, count(*) AS n FROM households_person
           WHERE party_member <> '' GROUP BY household_id) pm
       ON pm.household_id = h.id
{where}
GROUP BY t.code, v.code, gr.code
"""


def _household_query(ctx: Context) -> list[tuple]:
    scoped = Household.objects.for_scope(ctx.scope).in_area(ctx.place.area).order_by().values("pk")
    sql, params = scoped.query.sql_with_params()
    if not scoped.query.where:  # the whole county: no semi-join with every household
        sql, params = "", ()
    where = f"WHERE h.id IN ({sql})" if sql else ""
    with connection.cursor() as cur:
        cur.execute(_HOUSEHOLD_SQL.format(where=where), (ctx.since, *params))
        return cur.fetchall()


def household_figures(ctx: Context) -> dict[str, dict]:
    """Per unit: households, in_grid, with_member, visited, not_visited (households of the
    unit's villages; of a grid: those assigned to it), party_members (of grids). One query
    per area (kept for every level of it), rolled up here."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for t, v, g, n, in_grid, member, visited, party in cached(
        ctx, "households", _household_query, per_level=False
    ):
        unit = _unit_of(ctx.level, t, v, g)
        if unit is None:  # at the grid level, households outside every grid
            continue
        raw = out[unit]
        raw["households"] += n
        raw["in_grid"] += in_grid
        raw["with_member"] += member
        raw["visited"] += visited
        raw["not_visited"] += n - visited
        if g is not None:
            raw["party_members"] += party
    return out


def grid_rows(scope, area: Area) -> QuerySet:
    """The current grids of an area with what the figures need, one query."""
    open_group = PartyGroup.objects.filter(
        village_id=OuterRef("village_id"), grid_code=OuterRef("code"), ended_on__isnull=True
    )
    in_band = Q(
        member_areas__household_count__gte=F("village__member_min"),
        member_areas__household_count__lte=F("village__member_max"),
    )
    return (
        Grid.objects.for_scope(scope)
        .in_area(area)
        .current()
        .order_by()
        .annotate(
            areas_in_band=Count("member_areas", filter=in_band),
            members=Count(
                "member_areas",
                filter=Q(member_areas__member__isnull=False, member_areas__member_confirmed=True),
            ),
            party_group=Exists(open_group),
        )
        .values(
            "code",
            "village__code",
            "village__township__code",
            "household_count",
            "village__grid_min",
            "village__grid_max",
            "leader_id",
            "leader_confirmed",
            "areas_in_band",
            "members",
            "party_group",
            "version__valid_from",
        )
    )


def grid_list(ctx: Context) -> list[dict]:
    """The grid rows of the place's area (one query per area, kept for every level)."""
    return cached(ctx, "grids", lambda c: list(grid_rows(c.scope, c.place.area)), per_level=False)


def grid_figures(ctx: Context, party: dict[str, int]) -> dict[str, dict]:
    """Per unit: grids, grids_in_band/under/over, areas_in_band, grids_led, members,
    qualifying, qualifying_no_group (party members of each grid: ``party``)."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for g in grid_list(ctx):
        unit = _unit_of(ctx.level, g["village__township__code"], g["village__code"], g["code"])
        raw = out[unit]
        n, lo, hi = g["household_count"], g["village__grid_min"], g["village__grid_max"]
        raw["grids"] += 1
        raw["grids_under"] += n < lo
        raw["grids_over"] += n > hi
        raw["grids_in_band"] += lo <= n <= hi
        raw["areas_in_band"] += g["areas_in_band"]
        raw["grids_led"] += bool(g["leader_id"] and g["leader_confirmed"])
        raw["members"] += g["members"]
        qualifies = party.get(g["code"], 0) >= PARTY_GROUP_MIN_MEMBERS
        raw["qualifying"] += qualifies
        raw["qualifying_no_group"] += qualifies and not g["party_group"]
    return out


def _per_grid(ctx: Context) -> Context:
    """The same place, counted per grid."""
    return Context(ctx.scope, Place(VILLAGE, "", "", ctx.place.area), ctx.now)


def base_figures(ctx: Context) -> dict[str, dict]:
    """Households, grids and visits; party members per grid decide which grids qualify for
    a party group."""
    out = household_figures(ctx)
    per_grid = out if ctx.level == GRID else household_figures(_per_grid(ctx))
    party = {k: v["party_members"] for k, v in per_grid.items()}
    for unit, raw in grid_figures(ctx, party).items():
        out[unit].update(raw)
    return out


def incident_figures(ctx: Context) -> dict[str, dict]:
    """Incidents per unit, from the incidents' own figures (``incident_stats``)."""
    code_key = {TOWNSHIP: "township__code", VILLAGE: "village__code", GRID: "grid_code"}
    out = {}
    for row in incident_stats(ctx.place.area, ctx.level, now=ctx.now):
        out[row[code_key[ctx.level]]] = {
            "incidents_open": row["open"],
            "incidents_overdue": row["overdue"],
            "closed": row["closed"],
            "closed_on_time": row["closed_on_time"],
            "rated": row["rated"],
            "rating_sum": (row["mean_rating"] or 0) * row["rated"],
        }
    return out


SOURCES.extend([base_figures, incident_figures])


def figures(ctx: Context) -> tuple[list[dict], dict]:
    """The units of the place with their raw figures (from every source), and the total."""
    rows = units(ctx)
    raws: dict[str, dict] = {r["code"]: {} for r in rows}
    for source in SOURCES:
        for code, raw in source(ctx).items():
            if code in raws:
                raws[code].update(
                    {k: v if isinstance(v, float) else int(v) for k, v in raw.items()}
                )
    total: dict[str, float] = defaultdict(int)
    for row in rows:
        row["raw"] = raws[row["code"]]
        for k, v in row["raw"].items():
            total[k] += v
    return rows, dict(total)


def table(ctx: Context) -> dict:
    """Rows and total as values of every indicator (None where undefined)."""
    rows, total = figures_cached(ctx)
    return {
        "rows": [
            {"code": r["code"], "name": r["name"], **{i.key: i.value(r["raw"]) for i in INDICATORS}}
            for r in rows
        ],
        "total": {i.key: i.value(total) for i in INDICATORS},
    }


TABLE_CACHE_SECONDS = 600  # visits and incidents change during the day: ten minutes at most


def township_ids(ctx: Context) -> list[int]:
    """The townships whose data stamps an answer about the place depends on."""
    if ctx.place.area.level == COUNTY:
        return list(Township.objects.for_scope(ctx.scope).values_list("pk", flat=True))
    return [ctx.place.area.township_id]


def cache_key(ctx: Context, what: str, *, per_level: bool = True) -> str:
    """What an answer about the place depends on: the scope, the area (and the level of its
    units, unless the answer serves every level), the data stamps of its townships (a new
    grid version or an import changes them), the day."""
    area = ctx.place.area
    raw = "|".join(
        str(p)
        for p in (
            what,
            ctx.scope.cache_key(),
            area.level,
            area.township_id,
            area.village_id,
            area.grid_code,
            ctx.level if per_level else "",
            stamps(township_ids(ctx)),
            timezone.localdate(ctx.now).isoformat(),
        )
    )
    return "coverage:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def cached(ctx: Context, what: str, compute, *, per_level: bool = True, refresh: bool = False):
    """The answer from the cache, or computed and kept (``refresh``: computed anew)."""
    key = cache_key(ctx, what, per_level=per_level)
    found = None if refresh else caches["default"].get(key)
    if found is None:
        found = compute(ctx)
        caches["default"].set(key, found, TABLE_CACHE_SECONDS)
    return found


def figures_cached(ctx: Context) -> tuple[list[dict], dict]:
    return cached(ctx, "figures", figures)
