"""Reads for incidents: what a user sees, work queues (overdue first) and their counts,
notifications, the handlers a case may be dispatched to, the public view of a case."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from households.access import scope_for
from households.models import Role, UserArea
from households.privacy import mask_phone
from households.scoping import contains
from layers.selectors import visits_visible

from . import workflow as wf
from .models import Incident, IncidentEvent, IncidentNotification

QUEUES = ("mine", "grid", "tier", "overdue", "approvals", "all")
TIER_OF_ROLE = {  # the desk a role sits at
    Role.GRID_MEMBER: wf.VILLAGE,
    Role.GRID_LEADER: wf.VILLAGE,
    Role.VILLAGE: wf.VILLAGE,
    Role.TOWNSHIP: wf.TOWNSHIP,
    Role.COUNTY: wf.COUNTY,
    Role.ADMIN: wf.COUNTY,
}


class ParameterError(ValueError):
    """A malformed query parameter: the view answers 400 naming it."""


def incidents_visible(user) -> QuerySet:
    """The incidents of the user's area (a member sees the whole grid's)."""
    return Incident.objects.for_scope(scope_for(user))


def with_clock(qs: QuerySet, now=None) -> QuerySet:
    """Annotated ``overdue`` (the deadline passed while the handler works), ordered overdue
    first, then by deadline, then newest."""
    now = now or timezone.now()
    overdue = Case(
        When(state__in=wf.CLOCK, deadline_at__lt=now, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return qs.annotate(overdue=overdue).order_by(
        F("overdue").desc(), F("deadline_at").asc(nulls_last=True), "-reported_at", "-pk"
    )


def queue(user, name: str, now=None) -> QuerySet:
    """One of the user's work queues: ``mine`` (dispatched to me), ``grid`` (my grid),
    ``tier`` (my tier's desk), ``overdue``, ``approvals`` (extensions asked below my tier),
    ``all`` (everything in my area, ended cases too)."""
    if name not in QUEUES:
        raise ParameterError(f"queue must be one of {', '.join(QUEUES)}, not {name!r}")
    scope = scope_for(user)
    now = now or timezone.now()
    qs = incidents_visible(user)
    tier = TIER_OF_ROLE.get(scope.role)
    if name != "all":
        qs = qs.filter(state__in=wf.OPEN)
    if name == "mine":
        qs = qs.filter(assignee=user)
    elif name == "grid":
        qs = qs.filter(grid_code=scope.grid_code) if scope.grid_bound else qs.none()
    elif name == "tier":
        qs = qs.filter(tier=tier) if tier else qs.none()
    elif name == "overdue":
        qs = qs.filter(state__in=wf.CLOCK, deadline_at__lt=now)
    elif name == "approvals":
        below = [t for t in wf.TIERS if wf.tier_above(t) == tier]
        qs = qs.filter(extension_hours__gt=0, tier__in=below)
    qs = with_clock(qs.select_related("category", "village"), now)
    return qs.order_by("-reported_at", "-pk") if name == "all" else qs


def queue_counts(user, now=None) -> dict[str, int]:
    """How many open incidents each queue holds (one query), and unread notifications."""
    scope = scope_for(user)
    now = now or timezone.now()
    tier = TIER_OF_ROLE.get(scope.role)
    below = [t for t in wf.TIERS if wf.tier_above(t) == tier]
    counts = (
        incidents_visible(user)
        .filter(state__in=wf.OPEN)
        .aggregate(  # aliases unlike the fields: Q(tier=...) would read an aggregate "tier"
            n_mine=Count("pk", filter=Q(assignee=user)),
            n_grid=Count("pk", filter=Q(grid_code=scope.grid_code or "-")),
            n_tier=Count("pk", filter=Q(tier=tier or "-")),
            n_overdue=Count("pk", filter=Q(state__in=wf.CLOCK, deadline_at__lt=now)),
            n_approvals=Count("pk", filter=Q(extension_hours__gt=0, tier__in=below)),
        )
    )
    counts = {k[2:]: v for k, v in counts.items()}
    counts["unread"] = unread_count(user)
    return counts


def incident_get(user, pk) -> Incident:
    """The incident if it lies in the user's area, else 404."""
    incident = (
        Incident.objects.select_related(
            "category", "village", "township", "assignee", "grid", "merged_into", "duplicate_of"
        )
        .filter(pk=pk)
        .first()
    )
    if incident is None or not contains(scope_for(user), incident):
        raise Http404
    return incident


def contact_phone(user, incident: Incident) -> str:
    """The resident's phone, masked for everyone but the incident's handler."""
    if incident.assignee_id is not None and incident.assignee_id == user.pk:
        return incident.contact_phone
    return mask_phone(incident.contact_phone)


def timeline(incident: Incident) -> list[IncidentEvent]:
    return list(
        incident.events.select_related("actor").prefetch_related("photos").order_by("at", "pk")
    )


def handler_choices(incident: Incident) -> list[tuple[int, str]]:
    """Accounts a case may be dispatched to: those whose role handles at its tier and whose
    area holds it (the grid's member and leader, the village's cadres; the tier's staff)."""
    roles = wf.HANDLE[incident.tier]
    q = Q(role__in=roles & {Role.TOWNSHIP}, township_id=incident.township_id)
    q |= Q(role__in=roles & {Role.COUNTY, Role.ADMIN})
    if incident.village_id:
        q |= Q(role=Role.VILLAGE, village_id=incident.village_id) & Q(role__in=roles)
        if incident.grid_code:
            q |= Q(
                role__in=roles & {Role.GRID_LEADER, Role.GRID_MEMBER},
                village_id=incident.village_id,
                grid_code=incident.grid_code,
            )
    areas = UserArea.objects.filter(q).select_related("user").order_by("role", "member_number")
    return [
        (
            a.user_id,
            f"{a.user.get_full_name() or a.user.username} · {a.get_role_display()}"
            + (f" {a.member_number}" if a.member_number else ""),
        )
        for a in areas
    ]


def public_get(code: str) -> tuple[Incident, Incident]:
    """(the incident of a tracking code, the one whose progress it shows: the incident it
    was merged into, if any). 404 for an unknown code."""
    code = (code or "").strip().upper().replace("-", "")
    incident = Incident.objects.select_related("category", "merged_into__category").filter(
        tracking_code=code
    )
    incident = incident.first() if len(code) == 12 else None
    if incident is None:
        raise Http404
    return incident, incident.merged_into or incident


def public_steps(incident: Incident) -> list[IncidentEvent]:
    """The steps a resident sees: what happened and when, never who."""
    return list(incident.events.only("action", "to_state", "to_tier", "at").order_by("at", "pk"))


def notifications(user) -> QuerySet:
    return (
        IncidentNotification.objects.for_scope(scope_for(user))
        .filter(user=user)
        .select_related("incident__category")
    )


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return IncidentNotification.objects.filter(user=user, read_at__isnull=True).count()


ERR_VISIT = "visit: expected the number of a visit, not {value!r}"


def report_from_visit(user, raw: str) -> dict:
    """The report form's first values for turning a visit note into an incident: its note,
    where it was logged (else the household's location), which household and when. A
    visit outside the user's area is a 404 (layers.selectors.visits_visible); a malformed
    number raises ParameterError."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise ParameterError(ERR_VISIT.format(value=raw[:20]))
    visit = visits_visible(user).filter(pk=int(raw)).first()
    if visit is None:
        raise Http404
    h = visit.household
    point = visit.point or h.location
    origin = _("Visit of %(date)s to household %(id)s (%(head)s)") % {
        "date": date_format(visit.visited_on, "Y-m-d"),
        "id": h.external_id,
        "head": h.head or "—",
    }
    return {
        "description": f"{visit.note.strip()}\n\n{origin}".strip(),
        "lon": round(point.x, 7),
        "lat": round(point.y, 7),
        "located_by": Incident.Located.MAP,
        "crs": "EPSG:4326",
    }
