"""The overlay map of a township: its cameras (with their view sectors) and service points,
added, moved, changed and deleted by its staff; and their GeoJSON for the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grids.views import _map_config
from households import access
from households import selectors as hh_selectors
from households.scoping import Area
from households.serializers import feature_response

from . import serializers as s
from .forms import CameraForm, ServicePointForm
from .models import Camera, ServicePoint
from .services import OverlayInputError, camera_save, overlay_point_delete, service_point_save

KINDS = {  # URL word -> model, form, save service, serializer
    "cameras": (Camera, CameraForm, camera_save, s.CameraFeature),
    "service-points": (ServicePoint, ServicePointForm, service_point_save, s.ServicePointFeature),
}
DEFAULT_LIMIT, MAX_LIMIT = 1000, 5000  # points of a page: a township has a few hundred
ERR_LIMIT = "limit must be a whole number from 1 to {max}: {value!r}"
ERR_UNKNOWN = "unknown query parameter {name} (this resource takes limit)"


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def list_limit(request) -> tuple[int | None, JsonResponse | None]:
    """The `limit` of a list answer, or a 400 naming the parameter."""
    for name in request.GET:
        if name != "limit":
            return None, bad_parameter(name, ERR_UNKNOWN.format(name=name))
    raw = request.GET.get("limit", str(DEFAULT_LIMIT))
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= MAX_LIMIT):
        return None, bad_parameter("limit", ERR_LIMIT.format(max=MAX_LIMIT, value=raw))
    return int(raw), None


def bad_parameter(name: str, message: str) -> JsonResponse:
    return JsonResponse({"parameter": name, "description": message}, status=400)


def _page(request, township, scope, *, forms=None, status=200):
    area = Area.of_township(township)
    config = _map_config(township.code)
    config.update(
        bounds=hh_selectors.township_bounds(scope, township),
        households=hh_selectors.township_stats(scope, township)["households"],
        hasGrids=True,
        editable=scope.can("edit_overlays"),
        points={k: reverse("overlay-points", args=[township.code, k]) for k in KINDS},
    )
    forms = forms or {}
    return render(
        request,
        "layers/overlays/map.html",
        {
            "township": township,
            "map_config": config,
            "camera_form": forms.get("cameras") or CameraForm(),
            "service_form": forms.get("service-points") or ServicePointForm(),
            "can_edit": scope.can("edit_overlays"),
            "can_import": scope.can("import"),
            "counts": {
                "cameras": Camera.objects.for_scope(scope).in_area(area).count(),
                "service_points": ServicePoint.objects.for_scope(scope).in_area(area).count(),
            },
        },
        status=status,
    )


@login_required
@require_GET
def overlay_map(request, code):
    township = hh_selectors.township_get(code)
    scope = access.require_township(request.user, "view_map", township)
    return _page(request, township, scope)


@login_required
@require_GET
def overlay_points(request, code, kind):
    """The township's cameras or service points the user sees, as GeoJSON (at most
    ``limit``)."""
    model, _form, _save, serializer = _kind(kind)
    township = hh_selectors.township_get(code)
    scope = access.require_township(request.user, "view_map", township)
    limit, bad = list_limit(request)
    if bad:
        return bad
    rows = model.objects.for_scope(scope).in_area(Area.of_township(township))
    return feature_response(serializer, s.point_rows(rows)[:limit])


def _save(request, township, scope, kind, obj=None):
    _model, form_class, save, _serializer = _kind(kind)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            field = "camera" if kind == "cameras" else "point"
            saved = save(scope=scope, data=form.value(), **{field: obj})
        except OverlayInputError as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Saved: %(name)s") % {"name": saved})
            return redirect("overlay-map", code=township.code)
    return _page(request, township, scope, forms={kind: form}, status=400)


@login_required
@require_POST
def overlay_point_new(request, code, kind):
    _kind(kind)
    township = hh_selectors.township_get(code)
    scope = access.require_township(request.user, "edit_overlays", township)
    return _save(request, township, scope, kind)


def _object(request, kind, pk, action):
    model = _kind(kind)[0]
    scope = access.scope_for(request.user)
    obj = get_object_or_404(model.objects.for_scope(scope).select_related("township"), pk=pk)
    return obj, access.require(request.user, action)


@login_required
def overlay_point_edit(request, kind, pk):
    """GET: the object as a feature; POST: its new values."""
    if request.method == "POST":
        obj, scope = _object(request, kind, pk, "edit_overlays")
        return _save(request, obj.township, scope, kind, obj)
    obj, _scope = _object(request, kind, pk, "view_grid")
    serializer = _kind(kind)[3]
    return feature_response(serializer, s.point_rows(type(obj).objects.filter(pk=obj.pk)))


@login_required
@require_POST
def overlay_point_remove(request, kind, pk):
    obj, _scope = _object(request, kind, pk, "edit_overlays")
    township = obj.township
    overlay_point_delete(obj=obj)
    messages.success(request, _("Deleted: %(name)s") % {"name": obj})
    return redirect("overlay-map", code=township.code)
