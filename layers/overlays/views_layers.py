"""Uploaded layers: the list of those the user sees (with the upload form), delete, and the
list the maps' layer switcher reads."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from households import access

from .forms import LayerUploadForm
from .layers import LayerStyle, may_delete, overlay_layer_delete, overlay_layer_upload
from .models import OverlayLayer
from .services import OverlayInputError
from .views import list_limit


@login_required
def overlay_layers(request):
    scope = access.require(request.user, "view_grid")
    can_upload = scope.can("upload_layers")
    form = LayerUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        access.require(request.user, "upload_layers")
        if form.is_valid():
            d = form.cleaned_data
            with tempfile.TemporaryDirectory(prefix="layer-") as tmp:
                path = Path(tmp) / Path(d["file"].name).name
                with path.open("wb") as out:
                    for chunk in d["file"].chunks():
                        out.write(chunk)
                try:
                    layer = overlay_layer_upload(
                        scope=scope,
                        user=request.user,
                        name=d["name"],
                        path=path,
                        style=LayerStyle(d["color"], d["weight"], d["fill"]),
                        level=d["level"],
                        area_code=d["area"],
                    )
                except OverlayInputError as exc:
                    for name, message in exc.errors.items():
                        form.add_error(name if name in form.fields else None, message)
                else:
                    messages.success(request, _("Layer uploaded: %(name)s") % {"name": layer})
                    return redirect("overlay-layers")
        status = 400
    layers = OverlayLayer.objects.for_scope(scope).select_related("township", "village")
    rows = [{"layer": x, "deletable": can_upload and may_delete(scope, x)} for x in layers]
    return render(
        request,
        "layers/overlays/layers.html",
        {"form": form, "rows": rows, "can_upload": can_upload},
        status=status,
    )


@login_required
@require_POST
def overlay_layer_remove(request, pk):
    scope = access.scope_for(request.user)
    layer = get_object_or_404(OverlayLayer.objects.for_scope(scope), pk=pk)
    access.require(request.user, "upload_layers")
    if not may_delete(scope, layer):
        raise Http404  # a county layer a township user sees but does not own
    overlay_layer_delete(layer=layer)
    messages.success(request, _("Layer deleted: %(name)s") % {"name": layer})
    return redirect("overlay-layers")


@login_required
@require_GET
def overlay_layers_json(request):
    """The uploaded layers the user sees, with their styles (the maps' layer switcher)."""
    scope = access.require(request.user, "view_grid")
    limit, bad = list_limit(request)
    if bad:
        return bad
    rows = OverlayLayer.objects.for_scope(scope).values(
        "id", "name", "color", "weight", "fill", "level", "feature_count"
    )[:limit]
    return JsonResponse({"layers": list(rows)})
