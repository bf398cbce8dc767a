"""The upload page for township staff: upload -> report -> confirm (or cancel).

Logged in as township staff of 坑口镇 (the demo township): the files are that township's."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from households.models import Household, Township
from households.templates_xlsx import HOUSEHOLD_COLUMNS
from tests.conftest import DEMO, PASSWORD

from .conftest import demo_household_rows, unchanged_db, write_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, settings, tmp_path, make_user):
    """Township staff of 坑口镇 (the township is created ahead of its groups when need be)."""
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    township, _ = Township.objects.get_or_create(code="360721100", defaults={"name": "坑口镇"})
    make_user("township", username="clerk", township=township)
    client.login(username="clerk", password=PASSWORD)
    return client


def _upload(client, path, kind="households"):
    data = {"kind": kind, "file": SimpleUploadedFile(path.name, path.read_bytes()), "crs": ""}
    response = client.post("/imports/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def test_upload_report_confirm(demo_groups, staff, tmp_path, settings):
    rows = demo_household_rows(10)
    rows[3]["members"] = "many"
    rows[6]["lon"] = "x"
    path = write_rows(tmp_path / "h.csv", rows)
    review = _upload(staff, path)
    with unchanged_db():
        page = staff.get(review).content.decode()
    # the rejected file lists its errors with row numbers and offers no confirm button
    assert 'name="confirm"' not in page
    assert "5, 人口数（members）" in page and "8, 经度（lon）" in page  # named in Chinese too
    with unchanged_db():
        staff.post(review, {"confirm": "1"})
    staff.post(review, {"cancel": "1"})
    assert not any((tmp_path / "uploads").iterdir())

    good = write_rows(tmp_path / "good.csv", demo_household_rows(10))
    review = _upload(staff, good)
    with unchanged_db():
        page = staff.get(review).content.decode()
    assert 'name="confirm"' in page
    response = staff.post(review, {"confirm": "1"})
    assert response.status_code == 200
    assert Household.objects.count() == 10
    assert not any((tmp_path / "uploads").iterdir())  # the upload is deleted once imported


def test_cancel_deletes_the_upload(demo_groups, staff, tmp_path):
    review = _upload(staff, DEMO / "households.csv")
    assert len(list((tmp_path / "uploads").iterdir())) == 1
    with unchanged_db():
        response = staff.post(review, {"cancel": "1"})
    assert response.status_code == 302
    assert not any((tmp_path / "uploads").iterdir())
    assert staff.get(review).status_code == 404


def test_groups_upload(db, staff):
    review = _upload(staff, DEMO / "village_groups.geojson", kind="groups")
    assert 'name="confirm"' in staff.get(review).content.decode()
    staff.post(review, {"confirm": "1"})
    from households.models import VillageGroup

    assert VillageGroup.objects.count() == 48


def test_template_downloads_with_chinese_headers(staff):
    response = staff.get("/imports/template/households.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[1]] == [c[0] for c in HOUSEHOLD_COLUMNS]
    assert "户主" in [c.value for c in ws[1]]


def test_pages_need_the_import_right(client, db):
    assert client.get("/imports/").status_code == 302  # anonymous: to the login page
    assert client.get("/imports/template/households.xlsx").status_code == 302
    User.objects.create_user("resident", password=PASSWORD)  # no role: no import right
    client.login(username="resident", password=PASSWORD)
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/template/households.xlsx").status_code == 403
