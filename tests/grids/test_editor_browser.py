"""The editor in Chromium: lasso and move with live counts, a refused edit, split, merge,
submit as a new version, and a conflict between two staff resolved without losing edits."""

import pytest
from django.contrib.auth.models import User

from grids.editing import drafts
from grids.models import GridDraft, GridVersion
from households.models import Household
from tests.conftest import PASSWORD, login
from tests.grids.test_editor_helpers import PINGDISHAN, border_move, far_household, partitioned

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT_MS = 15_000


@pytest.fixture(name="editor")
def editor_fixture(page, live_server, township_user):
    """The editor of 坪地山村 (partitioned) open in Chromium: (page, village)."""
    village = partitioned()
    login(page, live_server, "township", PASSWORD)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live_server.url}/villages/{PINGDISHAN}/editor/")
    page.wait_for_selector("body[data-editor-ready]")
    return page, village


def shown_state(village):
    """The state the page shows before the first edit (no draft exists yet)."""
    return drafts.draft_view(village, User.objects.get(username="township")).state


def count(page, code) -> int:
    return int(page.inner_text(f'#grid-list tr[data-code="{code}"] .count'))


def wait_ops(page, n):
    page.wait_for_selector(f'#draft-status[data-ops="{n}"]')
    page.wait_for_selector('#draft-status[aria-busy="false"]')


def pixel(page, hid):
    """Page coordinates of a household, after centring the map on it at zoom 19."""
    p = Household.objects.get(pk=hid).location
    zoom, x, y = page.evaluate(
        """([lat, lon]) => {
        const m = gridEditor.map; m.setView([lat, lon], 19, {animate: false});
        const pt = m.latLngToContainerPoint([lat, lon]);
        const box = m.getContainer().getBoundingClientRect();
        return [m.getZoom(), box.left + pt.x, box.top + pt.y]; }""",
        [p.y, p.x],
    )
    assert zoom == 19, "the map did not take the view (Leaflet drops it during a zoom animation)"
    return x, y


def test_lasso_move_shows_counts_before_saving_and_invalid_move_is_refused(editor):
    page, village = editor
    r = 7  # pixels at zoom 19, about 2 m: the unit is chosen with nobody else within 6 m
    hids, src, dst = border_move(village, shown_state(village), alone_m=6.0)
    before_src, before_dst = count(page, src), count(page, dst)
    x, y = pixel(page, hids[0])
    page.click("#lasso-button")
    page.wait_for_selector('body[data-draw-mode="lasso"]')  # geoman takes clicks as vertices
    for dx, dy in ((-r, -r), (r, -r), (r, r), (-r, r), (-r, -r)):  # the last one closes it
        page.mouse.click(x + dx, y + dy)
    page.wait_for_selector("body:not([data-draw-mode])")
    page.wait_for_selector("#move-box:not([hidden])")
    assert page.inner_text("#selected-count") == str(len(hids))
    page.select_option("#move-grid", dst)
    held = []
    page.route("**/op.json", lambda route: held.append(route))
    page.click("#move-button")
    page.wait_for_function(
        "([c, n]) => +document.querySelector("
        "`#grid-list tr[data-code='${c}'] .count`).textContent === n",
        arg=[src, before_src - len(hids)],
    )
    assert count(page, dst) == before_dst + len(hids)  # live balance, nothing saved yet
    page.wait_for_timeout(50)
    assert held and not GridDraft.objects.exists()  # the first edit makes the draft
    held[0].continue_()
    page.unroute("**/op.json")
    wait_ops(page, 1)
    assert count(page, src) == before_src - len(hids)
    assert GridDraft.objects.get().state["assign"][str(hids[0])][0] == dst
    # an invalid edit: a household far from the target grid would split it off
    state = GridDraft.objects.get().state
    target = sorted(state["grids"])[0]
    hid, src = far_household(village, state, target)
    before = count(page, src)
    x, y = pixel(page, hid)
    page.mouse.click(x, y)
    page.wait_for_selector("#move-box:not([hidden])")
    page.select_option("#move-grid", target)
    page.click("#move-button")
    page.wait_for_selector("#editor-message:not([hidden])")
    assert target in page.inner_text("#editor-message")
    wait_ops(page, 1)
    assert count(page, src) == before  # the preview was rolled back


def test_split_merge_submit_and_see_the_new_version(editor):
    page, village = editor
    state = shown_state(village)
    grid = sorted(state["grids"])[0]
    rows = page.locator("#grid-list tbody tr[data-code]").count()
    page.click(f'a[data-pick="{grid}"]')
    page.fill("#split-k", "2")
    page.click("#split-button")
    wait_ops(page, 1)
    assert page.locator("#grid-list tbody tr[data-code]").count() == rows + 1
    new = max(GridDraft.objects.get().state["grids"])
    page.click(f'a[data-pick="{grid}"]')
    page.select_option("#merge-with", new)
    page.click("#merge-button")
    wait_ops(page, 2)
    assert page.locator("#grid-list tbody tr[data-code]").count() == rows
    page.click("#submit-button")
    page.wait_for_selector('#versions li[data-version="2"] .badge')
    wait_ops(page, 0)
    assert GridVersion.objects.get(village=village, valid_to__isnull=True).number == 2
    assert "2" in page.inner_text("#editor-message")


def test_conflict_is_named_and_resolved_without_losing_the_draft(editor):
    page, village = editor
    state = shown_state(village)
    grid = sorted(state["grids"])[-1]
    page.click(f'a[data-pick="{grid}"]')
    page.click("#lock-button")
    wait_ops(page, 1)
    other = User.objects.create_user("colleague")
    hids, _src, dst = border_move(village, drafts.draft_view(village, other).state, avoid=(grid,))
    theirs, _r, _c = drafts.draft_apply(
        village, {"type": "move", "households": hids, "grid": dst}, user=other, revision=0
    )
    drafts.draft_submit(village, user=other, revision=theirs.revision)
    page.click("#submit-button")
    page.wait_for_selector("#rebase-button:visible")
    assert "colleague" in page.inner_text("#editor-message")
    wait_ops(page, 1)  # the draft is kept
    page.click("#rebase-button")
    page.wait_for_selector("#rebase-button", state="hidden")
    wait_ops(page, 1)
    page.click("#submit-button")
    page.wait_for_selector('#versions li[data-version="3"] .badge')
    version = GridVersion.objects.get(village=village, valid_to__isnull=True)
    assert version.number == 3 and version.grids.get(code=grid).locked
    assert version.assignments.get(household_id=hids[0]).grid.code == dst
