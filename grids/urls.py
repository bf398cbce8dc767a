from django.urls import path

from . import views, views_grid, views_settings

urlpatterns = [
    path("", views.home, name="home"),
    path("townships/<str:code>/map/", views.township_map, name="township-map"),
    path("api/townships/<str:code>/grids.geojson", views.township_grids, name="township-grids"),
    path("townships/<str:code>/partition/", views.partition_start, name="partition-start"),
    path(
        "townships/<str:code>/settings/", views_settings.township_settings, name="township-settings"
    ),
    path("grids/<str:code>/", views_grid.grid_detail, name="grid-detail"),
    path("grids/<str:code>/candidates.json", views_grid.grid_candidates, name="grid-candidates"),
    path("partition-runs/<int:pk>/", views.partition_run_detail, name="partition-run"),
    path(
        "partition-runs/<int:pk>/status.json",
        views.partition_run_status,
        name="partition-run-status",
    ),
    path(
        "partition-runs/<int:pk>/moved.geojson",
        views.partition_run_moved,
        name="partition-run-moved",
    ),
    path(
        "partition-runs/<int:pk>/proposal.geojson",
        views.partition_run_proposal,
        name="partition-run-proposal",
    ),
]

from . import views_editor  # noqa: E402 - the editor's paths, appended

urlpatterns += [
    path("villages/<str:code>/editor/", views_editor.village_editor, name="village-editor"),
    path("townships/<str:code>/editor/", views_editor.township_editor, name="township-editor"),
    path(
        "api/editor/villages/<str:code>/<str:action>.json",
        views_editor.editor_api,
        name="editor-api",
    ),
]
