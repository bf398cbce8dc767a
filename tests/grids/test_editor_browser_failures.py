"""The editor in Chromium when things go wrong: a request lost on the network or failed by
the server leaves a message and a usable page; a submit whose answer was lost is retried
without a false "changed in another window"; households imported while a draft is open
are offered as an update; on a phone (360×740) the editor is read-only, says so, and
its grid labels never cover each other. Screenshots are kept in the test's tmp_path."""

import pytest
from django.conf import settings
from django.utils import translation

from grids import services
from grids.editing import messages as M
from grids.models import GridVersion
from households.importing import import_households
from tests.conftest import PASSWORD, login
from tests.grids.test_editor_browser import (  # noqa: F401 - fixtures
    TIMEOUT_MS,
    editor_fixture,
    shown_state,
    wait_ops,
)
from tests.grids.test_editor_helpers import PINGDISHAN
from tests.grids.test_editor_outdated import households_csv

pytestmark = pytest.mark.django_db(transaction=True)


def text(msgid: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def page_text(page, key: str) -> str:
    return page.evaluate(f"window.EDITOR_TEXT.{key}")


def lock_first_grid(page, village, n_after):
    grid = sorted(shown_state(village)["grids"])[0]
    page.click(f'a[data-pick="{grid}"]')
    page.click("#lock-button")
    wait_ops(page, n_after)
    return grid


def assert_usable(page):
    page.wait_for_selector('#draft-status[aria-busy="false"]')
    assert page.evaluate("window.gridEditor.busy") is False
    assert page.is_enabled("#lasso-button") and page.is_enabled("#clear-button")


def test_a_network_failure_shows_a_message_and_the_page_stays_usable(editor, tmp_path):
    page, village = editor
    grid = sorted(shown_state(village)["grids"])[0]
    page.click(f'a[data-pick="{grid}"]')
    page.route("**/op.json", lambda route: route.abort())
    page.click("#lock-button")
    page.wait_for_selector("#editor-message:not([hidden])")
    assert page.inner_text("#editor-message") == page_text(page, "networkError")
    assert_usable(page)
    assert page.is_enabled("#lock-button") and page.is_enabled("#split-button")
    page.screenshot(path=tmp_path / "network-failure-1366.png")
    page.unroute("**/op.json")
    page.click("#lock-button")  # the same edit again, now through
    wait_ops(page, 1)


def test_a_server_error_shows_a_message_and_the_page_stays_usable(editor):
    page, village = editor
    lock_first_grid(page, village, 1)
    page.route(
        "**/undo.json",
        lambda route: route.fulfill(
            status=500, body="<h1>Server Error</h1>", content_type="text/html"
        ),
    )
    page.click("#undo-button")
    page.wait_for_selector("#editor-message:not([hidden])")
    assert page_text(page, "serverError") in page.inner_text("#editor-message")
    assert_usable(page)
    assert page.is_enabled("#undo-button") and page.is_enabled("#submit-button")
    page.unroute("**/undo.json")
    page.click("#undo-button")
    wait_ops(page, 0)


def test_a_submit_whose_answer_was_lost_is_retried_without_a_false_conflict(editor):
    page, village = editor
    lock_first_grid(page, village, 1)

    def lost(route):
        route.fetch()  # the server makes the version ...
        route.abort()  # ... and its answer never reaches the page

    page.route("**/submit.json", lost)
    page.click("#submit-button")
    page.wait_for_selector("#editor-message:not([hidden])")
    assert page.inner_text("#editor-message") == page_text(page, "networkError")
    assert GridVersion.objects.filter(village=village).count() == 2
    assert_usable(page)
    page.unroute("**/submit.json")
    page.click("#submit-button")  # the user tries again
    page.wait_for_selector('#versions li[data-version="2"] .badge')
    message = page.inner_text("#editor-message")
    assert message == page_text(page, "submitted") + " 2", message
    assert text(M.ERR_STALE_DRAFT).split("（")[0] not in message
    assert GridVersion.objects.filter(village=village).count() == 2  # not made twice
    wait_ops(page, 0)


def test_households_imported_during_editing_are_offered_as_an_update(editor, tmp_path):
    page, village = editor
    grid = lock_first_grid(page, village, 1)
    before = page.evaluate("window.gridEditor.households.size")
    import_households(households_csv(village, tmp_path / "new.csv", away_from=(grid,)))
    other = sorted(shown_state(village)["grids"])[-1]
    page.click(f'a[data-pick="{other}"]')
    page.click("#lock-button")
    page.wait_for_selector("#rebase-button:visible")
    head = text(M.ERR_DATA_CHANGED).split("%")[0]
    assert page.inner_text("#editor-message").startswith(head)
    assert not page.is_visible("#draft-outdated")  # said once, in the alert
    assert_usable(page)
    page.keyboard.press("Escape")  # the alert goes; the draft panel keeps saying it
    page.wait_for_selector("#draft-outdated:visible")
    assert page.inner_text("#draft-outdated").startswith(head)
    page.screenshot(path=tmp_path / "outdated-1366.png")
    page.click("#rebase-button")
    page.wait_for_selector("#rebase-button", state="hidden")
    page.wait_for_selector("#draft-outdated", state="hidden")
    wait_ops(page, 1)  # the lock was replayed on today's households
    assert page.evaluate("window.gridEditor.households.size") == before + 3
    page.click(f'a[data-pick="{other}"]')
    page.click("#lock-button")
    wait_ops(page, 2)
    page.click("#submit-button")
    page.wait_for_selector('#versions li[data-version="2"] .badge')
    version = GridVersion.objects.get(village=village, valid_to__isnull=True)
    assert version.grids.get(code=grid).locked and version.grids.get(code=other).locked


SETTLED = """() => !Object.values(gridEditor.villages).some(v => v.loading)"""
OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll(".grid-label")]
    .filter(e => !e.classList.contains("label-hidden")).map(e => e.getBoundingClientRect());
  let overlaps = 0;
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps++;
  }));
  return [boxes.length, overlaps];
}"""


@pytest.mark.parametrize("width, height", [(1366, 850), (360, 740)], ids=["desktop", "phone"])
def test_grid_labels_never_cover_each_other(
    browser, live_server, township_user, width, height, tmp_path
):
    services.partition_run_apply(
        services.partition_run_compute(
            services.partition_run_create(scope="township", code="360721100")
        )
    )
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    login(page, live_server, "township", PASSWORD)
    page.goto(f"{live_server.url}/townships/360721100/editor/")
    page.wait_for_selector("body[data-editor-ready]")
    for zoom in (12, 14, 16):
        page.evaluate(f"() => {{ gridEditor.map.setZoom({zoom}, {{animate: false}}); }}")
        # from the village zoom on, the villages in view load their grids (and labels)
        page.wait_for_function(SETTLED)
        grids = page.locator(".grid-label").count()
        shown, overlaps = page.evaluate(OVERLAPS)
        page.screenshot(path=tmp_path / f"labels-{width}-z{zoom}.png")
        assert overlaps == 0, (zoom, shown)
        assert (shown == 0) if zoom < 13 else (0 < shown <= grids), (zoom, shown)
    context.close()


def test_on_a_phone_the_editor_is_read_only_and_failures_are_shown(
    browser, live_server, township_user, tmp_path
):
    from tests.grids.test_editor_helpers import partitioned

    village = partitioned()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    login(page, live_server, "township", PASSWORD)
    page.goto(f"{live_server.url}/villages/{PINGDISHAN}/editor/")
    page.wait_for_selector("body[data-editor-ready]")
    assert page.is_visible("#readonly-note")
    for tool in ("#select-panel", "#undo-button", "#submit-button"):
        assert not page.is_visible(tool), tool
    grid = sorted(shown_state(village)["grids"])[0]
    page.click(f'a[data-pick="{grid}"]')
    assert page.is_visible("#grid-panel") and not page.is_visible("#split-button")
    assert page.is_disabled("#leader-select")
    page.route("**/compare.json*", lambda route: route.abort())
    page.click('#versions li[data-version="1"] button[data-act="show"]')
    page.wait_for_selector("#editor-message:not([hidden])")
    assert page.inner_text("#editor-message") == page_text(page, "networkError")
    assert page.is_enabled('#versions li[data-version="1"] button[data-act="show"]')
    page.screenshot(path=tmp_path / "phone-read-only.png", full_page=True)
    context.close()
