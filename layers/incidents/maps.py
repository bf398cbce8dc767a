"""Incidents on the maps: point features and the heat aggregate, as scoped querysets (their
features are serialised by ``serializers``), filtered by place and time window."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import Polygon
from django.db.models import BooleanField, Case, Count, F, FloatField, QuerySet, Value, When
from django.db.models.functions import Floor, Left, TruncDate
from django.utils import timezone

from households.functions import X, Y, api_geojson
from households.selectors import BBoxError, parse_bbox

from . import workflow as wf
from .selectors import ParameterError, incidents_visible

MAX_DAYS = 3660  # a time window of at most ten years
# Heat cells: 0.002 degree is about 200 m north-south here (a hamlet), for a township's or
# a village's map; the whole county (1.6 x 1.3 degrees) in 0.01 degree cells (about 1 km,
# what a county map at zoom 10-11 shows as one heat blob): at most 21,000 cells.
HEAT_CELL_DEG = 0.002
HEAT_CELL_COUNTY_DEG = 0.01
WHERE = ("township", "village", "grid")


def window(params) -> dict:
    """The filters of a map request: one place (?township=, ?village=, ?grid= code), a time
    window (?days=N: reported in the last N days), ?open=1, ?bbox=. ParameterError names a
    malformed one."""
    out = {}
    for key in WHERE:
        value = params.get(key)
        if value:
            if not value.isdigit() or len(value) != {"township": 9, "village": 12, "grid": 15}[key]:
                raise ParameterError(f"{key} must be a {key} code, not {value!r}")
            out[key] = value
    days = params.get("days")
    if days:
        if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
            raise ParameterError(f"days must be a whole number from 1 to {MAX_DAYS}, not {days!r}")
        out["days"] = int(days)
    opened = params.get("open", "")
    if opened not in ("", "0", "1"):
        raise ParameterError(f"open must be 0 or 1, not {opened!r}")
    out["open"] = opened == "1"
    try:
        out["bbox"] = parse_bbox(params.get("bbox"))
    except BBoxError as exc:
        raise ParameterError(str(exc)) from exc
    return out


def _filtered(user, f: dict, now) -> QuerySet:
    qs = incidents_visible(user)
    if "township" in f:
        qs = qs.filter(township__code=f["township"])
    if "village" in f:
        qs = qs.filter(village__code=f["village"])
    if "grid" in f:
        qs = qs.filter(grid_code=f["grid"])
    if "days" in f:
        qs = qs.filter(reported_at__gte=now - dt.timedelta(days=f["days"]))
    if f.get("open"):
        qs = qs.filter(state__in=wf.OPEN)
    if f.get("bbox"):
        qs = qs.filter(point__bboverlaps=Polygon.from_bbox(f["bbox"]))
    return qs


TEXT_SHOWN = 80  # characters of the description in a marker's popup


def incident_points(user, f: dict, now=None) -> QuerySet:
    """The incidents to draw, with what their markers and popups show (overdue last, so
    that they are drawn on top)."""
    now = now or timezone.now()
    overdue = Case(
        When(state__in=wf.CLOCK, deadline_at__lt=now, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        _filtered(user, f, now)
        .annotate(
            overdue=overdue,
            category_code=F("category__code"),
            reported_day=TruncDate("reported_at"),
            text_start=Left("description", TEXT_SHOWN),
            geojson=api_geojson("point"),
        )
        .order_by("overdue", "pk")
    )


def heat_cells(user, f: dict, now=None) -> QuerySet:
    """Incidents counted per cell (the heat layer's points): ``ix``, ``iy`` (the cell's
    column and row: floor(lon / size), floor(lat / size)), ``size`` and ``weight``. Cells
    are numbered in SQL (two numbers per row, no geometry made per incident); their
    centres are written by the serializer."""
    now = now or timezone.now()
    size = HEAT_CELL_DEG if any(k in f for k in WHERE) else HEAT_CELL_COUNTY_DEG
    return (
        _filtered(user, f, now)
        .order_by()
        .annotate(ix=Floor(X("point") / size), iy=Floor(Y("point") / size))
        .values("ix", "iy")
        .annotate(weight=Count("pk"), size=Value(size, output_field=FloatField()))
        .order_by("-weight", "ix", "iy")
    )
