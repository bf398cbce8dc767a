"""Smooth the borders that grids draw inside a village group.

Method: where a group is shared by several grids, the pieces of the group
(the dissolved household Voronoi cells of each grid) form a polygonal
coverage whose inner edges zigzag along Voronoi bisectors. Those inner edges,
and only those, are simplified with GEOS's coverage simplification
(Visvalingam-Whyatt on shared edges with the topology kept, ``shapely.
coverage_simplify`` with ``simplify_boundary=False``), so the group's own
outline, and every border between groups, stays exactly as drawn. Tolerance:
``SMOOTH_FACTOR`` times the median distance from a household point of the
group to the nearest other one (the local spacing; the group's area per
household would count empty hillside). Measured on the generated 20k county,
Andorra and Liechtenstein (mean Polsby-Popper of the grids): factor 1 gave
+0.003/+0.004/+0.017, 2 gave +0.005/+0.008/+0.027, 4 and 8 less (more
households fall on the wrong side and their cells, taken back, notch the
line).

A simplified edge may pass on the wrong side of a household. Each such
household takes its own Voronoi cell back from the pieces that took it (exact
set operations, so the pieces still tile the group). If a piece then breaks
into parts, a household still lies outside its piece, or a piece is invalid,
the group is tried again at half the tolerance and, failing that, keeps its
unsmoothed pieces. The result is handed to :func:`.polygons.dissolve` as one
cell per (grid, group) piece, the other cells of the piece empty.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import cKDTree

SMOOTH_FACTOR = 2.0  # tolerance in household spacings (see module docstring)
TRIES = 2  # the tolerance, then half of it, before giving up on a group


def _try(pieces, tol, units, uxy, cells) -> np.ndarray | None:
    """Simplified pieces with misplaced households given their cell back, or None."""
    out = shapely.coverage_simplify(pieces, tol, simplify_boundary=False)
    for i, idx in enumerate(units):
        inside = shapely.contains_xy(out[i], uxy[idx, 0], uxy[idx, 1])
        for u in idx[~inside]:
            cell = cells[u]
            for j in range(len(out)):
                if j != i and shapely.intersects(out[j], cell):
                    out[j] = shapely.difference(out[j], cell)
            out[i] = shapely.union(out[i], cell)
    parts = shapely.get_num_geometries(out)
    if (parts > shapely.get_num_geometries(pieces)).any() or not shapely.is_valid(out).all():
        return None
    types = shapely.get_type_id(out)
    if not np.isin(types, (3, 6)).all():  # Polygon, MultiPolygon
        return None
    for i, idx in enumerate(units):
        if not shapely.contains_xy(out[i], uxy[idx, 0], uxy[idx, 1]).all():
            return None
    return out


def smooth_cells(
    *,
    cells: np.ndarray,
    uxy: np.ndarray,
    ulabel: np.ndarray,
    ugroup: np.ndarray,
    factor: float = SMOOTH_FACTOR,
) -> np.ndarray:
    """Cells with each shared group's pieces smoothed (see module docstring).

    Returns a new array: for a group held by several grids, the first unit of
    each (group, grid) piece carries the smoothed piece and the piece's other
    units an empty polygon; other cells are unchanged.
    """
    if factor <= 0 or len(cells) == 0:
        return cells
    order = np.lexsort((ulabel, ugroup))
    grp, lab = ugroup[order], ulabel[order]
    gcut = np.flatnonzero(np.diff(grp) != 0) + 1
    out = cells
    for gs, ge in zip(np.r_[0, gcut], np.r_[gcut, len(order)]):
        if lab[gs] == lab[ge - 1]:
            continue  # one grid holds the group: its outline is kept as it is
        seg = order[gs:ge]
        lcut = np.flatnonzero(np.diff(lab[gs:ge]) != 0) + 1
        units = [seg[a:b] for a, b in zip(np.r_[0, lcut], np.r_[lcut, len(seg)])]
        pieces = np.array([shapely.coverage_union_all(cells[u]) for u in units], dtype=object)
        if len(seg) < 2:
            continue
        d, _ = cKDTree(uxy[seg]).query(uxy[seg], k=2)
        tol = factor * float(np.median(d[:, 1]))
        for _ in range(TRIES):
            done = _try(pieces, tol, units, uxy, cells)
            if done is not None:
                break
            tol /= 2
        else:
            continue
        if out is cells:
            out = cells.copy()
        for u, piece in zip(units, done):
            out[u[0]] = piece
            out[u[1:]] = shapely.Polygon()
    return out
