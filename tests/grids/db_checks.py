"""Invariants of applied grid versions, checked in PostGIS; helpers that change the demo data.

Shared by the command, service and view tests. Every check reads the open versions
of the given villages, so it holds after any number of runs.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict

from django.contrib.gis.geos import Point
from django.db import connection

from grids.appointments import NOT_ELIGIBLE, person_rank
from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from households.models import Household, Person, Village

IN_BAND_SHARE = 0.99  # goal: >= 99 % of grids in the band where the total allows
MEMBER_BAND_SHARE = 0.95  # goal: >= 95 % of member areas within 8-12
NEAR_M = (
    6.0  # households within 5 m outside a group are kept (README, "Importing data") + 1 m slack
)
CODE_RE = re.compile(r"^\d{15}$")


def snapshot(villages) -> dict[int, str]:
    """household id -> grid code in the open versions of ``villages``."""
    return dict(
        GridAssignment.objects.filter(
            version__village__in=villages, version__valid_to__isnull=True
        ).values_list("household_id", "grid__code")
    )


def moved(before: dict[int, str], after: dict[int, str]) -> int:
    """Households of ``before`` that are now in another grid (or in none)."""
    return sum(1 for h, g in before.items() if after.get(h) != g)


def assert_versions_dated(villages) -> None:
    for village in villages:
        versions = list(GridVersion.objects.filter(village=village).order_by("number"))
        assert versions, village.code
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        assert [v.valid_to is None for v in versions].count(True) == 1, village.code
        assert versions[-1].valid_to is None
        for old, new in zip(versions, versions[1:]):
            assert old.valid_from is not None and old.valid_to is not None
            assert old.valid_from <= old.valid_to == new.valid_from


def assert_grids_valid(villages, *, unassigned=frozenset()) -> None:  # noqa: C901 - one list
    """The partitioning rules on the open versions of ``villages``.

    ``unassigned``: households the run reported without a grid (e.g. new ones in a locked grid).
    """
    villages = list(villages)
    assert_versions_dated(villages)
    grouped = set(
        Household.objects.filter(group__village__in=villages).values_list("pk", flat=True)
    )
    rows = list(
        GridAssignment.objects.filter(
            version__village__in=villages, version__valid_to__isnull=True
        ).values_list(
            "household_id",
            "household__group__village_id",
            "grid_id",
            "grid__village_id",
            "version__village_id",
            "member_area_id",
            "member_area__grid_id",
        )
    )
    counted = Counter(r[0] for r in rows)
    assert not [h for h, n in counted.items() if n > 1], "household assigned twice"
    assert set(counted) == grouped - set(unassigned), "grouped households not assigned exactly once"
    for h, h_village, _grid, g_village, v_village, area, area_grid in rows:
        assert h_village == g_village == v_village, f"household {h} in a grid of another village"
        assert area is not None and area_grid == _grid, f"household {h}: member area outside grid"

    grids = list(
        Grid.objects.filter(
            version__village__in=villages, version__valid_to__isnull=True
        ).select_related("village")
    )
    per_grid = Counter(r[2] for r in rows)
    for grid in grids:
        assert CODE_RE.match(grid.code) and grid.code[:12] == grid.village.code, grid.code
        assert grid.household_count == per_grid[grid.pk] > 0, grid.code
    codes = [(g.village_id, g.code) for g in grids]
    assert len(codes) == len(set(codes))
    by_village = defaultdict(list)
    for grid in grids:
        by_village[grid.village].append(grid.household_count)
    for village, sizes in by_village.items():
        if sum(sizes) >= village.grid_min:  # the total allows in-band grids
            share = sum(village.grid_min <= n <= village.grid_max for n in sizes) / len(sizes)
            assert share >= IN_BAND_SHARE, (village.code, sorted(sizes))

    with connection.cursor() as cur:  # every household inside (or within 5 m of) its grid
        cur.execute(
            f"""SELECT count(*) FROM {GridAssignment._meta.db_table} a
            JOIN {Grid._meta.db_table} g ON g.id = a.grid_id
            JOIN {Household._meta.db_table} h ON h.id = a.household_id
            WHERE g.id = ANY(%s)
              AND NOT ST_DWithin(g.geom::geography, h.location::geography, %s)""",
            [[g.pk for g in grids], NEAR_M],
        )
        assert cur.fetchone()[0] == 0, "households outside their grid's polygon"

    areas = list(MemberArea.objects.filter(grid__in=grids))
    per_area = Counter(r[5] for r in rows)
    for area in areas:
        assert area.household_count == per_area[area.pk] > 0
    village_of = {g.pk: g.village for g in grids}
    in_band = [
        village_of[a.grid_id].member_min <= a.household_count <= village_of[a.grid_id].member_max
        for a in areas
    ]
    assert sum(in_band) / len(in_band) >= MEMBER_BAND_SHARE

    assert_people_valid(grids, areas, rows)


def assert_people_valid(grids, areas, rows) -> None:
    """Each grid with an eligible resident has a leader living in it; nobody holds two areas."""
    grid_of_household = {r[0]: r[2] for r in rows}
    eligible = defaultdict(list)
    for p in Person.objects.filter(household_id__in=grid_of_household):
        if person_rank(p) < NOT_ELIGIBLE:
            eligible[grid_of_household[p.household_id]].append(p)
    leaders = {p.pk: p for p in Person.objects.filter(led_grids__in=grids)}
    for grid in grids:
        if eligible[grid.pk]:
            assert grid.leader_id, f"grid {grid.code}: eligible residents but no leader"
        if grid.leader_id and not grid.leader_confirmed:
            assert grid_of_household[leaders[grid.leader_id].household_id] == grid.pk, (
                f"grid {grid.code}: proposed leader does not live in it"
            )
    members = [a.member_id for a in areas if a.member_id]
    assert len(members) == len(set(members)), "a person is member of two areas"
    assert members, "no member proposed at all"
    village_ids = {g.village_id for g in grids}
    assert (
        set(
            Person.objects.filter(pk__in=members).values_list(
                "household__group__village_id", flat=True
            )
        )
        <= village_ids
    )


def add_households(
    village: Village, n: int, *, seed: int = 0, inside=None, prefix="NEW"
) -> list[int]:
    """``n`` new households of ``village``, each a few metres from an existing one, in its group.

    ``inside``: a polygon the new households must fall in (e.g. a locked grid).
    """
    rng = random.Random(seed)
    existing = list(
        Household.objects.filter(group__village=village).select_related("group").order_by("pk")
    )
    if inside is not None:
        existing = [h for h in existing if inside.covers(h.location)]
    created = []
    for i in range(n):
        base = rng.choice(existing)
        for _ in range(20):  # a point ~3-8 m away, still in the group (and ``inside``)
            pt = Point(
                base.location.x + rng.uniform(-8e-5, 8e-5),
                base.location.y + rng.uniform(-8e-5, 8e-5),
                srid=4326,
            )
            if base.group.geom.covers(pt) and (inside is None or inside.covers(pt)):
                break
        else:
            pt = Point(base.location.x, base.location.y, srid=4326)  # same compound
        created.append(
            Household(
                external_id=f"{prefix}{seed:02d}{i:04d}", head="新户", location=pt, group=base.group
            )
        )
    return [h.pk for h in Household.objects.bulk_create(created)]
