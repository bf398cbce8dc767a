from django.urls import include, path

from . import views, views_tiles
from .search import views as search_views

urlpatterns = [
    path("my/", views.my_grid, name="my-grid"),
    path("grids/<str:code>/work/", views.grid_work, name="grid-work"),
    path("grids/<str:code>/visits/", views.visit_add, name="visit-add"),
    path("api/grids/<str:code>/outline.geojson", views.grid_outline, name="grid-outline"),
    path("api/grids/<str:code>/households.geojson", views.grid_households, name="grid-households"),
    path("visits/<int:pk>/photo", views.visit_photo, name="visit-photo"),
    path("access-log/", views.access_log, name="access-log"),
    path("export/households.csv", views.households_export, name="households-export"),
    path("export/households.xlsx", views.households_export_xlsx, name="households-export-xlsx"),
    path("api/search.json", search_views.search, name="search"),
    path("tiles/<str:layer>/<str:z>/<str:x>/<str:y>.pbf", views_tiles.tile, name="tile"),
    path("", include("layers.incidents.urls")),
    path("", include("layers.overlays.urls")),
    path("", include("layers.coverage.urls")),
    path("", include("layers.assessment.urls")),
    path("", include("layers.points.urls")),
]
