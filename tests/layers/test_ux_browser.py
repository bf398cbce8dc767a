"""Township staff in Chromium at desktop and phone size: the township map lists households
in no grid and outside every group (a click shows one); the appointments page's picker finds
a resident by keyboard and the appointment is saved; the editor has the search box."""

from django.contrib.gis.geos import Point

from grids.models import Grid
from households.models import Household, Person, VillageGroup
from tests.conftest import PASSWORD, login
from tests.layers.test_search_browser import OSM, PNG, SHOTS, pytestmark, screens  # noqa: F401


def test_township_staff_pages(field, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    g = VillageGroup.objects.filter(village=field.village).first()
    at = g.geom.point_on_surface
    Household.objects.create(
        external_id="H8880001", head="新户甲", group=g, location=Point(at.x, at.y, srid=4326)
    )
    Household.objects.create(
        external_id="H8880002",
        head="组外户",
        location=Point(at.x + 2e-4, at.y, srid=4326),
        location_note="outside every group",
    )
    grid = field.sibling
    for screen in screens(browser):
        screen.route(
            OSM, lambda route: route.fulfill(status=200, content_type="image/png", body=PNG)
        )
        errors = []
        screen.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        screen.on(
            "console",
            lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None,
        )
        login(screen, live_server, field.users["township"].username, PASSWORD)
        screen.goto(f"{live_server.url}/townships/{field.township.code}/map/")
        try:
            screen.locator("#map-status[data-households]").wait_for(timeout=20000)
        except Exception:
            raise AssertionError(errors) from None
        assert field.village.name in screen.locator("#unassigned").inner_text()
        screen.locator("#outside-groups button[data-household=H8880002]").click()
        popup = screen.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5000)
        assert "组外户" in popup.inner_text()
        screen.shot("township-coverage")

        screen.goto(f"{live_server.url}/grids/{grid.code}/")
        picker = screen.locator(".picker").first
        query = picker.locator(".picker-q")
        person = Person.objects.filter(household__grid_assignments__grid=grid).order_by("pk")[3]
        query.fill(person.name)
        option = picker.locator(".picker-results li[data-index]")
        option.first.wait_for(timeout=5000)
        screen.shot("appointments-picker")
        query.press("ArrowDown")
        query.press("Enter")
        chosen = picker.locator("select").input_value()
        names = picker.locator("select option:checked").inner_text()
        assert person.name in names
        with screen.expect_navigation():
            screen.click("#appointments button.primary")
        assert Grid.objects.get(pk=grid.pk).leader_id == int(chosen)
        assert (
            screen.evaluate("document.documentElement.scrollWidth")
            <= screen.viewport_size["width"] + 1
        )
        screen.shot("appointments-saved")

        screen.goto(f"{live_server.url}/villages/{field.village.code}/editor/")
        box = screen.locator("#map-search-input")
        box.wait_for(timeout=10000)
        box.fill(grid.code[-3:])
        screen.locator("#map-search-results li[data-kind=grid]").first.wait_for(timeout=5000)
        box.press("Enter")
        screen.locator(".leaflet-popup-content").wait_for(timeout=5000)
        screen.shot("editor-search")
