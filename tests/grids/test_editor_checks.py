"""The whole-village checks a draft passes before it becomes a version (grids.editing.checks):
each check is shown to catch what it is there for, so removing one fails a test.

The geometry tests take the real geometry of a demo village and change it: a Voronoi cell
shrunk away from its group's edge leaves a gap, as a bug in polygon building would; a cell
grown into the neighbouring grid is cut back by the coverage noding (grids cannot overlap
by construction), so the overlap check is fed a grown grid polygon directly."""

import dataclasses

import numpy as np
import pytest
import shapely
from django.contrib.auth.models import User

from grids.editing import messages as M
from grids.editing.checks import TILING_TOLERANCE_M2, check_state, check_tiling
from grids.editing.errors import EditError
from grids.editing.ops import EditContext
from grids.editing.state import edit_context, version_state
from grids.selectors import version_current
from tests.grids.test_editor_helpers import codes_of, partitioned


@pytest.fixture
def village(demo_county):
    return partitioned()


@pytest.fixture
def ctx_state(village):
    ctx = edit_context(village)
    return ctx, version_state(version_current(village))


def with_cells(ctx: EditContext, cells) -> EditContext:
    layout = dataclasses.replace(ctx.geo.layout, cells=cells)
    return dataclasses.replace(ctx, geo=dataclasses.replace(ctx.geo, layout=layout))


def border_unit(ctx, state):
    """A unit with a neighbour in another grid, and that grid."""
    ucode = np.empty(len(ctx.geo.w), dtype=object)
    ucode[ctx.geo.unit] = codes_of(ctx, state)
    for a, b in zip(ctx.geo.ea, ctx.geo.eb):
        if ucode[a] != ucode[b]:
            return int(a), ucode[a], ucode[b]
    raise AssertionError("no two grids touch")


def test_the_saved_version_passes(ctx_state):
    ctx, state = ctx_state
    codes, polys = check_state(ctx, state)
    assert codes == sorted(state["grids"]) and len(polys) == len(codes)


def test_an_empty_grid_is_refused(ctx_state):
    ctx, state = ctx_state
    state["grids"]["360721100202999"] = {"locked": False, "leader": None, "members": {}}
    with pytest.raises(EditError) as exc:
        check_state(ctx, state)
    assert exc.value.msgid == M.ERR_EMPTY_GRID and "360721100202999" in str(exc.value)


def test_a_household_in_no_grid_is_refused(ctx_state):
    ctx, state = ctx_state
    state["assign"].pop(next(iter(state["assign"])))
    with pytest.raises(EditError) as exc:
        check_state(ctx, state)
    assert exc.value.msgid == M.ERR_UNASSIGNED


def test_a_cell_grown_into_its_neighbour_is_cut_back(ctx_state):
    """Grid polygons are noded into an exact coverage (overlaps go to one side), so no
    edit can make two grids overlap: a cell grown 40 m into the neighbouring grid still
    gives grids that share borders only."""
    ctx, state = ctx_state
    u, _mine, _theirs = border_unit(ctx, state)
    cells = ctx.geo.cells.copy()
    cells[u] = shapely.buffer(cells[u], 40.0)
    assert shapely.area(shapely.intersection(cells[u], shapely.union_all(np.delete(cells, u)))) > 0
    _codes, polys = check_state(with_cells(ctx, cells), state)
    for i, a in enumerate(polys):
        for b in polys[i + 1 :]:
            assert shapely.area(shapely.intersection(a, b)) <= TILING_TOLERANCE_M2


def test_overlapping_grids_are_refused(ctx_state):
    """The overlap check is the safety net for a bug in polygon building: the village's
    real grid polygons, one grown 40 m into its neighbours, are refused."""
    ctx, state = ctx_state
    codes, polys = check_state(ctx, state)
    _u, mine, _theirs = border_unit(ctx, state)
    polys = list(polys)
    polys[codes.index(mine)] = shapely.buffer(polys[codes.index(mine)], 40.0)
    with pytest.raises(EditError) as exc:
        check_tiling(codes, polys, list(ctx.geo.groups), ctx.village.name)
    assert exc.value.msgid == M.ERR_OVERLAP
    assert mine in str(exc.value) and exc.value.params["m2"] > TILING_TOLERANCE_M2


def test_a_gap_between_grids_is_refused(ctx_state):
    ctx, state = ctx_state
    u, _mine, _theirs = border_unit(ctx, state)
    cells = ctx.geo.cells.copy()
    cells[u] = shapely.buffer(cells[u], -15.0)  # a 15 m band of its group in no grid
    with pytest.raises(EditError) as exc:
        check_state(with_cells(ctx, cells), state)
    assert exc.value.msgid == M.ERR_GAP and ctx.village.name in str(exc.value)


@pytest.mark.parametrize(
    "boxes, msgid",
    [
        ([(0, 0, 10, 10), (10, 0, 20, 10)], None),  # side by side: a tiling
        ([(0, 0, 10, 10), (9, 0, 20, 10)], M.ERR_OVERLAP),  # 1 m x 10 m = 10 m² shared
        ([(0, 0, 10, 10), (10.5, 0, 20, 10)], M.ERR_GAP),  # 0.5 m x 10 m = 5 m² uncovered
        ([(0, 0, 10, 10), (9.99, 0, 20, 10)], None),  # 0.1 m²: floating-point noise
    ],
    ids=["tiling", "overlap", "gap", "noise"],
)
def test_check_tiling_on_two_boxes(boxes, msgid):
    """Two grids over one 20 x 10 m group::

    +---------+---------+
    |  A      |      B  |
    +---------+---------+
    """
    polys = [shapely.box(*b) for b in boxes]
    group = [shapely.box(0, 0, 20, 10)]
    if msgid is None:
        check_tiling(["A", "B"], polys, group, "村")
        return
    with pytest.raises(EditError) as exc:
        check_tiling(["A", "B"], polys, group, "村")
    assert exc.value.msgid == msgid


def test_submit_runs_the_checks(village):
    """The submit path goes through check_state: a draft with an empty grid is refused
    and no version is made."""
    from grids.editing import drafts
    from grids.models import GridDraft, GridVersion

    user = User.objects.create_user("checker")
    grid = sorted(version_state(version_current(village))["grids"])[0]
    drafts.draft_apply(village, {"type": "lock", "grid": grid}, user=user, revision=0)
    draft = GridDraft.objects.get()
    draft.state["grids"]["360721100202999"] = {"locked": False, "leader": None, "members": {}}
    draft.save()
    with pytest.raises(EditError) as exc:
        drafts.draft_submit(village, user=user, revision=draft.revision)
    assert exc.value.msgid == M.ERR_EMPTY_GRID
    assert GridVersion.objects.filter(village=village).count() == 1
