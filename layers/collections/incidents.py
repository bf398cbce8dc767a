"""The incidents collection (群众点单) of the OGC API, the REST API and the exports: what
other departments' systems read. No contact name or phone, no reporter: an incident as a
case on the map, scoped like every other answer (``Incident.scope_paths``)."""

import re

from django.db.models import BooleanField, Case, F, Q, Value, When
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from households.serializers import FeatureSerializer
from layers.incidents import workflow as wf
from layers.models import Incident

from .base import Collection, located, register


class IncidentItem(FeatureSerializer):
    """A case: category, state, tier, dates, where it lies (township, village, the grid of
    the day it was reported) and what the resident asked, with the handler's reply."""

    fid = serializers.IntegerField(source="pk")  # not the tracking code: the resident's key
    category = serializers.CharField(source="category_code")
    category_name = serializers.CharField()
    township_code = serializers.CharField()
    village_code = serializers.CharField(allow_null=True)
    grid = serializers.CharField(source="grid_code")
    overdue = serializers.BooleanField()

    class Meta(FeatureSerializer.Meta):
        model = Incident
        fields = (
            "fid",
            "geojson",
            "category",
            "category_name",
            "description",
            "state",
            "tier",
            "channel",
            "reported_at",
            "dispatched_at",
            "deadline_at",
            "closed_at",
            "overdue",
            "closed_on_time",
            "escalations",
            "rating",
            "reply",
            "township_code",
            "village_code",
            "grid",
            "member_number",
        )


def _incidents(scope):
    overdue = Q(state__in=wf.OPEN, deadline_at__lt=Now())
    return Incident.objects.for_scope(scope).annotate(
        category_code=F("category__code"),
        category_name=F("category__name"),
        township_code=F("township__code"),
        village_code=F("village__code"),
        overdue=Case(When(overdue, then=Value(True)), default=False, output_field=BooleanField()),
    )


register(
    Collection(
        id="incidents",
        title=_("Incidents"),
        description=_(
            "Incidents reported by residents and cadres (群众点单) with their state, tier and "
            "dates; datetime selects by the time from report to closure. No contact details."
        ),
        model=Incident,
        rows=_incidents,
        serializer=IncidentItem,
        geometry="point",
        find=lambda fid: Q(pk=int(fid)) if re.fullmatch(r"\d{1,18}", fid) else None,
        bbox="point",
        extent="point",
        order=("-reported_at", "pk"),
        filters=located(township="township__code", village="village__code", grid="grid_code"),
        temporal=("reported_at", "closed_at"),
    )
)
