"""The editor API on bad input: every action, every malformed body is a 400 that names the
field, and nothing is written; oversized edits are refused before any geometry work;
a refused edit leaves only a short line in the history; a retried submit is answered
as the first one was; times are shown in the configured zone."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from grids.editing import messages as M
from grids.editing import serializers as S
from grids.models import GridDraft, GridEditEvent, GridVersion
from tests.grids.test_editor_helpers import (  # noqa: F401 - fixtures
    API,
    PINGDISHAN,
    border_move,
    staff_fixture,
    village_fixture,
)
from tests.grids.test_editor_helpers import api_post as post


def snapshot():
    """Everything an editor request may write."""
    return (
        list(GridDraft.objects.values_list("pk", "revision", "status", "ops")),
        GridEditEvent.objects.count(),
        GridVersion.objects.count(),
    )


GRID = PINGDISHAN + "001"
MOVE = {"type": "move", "households": [1], "grid": GRID}
# (action, body, the field the answer names); a str body is sent as it is
BAD_BODIES = [
    *[(a, "{not json", "body") for a in ("op", "undo", "redo", "rebase", "discard", "submit")],
    *[(a, "", "body") for a in ("op", "undo", "submit")],
    *[(a, "[1, 2]", "body") for a in ("op", "undo", "redo", "rebase", "discard", "submit")],
    *[(a, "null", "body") for a in ("op", "submit")],
    *[(a, {}, "revision") for a in ("op", "undo", "redo", "rebase", "discard", "submit")],
    *[(a, {"revision": "abc"}, "revision") for a in ("undo", "redo", "rebase", "discard")],
    ("submit", {"revision": "0"}, "revision"),
    ("submit", {"revision": -1}, "revision"),
    ("submit", {"revision": 1.5}, "revision"),
    ("submit", {"revision": True}, "revision"),
    ("submit", {"revision": 0, "note": 5}, "note"),
    ("submit", {"revision": 0, "note": "x" * (S.MAX_NOTE + 1)}, "note"),
    ("submit", {"revision": 0, "token": "short"}, "token"),
    ("submit", {"revision": 0, "token": "bad token with spaces"}, "token"),
    ("op", {"revision": 0, "base": 1}, "op"),
    ("op", {"revision": 0, "op": MOVE}, "base"),
    ("op", {"revision": 0, "base": "1", "op": MOVE}, "base"),
    ("op", {"revision": 0, "base": 1, "op": []}, "op"),
    ("op", {"revision": 0, "base": 1, "op": "move"}, "op"),
    ("op", {"revision": 0, "base": 1, "op": {}}, "op.type"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "explode"}}, "op.type"),
    ("op", {"revision": 0, "base": 1, "op": {"type": ["move"]}}, "op.type"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "households": ["abc"]}}, "op.households.0"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "households": [1, None]}}, "op.households.1"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "households": []}}, "op.households"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "households": 7}}, "op.households"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "households": [10**30]}}, "op.households.0"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "grid": 360721100202001}}, "op.grid"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "area": "x"}}, "op.area"),
    ("op", {"revision": 0, "base": 1, "op": {**MOVE, "area": 0}}, "op.area"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "move", "grid": GRID}}, "op.households"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "split", "grid": GRID, "k": "abc"}}, "op.k"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "split", "grid": GRID, "k": 1}}, "op.k"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "split", "grid": GRID, "k": 99}}, "op.k"),
    (
        "op",
        {"revision": 0, "base": 1, "op": {"type": "split", "grid": GRID, "line": [[1, 2]]}},
        "op.line",
    ),  # fmt: skip
    (
        "op",
        {
            "revision": 0,
            "base": 1,
            "op": {"type": "split", "grid": GRID, "line": [[1, 2], [1, "north"]]},
        },
        "op.line.1",
    ),  # fmt: skip
    (
        "op",
        {
            "revision": 0,
            "base": 1,
            "op": {"type": "split", "grid": GRID, "line": [[1, 2], [500, 2]]},
        },
        "op.line.1",
    ),  # fmt: skip
    (
        "op",
        {
            "revision": 0,
            "base": 1,
            "op": {"type": "split", "grid": GRID, "line": [[1, 2], [float("nan"), 2]]},
        },
        "op.line.1",
    ),  # fmt: skip
    (
        "op",
        {
            "revision": 0,
            "base": 1,
            "op": {"type": "split", "grid": GRID, "line": [[1, 2], [1, float("inf")]]},
        },
        "op.line.1",
    ),  # fmt: skip
    (
        "op",
        {
            "revision": 0,
            "base": 1,
            "op": {"type": "split", "grid": GRID, "line": [[1, 2], [1, True]]},
        },
        "op.line.1",
    ),  # fmt: skip
    ("op", {"revision": 0, "base": 1, "op": {"type": "split", "k": 2}}, "op.grid"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "merge", "grids": GRID}}, "op.grids"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "merge", "grids": [GRID, 3]}}, "op.grids.1"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "redraw", "grid": GRID}}, "op.polygon"),
    (
        "op",
        {
            "revision": 0,
            "base": 1,
            "op": {"type": "redraw", "grid": GRID, "polygon": [[1, 2], [3, 4]]},
        },
        "op.polygon",
    ),  # fmt: skip
    (
        "op",
        {
            "revision": 0,
            "base": 1,
            "op": {"type": "redraw", "grid": GRID, "polygon": "POLYGON((1 2,3 4))"},
        },
        "op.polygon",
    ),  # fmt: skip
    (
        "op",
        {"revision": 0, "base": 1, "op": {"type": "lock", "grid": GRID, "locked": "no"}},
        "op.locked",
    ),  # fmt: skip
    ("op", {"revision": 0, "base": 1, "op": {"type": "leader", "grid": GRID}}, "op.person"),
    (
        "op",
        {"revision": 0, "base": 1, "op": {"type": "leader", "grid": GRID, "person": "x"}},
        "op.person",
    ),  # fmt: skip
    (
        "op",
        {"revision": 0, "base": 1, "op": {"type": "member", "grid": GRID, "person": 1}},
        "op.area",
    ),  # fmt: skip
    ("op", {"revision": 0, "base": 1, "op": {"type": "restore", "version": "1"}}, "op.version"),
    ("op", {"revision": 0, "base": 1, "op": {"type": "restore"}}, "op.version"),
]


def _id(case):
    action, body, field = case
    text = body if isinstance(body, str) else json.dumps(body)
    return f"{action}-{field}-{text[:40]}"


@pytest.mark.parametrize("case", BAD_BODIES, ids=[_id(c) for c in BAD_BODIES])
def test_a_malformed_body_is_a_400_naming_the_field_and_writes_nothing(staff, case):
    action, body, field = case
    before = snapshot()
    r = post(staff, action, body)
    assert r.status_code == 400, r.content
    data = r.json()
    assert data["kind"] == "invalid" and data["error"]
    if field == "body":
        assert "fields" not in data or not data["fields"]
    else:
        assert field in data["fields"], data
        assert field in data["error"]  # the message itself names the field
    assert snapshot() == before


def test_every_write_action_is_in_the_table(staff):
    """A new action must join BAD_BODIES (its malformed bodies are 400s)."""
    from grids.views_editor import POST_ACTIONS

    assert {a for a, _b, _f in BAD_BODIES} == set(POST_ACTIONS)


@pytest.mark.parametrize(
    "query, status",
    [("", 400), ("?version=abc", 400), ("?version=0", 400), ("?version=99", 404)],
)
def test_compare_query_is_checked(staff, query, status):
    r = staff.get(f"{API}/compare.json{query}")
    assert r.status_code == status and r.json()["error"]
    if status == 400:
        assert "version" in r.json()["fields"]


def test_wrong_method_and_unknown_action(staff):
    assert staff.get(f"{API}/submit.json").status_code == 405
    assert post(staff, "draft", {"revision": 0}).status_code == 405
    r = post(staff, "explode", {"revision": 0})
    assert r.status_code == 404 and "explode" in r.json()["error"]
    assert snapshot() == ([], 0, 1)


def test_an_oversized_redraw_is_refused_before_any_geometry(staff):
    """100,000 vertices: refused by size (the body is not even read) or by the vertex cap."""
    ring = [[115.62 + i * 1e-7, 26.03] for i in range(100_000)]
    before = snapshot()
    r = post(staff, "op", {"revision": 0, "base": 1, "op": {"type": "redraw", "grid": GRID,
                                                          "polygon": ring}})  # fmt: skip
    assert r.status_code == 400 and r.json()["kind"] == "invalid"
    assert str(S.MAX_BODY_BYTES) in r.json()["error"]
    compact = [[1, 2]] * (S.MAX_VERTICES + 1)  # under the byte cap: the vertex cap names it
    r = post(staff, "op", {"revision": 0, "base": 1, "op": {"type": "redraw", "grid": GRID,
                                                          "polygon": compact}})  # fmt: skip
    assert r.status_code == 400 and "op.polygon" in r.json()["fields"]
    assert snapshot() == before


def test_a_refused_edit_leaves_a_short_line_in_the_history(staff, village):
    """A redraw far from the village (valid, near the vertex cap) is refused by the rules:
    the history keeps its digest, not its vertices."""
    n = S.MAX_VERTICES - 1
    ring = [[100.0 + 0.01 * (i % 2), 10.0 + 0.01 * (i // 2) / n] for i in range(n)]
    ring = [[100.0, 10.0], [100.01, 10.0], *ring[2:], [100.0, 10.0]]
    body = {"revision": 0, "base": 1, "op": {"type": "redraw", "grid": GRID, "polygon": ring}}
    r = post(staff, "op", body)
    assert r.status_code == 400 and r.json()["kind"] == "refused", r.content
    event = GridEditEvent.objects.get()
    assert event.action == GridEditEvent.Action.REFUSED and event.draft is None
    assert event.detail["polygon"] == len(ring) and len(json.dumps(event.detail)) < 300
    assert len(event.summary) <= 500 and not GridDraft.objects.exists()  # no draft was made


def test_a_retried_submit_gets_the_first_answer(staff, village):
    page = staff.get(f"{API}/draft.json").json()
    hids, _src, dst = border_move(village, page)
    r = post(staff, "op", {"revision": 0, "base": 1,
                           "op": {"type": "move", "households": hids, "grid": dst}})  # fmt: skip
    assert r.status_code == 200
    body = {"revision": 1, "token": "tok-1234567890", "note": "first"}
    first = post(staff, "submit", body)
    assert first.status_code == 200 and first.json()["submitted"] == 2
    again = post(staff, "submit", body)  # the answer was lost: the page sends it again
    assert again.status_code == 200 and again.json()["submitted"] == 2, again.content
    assert GridVersion.objects.filter(village=village).count() == 2
    other = post(staff, "submit", {**body, "token": "tok-other-12345"})
    assert other.status_code == 409 and other.json()["kind"] == "stale"


def test_a_missing_draft_with_a_revision_is_stale(staff):
    r = post(staff, "undo", {"revision": 3})
    assert r.status_code == 409 and r.json()["kind"] == "stale"
    with translation.override(settings.LANGUAGE_CODE):
        assert r.json()["error"] == translation.gettext(M.ERR_DRAFT_GONE)
    r = post(staff, "op", {"revision": 0, "base": 7, "op": {"type": "lock", "grid": GRID}})
    assert r.status_code == 409 and r.json()["kind"] == "stale" and "7" in r.json()["error"]
    assert not GridDraft.objects.exists()


@override_settings(LANGUAGE_CODE="en")
def test_times_are_shown_in_the_configured_zone(staff, village):
    """Version list, history and a conflict all say 08:30 for 00:30 UTC (Asia/Shanghai)."""
    utc = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    GridVersion.objects.filter(village=village).update(valid_from=utc)
    page = staff.get(f"{API}/draft.json").json()
    hids, _src, dst = border_move(village, page)
    post(staff, "op", {"revision": 0, "base": 1,
                       "op": {"type": "move", "households": hids, "grid": dst}})  # fmt: skip
    GridEditEvent.objects.update(at=utc)
    data = staff.get(f"{API}/draft.json").json()
    assert data["versions"][0]["from"] == "2026-03-01 08:30"
    assert data["history"][0]["at"] == "2026-03-01 08:30"
    compare = staff.get(f"{API}/compare.json?version=1").json()
    assert compare["valid_from"] == "2026-03-01 08:30"
    # a colleague's version made at 00:30 UTC: the conflict names it in the same form
    from django.contrib.auth.models import User

    from grids.editing import drafts

    other = User.objects.create_user("colleague")
    drafts.draft_apply(village, {"type": "lock", "grid": dst}, user=other, revision=0)
    drafts.draft_submit(village, user=other, revision=1)
    GridVersion.objects.filter(village=village, number=2).update(valid_from=utc)
    r = post(staff, "submit", {"revision": 1})
    assert r.status_code == 409 and r.json()["kind"] == "conflict"
    assert "2026-03-01 08:30" in r.json()["error"]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", data["versions"][0]["from"])
