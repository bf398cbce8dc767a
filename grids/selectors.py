"""Reads for grids: current versions, partition inputs from PostGIS, the grids layer."""

import geopandas as gpd
import pandas as pd
import shapely
from django.db import connection
from django.db.models import Case, CharField, F, OuterRef, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, Greatest, Length, LPad

from grids.models import Grid, GridAssignment, GridVersion, MemberArea, PartitionRun
from grids.partitioning import (
    BAND_IN,
    BAND_OVER,
    BAND_UNDER,
    MEMBER_DIGITS,
    LockedGrids,
    PartitionParams,
    member_code,
)
from households.functions import SubqueryCount, api_geojson
from households.models import Household, Township, Village, VillageGroup
from households.scoping import Area, UnknownScopeError

UNKNOWN_RUN_SCOPE = "Unknown partition scope {scope!r}: expected village, township or county."


def villages_in_scope(scope: str, code: str = "") -> list[Village]:
    """The villages a partition run covers; an unknown scope is an error, never the county."""
    qs = Village.objects.select_related("township").order_by("code")
    if scope == PartitionRun.Scope.VILLAGE:
        qs = qs.filter(code=code)
    elif scope == PartitionRun.Scope.TOWNSHIP:
        qs = qs.filter(township__code=code)
    elif scope != PartitionRun.Scope.COUNTY:
        raise UnknownScopeError(UNKNOWN_RUN_SCOPE.format(scope=scope))
    return list(qs)


def version_current(village: Village) -> GridVersion | None:
    return GridVersion.objects.filter(village=village, valid_to__isnull=True).first()


def village_params(village: Village) -> PartitionParams:
    return PartitionParams(
        target=village.grid_target,
        band=village_band(village),
        member_target=village.member_target,
        member_band=(village.member_min, village.member_max),
    )


def _frame(sql: str, params, columns) -> pd.DataFrame:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=columns)


def partition_inputs(villages: list[Village]) -> dict:
    """Households, groups, per-village settings, the current assignments and locked grids."""
    ids = [v.pk for v in villages]
    h, g, v = Household._meta.db_table, VillageGroup._meta.db_table, Village._meta.db_table
    hh = _frame(
        f"""SELECT h.id::text, ST_X(h.location), ST_Y(h.location), h.group_id::text
            FROM {h} h JOIN {g} g ON g.id = h.group_id WHERE g.village_id = ANY(%s)
            ORDER BY h.id""",
        [ids],
        ["id", "x", "y", "group_id"],
    )
    households = gpd.GeoDataFrame(
        hh[["id", "group_id"]],
        geometry=shapely.points(hh["x"].to_numpy(float), hh["y"].to_numpy(float)),
        crs=4326,
    )
    gg = _frame(
        f"""SELECT g.id::text, v.code, g.name, COALESCE(g.code, ''), ST_AsBinary(g.geom)
            FROM {g} g JOIN {v} v ON v.id = g.village_id WHERE g.village_id = ANY(%s)
            ORDER BY g.id""",
        [ids],
        ["id", "village_id", "name", "code", "wkb"],
    )
    groups = gpd.GeoDataFrame(
        gg[["id", "village_id", "name", "code"]],
        geometry=shapely.from_wkb([bytes(b) for b in gg["wkb"]]) if len(gg) else [],
        crs=4326,
    )
    previous = current_assignments(villages)
    locked = _locked(villages, previous)
    return {
        "households": households,
        "groups": groups,
        "previous": previous,
        "locked": locked,
        "village_params": {vg.code: village_params(vg) for vg in villages},
        "base_versions": {vg.code: getattr(version_current(vg), "number", None) for vg in villages},
    }


def current_assignments(villages: list[Village]) -> pd.DataFrame:
    rows = GridAssignment.objects.filter(
        version__village__in=villages, version__valid_to__isnull=True
    ).values_list("household_id", "grid__code", "member_area__number", "grid__locked")
    df = pd.DataFrame(list(rows), columns=["household_id", "grid_id", "number", "locked"])
    df["household_id"] = df["household_id"].astype(str)
    df["member_id"] = [
        member_code(gc, n) if pd.notna(n) else "" for gc, n in zip(df["grid_id"], df["number"])
    ]
    return df


def _locked(villages, previous: pd.DataFrame) -> LockedGrids | None:
    grids = list(
        Grid.objects.filter(
            version__village__in=villages, version__valid_to__isnull=True, locked=True
        ).select_related("village")
    )
    if not grids:
        return None
    frame = gpd.GeoDataFrame(
        {"grid_id": [gr.code for gr in grids], "village_id": [gr.village.code for gr in grids]},
        geometry=[shapely.from_wkb(bytes(gr.geom.wkb)) for gr in grids],
        crs=4326,
    )
    sel = previous[previous["locked"].astype(bool)]
    return LockedGrids(assignments=sel[["household_id", "grid_id", "member_id"]], grids=frame)


def band_case(count: str, lo: str, hi: str) -> Case:
    """The band rule (:func:`grids.partitioning.band_state`) in SQL: the field ``count``
    is under / in / over the band of the fields ``lo`` and ``hi``, both ends inside."""
    return Case(
        When(**{f"{count}__lt": F(lo)}, then=Value(BAND_UNDER)),
        When(**{f"{count}__gt": F(hi)}, then=Value(BAND_OVER)),
        default=Value(BAND_IN),
    )


def member_code_sql(grid: str, number: str) -> Concat:
    """:func:`grids.partitioning.member_code` in SQL, from the fields ``grid`` (the grid's
    code) and ``number``: ``{grid}-{number}``, the number zero-padded to MEMBER_DIGITS."""
    text = Cast(number, CharField())
    width = Greatest(Length(text), Value(MEMBER_DIGITS))
    return Concat(grid, Value("-"), LPad(text, width, Value("0")), output_field=CharField())


def village_band(village: Village) -> tuple[int, int]:
    """A village's grid band: households per grid, both ends inside."""
    return (village.grid_min, village.grid_max)


def grids_layer(scope, township: Township | None = None) -> QuerySet:
    """Current grids the scope covers (of one township) with counts, band state and version."""
    qs = Grid.objects.current().for_scope(scope)
    if township is not None:
        qs = qs.in_area(Area.of_township(township))
    return qs.annotate(
        village_name=F("village__name"),
        members=SubqueryCount(MemberArea.objects.filter(grid=OuterRef("pk"))),
        band=band_case("household_count", "village__grid_min", "village__grid_max"),
        version_number=F("version__number"),
        geojson=api_geojson("geom", simplify=True),
    ).order_by("code")


def village_bands(run) -> dict[str, tuple[int, int]]:
    return {v.code: village_band(v) for v in villages_in_scope(run.scope, run.scope_code)}


def moved_households(run, limit: int | None = None) -> list[dict]:
    """The existing households a proposal gives another grid (as listed in its diff, in
    that order): pk, external id, head, lon/lat, and the grid codes from and to. Households
    deleted since the run are left out."""
    listed = run.diff.get("moved", [])[:limit]
    found = {
        h.pk: h
        for h in Household.objects.filter(pk__in=[m[0] for m in listed]).only(
            "external_id", "head", "location"
        )
    }
    return [
        {
            "pk": pk,
            "id": found[pk].external_id,
            "head": found[pk].head,
            "lon": found[pk].location.x,
            "lat": found[pk].location.y,
            "from": old,
            "to": new,
        }
        for pk, old, new in listed
        if pk in found
    ]


def village_grids(scope, village: Village) -> list[dict]:
    """The village's current grids the scope covers, each with its member-area numbers: the
    account pages' area pickers and checks (settings.ACCOUNTS_VILLAGE_GRIDS)."""
    grids = Grid.objects.current().for_scope(scope).filter(village=village).order_by("code")
    numbers = {}
    for grid_id, number in (
        MemberArea.objects.filter(grid__in=grids).order_by("number").values_list("grid", "number")
    ):
        numbers.setdefault(grid_id, []).append(number)
    return [{"code": g.code, "areas": numbers.get(g.pk, [])} for g in grids.only("pk", "code")]
