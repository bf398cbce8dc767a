"""Finishing grid polygons: detached fragments, household-less groups, snapped households.

Clipping a Voronoi cell to a concave group can leave a detached sliver inside another
grid: each such part of a grid goes to the neighbouring grid with which it shares the
longest border, with any household in it, so grids stay connected. A household-less group
joins the adjacent grid with the longest shared border. A household snapped into its
group from outside (up to 5 m) is joined to its grid by a strip ``2 * CONNECTOR_M`` wide
that overlaps no other grid. Unions go through :func:`.union.union_polygons`.
"""

from __future__ import annotations

import numpy as np
import shapely

from .union import polygonal, union_polygons

CONNECTOR_M = 0.05  # half-width of the strip joining a snapped household to its grid
TOUCH_M = 0.01  # distance under which two polygons count as sharing a border
MIN_SHARED_M = 1.0  # a household-less group joins a grid it touches over this (as between
# groups, graph.group_borders) when the polygons could not be noded (a fragment, any length)
SLIVER_M2 = 1.0  # household-less parts smaller than this are precision artefacts


def _best_neighbour(part, polys: list, exclude: int, noded: bool = True, least: float = 0) -> int:
    """The polygon sharing the longest border with ``part`` (-1: none shares a line).

    With ``noded`` (the polygons come from one noded coverage, as in
    :func:`.polygons.grid_polygons`) a shared border is common linework, and polygons that
    only touch ``part`` at points do not count: joining them would make a grid of two
    parts touching at a point. Otherwise linework within ``TOUCH_M`` counts, over more
    than ``least``.
    """
    best, best_len = -1, 0.0
    band = shapely.buffer(part, TOUCH_M)
    rim = shapely.boundary(part)
    near = []
    for j, p in enumerate(polys):
        if j == exclude or p.is_empty or not shapely.intersects(band, p):
            continue
        near.append(j)
        length = shapely.length(shapely.intersection(shapely.boundary(p), rim))
        if length > best_len:
            best, best_len = j, length
    if best >= 0 or noded:
        return best
    for j in near:
        length = shapely.length(shapely.intersection(shapely.boundary(polys[j]), band))
        if length > max(least, best_len):
            best, best_len = j, length
    return best


def _join(a, b):
    return union_polygons([a, b])[0]


def fix_fragments(
    *,
    polys: list,
    uxy: np.ndarray,
    ulabel: np.ndarray,
    w: np.ndarray,
    multipart_ok: list[bool],
    noded: bool = True,
) -> int:
    """Give detached parts of grids to their best neighbour (in place); returns moves."""
    moves = 0
    for k in range(len(polys)):
        geom = polys[k]
        if multipart_ok[k] or shapely.get_num_geometries(geom) <= 1:
            continue
        parts = shapely.get_parts(geom)
        idx = np.flatnonzero(ulabel == k)
        inside = [shapely.intersects_xy(p, uxy[idx, 0], uxy[idx, 1]) for p in parts]
        weight = [float(w[idx[m]].sum()) for m in inside]
        main = max(range(len(parts)), key=lambda i: (weight[i], shapely.area(parts[i])))
        keep = [parts[main]]
        for i, p in enumerate(parts):
            if i == main:
                continue
            if weight[i] == 0 and shapely.area(p) < SLIVER_M2:
                continue  # drop: a precision artefact, not territory
            j = _best_neighbour(p, polys, k, noded)
            if j < 0:
                keep.append(p)
                continue
            polys[j] = _join(polys[j], p)
            ulabel[idx[inside[i] & (ulabel[idx] == k)]] = j
            moves += 1
        polys[k] = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)
    return moves


def attach_empty(
    *, polys: list, empty_groups: list[tuple[int, object]], noded: bool = True
) -> dict[int, list[int]]:
    """Union each household-less group into its best neighbouring grid (in place)."""
    attached: dict[int, list[int]] = {}
    todo = list(empty_groups)
    while todo:
        left = []
        for g, geom in todo:
            j = _best_neighbour(geom, polys, -1, noded, least=MIN_SHARED_M)
            if j < 0:
                left.append((g, geom))
                continue
            polys[j] = _join(polys[j], geom)
            attached.setdefault(j, []).append(g)
        if len(left) == len(todo):
            break
        todo = left
    return attached


def add_connectors(*, polys: list, ulabel_of_snap: np.ndarray, orig: np.ndarray, snapped) -> None:
    """Join households snapped from outside their group to their grid by a thin strip
    (less whatever other grid it would cross)."""
    arr = np.asarray(polys, dtype=object)
    tree = shapely.STRtree(arr)
    for k, (x0, y0), (x1, y1) in zip(ulabel_of_snap, orig, snapped):
        strip = shapely.buffer(shapely.LineString([(x0, y0), (x1, y1)]), CONNECTOR_M)
        others = [j for j in tree.query(strip, predicate="intersects") if j != k]
        if others:
            strip = polygonal(shapely.difference(strip, union_polygons(arr[others])[0]))
        polys[k] = union_polygons([polys[k], strip], tiles=False, first="snap")[0]
