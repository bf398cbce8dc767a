"""Features of the field pages (``households.serializers`` is where features are serialised)."""

from rest_framework import serializers

from households.models import Household
from households.serializers import FeatureSerializer, GeoJSONField


def tag_label(tag: str) -> str:
    return str(Household._meta.get_field(tag).verbose_name)


class FieldHouseholdFeature(FeatureSerializer):
    """A household of a grid page, as ``layers.selectors.household_rows`` made it for the user:
    ID number and phone already masked unless the user is the grid's own leader."""

    fid = serializers.CharField(source="external_id")
    geojson = GeoJSONField(source="location")
    group = serializers.CharField()
    member_area = serializers.IntegerField(source="member_number")
    tags = serializers.SerializerMethodField()
    last_visit = serializers.DateField()
    overdue = serializers.BooleanField()

    class Meta(FeatureSerializer.Meta):
        model = Household
        fields = (
            "fid",
            "geojson",
            "head",
            "members",
            "address",
            "phone",
            "id_number",
            "group",
            "member_area",
            "tags",
            "last_visit",
            "overdue",
        )

    def get_tags(self, row) -> list[str]:
        return [tag_label(t) for t in row.tags]
