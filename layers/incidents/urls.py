from django.urls import path

from . import views, views_import, views_public

urlpatterns = [
    path("report/", views_public.report, name="report"),
    path("report/<str:code>/", views_public.report_status, name="report-status"),
    path("villages/<str:code>/report-poster/", views_public.village_poster, name="village-poster"),
    path("incidents/", views.incident_queue, name="incident-queue"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/notifications/", views.incident_notifications, name="incident-notifications"),
    path("incidents/import/", views_import.incident_import, name="incident-import"),
    path(
        "incidents/import/<str:token>/",
        views_import.incident_import_review,
        name="incident-import-review",
    ),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/act/", views.incident_act, name="incident-act"),
    path("incidents/photos/<int:pk>", views.incident_photo, name="incident-photo"),
    path("api/incidents.geojson", views.incident_features, name="incident-features"),
    path("api/incidents/heat.geojson", views.incident_heat, name="incident-heat"),
]
