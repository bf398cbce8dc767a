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
    got = split_many(xy=xy, w=w, part=ulabel, k=k)
    for g in range(n_grids):
        nodes = np.flatnonzero(ulabel == g)
        want = split_geometric(xy=xy[nodes], w=w[nodes], k=int(k[g]), lo=8, hi=12)
        assert got[nodes].tolist() == want.tolist(), g


def test_split_many_single_unit_and_single_part():
    """A one-unit grid and a one-area grid both get label 0."""
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    got = split_many(xy=xy, w=np.array([5, 1, 1]), part=np.array([0, 1, 1]), k=np.array([3, 1]))
    assert got.tolist() == [0, 0, 0]
