"""Thin views of the coverage dashboard: the page, its data, its exports, party groups."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.renderers import JSONRenderer

from households.access import require
from households.privacy import client_ip
from households.scoping import VILLAGE
from households.serializers import GEOJSON
from layers.models import IncidentCategory

from . import exports, heat, insights, maps
from . import report as reports
from .forms import PartyGroupForm, party_grid
from .indicators import INDICATORS, indicator_get
from .selectors import Context, ParameterError, cached, place_parse, table, township_ids
from .services import export_logged, party_group_end, party_group_record


def _context(request) -> Context:
    scope = require(request.user, "coverage")
    place = place_parse(scope, request.GET.get("level"), request.GET.get("code"))
    return Context(scope, place)


def _bad(exc) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


def _column(request) -> str:
    column = request.GET.get("column") or "households"
    indicator_get(column)  # ValueError names the parameter
    return column


@login_required
@require_GET
def dashboard(request):
    try:
        ctx = _context(request)
        column = _column(request)
    except (ParameterError, ValueError) as exc:
        return _bad(exc)
    config = {
        "level": ctx.place.level,
        "code": ctx.place.code,
        "column": column,
        "urls": {
            "table": reverse("coverage-table"),
            "areas": reverse("coverage-areas"),
            "heat": reverse("coverage-heat"),
            "households": reverse("coverage-households"),
            "charts": reverse("coverage-charts"),
            "page": reverse("coverage"),
            "grid": reverse("grid-detail", args=["CODE"]),
        },
        "indicators": [
            {
                "key": i.key,
                "label": str(i.label),
                "kind": i.kind,
                "good": i.good,
                "group": str(i.group),
            }
            for i in INDICATORS
        ],
        "heat": {k: str(v.label) for k, v in heat.HEAT_LAYERS.items()},
        "categories": dict(
            IncidentCategory.objects.filter(active=True).values_list("code", "name")
        ),
        "householdLayers": [k for k, v in heat.HEAT_LAYERS.items() if v.households],
        "pointsZoom": heat.POINTS_ZOOM,
        "canSeeHouseholds": ctx.scope.can("view_map"),
        "text": {
            "total": _("Total"),
            "noData": _("no data"),
            "households": _("households"),
            "openGrid": _("Open the grid page"),
        },
        "chartText": {
            "grids": _("grids"),
            "areas": _("member areas"),
            "visits": _("visits"),
            "onTime": _("on-time closure"),
            "inGrid": _("households in a grid"),
            "visitRate": _("visit rate (90 days)"),
        },
    }
    return render(
        request,
        "layers/coverage/dashboard.html",
        {
            "place": ctx.place,
            "config": config,
            "first": table(ctx),
            "indicators": INDICATORS,
            "query": request.GET.urlencode(),
        },
    )


def _json(data) -> HttpResponse:
    return HttpResponse(JSONRenderer().render(data), content_type="application/json")


@login_required
@require_GET
def table_data(request):
    """The place's rows and total: ?level=&code=, ?sort=column&order=asc|desc."""
    try:
        ctx = _context(request)
        data = table(ctx)
        data["rows"] = exports.sorted_rows(data["rows"], request.GET)
    except (ParameterError, ValueError) as exc:
        return _bad(exc)
    data["place"] = {
        "level": ctx.place.level,
        "code": ctx.place.code,
        "name": ctx.place.name,
        "unit": ctx.level,
        "parents": ctx.place.parents,
    }
    return _json(data)


@login_required
@require_GET
def areas(request):
    """The units' outlines with every column's value and class breaks: ?level=&code=."""
    try:
        ctx = _context(request)
        _column(request)
    except (ParameterError, ValueError) as exc:
        return _bad(exc)
    return HttpResponse(JSONRenderer().render(maps.unit_features(ctx)), content_type=GEOJSON)


@login_required
@require_GET
def heat_layer(request):
    """Hexagons of a heat layer: ?level=&code= (the place), ?layer=, ?z=, ?bbox=, ?days=,
    ?category=."""
    try:
        ctx = _context(request)
        f = heat.heat_params(request.GET)
        cells = heat.hex_cached(ctx.scope, ctx.place, f, township_ids(ctx), ctx.now)
    except ParameterError as exc:
        return _bad(exc)
    data = maps.HexFeature(cells, many=True).data
    data["breaks"] = maps.breaks([c["n"] for c in cells])
    return HttpResponse(JSONRenderer().render(data), content_type=GEOJSON)


@login_required
@require_GET
def households(request):
    """A village's households one by one (roles that see households on maps): whether each
    is in a grid, has a member, was visited in 90 days. ?code= (the village)."""
    scope = require(request.user, "view_map")
    require(request.user, "coverage")
    try:
        place = place_parse(scope, VILLAGE, request.GET.get("code"))
    except ParameterError as exc:
        return _bad(exc)
    return HttpResponse(
        JSONRenderer().render(exports.household_points(scope, place)), content_type=GEOJSON
    )


@login_required
@require_GET
def charts(request):
    """The charts' data and the month-by-month trend of the place."""
    try:
        ctx = _context(request)
    except ParameterError as exc:
        return _bad(exc)
    return _json(
        {
            "charts": cached(ctx, "charts", insights.charts),
            "trend": cached(ctx, "trend", insights.trend),
            "problems": cached(ctx, "problems", insights.problems),
        }
    )


def _log(request, count: int) -> None:
    export_logged(
        user=request.user,
        path=request.get_full_path(),  # level, code, column: no personal data to mask
        count=count,
        ip=client_ip(request),
    )


@login_required
@require_GET
def export_xlsx(request):
    """Every level of the place as a sheet, the charts' data, trend and problems: XLSX."""
    try:
        ctx = _context(request)
    except ParameterError as exc:
        return _bad(exc)
    body, count = exports.workbook(ctx)
    _log(request, count)
    return exports.attachment(body, exports.XLSX, exports.file_name(ctx, "xlsx"))


@login_required
@require_GET
def export_csv(request):
    """The place's table (its units and the total), Chinese headers: CSV."""
    try:
        ctx = _context(request)
        body, count = exports.csv_table(ctx, request.GET)
    except (ParameterError, ValueError) as exc:
        return _bad(exc)
    _log(request, count)
    return exports.attachment(body, "text/csv; charset=utf-8", exports.file_name(ctx, "csv"))


@login_required
@require_GET
def report(request):
    """A standalone HTML map report (folium, scripts inlined): opens offline."""
    try:
        ctx = _context(request)
        column = _column(request)
    except (ParameterError, ValueError) as exc:
        return _bad(exc)
    body, count = reports.report_html(ctx, column)
    _log(request, count)
    return exports.attachment(body, "text/html; charset=utf-8", exports.file_name(ctx, "html"))


@login_required
@require_POST
def party_group(request, code):
    """Township staff record a grid's party group (and its leader), or end it."""
    grid = party_grid(request.user, code)  # 404 outside the area, then 403 without the right
    form = PartyGroupForm(grid, request.POST)
    if not form.is_valid():
        return _bad("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    today = timezone.localdate()
    try:
        if form.cleaned_data["end"]:
            party_group_end(grid=grid, on=form.cleaned_data["on"], today=today)
        else:
            party_group_record(
                grid=grid,
                leader=form.cleaned_data["leader"],
                on=form.cleaned_data["on"],
                today=today,
                note=form.cleaned_data["note"],
                by=request.user,
            )
    except ValidationError as exc:
        return _bad(json.dumps(exc.message_dict, ensure_ascii=False))
    messages.success(request, _("Party group of grid %(grid)s saved.") % {"grid": grid.code})
    return redirect("grid-detail", code=grid.code)
