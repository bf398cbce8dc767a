"""The overlay pages' features (``households.serializers.FeatureSerializer``)."""

from django.db.models import F, QuerySet
from rest_framework import serializers

from households.functions import api_geojson
from households.serializers import FeatureSerializer

from .models import Camera, ServicePoint


def point_rows(rows: QuerySet) -> QuerySet:
    return rows.annotate(geojson=api_geojson("location"), village_name=F("village__name"))


class CameraFeature(FeatureSerializer):
    fid = serializers.IntegerField(source="pk")
    village = serializers.CharField(source="village_name")

    class Meta(FeatureSerializer.Meta):
        model = Camera
        fields = (
            "fid",
            "geojson",
            "external_ref",
            "name",
            "direction",
            "fov",
            "range_m",
            "village",
        )


class ServicePointFeature(FeatureSerializer):
    fid = serializers.IntegerField(source="pk")
    village = serializers.CharField(source="village_name")

    class Meta(FeatureSerializer.Meta):
        model = ServicePoint
        fields = ("fid", "geojson", "external_ref", "name", "kind", "village")
