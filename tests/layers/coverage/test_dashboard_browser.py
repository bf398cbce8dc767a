"""County staff in Chromium: land on the dashboard after login, drill down to a grid,
switch a heat layer on, download the XLSX (read with openpyxl) and the HTML map report,
which opens from disk with the network blocked and draws its map. Screenshots at desktop
and phone size go to /work/notes/shots/cov/ when that folder exists."""

from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from layers.coverage.indicators import INDICATORS
from tests.conftest import PASSWORD, login

from .world import A1, A, T, small_township

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path("/work/notes/shots/cov")


def shot(page, name):
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_county_dashboard(browser, live_server, make_user, tmp_path):
    small_township()
    user = make_user("county", username="county-staff")
    context = browser.new_context(viewport={"width": 1366, "height": 850}, accept_downloads=True)
    page = context.new_page()
    login(page, live_server, user.username, PASSWORD)
    assert page.url.endswith("/coverage/")
    page.locator("body[data-coverage-ready]").wait_for(timeout=20000)
    page.locator("body[data-charts-ready]").wait_for(timeout=20000)
    row = page.locator(f"#coverage-table tbody tr[data-code='{T}']")
    assert row.locator("td").nth(1).inner_text() == "12"  # households
    assert page.locator("#legend i").count() >= 1
    assert page.locator("path.leaflet-interactive").count() >= 1
    shot(page, "county-desktop")

    row.locator("a.drill").click()
    page.locator(f"#coverage-table tbody tr[data-code='{A}']").wait_for()
    page.locator(f"#coverage-table tbody tr[data-code='{A}'] a.drill").click()
    page.locator(f"#coverage-table tbody tr[data-code='{A1}']").wait_for()
    assert "level=village" in page.url and A in page.url
    page.locator(f"#coverage-table tbody tr[data-code='{A1}'] a.drill").click()
    page.wait_for_function("document.getElementById('place-name').textContent.includes('001')")
    assert page.locator("#coverage-table tbody tr").count() == 1

    page.select_option("#heat", "density")
    page.locator("#heat-legend strong").wait_for(timeout=20000)
    assert page.locator("#heat-legend").inner_text().strip()
    shot(page, "grid-heat-desktop")

    with page.expect_download() as got:
        page.click("#export-xlsx")
    xlsx = tmp_path / "coverage.xlsx"
    got.value.save_as(xlsx)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == "网格"
    sheet = wb["网格"]
    with translation.override("zh-hans"):
        header = str(INDICATORS[0].label)
    assert header != "households" and not header.isascii()  # a Chinese header
    assert sheet["C1"].value == header and sheet["A2"].value == A1 and sheet["C2"].value == 3
    assert "图表数据" in wb.sheetnames

    page.goto(f"{live_server.url}/coverage/?level=township&code={T}")
    page.locator("body[data-coverage-ready]").wait_for(timeout=20000)
    page.locator("body[data-charts-ready]").wait_for(timeout=20000)
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator("#coverage-table").is_visible()
    shot(page, "township-print")
    page.emulate_media(media="screen")
    with page.expect_download() as got:
        page.click("#export-report")
    report = tmp_path / "report.html"
    got.value.save_as(report)
    context.close()

    offline = browser.new_context()
    offline.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    p = offline.new_page()
    p.goto(report.as_uri())
    p.locator("path.leaflet-interactive").first.wait_for(timeout=10000)
    assert p.locator("path.leaflet-interactive").count() == 3  # the three villages
    assert p.locator("#legend").is_visible()
    offline.close()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = phone.new_page()
    login(page, live_server, user.username, PASSWORD)
    page.locator("body[data-coverage-ready]").wait_for(timeout=20000)
    page.locator("body[data-charts-ready]").wait_for(timeout=20000)
    shot(page, "county-phone")
    page.goto(f"{live_server.url}/coverage/?level=township&code={T}")
    page.locator("body[data-coverage-ready]").wait_for(timeout=20000)
    shot(page, "township-phone")
    phone.close()
