"""The county's household table as CSV and XLSX: the import template's Chinese headers,
every household of the user's area once with its current grid and member area, numbers
masked, streamed, and logged by filter and count; bad parameters are a 400 naming them."""

import csv
import io

import pytest
from openpyxl import load_workbook

from grids.models import GridAssignment
from households.access import scope_for
from households.models import AccessLog, Household
from layers.exports.households import ERR_TOWNSHIP, export_header

CSV, XLSX = "/export/households.csv", "/export/households.xlsx"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200 and response.streaming
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_csv_and_xlsx_hold_every_household_with_chinese_headers(field, client):
    county = field.users["county"]
    client.force_login(county)
    header = export_header(scope_for(county))
    assert header[:3] == ["户编号", "户主", "人口数"] and "低保户" in header
    rows = _csv(client.get(CSV))
    sheet = _xlsx(client.get(XLSX))
    assert rows[0] == header and list(sheet[0]) == header
    assert len(rows) - 1 == len(sheet) - 1 == Household.objects.count()
    ids = [r[0] for r in rows[1:]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # one household of the leader's grid, column by column
    a = (
        GridAssignment.objects.filter(grid=field.grid, member_area__isnull=False)
        .exclude(household__phone="")
        .select_related("household__group__village__township", "member_area")
        .first()
    )
    h = a.household
    col = {name: i for i, name in enumerate(header)}
    row = rows[1:][ids.index(h.external_id)]
    cells = sheet[1:][ids.index(h.external_id)]
    assert row[col["户主"]] == cells[col["户主"]] == h.head
    assert row[col["网格编码"]] == cells[col["网格编码"]] == field.grid.code
    assert int(row[col["联户编号"]]) == cells[col["联户编号"]] == a.member_area.number
    assert row[col["村名称"]] == h.group.village.name
    assert row[col["乡镇名称"]] == h.group.village.township.name
    assert row[col["联系电话（脱敏）"]] == cells[col["联系电话（脱敏）"]]
    assert row[col["联系电话（脱敏）"]] == h.phone[:3] + "*" * (len(h.phone) - 7) + h.phone[-4:]
    assert float(row[col["经度"]]) == pytest.approx(h.location.x, abs=1e-7)
    assert cells[col["纬度"]] == pytest.approx(h.location.y, abs=1e-7)
    assert int(row[col["低保户"]]) == cells[col["低保户"]] == int(h.dibao)
    # the two exports are logged by their page and count, no ids
    logs = list(AccessLog.objects.order_by("pk").values_list("path", "count", "household_ids"))
    n = Household.objects.count()
    assert logs == [(CSV, n, []), (XLSX, n, [])]


def test_a_township_filter_exports_that_township_only(field, client):
    client.force_login(field.users["county"])
    code = field.other.village.township.code
    sheet = _xlsx(client.get(XLSX, {"township": code}))
    assert sorted(r[0] for r in sheet[1:]) == [f"H900000{i}" for i in range(1, 5)]
    log = AccessLog.objects.get()
    assert (log.path, log.count) == (f"{XLSX}?township={code}", 4)


def test_no_full_number_in_either_file(field, client):
    client.force_login(field.users["county"])
    ids = set(Household.objects.exclude(id_number="").values_list("id_number", flat=True))
    phones = set(Household.objects.exclude(phone="").values_list("phone", flat=True))
    for rows in (_csv(client.get(CSV)), _xlsx(client.get(XLSX))):
        cells = {str(c) for r in rows for c in r}
        assert not cells & (ids | phones)


def test_a_cell_xml_cannot_hold_is_dropped_not_a_broken_file(field, client):
    h = Household.objects.filter(group__village=field.other.village).first()
    Household.objects.filter(pk=h.pk).update(head="外\x01户<&>")
    client.force_login(field.users["county"])
    sheet = _xlsx(client.get(XLSX, {"township": field.other.village.township.code}))
    assert "外户<&>" in {r[1] for r in sheet}


@pytest.mark.parametrize("value", ["", "x", "36072110", "3607211000", "٣٦٠٧٢١١٠٠", "3" * 60])
@pytest.mark.parametrize("url", [CSV, XLSX])
def test_a_bad_township_is_a_400_naming_it_and_logs_nothing(field, client, url, value):
    client.force_login(field.users["county"])
    response = client.get(url, {"township": value})
    assert response.status_code == 400
    assert response.content.decode() == ERR_TOWNSHIP.format(value=value[:20])
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_who_may_export(field, client, url):
    client.force_login(field.users["county"])
    assert client.get(url, {"township": "360721999"}).status_code == 404
    for role in ("township", "village", "grid_leader", "grid_member", "no_role"):
        client.force_login(field.users[role])
        assert client.get(url).status_code == 403
    assert not AccessLog.objects.exists()
