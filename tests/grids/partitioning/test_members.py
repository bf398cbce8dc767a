"""Vectorised member areas equal the per-grid recursive bisection."""

import numpy as np
import pytest

from grids.partitioning import PartitionParams
from grids.partitioning.members import member_parts, split_many
from grids.partitioning.split import split_geometric


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed{s}")
def test_split_many_equals_split_geometric_per_grid(seed):
    """Every grid of a random village gets exactly the labels split_geometric gives it."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(60, 700))
    xy = rng.uniform(0, 800, size=(n, 2))
    w = rng.integers(1, 4, size=n)
    ulabel = np.unique(rng.integers(0, max(1, n // 40), size=n), return_inverse=True)[1]
    n_grids = int(ulabel.max()) + 1
    k = member_parts(w, ulabel, n_grids, PartitionParams())
    got = split_many(xy=xy, w=w, part=ulabel, k=k, band=(8, 12))
    for g in range(n_grids):
        nodes = np.flatnonzero(ulabel == g)
        want = split_geometric(xy=xy[nodes], w=w[nodes], k=int(k[g]), lo=8, hi=12)
        assert got[nodes].tolist() == want.tolist(), g


def test_split_many_single_unit_and_single_part():
    """A one-unit grid and a one-area grid both get label 0."""
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    got = split_many(xy=xy, w=np.array([5, 1, 1]), part=np.array([0, 1, 1]), k=np.array([3, 1]))
    assert got.tolist() == [0, 0, 0]


def test_compound_on_the_cut_line_moves_the_cut_into_the_band():
    """45 households in a row, a compound of 6 at the 16th place, 5 areas of 8-12.

        1 1 1 ... 1 (15)  [6]  1 1 ... 1 (24)

    The first cut (2 areas | 3 areas, share 18) lies 3 from either 15 or 21;
    15 leaves 7 + 8 on the left, so the cut takes the compound (21 | 24).
    """
    n = 40
    xy = np.c_[np.arange(n, dtype=float), np.zeros(n)]
    w = np.ones(n, dtype=np.int64)
    w[15] = 6
    want = split_geometric(xy=xy, w=w, k=5, lo=8, hi=12)
    got = split_many(xy=xy, w=w, part=np.zeros(n, dtype=np.int64), k=np.array([5]), band=(8, 12))
    assert got.tolist() == want.tolist()
    sizes = np.bincount(got, weights=w)
    assert sizes.min() >= 8 and sizes.max() <= 12, sizes


def test_member_areas_in_band_when_no_straight_cut_is():
    """22 households in a row with a compound of 4 in the middle: 2 areas of 8-12.

        1 x9  [4]  1 x9      straight cuts: 9 | 13 or 13 | 9 -> one household moves: 10 | 12
    (member areas need not be contiguous)
    """
    from grids.partitioning.members import member_labels_all

    n = 19
    xy = np.c_[np.arange(n, dtype=float), np.zeros(n)]
    w = np.ones(n, dtype=np.int64)
    w[9] = 4
    lab = member_labels_all(xy, w, np.zeros(n, dtype=np.int64), 1, PartitionParams())
    sizes = np.bincount(lab, weights=w)
    assert len(sizes) == 2 and sizes.min() >= 8 and sizes.max() <= 12, sizes
    straight = split_many(xy=xy, w=w, part=np.zeros(n, dtype=np.int64), k=np.array([2]))
    same = (lab == lab[0]) == (straight == straight[0])
    assert np.count_nonzero(~same) == 1  # one household moved, the rest as cut
