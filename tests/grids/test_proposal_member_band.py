"""The proposal page flags member areas outside their village's member band.

The case from the field: households added to a partitioned village, then an incremental
run (households stay where they were) leaves a member area far under the band 8–12. The
page counts and lists such areas and marks each on the map."""

from collections import Counter

import pytest

from grids import services
from grids.proposal import member_areas_out_of_band
from households.models import Village
from tests.conftest import PASSWORD, login
from tests.grids.db_checks import add_households

KENGKOU = "360721100200"  # 坑口村 of the demo township
VIEWPORTS = {"desktop": (1366, 850), "phone": (360, 740)}


def incremental_run(code=KENGKOU):
    services.partition_run_apply(
        services.partition_run_compute(services.partition_run_create(scope="village", code=code))
    )
    add_households(Village.objects.get(code=code), 30)
    return services.partition_run_compute(services.partition_run_create(scope="village", code=code))


def expected_out(run) -> dict[str, int]:
    """Member areas out of band, counted here from the proposal's assignments."""
    village = Village.objects.get(code=KENGKOU)
    sizes = Counter(m for _h, _g, m in run.proposal["assignments"] if m)
    return {m: n for m, n in sizes.items() if not village.member_min <= n <= village.member_max}


@pytest.fixture
def run(demo_county):
    run = incremental_run()
    assert expected_out(run), "the incremental run leaves a member area out of band"
    return run


def test_out_of_band_member_areas_are_listed_and_in_the_geojson(run, township_user, client):
    expected = expected_out(run)
    found = member_areas_out_of_band(run)
    assert {a["area"]: a["households"] for a in found} == expected
    assert all(a["lon"] is not None and a["band"] == (8, 12) for a in found)
    client.login(username="township", password=PASSWORD)
    page = client.get(f"/partition-runs/{run.pk}/").content.decode()
    assert f'id="d-member-out"><span class="badge warn">{len(expected)}</span>' in page
    for area in expected:
        assert f'data-area="{area}"' in page
    data = client.get(f"/partition-runs/{run.pk}/proposal.geojson").json()
    points = data["memberAreasOutOfBand"]["features"]
    assert {f["id"]: f["properties"]["households"] for f in points} == expected
    per_grid = Counter(a.rsplit("-", 1)[0] for a in expected)
    assert {f["id"]: f["properties"]["membersOut"] for f in data["features"]} == {
        f["id"]: per_grid[f["id"]] for f in data["features"]
    }


def test_a_proposal_in_band_flags_nothing(demo_county, township_user, client):
    run = services.partition_run_compute(
        services.partition_run_create(scope="village", code=KENGKOU)
    )
    assert member_areas_out_of_band(run) == [] == list(expected_out(run))
    client.login(username="township", password=PASSWORD)
    assert 'id="d-member-out">0<' in client.get(f"/partition-runs/{run.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_out_of_band_member_areas_are_marked_on_the_map(
    demo_county, township_user, live_server, browser, viewport, tmp_path
):
    run = incremental_run()
    expected = expected_out(run)
    assert expected
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        login(page, live_server, "township", PASSWORD)
        page.goto(f"{live_server.url}/partition-runs/{run.pk}/")
        page.wait_for_selector("#map[data-member-out]", timeout=30_000)
        assert int(page.get_attribute("#map", "data-member-out")) == len(expected)
        markers = page.locator("path.leaflet-interactive[stroke='#6b21a8']")
        assert markers.count() == len(expected)
        assert page.locator("#member-out-list li").count() == len(expected)
        markers.first.dispatch_event("click")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=10_000)
        assert any(area in popup.inner_text() for area in expected)
        page.wait_for_timeout(600)  # the popup's fade-in
        page.screenshot(path=tmp_path / f"member-out-{viewport}.png", full_page=True)
    finally:
        context.close()
