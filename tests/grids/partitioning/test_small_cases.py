"""Hand-drawn villages with exact expected grids (metres, seed 0)."""

import shapely

from grids.partitioning import partition

from .conftest import check_invariants, lattice, make_groups, make_households


def test_in_band_group_is_one_grid_with_five_member_areas():
    """One group of 50 households becomes exactly one grid covering the group.

    +--------------------+ 100 m
    | . . . . . . . . . .|   5 rows x 10 columns of households
    | . . . . . . . . . .|
    +--------------------+ 0
    0                  100
    """
    groups = make_groups([("g1", "360000000001", (0, 0, 100, 50))])
    hh = make_households(lattice(0, 0, 10, 5))
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    assert list(r.grids["grid_id"]) == ["360000000001001"]
    assert r.grids["group_ids"].iloc[0] == "g1"
    assert r.grids["households"].iloc[0] == 50 and r.grids["members"].iloc[0] == 5
    area = shapely.area(r.grids.to_crs(groups.crs).geometry.iloc[0])
    assert abs(area - 5000) < 1
    assert (r.assignments.groupby("member_id").size() == 10).all()


def test_small_adjacent_groups_merge():
    """Groups of 20 and 25 households side by side make one grid of 45.

    +---------+-----------+
    | a: 20   | b: 25     |
    +---------+-----------+
    0        40           90
    """
    groups = make_groups([("a", "V", (0, 0, 40, 50)), ("b", "V", (40, 0, 90, 50))])
    hh = make_households(lattice(0, 0, 4, 5) + lattice(40, 0, 5, 5))
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    assert list(r.grids["grid_id"]) == ["V001"]
    assert r.grids["group_ids"].iloc[0] == "a,b"
    assert r.grids["households"].iloc[0] == 45


def test_large_group_split_north_first():
    """A tall group of 100 households is cut across into two grids of 50;
    the northern one is numbered 001.

    +-----+ 200
    | 001 |
    +-----+ 100
    | 002 |
    +-----+ 0
    """
    groups = make_groups([("g", "V", (0, 0, 50, 200))])
    hh = make_households(lattice(0, 0, 5, 20))
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    g = r.grids.to_crs(groups.crs).set_index("grid_id")
    assert list(g.index) == ["V001", "V002"]
    assert list(g["households"]) == [50, 50]
    assert g.geometry["V001"].centroid.y > g.geometry["V002"].centroid.y
    assert abs(g.geometry["V001"].bounds[1] - 100) < 1e-6


def test_in_band_group_kept_alone_small_ones_merge_together():
    """50 stays alone; 30 and 15 merge (45) although 15 also touches the 50.

    +--------+--------+-----+
    | a: 50  | b: 30  |c: 15|
    +--------+--------+-----+
    0       100      160   190
    """
    groups = make_groups(
        [("a", "V", (0, 0, 100, 50)), ("b", "V", (100, 0, 160, 50)), ("c", "V", (160, 0, 190, 50))]
    )
    hh = make_households(lattice(0, 0, 10, 5) + lattice(100, 0, 6, 5) + lattice(160, 0, 3, 5))
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    assert dict(zip(r.grids["group_ids"], r.grids["households"])) == {"a": 50, "b,c": 45}


def test_grid_never_crosses_village():
    """Two villages of 25 households each, side by side: two grids, flagged small."""
    groups = make_groups([("a", "V1", (0, 0, 50, 50)), ("b", "V2", (50, 0, 100, 50))])
    hh = make_households(lattice(0, 0, 5, 5) + lattice(50, 0, 5, 5))
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    assert sorted(r.grids["grid_id"]) == ["V1001", "V2001"]
    assert {f["village_id"] for f in r.summary["flagged_villages"]} == {"V1", "V2"}


def test_colocated_households_share_grid_and_member_area():
    """Twelve families in one compound stay in one grid and one member area."""
    groups = make_groups([("g", "V", (0, 0, 100, 100))])
    pts = lattice(0, 0, 10, 9)[:88] + [(55.0, 55.0)] * 12
    hh = make_households(pts)
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    compound = r.assignments.iloc[88:]
    assert compound["member_id"].nunique() == 1


def test_boundary_snap_and_outside():
    """A point on the a|b border goes to the lowest id (a); 3 m outside snaps in;
    20 m outside is unassigned with a reason."""
    groups = make_groups([("a", "V", (0, 0, 50, 50)), ("b", "V", (50, 0, 100, 50))])
    pts = lattice(0, 0, 5, 4) + lattice(50, 0, 5, 4) + [(50.0, 45.0), (103.0, 25.0), (120.0, 25.0)]
    hh = make_households(pts)
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    a = r.assignments.set_index("household_id")
    first_a = a.loc["h0", "grid_id"]
    assert a.loc["h40", "grid_id"] == first_a
    assert a.loc["h41", "grid_id"] != ""
    assert a.loc["h42", "grid_id"] == "" and "outside every group" in a.loc["h42", "problem"]
