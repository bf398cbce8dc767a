"""Reporting: routing to the grid of the moment and its member, the township queue outside
every grid, borders, redraws, duplicates, throttling, photos."""

import datetime as dt

import pytest
import time_machine
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from grids.models import Grid, GridVersion
from households.access import scope_for
from layers.incidents import workflow as wf
from layers.incidents.services import ADDRESS_PER_HOUR, PHONE_PER_HOUR
from layers.models import Incident, IncidentEvent, IncidentNotification
from tests.layers.incidents.conftest import member_point, photo, report

pytestmark = pytest.mark.django_db


def test_a_report_reaches_the_member_of_its_area_at_once(field, cats):
    incident = report(member_point(field), photos=[photo()])
    member, leader = field.users["grid_member"], field.users["grid_leader"]
    assert (incident.grid_id, incident.grid_code) == (field.grid.pk, field.grid.code)
    assert incident.member_number == member.area.member_number
    assert (incident.state, incident.tier, incident.assignee) == (wf.DISPATCHED, wf.VILLAGE, member)
    assert incident.deadline_at == incident.dispatched_at + dt.timedelta(days=3)  # sanitation
    steps = list(incident.events.values_list("action", "actor_role"))
    assert steps == [("report", wf.RESIDENT), ("accept", wf.SYSTEM), ("dispatch", wf.SYSTEM)]
    notified = set(
        IncidentNotification.objects.filter(incident=incident).values_list("user", "kind")
    )
    assert notified == {(member.pk, "new"), (leader.pk, "new")}
    assert incident.photos.count() == 1 and len(incident.tracking_code) == 12


def test_another_member_area_goes_to_the_leader_when_its_member_has_no_account(field, cats):
    incident = report(member_point(field, own=False))
    assert incident.member_number != field.users["grid_member"].area.member_number
    assert incident.assignee == field.users["grid_leader"]


def test_outside_every_grid_goes_to_the_township_queue(field, cats):
    village = field.village.boundary
    x0, y0, x1, y1 = village.extent
    outside = Point(x1 + 0.01, (y0 + y1) / 2, srid=4326)  # east of the village, in no grid
    assert not Grid.objects.filter(geom__intersects=outside).exists()
    incident = report(outside)
    assert (incident.tier, incident.state, incident.grid_code) == (wf.TOWNSHIP, wf.REPORTED, "")
    assert incident.township_id in (field.township.pk, field.other.village.township_id)
    staff = field.users["township"]
    if incident.township_id == field.township.pk:
        assert IncidentNotification.objects.filter(incident=incident, user=staff).exists()


def test_a_category_starting_at_the_township_waits_there(field, cats):
    incident = report(member_point(field), category="assistance")
    assert (incident.tier, incident.state, incident.assignee) == (wf.TOWNSHIP, wf.REPORTED, None)
    assert incident.grid_code == field.grid.code  # still the grid's, for the grid's people


def test_a_point_on_the_border_of_two_grids_goes_to_the_lowest_code(field, cats):
    a = field.grid
    neighbours = Grid.objects.filter(version=a.version, geom__touches=a.geom).exclude(pk=a.pk)
    b = neighbours.order_by("code").first()
    border = a.geom.intersection(b.geom)
    point = border.point_on_surface if border.dims else border
    point = Point(point.x, point.y, srid=4326)
    assert a.geom.intersects(point) and b.geom.intersects(point)
    assert report(point).grid_code == min(a.code, b.code)


def test_incidents_keep_their_grid_after_a_redraw(field, cats):
    """Reported in version 1; the village is redrawn as one grid; the incident keeps its
    grid, a new report at the same point goes to the new grid, and the grid's leader still
    sees the first one (grid codes persist)."""
    point = member_point(field)
    before = report(point)
    old = field.grid.version
    now = timezone.now()
    old.valid_to = now
    old.save()
    new = GridVersion.objects.create(
        village=field.village, number=old.number + 1, valid_from=now, source="edit"
    )
    Grid.objects.create(
        version=new,
        village=field.village,
        code=field.village.code + "999",
        geom=MultiPolygon(Polygon.from_bbox(field.village.boundary.extent)),
    )
    after = report(point, contact_phone="13900000001")
    before.refresh_from_db()
    assert (before.grid_id, before.grid_code) == (field.grid.pk, field.grid.code)
    assert after.grid_code == field.village.code + "999" and after.assignee is None
    assert after.state == wf.REPORTED  # nobody in post in the new grid: the village's queue
    seen = Incident.objects.for_scope(scope_for(field.users["grid_leader"]))
    assert before in seen and after not in seen


def test_near_reports_of_the_same_category_are_flagged_as_duplicates(field, cats):
    point = member_point(field)
    first = report(point)
    near = Point(point.x + 0.0002, point.y, srid=4326)  # about 20 m east
    assert report(near, contact_phone="13900000002").duplicate_of == first
    assert report(near, category="hazard", contact_phone="13900000003").duplicate_of is None
    far = Point(point.x + 0.001, point.y, srid=4326)  # about 100 m
    assert report(far, contact_phone="13900000004").duplicate_of is None
    with time_machine.travel(timezone.now() + dt.timedelta(days=8), tick=False):
        assert report(near, contact_phone="13900000005").duplicate_of is None


def test_a_flood_from_one_phone_or_one_address_is_refused(field, cats):
    point = member_point(field)
    for i in range(PHONE_PER_HOUR):
        report(point, address=f"10.0.1.{i}")
    count = Incident.objects.count()
    with pytest.raises(ValidationError) as exc:
        report(point, address="10.0.1.99")
    assert "contact_phone" in exc.value.message_dict
    assert Incident.objects.count() == count
    for i in range(ADDRESS_PER_HOUR):  # one report per phone, all from one address
        report(point, contact_phone=f"1370000{i:04d}", address="10.0.2.1")
    count = Incident.objects.count()
    with pytest.raises(ValidationError) as exc:
        report(point, contact_phone="13500000000", address="10.0.2.1")
    assert "__all__" in exc.value.message_dict and Incident.objects.count() == count
    report(point, contact_phone="13500000000", address="10.0.2.2")  # another address
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61), tick=False):
        assert report(point, address="10.0.1.99").pk  # an hour later


def test_photos_are_re_encoded_without_metadata_and_resized(field, cats):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0132] = "2026:01:01 10:00:00"
    big = Image.new("RGB", (3000, 2000), "green")
    import io

    buf = io.BytesIO()
    big.save(buf, "JPEG", exif=exif)
    incident = report(member_point(field), photos=[photo("IMG_张三.jpg", buf.getvalue())])
    stored = incident.photos.get()
    assert "张三" not in stored.image.name
    with Image.open(stored.image.path) as image:
        assert max(image.size) == 1600 and image.format == "JPEG"
        assert not image.getexif() and b"SecretCam" not in stored.image.open("rb").read()


def test_reports_from_staff_need_no_phone_and_are_not_throttled(field, cats):
    leader = field.users["grid_leader"]
    for _i in range(PHONE_PER_HOUR + 1):
        incident = report(
            member_point(field), channel=Incident.Channel.GRID, reporter=leader, contact_phone=""
        )
    assert incident.reporter == leader
    assert IncidentEvent.objects.filter(incident=incident, action="report").get().actor == leader
