"""The search box's input (one parameter, checked: a bad one is a 400 naming it) and its
results."""

from rest_framework import serializers

from . import selectors


class SearchInput(serializers.Serializer):
    q = serializers.CharField(
        trim_whitespace=True,
        allow_blank=False,
        max_length=selectors.MAX_QUERY,
        error_messages={
            "blank": selectors.ERR_EMPTY,
            "required": selectors.ERR_EMPTY,
            "max_length": selectors.ERR_TOO_LONG,
        },
    )


class ResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.KINDS)
    id = serializers.CharField()
    label = serializers.CharField()
    detail = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    bbox = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    url = serializers.CharField(allow_blank=True)
