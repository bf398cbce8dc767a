"""Household adjacency graph of one village (metric coordinates).

Method: co-located households are merged into weighted *units* (unique points,
rounded to ``SAME_POINT_M``); units are linked by a Delaunay triangulation
trimmed to the village groups: an edge is kept when its midpoint lies in the
group of its ends (or, across two adjacent groups, in either of them), so no
edge leaves the village or jumps across a concave bay. Components of a group
or of two adjacent groups that the trimming separated are reconnected by their
nearest pair of units, so every merged block of groups is one connected graph.
This is the "trimmed Delaunay inside the village" of design.md section 4; the
Delaunay/Voronoi duality (Okabe et al., *Spatial Tessellations*, 2000) makes it
the adjacency of the household Voronoi cells used for the grid polygons.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

try:  # scipy's compiled undirected traversal (see components_sorted)
    from scipy.sparse.csgraph._traversal import _connected_components_undirected as _ccu
except ImportError:  # pragma: no cover
    _ccu = None
from scipy.spatial import Delaunay, QhullError, cKDTree

SAME_POINT_M = 0.01  # households closer than 1 cm are one point (same compound)
TOUCH_M = 0.01  # cells of two groups this close count as touching (floating-point noise)
MIN_SHARED_M = 0.5  # ... when they share at least this much border


def make_units(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique points (sorted, deterministic), household->unit index, unit weights."""
    key = np.round(xy / SAME_POINT_M).astype(np.int64)
    _, first, inverse, counts = np.unique(
        key, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    return xy[first], inverse.ravel(), counts


def arcs(ea: np.ndarray, eb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of each edge, sorted by source: (src, dst)."""
    src, dst = np.r_[ea, eb], np.r_[eb, ea]
    order = np.argsort(src, kind="stable")
    return src[order], dst[order]


def components_sorted(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components from arcs sorted by source (any subset of :func:`arcs`).

    Calls scipy's compiled traversal directly when it is importable: the public
    ``connected_components`` spends most of its time validating and converting
    the sparse matrix, and the bisection asks thousands of times per village.
    """
    if n == 0:
        return 0, np.zeros(0, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    if _ccu is None:  # pragma: no cover - other scipy versions
        m = csr_matrix((np.ones(len(dst), dtype=np.int8), dst, indptr), shape=(n, n))
        return connected_components(m, directed=False)
    labels = np.empty(n, dtype=np.int32)
    ind = dst.astype(np.int32)
    nc = _ccu(ind, indptr, ind, indptr, labels)
    return int(nc), labels


def components(n: int, ea: np.ndarray, eb: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of an undirected graph given as edge arrays."""
    return components_sorted(n, *arcs(ea, eb))


def _delaunay(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(xy)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    try:
        if n < 3:
            raise QhullError
        tri = Delaunay(xy)
        s = tri.simplices
        e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    except QhullError:  # collinear or too few points: chain them along the line
        d = xy - xy.mean(axis=0)
        order = np.argsort(d @ np.linalg.svd(d, full_matrices=False)[2][0], kind="stable")
        e = np.c_[order[:-1], order[1:]]
    e.sort(axis=1)
    e = np.unique(e, axis=0)
    return e[:, 0].astype(np.int64), e[:, 1].astype(np.int64)


def _connect(xy, ea, eb, nodes) -> list[tuple[int, int]]:
    """Edges joining the components of the subgraph on ``nodes`` (nearest pairs)."""
    added: list[tuple[int, int]] = []
    loc = np.full(len(xy), -1)
    loc[nodes] = np.arange(len(nodes))
    m = (loc[ea] >= 0) & (loc[eb] >= 0)
    sa, sb = list(loc[ea[m]]), list(loc[eb[m]])
    for _ in range(len(nodes)):
        nc, comp = components(len(nodes), np.array(sa, np.int64), np.array(sb, np.int64))
        if nc <= 1:
            break
        main = np.argmax(np.bincount(comp))
        inside = comp == main
        tree = cKDTree(xy[nodes[inside]])
        dist, j = tree.query(xy[nodes[~inside]])
        i = int(np.argmin(dist))
        a, b = int(np.flatnonzero(~inside)[i]), int(np.flatnonzero(inside)[j[i]])
        sa.append(a)
        sb.append(b)
        added.append((int(nodes[a]), int(nodes[b])))
    return added


def village_graph(
    *, uxy: np.ndarray, ugroup: np.ndarray, cells: np.ndarray, clipped: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Edges (ea < eb) between units whose cells share a border line.

    Unclipped cells inside one group are Voronoi neighbours exactly when they are
    Delaunay neighbours; pairs involving a clipped cell (on a group border, or
    cut by a concave bay) must still intersect, and clipped cells of different
    groups are paired through an STRtree when they share >= ``MIN_SHARED_M`` of
    border (up to ``TOUCH_M`` of floating-point noise). Components of one group (a multi-part group) are joined
    by their nearest pair so a block of groups is one graph.
    """
    ea, eb = _delaunay(uxy)
    same = ugroup[ea] == ugroup[eb]
    ea, eb = ea[same], eb[same]
    chk = clipped[ea] | clipped[eb]
    ok = ~chk
    if chk.any():
        ok[chk] = shapely.intersects(cells[ea[chk]], cells[eb[chk]])
    ea, eb = ea[ok], eb[ok]
    cl = np.flatnonzero(clipped)
    if len(cl) > 1:
        tree = shapely.STRtree(cells[cl])
        qa, qb = tree.query(cells[cl], predicate="dwithin", distance=TOUCH_M)
        qa, qb = cl[qa], cl[qb]
        m = (qa < qb) & (ugroup[qa] != ugroup[qb])
        qa, qb = qa[m], qb[m]
        if len(qa):  # cells of two groups meet only up to floating-point noise
            ua, ia = np.unique(qa, return_inverse=True)
            ub, ib = np.unique(qb, return_inverse=True)
            rims = shapely.boundary(cells[ua])[ia.ravel()]
            halos = shapely.buffer(cells[ub], TOUCH_M, quad_segs=1)[ib.ravel()]
            shared = shapely.length(shapely.intersection(rims, halos))
            m = shared >= MIN_SHARED_M
            ea, eb = np.r_[ea, qa[m]], np.r_[eb, qb[m]]
    extra: list[tuple[int, int]] = []
    same = ugroup[ea] == ugroup[eb]
    _, comp = components(len(uxy), ea[same], eb[same])
    pairs = np.unique(np.c_[ugroup, comp], axis=0)
    for g in np.unique(pairs[np.r_[False, pairs[1:, 0] == pairs[:-1, 0]], 0]):
        extra += _connect(uxy, ea, eb, np.flatnonzero(ugroup == g))  # multi-part group
    if extra:
        ea = np.r_[ea, [a for a, _ in extra]]
        eb = np.r_[eb, [b for _, b in extra]]
    e = np.unique(np.sort(np.c_[ea, eb], axis=1), axis=0).astype(np.int64)
    return e[:, 0], e[:, 1]


def touching_groups(ugroup: np.ndarray, ea: np.ndarray, eb: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of groups (i < j) with at least one household cell border between them."""
    ga, gb = ugroup[ea], ugroup[eb]
    m = ga != gb
    return {(int(min(a, b)), int(max(a, b))) for a, b in zip(ga[m], gb[m])}


def group_adjacency(groups: list, *, min_shared_m: float = 1.0) -> dict[tuple[int, int], float]:
    """Pairs of groups (i < j) sharing at least ``min_shared_m`` of boundary -> shared length."""
    if len(groups) < 2:
        return {}
    arr = np.asarray(groups, dtype=object)
    tree = shapely.STRtree(arr)
    ia, ib = tree.query(arr, predicate="dwithin", distance=0.5)
    m = ia < ib
    ia, ib = ia[m], ib[m]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(arr[ia]), shapely.buffer(arr[ib], 0.5))
    )
    return {(int(a), int(b)): float(s) for a, b, s in zip(ia, ib, shared) if s >= min_shared_m}
