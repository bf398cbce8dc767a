"""Incident features (``households.serializers`` is where features are serialised)."""

from rest_framework import serializers

from households.functions import COORD_DIGITS
from households.serializers import FeatureSerializer, GeoJSONField

from .models import Incident


class IncidentFeature(FeatureSerializer):
    """A marker: category, state, tier, the day reported, overdue, and the start of the
    description (escaped by the map script like every other text). No contact, no names.
    Plain values written by PostgreSQL (a day, not a timestamp): a township's year of
    thousands of markers serialises without a timezone conversion per row."""

    fid = serializers.IntegerField(source="pk")
    geojson = GeoJSONField()
    category = serializers.CharField(source="category_code")  # name, colour: the map's config
    reported = serializers.DateField(source="reported_day")
    overdue = serializers.BooleanField()
    text = serializers.CharField(source="text_start")

    class Meta(FeatureSerializer.Meta):
        model = Incident
        fields = (
            "fid",
            "geojson",
            "category",
            "state",
            "tier",
            "reported",
            "overdue",
            "escalations",
            "text",
        )


class HeatCellFeature(FeatureSerializer):
    """A cell of the heat layer (``maps.heat_cells``): its centre and how many incidents it
    holds."""

    fid = serializers.SerializerMethodField()
    geojson = serializers.SerializerMethodField()
    ix = serializers.IntegerField()
    iy = serializers.IntegerField()
    size = serializers.FloatField()
    weight = serializers.IntegerField()

    class Meta(FeatureSerializer.Meta):
        model = Incident
        fields = ("fid", "geojson", "ix", "iy", "size", "weight")

    def get_fid(self, row) -> str:
        return f"{int(row['ix'])}:{int(row['iy'])}"

    def get_geojson(self, row) -> dict:
        size = row["size"]
        centre = ((row["ix"] + 0.5) * size, (row["iy"] + 0.5) * size)
        return {"type": "Point", "coordinates": [round(c, COORD_DIGITS) for c in centre]}
