from django.urls import path

from . import views, views_grid

urlpatterns = [
    path("", views.home, name="home"),
    path("townships/<str:code>/map/", views.township_map, name="township-map"),
    path("api/townships/<str:code>/grids.geojson", views.township_grids, name="township-grids"),
    path("townships/<str:code>/partition/", views.partition_start, name="partition-start"),
    path("grids/<str:code>/", views_grid.grid_detail, name="grid-detail"),
    path("partition-runs/<int:pk>/", views.partition_run_detail, name="partition-run"),
    path("partition-runs/<int:pk>/status.json", views.partition_run_status, name="partition-run-status"),
    path("partition-runs/<int:pk>/proposal.geojson", views.partition_run_proposal,
         name="partition-run-proposal"),
]
