"""Incident figures per grid, village or township (the coverage dashboard reads these):
open, overdue, closed, closed on time (按期办结率), mean time to close, mean rating.

Each is a scoped queryset of one row per unit (``values`` + aggregates), computed by
PostgreSQL in one query; a time window selects the incidents reported in it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from households.access import scope_for
from households.scoping import Area

from . import workflow as wf
from .models import Incident

UNITS = {  # unit -> the values that name a row
    "grid": ("township__code", "village__code", "village__name", "grid_code"),
    "village": ("township__code", "village__code", "village__name"),
    "township": ("township__code", "township__name"),
}


def incident_stats(
    scope: Area,
    by: str = "village",
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> QuerySet:
    """One row per unit of the scope's area: ``open``, ``overdue``, ``closed``,
    ``closed_on_time``, ``on_time_rate`` (0-1, None without closed cases),
    ``mean_hours_to_close`` (report to close), ``mean_rating`` (None if unrated) and
    ``rated`` (how many were rated: the weight of the mean when units are summed)."""
    if by not in UNITS:
        raise ValueError(f"by must be one of {', '.join(UNITS)}")
    now = now or timezone.now()
    qs = Incident.objects.for_scope(scope)
    if since:
        qs = qs.filter(reported_at__gte=since)
    if until:
        qs = qs.filter(reported_at__lt=until)
    if by == "grid":
        qs = qs.exclude(grid_code="")
    elif by == "village":
        qs = qs.filter(village__isnull=False)
    closed = Q(state=wf.CLOSED)
    to_close = ExpressionWrapper(F("closed_at") - F("reported_at"), output_field=DurationField())
    rows = (
        qs.order_by()
        .values(*UNITS[by])
        .annotate(
            open=Count("pk", filter=Q(state__in=wf.OPEN)),
            overdue=Count("pk", filter=Q(state__in=wf.CLOCK, deadline_at__lt=now)),
            closed=Count("pk", filter=closed),
            closed_on_time=Count("pk", filter=closed & Q(closed_on_time=True)),
            mean_to_close=Avg(to_close, filter=closed),
            mean_rating=Avg(Cast("rating", FloatField())),
            rated=Count("rating"),
        )
        .annotate(
            on_time_rate=Cast(F("closed_on_time"), FloatField())
            / NullIf(Cast(F("closed"), FloatField()), 0.0)
        )
        .order_by(*UNITS[by])
    )
    return rows


def hours(duration: dt.timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 1)


def stats_for(user, by: str = "village", **kw) -> list[dict]:
    """The rows for a page, with the mean time to close in hours."""
    out = []
    for row in incident_stats(scope_for(user), by, **kw):
        row["mean_hours_to_close"] = hours(row.pop("mean_to_close"))
        out.append(row)
    return out
