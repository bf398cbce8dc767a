"""The demo county's people at work: appointments confirmed or left open, accounts for those
in post, a year of visits (planned by ``plan``) and of incidents (planned by
``incident_plan``), written here in bulk.
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

from ..incidents.models import tracking_code
from ..incidents.services import categories_ensure
from ..models import Incident, IncidentCategory, IncidentEvent, IncidentNotification, Visit
from .incident_plan import plan_incidents
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


DEMO_REF = "DEMO-"  # external_ref of the demo's incidents: a second load writes none again
UNREAD_DAYS = 14  # the demo users' notifications: what reached them in the last two weeks
_ROLE = {"member": Role.GRID_MEMBER, "leader": Role.GRID_LEADER}


def incidents_load(anchor: dt.date, seed: int) -> int:
    """Write the planned year of incidents and their steps (nothing if they are there)."""
    categories_ensure()
    if Incident.objects.filter(external_ref__startswith=DEMO_REF).exists():
        return 0
    end = min(timezone.now(), timezone.make_aware(dt.datetime.combine(anchor, dt.time(23, 59))))
    categories = pd.DataFrame(
        IncidentCategory.objects.values("pk", "code", "deadline_hours", "start_tier")
    )
    plan, steps = plan_incidents(_spells(), categories, end=end, seed=seed)
    cat_ids = dict(zip(categories["code"], categories["pk"]))
    places, grids = _places()
    accounts = _accounts()
    incidents = [
        _incident(i, r, cat_ids, places, grids, accounts) for i, r in enumerate(plan.itertuples())
    ]
    desks = _desks()
    with transaction.atomic():
        made = Incident.objects.bulk_create(incidents, batch_size=BATCH)
        events, notes = [], []
        for incident, path in zip(made, steps):
            for action, before, after, from_tier, to_tier, at, actor, note in path:
                who = (
                    incident.assignee_id
                    if actor in _ROLE
                    else desks.get(actor, {}).get(
                        incident.village_id if actor == "village" else incident.township_id
                    )
                )
                events.append(
                    IncidentEvent(
                        incident=incident,
                        action=action,
                        from_state=before,
                        to_state=after,
                        from_tier=from_tier,
                        to_tier=to_tier,
                        at=at,
                        note=note,
                        actor_id=who,
                        actor_role=_ROLE.get(actor, actor),
                    )
                )
            notes += _unread(incident, path, end, desks)
        IncidentEvent.objects.bulk_create(events, batch_size=BATCH)
        IncidentNotification.objects.bulk_create(notes, batch_size=BATCH)
    return len(made)


def _incident(i, r, cat_ids, places, grids, accounts) -> Incident:
    leaders, members = accounts
    township, village = places[r.grid_code[:12]]
    grid = next(
        (
            pk
            for start, stop, pk in grids[r.grid_code]
            if start <= r.reported_at and (stop is None or r.reported_at < stop)
        ),
        None,
    )
    holder = {
        "member": members.get((r.grid_code, r.member_number)),
        "leader": leaders.get(r.grid_code),
    }
    closed = r.state == "closed"
    return Incident(
        tracking_code=tracking_code(),
        external_ref=f"{DEMO_REF}{i + 1:06d}",
        category_id=cat_ids[r.category],
        description=r.description,
        point=Point(r.lon, r.lat, srid=4326),
        located_by=Incident.Located.GPS,
        channel=Incident.Channel.PUBLIC,  # reported by residents (the plan starts there)
        reported_at=r.reported_at,
        contact_phone=f"1{38 + i % 12}{(i * 7919) % 10**8:08d}",  # invented numbers
        township_id=township,
        village_id=village,
        grid_id=grid,
        grid_code=r.grid_code,
        member_number=r.member_number,
        state=r.state,
        tier=r.tier,
        assignee_id=holder.get(r.holder) if r.tier == "village" else None,
        dispatched_at=_none(r.dispatched_at),
        deadline_at=_none(r.deadline_at),
        handled_at=_none(r.handled_at),
        closed_at=_none(r.closed_at),
        missed_deadline=r.missed,
        closed_on_time=(not r.missed and r.handled_at <= r.deadline_at) if closed else None,
        escalations=r.escalations,
        reply=r.reply,
        rating=None if pd.isna(r.rating) else int(r.rating),
    )


def _none(value):
    return None if value is None or pd.isna(value) else value


def _places() -> tuple[dict, dict]:
    """village code -> (township id, village id); grid code -> [(valid from, to, grid id)]."""
    places = {
        code: (township, pk)
        for code, pk, township in Village.objects.values_list("code", "pk", "township_id")
    }
    grids = {}
    for code, pk, start, stop in Grid.objects.values_list(
        "code", "pk", "version__valid_from", "version__valid_to"
    ):
        grids.setdefault(code, []).append((start, stop, pk))
    return places, grids


def _desks() -> dict:
    """desk -> {village id (village) or township id (township) or None (county): account}."""
    desks = {"village": {}, "township": {}, "county": {}}
    areas = UserArea.objects.filter(role__in=[Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY])
    for role, user, township, village in areas.order_by("-user_id").values_list(
        "role", "user_id", "township_id", "village_id"
    ):
        desks[role][village if role == Role.VILLAGE else township] = user
    return desks


def _desk(desks, desk: str, incident) -> int | None:
    """The account acting for ``desk`` where the incident lies."""
    if desk == "county":
        return next(iter(desks["county"].values()), None)
    return desks[desk].get(incident.village_id if desk == "village" else incident.township_id)


def _unread(incident, path, end, desks) -> list[IncidentNotification]:
    """What reached its people in the last UNREAD_DAYS, still unread."""
    out = []
    for action, _b, _a, _ft, to_tier, at, actor, _n in path:
        if end - at > dt.timedelta(days=UNREAD_DAYS):
            continue
        if action == "dispatch" and actor == "system" and incident.assignee_id:
            out.append((incident.assignee_id, "new", at))
        elif action == "escalate":
            out.append((_desk(desks, to_tier, incident), "escalated", at))
    return [
        IncidentNotification(user_id=u, incident=incident, kind=k, created_at=at)
        for u, k, at in out
        if u is not None
    ]
