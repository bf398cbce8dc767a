"""What a search finds: households (head of household, household number, address, and the
last digits of the phone for the roles that may see phones), residents, grids, villages and
village groups, each from its model's ``for_scope``: a user finds only what lies in their
area. Results carry a point (and an extent for areas) for the map to zoom to; never an ID
number or a phone in clear (a phone match shows the masked number, whose last four digits
are what was typed)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext as _

from grids.models import Grid, GridAssignment
from households.access import Scope
from households.models import Household, Person, Role, Village, VillageGroup
from households.privacy import mask_phone

MAX_QUERY = 50  # = the grid page's search box
PER_KIND = 8  # results of each kind; the list shows at most 5 kinds x 8
PHONE_DIGITS = (4, 11)  # the last 4 digits, up to a whole mobile number
MIN_ADDRESS = 2  # characters typed before addresses are searched
GRID_CODE_DIGITS = 3  # a grid is named by the last 3 digits of its code on every page
ERR_EMPTY = "q: type something to search for"
ERR_TOO_LONG = f"q: at most {MAX_QUERY} characters"

KINDS = ("household", "resident", "grid", "village", "group")


@dataclass(frozen=True)
class Result:
    kind: str
    id: str
    label: str
    detail: str
    lon: float
    lat: float
    bbox: tuple[float, float, float, float] | None = None
    url: str = ""


def can_search_phones(scope: Scope) -> bool:
    """Who may look households up by phone: who sees phones in clear (a grid's leader and
    members, in their own area: grids.access.can_see_phones); their scope is that area."""
    return scope.role in (Role.GRID_LEADER, Role.GRID_MEMBER)


def _household_url(scope: Scope, grid_code: str | None) -> str:
    if not grid_code:
        return ""
    if scope.grid_bound:
        return reverse("my-grid")
    return reverse("grid-work", args=[grid_code])


def _households(scope: Scope, q: str) -> list[Result]:
    match = Q(head__icontains=q) | Q(external_id__icontains=q)
    if len(q) >= MIN_ADDRESS:  # one character (村, 镇, 号) is in nearly every address
        match |= Q(address__icontains=q)
    by_phone = (
        can_search_phones(scope) and q.isdigit() and PHONE_DIGITS[0] <= len(q) <= PHONE_DIGITS[1]
    )
    if by_phone:
        match |= Q(phone__endswith=q)
    # the grid of the current version (computed for the few rows returned only)
    current = GridAssignment.objects.filter(household=OuterRef("pk"), version__valid_to=None)
    rows = (
        Household.objects.for_scope(scope)
        .filter(match)
        .annotate(grid_code=Subquery(current.values("grid__code")[:1]))
        .values(
            "external_id",
            "head",
            "address",
            "phone",
            "location",
            "group__name",
            "group__village__name",
            "grid_code",
        )
        # by number, through an expression: the planner then finds the matches with the
        # trigram indexes and sorts those few, instead of walking the whole number index
        .order_by(Upper("external_id"))[:PER_KIND]
    )
    results = []
    for h in rows:
        where = " ".join(filter(None, [h["group__village__name"], h["group__name"]]))
        parts = [h["external_id"], where or _("outside every group"), h["address"]]
        if by_phone and h["phone"].endswith(q):
            parts.append(mask_phone(h["phone"]))
        results.append(
            Result(
                "household",
                h["external_id"],
                h["head"] or h["external_id"],
                " · ".join(p for p in parts if p),
                h["location"].x,
                h["location"].y,
                url=_household_url(scope, h["grid_code"]),
            )
        )
    return results


def _residents(scope: Scope, q: str) -> list[Result]:
    rows = (
        Person.objects.for_scope(scope)
        .filter(name__icontains=q)
        .values("pk", "name", "household__external_id", "household__head", "household__location")
        .order_by("name", "pk")[:PER_KIND]
    )
    return [
        Result(
            "resident",
            p["household__external_id"],
            p["name"],
            _("household of %(head)s · %(id)s")
            % {"head": p["household__head"] or "—", "id": p["household__external_id"]},
            p["household__location"].x,
            p["household__location"].y,
        )
        for p in rows
    ]


def _grids(scope: Scope, q: str) -> list[Result]:
    if not (q.isdigit() and len(q) >= GRID_CODE_DIGITS):
        return []
    match = Q(code__endswith=q) if len(q) < 15 else Q(code=q)
    rows = (
        Grid.objects.current()
        .for_scope(scope)
        .filter(match)
        .select_related("village")
        .annotate(center=PointOnSurface("geom"))
        .order_by("code")[:PER_KIND]
    )
    return [
        Result(
            "grid",
            g.code,
            f"{g.village.name} · {_('Grid')} {g.code[-3:]}",
            f"{g.code} · {g.household_count} {_('households')}",
            g.center.x,
            g.center.y,
            tuple(g.geom.extent),
            reverse("grid-work", args=[g.code]),
        )
        for g in rows
    ]


def _villages(scope: Scope, q: str) -> list[Result]:
    match = Q(name__icontains=q) | (Q(code__startswith=q) if q.isdigit() else Q())
    rows = (
        Village.objects.for_scope(scope)
        .filter(match, boundary__isnull=False)
        .select_related("township")
        .annotate(center=PointOnSurface("boundary"))
        .order_by("code")[:PER_KIND]
    )
    url = (
        (lambda v: "")
        if scope.grid_bound
        else (lambda v: reverse("township-map", args=[v.township.code]))
    )
    return [
        Result(
            "village",
            v.code,
            v.name,
            f"{v.township.name} · {v.code}",
            v.center.x,
            v.center.y,
            tuple(v.boundary.extent),
            url(v),
        )
        for v in rows
    ]


def _groups(scope: Scope, q: str) -> list[Result]:
    match = Q(name__icontains=q) | (Q(code__startswith=q) if q.isdigit() else Q())
    rows = (
        VillageGroup.objects.for_scope(scope)
        .filter(match)
        .select_related("village")
        .annotate(center=PointOnSurface("geom"))
        .order_by("village__code", "name")[:PER_KIND]
    )
    return [
        Result(
            "group",
            str(g.pk),
            f"{g.village.name}{g.name}",
            g.code or "",
            g.center.x,
            g.center.y,
            tuple(g.geom.extent),
        )
        for g in rows
    ]


def search(scope: Scope, q: str) -> list[Result]:
    """Everything of the user's area matching `q` (already checked: 1 to MAX_QUERY
    characters), households first."""
    q = q.strip()
    return [
        *_households(scope, q),
        *_residents(scope, q),
        *_grids(scope, q),
        *_villages(scope, q),
        *_groups(scope, q),
    ]
