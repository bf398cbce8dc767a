"""What the OGC API answers in: GeoJSON, JSON and HTML, chosen by ``?f=`` or ``Accept``."""

from rest_framework.exceptions import APIException
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer

from households.serializers import GEOJSON

FORMATS = ("json", "html")
ERR_FORMAT = "f must be json or html: {value}"


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "json"


class HTMLRenderer(TemplateHTMLRenderer):
    """The view's template with the answer's data (``response.data``) as its context."""

    format = "html"


class FormatError(APIException):
    status_code = 400
    default_code = "InvalidParameterValue"


class _Settings:
    URL_FORMAT_OVERRIDE = "f"  # OGC API's name for DRF's ?format=


class FormatParameter(DefaultContentNegotiation):
    """DRF's negotiation with ``?f=json|html`` (the OGC API's parameter) instead of ?format=."""

    settings = _Settings()

    def select_renderer(self, request, renderers, format_suffix=None):
        value = request.query_params.get("f")
        if value is not None and value not in FORMATS:
            raise FormatError(
                {
                    "code": "InvalidParameterValue",
                    "parameter": "f",
                    "description": ERR_FORMAT.format(value=value),
                }
            )
        return super().select_renderer(request, renderers, format_suffix)
