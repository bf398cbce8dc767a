"""A visit note becomes an incident: the visit's "report as an incident" link opens the
report form filled from it (note, place, household, date), and the report goes through
the incidents service; a visit outside the user's area is a 404, a malformed one a 400."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from grids.models import GridAssignment
from layers.incidents.selectors import ERR_VISIT
from layers.incidents.services import categories_ensure
from layers.models import Incident, IncidentCategory, Visit


def _visit(grid, note="屋后山体有裂缝，雨后可能滑坡", point=True):
    a = GridAssignment.objects.filter(grid=grid).select_related("household", "member_area").first()
    h = a.household
    return Visit.objects.create(
        household=h,
        grid_code=grid.code,
        member_number=a.member_area.number if a.member_area else None,
        visited_on=dt.date(2026, 11, 20),
        note=note,
        point=Point(h.location.x + 1e-4, h.location.y, srid=4326) if point else None,
    )


def test_a_leader_turns_a_visit_note_into_an_incident(field, client):
    categories_ensure()
    visit = _visit(field.grid)
    leader = field.users["grid_leader"]
    client.force_login(leader)
    assert f"/incidents/new/?visit={visit.pk}" in client.get("/my/").content.decode()
    page = client.get("/incidents/new/", {"visit": visit.pk})
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert visit.note in initial["description"]
    assert visit.household.external_id in initial["description"]
    assert "2026-11-20" in initial["description"]
    assert (initial["lon"], initial["lat"]) == pytest.approx((visit.point.x, visit.point.y))
    category = IncidentCategory.objects.filter(active=True).first()
    before = Incident.objects.count()
    response = client.post(
        "/incidents/new/",
        {**initial, "category": category.code},
    )
    assert response.status_code == 302
    assert Incident.objects.count() == before + 1
    incident = Incident.objects.latest("pk")
    assert incident.description == initial["description"]
    assert incident.reporter == leader and incident.grid_code == field.grid.code
    assert incident.point.distance(visit.point) < 1e-6


def test_without_a_point_the_households_location_is_used(field, client):
    visit = _visit(field.grid, point=False)
    client.force_login(field.users["grid_leader"])
    initial = client.get("/incidents/new/", {"visit": visit.pk}).context["form"].initial
    loc = visit.household.location
    assert (initial["lon"], initial["lat"]) == pytest.approx((loc.x, loc.y), abs=1e-7)


def test_another_grids_visit_is_a_404_and_a_bad_number_a_400(field, client):
    other = _visit(field.other)
    client.force_login(field.users["grid_leader"])
    assert client.get("/incidents/new/", {"visit": other.pk}).status_code == 404
    for bad in ("abc", "-1", "1.5", "9" * 20, ""):
        response = client.get("/incidents/new/", {"visit": bad})
        assert response.status_code == 400
        assert response.content.decode() == ERR_VISIT.format(value=bad[:20])
    assert not Incident.objects.filter(description__contains=other.note).exists()
