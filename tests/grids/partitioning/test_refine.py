"""Boundary refinement keeps every rule; uncuttable groups between in-band ones."""

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from grids.partitioning import partition
from grids.partitioning import polygons as pg
from grids.partitioning.blocks import keep_counts
from grids.partitioning.graph import (
    NEAR_GROUP_M,
    components,
    group_borders,
    make_units,
    village_graph,
)
from grids.partitioning.refine import refine
from grids.partitioning.split import split_graph

from .conftest import check_invariants, lattice, make_groups, make_households


def _village(xy, boxes):
    """Units ``xy`` in the groups ``boxes`` (x0, y0, x1, y1), one group per box: their
    weights, groups, clipped cells and graph with shared lengths."""
    xy, _, w = make_units(np.asarray(xy, dtype=float))
    groups = [shapely.box(*b) for b in boxes]
    group = np.zeros(len(w), dtype=np.int64)
    for g, b in enumerate(boxes):
        group[(xy[:, 0] >= b[0]) & (xy[:, 0] < b[2])] = g
    cells = pg.unit_cells(uxy=xy, ugroup=group, groups=groups)
    ea, eb, lengths = village_graph(
        uxy=xy, ugroup=group, cells=cells, borders=group_borders(groups)
    )
    return xy, w, group, cells, ea, eb, lengths


def _refine(w, group, cells, ea, eb, lengths, labels, lo=40, hi=60) -> int:
    """refine() on a village of :func:`_village` (labels changed in place)."""
    return refine(
        w=w, group=group, labels=labels, ea=ea, eb=eb, cells=cells, lengths=lengths, lo=lo, hi=hi
    )


def _staircase():
    """A 10 x 10 lattice (one group) in two grids of 50 cut by a diagonal staircase."""
    xy, w, group, cells, ea, eb, lengths = _village(lattice(0, 0, 10, 10), [(-5, -5, 95, 95)])
    i, j = (xy[:, 0] // 10).astype(int), (xy[:, 1] // 10).astype(int)
    labels = ((i + j) >= 9).astype(np.int64)
    labels[(i + j) == 9] = (i[(i + j) == 9] >= 5).astype(np.int64)
    assert np.bincount(labels).tolist() == [50, 50]
    return xy, w, group, cells, ea, eb, lengths, labels


def _score(cells, labels, group, k):
    """Summed Polsby-Popper of the grids' real polygons (dissolved cells, no smoothing)."""
    polys = pg.dissolve(cells=cells, ulabel=labels, ugroup=group, n=k)
    return sum(4 * math.pi * p.area / p.length**2 for p in polys)


def _connected(labels, ea, eb, k, n):
    for lab in range(k):
        m = (labels[ea] == lab) & (labels[eb] == lab)
        _, comp = components(n, ea[m], eb[m])
        if len(np.unique(comp[labels == lab])) != 1:
            return False
    return True


@settings(max_examples=15, deadline=None, derandomize=True)  # the same draw on every run
@given(seed=st.integers(0, 10_000), n=st.integers(90, 260))
def test_refinement_keeps_band_and_connectivity_and_rounds_the_polygons(seed, n):
    """Any split of a random village, refined: every grid stays in 40..60 and
    connected, groups held by one grid stay whole, no unit is lost, and the grids'
    real polygons score at least as well as before (the bookkeeping of areas and
    perimeters matches the dissolved cells)."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 300, size=(n, 2)).round(1)
    xy, w, group, cells, ea, eb, lengths = _village(pts, [(0, 0, 150, 300), (150, 0, 300, 300)])
    k = max(2, round(w.sum() / 50))
    if not 40 * k <= w.sum() <= 60 * k:
        return
    labels = split_graph(xy=xy, w=w, ea=ea, eb=eb, k=k, lo=40, hi=60)
    size = np.bincount(labels, weights=w)
    if size.min() < 40 or size.max() > 60 or not _connected(labels, ea, eb, k, len(w)):
        return  # the split itself missed the band: nothing to keep
    whole = [g for g in (0, 1) if len(np.unique(labels[group == g])) == 1]
    before = labels.copy()
    score = _score(cells, labels, group, k)
    _refine(w, group, cells, ea, eb, lengths, labels)
    size = np.bincount(labels, weights=w, minlength=k)
    assert size.min() >= 40 and size.max() <= 60 and size.sum() == w.sum()
    assert _connected(labels, ea, eb, k, len(w))
    for g in whole:
        assert len(np.unique(labels[group == g])) == 1
    assert set(np.unique(labels)) == set(np.unique(before))
    assert _score(cells, labels, group, k) >= score - 1e-6


def test_shared_lengths_match_the_cells():
    """The border each pair of cells shares, from shared vertices (one group) and
    border samples (two groups), against an exact overlay of the cells."""
    rng = np.random.default_rng(7)
    pts = rng.uniform(0, 300, size=(300, 2)).round(1)
    xy, w, group, cells, ea, eb, lengths = _village(pts, [(0, 0, 150, 300), (150, 0, 300, 300)])
    exact = shapely.length(
        shapely.intersection(shapely.boundary(cells[ea]), shapely.buffer(cells[eb], 1e-3))
    )
    same = group[ea] == group[eb]
    assert np.abs(lengths - exact)[same].max() < 0.01
    cross = np.abs(lengths - exact)[~same]
    assert len(cross) > 10 and cross.max() < 16.0 / 8 * 2  # a finer spacing at each end
    # and a grid's perimeter is its cells' perimeters less twice their shared borders
    labels = (xy[:, 1] > 150).astype(np.int64)
    polys = pg.dissolve(cells=cells, ulabel=labels, ugroup=group, n=2)
    inner = labels[ea] == labels[eb]
    for k in (0, 1):
        per = (
            shapely.length(cells[labels == k]).sum() - 2 * lengths[inner & (labels[ea] == k)].sum()
        )
        assert per == pytest.approx(polys[k].length, rel=0.01)


def test_many_cells_at_one_vertex_are_all_paired():
    """12 units on a circle meet (to 0.1 mm) at its centre: every neighbouring pair is
    found, including the first and last, which are 11 places apart at that vertex
    (found in review: pairs more than 7 places apart were dropped)."""
    ang = np.arange(12) * 2 * np.pi / 12
    rng = np.random.default_rng(1)
    pts = np.c_[1000 + 50 * np.cos(ang), 1000 + 50 * np.sin(ang)] + rng.normal(0, 1e-7, (12, 2))
    xy, w, group, cells, ea, eb, lengths = _village(pts, [(900, 900, 1100, 1100)])
    found = dict(zip(zip(ea.tolist(), eb.tolist()), lengths.tolist()))
    ring = [(i, (i + 1) % 12) for i in range(12)]
    # units are the points sorted: find each point's unit
    unit_of = {int(np.argmin(np.hypot(*(xy - p).T))): i for i, p in enumerate(pts)}
    assert len(unit_of) == 12
    idx = {i: u for u, i in unit_of.items()}
    for i, j in ring:
        a, b = sorted((idx[i], idx[j]))
        exact = shapely.length(
            shapely.intersection(shapely.boundary(cells[a]), shapely.buffer(cells[b], 1e-3))
        )
        assert found.get((a, b), 0.0) == pytest.approx(exact, abs=0.01), (i, j)


def test_border_ends_are_counted():
    """Two cells of the west group meet the east group's one cell along the whole
    100 m border; the stretch next to the border's end is counted too (found in
    review: 0.45 m was lost there). The border line of two groups also takes in
    ``NEAR_GROUP_M`` of each group's outline where it turns away from the other, so
    the lengths sum to 100 m plus two such stubs."""
    xy, w, group, cells, ea, eb, lengths = _village(
        [(90, 0.5), (90, 6), (150, 50)], [(0, 0, 100, 100), (100, 0, 200, 100)]
    )
    cross = group[ea] != group[eb]
    assert cross.sum() == 2
    assert lengths[cross].sum() == pytest.approx(100.0 + 2 * NEAR_GROUP_M, abs=0.05)


def test_refinement_makes_a_staircase_cut_straight():
    """Two grids of 50 on a 10 x 10 lattice cut by a staircase: refinement
    shortens the border (fewer cut edges) and keeps 50 / 50."""
    xy, w, group, cells, ea, eb, lengths, labels = _staircase()
    cut = int(np.count_nonzero(labels[ea] != labels[eb]))
    score = _score(cells, labels, group, 2)
    _refine(w, group, cells, ea, eb, lengths, labels)
    assert np.bincount(labels).min() >= 40
    assert int(np.count_nonzero(labels[ea] != labels[eb])) < cut
    assert _score(cells, labels, group, 2) > score + 0.05


@pytest.mark.parametrize("band", [(40, 50), (50, 60)])
def test_a_full_band_is_worked_round_by_chains(band):
    """Two grids of 50 cut by a staircase with no room to move one unit (both at the
    band's top, or both at its bottom): only moves in pairs can straighten the
    border, and they do, keeping 50 / 50."""
    xy, w, group, cells, ea, eb, lengths, labels = _staircase()
    score = _score(cells, labels, group, 2)
    moved = _refine(w, group, cells, ea, eb, lengths, labels, *band)
    assert moved > 0 and np.bincount(labels).tolist() == [50, 50]
    assert _connected(labels, ea, eb, 2, len(w))
    assert _score(cells, labels, group, 2) > score + 0.05


def test_keep_counts():
    """71 between 53 and 51: the three make 3 grids with both in-band groups whole;
    71 next to 51 alone cannot (two grids of 35.5 would be left)."""
    assert keep_counts([53, 51], 175, 40, 60) == [3]
    assert keep_counts([51], 122, 40, 60) == []
    assert keep_counts([], 45, 40, 60) == [1]


def test_uncuttable_group_between_in_band_groups_keeps_them_whole():
    """b (71 households, uncuttable at 40-60) touches only in-band groups a and c.
    Merging b with one of them forces a split of that group; b is merged with
    both, a and c each stay one grid and b's households fill them and a third grid.

    +-------+---------+-------+ 60 m
    | a: 53 |  b: 71  | c: 51 |
    +-------+---------+-------+ 0
    0      100       200     300
    """
    groups = make_groups(
        [("a", "V", (0, 0, 100, 60)), ("b", "V", (100, 0, 200, 60)), ("c", "V", (200, 0, 300, 60))]
    )
    pts = lattice(0, 0, 10, 6)[:53] + lattice(100, 0, 10, 8, step=7.5)[:71]
    pts += lattice(200, 0, 10, 6)[:51]
    hh = make_households(pts)
    r = partition(hh, groups)
    figures = check_invariants(r, hh, groups)
    assert figures["in_band"] == 1.0 and len(r.grids) == 3
    a = r.assignments["grid_id"]
    assert a.iloc[:53].nunique() == 1 and a.iloc[124:].nunique() == 1
