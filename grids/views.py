"""Thin views for the grid map and partition runs."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grids import selectors, services
from grids.models import PartitionRun
from households import selectors as hh_selectors
from households.views import basemaps, map_text


@login_required
def home(request):
    first = hh_selectors.township_list().first()
    if first is None:
        return redirect("imports")
    return redirect("township-map", code=first.code)


def _map_config(code: str, *, proposal_url: str | None = None) -> dict:
    layers = {
        name: reverse("township-layer", kwargs={"code": code, "layer": name})
        for name in ("villages", "groups", "households")
    }
    layers["grids"] = reverse("township-grids", kwargs={"code": code})
    text = map_text()
    text.update(grid=_("Grid"), memberAreas=_("member areas"), proposal=_("Proposal"),
                current=_("Current grids"), changed=_("Changed grid"))
    text["open"] = _("Leader and members")
    return {"layers": layers, "basemaps": basemaps(), "extent": settings.COUNTY_EXTENT,
            "text": text, "proposal": proposal_url,
            "gridUrl": None if proposal_url else reverse("grid-detail", args=["CODE"])}


@login_required
@require_GET
def township_map(request, code):
    township = hh_selectors.township_get(code)
    return render(request, "grids/township_map.html", {
        "township": township, "townships": hh_selectors.township_list(),
        "stats": hh_selectors.township_stats(township), "map_config": _map_config(code),
        "villages": township.villages.order_by("code"),
        "runs": PartitionRun.objects.filter(scope_code__startswith=code[:9])[:5],
    })


@login_required
@require_GET
def township_grids(request, code):
    township = hh_selectors.township_get(code)
    return HttpResponse(selectors.grids_geojson(township), content_type="application/geo+json")


@staff_member_required
@require_POST
def partition_start(request, code):
    township = hh_selectors.township_get(code)
    village = request.POST.get("village", "")
    if village:
        get_object_or_404(township.villages, code=village)
        scope, scope_code = PartitionRun.Scope.VILLAGE, village
    else:
        scope, scope_code = PartitionRun.Scope.TOWNSHIP, township.code
    run = services.partition_run_create(
        scope=scope, code=scope_code, user=request.user, fresh=bool(request.POST.get("fresh")))
    services.partition_run_start(run)
    return redirect("partition-run", pk=run.pk)


def _run_township(run: PartitionRun):
    villages = selectors.villages_in_scope(run.scope, run.scope_code)
    return villages[0].township if villages else None


@staff_member_required
def partition_run_detail(request, pk):
    run = get_object_or_404(PartitionRun, pk=pk)
    township = _run_township(run)
    if request.method == "POST":
        if "discard" in request.POST:
            services.partition_run_discard(run)
            messages.info(request, _("Proposal discarded; nothing changed."))
            return redirect("township-map", code=township.code)
        try:
            versions = services.partition_run_apply(run, user=request.user)
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            return redirect("partition-run", pk=run.pk)
        messages.success(request, _("Applied: %(n)d villages have a new grid version.") % {
            "n": len(versions)})
        return redirect("township-map", code=township.code)
    config = _map_config(township.code, proposal_url=reverse("partition-run-proposal", args=[pk]))
    config["status"] = reverse("partition-run-status", args=[pk])
    return render(request, "grids/partition_run.html", {
        "run": run, "township": township, "map_config": config, "diff": run.diff,
        "summary": run.summary,
    })


@staff_member_required
@require_GET
def partition_run_status(request, pk):
    run = get_object_or_404(PartitionRun, pk=pk)
    return JsonResponse({"status": run.status, "done": run.progress_done,
                         "total": run.progress_total, "message": run.message})


@staff_member_required
@require_GET
def partition_run_proposal(request, pk):
    run = get_object_or_404(PartitionRun, pk=pk)
    grids = run.proposal.get("grids", {"type": "FeatureCollection", "features": []})
    changed = set(run.diff.get("changed", [])) | set(run.diff.get("added", []))
    bands = selectors.village_bands(run)
    for f in grids["features"]:
        p = f["properties"]
        lo, hi = bands.get(p["village"], (40, 60))
        p["band"] = "under" if p["households"] < lo else "over" if p["households"] > hi else "in"
        p["changed"] = f["id"] in changed
    return HttpResponse(json.dumps(grids), content_type="application/geo+json")
