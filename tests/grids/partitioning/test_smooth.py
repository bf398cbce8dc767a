"""Borders inside a shared village group are smoothed; group outlines are not."""

import numpy as np
import shapely

from grids.partitioning import partition
from grids.partitioning.graph import make_units
from grids.partitioning.polygons import dissolve, unit_cells
from grids.partitioning.smooth import smooth_group, spacing

from .conftest import check_invariants, make_groups, make_households


def _jittered(rng, x0, y0, nx, ny, step=10.0, jitter=3.0):
    """A lattice with random offsets: its Voronoi bisectors zigzag."""
    pts = [(x0 + step * (i + 0.5), y0 + step * (j + 0.5)) for j in range(ny) for i in range(nx)]
    return [
        tuple(p) for p in np.round(np.array(pts) + rng.uniform(-jitter, jitter, (len(pts), 2)), 2)
    ]


def _pieces(rng):
    """One 200 x 100 m group, 200 jittered households labelled by x < 100."""
    group = shapely.box(0, 0, 200, 100)
    xy = np.array(_jittered(rng, 0, 0, 20, 10))
    uxy, _, _ = make_units(xy)
    ugroup = np.zeros(len(uxy), dtype=np.int64)
    ulabel = (uxy[:, 0] >= 100).astype(np.int64)
    cells = unit_cells(uxy=uxy, ugroup=ugroup, groups=[group])
    return group, uxy, ulabel, ugroup, cells


def test_smoothing_shortens_the_inner_border_and_keeps_households_and_outline(rng):
    group, uxy, ulabel, ugroup, cells = _pieces(rng)
    raw = dissolve(cells=cells, ulabel=ulabel, ugroup=ugroup, n=2)
    smooth = dissolve(cells=cells, ulabel=ulabel, ugroup=ugroup, n=2, uxy=uxy)
    # the zigzag between the two halves is shorter (both perimeters shrink)
    assert sum(p.length for p in smooth) < sum(p.length for p in raw) - 5
    for k in (0, 1):
        assert smooth[k].geom_type == "Polygon"
        assert shapely.contains_xy(smooth[k], *uxy[ulabel == k].T).all()
    # still a tiling of the group: same area, no overlap, outline untouched
    assert abs(smooth[0].area + smooth[1].area - group.area) < 1e-6
    assert smooth[0].intersection(smooth[1]).area < 1e-6
    assert shapely.union_all(smooth).symmetric_difference(group).area < 1e-6


def test_a_group_held_by_one_grid_is_not_touched(rng):
    group, uxy, ulabel, ugroup, cells = _pieces(rng)
    one = np.zeros_like(ulabel)
    (whole,) = dissolve(cells=cells, ulabel=one, ugroup=ugroup, n=1, uxy=uxy)
    assert whole.symmetric_difference(group).area < 1e-6
    units = [np.flatnonzero(ulabel == k) for k in (0, 1)]
    pieces = np.array([shapely.union_all(cells[u]) for u in units], dtype=object)
    gap = spacing(uxy)
    assert smooth_group(pieces, units, uxy, cells, gap, factor=0) is pieces


def test_partition_with_smoothing_keeps_every_rule(rng):
    """Two groups of 110 and 45 jittered households: the 110 is cut, the 45 stays whole."""
    groups = make_groups([("a", "V", (0, 0, 110, 100)), ("b", "V", (110, 0, 160, 90))])
    pts = _jittered(rng, 0, 0, 11, 10) + _jittered(rng, 110, 0, 5, 9)
    hh = make_households(pts)
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    b = r.grids[r.grids["group_ids"] == "b"]
    assert len(b) == 1 and int(b["households"].iloc[0]) == 45


def test_a_household_on_the_group_outline_does_not_stop_smoothing(rng):
    """A household snapped onto the group's edge (here the top, far from the inner
    border) lies on its piece's outline, not outside it: the border is still smoothed,
    and that household stays on its own piece and off the other one."""
    group, uxy, ulabel, ugroup, cells = _pieces(rng)
    edge = np.array([[195.0, 100.0]])  # on the top edge, in the right half (label 1)
    uxy2 = np.r_[uxy, edge]
    ugroup2 = np.r_[ugroup, 0]
    ulabel2 = np.r_[ulabel, 1]
    cells2 = unit_cells(uxy=uxy2, ugroup=ugroup2, groups=[group])
    raw = dissolve(cells=cells2, ulabel=ulabel2, ugroup=ugroup2, n=2)
    smooth = dissolve(cells=cells2, ulabel=ulabel2, ugroup=ugroup2, n=2, uxy=uxy2)
    assert sum(p.length for p in smooth) < sum(p.length for p in raw) - 5
    assert shapely.intersects_xy(smooth[1], 195.0, 100.0)
    assert not shapely.intersects_xy(smooth[0], 195.0, 100.0)
    for k in (0, 1):
        assert shapely.contains_xy(smooth[k], *uxy[ulabel == k].T).all()
    assert abs(shapely.union_all(smooth).symmetric_difference(group).area) < 1e-6
