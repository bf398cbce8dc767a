"""Boundary refinement keeps every rule; uncuttable groups between in-band ones."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grids.partitioning import partition
from grids.partitioning.blocks import keep_counts
from grids.partitioning.graph import components, make_units
from grids.partitioning.refine import refine
from grids.partitioning.split import split_graph

from .conftest import check_invariants, lattice, make_groups, make_households


def _delaunay_edges(xy):
    from scipy.spatial import Delaunay

    s = Delaunay(xy).simplices
    e = np.unique(np.sort(np.r_[s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]], axis=1), axis=0)
    return e[:, 0], e[:, 1]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(90, 260))
def test_refinement_keeps_band_and_connectivity(seed, n):
    """Any split of a random village, refined: every grid stays in 40..60 and
    connected, groups held by one grid stay whole, and no unit is lost."""
    rng = np.random.default_rng(seed)
    xy, _, w = make_units(rng.uniform(0, 300, size=(n, 2)).round(1))
    group = (xy[:, 0] > 150).astype(np.int64)  # two groups, west and east
    ea, eb = _delaunay_edges(xy)
    k = max(2, round(w.sum() / 50))
    if not 40 * k <= w.sum() <= 60 * k:
        return
    labels = split_graph(xy=xy, w=w, ea=ea, eb=eb, k=k, lo=40, hi=60)
    size = np.bincount(labels, weights=w)
    if size.min() < 40 or size.max() > 60:
        return  # the split itself missed the band: nothing to keep
    whole = [g for g in (0, 1) if len(np.unique(labels[group == g])) == 1]
    before = labels.copy()
    refine(xy=xy, w=w, group=group, labels=labels, ea=ea, eb=eb, lo=40, hi=60)
    size = np.bincount(labels, weights=w, minlength=k)
    assert size.min() >= 40 and size.max() <= 60 and size.sum() == w.sum()
    for lab in range(k):
        m = labels[ea] == lab
        m &= labels[eb] == lab
        nodes = np.flatnonzero(labels == lab)
        _, comp = components(len(w), ea[m], eb[m])
        assert len(np.unique(comp[nodes])) == 1, lab
    for g in whole:
        assert len(np.unique(labels[group == g])) == 1
    assert set(np.unique(labels)) == set(np.unique(before))


def test_refinement_makes_a_staircase_cut_straight():
    """Two grids of 50 on a 10 x 10 lattice cut by a staircase: refinement
    shortens the border (fewer cut edges) and keeps 50 / 50."""
    xy = np.array(lattice(0, 0, 10, 10), dtype=float)
    w = np.ones(100, dtype=np.int64)
    ea, eb = _delaunay_edges(xy)
    i, j = (xy[:, 0] // 10).astype(int), (xy[:, 1] // 10).astype(int)
    labels = ((i + j) >= 9).astype(np.int64)  # a diagonal staircase border
    labels[(i + j) == 9] = (i[(i + j) == 9] >= 5).astype(np.int64)
    assert np.bincount(labels).tolist() == [50, 50]
    cut = int(np.count_nonzero(labels[ea] != labels[eb]))
    refine(xy=xy, w=w, group=np.zeros(100, np.int64), labels=labels, ea=ea, eb=eb, lo=40, hi=60)
    assert np.bincount(labels).min() >= 40
    assert int(np.count_nonzero(labels[ea] != labels[eb])) <= cut


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
