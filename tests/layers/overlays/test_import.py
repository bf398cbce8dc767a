"""Importing cameras and service points: good rows load (and load again unchanged), any bad
row rejects the file with messages naming the row and the field, and nothing is written."""

import json

import numpy as np
import pytest
from openpyxl import Workbook

from households.access import Scope
from households.coords import to_wgs84
from households.importing import ImportRejected
from households.models import Role
from households.scoping import COUNTY
from layers.overlays.importing import CAMERAS, SERVICE_POINTS, import_overlay
from layers.overlays.models import Camera, ServicePoint

GOOD = (
    "编号,名称,经度,纬度,方向,视场角,距离\n"
    "C1,村口,115.902,26.205,90,90,150\n"
    "C2,桥头,115.906,26.205,270,60,120\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_cameras_load_with_their_sectors_then_reload_unchanged(small, tmp_path):
    path = write(tmp_path, "cams.csv", GOOD)
    report = import_overlay(path, CAMERAS)
    assert (report.created, report.updated) == (2, 0)
    c1 = Camera.objects.get(external_ref="C1")
    assert (c1.village, c1.township) == (small["village"], small["township"])
    assert c1.sector.contains(c1.location) is False  # the apex lies on the boundary
    assert c1.sector.intersects(c1.location)
    again = import_overlay(path, CAMERAS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        pytest.param("C3,x,115.903,26.205,400,90,50", "方向", "360", id="direction"),
        pytest.param("C3,x,115.903,26.205,90,0,50", "视场角", "field of view", id="fov-zero"),
        pytest.param("C3,x,115.903,26.205,90,361,50", "视场角", "field of view", id="fov-big"),
        pytest.param("C3,x,115.903,26.205,90,90,0", "距离", "range", id="range-zero"),
        pytest.param("C3,x,115.903,26.205,90,90,9000", "距离", "500", id="range-max"),
        pytest.param("C3,x,115.903,26.205,东,90,50", "方向", "not a number", id="direction-text"),
        pytest.param("C3,x,abc,26.205,90,90,50", "经度", "not a number", id="lon-text"),
        pytest.param("C3,x,115.95,26.25,90,90,50", "经度", "no village", id="no-village"),
        pytest.param("C3,x,26.205,115.903,90,90,50", "经度", "swapped", id="swapped"),
        pytest.param("C1,x,115.903,26.205,90,90,50", "编号", "duplicate", id="duplicate-ref"),
        pytest.param(",x,115.903,26.205,90,90,50", "编号", "empty", id="empty-ref"),
    ],
)
def test_a_bad_camera_row_rejects_the_file_naming_row_and_field(small, tmp_path, row, field, words):
    path = write(tmp_path, "cams.csv", GOOD + row + "\n")
    before = Camera.objects.count()
    with pytest.raises(ImportRejected) as exc:
        import_overlay(path, CAMERAS)
    problems = exc.value.report.errors
    assert any(p.row == 4 and p.field == field and words in p.message for p in problems), problems
    assert Camera.objects.count() == before == 0


def test_file_level_problems_are_refused(small, tmp_path):
    cases = {
        "empty.csv": "",
        "no-direction.csv": "编号,经度,纬度,视场角,距离\nC1,115.902,26.205,90,150\n",
        "binary.csv": "\x00\x01\x02PK\x03\x04",
        "cams.txt.exe": GOOD,
    }
    for name, text in cases.items():
        with pytest.raises(ImportRejected):
            import_overlay(write(tmp_path, name, text), CAMERAS)
    assert Camera.objects.count() == 0


def test_service_points_from_geojson_and_township_staff_only_in_their_township(small, tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [x, 26.205]},
            "properties": {"编号": ref, "名称": ref, "类型": kind},
        }
        for ref, x, kind in (("P1", 115.901, "党群服务中心"), ("P2", 115.925, "调解室"))
    ]
    path = write(
        tmp_path, "points.geojson", json.dumps({"type": "FeatureCollection", "features": features})
    )
    township = small["township"]
    scope = Scope(
        "township", township_id=township.pk, township_code=township.code, role=Role.TOWNSHIP
    )
    with pytest.raises(ImportRejected) as exc:
        import_overlay(path, SERVICE_POINTS, scope=scope)
    assert [(p.row, p.where) for p in exc.value.report.errors] == [(2, "feature")]
    assert ServicePoint.objects.count() == 0
    report = import_overlay(path, SERVICE_POINTS, scope=Scope(COUNTY, role=Role.ADMIN))
    assert report.created == 2
    kinds = dict(ServicePoint.objects.values_list("external_ref", "kind"))
    assert kinds == {"P1": "party_centre", "P2": "mediation"}
    assert ServicePoint.objects.get(external_ref="P2").township == small["next"]


def test_unknown_service_kind_is_named(small, tmp_path):
    path = write(tmp_path, "p.csv", "编号,名称,类型,经度,纬度\nP1,中心,网吧,115.901,26.205\n")
    with pytest.raises(ImportRejected) as exc:
        import_overlay(path, SERVICE_POINTS)
    problem = exc.value.report.errors[0]
    assert (problem.row, problem.field) == (2, "类型") and "网吧" in problem.message
    assert ServicePoint.objects.count() == 0


def test_service_points_from_a_workbook_with_a_title_row(small, tmp_path):
    """A county's XLSX: a title row above the header, Chinese headers, GCJ-02 coordinates
    (converted: the point lands ~500 m from where the raw numbers would put it)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["外镇服务点台账"])
    ws.append(["编号", "名称", "类型", "经度", "纬度"])
    # the GCJ-02 position of a WGS84 point in the village: found by inverting the inverse
    lon, lat = 115.9055, 26.2055
    g_lon, g_lat = lon, lat
    for _ in range(5):
        w_lon, w_lat = to_wgs84(np.array([g_lon]), np.array([g_lat]), "gcj02")
        g_lon, g_lat = g_lon + lon - float(w_lon[0]), g_lat + lat - float(w_lat[0])
    ws.append(["E1", "外村养老服务点", "养老服务点", g_lon, g_lat])
    path = tmp_path / "points.xlsx"
    wb.save(path)
    report = import_overlay(path, SERVICE_POINTS, crs="gcj02")
    assert report.created == 1
    point = ServicePoint.objects.get()
    assert (point.kind, point.village) == ("elderly", small["village"])
    assert point.location.x == pytest.approx(lon, abs=1e-6)
    assert point.location.y == pytest.approx(lat, abs=1e-6)
