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


class CandidateSerializer(serializers.Serializer):
    """A resident in a post's picker (grids.candidates): no phone, no ID number."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    household = serializers.CharField(source="household.external_id")
    group = serializers.SerializerMethodField()
    in_grid = serializers.BooleanField()
    party_member = serializers.CharField()
    group_leader = serializers.BooleanField()

    def get_group(self, p) -> str:
        return p.household.group.name if p.household.group else ""
