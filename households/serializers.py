"""GeoJSON features, serialised in one place: djangorestframework-gis serializers.

The map layers and the grid pages (and the APIs, tiles and reports to come) answer a
FeatureCollection from a :class:`FeatureSerializer` subclass over a selector's scoped
queryset. Selectors annotate flat values (``village_name``, ``household_count``) and the
geometry, already GeoJSON text written by PostGIS (``households.functions.api_geojson``),
so a serializer reads the same names from a model instance or a ``values()`` row;
:func:`feature_response` asks the queryset for exactly those values (no model instances,
one query). The feature ``id`` is the serializer's ``fid`` field.
"""

import json
from collections.abc import Mapping
from functools import cache, cached_property

from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.fields import get_attribute
from rest_framework.renderers import JSONRenderer
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from households.functions import COORD_DIGITS
from households.models import Household, Village, VillageGroup

GEOJSON = "application/geo+json"


class GeoJSONField(GeometryField):
    """A geometry written as GeoJSON by PostGIS (text), or a GEOS geometry."""

    def __init__(self, **kwargs):
        kwargs.setdefault("precision", COORD_DIGITS)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if isinstance(value, str):
            return json.loads(value)
        if isinstance(value, Point):  # as drf-gis writes it, without a trip through GDAL
            return {"type": "Point", "coordinates": [round(c, self.precision) for c in value]}
        return super().to_representation(value)


class FeatureSerializer(GeoFeatureModelSerializer):
    """A feature: ``id`` from ``fid``, geometry from the ``geojson`` annotation.

    ``to_representation`` gives drf-gis's feature (``id``, ``type``, ``geometry``,
    ``properties``: every other readable field, ``None`` as is) from a plan of the fields
    made once per serializer, and reads a ``values()`` row by key: a township's thousands
    of households serialise in about half the time of drf-gis's generic per-field loop.
    """

    geojson = GeoJSONField()

    class Meta:
        id_field = "fid"
        geo_field = "geojson"

    @classmethod
    def sources(cls) -> list[str]:
        """The values a row must carry (what ``feature_response`` selects)."""
        return _sources(cls)

    @cached_property
    def _plan(self):
        def step(field):
            return field.field_name, field.source, field.source_attrs, field.to_representation

        fields, meta = self.fields, self.Meta
        properties = [
            step(f)
            for name, f in fields.items()
            if name not in (meta.id_field, meta.geo_field) and not f.write_only
        ]
        return step(fields[meta.id_field]), step(fields[meta.geo_field]), properties

    def to_representation(self, instance):
        row = isinstance(instance, Mapping)

        def value(source, attrs):
            if source == "*":
                return instance
            return instance[source] if row else get_attribute(instance, attrs)

        (_n, id_source, id_attrs, id_repr), (_g, source, attrs, geometry), properties = self._plan
        shape = value(source, attrs)
        return {
            "id": id_repr(value(id_source, id_attrs)),
            "type": "Feature",
            "geometry": None if shape is None else geometry(shape),
            "properties": {
                name: None if (v := value(source, attrs)) is None else represent(v)
                for name, source, attrs, represent in properties
            },
        }


@cache
def _sources(serializer_class) -> list[str]:
    fields = serializer_class().fields.values()
    return sorted({f.source for f in fields if f.source != "*"})


def feature_collection(serializer_class, rows) -> dict:
    if isinstance(rows, QuerySet):
        rows = rows.values(*serializer_class.sources())
    return serializer_class(rows, many=True).data


def feature_response(serializer_class, rows) -> HttpResponse:
    """A GeoJSON FeatureCollection answer (compact, UTF-8)."""
    body = JSONRenderer().render(feature_collection(serializer_class, rows))
    return HttpResponse(body, content_type=GEOJSON)


class VillageFeature(FeatureSerializer):
    fid = serializers.CharField(source="code")

    class Meta(FeatureSerializer.Meta):
        model = Village
        fields = ("fid", "geojson", "code", "name")


class GroupFeature(FeatureSerializer):
    fid = serializers.IntegerField(source="pk")
    village = serializers.CharField(source="village_name")
    households = serializers.IntegerField(source="household_count")

    class Meta(FeatureSerializer.Meta):
        model = VillageGroup
        fields = ("fid", "geojson", "code", "name", "village", "households")


class HouseholdFeature(FeatureSerializer):
    """A household on the township map: no personal data beyond the head's name (ID
    numbers, phones and tags stay on the grid pages, which mask them and log access)."""

    fid = serializers.CharField(source="external_id")
    group = serializers.CharField(source="group_name")
    village = serializers.CharField(source="village_name")
    note = serializers.CharField(source="location_note")

    class Meta(FeatureSerializer.Meta):
        model = Household
        fields = ("fid", "geojson", "head", "members", "group", "village", "note")
