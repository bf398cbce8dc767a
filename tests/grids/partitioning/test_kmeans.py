"""Capacitated k-means after the bisection: rounder grids, never out of band or broken."""

import numpy as np
import pytest
from scipy.spatial import Delaunay

from grids.partitioning.graph import components
from grids.partitioning.kmeans import _cost, capacitated_lloyd
from grids.partitioning.split import split_graph


def _graph(xy):
    s = Delaunay(xy).simplices
    e = np.unique(np.sort(np.r_[s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]], axis=1), axis=0)
    return e[:, 0], e[:, 1]


def _connected_each(labels, ea, eb):
    same = labels[ea] == labels[eb]
    return components(len(labels), ea[same], eb[same])[0] == labels.max() + 1


def test_an_l_shaped_start_becomes_two_halves():
    """10 x 10 lattice, 10 m apart. Start (0 = '#', 1 = '.'), 52 and 48 households:

        . . . . . . . . . .        . . . . . . . . . .
        ...                   ->   # # # # # . . . . .   (rows alike)
        # # # # . . . . . .
        # # # # # # # # # #        # # # # # . . . . .
        # # # # # # # # # #
    The least-cost split in 40..60 is left half / right half.
    """
    xy = np.array([(10.0 * i, 10.0 * j) for j in range(10) for i in range(10)])
    x, y = xy[:, 0], xy[:, 1]
    start = np.where((x < 40) | (y < 20), 0, 1)
    assert np.bincount(start).tolist() == [52, 48]
    w = np.ones(len(xy))
    ea, eb = _graph(xy + np.random.default_rng(0).uniform(-0.01, 0.01, xy.shape))
    out = capacitated_lloyd(xy=xy, w=w, ea=ea, eb=eb, labels=start, lo=40, hi=60)
    halves = (x > 45).astype(np.int64)
    assert _cost(w, xy, out, 2) == pytest.approx(_cost(w, xy, halves, 2))
    assert _cost(w, xy, out, 2) < _cost(w, xy, start, 2)
    assert set(np.bincount(out).tolist()) == {50}
    assert (out[x < 45] == out[0]).all() and (out[x > 45] != out[0]).all()


@pytest.mark.parametrize("seed", range(6))
def test_never_worse_out_of_band_broken_or_moving_frozen_units(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(90, 300))
    xy = rng.uniform(0, 500, (n, 2))
    w = rng.choice([1, 1, 1, 1, 2, 3], size=n).astype(float)
    ea, eb = _graph(xy)
    total = int(w.sum())
    k = max(2, round(total / 50))
    start = split_graph(xy=xy, w=w, ea=ea, eb=eb, k=k, lo=40, hi=60)  # the pipeline's start
    sizes = np.bincount(start, weights=w)
    assert sizes.min() >= 40 and sizes.max() <= 60 and _connected_each(start, ea, eb)
    frozen = start == 0
    out = capacitated_lloyd(xy=xy, w=w, ea=ea, eb=eb, labels=start, lo=40, hi=60, frozen=frozen)
    size = np.bincount(out, weights=w, minlength=k)
    assert size.min() >= 40 and size.max() <= 60
    assert _connected_each(out, ea, eb)
    assert _cost(w, xy, out, k) <= _cost(w, xy, start, k)
    assert (out[frozen] == 0).all()


def test_rounder_than_the_bisection_on_most_random_blocks():
    better = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        xy = rng.uniform(0, 500, (int(rng.integers(90, 300)), 2))
        w = np.ones(len(xy))
        ea, eb = _graph(xy)
        k = max(2, round(len(xy) / 50))
        start = split_graph(xy=xy, w=w, ea=ea, eb=eb, k=k, lo=40, hi=60)
        out = capacitated_lloyd(xy=xy, w=w, ea=ea, eb=eb, labels=start, lo=40, hi=60)
        better += _cost(w, xy, out, k) < 0.99 * _cost(w, xy, start, k)
    assert better >= 3


def test_a_block_that_cannot_be_in_band_is_left_alone():
    xy = np.array([(10.0 * i, 0.0) for i in range(70)])
    start = (np.arange(70) >= 35).astype(np.int64)  # 35 + 35: no in-band split exists
    ea, eb = np.arange(69), np.arange(1, 70)
    out = capacitated_lloyd(xy=xy, w=np.ones(70), ea=ea, eb=eb, labels=start, lo=40, hi=60)
    assert out is start


def test_pieces_are_counted_per_grid():
    """A path a-b-c-d-e labelled 0 0 1 1 0: grid 0 in two pieces, grid 1 in one; relabelled
    1 0 0 0 1 the total is still 3 but grid 1 is split, which a total count would miss."""
    from grids.partitioning.kmeans import _pieces

    ea, eb = np.arange(4), np.arange(1, 5)
    assert _pieces(np.array([0, 0, 1, 1, 0]), ea, eb, 2).tolist() == [2, 1]
    assert _pieces(np.array([1, 0, 0, 0, 1]), ea, eb, 2).tolist() == [1, 2]
