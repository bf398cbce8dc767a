"""The partitioner's public surface for other code (the grid editor): one village as the
partitioner sees it, connectivity, polygons from labels, splits, and the shared rules."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

import grids.partitioning as gp
from grids.partitioning import PartitionParams, partition

from .conftest import CRS, lattice, make_groups, make_households


def _village():
    """Two groups side by side (a: 100 x 50 m, b: 100 x 50 m), 50 + 40 households, a
    compound of 3, one household 3 m outside (snapped in), one 30 m outside (left out).

    +--------+--------+
    | a: 50  | b: 40  |   . (3 m out)         . (30 m out)
    +--------+--------+
    """
    groups = make_groups([("a", "V", (0, 0, 100, 50)), ("b", "V", (100, 0, 200, 50))])
    pts = lattice(0, 0, 10, 5) + lattice(100, 0, 8, 5) + [(150.5, 25.5)] * 3
    pts += [(203.0, 25.0), (230.0, 25.0)]
    hh = make_households(pts)
    return hh, groups


def _layout(hh, groups):
    ll = hh.to_crs(4326)
    return gp.village_layout(
        lonlat=shapely.get_coordinates(ll.geometry.to_numpy()),
        groups=groups.to_crs(4326).geometry.to_numpy(),
        group_ids=list(groups["id"]),
    )


def test_layout_places_snaps_and_merges_like_the_partitioner():
    hh, groups = _village()
    lay = _layout(hh, groups)
    assert lay.crs == f"EPSG:{gp.utm_epsg(groups.to_crs(4326).total_bounds)}"
    n = len(hh)
    assert list(lay.group_of[:50]) == [0] * 50 and list(lay.group_of[50:93]) == [1] * 43
    assert lay.group_of[-2] == 1 and lay.snapped[-2]  # 3 m outside: snapped into b
    assert lay.group_of[-1] == -1 and lay.unit[-1] == -1  # 30 m outside: in no grid
    assert len(set(lay.unit[90:93])) == 1 and lay.w[lay.unit[90]] == 3  # the compound
    assert lay.w.sum() == n - 1
    # the cells tile each group (one Voronoi diagram per group), each around its unit
    for g in (0, 1):
        assert shapely.coverage_is_valid(lay.cells[lay.ugroup == g])
    assert abs(shapely.area(lay.cells).sum() - sum(g.area for g in lay.groups)) < 1e-3
    assert shapely.intersects_xy(lay.cells, lay.uxy[:, 0], lay.uxy[:, 1]).all()


def test_connected_and_touching():
    hh, groups = _village()
    lay = _layout(hh, groups)
    a = lay.ugroup == 0
    assert lay.connected(a) and lay.connected(~a) and lay.touching(a, ~a)
    x = shapely.get_x(hh.geometry.to_numpy())
    left, right = np.zeros(len(lay.w), bool), np.zeros(len(lay.w), bool)
    left[lay.unit[(x < 20) & (lay.unit >= 0)]] = True
    right[lay.unit[(x > 160) & (x < 200)]] = True
    assert left.sum() == 10 and right.sum() == 10
    assert not lay.connected(left | right) and not lay.touching(left, right)
    assert (
        gp.is_connected(np.array([True, False, True]), np.array([0, 1]), np.array([1, 2])) is False
    )
    sa, sb = gp.subgraph(np.array([True, True, False]), np.array([0, 1]), np.array([1, 2]))
    assert list(sa) == [0] and list(sb) == [1]


def test_polygons_from_labels_are_the_partitioners_own():
    """The partitioner's assignment, handed back as labels, gives its own grid polygons."""
    hh, groups = _village()
    result = partition(hh, groups)
    lay = _layout(hh, groups)
    grid_of = result.assignments["grid_id"].to_numpy()
    codes = sorted(set(grid_of) - {""})
    ulabel = np.full(len(lay.w), -1)
    inside = lay.unit >= 0
    ulabel[lay.unit[inside]] = [codes.index(g) for g in grid_of[inside]]
    built = lay.polygons(ulabel, len(codes))
    assert not built.repairs and built.moved == 0
    mine = gpd.GeoSeries(lay.to_lonlat(built.polygons), crs=4326).to_crs(CRS)
    theirs = result.grids.set_index("grid_id").geometry.to_crs(CRS)[codes]
    for a, b in zip(mine, theirs):
        assert a.symmetric_difference(b).area < 1e-3


def test_drawn_geometry_to_metric_and_polygons_back():
    hh, groups = _village()
    lay = _layout(hh, groups)
    line = shapely.LineString([(0, 0), (100, 50)])  # in the tests' UTM 50N metres
    drawn = gpd.GeoSeries([line], crs=CRS).to_crs(4326).iloc[0]
    metric = lay.to_metric(drawn)
    assert abs(metric.length - line.length) < 0.5  # another UTM zone: lengths agree closely
    (square,) = lay.to_lonlat([shapely.box(*lay.groups[0].bounds)])
    assert square.is_valid and square.contains(drawn.interpolate(0.5, normalized=True))


def test_split_into_connected_parts_of_a_band():
    hh, groups = _village()
    lay = _layout(hh, groups)
    a = lay.ugroup == 0  # group a: 50 households
    lab = lay.split(a, 2, (20, 30))
    sizes = np.bincount(lab, weights=lay.w[a])
    assert sorted(sizes) == [25, 25]
    units = np.flatnonzero(a)
    for k in (0, 1):
        part = np.zeros(len(lay.w), dtype=bool)
        part[units[lab == k]] = True
        assert lay.connected(part)


def test_member_areas_in_band():
    hh, groups = _village()
    lay = _layout(hh, groups)
    areas = lay.member_areas(lay.ugroup, 2, PartitionParams())
    for g in (0, 1):
        sizes = np.bincount(areas[lay.ugroup == g], weights=lay.w[lay.ugroup == g])
        assert ((sizes >= 8) & (sizes <= 12)).all()


@pytest.mark.parametrize(
    "size,state", [(39, gp.BAND_UNDER), (40, gp.BAND_IN), (60, gp.BAND_IN), (61, gp.BAND_OVER)]
)
def test_band_state(size, state):
    assert gp.band_state(size, (40, 60)) == state


def test_codes():
    """Reading order: rows north to south, west to east in a row; taken codes skipped."""
    cx, cy = [500, 0, 0, 500], [0, 1000, 0, 1000]  # SE, NW, SW, NE
    assert gp.grid_codes("360721100200", cx, cy) == [
        "360721100200004",
        "360721100200001",
        "360721100200003",
        "360721100200002",
    ]
    assert gp.grid_codes("V", [0, 10], [0, 0], taken=["V001"]) == ["V002", "V003"]
    assert gp.member_code("360721100200001", 3) == "360721100200001-03"
    assert gp.member_number("360721100200001-03") == 3
    assert gp.member_grid("360721100200001-03") == "360721100200001"


def test_new_codes_continue_after_the_highest_code_ever_taken():
    """A split or an incremental run never reuses a code, nor fills a gap below the top."""
    taken = {"V001", "V004", "W009", "Vx"}  # another village's code and a foreign one ignored
    assert gp.next_codes("V", 2, taken) == ["V005", "V006"]
    assert gp.next_codes("V", 1, set()) == ["V001"]


def test_member_areas_of_some_units_only():
    hh, groups = _village()
    lay = _layout(hh, groups)
    units = np.flatnonzero(lay.ugroup == 1)
    areas = lay.member_areas(
        np.zeros(len(units), dtype=np.int64), 1, PartitionParams(), units=units
    )
    sizes = np.bincount(areas, weights=lay.w[units])
    assert len(areas) == len(units) and sizes.sum() == lay.w[units].sum()
    assert ((sizes >= 8) & (sizes <= 12)).all()


@pytest.mark.parametrize(
    "lon,lat", [(115.6, 26.05), (1.5, 42.5), (9.5, 47.1), (-70.6, -33.4), (179.9, 10)]
)
def test_one_metric_crs_rule_matches_geopandas(lon, lat):
    bounds = (lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05)
    frame = gpd.GeoSeries([shapely.box(*bounds)], crs=4326)
    assert gp.utm_epsg(bounds) == frame.estimate_utm_crs().to_epsg()
