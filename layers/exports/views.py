"""The export page of county staff: choose what, where, format and CRS; get the file."""

import shutil

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from households import access
from households.models import Township
from layers.collections import ParameterError

from . import services
from .forms import ExportForm

CONTENT_TYPES = {
    ".gpkg": "application/geopackage+sqlite3",
    ".zip": "application/zip",
    ".geojson": "application/geo+json",
    ".kml": "application/vnd.google-earth.kml+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _page(request, form, status=200):
    scope = access.scope_for(request.user)
    townships = Township.objects.for_scope(scope).order_by("code")
    return render(
        request, "exports/start.html", {"form": form, "townships": townships}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def export_start(request):
    """GET: the form. POST: the file (the answer to the form, so nothing is kept)."""
    access.require(request.user, "export")
    if request.method == "GET":
        return _page(request, ExportForm(initial={"format": "gpkg", "crs": "EPSG:4490"}))
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        wanted = services.export_check(
            kind=data["what"],
            fmt=data["format"],
            crs=data["crs"],
            township=data["township"].strip(),
            village=data["village"].strip(),
        )
    except ParameterError as exc:
        field = exc.parameter if exc.parameter in form.fields else None
        form.add_error("what" if field is None else field, exc.message)
        return _page(request, form, status=400)
    services.export_area(request.user, wanted)  # 404 outside the user's area
    path, _count = services.export_now(request, wanted)
    try:
        body = path.read_bytes()
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    response = HttpResponse(body, content_type=CONTENT_TYPES[path.suffix])
    name = f"{wanted.name}-{services.stamp()}{path.suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
