"""The partition button in Debian's Chromium: propose, see the diff and the proposal, apply.

Screenshots go to /tmp/grid-shots/ (desktop 1366x850, phone 360x740) for a human look.
"""

from pathlib import Path

import pytest

from grids.models import Grid, GridVersion
from tests.conftest import PASSWORD, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path("/tmp/grid-shots")
VIEWPORTS = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 360, "height": 740}}
WAIT_MS = 30000
SETTLE_MS = 600  # Leaflet's fitBounds animation, so that screenshots show the final view


def propose_and_apply(page, live_server, code: str, name: str) -> None:
    page.goto(f"{live_server.url}/townships/{code}/map/")
    page.locator("#map-status[data-households]").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(SETTLE_MS)
    page.screenshot(path=SHOTS / f"{name}-1-map.png", full_page=True)
    page.click("#partition-button")
    page.locator("#diff").wait_for(timeout=WAIT_MS)  # the page reloads itself when ready
    page.locator("#map[data-proposal-grids]").wait_for(timeout=WAIT_MS)
    assert int(page.get_attribute("#map", "data-proposal-grids")) > 0
    assert page.locator("path.leaflet-interactive").count() > 0
    page.wait_for_timeout(SETTLE_MS)
    page.screenshot(path=SHOTS / f"{name}-2-proposal.png", full_page=True)
    page.click("#apply-button")
    page.wait_for_url(f"**/townships/{code}/map/", timeout=WAIT_MS)
    page.locator("#map-status[data-households]").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(SETTLE_MS)
    page.screenshot(path=SHOTS / f"{name}-3-applied.png", full_page=True)


def queue_a_run(page, live_server, user, code: str) -> None:
    """Log in, press the partition button on the township map; the run page shows it queued
    (no worker of the job queue is running yet)."""
    login(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}/townships/{code}/map/")
    page.locator("#map-status[data-households]").wait_for(timeout=WAIT_MS)
    page.click("#partition-button")
    page.locator("#run-status[data-status=queued]").wait_for(timeout=WAIT_MS)


def open_page(browser, viewport: str):
    """(context, page, JavaScript errors seen) at one of VIEWPORTS; screenshots folder made."""
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_propose_and_apply_from_the_map(
    demo_county, township_user, live_server, browser, viewport, job_worker
):
    context, page, errors = open_page(browser, viewport)
    try:
        login(page, live_server, township_user.username, PASSWORD)
        propose_and_apply(page, live_server, demo_county.code, viewport)
        # the grids layer is there: listed in the layer switcher and drawn
        assert page.locator(".messages li").count() == 1
        grids = Grid.objects.count()
        assert GridVersion.objects.filter(valid_to__isnull=True).count() == 3 and grids
        assert page.evaluate("() => Object.keys(window.gridMap.overlays)").count("grids") == 1
        # every grid of the township is drawn from the tiles of the view (distinct codes)
        drawn = page.evaluate("() => gridTiles.drawn(gridMap.overlays.grids, 'code').length")
        assert drawn == grids
        assert not errors, errors
    finally:
        context.close()


def test_a_queued_run_waits_for_a_worker_and_a_failed_one_is_run_again(
    demo_county, township_user, live_server, browser, tmp_path
):
    """With no worker running the button only queues the run: the page says it waits. A
    worker process starts and computes it; the page shows the proposal by itself. A run
    that failed shows its reason and a button that queues it again."""
    from grids.models import PartitionRun
    from tests.workers import workers

    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    try:
        queue_a_run(page, live_server, township_user, demo_county.code)
        assert "worker" in page.inner_text("#run-note") or "后台" in page.inner_text("#run-note")
        # the villages, drawn from their vector tiles (not interactive under the proposal)
        page.locator("#map svg.leaflet-tile path").first.wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(SETTLE_MS)
        page.screenshot(path=SHOTS / "worker-1-queued.png", full_page=True)
        run = PartitionRun.objects.get()
        assert run.status == PartitionRun.Status.QUEUED  # nobody computes it in the web server
        with workers(tmp_path, "browser-worker"):
            page.locator("#diff").wait_for(timeout=WAIT_MS)
            run.refresh_from_db()
            assert run.status == PartitionRun.Status.PROPOSED
            assert run.worker.startswith("browser-worker ")
            page.locator("#map[data-proposal-grids]").wait_for(timeout=WAIT_MS)
            page.wait_for_timeout(SETTLE_MS)
            page.screenshot(path=SHOTS / "worker-2-proposal.png", full_page=True)

            PartitionRun.objects.filter(pk=run.pk).update(
                status=PartitionRun.Status.FAILED, message="工作进程被终止"
            )
            page.reload()
            assert page.inner_text(".side .error") == "工作进程被终止"
            page.wait_for_timeout(SETTLE_MS)
            page.screenshot(path=SHOTS / "worker-3-failed.png", full_page=True)
            page.click("#retry-button")
            page.locator("#diff").wait_for(timeout=WAIT_MS)  # queued, computed, shown
            run.refresh_from_db()
            assert run.status == PartitionRun.Status.PROPOSED and run.attempts == 1
    finally:
        context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_households_moved_are_marked_on_the_proposal_map(
    demo_county, township_user, live_server, browser, viewport
):
    """After new households, a fresh re-run moves existing ones: each is a marker on the
    proposal map (its popup: id, head, from -> to) and a line of the list beside it."""
    from grids import services
    from households.models import Village
    from tests.grids.db_checks import add_households

    code = "360721100201"
    services.partition_run_apply(
        services.partition_run_compute(services.partition_run_create(scope="village", code=code))
    )
    add_households(Village.objects.get(code=code), 30)
    run = services.partition_run_compute(
        services.partition_run_create(scope="village", code=code, fresh=True)
    )
    moved = run.diff["moved_count"]
    assert moved > 0
    context, page, errors = open_page(browser, viewport)
    try:
        login(page, live_server, township_user.username, PASSWORD)
        page.goto(f"{live_server.url}/partition-runs/{run.pk}/")
        page.locator("#map[data-moved-households]").wait_for(timeout=WAIT_MS)
        assert int(page.get_attribute("#map", "data-moved-households")) == moved
        markers = page.locator("path.leaflet-interactive[fill='#f97316']")
        assert markers.count() == moved
        page.wait_for_timeout(SETTLE_MS)
        page.click("#moved-list summary")
        page.screenshot(path=SHOTS / f"moved-{viewport}-1-list.png", full_page=True)
        pk, old, new = run.diff["moved"][0]
        item = page.locator(f"#moved-list li[data-household='{pk}']")
        assert item.inner_text().endswith(f"{old} → {new}")
        markers.first.dispatch_event("click")  # markers may overlap each other on a phone
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=WAIT_MS)
        assert " → " in popup.inner_text()
        page.wait_for_timeout(SETTLE_MS)  # the popup's fade-in
        page.screenshot(path=SHOTS / f"moved-{viewport}-2-popup.png", full_page=True)
        assert not errors, errors
    finally:
        context.close()
