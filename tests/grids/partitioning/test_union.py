"""The union fallback chain: each step forced by a tiny input, and always a valid result.

Every case names the step that must make the union: the steps before it raise or return
something the chain rejects (invalid, not polygonal, empty, or with area lost).
"""

import numpy as np
import pytest
import shapely
from shapely import Polygon, box

from grids.partitioning.union import STEPS, clean_coverage, polygonal, union_polygons

# A T-junction: the right square has a vertex in the middle of the shared edge, the left
# one does not (cells of two groups meet like this on their border).
#   +----+----+
#   |    |    |
#   |    +    |     the middle vertex exists only in the right square
#   |    |    |
#   +----+----+
T_LEFT = box(0, 0, 1, 1)
T_RIGHT = Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)])

# libgeos/geos#1170 (a reduced case by its maintainer): a polygon with a hole and a
# sliver inside it whose edges almost coincide with the hole's; GEOS's overlay returns
# an invalid MultiPolygon for the plain union and for the coverage union.
HOLED = shapely.from_wkt(
    "POLYGON ((39893.875 197462.125, 39900 197400, 39820.57741178792 197500, "
    "39848.89740965763 197500, 39893.875 197462.125), (39891.625 197448.375, "
    "39872.007923812 197457.49692859003, 39862.259636527146 197475.4252251145, "
    "39895.67580000311 197413.96880000085, 39891.625 197448.375))"
)
SLIVER = shapely.from_wkt(
    "POLYGON ((39866.13 197473.47, 39868.73410547314 197475.00383519547, "
    "39866.12902312726 197473.4659950994, 39863.954506024966 197472.3081521314, "
    "39863.95342412875 197472.3101418713, 39866.13 197473.47))"
)

# Found by sample_data/adversarial.py: a 2 cm wide group drawn in metres crosses itself
# once written in degrees; with its neighbour, GEOS's snap-rounding union raised
# "unable to assign free hole to a shell" (the error the partitioner stopped on).
THIN_IN_DEGREES = shapely.from_wkt(
    "POLYGON ((115.59067130000001 26.033604899999993, 115.5951949 26.033879300000002, "
    "115.5951799338485 26.03387839239348, 115.59546281842479 26.025075207068394, "
    "115.59546293319319 26.025073882226096, 115.5954631911371 26.025072573926913, "
    "115.5954635897723 26.02507129477046, 115.59546412525977 26.025070057075745, "
    "115.59546479244241 26.025068872762404, 115.59546558489494 26.02506775323605, "
    "115.5954664949856 26.025066709278317, 115.59546751394967 26.025065750943096, "
    "115.59546801133985 26.025065366793886, 115.5954778 26.0250756, "
    "115.59412849999998 26.023665, 115.59067130000001 26.033604899999993))"
)
ITS_NEIGHBOUR = shapely.from_wkt(
    "POLYGON ((115.5954778 26.0250756, 115.595468 26.0250654, 115.5954675 26.0250658, "
    "115.5954778 26.0250756))"
)


def _raises(fn) -> bool:
    try:
        fn()
    except shapely.errors.GEOSException:
        return True
    return False


def test_coverage_step_on_an_exact_tiling():
    """Two squares sharing an edge vertex for vertex: the exact coverage union."""
    geom, step = union_polygons([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    assert step == "coverage"
    assert geom.equals(box(0, 0, 2, 1))


def test_snap_step_on_a_t_junction():
    """Coverage union refuses inputs that are not noded alike; snapping nodes them."""
    assert _raises(lambda: shapely.coverage_union_all([T_LEFT, T_RIGHT]))
    geom, step = union_polygons([T_LEFT, T_RIGHT])
    assert step == "snap"
    assert geom.is_valid and abs(geom.area - 2) < 1e-9
    assert shapely.get_num_geometries(geom) == 1


def test_make_valid_step_on_a_bow_tie():
    """A self-crossing input makes every overlay raise ("side location conflict");
    repaired first, it unions: the two triangles of the bow tie and the square.

      (0,1) +   + (1,1)
            |\\ /|
            | X |+------+
            |/ \\||      |
      (0,0) +   +(1,0)--+ (2,0)
    """
    bow = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    assert not bow.is_valid
    assert _raises(lambda: shapely.union_all([bow, box(1, 0, 2, 1)], grid_size=1e-5))
    geom, step = union_polygons([bow, box(1, 0, 2, 1)])
    assert step == "make_valid"
    assert geom.is_valid and abs(geom.area - 1.5) < 1e-9


def test_make_valid_step_on_a_thin_group_written_in_degrees():
    """The case that stopped the partitioner: the snapping union raises, the repair of
    the self-crossing group lets it through."""
    pair = [THIN_IN_DEGREES, ITS_NEIGHBOUR]
    assert _raises(lambda: shapely.union_all(pair, grid_size=1e-8))
    geom, step = union_polygons(pair, grid=1e-8)
    assert step == "make_valid"
    assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
    assert geom.covers(ITS_NEIGHBOUR.buffer(-1e-8))


def test_exact_step_when_snapping_erases_the_cells():
    """Cells finer than the precision grid (here 40 cm on a 1 m grid; in the partitioner
    10 micrometres) vanish when snapped, with or without repair: the chain refuses an
    empty union of non-empty cells and the full-precision union keeps them."""
    left = box(0, 0, 0.4, 0.4)
    right = Polygon([(0.4, 0), (0.8, 0), (0.8, 0.4), (0.4, 0.4), (0.4, 0.2)])
    assert shapely.union_all([left, right], grid_size=1.0).is_empty
    geom, step = union_polygons([left, right], grid=1.0)
    assert step == "exact"
    assert abs(geom.area - 0.32) < 1e-9


def test_per_cell_step_when_geos_returns_invalid_unions():
    """libgeos/geos#1170: the coverage and plain unions come back invalid, the snapped
    ones lose the sliver's area from the sum (it lies inside the holed polygon, which the
    overlay's own intersection does not see); repaired cell by cell and joined by a zero
    buffer, the result is valid and holds the holed polygon whole. (If a GEOS upgrade
    fixes the bug, an earlier step takes over: update the expected step then.)"""
    assert not shapely.union_all([HOLED, SLIVER]).is_valid
    assert not shapely.coverage_union_all([HOLED, SLIVER]).is_valid
    geom, step = union_polygons([HOLED, SLIVER])
    assert step == "per_cell"
    assert geom.is_valid
    assert HOLED.difference(geom).area < 1e-3  # of 2,378 m2: the buffer's own rounding
    assert geom.area <= HOLED.area + SLIVER.area


def test_empty_and_single_inputs():
    assert union_polygons([])[0].is_empty
    one = box(0, 0, 1, 1)
    assert union_polygons([one, shapely.Polygon()])[0] is one


@pytest.mark.parametrize("first", STEPS[1:], ids=str)
def test_starting_later_in_the_chain_still_unions(first):
    geom, step = union_polygons([T_LEFT, T_RIGHT], first=first)
    assert STEPS.index(step) >= STEPS.index(first)
    assert geom.is_valid and abs(geom.area - 2) < 1e-6


def test_clean_coverage_nodes_t_junctions_and_gives_overlaps_to_the_first():
    """After cleaning, the T-junction pair is an exact coverage (the coverage step
    works), and an overlap goes to the earlier piece."""
    clean, ok = clean_coverage([T_LEFT, T_RIGHT])
    assert ok and shapely.coverage_is_valid(clean)
    assert union_polygons(clean)[1] == "coverage"
    first, second = box(0, 0, 1, 1), box(0.9, 0, 2, 1)
    clean, ok = clean_coverage([first, second])
    assert ok
    assert clean[0].equals(first)
    assert abs(clean[1].area - 1.0) < 1e-9


def test_clean_coverage_fills_narrow_gaps_only():
    """A 0.5 m gap between two squares is filled at ``gap=1``; a 2 m gap is not."""
    a, b = box(0, 0, 10, 10), box(10.5, 0, 20, 10)
    frame = box(-1, -1, 21, 11).difference(box(0, 0, 20, 10))  # encloses the gap
    clean, ok = clean_coverage([a, b, frame], gap=1.0)
    assert ok and abs(sum(g.area for g in clean) - box(-1, -1, 21, 11).area) < 1e-6
    wide = box(12, 0, 20, 10)
    clean, ok = clean_coverage([a, wide, frame], gap=1.0)
    assert ok and abs(sum(g.area for g in clean) - (a.area + wide.area + frame.area)) < 1e-6


def test_polygonal_keeps_polygons_only():
    mixed = shapely.GeometryCollection([box(0, 0, 1, 1), shapely.LineString([(0, 0), (5, 5)])])
    assert polygonal(mixed).equals(box(0, 0, 1, 1))
    assert polygonal(shapely.Point(0, 0)).is_empty
    assert polygonal(None).is_empty


def test_the_chain_never_raises_and_always_ends_valid():
    """Random near-coincident pieces (vertices jittered by 1e-9..1e-3 m around a grid of
    squares): whatever GEOS does, the union is a valid polygon covering the squares."""
    rng = np.random.default_rng(0)
    squares = [box(x, y, x + 10, y + 10) for x in (0, 10, 20) for y in (0, 10)]
    for _ in range(200):
        scale = 10.0 ** rng.uniform(-9, -3)
        phase = rng.uniform(0, 7, len(squares))  # each square moves its copy of a vertex
        pieces = [
            shapely.transform(sq, lambda c, k=k, s=scale: c + s * np.sin(c * 12.9898 + k))
            for sq, k in zip(squares, phase)
        ]
        geom, step = union_polygons(pieces)
        assert step in STEPS
        assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
        assert abs(geom.area - 600) < 240 * scale + 1e-6  # each edge moved up to scale
