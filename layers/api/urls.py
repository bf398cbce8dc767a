from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from layers.collections import COLLECTIONS

from . import (  # noqa: F401  (schema: the token in the OpenAPI doc)
    schema,
    views,
    views_incidents,
    views_tokens,
)

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        login_required(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("api/tokens/", views_tokens.tokens, name="api-tokens"),
    path("api/tokens/<int:pk>/revoke/", views_tokens.token_revoke_view, name="api-token-revoke"),
    path("api/v1/me/", views.Me.as_view(), name="api-me"),
    path(
        "api/v1/grids/<str:code>/households/",
        views.GridHouseholds.as_view(),
        name="api-grid-households",
    ),
    # before the collections' detail route, which would take "report" for an id
    path(
        "api/v1/incidents/report/",
        views_incidents.IncidentReport.as_view(),
        name="api-incident-report",
    ),
]
for _cid, _collection in COLLECTIONS.items():
    _list, _detail = views.collection_views(_collection)
    urlpatterns += [
        path(f"api/v1/{_cid}/", _list.as_view(), name=f"api-{_cid}-list"),
        path(f"api/v1/{_cid}/<str:fid>/", _detail.as_view(), name=f"api-{_cid}-detail"),
    ]
