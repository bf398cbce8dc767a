"""Bad inputs raise PartitionError naming the column; odd villages are best effort."""

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from grids.partitioning import PartitionError, partition
from grids.partitioning.params import (
    ERR_EMPTY_GROUPS,
    ERR_EMPTY_HOUSEHOLDS,
    ERR_MISSING_COLUMN,
    PROBLEM_INVALID_POINT,
    PROBLEM_NO_VILLAGE,
)

from .conftest import CRS, check_invariants, lattice, make_groups, make_households


@pytest.fixture
def groups():
    return make_groups([("a", "V", (0, 0, 100, 50))])


def test_empty_households(groups):
    with pytest.raises(PartitionError, match=re.escape(ERR_EMPTY_HOUSEHOLDS)):
        partition(make_households([]).iloc[:0], groups)


def test_no_polygons():
    hh = make_households(lattice(0, 0, 2, 2))
    with pytest.raises(PartitionError, match=re.escape(ERR_EMPTY_GROUPS)):
        partition(hh, make_groups([]))


@pytest.mark.parametrize(
    "table, column", [("households", "id"), ("groups", "id"), ("groups", "village_id")]
)
def test_missing_column(groups, table, column):
    hh = make_households(lattice(0, 0, 2, 2))
    frames = {"households": hh, "groups": groups}
    frames[table] = frames[table].drop(columns=[column])
    msg = ERR_MISSING_COLUMN.format(table=table, column=column)
    with pytest.raises(PartitionError) as e:
        partition(frames["households"], frames["groups"])
    assert str(e.value) == msg


def test_non_polygon_group(groups):
    bad = gpd.GeoDataFrame(
        {"id": ["x"], "village_id": ["V"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=CRS
    )
    with pytest.raises(PartitionError, match="groups: geometry must be Polygon"):
        partition(make_households(lattice(0, 0, 2, 2)), bad)


def test_nan_and_empty_points_reported(groups):
    hh = make_households(lattice(0, 0, 10, 5))
    hh.loc[3, "geometry"] = shapely.Point(np.nan, np.nan)
    hh.loc[4, "geometry"] = None
    r = partition(hh, groups)
    a = r.assignments
    assert list(a.loc[[3, 4], "problem"]) == [PROBLEM_INVALID_POINT] * 2
    assert (a.drop(index=[3, 4])["grid_id"] != "").all()


def test_group_without_households_is_covered():
    """The empty group b is added to the grid next to it: no gap."""
    groups = make_groups([("a", "V", (0, 0, 100, 50)), ("b", "V", (100, 0, 150, 50))])
    hh = make_households(lattice(0, 0, 10, 5))
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    assert r.grids["group_ids"].tolist() == ["a,b"]


def test_empty_village_has_no_grid():
    groups = make_groups([("a", "V", (0, 0, 100, 50)), ("z", "W", (500, 0, 600, 50))])
    hh = make_households(lattice(0, 0, 10, 5))
    r = partition(hh, groups)
    assert r.grids["village_id"].tolist() == ["V"]


def test_single_household_village():
    groups = make_groups([("a", "V", (0, 0, 100, 50))])
    hh = make_households([(10.0, 10.0)])
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    assert r.grids["households"].tolist() == [1]
    assert r.summary["flagged_villages"][0]["village_id"] == "V"


def test_uncuttable_group_without_neighbour_flagged():
    """70 households cannot make grids of 40-60 and have no neighbour: one grid, flagged."""
    groups = make_groups([("a", "V", (0, 0, 100, 70))])
    hh = make_households(lattice(0, 0, 10, 7))
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    assert r.grids["households"].tolist() == [70]
    assert "cannot form grids" in r.summary["flagged_villages"][0]["reasons"][0]


def test_group_without_village(groups):
    g = make_groups([("a", "", (0, 0, 100, 50))])
    r = partition(make_households(lattice(0, 0, 2, 2)), g)
    assert set(r.assignments["problem"]) == {PROBLEM_NO_VILLAGE}
    assert len(r.grids) == 0


def test_duplicate_household_id(groups):
    hh = make_households(lattice(0, 0, 2, 2))
    hh.loc[1, "id"] = "h0"
    with pytest.raises(PartitionError, match="duplicate id"):
        partition(hh, groups)


def test_unit_with_an_empty_cell_does_not_shift_the_land_of_the_others():
    """A compound split by snapping: h0 lies 1 mm outside group a and is snapped onto it;
    h1, 8.5 mm away (the same 1 cm point, so it follows h0 into a), lies inside b. h1's
    unit keeps its own point beyond a's border, so its Voronoi cell inside a is empty.
    Its land centroid must stay a row (NaN), not vanish and shift every later unit's
    (the last unit, in the 100 of b cut in two, then had none: IndexError).

        +-----------+ 100
        | b: 100    |
        +-----------+ 49.998 (h1 at 50.004)
        | a: 40     |   gap 3.5 mm (h0 at 49.9955)
        +-----------+ 0
    """
    x, y = 500000.0, 3000000.0  # the zone's own metres: no re-projection of the mm layout
    groups = make_groups(
        [("a", "V", (x, y, x + 100, y + 49.9945)), ("b", "V", (x, y + 49.998, x + 100, y + 100))]
    )
    pts = [(x + 50, y + 49.9955), (x + 50, y + 50.004)]
    pts += [(x + px, y + py) for px, py in lattice(0, 0, 10, 4)]
    pts += [(x + px, y + 50 + py / 2) for px, py in lattice(0, 0, 10, 10)]
    hh = make_households(pts)
    r = partition(hh, groups)
    check_invariants(r, hh, groups)
    a = r.assignments.set_index("household_id")["grid_id"]
    assert a["h0"] == a["h1"] != ""
    assert sorted(r.grids["households"]) == [42, 50, 50]
