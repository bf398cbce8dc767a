"""Incident features (``households.serializers`` is where features are serialised)."""

from rest_framework import serializers

from households.serializers import FeatureSerializer, GeoJSONField

from .models import Incident


class IncidentFeature(FeatureSerializer):
    """A marker: category, state, tier, clock and the start of the description (escaped by
    the map script like every other text). No contact, no names."""

    fid = serializers.IntegerField(source="pk")
    geojson = GeoJSONField()
    category = serializers.CharField(source="category_code")
    category_name = serializers.CharField()
    color = serializers.CharField()
    reported = serializers.DateTimeField(source="reported_at")
    deadline = serializers.DateTimeField(source="deadline_at")
    overdue = serializers.BooleanField()
    text = serializers.CharField(source="description")

    class Meta(FeatureSerializer.Meta):
        model = Incident
        fields = (
            "fid",
            "geojson",
            "category",
            "category_name",
            "color",
            "state",
            "tier",
            "reported",
            "deadline",
            "overdue",
            "escalations",
            "text",
        )

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        feature["properties"]["text"] = (feature["properties"]["text"] or "")[:80]
        return feature


class HeatCellFeature(FeatureSerializer):
    """A cell of the heat layer: its corner and how many incidents it holds."""

    fid = serializers.CharField(source="geojson")
    geojson = GeoJSONField()
    weight = serializers.IntegerField()

    class Meta(FeatureSerializer.Meta):
        model = Incident
        fields = ("fid", "geojson", "weight")
