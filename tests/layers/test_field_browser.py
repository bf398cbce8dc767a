"""A grid leader on a phone (Debian's Chromium, 360x740): sees the grid, logs a visit, and
cannot open another grid by editing the URL."""

import pytest

from tests.conftest import PASSWORD, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


def test_leader_on_a_phone(field, live_server, phone, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    leader = field.users["grid_leader"]
    login(phone, live_server, leader.username, PASSWORD)
    assert phone.url.endswith("/my/")
    status = phone.locator("#map-status[data-households]")
    status.wait_for(timeout=20000)
    assert int(status.get_attribute("data-households")) == field.grid.assignments.count()
    # each household of the grid is drawn (a dot near a tile's edge is drawn by both tiles)
    drawn = set(phone.evaluate("fieldMap.shown()"))
    assert drawn == set(field.grid.assignments.values_list("household__external_id", flat=True))
    assert phone.locator("path.leaflet-interactive").count() >= len(drawn)
    assert phone.locator(".field-legend").is_visible()
    # nothing wider than the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    first = phone.locator("#household-list li").first
    external_id = first.get_attribute("data-household")
    x, y = phone.evaluate(  # where the list's first household is drawn on the map
        """() => { const li = document.querySelector("#household-list li[data-lat]");
        const m = fieldMap.map, pt = m.latLngToContainerPoint([+li.dataset.lat, +li.dataset.lon]);
        const box = m.getContainer().getBoundingClientRect(); return [box.left + pt.x, box.top + pt.y]; }"""
    )
    phone.mouse.click(x, y)  # a household: selects it
    option = phone.locator("#visit [name=household] option:checked").inner_text()
    assert option != "---------"
    phone.select_option(
        "#visit [name=household]",
        label=phone.locator(
            f"#visit [name=household] option:text-matches('{external_id}$')"
        ).inner_text(),
    )
    phone.fill("#visit [name=note]", "屋顶漏雨，已报村委")
    phone.locator("#field-map").click(position={"x": 60, "y": 60})  # a tap sets the point
    assert phone.locator("#visit [name=lon]").input_value()
    with phone.expect_navigation():
        phone.click("#visit button[type=submit]")
    visit = phone.locator("#visits li", has_text="屋顶漏雨")
    assert visit.count() == 1 and visit.get_attribute("data-household") == external_id
    assert "📍" in visit.inner_text()

    response = phone.goto(f"{live_server.url}/grids/{field.sibling.code}/work/")
    assert response.status == 404
    response = phone.goto(f"{live_server.url}/grids/{field.other.code}/work/")
    assert response.status == 404
