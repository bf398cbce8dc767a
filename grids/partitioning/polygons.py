"""Grid polygons: household Voronoi cells clipped to their group, dissolved per grid.

Method: inside each village group the unique household
points get Voronoi cells (GEOS ``voronoi_polygons`` with ``ordered=True`` and
``extend_to`` the group), clipped to the group; the cells of a grid are merged
with ``coverage_union_all`` per group (they form an exact coverage) and the few
per-group pieces with ``union_all``. The grids therefore tile the groups with
no gap and no overlap, and every household lies in its own grid.

Clipping a cell to a concave group can leave a detached sliver inside another
grid; such fragments are given to the neighbouring grid with which they share
the longest border (with any household in them), so grids stay connected.
Groups with no household are added whole to the adjacent grid with the longest
shared border.
"""

from __future__ import annotations

import numpy as np
import shapely

from .smooth import smooth_group, spacing

CONNECTOR_M = 0.05  # half-width of the strip joining a snapped household to its grid
TOUCH_M = 0.01  # distance under which two polygons count as sharing a border
GRID_M = 1e-5  # precision grid of unions across groups: clipped cells of two groups
# meet on the shared group border only up to floating-point noise (~1e-9 m)
SLIVER_M2 = 1.0  # household-less parts smaller than this are precision artefacts


def _polygonal(geom):
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def unit_cells(*, uxy: np.ndarray, ugroup: np.ndarray, groups: list) -> np.ndarray:
    """One polygon per unit: its Voronoi cell inside its group.

    All groups of the village in one vectorised call per GEOS operation (one
    multipoint and one ``voronoi_polygons`` per group, as before): the per-group
    Python calls cost about as much as the geometry on ~45-unit groups.
    """
    n = len(uxy)
    cells = np.empty(n, dtype=object)
    if n == 0:
        return cells
    garr = np.empty(len(groups), dtype=object)
    garr[:] = groups
    order = np.argsort(ugroup, kind="stable")  # units of each group in index order
    count = np.bincount(ugroup, minlength=len(groups))
    single = count[ugroup[order]] == 1
    one = order[single]
    cells[one] = garr[ugroup[one]]
    many = order[~single]
    if len(many) == 0:
        return cells
    mg = ugroup[many]
    gs = np.unique(mg)
    mps = shapely.multipoints(shapely.points(uxy[many]), indices=np.searchsorted(gs, mg))
    vor = shapely.voronoi_polygons(mps, extend_to=garr[gs], ordered=True)
    parts = shapely.get_parts(vor)  # group by group, each in its point order
    own = garr[mg]
    shapely.prepare(garr[gs])
    inside = shapely.contains_properly(own, parts)
    out = ~inside
    cut = shapely.intersection(parts[out], own[out])
    kind = shapely.get_type_id(cut)
    odd = np.flatnonzero(((kind != 3) & (kind != 6)) | shapely.is_empty(cut))
    cut[odd] = [_polygonal(p) for p in cut[odd]]
    parts[out] = cut
    cells[many] = parts
    return cells


def dissolve(
    *, cells: np.ndarray, ulabel: np.ndarray, ugroup: np.ndarray, n: int, uxy=None
) -> list:
    """Polygon of each label 0..n-1 (coverage union of its cells).

    With ``uxy`` (the units' points), the borders that labels draw inside a shared
    group are smoothed (:mod:`.smooth`).
    """
    out = [shapely.Polygon()] * n
    order = np.lexsort((ulabel, ugroup))
    lab, grp = ulabel[order], ugroup[order]
    cut = np.flatnonzero((np.diff(lab) != 0) | (np.diff(grp) != 0)) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, len(order)]
    gap = spacing(uxy) if uxy is not None else None
    pieces: dict[int, list] = {}
    i = 0
    while i < len(starts):  # one group at a time (the order is by group, then label)
        j = i + 1
        while j < len(starts) and grp[starts[j]] == grp[starts[i]]:
            j += 1
        units = [order[starts[x] : ends[x]] for x in range(i, j)]
        geoms = np.empty(j - i, dtype=object)
        for x, u in enumerate(units):
            try:
                geoms[x] = shapely.coverage_union_all(cells[u])
            except shapely.errors.GEOSException:  # cells clipped by a locked grid: not noded
                geoms[x] = shapely.union_all(cells[u], grid_size=GRID_M)
        if gap is not None and j - i > 1:
            geoms = smooth_group(geoms, units, uxy, cells, gap)
        for x in range(i, j):
            pieces.setdefault(int(lab[starts[x]]), []).append(geoms[x - i])
        i = j
    for k, ps in pieces.items():
        geom = _polygonal(ps[0] if len(ps) == 1 else shapely.union_all(ps, grid_size=GRID_M))
        if len(ps) > 1 and shapely.get_num_geometries(geom) > 1:
            # groups whose shared border differs by up to a centimetre: close the seam
            closed = shapely.buffer(
                shapely.buffer(geom, TOUCH_M, join_style="mitre"), -TOUCH_M, join_style="mitre"
            )
            if shapely.get_num_geometries(closed) < shapely.get_num_geometries(geom):
                geom = _polygonal(closed)
        out[k] = geom
    return out


def _best_neighbour(part, polys: list, exclude: int) -> int:
    best, best_len = -1, 0.0
    band = shapely.buffer(part, TOUCH_M)
    for j, p in enumerate(polys):
        if j == exclude or p.is_empty or not shapely.intersects(band, p):
            continue
        length = shapely.length(shapely.intersection(shapely.boundary(p), band))
        if length > best_len:
            best, best_len = j, length
    return best


def fix_fragments(
    *, polys: list, uxy: np.ndarray, ulabel: np.ndarray, w: np.ndarray, multipart_ok: list[bool]
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
            j = _best_neighbour(p, polys, k)
            if j < 0:
                keep.append(p)
                continue
            polys[j] = _polygonal(shapely.union(polys[j], p, grid_size=GRID_M))
            ulabel[idx[inside[i] & (ulabel[idx] == k)]] = j
            moves += 1
        polys[k] = _polygonal(shapely.union_all(keep))
    return moves


def attach_empty(*, polys: list, empty_groups: list[tuple[int, object]]) -> dict[int, list[int]]:
    """Union each household-less group into its best neighbouring grid (in place)."""
    attached: dict[int, list[int]] = {}
    todo = list(empty_groups)
    while todo:
        left = []
        for g, geom in todo:
            j = _best_neighbour(geom, polys, -1)
            if j < 0:
                left.append((g, geom))
                continue
            polys[j] = _polygonal(shapely.union(polys[j], geom, grid_size=GRID_M))
            attached.setdefault(j, []).append(g)
        if len(left) == len(todo):
            break
        todo = left
    return attached


def add_connectors(*, polys: list, ulabel_of_snap: np.ndarray, orig: np.ndarray, snapped) -> None:
    """Join households snapped from outside their group to their grid by a thin strip."""
    for k, (x0, y0), (x1, y1) in zip(ulabel_of_snap, orig, snapped):
        line = shapely.LineString([(x0, y0), (x1, y1)])
        polys[k] = _polygonal(shapely.union(polys[k], shapely.buffer(line, CONNECTOR_M)))
