"""In Chromium at desktop and phone size: the basemap notice appears when the tile server
cannot be reached (the data layers draw all the same), and not when it answers."""

import pytest

from tests.conftest import PASSWORD, login
from tests.layers.test_search_browser import OSM, PNG, SHOTS, screens

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_basemap_notice_shows_when_the_tile_server_is_blocked(field, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for screen in screens(browser):
        code = field.township.code
        login(screen, live_server, field.users["township"].username, PASSWORD)
        notice = screen.locator(".basemap-notice")
        # the tile server answers: no notice
        screen.route(
            OSM, lambda route: route.fulfill(status=200, content_type="image/png", body=PNG)
        )
        screen.goto(f"{live_server.url}/townships/{code}/map/")
        screen.locator("#map-status[data-households]").wait_for(timeout=20000)
        screen.wait_for_load_state("networkidle")
        assert notice.count() == 0 or not notice.is_visible()
        # blocked: the notice, and the data layers drawn all the same
        screen.unroute(OSM)
        screen.route(OSM, lambda route: route.abort())
        screen.goto(f"{live_server.url}/townships/{code}/map/")
        notice.wait_for(state="visible", timeout=10000)
        assert "basemap" in notice.inner_text().lower() or "底图" in notice.inner_text()
        screen.locator("#map-status[data-households]").wait_for(timeout=20000)
        assert screen.locator("path.leaflet-interactive").count() > 0
        screen.shot("basemap-notice")
        # no basemap chosen in the switcher: the notice goes
        screen.evaluate(
            """() => { const m = gridMap.map; m.eachLayer(l => { if (l instanceof L.TileLayer &&
            !(l instanceof L.VectorGrid)) m.removeLayer(l); }); }"""
        )
        assert not notice.is_visible()
