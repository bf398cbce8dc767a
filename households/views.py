"""Thin views: validate, call a selector, render or serialise."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from households import access, selectors, serializers


def map_text() -> dict:
    """Labels the map scripts show, translated on the server."""
    return {
        "none": _("No basemap"),
        "tianditu": _("Tianditu"),
        "tiandituImg": _("Tianditu imagery"),
        "osm": _("OpenStreetMap"),
        "villages": _("Village boundaries"),
        "groups": _("Village groups"),
        "households": _("Households"),
        "legend": _("Legend"),
        "household": _("Household"),
        "ungrouped": _("Household outside every group"),
        "members": _("members"),
        "loaded": _("Loaded"),
        "failed": _("Could not load"),
        "group": _("Group"),
        "village": _("Village"),
        "householdsCount": _("households"),
        "grids": _("Grids"),
        "inBand": _("Grid in band"),
        "underBand": _("Grid under band"),
        "overBand": _("Grid over band"),
    }


def basemaps() -> dict:
    return {
        "default": settings.GIS_BASEMAP,
        "tiandituKey": settings.TIANDITU_KEY,
        "osmUrl": settings.OSM_TILE_URL,
    }


_LAYERS = {  # layer -> (selector, serializer)
    "villages": (selectors.villages_layer, serializers.VillageFeature),
    "groups": (selectors.groups_layer, serializers.GroupFeature),
    "households": (selectors.households_layer, serializers.HouseholdFeature),
}


@login_required
@require_GET
def township_layer(request, code, layer):
    township = selectors.township_get(code)
    scope = access.require_township(request.user, "view_map", township)
    if layer not in _LAYERS:
        return HttpResponseBadRequest(f"unknown layer {layer!r}")
    selector, serializer = _LAYERS[layer]
    kwargs = {}
    if layer == "households":
        try:
            kwargs["bbox"] = selectors.parse_bbox(request.GET.get("bbox"))
        except selectors.BBoxError as exc:
            return HttpResponseBadRequest(str(exc))
    return serializers.feature_response(serializer, selector(scope, township, **kwargs))
