"""Grid features (``households.serializers`` is where features are serialised)."""

from rest_framework import serializers

from grids.models import Grid
from households.serializers import FeatureSerializer


class GridFeature(FeatureSerializer):
    """A current grid on a map: counts, band state (under / in / over) and version."""

    fid = serializers.CharField(source="code")
    village = serializers.CharField(source="village_name")
    households = serializers.IntegerField(source="household_count")
    members = serializers.IntegerField()
    band = serializers.CharField()
    version = serializers.IntegerField(source="version_number")

    class Meta(FeatureSerializer.Meta):
        model = Grid
        fields = (
            "fid",
            "geojson",
            "code",
            "village",
            "households",
            "locked",
            "members",
            "band",
            "version",
        )
