"""Batch import of incidents: upload -> report -> confirm, atomic, idempotent, messages that
name the row and the column; CSV, XLSX and GeoJSON through the household importers' readers."""

import csv
import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone
from openpyxl import Workbook

from households.importing import ImportRejected
from layers.incidents import importing as I
from layers.incidents.importing import import_incidents
from layers.models import Incident
from tests.layers.incidents.conftest import member_point

pytestmark = pytest.mark.django_db
HEADER = ["编号", "类别", "描述", "经度", "纬度", "上报时间", "联系电话"]


def moment(field) -> dt.datetime:
    """Two seconds after the world's grids were drawn, whole seconds, local time (the
    tests that report at it move the clock past it)."""
    start = field.grid.version.valid_from + dt.timedelta(seconds=2)
    return timezone.localtime(start).replace(microsecond=0)


@pytest.fixture(autouse=True)
def later(field):
    """The clock a minute after the world was built: report times in between are past."""
    with time_machine.travel(field.grid.version.valid_from + dt.timedelta(minutes=1)):
        yield


def rows(field, when=None):
    """Two rows, one with its report time (local time, no zone)."""
    p, q = member_point(field), member_point(field, own=False)
    when = (when or moment(field)).strftime("%Y-%m-%d %H:%M:%S")
    return [
        ["12345-1", "环境卫生", "垃圾未清运", f"{p.x:.6f}", f"{p.y:.6f}", when, "13900000001"],
        ["12345-2", "dispute", "邻里宅基地纠纷", f"{q.x:.6f}", f"{q.y:.6f}", "", ""],
    ]


def write_csv(path, data):
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *data])
    return path


def test_csv_checked_then_imported_once(tmp_path, field, cats):
    when = moment(field)
    path = write_csv(tmp_path / "hotline.csv", rows(field, when))
    report = import_incidents(path, dry_run=True)
    assert report.ok and report.rows == 2 and Incident.objects.count() == 0
    report = import_incidents(path, user=field.users["township"], township=field.township)
    assert (report.created, report.unchanged) == (2, 0)
    first = Incident.objects.get(external_ref="12345-1")
    assert first.channel == "import" and first.grid_code == field.grid.code
    assert first.reported_at == when  # read as local time (Asia/Shanghai)
    assert first.events.first().action == "report"
    again = import_incidents(path)
    assert (again.created, again.unchanged) == (0, 2) and Incident.objects.count() == 2


def test_xlsx_and_geojson(tmp_path, field, cats):
    book = Workbook()
    for r in [HEADER, *rows(field)]:
        book.active.append(r)
    book.save(tmp_path / "a.xlsx")
    assert import_incidents(tmp_path / "a.xlsx", dry_run=True).rows == 2
    p = member_point(field)
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.x, p.y]},
                "properties": {"类别": "安全隐患", "描述": "电线裸露"},
            }
        ],
    }
    (tmp_path / "b.geojson").write_text(json.dumps(gj, ensure_ascii=False), encoding="utf-8")
    assert import_incidents(tmp_path / "b.geojson").created == 1
    assert Incident.objects.get().category.code == "hazard"


def test_a_bad_file_writes_nothing_and_names_row_and_column(tmp_path, field, cats):
    good = rows(field)
    bad = [
        good[0],
        ["x-2", "飞碟", "看见飞碟", good[0][3], good[0][4], "", ""],
        ["x-3", "环境卫生", "  ", good[0][3], good[0][4], "", ""],
        ["x-4", "环境卫生", "上海", "121.47", "31.23", "", ""],
        ["x-5", "环境卫生", "时间不对", good[0][3], good[0][4], "明天", ""],
        ["x-6", "环境卫生", "将来", good[0][3], good[0][4], "2099-01-01", ""],
        ["12345-1", "环境卫生", "重复编号", good[0][3], good[0][4], "", ""],
        ["x-8", "环境卫生", "电话", good[0][3], good[0][4], "", "call me"],
    ]
    path = write_csv(tmp_path / "bad.csv", bad)
    with pytest.raises(ImportRejected) as exc:
        import_incidents(path)
    found = {(p.row, p.field) for p in exc.value.report.errors}
    assert {(3, "类别"), (4, "描述"), (5, "经度"), (6, "上报时间"), (7, "上报时间")} <= found
    assert {(8, "编号"), (9, "联系电话")} <= found
    assert Incident.objects.count() == 0
    messages = [p.message for p in exc.value.report.errors]
    assert str(I.ERR_DESCRIPTION) in messages


def test_township_staff_import_only_their_township(tmp_path, field, cats):
    other = field.other.geom.point_on_surface
    data = rows(field) + [["far-1", "环境卫生", "外镇", f"{other.x:.6f}", f"{other.y:.6f}", "", ""]]
    with pytest.raises(ImportRejected) as exc:
        import_incidents(write_csv(tmp_path / "t.csv", data), township=field.township)
    assert [p.row for p in exc.value.report.errors] == [4]
    assert Incident.objects.count() == 0


def test_the_upload_page(client, tmp_path, settings, field, cats):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    client.force_login(field.users["township"])
    path = write_csv(tmp_path / "hotline.csv", rows(field))
    with path.open("rb") as f:
        response = client.post("/incidents/import/", {"file": f, "crs": "EPSG:4326"})
    assert response.status_code == 302
    review = client.get(response["Location"])
    assert review.status_code == 200 and Incident.objects.count() == 0
    done = client.post(response["Location"], {"confirm": "1"})
    assert done.status_code == 200 and Incident.objects.count() == 2
    client.force_login(field.users["village"])  # no import right
    assert client.get("/incidents/import/").status_code == 403
