"""The pages and APIs: the public report and status pages, an incident's page (escaped,
phone masked but for the handler), queues and counts, notifications, map features and heat,
the figures per unit, the QR poster."""

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from households.access import scope_for
from households.models import AccessLog
from layers.incidents import workflow as wf
from layers.incidents.stats import incident_stats
from layers.incidents.transitions import incident_act, incident_resident_act
from layers.models import Incident, IncidentNotification
from tests.layers.incidents.conftest import jpeg, member_point, report

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_report_then_follow_the_case_without_personal_data(client, field, cats):
    point = member_point(field)
    response = client.post(
        "/report/",
        {
            "category": "sanitation",
            "description": "路灯不亮 " + XSS,
            "lon": f"{point.x:.7f}",
            "lat": f"{point.y:.7f}",
            "crs": "EPSG:4326",
            "located_by": "gps",
            "contact_name": "王五",
            "contact_phone": "13912345678",
            "photos": [SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")],
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert response["Location"] == f"/report/{incident.tracking_code}/"
    page = client.get(response["Location"]).content.decode()
    assert incident.tracking_code in page and 'data-state="dispatched"' in page
    for private in ("13912345678", "王五", "路灯不亮", field.users["grid_member"].username):
        assert private not in page
    assert "<script>alert" not in page


def test_the_incident_page_escapes_and_masks(client, field, cats):
    incident = report(member_point(field), description=XSS, contact_phone="13912345678")
    client.force_login(field.users["grid_leader"])  # not the handler: masked, not logged
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "onerror=alert(1)>" not in page
    assert "139****5678" in page and "13912345678" not in page
    assert not AccessLog.objects.exists()
    client.force_login(field.users["grid_member"])  # the handler: in clear, and logged
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "13912345678" in page
    log = AccessLog.objects.get()
    assert log.user == field.users["grid_member"] and log.path == f"/incidents/{incident.pk}/"
    assert 'data-action="handle"' in page and 'data-action="close"' not in page
    queue = client.get("/incidents/?q=mine").content.decode()
    assert "<script>alert" not in queue and f'data-incident="{incident.pk}"' in queue


def test_queues_counts_and_notifications(client, field, cats):
    u = field.users
    incident = report(member_point(field))
    client.force_login(u["grid_member"])
    my = client.get("/my/").content.decode()
    assert re.search(r'id="landing-mine">1<', my) and re.search(r'id="nav-unread">1<', my)
    client.post("/incidents/notifications/")
    assert not IncidentNotification.objects.filter(user=u["grid_member"], read_at=None).exists()
    incident_act(u["grid_member"], incident, "handle", note="ok")
    client.force_login(u["village"])
    page = client.get(f"/townships/{field.township.code}/map/").content.decode()
    assert re.search(r'id="landing-tier">1<', page)
    assert 'id="incident-overlay-config"' in page
    incident_act(u["village"], incident, "send_back", note="再查")
    client.force_login(u["grid_member"])
    page = client.get("/incidents/notifications/").content.decode()
    assert 'data-kind="sent_back"' in page
    client.force_login(u["township"])
    assert client.get("/incidents/?q=nope").status_code == 400


def test_overdue_cases_come_first(field, cats):
    from layers.incidents.selectors import queue

    late = report(member_point(field), contact_phone="13900000001")
    fresh = report(member_point(field, own=False), contact_phone="13900000002")
    Incident.objects.filter(pk=late.pk).update(deadline_at=timezone.now() - dt.timedelta(hours=1))
    rows = list(queue(field.users["grid_leader"], "grid"))
    assert [r.pk for r in rows[:2]] == [late.pk, fresh.pk] and rows[0].overdue
    assert [r.pk for r in queue(field.users["grid_leader"], "overdue")] == [late.pk]


def test_features_and_heat(client, field, cats):
    point = member_point(field)
    for i in range(3):
        report(point, contact_phone=f"1390000000{i}", description=XSS)
    report(member_point(field, own=False), category="hazard", contact_phone="13900000009")
    client.force_login(field.users["township"])
    data = json.loads(client.get(f"/api/incidents.geojson?township={field.township.code}").content)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    props = data["features"][0]["properties"]
    assert {"category", "state", "tier", "reported", "overdue", "text"} <= set(props)
    assert "contact_phone" not in json.dumps(data) and "13900000001" not in json.dumps(data)
    heat = json.loads(client.get("/api/incidents/heat.geojson?days=30").content)
    assert sum(f["properties"]["weight"] for f in heat["features"]) == 4
    assert max(f["properties"]["weight"] for f in heat["features"]) >= 3
    none = json.loads(client.get(f"/api/incidents.geojson?grid={field.other.code}").content)
    assert none["features"] == []  # another township's grid: nothing of it comes back
    old = timezone.now() - dt.timedelta(days=40)
    Incident.objects.filter(category__code="hazard").update(reported_at=old)
    recent = json.loads(client.get("/api/incidents.geojson?days=30").content)
    assert len(recent["features"]) == 3


def test_figures_per_village_and_grid(field, cats):
    u = field.users
    done = report(member_point(field), contact_phone="13900000001")
    for action in ("handle", "verify", "close"):
        who = u["grid_member"] if action == "handle" else u["village"]
        incident_act(who, done, action, note="ok")
    incident_resident_act(done, "rate", rating=4)
    late = report(member_point(field, own=False), contact_phone="13900000002")
    Incident.objects.filter(pk=late.pk).update(deadline_at=timezone.now() - dt.timedelta(hours=1))
    report(member_point(field), category="assistance", contact_phone="13900000003")
    rows = list(incident_stats(scope_for(u["township"]), "village"))
    assert len(rows) == 1
    row = rows[0]
    assert (row["open"], row["overdue"], row["closed"], row["closed_on_time"]) == (2, 1, 1, 1)
    assert row["on_time_rate"] == 1.0 and row["mean_rating"] == 4.0
    assert row["mean_to_close"] >= dt.timedelta(0)
    grids = list(incident_stats(scope_for(u["grid_member"]), "grid"))
    assert [g["grid_code"] for g in grids] == [field.grid.code]
    assert list(incident_stats(scope_for(u["county"]), "township"))[0]["open"] == 2


def test_the_village_poster_is_a_qr_code_of_the_report_page(client, field, cats):
    client.force_login(field.users["village"])
    page = client.get(f"/villages/{field.village.code}/report-poster/").content.decode()
    assert "<svg" in page and f"/report/?v={field.village.code}" in page
    assert client.get(f"/villages/{field.far.village.code}/report-poster/").status_code == 404
    report_page = client.get(f"/report/?v={field.village.code}").content.decode()
    assert field.village.name in report_page


def test_a_grid_member_reports_from_their_page(client, field, cats):
    point = member_point(field)
    client.force_login(field.users["grid_member"])
    assert client.get("/incidents/new/").status_code == 200
    response = client.post(
        "/incidents/new/",
        {
            "category": "wish",
            "description": "独居老人希望有人帮忙修理水管",
            "lon": f"{point.x:.7f}",
            "lat": f"{point.y:.7f}",
            "located_by": "map",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.channel == "grid" and incident.reporter == field.users["grid_member"]
    assert incident.state == wf.DISPATCHED
