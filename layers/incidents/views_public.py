"""The public pages (no login): report from a phone at /report/, follow a case at
/report/<tracking code>/ (progress and the reply, never anyone's personal data), rate it or
reopen it once; and the printable QR poster of a village (staff, in their area)."""

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from households.access import require_in_scope
from households.models import Village
from households.privacy import client_ip
from households.views import basemaps, map_text

from . import selectors, transitions
from . import workflow as wf
from .forms import ReportForm, ResidentForm
from .models import Incident
from .services import incident_report

QR_SCALE = 8  # SVG units per module: about 5 cm wide on A4 for the report page's URL


def form_context(form, village: Village | None = None) -> dict:
    """The report form and the configuration of its map (incidents-form.js)."""
    text = map_text()
    text.update(here=_("Location"), locating=_("Locating…"), noGps=_("No position from the phone"))
    extent = list(settings.COUNTY_EXTENT)
    if village is not None and village.boundary:
        extent = list(village.boundary.extent)
    return {
        "form": form,
        "village": village,
        "map_config": {"basemaps": basemaps(), "extent": extent, "text": text},
    }


def _village(code: str | None) -> Village | None:
    if not code or not code.isdigit() or len(code) != 12:
        return None
    return Village.objects.filter(code=code).first()


def report(request):
    """The resident's report page (a village's QR code adds ?v=<village code>)."""
    village = _village(request.GET.get("v"))
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_report(
                form.new_incident(), channel=Incident.Channel.PUBLIC, address=client_ip(request)
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("report-status", code=incident.tracking_code)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "layers/incidents/report.html", form_context(form, village), status=status
    )


def report_status(request, code):
    incident, shown = selectors.public_get(code)
    form = None
    if request.method == "POST":
        form = ResidentForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                transitions.incident_resident_act(
                    incident, d["action"], rating=d.get("rating"), note=d.get("note") or ""
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect("report-status", code=incident.tracking_code)
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "layers/incidents/status.html",
        {
            "incident": incident,
            "shown": shown,
            "steps": selectors.public_steps(shown),
            "actions": wf.allowed(transitions.facts(incident), wf.RESIDENT),
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def village_poster(request, code):
    """A printable notice for the village board: the QR code of its report page."""
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    require_in_scope(request.user, "view_incidents", village)
    url = request.build_absolute_uri(reverse("report") + f"?v={village.code}")
    qr = segno.make(url, error="m")
    return render(
        request,
        "layers/incidents/poster.html",
        {"village": village, "url": url, "qr": qr.svg_inline(scale=QR_SCALE, title=url)},
    )
