"""Property tests on random villages: every partitioning rule holds for any seed."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grids.partitioning import PartitionParams, partition

from .conftest import check_invariants, make_groups, make_households


def random_county(seed: int, n_villages: int = 2):
    """Villages of 2x3 box groups (100 m) with 0..130 random households each."""
    rng = np.random.default_rng(seed)
    rows, pts = [], []
    for v in range(n_villages):
        for i in range(3):
            for j in range(2):
                x0, y0 = v * 400 + i * 100, j * 100
                rows.append((f"g{v}{i}{j}", f"V{v}", (x0, y0, x0 + 100, y0 + 100)))
                n = int(rng.choice([0, 5, 20, 45, 70, 130]))
                xy = rng.uniform([x0 + 1, y0 + 1], [x0 + 99, y0 + 99], size=(n, 2))
                if n > 3:
                    xy[1] = xy[0]  # a compound
                pts += [tuple(p) for p in xy.round(2)]
    return make_households(pts), make_groups(rows)


# derandomize: the same examples on every run, so CI does not depend on the draw
@settings(
    max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(seed=st.integers(0, 10_000))
def test_rules_hold_on_random_villages(seed):
    _rules_hold(seed)


def test_band_check_sees_an_infeasible_cluster():
    """The band check's own arithmetic: 79 households in one cluster make no grids of
    40-60, 80 make two."""
    assert not _feasible(79) and _feasible(80) and not _feasible(39) and _feasible(121)


def test_rules_hold_on_random_village_24():
    """Hypothesis's counterexample: in V1 the 20 (g101) touches only a 45 (g100), so
    g100 must share; the other 45 (g110), merged into the same block, stays whole."""
    _rules_hold(24)


def _rules_hold(seed):
    hh, groups = random_county(seed)
    if len(hh) == 0:
        return
    r = partition(hh, groups, seed=seed)
    figures = check_invariants(r, hh, groups)
    # groups of 40-60 households are whole (one grid each)
    j = r.assignments.assign(group=hh.sjoin(groups, how="left")["id_right"].to_numpy())
    size = j.groupby("group").size()
    mid = size[(size >= 40) & (size <= 60)].index
    # a neighbour of uncuttable size (1-39, 61-79) may force a merge that splits the group
    geom = groups.set_index("id").geometry
    uncut = [g for g, n in size.items() if n < 40 or 61 <= n <= 79]
    mid = [
        g for g in mid if not any(geom[g].intersection(geom[u]).length > 0 for u in uncut if u != g)
    ]
    assert (j[j["group"].isin(mid)].groupby("group")["grid_id"].nunique() == 1).all()
    assert figures["member_band"] >= 0.8
    _band_where_feasible(r, size, groups)


def _feasible(n: int, lo: int = 40, hi: int = 60) -> bool:
    return any(k * lo <= n <= k * hi for k in range(1, n // lo + 1))


def _band_where_feasible(r, size, groups, lo: int = 40, hi: int = 60):
    """Every grid is in the band unless the households of its cluster of adjacent
    non-empty groups (the boxes of one village sharing an edge) make no grids of the band
    (compounds here hold two households, too few to matter): worked out from the
    layout, not from the partitioner's own flags."""
    geom = groups.set_index("id").geometry
    village = groups.set_index("id")["village_id"]
    full = [g for g in geom.index if size.get(g, 0) > 0]
    cluster = {g: {g} for g in full}
    for a in full:
        for b in full:
            if a < b and village[a] == village[b] and geom[a].intersection(geom[b]).length > 0:
                merged = cluster[a] | cluster[b]
                for g in merged:
                    cluster[g] = merged
    for row in r.grids.itertuples():
        held = [g for g in row.group_ids.split(",") if g in cluster]
        assert held, row  # a grid holds households of some group
        total = sum(size[g] for g in cluster[held[0]])
        assert lo <= row.households <= hi or not _feasible(total, lo, hi), (row, total)


def test_per_village_parameters():
    hh, groups = random_county(7)
    big = PartitionParams(target=80, band=(60, 100), member_target=15, member_band=(12, 18))
    r = partition(hh, groups, village_params={"V1": big})
    sizes = r.grids.set_index("grid_id")["households"]
    v1 = sizes[sizes.index.str.startswith("V1")]
    assert len(v1) > 0  # V1 has 300 households: it must get grids
    assert v1.between(60, 100).all(), v1  # of its own band, not the default 40-60
    assert v1.max() > 60  # ... which the default band would have forbidden
    v0 = r.grids[r.grids["village_id"] == "V0"]
    excused = {
        g for f in r.summary["flagged_villages"] if f["village_id"] == "V0" for g in f["groups"]
    }
    for row in v0.itertuples():  # V0 keeps the default band (or says why not)
        assert 40 <= row.households <= 60 or set(row.group_ids.split(",")) & excused, row


def test_deterministic_and_parallel_equals_serial():
    hh, groups = random_county(3, n_villages=3)
    a = partition(hh, groups, seed=5)
    b = partition(hh, groups, seed=5)
    c = partition(hh, groups, seed=5, workers=2)
    for other in (b, c):
        pd.testing.assert_frame_equal(a.assignments, other.assignments)
        assert a.grids.geometry.geom_equals_exact(other.grids.geometry, 0).all()
