"""Writes of the dashboard: a grid's party group recorded or ended, an export logged."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from households.models import AccessLog, Person
from households.privacy import LOGGED_PATH_MAX

from .models import PartyGroup

ERR_LEADER = _("The party group leader must be a party member living in the grid's village.")
ERR_DATE = _("The date must not be in the future nor before the current record's start.")
ERR_NOTHING = _("This grid has no party group to end.")


@transaction.atomic
def party_group_record(
    *, grid: Grid, leader: Person | None, on: dt.date, today: dt.date, note: str = "", by=None
) -> PartyGroup:
    """Record the grid's party group from ``on`` (a new one, or a new leader): the open
    record, if any, ends that day. ValidationError (field-keyed) changes nothing."""
    current = (
        PartyGroup.objects.select_for_update()
        .filter(village_id=grid.village_id, grid_code=grid.code, ended_on__isnull=True)
        .first()
    )
    if on > today or (current and on < current.started_on):
        raise ValidationError({"started_on": ERR_DATE})
    if leader is not None and (
        not leader.party_member or leader.household.group.village_id != grid.village_id
    ):
        raise ValidationError({"leader": ERR_LEADER})
    if current:
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    return PartyGroup.objects.create(
        village_id=grid.village_id,
        grid_code=grid.code,
        leader=leader,
        started_on=on,
        note=note,
        recorded_by=by,
    )


@transaction.atomic
def party_group_end(*, grid: Grid, on: dt.date, today: dt.date) -> PartyGroup:
    """The grid's party group ends (is dissolved) on ``on``."""
    current = (
        PartyGroup.objects.select_for_update()
        .filter(village_id=grid.village_id, grid_code=grid.code, ended_on__isnull=True)
        .first()
    )
    if current is None:
        raise ValidationError({"ended_on": ERR_NOTHING})
    if on > today or on < current.started_on:
        raise ValidationError({"ended_on": ERR_DATE})
    current.ended_on = on
    current.save(update_fields=["ended_on"])
    return current


def coverage_warm(*, now=None) -> int:
    """Compute the county's dashboard anew for county staff (their landing page: the table,
    the map, the charts, the trend, the problems), so that the first visit of the day and
    each after an import finds it ready. Run by the job queue every few minutes
    (``JOBS_CRON["coverage_warm"]``); returns how many units the table holds."""
    from households.access import Scope
    from households.models import Role
    from households.scoping import COUNTY

    from . import insights, maps
    from .places import Context, place_parse
    from .selectors import cached, figures

    scope = Scope(COUNTY, role=Role.COUNTY)
    ctx = Context(scope, place_parse(scope, COUNTY, ""), *([now] if now else []))
    rows, _total = cached(ctx, "figures", figures, refresh=True)
    cached(ctx, "outlines", maps.outlines, refresh=True)
    for what, compute in (
        ("charts", insights.charts),
        ("trend", insights.trend),
        ("problems", insights.problems),
    ):
        cached(ctx, what, compute, refresh=True)
    return len(rows)


def export_logged(*, user, path: str, count: int, ip=None) -> AccessLog:
    """An export of the dashboard, logged by what it selected and how many rows."""
    return AccessLog.objects.create(
        user=user,
        action=AccessLog.Action.EXPORT,
        path=path[:LOGGED_PATH_MAX],
        ip=ip,
        household_ids=[],
        count=count,
    )
