"""The grid settings page in Debian's Chromium, from the township map: change, refuse, save.

Screenshots go to /tmp/grid-shots/ (desktop 1366x850, phone 360x740) for a human look.
"""

import pytest

from households.models import Village
from tests.conftest import PASSWORD, login
from tests.grids.test_partition_browser import SHOTS, WAIT_MS, open_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_change_a_village_band_from_the_map(
    demo_county, township_user, live_server, browser, viewport
):
    context, page, errors = open_page(browser, viewport)
    try:
        login(page, live_server, township_user.username, PASSWORD)
        page.goto(f"{live_server.url}/townships/{demo_county.code}/map/")
        page.click("#settings-link")
        page.wait_for_url(f"**/townships/{demo_county.code}/settings/", timeout=WAIT_MS)
        row = page.locator('tr[data-village="360721100202"]')
        row.locator("input[type=number][name$='-grid_target']").fill("70")  # outside its band 40-60
        page.locator("tr[data-village='360721100200'] input[type=number][name$='-grid_max']").fill(
            "62"
        )
        page.click("#settings-save")
        page.locator("#settings-errors").wait_for(timeout=WAIT_MS)
        assert "坪地山村" in page.inner_text("#settings-errors")
        assert row.get_attribute("class") == "invalid"
        page.screenshot(path=SHOTS / f"settings-{viewport}-1-refused.png", full_page=True)
        assert Village.objects.get(code="360721100200").grid_max == 60  # nothing saved
        row.locator("input[type=number][name$='-grid_target']").fill("50")
        page.click("#settings-save")
        page.locator(".messages li").wait_for(timeout=WAIT_MS)
        assert "已保存" in page.inner_text(".messages")
        page.screenshot(path=SHOTS / f"settings-{viewport}-2-saved.png", full_page=True)
        assert Village.objects.get(code="360721100200").grid_max == 62
        assert not errors, errors
    finally:
        context.close()
