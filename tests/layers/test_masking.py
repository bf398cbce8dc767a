"""Personal data on the field pages: ID numbers unmasked for the grid's own leader only,
phones for the leader and, for their own member area and their leader, the grid's members
(each view logged); masked for everyone else; sensitive tags only for those who need them;
export and log."""

import csv
import io
import json
import re

import pytest

from grids.models import GridAssignment
from households.models import AccessLog, Household
from households.privacy import SENSITIVE_TAGS, mask_id_number, mask_phone

pytestmark = pytest.mark.django_db  # the module's world needs the test database
FULL_ID = re.compile(r"\b\d{17}[\dX]\b")
FULL_PHONE = re.compile(r"\b1\d{10}\b")


def grid_households(grid, number=None):
    qs = GridAssignment.objects.filter(grid=grid)
    if number is not None:
        qs = qs.filter(member_area__number=number)
    return Household.objects.filter(pk__in=qs.values("household_id"))


@pytest.fixture
def sensitive(field):
    """Mark one household of the member's area as 低保 and with left-behind children."""
    number = field.users["grid_member"].area.member_number
    household = grid_households(field.grid, number).order_by("external_id").first()
    household.dibao = household.left_behind_children = True
    household.save()
    return household


def test_leader_sees_own_grid_unmasked_and_is_logged(field, client, sensitive):
    leader = field.users["grid_leader"]
    client.force_login(leader)
    page = client.get("/my/").content.decode()
    own = list(grid_households(field.grid))
    assert all(h.id_number in page for h in own if h.id_number)
    assert all(h.phone in page for h in own if h.phone)
    assert "tag-dibao" in page and "tag-left_behind_children" in page
    log = AccessLog.objects.get()
    assert log.user == leader and log.action == "view" and log.path == "/my/"
    # the grid's households, and the households of its people, whose phones the page shows
    people = [field.grid.leader, *[a.member for a in field.grid.member_areas.all() if a.member]]
    assert set(log.household_ids) == {h.pk for h in own} | {p.household_id for p in people}
    assert log.ip == "127.0.0.1"
    # the GeoJSON the map draws is unmasked too, and logged as well
    data = json.loads(client.get(f"/api/grids/{field.grid.code}/households.geojson").content)
    by_id = {f["id"]: f["properties"] for f in data["features"]}
    assert by_id[sensitive.external_id]["id_number"] == sensitive.id_number
    assert AccessLog.objects.count() == 2


def test_member_calls_own_area_and_leader_but_sees_id_numbers_masked(field, client):
    member = field.users["grid_member"]
    number = member.area.member_number
    client.force_login(member)
    page = client.get("/my/").content.decode()
    own = list(grid_households(field.grid, number))
    assert own and any(h.phone for h in own)
    for h in own:
        assert not h.phone or f'href="tel:{h.phone}"' in page  # a link to call
        assert not h.id_number or h.id_number not in page
        assert not h.id_number or mask_id_number(h.id_number) in page
    leader = field.grid.leader
    assert f'href="tel:{leader.phone}"' in page
    # nobody else's number: not the grid's other households', nor the other members'
    allowed = {h.phone for h in own} | {leader.phone, member.area.person.phone}
    assert set(FULL_PHONE.findall(page)) <= allowed
    assert not FULL_ID.findall(page)
    log = AccessLog.objects.get()
    assert log.user == member and log.action == "view"
    assert {h.pk for h in own} | {leader.household_id} <= set(log.household_ids)
    geo = json.loads(client.get(f"/api/grids/{field.grid.code}/households.geojson").content)
    props = {f["id"]: f["properties"] for f in geo["features"]}
    for h in own:
        assert props[h.external_id]["phone"] == h.phone
        assert props[h.external_id]["id_number"] == mask_id_number(h.id_number)
    assert AccessLog.objects.count() == 2
    # a member searches their own area by phone, never by ID number
    with_phone = next(h for h in own if h.phone)
    rows = client.get("/my/", {"q": with_phone.phone[-4:]}).context["rows"]
    assert with_phone.external_id in [r.external_id for r, _tags in rows]


@pytest.mark.parametrize("role", ["village", "township", "county"])
def test_others_see_masked_numbers_and_nothing_is_logged(field, client, sensitive, role):
    client.force_login(field.users[role])
    page = client.get(f"/grids/{field.grid.code}/work/").content.decode()
    geo = client.get(f"/api/grids/{field.grid.code}/households.geojson").content.decode()
    assert sensitive.external_id in page
    for body in (page, geo):
        assert not FULL_ID.findall(body) and not FULL_PHONE.findall(body)
    assert mask_id_number(sensitive.id_number) in page and mask_phone(sensitive.phone) in page
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "role,shown",
    [
        ("grid_member", False),
        ("village", False),
        ("township", True),
        ("county", True),
    ],
)
def test_sensitive_tags_only_for_roles_that_need_them(field, client, sensitive, role, shown):
    client.force_login(field.users[role])
    page = client.get(f"/grids/{field.grid.code}/work/").content.decode()
    geo = json.loads(client.get(f"/api/grids/{field.grid.code}/households.geojson").content)
    tags = {t for f in geo["features"] for t in f["properties"]["tags"]}
    for tag in SENSITIVE_TAGS:
        label = str(Household._meta.get_field(tag).verbose_name)
        if shown:
            assert f"?tag={tag}" in page
            assert not getattr(sensitive, tag) or (f"tag-{tag}" in page and label in tags)
        else:  # not on any household, no filter chip either
            assert f"tag-{tag}" not in page and f"?tag={tag}" not in page and label not in tags
    # nor can the tag be probed through a filter
    response = client.get(f"/grids/{field.grid.code}/work/?tag=dibao")
    assert response.status_code == (200 if shown else 400)


def test_search_by_id_number_only_for_who_sees_it(field, client, sensitive):
    client.force_login(field.users["grid_leader"])
    found = client.get("/my/", {"q": sensitive.id_number[-8:]}).context["rows"]
    assert [r.external_id for r, _tags in found] == [sensitive.external_id]
    client.force_login(field.users["grid_member"])
    assert client.get("/my/", {"q": sensitive.id_number[-8:]}).context["rows"] == []
    rows = client.get("/my/", {"q": sensitive.head}).context["rows"]
    assert sensitive.external_id in [r.external_id for r, _tags in rows]


def test_member_sees_own_area_only(field, client):
    member = field.users["grid_member"]
    client.force_login(member)
    number = member.area.member_number
    page = client.get("/my/")
    assert {r.external_id for r, _tags in page.context["rows"]} == set(
        grid_households(field.grid, number).values_list("external_id", flat=True)
    )
    geo = json.loads(client.get(f"/api/grids/{field.grid.code}/households.geojson").content)
    assert {f["properties"]["member_area"] for f in geo["features"]} == {number}
    assert [c.number for c in page.context["contacts"]] == [None, number]


def test_export_is_masked_and_logged(field, client):
    county = field.users["county"]
    client.force_login(county)
    response = client.get("/export/households.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == Household.objects.count()
    assert not FULL_ID.findall(body) and not FULL_PHONE.findall(body)
    assert {"网格编码", "联户编号", "低保户"} <= set(rows[0])
    log = AccessLog.objects.get()
    assert log.action == "export" and log.user == county and log.count == len(rows)
    assert log.household_ids == [] and log.path == "/export/households.csv"
    one = client.get("/export/households.csv", {"township": field.other.village.township.code})
    assert (
        len(list(csv.DictReader(io.StringIO(b"".join(one.streaming_content).decode("utf-8-sig")))))
        == 4
    )
    assert client.get("/export/households.csv", {"township": "x"}).status_code == 400
    for role in ("township", "village", "grid_leader"):
        client.force_login(field.users[role])
        assert client.get("/export/households.csv").status_code == 403


def test_access_log_page_for_county_staff(field, client):
    client.force_login(field.users["grid_leader"])
    client.get("/my/")
    client.force_login(field.users["county"])
    page = client.get("/access-log/")
    assert page.status_code == 200
    assert "t-leader" in page.content.decode() and "/my/" in page.content.decode()
    for role in ("township", "village", "grid_leader", "grid_member", "no_role"):
        client.force_login(field.users[role])
        assert client.get("/access-log/").status_code == 403, role


@pytest.mark.parametrize(
    "query", ["bbox=1,2,3", "bbox=a,b,c,d", "member=x", "tag=nope", "q=" + "x" * 51]
)
def test_malformed_parameters_are_400(field, client, query):
    client.force_login(field.users["township"])
    response = client.get(f"/api/grids/{field.grid.code}/households.geojson?{query}")
    assert response.status_code == 400


def test_geojson_is_a_feature_collection_in_constant_queries(
    field, client, django_assert_max_num_queries
):
    client.force_login(field.users["township"])
    with django_assert_max_num_queries(12):
        data = json.loads(client.get(f"/api/grids/{field.grid.code}/households.geojson").content)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == field.grid.assignments.count()
    assert {"type", "id", "geometry", "properties"} <= set(data["features"][0])
    outline = json.loads(client.get(f"/api/grids/{field.grid.code}/outline.geojson").content)
    assert outline["features"][0]["geometry"]["type"] == "MultiPolygon"
    with django_assert_max_num_queries(25):
        assert client.get(f"/grids/{field.grid.code}/work/").status_code == 200
