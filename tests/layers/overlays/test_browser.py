"""Township staff in Chromium: import cameras from a CSV, see their view sectors drawn on
the overlay map (from the vector tiles), run the best-sites analysis. Screenshots at
desktop and phone sizes go to $SHOTS_DIR when it is set."""

import os
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from households.access import Scope
from households.models import Role
from households.scoping import COUNTY
from layers.overlays.models import Camera
from layers.overlays.services import ServicePointInput, service_point_save
from tests.conftest import PASSWORD, login

from .conftest import small_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
CSV = (
    "编号,名称,经度,纬度,方向,视场角,距离\n"
    "C1,村口,115.902,26.205,90,90,150\n"
    "C2,桥头,115.906,26.205,270,60,120\n"
)


def shot(page, name):
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png")


def add_on_the_map(page):
    """A new camera placed with the marker tool: an impossible angle comes back named under
    its field (nothing saved), then the corrected camera is saved and drawn."""
    page.click("#add-camera")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 40)
    assert page.locator("#camera-form [name=lon]").input_value()
    page.fill("#camera-form [name=external_ref]", "C3")
    page.fill("#camera-form [name=direction]", "400")
    page.fill("#camera-form [name=fov]", "90")
    page.fill("#camera-form [name=range_m]", "60")
    with page.expect_navigation():
        page.click("#camera-form button[type=submit]")
    assert "360" in page.locator("#camera-form .errorlist").inner_text()
    assert Camera.objects.count() == 2
    page.fill("#camera-form [name=direction]", "180")
    with page.expect_navigation():
        page.click("#camera-form button[type=submit]")
    assert page.locator("#stat-cameras").inner_text() == "3"
    assert Camera.objects.get(external_ref="C3").direction == 180
    page.wait_for_function(
        "window.overlayLayers && gridTiles.drawn(overlayLayers.layers.sectors, 'ref').includes('C3')",
        timeout=20000,
    )
    page.wait_for_timeout(600)  # the tiles fade in
    shot(page, "overlay-map-added-desktop")


def test_township_staff_import_cameras_see_sectors_and_find_sites(
    transactional_db, live_server, browser, settings, tmp_path
):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    world = small_world()
    code = world["township"].code
    h4 = Point(115.907, 26.205)
    service_point_save(  # a candidate site beside the uncovered H4
        scope=Scope(COUNTY, role=Role.ADMIN),
        data=ServicePointInput("P4", "police", h4.x, h4.y, "辅警点"),
    )
    csv = tmp_path / "cameras.csv"
    csv.write_text(CSV, encoding="utf-8")
    for size, (width, height) in {"desktop": (1366, 850), "phone": (360, 740)}.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        login(page, live_server, "o-township", PASSWORD)
        if size == "desktop":
            page.goto(f"{live_server.url}/overlay-import/")
            page.select_option("[name=kind]", "cameras")
            page.set_input_files("[name=file]", str(csv))
            shot(page, f"import-{size}")
            with page.expect_navigation():
                page.click("#overlay-import-form button[type=submit]")
            assert page.locator("#r-rows").inner_text() == "2"
            shot(page, f"import-review-{size}")
            with page.expect_navigation():
                page.click("button[name=confirm]")
            assert page.locator("#r-created").inner_text() == "2"
            assert Camera.objects.count() == 2
            with page.expect_navigation():
                page.click("#back-to-map")
        else:
            page.goto(f"{live_server.url}/townships/{code}/overlays/")
        cameras = "2" if size == "desktop" else "3"  # the desktop run adds one on the map
        assert page.locator("#stat-cameras").inner_text() == cameras
        page.wait_for_function(
            "window.overlayLayers && gridTiles.drawn(overlayLayers.layers.sectors, 'ref').length >= 2",
            timeout=20000,
        )
        drawn = page.evaluate("gridTiles.drawn(overlayLayers.layers.sectors, 'ref').sort()")
        assert drawn == (["C1", "C2"] if size == "desktop" else ["C1", "C2", "C3"])
        handles = str(int(cameras) + 1)  # and the service point
        page.wait_for_function(f"document.body.dataset.handles === '{handles}'")
        shot(page, f"overlay-map-{size}")
        if size == "desktop":
            add_on_the_map(page)
        page.goto(f"{live_server.url}/townships/{code}/best-sites/?n=3")
        page.wait_for_function("document.body.dataset.sites !== undefined", timeout=20000)
        rows = page.locator("#sites tr").all_inner_texts()[1:]
        # H1 and H4 are outside both views; the police point sees H4 (the village centre,
        # 200 m from both, sees neither at 80 m)
        assert len(rows) == 1 and "辅警点" in rows[0] and rows[0].strip().endswith("1")
        assert page.evaluate("document.body.dataset.covers") == "1"
        page.wait_for_load_state("networkidle")
        shot(page, f"best-sites-{size}")
        page.goto(f"{live_server.url}/townships/{code}/coverage/")
        assert "50 %" in page.locator("#grid-shares").inner_text()
        shot(page, f"coverage-{size}")
        page.goto(f"{live_server.url}/townships/{code}/service-reach/")
        shot(page, f"service-reach-{size}")
        page.goto(f"{live_server.url}/overlay-layers/")
        shot(page, f"layers-{size}")
        if size == "desktop":
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
