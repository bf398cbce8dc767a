"""In Chromium at desktop and phone size: the search box finds a household of the leader's
grid by the last four digits of its phone and opens it on the map; the basemap notice
appears when the tile server cannot be reached, and not when it answers."""

import base64
from pathlib import Path

import pytest

from grids.models import GridAssignment
from tests.conftest import PASSWORD, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path("/work/notes/shots/ux")
VIEWPORTS = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 360, "height": 740}}
OSM = "**/tile.openstreetmap.org/**"
PNG = base64.b64decode(  # 1x1 grey pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGPo6AAAAoEBgJLVp4EAAAAASUVORK5CYII="
)


def screens(browser):
    """A page at each size in turn (the module's world lives for one transactional test)."""
    for name, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, is_mobile=name == "phone")
        page = context.new_page()
        page.shot = lambda shot, name=name, page=page: page.screenshot(
            path=SHOTS / f"{name}-{shot}.png"
        )
        try:
            yield page
        finally:
            context.close()


def test_search_finds_a_household_by_its_phone_digits_and_opens_it(field, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for screen in screens(browser):
        digits = {}
        for a in GridAssignment.objects.filter(grid=field.grid).select_related("household"):
            if a.household.phone:
                digits.setdefault(a.household.phone[-4:], []).append(a.household)
        texts = " ".join(
            f"{h.external_id} {h.address} {h.head}" for hs in digits.values() for h in hs
        )
        household = next(
            hs[0] for d, hs in sorted(digits.items()) if len(hs) == 1 and d not in texts
        )
        screen.route(
            OSM, lambda route: route.fulfill(status=200, content_type="image/png", body=PNG)
        )
        login(screen, live_server, field.users["grid_leader"].username, PASSWORD)
        screen.locator("#map-status[data-households]").wait_for(timeout=20000)
        legend = screen.locator(".field-legend")
        if screen.viewport_size["width"] < 700:  # collapsed on a phone, opened by a tap
            assert "collapsed" in legend.get_attribute("class")
            assert not screen.locator(".field-legend .legend-body").is_visible()
            legend.locator(".legend-title").click()
            assert screen.locator(".field-legend .legend-body").is_visible()
            legend.locator(".legend-title").click()
        else:
            assert screen.locator(".field-legend .legend-body").is_visible()
        # the visit form's "clear" shows only once a point is set
        assert not screen.locator("#clear-location").is_visible()
        box = screen.locator("#map-search-input")
        box.fill(household.phone[-4:])
        option = screen.locator("#map-search-results li[data-kind=household]")
        option.first.wait_for(timeout=5000)
        assert option.count() == 1
        assert household.head in option.inner_text()
        # the results show the masked number (the page's list, the leader's own, shows it whole)
        assert household.phone not in option.inner_text()
        assert household.phone[-4:] in option.inner_text()
        screen.shot("search-results")
        box.press("ArrowDown")
        assert option.get_attribute("aria-selected") == "true"
        box.press("Enter")
        popup = screen.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5000)
        assert household.head in popup.inner_text() and household.external_id in popup.inner_text()
        hit = screen.locator("#household-list li.hit")
        assert hit.get_attribute("data-household") == household.external_id
        # in view, near the middle (the popup may pan the map a little to show itself)
        center = screen.evaluate(
            "(() => { const c = fieldMap.map.getCenter(); return [c.lng, c.lat]; })()"
        )
        assert center == pytest.approx([household.location.x, household.location.y], abs=5e-4)
        assert screen.evaluate(
            f"fieldMap.map.getBounds().contains([{household.location.y}, {household.location.x}])"
        )
        assert screen.evaluate("fieldMap.map.getZoom()") >= 17
        assert (
            screen.evaluate("document.documentElement.scrollWidth") <= screen.viewport_size["width"]
        )
        # the visit form has the household chosen
        chosen = screen.locator("#visit [name=household] option:checked").inner_text()
        assert chosen.endswith(household.external_id)
        screen.shot("search-opened")
