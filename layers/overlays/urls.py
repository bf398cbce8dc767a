from django.urls import path

from . import views, views_analysis, views_import, views_layers

urlpatterns = [
    path("townships/<str:code>/overlays/", views.overlay_map, name="overlay-map"),
    path(
        "townships/<str:code>/overlays/<str:kind>.geojson",
        views.overlay_points,
        name="overlay-points",
    ),
    path(
        "townships/<str:code>/overlays/<str:kind>/new/",
        views.overlay_point_new,
        name="overlay-point-new",
    ),
    # one path per kind: a number names one object of one kind
    *[
        p
        for kind in views.KINDS
        for p in (
            path(
                f"overlays/{kind}/<int:pk>/",
                views.overlay_point_edit,
                {"kind": kind},
                name="overlay-point" if kind == "cameras" else "overlay-service-point",
            ),
            path(
                f"overlays/{kind}/<int:pk>/delete/",
                views.overlay_point_remove,
                {"kind": kind},
                name="overlay-point-delete"
                if kind == "cameras"
                else "overlay-service-point-delete",
            ),
        )
    ],
    path("townships/<str:code>/coverage/", views_analysis.coverage, name="overlay-coverage"),
    path(
        "townships/<str:code>/best-sites/",
        views_analysis.best_sites_page,
        name="overlay-best-sites",
    ),
    path(
        "townships/<str:code>/service-reach/",
        views_analysis.service_reach_page,
        name="overlay-service-reach",
    ),
    path("overlay-import/", views_import.overlay_import, name="overlay-import"),
    path(
        "overlay-import/<str:token>/",
        views_import.overlay_import_review,
        name="overlay-import-review",
    ),
    path("overlay-layers/", views_layers.overlay_layers, name="overlay-layers"),
    path("overlay-layers.json", views_layers.overlay_layers_json, name="overlay-layers-json"),
    path(
        "overlay-layers/<int:pk>/delete/",
        views_layers.overlay_layer_remove,
        name="overlay-layer-delete",
    ),
]
