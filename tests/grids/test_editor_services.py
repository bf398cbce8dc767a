"""grids.editing on PostGIS: every edit, its checks and messages, drafts, versions, conflicts.

Village 坪地山村 of the demo township, partitioned once per test (~10 grids of ~50).
"""

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from grids import services
from grids.appointments import ERR_ALREADY_MEMBER
from grids.editing import drafts, state
from grids.editing import messages as M
from grids.editing.compare import version_compare
from grids.editing.errors import EditError, StaleDraft, SubmitConflict
from grids.models import GridAssignment, GridDraft, GridEditEvent, GridVersion
from households.models import Household, Person
from tests.grids.db_checks import assert_versions_dated
from tests.grids.test_editor_helpers import (
    apart_pair,
    border_move,
    far_household,
    partitioned,
    touching_pair,
)


@pytest.fixture
def village(demo_county):
    return partitioned()


@pytest.fixture
def staff(db):
    return User.objects.create_user("staff-a")


def counts(state):
    return Counter(g for g, _n in state["assign"].values())


def apply(draft, op, user):
    draft, result, _created = drafts.draft_apply(
        draft.village, op, user=user, revision=draft.revision
    )
    return draft, result


def submit(draft, user):
    return drafts.draft_submit(draft.village, user=user, revision=draft.revision)


def test_open_draft_is_a_copy_of_the_open_version(village, staff):
    draft, warnings = drafts.draft_open(village, staff)
    current = GridVersion.objects.get(village=village, valid_to__isnull=True)
    assert draft.base_version == current and draft.revision == 0 and warnings == []
    assert counts(draft.state) == Counter(
        GridAssignment.objects.filter(version=current).values_list("grid__code", flat=True)
    )
    assert set(draft.state["geoms"]) == set(draft.state["grids"])
    assert drafts.draft_open(village, staff)[0].pk == draft.pk  # one open draft per user


def test_move_updates_counts_polygons_and_history(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    hids, src, dst = border_move(village, draft.state)
    before = counts(draft.state)
    draft, result = apply(draft, {"type": "move", "households": hids, "grid": dst}, staff)
    after = counts(draft.state)
    assert after[src] == before[src] - len(hids) and after[dst] == before[dst] + len(hids)
    assert result.changed == {src, dst} and draft.revision == 1
    assert draft.state["geoms"][dst] != state.version_state(draft.base_version)["geoms"][dst]
    event = GridEditEvent.objects.get(action=GridEditEvent.Action.EDIT)
    assert event.user == staff and dst in event.summary


def test_move_that_splits_a_grid_is_refused_with_the_grid_named(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    target = sorted(draft.state["grids"])[0]
    hid, _src = far_household(village, draft.state, target)
    with pytest.raises(EditError) as exc:
        apply(draft, {"type": "move", "households": [hid], "grid": target}, staff)
    assert exc.value.msgid == M.ERR_DISCONNECTED and target in str(exc.value)
    draft.refresh_from_db()
    assert draft.ops == [] and draft.revision == 0  # nothing changed
    assert GridEditEvent.objects.filter(action=GridEditEvent.Action.REFUSED).count() == 1


def test_household_of_another_village_cannot_join(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    other = Household.objects.exclude(group__village=village).first()
    grid = sorted(draft.state["grids"])[0]
    with pytest.raises(EditError) as exc:
        apply(draft, {"type": "move", "households": [other.pk], "grid": grid}, staff)
    assert exc.value.msgid == M.ERR_CROSSES_VILLAGE
    assert grid in str(exc.value) and village.name in str(exc.value)
    # named by its household number and head, as staff know it, not by a database id
    assert other.external_id in str(exc.value) and other.head in str(exc.value)
    with pytest.raises(EditError) as exc:  # no household of the township: named by nothing
        apply(draft, {"type": "move", "households": [10**9], "grid": grid}, staff)
    assert exc.value.msgid == M.ERR_UNKNOWN_HOUSEHOLD and village.name in str(exc.value)


def test_locked_grid_keeps_its_households(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    hids, src, dst = border_move(village, draft.state)
    draft, _r = apply(draft, {"type": "lock", "grid": src}, staff)
    with pytest.raises(EditError) as exc:
        apply(draft, {"type": "move", "households": hids, "grid": dst}, staff)
    assert exc.value.msgid == M.ERR_LOCKED and src in str(exc.value)


def test_split_automatically_into_two_connected_grids(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    grid = max(draft.state["grids"], key=lambda g: counts(draft.state)[g])
    n = counts(draft.state)[grid]
    draft, result = apply(draft, {"type": "split", "grid": grid, "k": 2}, staff)
    (new,) = result.changed - {grid}
    c = counts(draft.state)
    # the library bisects count-exactly where the household graph allows: near-equal parts
    assert c[grid] + c[new] == n and min(c[grid], c[new]) >= 0.3 * n
    assert new[:12] == village.code and new > max(g for g in c if g != new)
    lo = village.grid_min
    assert (c[new] < lo) == any(new in w for w in result.warnings)  # out of band: a warning


def test_split_along_a_line(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    grid = max(draft.state["grids"], key=lambda g: counts(draft.state)[g])
    rows = [(h, v) for h, v in draft.state["assign"].items() if v[0] == grid]
    pts = Household.objects.filter(pk__in=[int(h) for h, _v in rows]).values_list(
        "location", flat=True
    )
    xs = sorted(p.x for p in pts)
    ys = [p.y for p in pts]
    mid = xs[len(xs) // 2] + 1e-6
    line = [[mid, min(ys) - 0.01], [mid, max(ys) + 0.01]]  # north-south through the middle
    try:
        draft, result = apply(draft, {"type": "split", "grid": grid, "line": line}, staff)
    except EditError as exc:  # a cut may leave one side in two pieces: refused, named
        assert exc.msgid == M.ERR_DISCONNECTED
        return
    assert len(result.changed) >= 2 and sum(counts(draft.state)[g] for g in result.changed) == len(
        rows
    )


def test_line_that_misses_the_grid_is_refused(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    grid = sorted(draft.state["grids"])[0]
    with pytest.raises(EditError) as exc:
        apply(draft, {"type": "split", "grid": grid, "line": [[100.0, 10.0], [100.1, 10.1]]}, staff)
    assert exc.value.msgid == M.ERR_SPLIT_LINE and grid in str(exc.value)


def test_merge_adjacent_grids_and_refuse_distant_ones(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    a, b = touching_pair(village, draft.state)
    total = counts(draft.state)[a] + counts(draft.state)[b]
    draft, result = apply(draft, {"type": "merge", "grids": [a, b]}, staff)
    assert result.changed == {a} and b not in draft.state["grids"]
    assert counts(draft.state)[a] == total
    x, y = apart_pair(village, draft.state)
    with pytest.raises(EditError) as exc:
        apply(draft, {"type": "merge", "grids": [x, y]}, staff)
    assert (
        exc.value.msgid == M.ERR_MERGE_NOT_ADJACENT and x in str(exc.value) and y in str(exc.value)
    )


def test_redraw_takes_the_households_inside(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    hids, src, dst = border_move(village, draft.state)
    p = Household.objects.get(pk=hids[0]).location
    from shapely.geometry import LineString, Point, shape
    from shapely.ops import nearest_points

    grid_poly = shape(draft.state["geoms"][dst]).buffer(0)
    reach = LineString([(p.x, p.y), nearest_points(grid_poly, Point(p.x, p.y))[0]]).buffer(2e-5)
    outer = (
        [list(c) for c in grid_poly.union(reach).geoms[0].exterior.coords]
        if hasattr(grid_poly.union(reach), "geoms")
        else [list(c) for c in grid_poly.union(reach).exterior.coords]
    )
    before = counts(draft.state)
    draft, result = apply(draft, {"type": "redraw", "grid": dst, "polygon": outer}, staff)
    assert draft.state["assign"][str(hids[0])][0] == dst
    assert counts(draft.state)[src] < before[src] and {src, dst} <= result.changed


def test_leader_and_members_reuse_the_appointment_rules(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    grid = sorted(draft.state["grids"])[0]
    person = Person.objects.filter(household__group__village=village).first()
    draft, _r = apply(draft, {"type": "leader", "grid": grid, "person": person.pk}, staff)
    assert draft.state["grids"][grid]["leader"] == person.pk
    assert draft.state["grids"][grid]["leader_confirmed"] is True
    areas = sorted({n for g, n in draft.state["assign"].values() if g == grid})
    draft, _r = apply(
        draft, {"type": "member", "grid": grid, "area": areas[0], "person": person.pk}, staff
    )
    with pytest.raises(EditError) as exc:
        apply(draft, {"type": "member", "grid": grid, "area": areas[1], "person": person.pk}, staff)
    assert str(exc.value) == ERR_ALREADY_MEMBER.format(
        person=person.name, area=f"{grid}-{areas[0]:02d}"
    )
    stranger = Person.objects.exclude(household__group__village=village).first()
    with pytest.raises(EditError) as exc:
        apply(draft, {"type": "leader", "grid": grid, "person": stranger.pk}, staff)
    assert exc.value.msgid == M.ERR_UNKNOWN_PERSON


def test_undo_and_redo_replay_the_draft(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    start = counts(draft.state)
    hids, src, dst = border_move(village, draft.state)
    draft, _r = apply(draft, {"type": "move", "households": hids, "grid": dst}, staff)
    one = counts(draft.state)
    draft, _r = apply(draft, {"type": "lock", "grid": dst}, staff)
    draft = drafts.draft_undo(village, user=staff, revision=draft.revision)
    assert not draft.state["grids"][dst]["locked"] and counts(draft.state) == one
    draft = drafts.draft_undo(village, user=staff, revision=draft.revision)
    assert counts(draft.state) == start and draft.ops == [] and len(draft.undone) == 2
    draft = drafts.draft_redo(village, user=staff, revision=draft.revision)
    assert counts(draft.state) == one
    with pytest.raises(StaleDraft) as exc:  # another window with an old revision
        drafts.draft_redo(village, user=staff, revision=draft.revision - 1)
    assert exc.value.msgid == M.ERR_STALE_DRAFT


def test_submit_creates_the_next_dated_version(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    hids, src, dst = border_move(village, draft.state)
    draft, _r = apply(draft, {"type": "move", "households": hids, "grid": dst}, staff)
    base = draft.base_version
    version = submit(draft, staff)
    base.refresh_from_db()
    assert version.number == base.number + 1 and version.source == GridVersion.Source.EDIT
    assert base.valid_to == version.valid_from and version.created_by == staff
    assert_versions_dated([village])
    grid_of = dict(
        GridAssignment.objects.filter(version=version).values_list("household_id", "grid__code")
    )
    assert all(grid_of[h] == dst for h in hids)
    assert len(grid_of) == Household.objects.filter(group__village=village).count()
    draft.refresh_from_db()
    assert draft.status == GridDraft.Status.SUBMITTED and draft.submitted_version == version
    assert GridEditEvent.objects.filter(action="submit", version=version, user=staff).exists()
    moved = version_compare(village, base.number)["moved"]
    assert {m[0] for m in moved} == set(hids)


def test_second_submit_conflicts_and_keeps_the_draft_until_rebased(village, staff):
    other = User.objects.create_user("staff-b")
    mine, _w = drafts.draft_open(village, staff)
    theirs, _w = drafts.draft_open(village, other)
    hids, src, dst = border_move(village, mine.state)
    mine, _r = apply(mine, {"type": "move", "households": hids, "grid": dst}, staff)
    grid = sorted(theirs.state["grids"])[-1]
    theirs, _r = apply(theirs, {"type": "lock", "grid": grid}, other)
    submit(mine, staff)
    with pytest.raises(SubmitConflict) as exc:
        submit(theirs, other)
    text = str(exc.value)
    assert "staff-a" in text and village.name in text and dst in text and src in text
    theirs.refresh_from_db()
    assert theirs.status == GridDraft.Status.OPEN and len(theirs.ops) == 1  # nothing lost
    assert GridEditEvent.objects.filter(action="conflict", user=other).exists()
    theirs, dropped = drafts.draft_rebase(village, user=other, revision=theirs.revision)
    assert dropped == [] and theirs.base_number == 2 and theirs.state["grids"][grid]["locked"]
    assert all(theirs.state["assign"][str(h)][0] == dst for h in hids)  # their base now has mine
    version = submit(theirs, other)
    assert version.number == 3 and version.grids.get(code=grid).locked


def test_partition_apply_and_submit_serialise_on_the_village(village, staff):
    run = services.partition_run_compute(
        services.partition_run_create(scope="village", code=village.code, fresh=True)
    )
    draft, _w = drafts.draft_open(village, staff)
    hids, _src, dst = border_move(village, draft.state)
    draft, _r = apply(draft, {"type": "move", "households": hids, "grid": dst}, staff)
    submit(draft, staff)
    with pytest.raises(services.ConflictError):
        services.partition_run_apply(run)  # the run was computed on the older version


def test_restore_an_earlier_version(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    a, b = touching_pair(village, draft.state)
    draft, _r = apply(draft, {"type": "merge", "grids": [a, b]}, staff)
    v2 = submit(draft, staff)
    draft, _w = drafts.draft_open(village, staff)
    draft, result = apply(draft, {"type": "restore", "version": 1}, staff)
    assert b in draft.state["grids"]
    v3 = submit(draft, staff)
    assert v3.source == GridVersion.Source.RESTORE and v2.number == 2
    one = dict(
        GridAssignment.objects.filter(version__number=1, version__village=village).values_list(
            "household_id", "grid__code"
        )
    )
    three = dict(
        GridAssignment.objects.filter(version=v3).values_list("household_id", "grid__code")
    )
    assert one == three


def test_submit_of_an_empty_draft_is_refused(village, staff):
    draft, _w = drafts.draft_open(village, staff)
    with pytest.raises(EditError) as exc:
        submit(draft, staff)
    assert exc.value.msgid == M.ERR_NOTHING
    assert _(M.ERR_NOTHING)
