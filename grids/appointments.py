"""Proposals for people: a leader for each grid, a member for each member area.

Leaders: the group leader living in the grid, else the party member (full before
probationary), else another eligible resident living in it. Members: a minimum-cost
assignment (scipy's linear_sum_assignment) of eligible residents of the village to
member areas, so that a person leads at most one area; the cost prefers people who
live in the area, then the county plan's order (party members first, then group
leaders, women's group leaders, five elders, villagers' representatives, capable
villagers), then distance. Staff confirm or change the proposals.
"""

import math

import numpy as np
from django.utils.translation import gettext_lazy
from scipy.optimize import linear_sum_assignment

from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from households.accounts.rules import Binding
from households.accounts.services import (
    account_password_issue,
    account_post_bind,
    account_post_end,
)
from households.models import Person, Role, UserArea

OUTSIDE_AREA_COST_M = 500.0  # living outside the area counts like living 500 m farther
RANK_STEP_COST_M = 300.0  # each step down the priority order counts like 300 m
NOT_ELIGIBLE = 99


def person_rank(p: Person) -> int:
    """Position in the county plan's order of preference (lower is preferred)."""
    order = [
        p.party_member == Person.PartyMember.FULL,
        p.party_member == Person.PartyMember.PROBATIONARY,
        p.group_leader,
        p.womens_group_leader,
        p.five_elders,
        p.villagers_representative,
        p.capable_villager,
    ]
    return next((i for i, flag in enumerate(order) if flag), NOT_ELIGIBLE)


def leader_rank(p: Person) -> int:
    if p.group_leader:
        return 0
    return 1 + person_rank(p)


def _metres(lon1, lat1, lon2, lat2):
    k = 111_320.0
    return np.hypot(
        (lon1 - lon2) * k * math.cos(math.radians(float(np.mean(lat1)))), (lat1 - lat2) * k
    )


def appointments_propose(version: GridVersion) -> dict:
    """Fill empty leader and member posts of a version with proposals (unconfirmed)."""
    rows = list(
        GridAssignment.objects.filter(version=version).values_list(
            "household_id", "grid_id", "member_area_id", "household__location"
        )
    )
    grid_of = {h: g for h, g, _m, _p in rows}
    area_of = {h: m for h, _g, m, _p in rows}
    where = {h: (p.x, p.y) for h, _g, _m, p in rows}
    persons = [
        p for p in Person.objects.filter(household_id__in=grid_of) if person_rank(p) < NOT_ELIGIBLE
    ]
    grids = list(Grid.objects.filter(version=version))
    taken = {g.leader_id for g in grids if g.leader_id}
    areas = list(MemberArea.objects.filter(grid__version=version))
    taken |= {a.member_id for a in areas if a.member_id}
    proposed_leaders = 0
    for grid in sorted(grids, key=lambda g: g.code):
        if grid.leader_id:
            continue
        living = [
            p for p in persons if grid_of.get(p.household_id) == grid.pk and p.pk not in taken
        ]
        if living:
            best = min(living, key=lambda p: (leader_rank(p), p.pk))
            grid.leader, grid.leader_confirmed = best, False
            grid.save(update_fields=["leader", "leader_confirmed"])
            taken.add(best.pk)
            proposed_leaders += 1
    open_areas = [a for a in areas if not a.member_id]
    free = [p for p in persons if p.pk not in taken]
    proposed_members = 0
    if open_areas and free:
        centre = {}
        for a in open_areas:
            pts = np.array([where[h] for h, m in area_of.items() if m == a.pk])
            centre[a.pk] = pts.mean(axis=0)
        cx = np.array([centre[a.pk] for a in open_areas])
        px = np.array([where[p.household_id] for p in free])
        dist = _metres(cx[:, None, 0], cx[:, None, 1], px[None, :, 0], px[None, :, 1])
        inside = np.array([[area_of.get(p.household_id) == a.pk for p in free] for a in open_areas])
        rank = np.array([person_rank(p) for p in free])
        cost = dist + RANK_STEP_COST_M * rank[None, :] + OUTSIDE_AREA_COST_M * ~inside
        rows_i, cols_i = linear_sum_assignment(cost)
        for i, j in zip(rows_i, cols_i, strict=True):
            area = open_areas[i]
            area.member, area.member_confirmed = free[j], False
            proposed_members += 1
        MemberArea.objects.bulk_update(
            [open_areas[i] for i in rows_i], ["member", "member_confirmed"]
        )
    return {"leaders": proposed_leaders, "members": proposed_members}


class AppointmentError(ValueError):
    """A leader or member who may not take the post; nothing was written."""


# translated when formatted (lazy): the editor and the appointments page show them as they are
ERR_NOT_RESIDENT = gettext_lazy("{person} does not live in village {village}")
ERR_ALREADY_MEMBER = gettext_lazy("{person} already looks after member area {area}")


def grid_appoint_leader(grid: Grid, person: Person | None) -> Grid:
    """Appoint (or confirm) a grid leader: any resident of the grid's village."""
    if person is not None and person.household.group.village_id != grid.village_id:
        raise AppointmentError(
            ERR_NOT_RESIDENT.format(person=person.name, village=grid.village.name)
        )
    grid.leader, grid.leader_confirmed = person, person is not None
    grid.save(update_fields=["leader", "leader_confirmed"])
    return grid


def member_area_appoint(area: MemberArea, person: Person | None) -> MemberArea:
    """Appoint (or confirm) a grid member; a person looks after at most one member area."""
    if person is not None:
        if person.household.group.village_id != area.grid.village_id:
            raise AppointmentError(
                ERR_NOT_RESIDENT.format(person=person.name, village=area.grid.village.name)
            )
        other = (
            MemberArea.objects.filter(grid__version=area.grid.version, member=person)
            .exclude(pk=area.pk)
            .first()
        )
        if other is not None:
            raise AppointmentError(ERR_ALREADY_MEMBER.format(person=person.name, area=other.code))
    area.member, area.member_confirmed = person, person is not None
    area.save(update_fields=["member", "member_confirmed"])
    return area


def appointments_accounts_sync(village) -> dict:
    """Give every confirmed leader and member of the village's current grids an account bound
    to their grid (and member area), named after the post (households.accounts.rules), and
    disable the account of whoever lost their post (disabled, not deleted: the access log
    keeps naming who held it; a new post enables it again).

    New accounts get no usable password: staff issue a one-time password on the grid page
    (`account_issue_password`), so no password is ever generated unseen.
    """
    posts = {}  # person id -> binding
    for grid in Grid.objects.filter(village=village, version__valid_to__isnull=True):
        if grid.leader_id and grid.leader_confirmed:
            posts[grid.leader_id] = Binding(Role.GRID_LEADER, village=village, grid_code=grid.code)
    for area in MemberArea.objects.filter(
        grid__village=village,
        grid__version__valid_to__isnull=True,
        member__isnull=False,
        member_confirmed=True,
    ).select_related("grid"):
        posts.setdefault(
            area.member_id,
            Binding(
                Role.GRID_MEMBER,
                village=village,
                grid_code=area.grid.code,
                member_number=area.number,
            ),
        )
    revoked = 0
    # accounts bound by hand (no resident linked) are the account pages' to manage
    for ua in UserArea.objects.filter(
        village=village,
        role__in=[Role.GRID_LEADER, Role.GRID_MEMBER],
        person__isnull=False,
        user__is_active=True,
    ).select_related("user", "village"):
        if ua.person_id not in posts:
            account_post_end(ua)
            revoked += 1
    created = []
    people = Person.objects.in_bulk(list(posts))
    for person_id, binding in posts.items():
        user = account_post_bind(people[person_id], binding)
        if user is not None:
            created.append(user.username)
    return {"created": created, "revoked": revoked}


def account_issue_password(person: Person, *, by=None) -> tuple[str, str]:
    """A one-time password for the person's account (shown once to the staff who asked,
    changed at the person's next login)."""
    ua = person.user_area
    return ua.user.username, account_password_issue(ua, by=by)
