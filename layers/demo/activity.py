"""The demo county's people at work: appointments confirmed or left open, accounts for those
in post, and a year of visits (planned by ``plan``, written here in bulk).

Incidents join here once ``layers`` has them: a year of them planned in ``plan`` from the
grid valid at each date (as ``plan.plan_visits`` does), written in bulk by a function
like ``visits_load``, called by ``manage.py load_demo`` after the visits.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, Value
from django.db.models.functions import Cast
from django.utils import timezone

from grids.appointments import (
    appointments_accounts_sync,
    grid_appoint_leader,
    member_area_appoint,
)
from grids.models import Grid, GridAssignment, MemberArea
from households.models import Role, UserArea, Village

from ..models import Visit
from .plan import CONFIRM, VACANT, grid_plan, member_fate, plan_visits

BATCH = 5000
# A visit is logged the evening of its day: 18:00 in Asia/Shanghai (UTC+8, no summer time)
# is 10:00 UTC, added to the date read as midnight UTC.
LOGGED_AFTER_MIDNIGHT_UTC = dt.timedelta(hours=10)
CARE_TAGS = ("dibao", "wubao", "poverty_monitoring", "left_behind_children", "elderly_alone")


@transaction.atomic
def appointments_settle(seed: int) -> dict:
    """Confirm, leave open or vacate each current post as ``plan`` says (the grid page's
    services, as township staff would); a post already as planned is left alone."""
    done = {CONFIRM: 0, VACANT: 0}
    grids = Grid.objects.filter(version__valid_to__isnull=True).select_related(
        "village", "leader__household__group"
    )
    for grid in grids.order_by("code"):
        fate = grid_plan(grid.code, seed=seed).leader
        _settle(done, fate, grid, grid.leader, grid.leader_confirmed, grid_appoint_leader)
    areas = MemberArea.objects.filter(grid__version__valid_to__isnull=True).select_related(
        "grid__village", "grid__version", "member__household__group"
    )
    for area in areas.order_by("grid__code", "number"):
        fate = member_fate(area.grid.code, area.number, seed=seed)
        _settle(done, fate, area, area.member, area.member_confirmed, member_area_appoint)
    return {"posts confirmed": done[CONFIRM], "posts vacated": done[VACANT]}


def _settle(done: dict, fate: str, post, holder, confirmed: bool, appoint) -> None:
    if fate == CONFIRM and holder is not None and not confirmed:
        appoint(post, holder)
    elif fate == VACANT and holder is not None:
        appoint(post, None)
    else:
        return
    done[fate] += 1


@transaction.atomic
def accounts_sync() -> int:
    """An account for every confirmed leader and member (no usable password until staff
    issue one on the grid page)."""
    created = 0
    for village in Village.objects.filter(grids__isnull=False).distinct().order_by("code"):
        created += len(appointments_accounts_sync(village)["created"])
    return created


def visits_load(anchor: dt.date, seed: int) -> int:
    """Write the planned visits that are not there yet (one per household and day)."""
    plan = plan_visits(_spells(), anchor=anchor, seed=seed)
    have = set(
        Visit.objects.filter(visited_on__lte=anchor).values_list("household_id", "visited_on")
    )
    plan = plan[[k not in have for k in zip(plan["household_id"], plan["visited_on"])]]
    leaders, members = _accounts()
    rows = [
        Visit(
            household_id=int(r.household_id),
            grid_code=r.grid_code,
            member_number=int(r.member_number) or None,
            visited_on=r.visited_on,
            note=r.note,
            point=None if pd.isna(r.lon) else Point(r.lon, r.lat, srid=4326),
            created_by_id=leaders.get(r.grid_code)
            if r.by == "leader"
            else members.get((r.grid_code, int(r.member_number))),
        )
        for r in plan.itertuples(index=False)
    ]
    logged = ExpressionWrapper(
        Cast("visited_on", DateTimeField()) + Value(LOGGED_AFTER_MIDNIGHT_UTC),
        output_field=DateTimeField(),
    )
    with transaction.atomic():
        for i in range(0, len(rows), BATCH):
            made = Visit.objects.bulk_create(rows[i : i + BATCH])
            Visit.objects.filter(pk__in=[v.pk for v in made]).update(created_at=logged)
    return len(rows)


def _spells() -> pd.DataFrame:
    """Every household's assignments in every version, with its dates and posts held now."""
    rows = GridAssignment.objects.values_list(
        "household_id",
        "grid__code",
        "member_area__number",
        "version__valid_from",
        "version__valid_to",
        "household__location",
        *(f"household__{t}" for t in CARE_TAGS),
    )
    spells = pd.DataFrame(
        [
            (h, code, number or 0, _day(start), _day(end), p.x, p.y, any(care))
            for h, code, number, start, end, p, *care in rows.iterator(chunk_size=BATCH)
        ],
        columns=[
            "household_id",
            "grid_code",
            "member_number",
            "start",
            "end",
            "lon",
            "lat",
            "needs_care",
        ],
    )
    current = Grid.objects.filter(version__valid_to__isnull=True)
    held = set(current.filter(leader_confirmed=True, leader__isnull=False).values_list("code"))
    areas = MemberArea.objects.filter(
        grid__in=current, member_confirmed=True, member__isnull=False
    ).values_list("grid__code", "number")
    held_areas = set(areas)
    spells["leader"] = [(c,) in held for c in spells["grid_code"]]
    spells["member"] = [
        (c, n) in held_areas for c, n in zip(spells["grid_code"], spells["member_number"])
    ]
    return spells


def _day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localdate(moment)


def _accounts() -> tuple[dict, dict]:
    """Accounts of the people in post: grid code -> leader, (code, number) -> member."""
    bound = UserArea.objects.filter(role__in=[Role.GRID_LEADER, Role.GRID_MEMBER])
    leaders, members = {}, {}
    for role, code, number, user in bound.values_list(
        "role", "grid_code", "member_number", "user_id"
    ):
        if role == Role.GRID_LEADER:
            leaders[code] = user
        else:
            members[(code, number)] = user
    return leaders, members
