"""The dashboard's files: XLSX (a sheet per level, the charts' data, the trend and the
problems), CSV (one table), Chinese headers; and a village's households as points."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from grids.models import GridAssignment
from households.functions import api_geojson
from households.models import Household
from households.scoping import COUNTY, GRID, TOWNSHIP, VILLAGE
from layers.models import Visit

from . import insights
from .indicators import INDICATORS, SHARE, indicator_get
from .maps import HouseholdPoint
from .selectors import VISIT_DAYS, Context, ParameterError, at_level, cached, figures_cached

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LANGUAGE = "zh-hans"  # files for the county's offices: Chinese headers
LEVEL_NAMES = {TOWNSHIP: _("Townships"), VILLAGE: _("Villages"), GRID: _("Grids")}
BELOW = {
    COUNTY: (TOWNSHIP, VILLAGE, GRID),
    TOWNSHIP: (VILLAGE, GRID),
    VILLAGE: (GRID,),
    GRID: (GRID,),
}
ERR_SORT = _("sort must be code, name or a column (not %(value)r)")
ERR_ORDER = _("order must be asc or desc (not %(value)r)")


def sorted_rows(rows: list[dict], params) -> list[dict]:
    """Rows sorted by ?sort= (code, name or a column; missing values last), ?order=."""
    key = params.get("sort") or "code"
    order = params.get("order") or "asc"
    if key not in ("code", "name"):
        try:
            indicator_get(key)
        except ValueError as exc:
            raise ParameterError(ERR_SORT % {"value": key}) from exc
    if order not in ("asc", "desc"):
        raise ParameterError(ERR_ORDER % {"value": order})
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: r[key], reverse=order == "desc") + missing


def _cell(indicator, raw: dict):
    v = indicator.value(raw)
    if v is None:
        return None
    return round(v, 4) if indicator.kind == SHARE else round(v, 2)


def _headers(level: str) -> list[str]:
    return [str(_("code")), str(LEVEL_NAMES[level]), *(str(i.label) for i in INDICATORS)]


def _lines(ctx: Context) -> list[list]:
    rows, total = figures_cached(ctx)
    out = [[r["code"], r["name"], *(_cell(i, r["raw"]) for i in INDICATORS)] for r in rows]
    out.append(["", str(_("Total")), *(_cell(i, total) for i in INDICATORS)])
    return out


def csv_table(ctx: Context, params) -> tuple[bytes, int]:
    rows, _total = figures_cached(ctx)
    if params.get("sort"):
        sorted_rows([], params)  # checks the parameters
    with translation.override(EXPORT_LANGUAGE):
        lines = _lines(ctx)
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(_headers(ctx.level))
        writer.writerows(lines)
    return ("\ufeff" + buf.getvalue()).encode("utf-8"), len(lines) - 1


def workbook(ctx: Context) -> tuple[bytes, int]:
    """(the XLSX, how many rows its level sheets hold)."""
    wb = Workbook()
    wb.remove(wb.active)
    count = 0
    bold = Font(bold=True)
    with translation.override(EXPORT_LANGUAGE):
        for level in BELOW[ctx.place.level]:
            sub = ctx if level == ctx.level else at_level(ctx, level)
            ws = wb.create_sheet(str(LEVEL_NAMES[level]))
            ws.append(_headers(level))
            lines = _lines(sub)
            for line in lines:
                ws.append(line)
            count += len(lines) - 1
            for cell in ws[1] + ws[ws.max_row]:
                cell.font = bold
            ws.freeze_panes = "C2"
            for col, i in enumerate(INDICATORS, start=3):
                if i.kind == SHARE:
                    for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                        cell.number_format = "0.0%"
        _chart_sheet(wb, cached(ctx, "charts", insights.charts))
        _trend_sheet(wb, cached(ctx, "trend", insights.trend))
        _problem_sheet(wb, cached(ctx, "problems", insights.problems))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), count


def _chart_sheet(wb, charts: dict) -> None:
    ws = wb.create_sheet(str(_("Chart data")))
    ws.append([str(_("Grid size (households, from)")), str(_("grids"))])
    for lo, n in charts["grid_sizes"]:
        ws.append([lo, n])
    ws.append([])
    ws.append([str(_("Member area load (households)")), str(_("member areas"))])
    for lo, n in charts["member_loads"]:
        ws.append([lo, n])
    ws.append([])
    cats = list(charts["incidents"])
    ws.append([str(_("Month")), str(_("visits")), *cats])
    for k, m in enumerate(charts["months"]):
        ws.append([m, charts["visits"][k], *(charts["incidents"][c][k] for c in cats)])
    ws.append([])
    ws.append([str(_("Unit")), str(_("on-time closure")), str(_("closed"))])
    for r in charts["on_time"]:
        ws.append([r["name"], r["rate"], r["closed"]])


TREND_LABELS = {
    "grids": _("grids"),
    "in_grid": _("households in a grid"),
    "visit_rate": _("visit rate (90 days)"),
    "visits": _("visits"),
    "incidents_reported": _("incidents reported"),
    "incidents_closed": _("incidents closed"),
    "on_time_rate": _("on-time closure"),
}


def _trend_sheet(wb, trend: dict) -> None:
    ws = wb.create_sheet(str(_("Trend")))
    keys = list(trend["series"])
    ws.append([str(_("Month")), *(str(TREND_LABELS.get(k, k)) for k in keys)])
    for n, m in enumerate(trend["months"]):
        ws.append([m, *(trend["series"][k][n] for k in keys)])


def _problem_sheet(wb, problems: list[dict]) -> None:
    ws = wb.create_sheet(str(_("Problems")))
    ws.append([str(_("Problem")), str(_("code")), str(_("name")), str(_("detail"))])
    for p in problems:
        for item in p["items"]:
            ws.append([str(p["title"]), item["code"], item["name"], item["detail"]])


def attachment(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def file_name(ctx: Context, ext: str) -> str:
    day = timezone.localdate(ctx.now).strftime("%Y%m%d")
    return (
        f"coverage-{ctx.place.level}{('-' + ctx.place.code) if ctx.place.code else ''}-{day}.{ext}"
    )


def household_points(scope, place) -> dict:
    """The village's households as points with their three flags."""
    since = timezone.localdate() - dt.timedelta(days=VISIT_DAYS)
    current = GridAssignment.objects.filter(
        household=OuterRef("pk"), version__valid_to__isnull=True
    )
    rows = (
        Household.objects.for_scope(scope)
        .in_area(place.area)
        .annotate(
            in_grid=Exists(current),
            grid_code=Subquery(current.values("grid__code")[:1]),
            member=Exists(
                current.filter(
                    member_area__member__isnull=False, member_area__member_confirmed=True
                )
            ),
            visited=Exists(Visit.objects.filter(household=OuterRef("pk"), visited_on__gte=since)),
            geojson=api_geojson("location"),
        )
        .order_by("external_id")
        .values("external_id", "grid_code", "in_grid", "member", "visited", "geojson")
    )
    return HouseholdPoint(rows, many=True).data
