from django.urls import path

from . import views

urlpatterns = [
    path("coverage/", views.dashboard, name="coverage"),
    path("coverage/export.xlsx", views.export_xlsx, name="coverage-xlsx"),
    path("coverage/export.csv", views.export_csv, name="coverage-csv"),
    path("coverage/report.html", views.report, name="coverage-report"),
    path("api/coverage/table.json", views.table_data, name="coverage-table"),
    path("api/coverage/areas.geojson", views.areas, name="coverage-areas"),
    path("api/coverage/heat.geojson", views.heat_layer, name="coverage-heat"),
    path("api/coverage/households.geojson", views.households, name="coverage-households"),
    path("api/coverage/charts.json", views.charts, name="coverage-charts"),
    path("grids/<str:code>/party-group/", views.party_group, name="grid-party-group"),
]
