"""The overlays' tile layers (imported by ``layers.apps``): cameras, their view sectors,
service points, and the features of uploaded layers, each from its scoped queryset.

Zooms: cameras and service points are points a village apart (1-3 km), drawn from zoom
12 (a tile 10 km across: a township's few dozen); a view sector (at most 500 m, usually
50-150 m) is a few pixels below zoom 14. Uploaded layers are drawn from zoom 8, as the
township outlines are; each feature carries its layer's style.
"""

from django.db.models import F

from layers.tiles import POINT, POLYGON, TileLayer, register

from .models import Camera, OverlayFeature, ServicePoint

POINTS_ZOOM = 12
SECTORS_ZOOM = 14


def _features(scope):
    return OverlayFeature.objects.for_scope(scope).annotate(
        color=F("layer__color"), weight=F("layer__weight"), fill=F("layer__fill")
    )


register(
    TileLayer(
        name="cameras",
        queryset=lambda scope: Camera.objects.for_scope(scope),
        tile_fields={
            "id": "pk",
            "ref": "external_ref",
            "name": "name",
            "direction": "direction",
            "fov": "fov",
            "range": "range_m",
        },
        geom="location",
        kind=POINT,
        min_zoom=POINTS_ZOOM,
        action="view_grid",
    )
)
register(
    TileLayer(
        name="camera_sectors",
        queryset=lambda scope: Camera.objects.for_scope(scope),
        tile_fields={"id": "pk", "ref": "external_ref"},
        geom="sector",
        kind=POLYGON,
        min_zoom=SECTORS_ZOOM,
        action="view_grid",
    )
)
register(
    TileLayer(
        name="service_points",
        queryset=lambda scope: ServicePoint.objects.for_scope(scope),
        tile_fields={"id": "pk", "ref": "external_ref", "name": "name", "kind": "kind"},
        geom="location",
        kind=POINT,
        min_zoom=POINTS_ZOOM,
        action="view_grid",
    )
)
register(
    TileLayer(
        name="overlay_features",
        queryset=_features,
        tile_fields={
            "layer": "layer_id",
            "label": "label",
            "color": "color",
            "weight": "weight",
            "fill": "fill",
        },
        geom="geom",
        kind=POLYGON,
        min_zoom=8,
        action="view_grid",
    )
)
