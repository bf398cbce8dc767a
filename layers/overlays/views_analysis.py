"""Analyses of a township's overlays: camera coverage, the best new camera sites, and the
reach of its service points."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.views import _map_config
from households import access
from households import selectors as hh_selectors
from households.models import Household
from households.scoping import GRID, VILLAGE, Area

from .coverage import coverage_shares, grids_uncovered, households_uncovered
from .forms import BestSitesForm
from .models import OverlayLayer, ServicePoint
from .selectors import best_sites, service_reach


def _township(request, code):
    township = hh_selectors.township_get(code)
    return township, access.require_township(request.user, "view_map", township)


@login_required
@require_GET
def coverage(request, code):
    township, scope = _township(request, code)
    area = Area.of_township(township)
    villages = coverage_shares(VILLAGE, scope).filter(township=township).order_by("code")
    grids = coverage_shares(GRID, scope).filter(village__township=township)
    uncovered_grids = grids_uncovered(scope).filter(village__township=township)
    return render(
        request,
        "layers/overlays/coverage.html",
        {
            "township": township,
            "villages": villages,
            "grids": grids.select_related("village").order_by("code"),
            "uncovered_grids": uncovered_grids.order_by("code"),
            "uncovered": households_uncovered(scope).in_area(area).count(),
        },
    )


@login_required
@require_GET
def best_sites_page(request, code):
    township, scope = _township(request, code)
    layers = OverlayLayer.objects.for_scope(scope).order_by("name")
    form = BestSitesForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(
            request,
            "layers/overlays/best_sites.html",
            {"township": township, "form": form, "layers": layers},
            status=400,
        )
    n = form.cleaned_data["n"] if request.GET else BestSitesForm.base_fields["n"].initial
    layer_id = form.cleaned_data.get("layer") if request.GET else None
    layer = None
    if layer_id:
        layer = layers.filter(pk=layer_id).first()
        if layer is None:
            form.add_error("layer", _("no such layer in your area"))
            return render(
                request,
                "layers/overlays/best_sites.html",
                {"township": township, "form": form, "layers": layers},
                status=400,
            )
    result = best_sites(township, n, layer)
    sites = []
    for rank, pick in enumerate(result.siting.picks, 1):
        c = result.candidates[pick.site]
        sites.append({"rank": rank, "candidate": c, "gained": len(pick.gained)})
    config = _map_config(township.code)
    config.update(
        bounds=hh_selectors.township_bounds(scope, township),
        households=0,
        hasGrids=True,
        sites=[
            {
                "rank": s["rank"],
                "label": s["candidate"].label,
                "kind": s["candidate"].kind,
                "lon": s["candidate"].lon,
                "lat": s["candidate"].lat,
                "gained": s["gained"],
            }
            for s in sites
        ],
        covers=_covered_points(result),
        radius=result.radius_m,
    )
    return render(
        request,
        "layers/overlays/best_sites.html",
        {
            "township": township,
            "form": form,
            "layers": layers,
            "result": result,
            "sites": sites,
            "map_config": config,
            "covered": len(result.siting.covered),
        },
    )


def _covered_points(result) -> list[list]:
    """[lon, lat, rank] of each household a chosen site would see (no ids, no names)."""
    rank_of = {h: rank for rank, p in enumerate(result.siting.picks, 1) for h in p.gained}
    rows = Household.objects.filter(pk__in=list(rank_of)).values_list("pk", "location")
    return [[round(loc.x, 6), round(loc.y, 6), rank_of[pk]] for pk, loc in rows]


@login_required
@require_GET
def service_reach_page(request, code):
    township, scope = _township(request, code)
    km = settings.OVERLAY_SERVICE_REACH_KM
    kinds = [(k, label, km[k]) for k, label in ServicePoint.Kind.choices]
    rows = []
    for grid in service_reach(scope, township, km):
        rows.append({"grid": grid, "far": [getattr(grid, f"far_{k}") for k, _l, _km in kinds]})
    return render(
        request,
        "layers/overlays/service_reach.html",
        {
            "township": township,
            "kinds": kinds,
            "rows": rows,
            "map_url": reverse("overlay-map", args=[township.code]),
        },
    )
