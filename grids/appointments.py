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
import secrets

import numpy as np
from django.contrib.auth.models import User
from scipy.optimize import linear_sum_assignment

from grids.models import Grid, GridAssignment, GridVersion, MemberArea
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


ERR_NOT_RESIDENT = "{person} does not live in village {village}"
ERR_ALREADY_MEMBER = "{person} already looks after member area {area}"


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


def _username_for(person: Person) -> str:
    phone = "".join(c for c in person.phone if c.isdigit())
    if len(phone) == 11 and not User.objects.filter(username=phone).exists():
        return phone
    return f"wg{person.pk}"


def appointments_accounts_sync(village) -> dict:
    """Give every confirmed leader and member of the village's current grids an account bound
    to their grid (and member area), and take the binding away from whoever lost the post.

    New accounts get no usable password: staff issue one on the grid page
    (`account_issue_password`), so no password is ever generated unseen.
    """
    posts = {}  # person id -> (role, grid code, member number)
    for grid in Grid.objects.filter(village=village, version__valid_to__isnull=True):
        if grid.leader_id and grid.leader_confirmed:
            posts[grid.leader_id] = (Role.GRID_LEADER, grid.code, None)
    for area in MemberArea.objects.filter(
        grid__village=village,
        grid__version__valid_to__isnull=True,
        member__isnull=False,
        member_confirmed=True,
    ).select_related("grid"):
        posts.setdefault(area.member_id, (Role.GRID_MEMBER, area.grid.code, area.number))
    revoked = 0
    # accounts bound by hand (no resident linked) are the administrator's to manage
    for ua in UserArea.objects.filter(
        village=village, role__in=[Role.GRID_LEADER, Role.GRID_MEMBER], person__isnull=False
    ):
        if ua.person_id not in posts:
            ua.delete()  # no post, no access: the account keeps its name but sees nothing
            revoked += 1
    created = []
    for person_id, (role, code, number) in posts.items():
        ua = UserArea.objects.filter(person_id=person_id).first()
        if ua is None:
            person = Person.objects.get(pk=person_id)
            user = User.objects.create_user(_username_for(person), first_name=person.name)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            UserArea.objects.create(
                user=user,
                role=role,
                village=village,
                grid_code=code,
                member_number=number,
                person=person,
            )
            created.append(user.username)
        elif (ua.role, ua.grid_code, ua.member_number, ua.village_id) != (
            role,
            code,
            number,
            village.pk,
        ):
            ua.role, ua.grid_code, ua.member_number, ua.village = role, code, number, village
            ua.township = None
            ua.save()
    return {"created": created, "revoked": revoked}


def account_issue_password(person: Person) -> tuple[str, str]:
    """A new random password for the person's account (shown once to the staff who asked)."""
    ua = person.user_area
    password = secrets.token_urlsafe(9)
    ua.user.set_password(password)
    ua.user.save(update_fields=["password"])
    return ua.user.username, password
