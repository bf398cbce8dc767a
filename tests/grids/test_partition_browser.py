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
    (a partition worker is alive, so the web server leaves the run to it)."""
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
def test_propose_and_apply_from_the_map(demo_county, township_user, live_server, browser, viewport):
    context, page, errors = open_page(browser, viewport)
    try:
        login(page, live_server, township_user.username, PASSWORD)
        propose_and_apply(page, live_server, demo_county.code, viewport)
        # the grids layer is there: listed in the layer switcher and drawn
        assert page.locator(".messages li").count() == 1
        grids = Grid.objects.count()
        assert GridVersion.objects.filter(valid_to__isnull=True).count() == 3 and grids
        assert page.evaluate("() => Object.keys(window.gridMap.overlays)").count("grids") == 1
        drawn = page.evaluate("() => window.gridMap.overlays.grids.getLayers().length")
        assert drawn == grids
        assert not errors, errors
    finally:
        context.close()


def test_the_partition_worker_computes_the_run(demo_county, township_user, live_server, browser):
    """With a worker process alive (here its loop in a thread, on the same database) the
    button only queues the run: the page says it waits for the worker, the worker computes
    it, and the page shows the proposal by itself."""
    import threading

    from django.utils import timezone

    from grids import services
    from grids.models import JobWorker, PartitionRun

    SHOTS.mkdir(exist_ok=True)
    JobWorker.objects.create(name="test-worker", started_at=timezone.now(), seen_at=timezone.now())
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    stop = threading.Event()
    worker = threading.Thread(
        target=services.partition_worker_run, args=("test-worker",), kwargs={"stop": stop}
    )
    try:
        queue_a_run(page, live_server, township_user, demo_county.code)
        assert "partition worker" in page.inner_text("#run-note") or "后台进程" in page.inner_text(
            "#run-note"
        )
        page.locator("path.leaflet-interactive").first.wait_for(timeout=WAIT_MS)  # villages
        page.wait_for_timeout(SETTLE_MS)
        page.screenshot(path=SHOTS / "worker-1-queued.png", full_page=True)
        run = PartitionRun.objects.get()
        assert run.status == PartitionRun.Status.QUEUED  # the web server left it alone
        worker.start()
        page.locator("#diff").wait_for(timeout=WAIT_MS)
        run.refresh_from_db()
        assert run.status == PartitionRun.Status.PROPOSED and run.worker == "test-worker"
        page.locator("#map[data-proposal-grids]").wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(SETTLE_MS)
        page.screenshot(path=SHOTS / "worker-2-proposal.png", full_page=True)
    finally:
        stop.set()
        if worker.is_alive():
            worker.join()
        context.close()


def test_a_run_the_worker_never_took_is_computed_by_the_web_server(
    demo_county, township_user, live_server, browser
):
    """The worker was alive when the run was queued, then stopped without taking it: once
    it has been silent WORKER_SILENT_SECONDS, the page's status poll makes the web server
    compute the run, and the proposal appears."""
    from datetime import timedelta

    from django.utils import timezone

    from grids import services
    from grids.models import JobWorker, PartitionRun

    worker = JobWorker.objects.create(
        name="gone", started_at=timezone.now(), seen_at=timezone.now()
    )
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        queue_a_run(page, live_server, township_user, demo_county.code)
        long_ago = timezone.now() - timedelta(seconds=services.WORKER_SILENT_SECONDS + 1)
        JobWorker.objects.filter(pk=worker.pk).update(seen_at=long_ago)
        PartitionRun.objects.update(created_at=long_ago)
        page.locator("#diff").wait_for(timeout=WAIT_MS)
        run = PartitionRun.objects.get()
        assert run.status == PartitionRun.Status.PROPOSED and run.worker.startswith("web ")
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
