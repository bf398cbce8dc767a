"""Households join their village group: CRS conversion, boundaries, snapping, re-imports."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from django.core.management import call_command

from households import coords
from households.importing import import_households, import_village_groups
from households.importing.households import WARN_GROUP_CODE, WARN_SNAPPED, WARN_UNGROUPED
from households.models import Household, VillageGroup
from households.services import NOTE_SNAPPED, NOTE_UNGROUPED, households_reassign_groups
from tests.conftest import DEMO

from .conftest import demo_household_rows, unchanged_db, write_rows

pytestmark = pytest.mark.django_db
UTM_50N = 32650  # the demo county lies in 114-120 E


def _row(id_, lon, lat, **extra):
    return {"id": id_, "lon": repr(float(lon)), "lat": repr(float(lat)), "head": "测试", **extra}


def _group_of(external_id):
    return Household.objects.get(external_id=external_id).group


def _demo_points():
    rows = demo_household_rows()
    lon = np.array([float(r["lon"]) for r in rows])
    lat = np.array([float(r["lat"]) for r in rows])
    return rows, lon, lat


def _group_at(groups_gdf, lon, lat):
    inside = groups_gdf.geometry.contains(shapely.Point(lon, lat))
    return set(groups_gdf.loc[inside, "code"])


@pytest.mark.parametrize(
    "crs, forward", [("gcj02", coords.wgs84_to_gcj02), ("bd09", coords.wgs84_to_bd09)]
)
def test_gcj02_and_bd09_are_converted_into_the_right_group(
    demo_groups, groups_gdf, tmp_path, crs, forward
):
    """A household whose raw GCJ-02/BD-09 point (~600 m off) lies in another group lands in
    its own group once converted."""
    rows, lon, lat = _demo_points()
    shifted_lon, shifted_lat = forward(lon, lat)
    shifted = gpd.GeoSeries(gpd.points_from_xy(shifted_lon, shifted_lat), crs=4326)
    raw_group = (
        gpd.sjoin(
            gpd.GeoDataFrame(geometry=shifted), groups_gdf[["code", "geometry"]], predicate="within"
        )
        .groupby(level=0)["code"]
        .first()
    )
    wrong = [i for i, code in raw_group.items() if code != rows[i]["group_code"]]
    assert len(wrong) > 10  # the offset is large enough to move many households
    picked = wrong[:5]
    file_rows = [_row(rows[i]["id"], shifted_lon[i], shifted_lat[i]) for i in picked]
    path = write_rows(tmp_path / "shifted.csv", file_rows)
    report = import_households(path, crs=crs)
    assert report.created == 5 and not report.warnings
    for i in picked:
        household = Household.objects.get(external_id=rows[i]["id"])
        assert household.group.code == rows[i]["group_code"] != raw_group[i]
        assert (
            abs(household.location.x - lon[i]) < 1e-5 and abs(household.location.y - lat[i]) < 1e-5
        )
    # the command takes --crs the same way; without it the raw points land in the wrong group
    call_command("import_households", str(path), crs=crs)
    assert Household.objects.filter(group__isnull=False).count() == 5
    import_households(path)
    for i in picked:
        assert _group_of(rows[i]["id"]).code == raw_group[i]


def _shared_vertex(groups_gdf):
    """A vertex on the border of exactly two groups (not a corner where three meet)."""
    geoms = groups_gdf.geometry.values
    tree = shapely.STRtree(geoms)
    for a in range(len(geoms)):
        for b in tree.query(geoms[a], predicate="touches"):
            if b <= a:
                continue
            border = shapely.intersection(geoms[a].boundary, geoms[b].boundary)
            for x, y in shapely.get_coordinates(border)[1:-1]:
                point = shapely.Point(x, y)
                touching = shapely.intersects(geoms, point).sum()
                if touching == 2:
                    return (x, y), sorted([groups_gdf["code"][a], groups_gdf["code"][b]])
    raise AssertionError("no shared border")


def test_point_on_shared_boundary_goes_to_one_group_deterministically(
    demo_groups, groups_gdf, tmp_path
):
    """A point exactly on the border of two groups joins the group with the smaller code,
    whatever the row order."""
    (x, y), codes = _shared_vertex(groups_gdf)
    filler = [
        _row(f"F{i}", *groups_gdf.geometry[i].representative_point().coords[0]) for i in range(3)
    ]
    for order in (1, -1):
        rows = [*filler, _row("EDGE", x, y)][::order]
        report = import_households(write_rows(tmp_path / "edge.csv", rows))
        assert not report.warnings
        assert _group_of("EDGE").code == codes[0]
    assert households_reassign_groups() == 0


def _outside_point(groups_gdf, metres):
    """A point `metres` outside the county's groups (a vertex of the buffered outline)."""
    metric = groups_gdf.to_crs(UTM_50N)
    outline = shapely.union_all(metric.geometry.values)
    ring = shapely.get_exterior_ring(shapely.get_parts(outline.buffer(metres))[0])
    point = shapely.get_point(ring, 0)
    distances = shapely.distance(metric.geometry.values, point)
    nearest = groups_gdf["code"][int(np.argmin(distances))]
    lonlat = gpd.GeoSeries([point], crs=UTM_50N).to_crs(4326).iloc[0]
    return lonlat.x, lonlat.y, nearest, float(distances.min())


def test_point_3m_outside_is_snapped_and_reported(demo_groups, groups_gdf, tmp_path):
    x, y, nearest, dist = _outside_point(groups_gdf, 3.0)
    assert 2.9 < dist < 3.1
    report = import_households(write_rows(tmp_path / "near.csv", [_row("NEAR", x, y)]))
    (warning,) = report.warnings
    assert (warning.row, warning.field) == (2, "")
    assert warning.message == str(WARN_SNAPPED % {"dist": dist, "group": nearest})
    household = Household.objects.get(external_id="NEAR")
    assert household.group.code == nearest
    assert household.location_note == NOTE_SNAPPED.format(dist=dist)
    assert report.stats["snapped"] == 1


def test_point_50m_outside_is_kept_without_group_and_listed(demo_groups, groups_gdf, tmp_path):
    x, y, _nearest, dist = _outside_point(groups_gdf, 50.0)
    assert 49 < dist < 51
    rows = [_row("IN", *groups_gdf.geometry[0].representative_point().coords[0]), _row("FAR", x, y)]
    report = import_households(write_rows(tmp_path / "far.csv", rows))
    assert [(p.row, p.message) for p in report.warnings] == [(3, str(WARN_UNGROUPED))]
    household = Household.objects.get(external_id="FAR")
    assert household.group is None and household.location_note == NOTE_UNGROUPED
    assert report.stats["ungrouped"] == 1 and report.created == 2


def test_group_code_disagreeing_with_point_is_warned(demo_groups, tmp_path):
    rows = demo_household_rows(4)
    other = VillageGroup.objects.exclude(code=rows[1]["group_code"]).first().code
    given = rows[1]["group_code"]
    rows[1]["group_code"] = other
    report = import_households(write_rows(tmp_path / "h.csv", rows))
    (warning,) = report.warnings
    assert (warning.row, warning.field) == (3, "group_code")
    assert warning.message == str(WARN_GROUP_CODE % {"given": other, "found": given})
    assert _group_of(rows[1]["id"]).code == given  # the point decides


def test_reimport_changes_nothing(demo_county, tmp_path):
    before = dict(Household.objects.values_list("external_id", "updated_at"))
    with unchanged_db():
        report = import_households(DEMO / "households.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2203)
    assert dict(Household.objects.values_list("external_id", "updated_at")) == before
    # one changed phone updates one row and touches only its updated_at
    rows = demo_household_rows()
    rows[10]["phone"] = "13900000000"
    report = import_households(write_rows(tmp_path / "h.csv", rows))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2202)
    after = dict(Household.objects.values_list("external_id", "updated_at"))
    assert {k for k in after if after[k] != before[k]} == {rows[10]["id"]}
    assert Household.objects.get(external_id=rows[10]["id"]).phone == "13900000000"


def test_command_reimport_reports_unchanged(demo_county, capsys):
    call_command("import_households", str(DEMO / "households.csv"))
    out = capsys.readouterr().out
    assert "0 created, 0 updated, 2203 unchanged" in out or "2203" in out


def test_skip_rejected_loads_good_rows_and_reports_the_rest(demo_groups, tmp_path, capsys):
    rows = demo_household_rows(6)
    rows[1]["lon"] = "abc"
    rows[4]["members"] = "-2"
    path = write_rows(tmp_path / "h.csv", rows)
    report = import_households(path, skip_rejected=True)
    assert (report.created, report.rejected_rows) == (4, 2)
    assert [(p.row, p.field) for p in report.errors] == [(3, "lon"), (6, "members")]
    assert set(Household.objects.values_list("external_id", flat=True)) == {
        r["id"] for i, r in enumerate(rows) if i not in (1, 4)
    }
    Household.objects.all().delete()
    call_command("import_households", str(path), skip_rejected=True)
    captured = capsys.readouterr()
    assert "REJECTED" in captured.err and "2 rejected" in captured.out or "4" in captured.out
    assert Household.objects.count() == 4


def test_dry_run_writes_nothing(demo_groups, capsys):
    with unchanged_db():
        report = import_households(DEMO / "households.csv", dry_run=True)
        assert report.dry_run and not report.applied and not report.errors
        assert report.stats["in_group"] == 2203
        call_command("import_households", str(DEMO / "households.csv"), dry_run=True)
        call_command("import_village_groups", str(DEMO / "village_groups.geojson"), dry_run=True)
    assert "dry run, nothing written" in capsys.readouterr().out


def test_column_map(demo_groups, tmp_path):
    """--map head=户主姓名 (and a header nobody would guess) read as canonical columns."""
    rows = [
        {
            "户编号": r["id"],
            "经度": r["lon"],
            "纬度": r["lat"],
            "户主姓名": r["head"],
            "HH_SIZE": r["members"],
        }
        for r in demo_household_rows(5)
    ]
    path = write_rows(tmp_path / "mapped.csv", rows)
    call_command("import_households", str(path), map=["head=户主姓名", "members=HH_SIZE"])
    assert list(Household.objects.order_by("external_id").values_list("head", "members")) == [
        (r["户主姓名"], int(r["HH_SIZE"])) for r in rows
    ]


def test_group_reimport_reassigns_households(demo_county, groups_gdf, tmp_path):
    """Two groups swap their polygons: every household of each moves to the other."""
    a, b = groups_gdf["code"][0], groups_gdf["code"][1]
    in_a = set(Household.objects.filter(group__code=a).values_list("external_id", flat=True))
    in_b = set(Household.objects.filter(group__code=b).values_list("external_id", flat=True))
    swapped = groups_gdf.copy()
    swapped.loc[[0, 1], "geometry"] = groups_gdf.geometry[[1, 0]].values
    path = tmp_path / "swapped.geojson"
    swapped.to_file(path, driver="GeoJSON", engine="pyogrio")
    report = import_village_groups(path)
    assert (report.updated, report.unchanged) == (2, 46)
    assert report.stats["households_regrouped"] == len(in_a) + len(in_b)
    assert (
        set(Household.objects.filter(group__code=b).values_list("external_id", flat=True)) == in_a
    )
    assert (
        set(Household.objects.filter(group__code=a).values_list("external_id", flat=True)) == in_b
    )
    assert households_reassign_groups() == 0
    again = import_village_groups(path)
    assert (again.updated, again.unchanged) == (0, 48)
