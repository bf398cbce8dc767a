"""Reads for the field pages: a grid's households (masked as the user's role requires),
visits, households not visited lately, member loads and the access log."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from grids.access import assignments_visible, can_see_phones, can_see_sensitive, can_unmask
from grids.models import Grid, GridAssignment, MemberArea
from households.access import in_scope, scope_for
from households.models import AccessLog, Household, Person
from households.privacy import SENSITIVE_TAGS, mask_id_number, mask_phone

from .models import Visit

NOT_VISITED_DAYS = 90  # the county plan: every household visited at least once a quarter
RECENT_VISITS = 20


class ParameterError(ValueError):
    """A malformed query parameter: the view answers 400."""


def grid_current(code: str) -> Grid:
    """The current grid with this code (404 if none): codes persist across versions."""
    if not (len(code) == 15 and code.isdigit()):
        raise Http404
    return get_object_or_404(
        Grid.objects.select_related("village__township", "version", "leader__household"),
        code=code,
        version__valid_to__isnull=True,
    )


def grid_of_user(user) -> Grid | None:
    """The current grid a leader or member is bound to."""
    scope = scope_for(user)
    if not scope.grid_bound:
        return None
    return (
        Grid.objects.current()
        .for_scope(scope)
        .select_related("village__township", "version", "leader__household")
        .first()
    )


def visible_tags(user, grid: Grid) -> tuple[str, ...]:
    sensitive = can_see_sensitive(user, grid)
    return tuple(t for t in Household.TAG_FIELDS if sensitive or t not in SENSITIVE_TAGS)


@dataclass(frozen=True)
class HouseholdRow:
    """A household as one user may see it: ID number and phone already masked if needed."""

    pk: int
    external_id: str
    head: str
    members: int
    id_number: str
    phone: str
    address: str
    group: str
    member_number: int | None
    tags: tuple[str, ...]
    last_visit: dt.date | None
    location: Point

    @property
    def lon(self) -> float:
        return self.location.x

    @property
    def lat(self) -> float:
        return self.location.y

    @property
    def overdue(self) -> bool:
        return self.last_visit is None or self.last_visit < overdue_before()


def overdue_before(days: int = NOT_VISITED_DAYS) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _last_visit():
    return Subquery(
        Visit.objects.filter(household=OuterRef("household"))
        .order_by()
        .values("household")
        .annotate(last=Max("visited_on"))
        .values("last")[:1]
    )


def grid_assignments(user, grid: Grid, *, q: str = "", tag: str = "", member=None) -> QuerySet:
    """The grid's assignments the user may see, filtered by search text, tag and member area."""
    qs = (
        assignments_visible(user, grid)
        .select_related("household__group", "member_area")
        .annotate(last_visit=_last_visit())
    )
    if tag:
        if tag not in visible_tags(user, grid):
            raise ParameterError(f"unknown tag {tag!r}")
        qs = qs.filter(**{f"household__{tag}": True})
    if member not in (None, ""):
        try:
            number = int(member)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"member must be a number, not {member!r}") from exc
        qs = qs.filter(member_area__number=number)
    q = (q or "").strip()
    if len(q) > 50:
        raise ParameterError("search text is too long")
    if q:
        match = (
            Q(household__head__icontains=q)
            | Q(household__address__icontains=q)
            | Q(household__external_id__icontains=q)
        )
        # only who sees the numbers may search by them
        if can_see_phones(user, grid):
            match |= Q(household__phone__icontains=q)
        if can_unmask(user, grid):
            match |= Q(household__id_number__icontains=q)
        qs = qs.filter(match)
    return qs.order_by("member_area__number", "household__external_id")


def household_rows(user, grid: Grid, assignments) -> tuple[list[HouseholdRow], bool]:
    """Rows for display and whether they hold unmasked personal data (then log the view)."""
    unmask, phones = can_unmask(user, grid), can_see_phones(user, grid)
    tags = visible_tags(user, grid)
    rows = []
    for a in assignments:
        h = a.household
        rows.append(
            HouseholdRow(
                pk=h.pk,
                external_id=h.external_id,
                head=h.head,
                members=h.members,
                id_number=h.id_number if unmask else mask_id_number(h.id_number),
                phone=h.phone if phones else mask_phone(h.phone),
                address=h.address,
                group=h.group.name if h.group else "",
                member_number=a.member_area.number if a.member_area else None,
                tags=tuple(t for t in tags if getattr(h, t)),
                last_visit=a.last_visit,
                location=h.location,
            )
        )
    return rows, any((unmask and r.id_number) or (phones and r.phone) for r in rows)


def households_not_visited(user, grid: Grid, days: int = NOT_VISITED_DAYS) -> QuerySet:
    """Assignments of the grid (as the user sees it) with no visit in the last `days` days."""
    recent = Visit.objects.filter(visited_on__gte=overdue_before(days)).values("household_id")
    return grid_assignments(user, grid).exclude(household_id__in=recent)


def visit_households(user, grid: Grid) -> QuerySet:
    """Households a user may log a visit for on this grid's page (their own area for members)."""
    if not (scope_for(user).can("log_visits") and in_scope(user, grid)):
        return Household.objects.none()
    ids = assignments_visible(user, grid).values("household_id")
    return Household.objects.filter(pk__in=ids).order_by("external_id")


def visits_visible(user) -> QuerySet:
    """Visits in the user's area: a grid's people see their grid (members their own area)."""
    return Visit.objects.for_scope(scope_for(user)).select_related("household", "created_by")


def grid_visits(user, grid: Grid, limit: int = RECENT_VISITS) -> list[Visit]:
    return list(visits_visible(user).filter(grid_code=grid.code)[:limit])


@dataclass(frozen=True)
class Contact:
    post: str  # "leader" or "member"
    number: int | None
    name: str
    phone: str
    households: int
    visited: int  # households of the area visited in the last 90 days
    household_id: int | None = None  # the person's household, logged when the phone is clear
    in_clear: bool = False  # the phone is shown unmasked


def grid_contacts(user, grid: Grid) -> list[Contact]:
    """The leader and the members with their loads; a member sees the leader and themself
    (phones in clear for the grid's own people, can_see_phones)."""
    clear = can_see_phones(user, grid)
    since = overdue_before()
    areas = (
        MemberArea.objects.for_scope(scope_for(user))
        .filter(grid=grid)
        .select_related("member")
        .annotate(
            n=Count("assignments", distinct=True),
            seen=Count(
                "assignments",
                distinct=True,
                filter=Q(assignments__household__visits__visited_on__gte=since),
            ),
        )
        .order_by("number")
    )

    def contact(post, number, p: Person | None, households, visited) -> Contact:
        if p is None:
            return Contact(post, number, "", "", households, visited)
        phone = p.phone if clear else mask_phone(p.phone)
        in_clear = clear and bool(p.phone)
        return Contact(post, number, p.name, phone, households, visited, p.household_id, in_clear)

    total = GridAssignment.objects.filter(grid=grid).count()
    contacts = [contact("leader", None, grid.leader, total, 0)]
    contacts += [contact("member", a.number, a.member, a.n, a.seen) for a in areas]
    return contacts


def access_log_list(user) -> QuerySet:
    return (
        AccessLog.objects.for_scope(scope_for(user)).select_related("user").order_by("-at", "-pk")
    )
