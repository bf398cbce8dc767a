from django.urls import path

from . import views, views_edit, views_import
from .accounts import views as accounts
from .accounts import views_import as accounts_import

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
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/new/", accounts.account_new, name="account-new"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account-detail"),
    path("accounts/<int:pk>/status/", accounts.account_status, name="account-status"),
    path("accounts/<int:pk>/password/", accounts.account_password, name="account-password"),
    path(
        "accounts/villages/<str:code>/grids.json",
        accounts.village_grids_json,
        name="account-village-grids",
    ),
    path("accounts/import/", accounts_import.account_import, name="account-import"),
    path(
        "accounts/import/<str:token>/",
        accounts_import.account_import_review,
        name="account-import-review",
    ),
    path("accounts/template.xlsx", accounts_import.account_template, name="account-template"),
]
