from django.urls import path

from . import views, views_edit, views_import

urlpatterns = [
    path(
        "api/townships/<str:code>/<str:layer>.geojson", views.township_layer, name="township-layer"
    ),
    path("households/<str:external_id>/edit/", views_edit.household_edit, name="household-edit"),
    path("imports/", views_import.import_start, name="imports"),
    path(
        "imports/template/households.xlsx", views_import.household_template, name="import-template"
    ),
    path("imports/<str:token>/", views_import.import_review, name="import-review"),
]
