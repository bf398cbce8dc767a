"""Features are serialised in one place: each feature serializer gives exactly the feature
drf-gis's own GeoFeatureModelSerializer gives, from a values() row, a model instance or a
field page's row, and every GeoJSON answer is a FeatureCollection of them."""

import pytest
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from grids.selectors import grids_layer
from grids.serializers import GridFeature
from households import selectors
from households.access import scope_for
from households.serializers import GroupFeature, HouseholdFeature, VillageFeature
from layers.selectors import grid_assignments, household_rows
from layers.serializers import FieldHouseholdFeature

pytestmark = pytest.mark.django_db


def drf_gis(serializer, instance) -> dict:
    """The feature as drf-gis's generic serializer writes it."""
    return GeoFeatureModelSerializer.to_representation(serializer, instance)


@pytest.mark.parametrize(
    "serializer,layer",
    [
        (VillageFeature, selectors.villages_layer),
        (GroupFeature, selectors.groups_layer),
        (HouseholdFeature, selectors.households_layer),
        (GridFeature, grids_layer),
    ],
    ids=["villages", "groups", "households", "grids"],
)
def test_layer_features_are_drf_gis_features(field, serializer, layer):
    scope = scope_for(field.users["county"])
    qs = layer(scope, field.township)
    ser = serializer()
    rows = list(qs.values(*serializer.sources())[:60])
    instances = list(qs[:60])
    assert rows and len(rows) == len(instances)
    for row, instance in zip(rows, instances):
        feature = ser.to_representation(row)
        assert feature == drf_gis(ser, row) == ser.to_representation(instance)
        assert set(feature) == {"id", "type", "geometry", "properties"}
        assert feature["geometry"]["type"] in ("Point", "MultiPolygon")


@pytest.mark.parametrize("role", ["grid_leader", "grid_member", "township"])
def test_field_page_households_are_drf_gis_features(field, role):
    user = field.users[role]
    rows, _unmasked = household_rows(user, field.grid, grid_assignments(user, field.grid))
    ser = FieldHouseholdFeature()
    assert rows
    for row in rows:
        feature = ser.to_representation(row)
        assert feature == drf_gis(ser, row)
        assert feature["id"] == row.external_id
        plain = GeometryField(precision=6).to_representation(row.location)  # through GDAL
        assert feature["geometry"]["type"] == plain["type"] == "Point"
        assert feature["geometry"]["coordinates"] == list(plain["coordinates"])
        assert feature["geometry"]["coordinates"] == [round(row.lon, 6), round(row.lat, 6)]
