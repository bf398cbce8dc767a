"""Incidents for other systems: the ``incidents`` collection of the OGC API and the REST API
(scoped, no contact details, dated) and reporting through the REST API (the same checks as
the report pages: a bad body is a 400 naming the field, and nothing is written)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from layers.api.tokens import token_issue
from layers.models import Incident
from tests.layers.incidents.conftest import member_point, report

pytestmark = pytest.mark.django_db
REPORT = "/api/v1/incidents/report/"


def auth(field, role) -> dict:
    _token, key = token_issue(user=field.users[role], name=f"test {role}", issued_by=None)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def items(client, headers, **params) -> list[dict]:
    response = client.get("/ogc/collections/incidents/items", params, **headers)
    assert response.status_code == 200, response.content
    return json.loads(response.content)["features"]


def test_the_collection_is_scoped_and_holds_no_contact(client, field, cats):
    mine = report(member_point(field), contact_phone="13912345678")
    other_point = field.other.geom.point_on_surface
    theirs = report(other_point, contact_phone="13987654321")
    assert theirs.township_id != mine.township_id
    township = {f["id"] for f in items(client, auth(field, "township"))}
    county = {f["id"] for f in items(client, auth(field, "county"))}
    member = {f["id"] for f in items(client, auth(field, "grid_member"))}
    assert township == {mine.pk} and member == {mine.pk}
    assert county == {mine.pk, theirs.pk}
    feature = client.get(f"/api/v1/incidents/{mine.pk}/", **auth(field, "township")).json()
    assert feature["properties"]["category"] == "sanitation"
    assert feature["properties"]["grid"] == field.grid.code
    text = json.dumps(feature, ensure_ascii=False)
    assert "13912345678" not in text and "contact" not in text
    assert mine.tracking_code not in text  # the resident's key to the status page
    # another township's incident is 404 to township staff
    response = client.get(f"/api/v1/incidents/{theirs.pk}/", **auth(field, "township"))
    assert response.status_code == 404


def test_datetime_selects_by_the_time_from_report_to_closure(client, field, cats):
    old = report(member_point(field), contact_phone="13900000001")
    Incident.objects.filter(pk=old.pk).update(
        reported_at=timezone.now() - dt.timedelta(days=40),
        closed_at=timezone.now() - dt.timedelta(days=30),
        state="closed",
    )
    new = report(member_point(field, own=False), contact_phone="13900000002")
    headers = auth(field, "county")
    day = (timezone.now() - dt.timedelta(days=35)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {f["id"] for f in items(client, headers, datetime=day)} == {old.pk}
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {f["id"] for f in items(client, headers, datetime=f"{since}/..")} == {new.pk}


def test_a_member_reports_through_the_api_and_it_is_routed(client, field, cats):
    point = member_point(field)
    body = {
        "category": "sanitation",
        "description": "路灯不亮",
        "lon": point.x,
        "lat": point.y,
        "contact_phone": "13912345678",
        "external_ref": "HOTLINE-1",
    }
    response = client.post(
        REPORT, body, content_type="application/json", **auth(field, "grid_member")
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert response.json()["id"] == incident.pk
    assert (
        incident.channel == Incident.Channel.GRID
        and incident.reporter == field.users["grid_member"]
    )
    assert incident.grid_code == field.grid.code and incident.external_ref == "HOTLINE-1"


@pytest.mark.parametrize(
    "change, name",
    [
        ({"category": "no-such-category"}, "category"),
        ({"category": None}, "category"),
        ({"description": ""}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"lon": "abc"}, "lon"),
        ({"lat": 1e9}, "lat"),
        ({"lon": 100.0, "lat": 10.0}, "location"),  # outside the county
        ({"crs": "EPSG:3857"}, "crs"),
        ({"contact_phone": "123"}, "contact_phone"),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else v,
)
def test_a_bad_report_is_400_naming_the_field_and_writes_nothing(client, field, cats, change, name):
    point = member_point(field)
    body = {"category": "sanitation", "description": "x", "lon": point.x, "lat": point.y}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(REPORT, body, content_type="application/json", **auth(field, "township"))
    assert response.status_code == 400, response.content
    assert name in response.json()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[]", '"x"'])
def test_a_malformed_body_is_400(client, field, cats, body):
    response = client.post(REPORT, body, content_type="application/json", **auth(field, "township"))
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_only_people_who_may_report_can(client, field, cats):
    point = member_point(field)
    body = {"category": "sanitation", "description": "x", "lon": point.x, "lat": point.y}
    assert client.post(REPORT, body, content_type="application/json").status_code in (401, 403)
    response = client.post(REPORT, body, content_type="application/json", **auth(field, "no_role"))
    assert response.status_code == 403
    assert not Incident.objects.exists()  # the body was good: only the caller was refused
