"""Features of the collections (``households.serializers`` is where features are serialised:
these are its ``FeatureSerializer`` subclasses, reading the flat values the catalog's
selectors annotate)."""

from rest_framework import serializers

from grids.models import Grid, MemberArea
from households.models import Household, Township, Village, VillageGroup
from households.serializers import FeatureSerializer
from layers.overlays.models import Camera, ServicePoint


class TownshipItem(FeatureSerializer):
    """A township: its outline is the union of its villages' boundaries."""

    fid = serializers.CharField(source="code")

    class Meta(FeatureSerializer.Meta):
        model = Township
        fields = ("fid", "geojson", "code", "name")


class VillageItem(FeatureSerializer):
    fid = serializers.CharField(source="code")
    township_code = serializers.CharField()
    township_name = serializers.CharField()

    class Meta(FeatureSerializer.Meta):
        model = Village
        fields = ("fid", "geojson", "code", "name", "code_year", "township_code", "township_name")


class GroupItem(FeatureSerializer):
    """A village group with the columns the group importer reads back (code, name, village
    and township codes and names)."""

    fid = serializers.IntegerField(source="pk")
    village_code = serializers.CharField()
    village_name = serializers.CharField()
    township_code = serializers.CharField()
    township_name = serializers.CharField()
    households = serializers.IntegerField(source="household_count")

    class Meta(FeatureSerializer.Meta):
        model = VillageGroup
        fields = (
            "fid",
            "geojson",
            "code",
            "name",
            "village_code",
            "village_name",
            "township_code",
            "township_name",
            "households",
        )


class GridItem(FeatureSerializer):
    """A grid of one dated version (``valid_to`` empty: the current version)."""

    fid = serializers.CharField()
    village_code = serializers.CharField()
    village_name = serializers.CharField()
    township_code = serializers.CharField()
    version = serializers.IntegerField(source="version_number")
    valid_from = serializers.DateTimeField()
    valid_to = serializers.DateTimeField()
    households = serializers.IntegerField(source="household_count")
    member_areas = serializers.IntegerField(source="member_area_count")
    leader = serializers.CharField(source="leader_name")
    groups = serializers.CharField(source="group_codes")

    class Meta(FeatureSerializer.Meta):
        model = Grid
        fields = (
            "fid",
            "geojson",
            "code",
            "village_code",
            "village_name",
            "township_code",
            "version",
            "valid_from",
            "valid_to",
            "locked",
            "households",
            "member_areas",
            "leader",
            "groups",
        )


class MemberAreaItem(FeatureSerializer):
    """A member area (联户) of a current grid: its outline is the union of its households'
    Voronoi cells within the grid."""

    fid = serializers.CharField()
    grid = serializers.CharField(source="grid_code")
    village_code = serializers.CharField()
    township_code = serializers.CharField()
    households = serializers.IntegerField(source="household_count")
    member = serializers.CharField(source="member_name")
    valid_from = serializers.DateTimeField()

    class Meta(FeatureSerializer.Meta):
        model = MemberArea
        fields = (
            "fid",
            "geojson",
            "grid",
            "number",
            "village_code",
            "township_code",
            "households",
            "member",
            "valid_from",
        )


_HOUSEHOLD_FIELDS = (
    "fid",
    "geojson",
    "head",
    "members",
    "id_number",
    "phone",
    "address",
    "township_code",
    "village_code",
    "village_name",
    "group_code",
    "group_name",
    "grid",
    "member_area",
    "party_member_household",
    "wubao",
    "elderly_alone",
    "veteran",
    "civility_points",
)


class HouseholdItem(FeatureSerializer):
    """A household as the user may see it: ``id_number`` and ``phone`` already masked unless
    the user is the grid's own leader (the catalog masks them), no sensitive tag."""

    fid = serializers.CharField(source="external_id")
    township_code = serializers.CharField()
    village_code = serializers.CharField()
    village_name = serializers.CharField()
    group_code = serializers.CharField()
    group_name = serializers.CharField()
    grid = serializers.CharField(source="grid_code")
    member_area = serializers.IntegerField(source="member_number")

    class Meta(FeatureSerializer.Meta):
        model = Household
        fields = _HOUSEHOLD_FIELDS


class HouseholdSensitiveItem(HouseholdItem):
    """The same, with the sensitive tags, for the roles that see them."""

    class Meta(HouseholdItem.Meta):
        fields = _HOUSEHOLD_FIELDS + Household.SENSITIVE_TAGS


class CameraItem(FeatureSerializer):
    """A camera (雪亮工程): its point, and where it looks; its view sector is the
    ``camera_sectors`` tile layer."""

    fid = serializers.CharField(source="external_ref")
    township_code = serializers.CharField()
    village_code = serializers.CharField()

    class Meta(FeatureSerializer.Meta):
        model = Camera
        fields = (
            "fid",
            "geojson",
            "name",
            "direction",
            "fov",
            "range_m",
            "township_code",
            "village_code",
        )


class ServicePointItem(FeatureSerializer):
    fid = serializers.CharField(source="external_ref")
    township_code = serializers.CharField()
    village_code = serializers.CharField()

    class Meta(FeatureSerializer.Meta):
        model = ServicePoint
        fields = ("fid", "geojson", "name", "kind", "township_code", "village_code")
