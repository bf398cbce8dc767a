"""Imports scoped to the importer's township (township staff), in the importers and on the page.

The world: the demo township 坑口镇 (360721100) loaded by the importers, and 外镇 (360721199)
with one group and four households loaded from the command line (no township: everything),
plus one household outside every group. Township staff of 坑口镇 import only 坑口镇.
"""

import json

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from households.importing import (
    ImportRejected,
    Problem,
    import_households,
    import_persons,
    import_village_groups,
)
from households.importing.group_geometry import ERR_TAKES_IN
from households.importing.groups import ERR_OUTSIDE_TOWNSHIP as ERR_GROUP_OUTSIDE
from households.importing.households import ERR_ID_OUTSIDE_TOWNSHIP, WARN_MOVED
from households.importing.households import ERR_OUTSIDE_TOWNSHIP as ERR_POINT_OUTSIDE
from households.importing.persons import ERR_HOUSEHOLD_OUTSIDE
from households.importing.readers import GEOMETRY
from households.models import Household, Person, Township, Village, VillageGroup
from tests.conftest import DEMO, PASSWORD

from .conftest import demo_household_rows, unchanged_db, write_rows

pytestmark = pytest.mark.django_db

KENGKOU = "坑口镇 (360721100)"
OTHER_BOX = (115.90, 26.20, 115.91, 26.21)  # 外镇's only group, far from the demo villages
NOWHERE = ("116.2", "26.5")  # in the county, in no group


def _feature(geom, **props):
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def _write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def _other_group(**override):
    props = {
        "code": "36072119920001",
        "name": "外组",
        "village_code": "360721199200",
        "village_name": "外村",
        "township_code": "360721199",
        "township_name": "外镇",
    }
    return _feature(shapely.box(*OTHER_BOX), **{**props, **override})


def _household(external_id, lon, lat, head="户主"):
    row = dict(demo_household_rows(1)[0])
    row.update(id=external_id, lon=lon, lat=lat, head=head, group_code="", id_number="", phone="")
    return row


@pytest.fixture
def other_township(db, tmp_path):
    """外镇 and an ungrouped household, imported from the command line (no township)."""
    call_command(
        "import_village_groups", str(_write_geojson(tmp_path / "other.geojson", [_other_group()]))
    )
    rows = [_household(f"H900000{i + 1}", f"{115.901 + i * 0.002:.3f}", "26.205") for i in range(4)]
    rows.append(_household("H8000001", *NOWHERE))
    call_command("import_households", str(write_rows(tmp_path / "other.csv", rows)))
    call_command(
        "import_persons",
        str(
            write_rows(
                tmp_path / "other_persons.csv",
                [{"name": "外人", "household_id": "H9000001", "phone": "", "party_member": ""}],
            )
        ),
    )
    return Township.objects.get(code="360721199")


@pytest.fixture
def world(demo_county, other_township):
    return demo_county, other_township


def _rejected(func, path, township):
    with unchanged_db(), pytest.raises(ImportRejected) as exc:
        func(path, township=township)
    return exc.value.report.errors


def test_command_line_imports_every_township(world):
    """No township (county administrators, the command line): nothing is narrowed."""
    assert VillageGroup.objects.filter(village__township=world[1]).count() == 1
    assert Household.objects.filter(group__village__township=world[1]).count() == 4
    assert Household.objects.get(external_id="H8000001").group is None
    assert Person.objects.filter(household__external_id="H9000001").count() == 1


def test_township_staff_import_their_own_files(other_township):
    kengkou = Township.objects.create(code="360721100", name="坑口镇")
    groups = import_village_groups(DEMO / "village_groups.geojson", township=kengkou)
    households = import_households(DEMO / "households.csv", township=kengkou)
    persons = import_persons(DEMO / "persons.csv", township=kengkou)
    assert (groups.created, households.created, persons.created) == (48, 2203, 3788)
    assert not (groups.errors or households.errors or persons.errors)
    assert Household.objects.filter(group__village__township=kengkou).count() == 2203
    with unchanged_db():  # and again: nothing changes
        again = import_households(DEMO / "households.csv", township=kengkou)
    assert again.unchanged == 2203


def test_groups_of_another_township_rejected(world, tmp_path):
    kengkou, _other = world
    demo = json.loads((DEMO / "village_groups.geojson").read_text("utf-8"))["features"][0]
    features = [
        demo,
        _other_group(),  # says township 360721199
        # a new group of 外村, an existing village of 外镇, given by its village code only
        _other_group(
            code="36072119920002",
            name="外二组",
            township_code="",
            township_name="",
            village_name="",
        ),
    ]
    features[2]["geometry"] = shapely.geometry.mapping(shapely.box(115.92, 26.20, 115.93, 26.21))
    path = _write_geojson(tmp_path / "groups.geojson", features)
    errors = _rejected(import_village_groups, path, kengkou)
    assert {(p.where, p.row, p.field) for p in errors} == {
        ("feature", 2, "township_code"),
        ("feature", 3, "village_code"),
    }
    assert {p.message for p in errors} == {str(ERR_GROUP_OUTSIDE % {"township": KENGKOU})}
    assert str(errors[0]) == str(Problem(2, "township_code", errors[0].message, "feature"))
    assert import_village_groups(path, township=None, dry_run=True).ok  # the county may


def test_group_taking_in_an_ungrouped_household_rejected(world, tmp_path):
    """A new 坑口村 group drawn around the household of no group would re-group it."""
    kengkou, _other = world
    lon, lat = map(float, NOWHERE)
    path = _write_geojson(
        tmp_path / "groups.geojson",
        [
            _feature(
                shapely.box(lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005),
                code="36072110020099",
                name="新组",
                village_code="360721100200",
            )
        ],
    )
    (problem,) = _rejected(import_village_groups, path, kengkou)
    assert (problem.row, problem.field) == (1, str(GEOMETRY))
    assert problem.message == str(ERR_TAKES_IN % {"n": 1, "township": KENGKOU})


def test_household_point_in_another_township_rejected(world, tmp_path):
    kengkou, _other = world
    rows = demo_household_rows(5)
    rows.insert(2, _household("H7000001", "115.905", "26.205"))  # in 外镇's group: row 4
    rows.append(_household("H7000002", *NOWHERE))  # in no group: row 8
    path = write_rows(tmp_path / "h.csv", rows)
    errors = _rejected(import_households, path, kengkou)
    assert [(p.row, p.field) for p in errors] == [(4, ""), (8, "")]
    assert {p.message for p in errors} == {str(ERR_POINT_OUTSIDE % {"township": KENGKOU})}
    assert import_households(path, township=None, dry_run=True).ok  # the county may


def test_household_id_of_another_township_never_overwritten(world, tmp_path):
    kengkou, _other = world
    rows = demo_household_rows(3)
    inside_kengkou = (rows[0]["lon"], rows[0]["lat"])
    rows.append(_household("H9000001", *inside_kengkou, head="冒名"))  # 外镇's: row 5
    rows.append(_household("H8000001", *inside_kengkou, head="冒名"))  # of no group: row 6
    path = write_rows(tmp_path / "h.csv", rows)
    errors = _rejected(import_households, path, kengkou)
    assert [(p.row, p.field) for p in errors] == [(5, "id"), (6, "id")]
    assert errors[0].message == str(
        ERR_ID_OUTSIDE_TOWNSHIP % {"id": "H9000001", "township": KENGKOU}
    )
    before = {
        h.external_id: (h.head, h.location.coords, h.group_id, h.updated_at)
        for h in Household.objects.filter(external_id__in=["H9000001", "H8000001"])
    }
    report = import_households(path, township=kengkou, skip_rejected=True)
    assert (report.rejected_rows, report.unchanged) == (2, 3)
    after = {
        h.external_id: (h.head, h.location.coords, h.group_id, h.updated_at)
        for h in Household.objects.filter(external_id__in=["H9000001", "H8000001"])
    }
    assert after == before


def test_persons_of_another_townships_household_rejected(world, tmp_path):
    kengkou, _other = world
    rows = [
        {"name": "新人", "household_id": hid, "phone": "", "party_member": ""}
        for hid in ("H0000001", "H9000001", "H8000001")
    ]
    path = write_rows(tmp_path / "p.csv", rows)
    errors = _rejected(import_persons, path, kengkou)
    assert [(p.row, p.field) for p in errors] == [(3, "household_id"), (4, "household_id")]
    assert errors[0].message == str(ERR_HOUSEHOLD_OUTSIDE % {"id": "H9000001", "township": KENGKOU})
    assert import_persons(path, township=None, dry_run=True).ok  # the county may


# the page


@pytest.fixture
def uploads(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"


def _login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def _upload(client, path, kind="households"):
    response = client.post(
        "/imports/",
        {"kind": kind, "file": SimpleUploadedFile(path.name, path.read_bytes()), "crs": ""},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def test_page_township_staff_rejected_outside_their_township(
    world, uploads, township_user, client, tmp_path
):
    rows = demo_household_rows(2) + [_household("H7000001", "115.905", "26.205")]
    review = _upload(_login(client, township_user), write_rows(tmp_path / "h.csv", rows))
    with unchanged_db():
        page = client.get(review).content.decode()
        client.post(review, {"confirm": "1"})  # a forged confirm writes nothing either
    assert 'name="confirm"' not in page
    assert str(Problem(4, "", str(ERR_POINT_OUTSIDE % {"township": KENGKOU}))) in page


def test_page_township_staff_confirm(world, uploads, township_user, client, tmp_path):
    rows = demo_household_rows(2)
    rows.append(_household("H7000001", rows[0]["lon"], rows[0]["lat"]))  # in 坑口镇: accepted
    review = _upload(_login(client, township_user), write_rows(tmp_path / "h.csv", rows))
    assert 'name="confirm"' in client.get(review).content.decode()
    assert client.post(review, {"confirm": "1"}).status_code == 200
    assert Household.objects.get(external_id="H7000001").group.village.township == world[0]


def test_page_admin_imports_for_the_county(world, uploads, make_user, client, tmp_path):
    rows = [_household("H7000001", "115.905", "26.205")]
    review = _upload(_login(client, make_user("admin")), write_rows(tmp_path / "h.csv", rows))
    client.post(review, {"confirm": "1"})
    assert Household.objects.get(external_id="H7000001").group.village.township == world[1]


def test_page_upload_private_to_its_uploader(
    world, uploads, township_user, make_user, client, tmp_path
):
    review = _upload(_login(client, township_user), DEMO / "households.csv")
    client.logout()
    _login(client, make_user("township", township=world[0]))  # same township, other user
    assert client.get(review).status_code == 404
    assert client.post(review, {"confirm": "1"}).status_code == 404


@pytest.mark.parametrize("role", ["county", "village", "grid_leader", "grid_member"])
def test_page_roles_without_import_get_403(uploads, make_user, client, role):
    township = Township.objects.create(code="360721100", name="坑口镇")
    village = Village.objects.create(code="360721100200", name="坑口村", township=township)
    user = make_user(
        role,
        township=None if role == "county" else township,
        village=None if role == "county" else village,
        grid_code="360721100200001" if role.startswith("grid") else "",
        member_number=1 if role == "grid_member" else None,
    )
    _login(client, user)
    assert client.get("/imports/").status_code == 403
    assert client.post("/imports/", {"kind": "households"}).status_code == 403
    assert client.get("/imports/template/households.xlsx").status_code == 403


def test_page_anonymous_redirected_to_login(client, db):
    response = client.get("/imports/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_command_line_warns_of_a_household_moved_to_another_township(world, tmp_path, capsys):
    """Without a township nothing is refused, but a household id of 外镇 given a point in
    坑口镇 is named, with both townships, before and after it moves."""
    demo = demo_household_rows(1)[0]
    path = write_rows(tmp_path / "h.csv", [_household("H9000002", demo["lon"], demo["lat"])])
    expected = WARN_MOVED % {"id": "H9000002", "old": "外镇 (360721199)", "new": KENGKOU}
    with unchanged_db():
        report = import_households(path, dry_run=True)
    assert [(p.row, p.field, p.message) for p in report.warnings] == [(2, "id", str(expected))]
    call_command("import_households", str(path))
    assert f"WARNING: {report.warnings[0]}" in capsys.readouterr().out
    moved = Household.objects.get(external_id="H9000002")
    assert moved.group.village.township.code == "360721100"
