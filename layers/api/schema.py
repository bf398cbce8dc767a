"""How the OpenAPI schema (drf-spectacular) describes the personal API token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "layers.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Authorization: Token <key> (a personal API token issued by county staff)",
        }


class FeatureScheme(OpenApiSerializerExtension):
    """A GeoJSON Feature of one of the project's feature serializers (``FeatureSerializer``):
    id, geometry (written by PostGIS) and the other fields as properties."""

    target_class = "households.serializers.FeatureSerializer"
    match_subclasses = True
    priority = 1  # before drf-spectacular's rest_framework_gis contrib (model geometry fields)

    def map_serializer(self, auto_schema, direction):
        serializer = self.target
        meta = serializer.Meta
        properties = {
            name: auto_schema._map_serializer_field(field, direction)
            for name, field in serializer.fields.items()
            if name not in (meta.id_field, meta.geo_field)
        }
        return {
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": auto_schema._map_serializer_field(
                    serializer.fields[meta.id_field], direction
                ),
                "geometry": {"type": "object", "nullable": True, "description": "GeoJSON geometry"},
                "properties": {"type": "object", "properties": properties},
            },
        }


def feature_collection(feature_serializer, name: str, *, paged: bool = False):
    """The schema of a FeatureCollection of ``feature_serializer`` (with the REST API's
    count/next/previous when ``paged``)."""
    fields = {
        "type": serializers.CharField(help_text="FeatureCollection"),
        "features": feature_serializer(many=True),
    }
    if paged:
        fields |= {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
        }
    return inline_serializer(name=name, fields=fields)
