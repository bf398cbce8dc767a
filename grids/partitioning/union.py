"""Robust union of polygons that tile: a fallback chain that always ends in valid polygons.

The grid polygons are unions of household Voronoi cells (:mod:`.polygons`). GEOS's
overlay can fail on such inputs in two ways: by raising (``CoverageUnion cannot process
incorrectly noded inputs``; with a precision grid ``unable to assign free hole to a
shell`` or ``Ring edge missing``; ``side location conflict`` on an invalid input), or
silently, by returning an invalid or non-polygonal result when the linework is almost
coincident (libgeos/geos#1170: the overlay's topology is then decided wrongly). So every
step's result is checked (valid, polygonal, and, for parts that tile, the area kept up to
what snapping to the grid may move), and the chain moves on to the next step:

1. ``coverage``: ``coverage_union_all`` (exact, fast; the cells of one group tile it);
2. ``snap``: ``union_all`` on a precision grid (snap-rounding nodes nearly coincident
   edges: cells of two groups meet only up to floating-point noise);
3. ``make_valid``: each input repaired (``make_valid``, polygonal parts) and snapped to
   the grid, then ``union_all`` on the grid;
4. ``exact``: ``union_all`` in full precision (GEOS's own snapping heuristics);
5. ``per_cell``: each input repaired alone and the lot unioned by a zero buffer (GEOS's
   buffer retries at reduced precision until it succeeds); failing that, cells are added
   one at a time and a cell no step can add is left out, so the result is always valid.

:func:`clean_coverage` nodes a set of pieces into an exact coverage (shared edges with
identical vertices) first, so that step 1 succeeds on them and neighbouring grids share
their borders exactly (independent snapping of two grids would not).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import numpy as np
import shapely

GRID_M = 1e-5  # precision grid of the snapping steps: clipped cells of two groups meet on
# their shared border only up to floating-point noise (~1e-9 m at UTM magnitudes)
AREA_M2 = 1e-4  # area a step may lose or gain beyond what snapping to the grid moves
CLEAN_SNAP_M = 1e-3  # vertices this close are one when pieces are noded into a coverage
# (a vertex of a border drawn in another CRS lies up to ~0.1 mm off its neighbour's edge)
STEPS = ("coverage", "snap", "make_valid", "exact", "per_cell")
POLYGONAL = (3, 6)  # GEOS type ids of Polygon and MultiPolygon


def polygonal(geom):
    """The polygonal part of ``geom`` (Polygon or MultiPolygon; empty Polygon if none)."""
    if geom is None or shapely.is_empty(geom):
        return shapely.Polygon()
    if shapely.get_type_id(geom) in POLYGONAL:
        return geom
    parts = shapely.get_parts(shapely.get_parts(geom))
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _tolerance(geoms: np.ndarray, grid: float) -> float:
    return AREA_M2 + grid * float(shapely.length(geoms).sum())


def _accept(result, geoms: np.ndarray, grid: float, tiles: bool) -> bool:
    if result is None or shapely.get_type_id(result) not in POLYGONAL:
        return False
    if not shapely.is_valid(result):
        return False
    if shapely.is_empty(result) and (shapely.area(geoms) > 0).any():
        return False  # everything snapped away
    if not tiles:
        return True
    return abs(float(shapely.area(result)) - float(shapely.area(geoms).sum())) <= _tolerance(
        geoms, grid
    )


def _repaired(geoms: np.ndarray, grid: float | None) -> np.ndarray:
    """Each input valid and polygonal (``make_valid``), on ``grid`` where GEOS can snap it."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if not shapely.is_valid(g):
            g = polygonal(shapely.make_valid(g, method="structure", keep_collapsed=False))
        if grid:
            with contextlib.suppress(shapely.errors.GEOSException):  # else full precision
                g = polygonal(shapely.set_precision(g, grid))
        out[i] = g
    return out


def _add(acc, cell, grid: float):
    """``acc`` with ``cell`` added by the first operation that gives a valid polygon."""
    for name in ("snap", "exact", "buffer"):
        try:
            if name == "buffer":
                nxt = shapely.buffer(shapely.GeometryCollection([acc, cell]), 0)
            else:
                nxt = shapely.union(acc, cell, grid_size=grid if name == "snap" else None)
        except shapely.errors.GEOSException:
            continue
        nxt = polygonal(nxt)
        if _accept(nxt, np.array([acc, cell]), grid, tiles=False):
            return nxt
    return None


def _per_cell(geoms: np.ndarray, grid: float):
    """Each input repaired alone (``make_valid``, zero buffer), then all at once by a zero
    buffer, or one at a time (an input no operation can add is left out)."""
    cells = np.array([polygonal(shapely.buffer(g, 0)) for g in _repaired(geoms, None)])
    cells = cells[~shapely.is_empty(cells)]
    try:
        whole = polygonal(shapely.buffer(shapely.GeometryCollection(list(cells)), 0))
        if _accept(whole, cells, grid, tiles=False):
            return whole
    except shapely.errors.GEOSException:
        pass
    acc = shapely.Polygon()
    for cell in cells[np.argsort(-shapely.area(cells), kind="stable")]:
        nxt = _add(acc, cell, grid)
        acc = acc if nxt is None else nxt
    return acc


def _steps(geoms: np.ndarray, grid: float) -> list[tuple[str, Callable]]:
    return [
        ("coverage", lambda: shapely.coverage_union_all(geoms)),
        ("snap", lambda: shapely.union_all(geoms, grid_size=grid)),
        ("make_valid", lambda: shapely.union_all(_repaired(geoms, grid), grid_size=grid)),
        ("exact", lambda: shapely.union_all(geoms)),
    ]


def union_polygons(
    geoms: Sequence, *, grid: float = GRID_M, tiles: bool = True, first: str = "coverage"
) -> tuple[object, str]:
    """(union of ``geoms``, name of the step that made it): see the module docstring.

    ``tiles``: the inputs have disjoint interiors (cells, pieces of a coverage), so a
    result must keep their summed area. ``first``: skip the steps before this one.
    """
    arr = np.asarray(geoms, dtype=object).ravel()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))] if len(arr) else arr
    if len(arr) == 0:
        return shapely.Polygon(), first
    if len(arr) == 1 and shapely.is_valid(arr[0]) and shapely.get_type_id(arr[0]) in POLYGONAL:
        return arr[0], first
    valid = shapely.is_valid(arr)
    ref = arr if valid.all() else _repaired(arr, None)  # an invalid input's area means nothing
    start = STEPS.index(first)
    for name, step in _steps(arr, grid)[start:]:
        try:
            result = step()
        except shapely.errors.GEOSException:
            continue
        if _accept(result, ref, grid, tiles):
            return result, name
    return _per_cell(arr, grid), "per_cell"


def clean_coverage(
    pieces: Sequence, *, snap: float = CLEAN_SNAP_M, gap: float = 0.0, split_ok: bool = False
) -> tuple[np.ndarray, bool]:
    """``pieces`` noded into an exact coverage (GEOS ``coverage_clean``: vertices within
    ``snap`` merged, T-junctions noded, overlaps given to the earlier piece, gaps narrower
    than ``gap`` given to the piece with the longest border on them), and whether that
    worked; on failure (or if a piece grew by more than snapping and gap filling account
    for, or fell into more parts without ``split_ok``) the pieces are returned unchanged
    and the unions fall back along the chain."""
    arr = np.asarray(pieces, dtype=object).ravel()
    if len(arr) < 2:
        return arr, True
    try:
        out = shapely.coverage_clean(
            arr, snapping_distance=snap, gap_width=gap, merge_strategy="min_index"
        )
    except shapely.errors.GEOSException:
        return arr, False
    out = np.array([polygonal(g) for g in out], dtype=object)
    grown = shapely.area(out) - shapely.area(arr)  # shrinking is an overlap given away
    limit = AREA_M2 + (snap + gap) * shapely.length(arr)
    if not shapely.is_valid(out).all() or (grown > limit).any():
        return arr, False
    if not split_ok and (shapely.get_num_geometries(out) > shapely.get_num_geometries(arr)).any():
        return arr, False  # a border a snap wide closed: a piece fell apart
    return out, True
