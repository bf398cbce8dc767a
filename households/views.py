"""Thin views: validate, call a selector, render or serialise."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from households import access, selectors, serializers
from households.stamps import data_etag


def map_text() -> dict:
    """Labels the map scripts show, translated on the server."""
    return {
        "none": _("No basemap"),
        "tianditu": _("Tianditu"),
        "tiandituImg": _("Tianditu imagery"),
        "osm": _("OpenStreetMap"),
        "local": _("County basemap"),
        "basemapFailed": _(
            "The basemap could not be loaded (no network, or its tile server cannot be "
            "reached): grids and households are drawn as usual. Choose another basemap in the "
            "layer switcher, or ask the administrator to set up the county's own tiles."
        ),
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


def tile_template() -> str:
    """The URL of a vector tile (the layers app's "tile" route) with LAYER and Leaflet's
    {z}/{x}/{y} placeholders (gis/tiles.js)."""
    url = reverse("tile", args=["LAYER", "0", "0", "0"])
    return url.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")


def basemaps() -> dict:
    local = ""
    if settings.GIS_MBTILES_PATH:  # the county's own tiles, served by gis.basemap
        local = reverse("basemap-tile", args=["0", "0", "0"]).replace("/0/0/0", "/{z}/{x}/{y}")
    return {
        "default": settings.GIS_BASEMAP,
        "tiandituKey": settings.TIANDITU_KEY,
        "osmUrl": settings.OSM_TILE_URL,
        "localUrl": local,
    }


_LAYERS = {  # layer -> (selector, serializer)
    "villages": (selectors.villages_layer, serializers.VillageFeature),
    "groups": (selectors.groups_layer, serializers.GroupFeature),
    "households": (selectors.households_layer, serializers.HouseholdFeature),
}


def stamped(request, scope, township_ids, build):
    """A data answer with an ETag from the townships' data stamps: a 304 when the browser
    has it (no query of the data), else ``build()``. The browser keeps the answer but
    asks each time: an edit shows at once."""
    etag = data_etag(request, scope, township_ids)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = build()
    if response.status_code in (200, 304):
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
@gzip_page
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
    return stamped(
        request,
        scope,
        [township.pk],
        lambda: serializers.feature_response(serializer, selector(scope, township, **kwargs)),
    )
