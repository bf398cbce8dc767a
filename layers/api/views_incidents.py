"""Reporting an incident through the REST API (POST /api/v1/incidents/report/): what a county
hotline or another department's system sends. The same checks, routing and throttles as the
report pages (``layers.incidents.services.incident_report``); the answer is the new case as
the incidents collection serves it."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from households.access import require
from layers.collections import COLLECTIONS, Output
from layers.collections import feature as collection_feature
from layers.incidents.services import CRS_CHOICES, DESCRIPTION_MAX, NewIncident, incident_report
from layers.models import Incident
from layers.ogc.renderers import GeoJSONRenderer

from .views import ApiView


class IncidentReportInput(serializers.Serializer):
    """A report: where (lon/lat in ``crs``: GCJ-02 and BD-09 from phone map apps are
    converted), what, and optionally who to call back and the sender's own reference."""

    category = serializers.SlugField(max_length=32)
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=list(CRS_CHOICES), default="EPSG:4326")
    contact_name = serializers.CharField(max_length=50, required=False, default="")
    contact_phone = serializers.CharField(max_length=20, required=False, default="")
    external_ref = serializers.CharField(max_length=64, required=False, default="")


class IncidentReport(ApiView):
    """Report an incident on behalf of a resident: the caller must be allowed to report
    (grid leaders and members, village cadres, township and county staff)."""

    renderer_classes = [GeoJSONRenderer]
    serializer_class = IncidentReportInput

    @extend_schema(
        operation_id="incident_report",
        tags=["incidents"],
        request=IncidentReportInput,
        responses={201: COLLECTIONS["incidents"].serializer},
    )
    def post(self, request):
        scope = require(request.user, "report_incidents")
        body = IncidentReportInput(data=request.data)
        body.is_valid(raise_exception=True)
        channel = Incident.Channel.GRID if scope.grid_bound else Incident.Channel.STAFF
        try:
            incident = incident_report(
                NewIncident(located_by=Incident.Located.MAP, **body.validated_data),
                channel=channel,
                reporter=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        # as the collection serves it to this caller (a point outside the caller's own area
        # lands in another queue: then only its number and tracking state are answered)
        found = collection_feature(COLLECTIONS["incidents"], scope, str(incident.pk), Output())
        if found is None:
            return Response(
                {"id": incident.pk, "state": incident.state, "tier": incident.tier},
                status=status.HTTP_201_CREATED,
            )
        data = COLLECTIONS["incidents"].serializer_for(scope)(found.rows[0]).data
        return Response(data, status=status.HTTP_201_CREATED)
