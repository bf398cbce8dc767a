"""What the dashboard shows beside its table: charts' data, the month-by-month trend, and
the problems a county officer acts on. All from the scoped querysets of the place."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, MemberArea
from households.scoping import COUNTY, GRID, TOWNSHIP, VILLAGE
from layers.models import Incident, Visit

from .selectors import VISIT_DAYS, Context, at_level, figures_cached, grid_list

MONTHS = 12  # the trend and the monthly charts cover the last twelve months
SIZE_BIN = 5  # grid sizes in bins of five households
LEADERLESS_DAYS = 30  # a grid without a leader for a month is a problem
ON_TIME_FLOOR = 0.8  # townships closing under 80 % of incidents on time are listed
SHOWN = 50  # rows listed per problem (their count is always given)


def months(now: dt.datetime, n: int = MONTHS) -> list[dt.date]:
    """The first days of the last n months, oldest first (this month last)."""
    d = timezone.localdate(now).replace(day=1)
    out = []
    for _i in range(n):
        out.append(d)
        d = (d - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def charts(ctx: Context) -> dict:
    scope, area = ctx.scope, ctx.place.area
    grids = grid_list(ctx)
    sizes = [g["household_count"] for g in grids]
    bands = [(g["village__grid_min"], g["village__grid_max"]) for g in grids]
    loads = list(
        MemberArea.objects.for_scope(scope)
        .in_area(area)
        .current()
        .values_list("household_count", flat=True)
    )
    first = months(ctx.now)[0]
    visits = _visits_per_month(ctx)
    per_cat = (
        Incident.objects.for_scope(scope)
        .in_area(area)
        .filter(reported_at__date__gte=first)
        .annotate(m=TruncMonth("reported_at"))
        .order_by()
        .values("m", "category__name")
        .annotate(n=Count("pk"))
    )
    labels = [m.strftime("%Y-%m") for m in months(ctx.now)]
    by_cat: dict[str, list[int]] = {}
    for row in per_cat:
        key = row["m"].date() if hasattr(row["m"], "date") else row["m"]
        series = by_cat.setdefault(row["category__name"], [0] * len(labels))
        series[labels.index(key.strftime("%Y-%m"))] += row["n"]
    rows, _total = figures_cached(ctx)
    on_time = [
        (r["name"], r["raw"].get("closed_on_time", 0), r["raw"].get("closed", 0)) for r in rows
    ]
    return {
        "months": labels,
        "grid_sizes": _histogram(sizes),
        "band": _common(bands),
        "member_loads": _histogram(loads, 1),
        "visits": [visits.get(m, 0) for m in months(ctx.now)],
        "incidents": by_cat,
        "on_time": [
            {"name": n, "rate": (c / t if t else None), "closed": t} for n, c, t in on_time
        ],
    }


def _histogram(values: list[int], width: int = SIZE_BIN) -> list[list[int]]:
    """[[lower bound, count], ...] of bins of ``width``."""
    counts: dict[int, int] = {}
    for v in values:
        counts[v // width * width] = counts.get(v // width * width, 0) + 1
    return [[k, counts[k]] for k in sorted(counts)]


def _common(bands: list[tuple[int, int]]) -> list[int]:
    return list(max(set(bands), key=bands.count)) if bands else []


def _visits_per_month(ctx: Context) -> dict[dt.date, int]:
    first = months(ctx.now)[0]
    return dict(
        Visit.objects.for_scope(ctx.scope)
        .in_area(ctx.place.area)
        .filter(visited_on__gte=first)
        .annotate(m=TruncMonth("visited_on"))
        .order_by()
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )


def _visited_by_month_end(ctx: Context, ms: list[dt.date]) -> list[int]:
    """For each month, the households visited in the 90 days before its end: one scan of
    the visits, each marked with the month-ends it counts for (a bit per month), OR-ed per
    household, the bits counted."""
    stops = [_next(m) for m in ms]
    window = dt.timedelta(days=VISIT_DAYS)
    visits = (
        Visit.objects.for_scope(ctx.scope)
        .in_area(ctx.place.area)
        .filter(visited_on__gte=stops[0] - window, visited_on__lt=stops[-1])
        .order_by()
        .values("household_id", "visited_on")
    )
    sql, params = visits.query.sql_with_params()
    bits = " | ".join(
        f"CASE WHEN v.visited_on >= %s AND v.visited_on < %s THEN {1 << i} ELSE 0 END"
        for i in range(len(stops))
    )
    counts = ", ".join(f"count(*) FILTER (WHERE x.m & {1 << i} <> 0)" for i in range(len(stops)))
    query = (
        f"SELECT {counts} FROM (SELECT bit_or({bits}) AS m FROM ({sql}) AS v "
        "GROUP BY v.household_id) AS x"
    )
    bounds = [d for stop in stops for d in (stop - window, stop)]
    with connection.cursor() as cur:
        cur.execute(query, (*bounds, *params))
        return list(cur.fetchone())


def trend(ctx: Context) -> dict:
    """Month by month (as at each month's end): grids, households in a grid, the 90-day
    visit rate, visits; incidents reported, closed, closed on time, on-time rate."""
    scope, area = ctx.scope, ctx.place.area
    ms = months(ctx.now)
    stops = [timezone.make_aware(dt.datetime.combine(_next(m), dt.time())) for m in ms]
    grids = Grid.objects.for_scope(scope)
    grids = (
        grids.in_area(area)
        if ctx.place.level != GRID
        else grids.filter(village_id=area.village_id, code=area.grid_code)
    )
    versions = list(
        grids.values_list("version__valid_from", "version__valid_to", "household_count")
    )
    in_grid, n_grids = [], []
    for stop in stops:
        valid = [h for start, end, h in versions if start < stop and (end is None or end >= stop)]
        n_grids.append(len(valid))
        in_grid.append(sum(valid))
    visited = _visited_by_month_end(ctx, ms)
    per_month = _visits_per_month(ctx)
    inc = (
        Incident.objects.for_scope(scope)
        .in_area(area)
        .order_by()
        .aggregate(
            **{
                f"{k}{i}": Count(
                    "pk", filter=q & Q(**{f"{field}__date__gte": m, f"{field}__date__lt": _next(m)})
                )
                for i, m in enumerate(ms)
                for k, field, q in (
                    ("r", "reported_at", Q()),
                    ("c", "closed_at", Q(state="closed")),
                    ("t", "closed_at", Q(state="closed", closed_on_time=True)),
                )
            }
        )
    )
    s = {
        "grids": n_grids,
        "in_grid": in_grid,
        "visit_rate": [(v / h if h else None) for v, h in zip(visited, in_grid, strict=True)],
        "visits": [per_month.get(m, 0) for m in ms],
        "incidents_reported": [inc[f"r{i}"] for i in range(len(ms))],
        "incidents_closed": [inc[f"c{i}"] for i in range(len(ms))],
        "on_time_rate": [
            (inc[f"t{i}"] / inc[f"c{i}"] if inc[f"c{i}"] else None) for i in range(len(ms))
        ],
    }
    return {"months": [m.strftime("%Y-%m") for m in ms], "series": s}


def _next(m: dt.date) -> dt.date:
    return (m + dt.timedelta(days=32)).replace(day=1)


PROBLEMS = {
    "outside": _("Villages with households outside every grid"),
    "leaderless": _("Grids without a leader for 30 days or more"),
    "no_party_group": _("Qualifying grids without a party group"),
    "unvisited": _("Grids with no visit in 90 days"),
    "late": _("Townships closing under 80 % of incidents on time"),
}


def problems(ctx: Context) -> list[dict]:
    """Each problem: ``key``, ``title``, ``count`` and up to SHOWN ``items`` (level, code,
    name, detail)."""
    out = {k: [] for k in PROBLEMS}
    if ctx.place.level in (COUNTY, TOWNSHIP):
        villages, _t = figures_cached(at_level(ctx, VILLAGE))
        for v in villages:
            outside = v["raw"].get("households", 0) - v["raw"].get("in_grid", 0)
            if outside > 0:
                out["outside"].append((VILLAGE, v["code"], v["name"], outside))
    elif ctx.place.level == VILLAGE:
        _rows, total = figures_cached(ctx)
        outside = total.get("households", 0) - total.get("in_grid", 0)
        if outside > 0:
            out["outside"].append((VILLAGE, ctx.place.code, ctx.place.name, int(outside)))
    grids, _t = figures_cached(at_level(ctx, GRID) if ctx.place.level != VILLAGE else ctx)
    raw_of = {g["code"]: g["raw"] for g in grids}
    old = ctx.now - dt.timedelta(days=LEADERLESS_DAYS)
    for g in grid_list(ctx):
        if not (g["leader_id"] and g["leader_confirmed"]) and g["version__valid_from"] <= old:
            days = (ctx.now - g["version__valid_from"]).days
            out["leaderless"].append((GRID, g["code"], g["code"], days))
    for code, raw in sorted(raw_of.items()):
        if raw.get("qualifying_no_group"):
            out["no_party_group"].append((GRID, code, code, raw.get("party_members", 0)))
        if raw.get("households") and not raw.get("visited"):
            out["unvisited"].append((GRID, code, code, raw.get("households")))
    if ctx.place.level in (COUNTY, TOWNSHIP):
        towns, _t = (
            figures_cached(at_level(ctx, TOWNSHIP))
            if ctx.place.level == TOWNSHIP
            else figures_cached(ctx)
        )
        for t in towns:
            closed = t["raw"].get("closed", 0)
            if closed and t["raw"].get("closed_on_time", 0) / closed < ON_TIME_FLOOR:
                rate = t["raw"]["closed_on_time"] / closed
                out["late"].append((TOWNSHIP, t["code"], t["name"], f"{rate * 100:.1f}%"))
    return [
        {
            "key": k,
            "title": PROBLEMS[k],
            "count": len(items),
            "items": [
                dict(zip(("level", "code", "name", "detail"), i, strict=True))
                for i in items[:SHOWN]
            ],
        }
        for k, items in out.items()
    ]
