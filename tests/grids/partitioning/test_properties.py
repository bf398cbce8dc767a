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


def test_per_village_parameters():
    hh, groups = random_county(7)
    big = PartitionParams(target=80, band=(60, 100), member_target=15, member_band=(12, 18))
    r = partition(hh, groups, village_params={"V1": big})
    sizes = r.grids.set_index("grid_id")["households"]
    v1 = sizes[sizes.index.str.startswith("V1")]
    assert len(v1) and v1.max() > 60 or v1.sum() <= 100


def test_deterministic_and_parallel_equals_serial():
    hh, groups = random_county(3, n_villages=3)
    a = partition(hh, groups, seed=5)
    b = partition(hh, groups, seed=5)
    c = partition(hh, groups, seed=5, workers=2)
    for other in (b, c):
        pd.testing.assert_frame_equal(a.assignments, other.assignments)
        assert a.grids.geometry.geom_equals_exact(other.grids.geometry, 0).all()
