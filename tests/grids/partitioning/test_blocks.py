"""Block merging and the keep-whole tests of blocks.py on group graphs (no geometry)."""

import numpy as np

from grids.partitioning.blocks import can_keep, keep_counts, kept_groups, merge_groups


def _neighbours(pairs):
    nb = {}
    for a, b in pairs:
        nb.setdefault(a, set()).add(b)
        nb.setdefault(b, set()).add(a)
    return nb


def _merge(sizes, pairs):
    return merge_groups(sizes=sizes, adjacency={p: 10.0 for p in pairs}, lo=40, hi=60)


def test_can_keep_sees_loose_components():
    """17 - 41 - 78 in a row: pooled, the 41's room 19 would do (keep_counts), but the
    17 needs 17 of it and the 78 another 18 (it can hold at most 60)."""
    sizes, nb = [17, 41, 78], _neighbours([(0, 1), (1, 2)])
    assert keep_counts([41], 136, 40, 60)
    assert not can_keep([0, 1, 2], sizes, nb, 40, 60)
    # the same 21 next to both a 40 and a 43 fits their rooms 20 + 17
    assert can_keep([0, 1, 2], [40, 43, 21], _neighbours([(0, 1), (0, 2), (1, 2)]), 40, 60)


def test_small_groups_shared_among_several_in_band_groups():
    """A 13 and a 26 (39) fit no single neighbour; four in-band neighbours share them.

    0:45 - 1:13 - 2:57        1 touches 0, 2, 4
      \\     |    /  |        4 touches 0, 1, 2, 3, 5
      5:53 - 4:26 - 3:40
    """
    pairs = [(0, 1), (0, 4), (0, 5), (1, 2), (1, 4), (2, 3), (2, 4), (3, 4), (4, 5)]
    sizes = [45, 13, 57, 40, 26, 53]
    blocks, bad = _merge(sizes, pairs)
    assert not bad
    nb = _neighbours(pairs)
    assert all(can_keep(b, sizes, nb, 40, 60) for b in blocks)
    assert blocks == [[0, 1, 3, 4, 5], [2]]


def test_kept_groups_spares_what_it_can():
    """A 20 touching only the first 45: that 45 must share, the second stays whole."""
    nb = _neighbours([(0, 1), (0, 2)])
    assert kept_groups([0, 1, 2], [45, 20, 45], nb, 40, 60) == [2]
    # 60 - 45 - 19 - 17 - 48 - 39 (+ 54): 45 and 48 cannot both stay whole
    pairs = [(0, 1), (1, 2), (2, 3), (3, 4), (3, 6), (4, 5), (4, 6), (5, 6)]
    sizes = [60, 45, 19, 17, 48, 39, 54]
    blocks, _ = _merge(sizes, pairs)
    nb = _neighbours(pairs)
    kept = sum(len(kept_groups(b, sizes, nb, 40, 60)) for b in blocks)
    assert kept == 3  # of 60, 45, 48, 54: the 36 (19 + 17) and the 39 cost one


def test_kept_groups_is_the_same_in_any_order_and_always_keepable():
    """A random group graph (found in review) where the 64 subsets tried ran out: the
    answer used to depend on the order of the members and could not be kept."""
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(9065)
    n = int(rng.integers(10, 22))
    xy = rng.uniform(0, 1, (n, 2))
    s = Delaunay(xy).simplices
    e = np.unique(np.sort(np.r_[s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]], axis=1), axis=0)
    nb: dict[int, set[int]] = {}
    for a, b in e.tolist():
        nb.setdefault(a, set()).add(b)
        nb.setdefault(b, set()).add(a)
    mix = rng.choice(3, n, p=[0.4, 0.6, 0.0])
    sizes = np.where(
        mix == 0, rng.integers(1, 40, n), np.where(mix == 1, rng.integers(50, 61, n), 0)
    ).tolist()
    ms = list(range(n))
    assert not can_keep(ms, sizes, nb, 40, 60)  # not every in-band group can stay whole
    a = kept_groups(ms, sizes, nb, 40, 60)
    assert a == kept_groups(ms[::-1], sizes, nb, 40, 60)
    assert a and can_keep(ms, sizes, nb, 40, 60, a)


def test_a_small_group_joins_the_neighbour_that_makes_the_roundest_union():
    """A 20 between a 25 and a 21, all loose: by count it would join the 21 (41 < 45);
    the 21 is a long strip beyond it, the 25 a square beside it, so it joins the 25
    (union Polsby-Popper 0.70 against 0.34). The 30 takes whichever is left.

        +------+------+------------------------+
        | 1:25 | 0:20 |          2:21          |   100 m high
        +------+------+------------------------+
        |  3:30 (touches 1 and 2)              |
        +--------------------------------------+
        0     100    200                      800
    """
    sizes = [20, 25, 21, 30]
    adjacency = {(0, 1): 100.0, (0, 2): 100.0, (1, 3): 100.0, (2, 3): 600.0}
    shape = [(100 * 100, 400.0), (100 * 100, 400.0), (600 * 100, 1400.0), (800 * 100, 1800.0)]
    by_count, _ = merge_groups(sizes=sizes, adjacency=adjacency, lo=40, hi=60)
    by_shape, _ = merge_groups(sizes=sizes, adjacency=adjacency, lo=40, hi=60, shape=shape)
    assert by_count == [[0, 2], [1, 3]]
    assert by_shape == [[0, 1], [2, 3]]
