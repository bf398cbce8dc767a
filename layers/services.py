"""Writes for field work: a visit is logged only by the household's own grid people."""

import datetime as dt

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import GridAssignment
from households.access import require, require_in_scope
from households.models import Household

from .models import Visit
from .validators import photo_clean

VISIT_IN_FUTURE = _("The visit date cannot be in the future.")
VISIT_TOO_OLD = _("Visits older than a year cannot be logged.")
POINT_OUTSIDE_COUNTY = _("The location is outside the county.")
VISIT_MAX_AGE_DAYS = 366  # the yearly assessment closes the previous year's visits


def visit_point(lon: float, lat: float) -> Point:
    """A WGS84 point inside the county extent (browser geolocation reports WGS84)."""
    x0, y0, x1, y1 = settings.COUNTY_EXTENT
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        raise ValidationError(POINT_OUTSIDE_COUNTY, code="outside")
    return Point(lon, lat, srid=4326)


def visit_create(
    user,
    household: Household,
    *,
    visited_on: dt.date,
    note: str = "",
    photo=None,
    point: Point | None = None,
) -> Visit:
    """Log a visit. Only the leader of the household's CURRENT grid, or the member of its
    member area, may: anyone else gets 404 (outside their area) or 403 (role lacks the right).
    """
    require(user, "log_visits")
    assignment = (
        GridAssignment.objects.current()
        .select_related("grid", "member_area", "version")
        .filter(household=household)
        .first()
    )
    if assignment is None:
        raise Http404
    require_in_scope(user, "log_visits", assignment)  # the grid's, or a member's own area
    number = assignment.member_area.number if assignment.member_area else None
    today = timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": VISIT_IN_FUTURE})
    if visited_on < today - dt.timedelta(days=VISIT_MAX_AGE_DAYS):
        raise ValidationError({"visited_on": VISIT_TOO_OLD})
    visit = Visit(
        household=household,
        grid_code=assignment.grid.code,
        member_number=number,
        visited_on=visited_on,
        note=note,
        point=point,
        created_by=user,
    )
    if photo:
        visit.photo = photo_clean(photo)  # no metadata (the camera's GPS, time), bounded size
    visit.full_clean()
    with transaction.atomic():
        visit.save()
    return visit
