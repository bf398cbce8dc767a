"""Incidents on the maps: point features and the heat aggregate, as scoped querysets (their
features are serialised by ``serializers``), filtered by place and time window."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.db.models.functions import SnapToGrid
from django.contrib.gis.geos import Polygon
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from households.functions import api_geojson
from households.selectors import BBoxError, parse_bbox

from . import workflow as wf
from .selectors import ParameterError, incidents_visible, with_clock

MAX_DAYS = 3660  # a time window of at most ten years
# Heat cells: 0.002 degree is about 200 m north-south here (a hamlet); the county's
# 1.6 x 1.3 degrees make at most 520,000 cells, a township's a few thousand.
HEAT_CELL_DEG = 0.002
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


def incident_points(user, f: dict, now=None) -> QuerySet:
    """The incidents to draw, with what their markers and popups show."""
    now = now or timezone.now()
    return with_clock(_filtered(user, f, now), now).annotate(
        category_code=F("category__code"),
        category_name=F("category__name"),
        color=F("category__color"),
        geojson=api_geojson("point"),
    )


def heat_cells(user, f: dict, now=None, cell: float = HEAT_CELL_DEG) -> QuerySet:
    """Incidents counted per cell of ``cell`` degrees (the heat layer's points)."""
    now = now or timezone.now()
    return (
        _filtered(user, f, now)
        .order_by()
        .annotate(cell=SnapToGrid("point", cell))
        .values("cell")
        .annotate(weight=Count("pk"), geojson=api_geojson("cell"))
        .order_by("-weight")
    )
