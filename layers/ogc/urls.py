from django.urls import path

from . import views

urlpatterns = [
    path("ogc/", views.Landing.as_view(), name="ogc-landing"),
    path("ogc/conformance", views.Conformance.as_view(), name="ogc-conformance"),
    path("ogc/collections", views.Collections.as_view(), name="ogc-collections"),
    path(
        "ogc/collections/<str:collectionId>",
        views.CollectionDetail.as_view(),
        name="ogc-collection",
    ),
    path("ogc/collections/<str:collectionId>/items", views.Items.as_view(), name="ogc-items"),
    path(
        "ogc/collections/<str:collectionId>/items/<str:featureId>",
        views.Item.as_view(),
        name="ogc-item",
    ),
]
