"""GIS exports: every format opens in GDAL with its Chinese text, a township exported re-imports
into an empty database with the same groups, households, grids and assignments, and bad
requests are clear 4xx that leave nothing behind."""

import io
import zipfile

import pyogrio
import pytest
import shapely
from openpyxl import load_workbook

from grids.importing import import_grids
from grids.models import Grid, GridAssignment, GridDraft, GridEditEvent, GridVersion, PartitionRun
from households.importing import ImportRejected, import_households, import_village_groups
from households.models import (
    AccessLog,
    Household,
    Person,
    Township,
    UserArea,
    Village,
    VillageGroup,
)
from layers.models import Visit

pytestmark = pytest.mark.django_db
SUFFIX = {"gpkg": ".gpkg", "shp": ".zip", "geojson": ".geojson", "kml": ".kml", "xlsx": ".xlsx"}


def export(client, tmp_path, what, fmt, crs="EPSG:4490", **area):
    area = area or {"township": "360721100"}
    response = client.post("/exports/", {"what": what, "format": fmt, "crs": crs, **area})
    assert response.status_code == 200, response.content[:300]
    path = tmp_path / f"{what}{SUFFIX[fmt]}"
    path.write_bytes(response.content)
    return path


def snapshot() -> dict:
    township = Township.objects.get(code="360721100")
    groups = {
        g.code: (g.name, g.village.code, g.village.name, shapely.from_wkb(bytes(g.geom.wkb)))
        for g in VillageGroup.objects.filter(village__township=township).select_related("village")
    }
    households = {
        h.external_id: (
            h.head,
            h.members,
            h.address,
            h.group.code if h.group else None,
            h.civility_points,
            tuple(getattr(h, t) for t in Household.TAG_FIELDS),
            round(h.location.x, 8),
            round(h.location.y, 8),
        )
        for h in Household.objects.filter(group__village__township=township).select_related("group")
    }
    grids = {}
    for g in Grid.objects.current().filter(village__township=township):
        areas = {}
        for a in GridAssignment.objects.filter(grid=g).select_related("household", "member_area"):
            number = a.member_area.number if a.member_area else 0
            areas.setdefault(number, set()).add(a.household.external_id)
        grids[g.code] = (areas, shapely.from_wkb(bytes(g.geom.wkb)), g.locked)
    return {"groups": groups, "households": households, "grids": grids}


def empty_database() -> None:
    for model in (
        Visit,
        GridAssignment,
        GridEditEvent,
        GridDraft,
        PartitionRun,
        UserArea,
        Grid,
        GridVersion,
        Person,
        Household,
        VillageGroup,
        Village,
        Township,
        AccessLog,
    ):
        model.objects.all().delete()


def same_geometry(a, b) -> bool:
    return a.equals_exact(b, 1e-8) or shapely.area(shapely.symmetric_difference(a, b)) < 1e-14


def test_a_township_round_trips_through_its_exports(field, client, tmp_path):
    client.force_login(field.users["county"])
    groups = export(client, tmp_path, "village-groups", "gpkg")
    households = export(client, tmp_path, "households", "gpkg")
    grids = export(client, tmp_path, "grids", "shp")
    before = snapshot()
    assert before["grids"] and before["households"]
    empty_database()
    assert not Household.objects.exists()

    import_village_groups(groups)
    import_households(households)
    report = import_grids(grids, households)
    after = snapshot()

    assert report.created == len(before["grids"])
    assert after["households"] == before["households"]
    assert set(after["groups"]) == set(before["groups"])
    for code, (name, village, village_name, geom) in before["groups"].items():
        assert after["groups"][code][:3] == (name, village, village_name)
        assert same_geometry(after["groups"][code][3], geom), code
    assert set(after["grids"]) == set(before["grids"])
    for code, (areas, geom, locked) in before["grids"].items():
        assert after["grids"][code][0] == areas, code
        assert same_geometry(after["grids"][code][1], geom), code
        assert after["grids"][code][2] == locked
    # masked numbers are exported under other names and never imported over real ones
    assert not Household.objects.exclude(id_number="").exists()


def test_a_households_export_is_masked_and_logged_by_filter_and_count(field, client, tmp_path):
    client.force_login(field.users["county"])
    path = export(client, tmp_path, "households", "geojson", village=field.village.code)
    frame = pyogrio.read_dataframe(path)
    assert "id_number" not in frame and "phone" not in frame
    assert frame["id_number_masked"].str.contains(r"\*{8}").all()
    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (
        entry.count == len(frame) == Household.objects.filter(group__village=field.village).count()
    )
    assert entry.household_ids == [] and f"village={field.village.code}" in entry.path


def test_a_shapefile_carries_a_cpg_and_its_chinese_names_survive(field, client, tmp_path):
    client.force_login(field.users["county"])
    path = export(client, tmp_path, "village-groups", "shp")
    names = zipfile.ZipFile(path).namelist()
    assert any(n.endswith(".cpg") for n in names)
    assert (
        zipfile.ZipFile(path).read(next(n for n in names if n.endswith(".cpg"))).strip() == b"UTF-8"
    )
    frame = pyogrio.read_dataframe(f"/vsizip/{path}")
    expected = set(
        VillageGroup.objects.filter(village__township=field.township).values_list("name", flat=True)
    )
    assert set(frame["name"]) == expected and all(not n.isascii() for n in expected)


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "kml", "xlsx"])
def test_every_format_holds_every_grid(field, client, tmp_path, fmt):
    client.force_login(field.users["county"])
    crs = "EPSG:4326" if fmt == "kml" else "EPSG:4490"
    path = export(client, tmp_path, "grids", fmt, crs=crs)
    expected = set(
        Grid.objects.current()
        .filter(village__township=field.township)
        .values_list("code", flat=True)
    )
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(path.read_bytes())).active
        header = [c.value for c in sheet[1]]
        codes = {row[header.index("编码")] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert "经度" in header and "网格长" in header
    else:
        info = pyogrio.read_info(path)
        assert info["crs"].endswith("4490" if fmt != "kml" else "4326")
        codes = set(pyogrio.read_dataframe(path)["code"])
    assert codes == expected


@pytest.mark.parametrize(
    "form, status",
    [
        ({"what": "households", "format": "kml", "crs": "EPSG:4490"}, 400),
        ({"what": "everything", "format": "gpkg", "crs": "EPSG:4326"}, 400),
        ({"what": "grids", "format": "dwg", "crs": "EPSG:4326"}, 400),
        ({"what": "grids", "format": "gpkg", "crs": "EPSG:3857"}, 400),
        ({"what": "grids", "format": "gpkg", "crs": "EPSG:4326", "township": "36072"}, 400),
        ({"what": "grids", "format": "gpkg", "crs": "EPSG:4326", "township": "360721555"}, 404),
    ],
    ids=["kml-4490", "what", "format", "crs", "short-code", "no-such-township"],
)
def test_bad_export_requests_are_4xx_and_leave_nothing(field, client, form, status):
    client.force_login(field.users["county"])
    form = {"township": "360721100", **form}
    assert client.post("/exports/", form).status_code == status
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("role", ["township", "village", "grid_leader", "grid_member"])
def test_only_county_staff_export(field, client, role):
    client.force_login(field.users[role])
    form = {"what": "grids", "format": "gpkg", "crs": "EPSG:4326", "township": "360721100"}
    assert client.post("/exports/", form).status_code == 403


def test_a_bad_grid_file_imports_nothing(field, client, tmp_path):
    client.force_login(field.users["county"])
    households = export(client, tmp_path, "households", "gpkg")
    grids = export(client, tmp_path, "grids", "geojson")
    frame = pyogrio.read_dataframe(grids)
    frame.loc[1, "code"] = frame.loc[0, "code"]  # the same grid twice
    broken = tmp_path / "broken.geojson"
    pyogrio.write_dataframe(frame, broken)
    versions = GridVersion.objects.count()
    with pytest.raises(ImportRejected) as caught:
        import_grids(broken, households)
    assert any(p.row == 2 for p in caught.value.report.errors)
    assert GridVersion.objects.count() == versions
