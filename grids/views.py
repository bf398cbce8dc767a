"""Thin views for the grid map and partition runs."""

import json
from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from grids import coverage, selectors, serializers, services, tasks
from grids.models import Grid, PartitionRun
from grids.partitioning import band_state
from grids.proposal import member_areas_out_of_band, out_of_band_geojson
from households import access
from households import selectors as hh_selectors
from households.models import Role, Township, Village
from households.scoping import Area
from households.serializers import feature_response
from households.views import basemaps, map_text, stamped, tile_template

MOVED_SHOWN = 30  # moved households listed on the proposal page (its map shows up to
# services.MOVED_LISTED)
MEMBER_OUT_SHOWN = 30  # member areas out of band listed on the proposal page (all on its map)


@login_required
def home(request):
    """Each role lands on its own page: grid people on their grid, county staff on the
    coverage dashboard, others on their map."""
    scope = access.scope_for(request.user)
    if scope.grid_bound:
        return redirect("my-grid")
    if scope.role == Role.COUNTY:
        return redirect("coverage")
    first = Township.objects.for_scope(scope).order_by("code").first()
    if first is None:
        if scope.can("import"):
            return redirect("imports")
        return render(request, "grids/no_area.html", status=403)
    return redirect("township-map", code=first.code)


def _map_config(code: str, *, proposal_url: str | None = None, can_appoint: bool = False) -> dict:
    layers = {
        name: reverse("township-layer", kwargs={"code": code, "layer": name})
        for name in ("villages", "groups", "households")
    }
    layers["grids"] = reverse("township-grids", kwargs={"code": code})
    text = map_text()
    text.update(
        grid=_("Grid"),
        memberAreas=_("member areas"),
        proposal=_("Proposal"),
        current=_("Current grids"),
        changed=_("Changed grid"),
    )
    text.update(
        open=_("Households and visits"), appoint=_("Leader and members"), locked=_("locked")
    )
    links = {}
    if not proposal_url:  # the grid's own pages; "grid-work" is served by the layers app
        links["gridUrl"] = reverse("grid-work", args=["CODE"])
        if can_appoint:
            links["appointUrl"] = reverse("grid-detail", args=["CODE"])
    return {
        "layers": layers,
        "tiles": tile_template(),
        "basemaps": basemaps(),
        "extent": settings.COUNTY_EXTENT,
        "text": text,
        "proposal": proposal_url,
        **links,
    }


@login_required
@require_GET
def township_map(request, code):
    township = hh_selectors.township_get(code)
    scope = access.require_township(request.user, "view_map", township)
    area = Area.of_township(township)
    stats = hh_selectors.township_stats(scope, township)
    config = _map_config(code, can_appoint=scope.can("appoint"))
    config.update(
        bounds=hh_selectors.township_bounds(scope, township),
        households=stats["households"],
        hasGrids=Grid.objects.current().for_scope(scope).in_area(area).exists(),
    )
    return render(
        request,
        "grids/township_map.html",
        {
            "township": township,
            "townships": Township.objects.for_scope(scope).order_by("code"),
            "stats": stats,
            "map_config": config,
            "villages": Village.objects.for_scope(scope).in_area(area).order_by("code"),
            "can_partition": scope.can("partition"),
            "unassigned": coverage.households_without_grid(scope, township),
            "outside": coverage.households_outside_groups(scope, township),
            "runs": PartitionRun.objects.for_scope(scope).in_area(area)[:5]
            if scope.can("partition")
            else [],
        },
    )


@login_required
@require_GET
@gzip_page
def township_grids(request, code):
    township = hh_selectors.township_get(code)
    scope = access.require_township(request.user, "view_map", township)
    return stamped(
        request,
        scope,
        [township.pk],
        lambda: feature_response(serializers.GridFeature, selectors.grids_layer(scope, township)),
    )


@login_required
@require_POST
def partition_start(request, code):
    township = hh_selectors.township_get(code)
    access.require_township(request.user, "partition", township)
    village = request.POST.get("village", "")
    if village:
        get_object_or_404(township.villages, code=village)
        scope, scope_code = PartitionRun.Scope.VILLAGE, village
    else:
        scope, scope_code = PartitionRun.Scope.TOWNSHIP, township.code
    run = tasks.partition_run_start(
        scope=scope, code=scope_code, user=request.user, fresh=bool(request.POST.get("fresh"))
    )
    return redirect("partition-run", pk=run.pk)


def _run_for(request, pk) -> tuple[PartitionRun, object]:
    """The run and its township, 404 unless the user may partition there. Reads only."""
    scope = access.scope_for(request.user)
    run = get_object_or_404(PartitionRun.objects.for_scope(scope), pk=pk)
    access.require(request.user, "partition")
    township = Township.objects.filter(code__startswith=run.scope_code[:9]).order_by("code")
    return run, township.first()  # a county run: the first township


@login_required
def partition_run_detail(request, pk):
    run, township = _run_for(request, pk)
    if request.method == "POST":
        if "discard" in request.POST:
            services.partition_run_discard(run)
            messages.info(request, _("Proposal discarded; nothing changed."))
            return redirect("township-map", code=township.code)
        if "retry" in request.POST:
            try:
                tasks.partition_run_retry(run)
            except services.ConflictError as exc:
                messages.error(request, str(exc))
            return redirect("partition-run", pk=run.pk)
        try:
            versions = services.partition_run_apply(run, user=request.user)
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            return redirect("partition-run", pk=run.pk)
        messages.success(
            request, _("Applied: %(n)d villages have a new grid version.") % {"n": len(versions)}
        )
        return redirect("township-map", code=township.code)
    config = _map_config(township.code, proposal_url=reverse("partition-run-proposal", args=[pk]))
    config["bounds"] = hh_selectors.township_bounds(access.scope_for(request.user), township)
    config["status"] = reverse("partition-run-status", args=[pk])
    config["moved"] = reverse("partition-run-moved", args=[pk])
    config["text"]["moved"] = _("Households moved")
    config["text"]["memberOut"] = _("Member areas out of band")
    config["text"]["memberArea"] = _("Member area")
    config["text"]["under"], config["text"]["over"] = _("under band"), _("over band")
    config["text"]["householdsUnit"] = _("households")
    moved = selectors.moved_households(run, MOVED_SHOWN)
    member_out = member_areas_out_of_band(run)
    return render(
        request,
        "grids/partition_run.html",
        {
            "run": run,
            "township": township,
            "map_config": config,
            "diff": run.diff,
            "summary": run.summary,
            "moved": moved,
            "moved_more": max(run.diff.get("moved_count", 0) - len(moved), 0),
            "member_out": member_out[:MEMBER_OUT_SHOWN],
            "member_out_count": len(member_out),
            "member_out_more": max(len(member_out) - MEMBER_OUT_SHOWN, 0),
        },
    )


@login_required
@require_GET
def partition_run_status(request, pk):
    run, _township = _run_for(request, pk)
    return JsonResponse(
        {
            "status": run.status,
            "done": run.progress_done,
            "total": run.progress_total,
            "message": run.message,
        }
    )


@login_required
@require_GET
def partition_run_moved(request, pk):
    """The existing households the proposal gives another grid, as GeoJSON points."""
    run, _township = _run_for(request, pk)
    features = [
        {
            "type": "Feature",
            "id": m["pk"],
            "geometry": {"type": "Point", "coordinates": [m["lon"], m["lat"]]},
            "properties": {"id": m["id"], "head": m["head"], "from": m["from"], "to": m["to"]},
        }
        for m in selectors.moved_households(run)
    ]
    return HttpResponse(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        content_type="application/geo+json",
    )


@login_required
@require_GET
def partition_run_proposal(request, pk):
    run, _township = _run_for(request, pk)
    grids = run.proposal.get("grids", {"type": "FeatureCollection", "features": []})
    changed = set(run.diff.get("changed", [])) | set(run.diff.get("added", []))
    bands = selectors.village_bands(run)
    member_out = member_areas_out_of_band(run)
    out_per_grid = Counter(a["grid"] for a in member_out)
    for f in grids["features"]:
        p = f["properties"]
        band = bands.get(p["village"])  # none: the village is gone since the run
        p["band"] = band_state(p["households"], band) if band else ""
        p["changed"] = f["id"] in changed
        p["membersOut"] = out_per_grid[f["id"]]
    # a foreign member (RFC 7946 section 6.1): the member areas out of band, as points
    grids["memberAreasOutOfBand"] = out_of_band_geojson(member_out)
    return HttpResponse(json.dumps(grids), content_type="application/geo+json")
