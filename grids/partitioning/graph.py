"""Household adjacency graph of one village (metric coordinates).

Method: co-located households are merged into weighted *units* (unique points,
rounded to ``SAME_POINT_M``); two units are neighbours when their Voronoi cells,
clipped to their village group, share a border (the adjacency of the cells the
grid polygons are made of; a trimmed Delaunay graph inside the village would
give nearly the same pairs). Inside a group the cells come from one Voronoi diagram and share
their vertices, so neighbours are found by hashing vertices (the dual of the
group's Delaunay triangulation, Okabe et al., *Spatial Tessellations*, 2000,
trimmed to the group by the clipping); across two groups, by sampling their
shared border. Parts of a multi-part group are joined by their nearest pair of
units, so every merged block of groups is one connected graph. Each edge
carries the length of border its cells share (:mod:`.refine` uses it).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely

SAME_POINT_M = 0.01  # households closer than 1 cm are one point (same compound)
BORDER_SAMPLE_M = 16.0  # spacing of the points sampled along a border between two groups
BORDER_REFINE = 7  # extra samples where the cells change between two samples (~2 m apart)
TOUCH_M = 0.01  # cells of two groups this close touch (they meet up to floating-point noise)
MIN_SHARED_M = 0.5  # ... and share a border when at least this much of it
SURE_M = 1.0  # pairs seen at border samples this far apart share a border (no overlay)
VERTEX_M = 1e-4  # cell vertices this close are one (shared by neighbouring cells)
NEAR_GROUP_M = 0.5  # boundary of a group this close to another counts as shared
MEET_M = 1e-6  # ... if the two meet there: groups noded into one coverage (inputs.disjoint_groups)
# share their borders up to floating-point noise; a strip of no group between them does not


@cache
def scipy_parts() -> dict:
    """scipy's pieces used here, imported on first use.

    scipy.spatial and scipy.sparse.csgraph take ~0.5 s to import; the process
    that only reads and places households (the parent of the process pool)
    never needs them, and pool workers load them while it is still placing
    (see ``core._start_pool``).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    try:  # scipy's compiled undirected traversal (see components_sorted)
        from scipy.sparse.csgraph._traversal import _connected_components_undirected as ccu
    except ImportError:  # pragma: no cover
        ccu = None
    return {
        "csr_matrix": csr_matrix,
        "connected_components": connected_components,
        "ccu": ccu,
        "cKDTree": cKDTree,
    }


def unique_points(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first index, inverse, counts) of points rounded to ``SAME_POINT_M``, in (x, y) order.

    One int64 key per point when the rounded extent allows it (the row-wise
    ``np.unique(axis=0)`` is several times slower); same result either way.
    """
    key = np.round(xy / SAME_POINT_M).astype(np.int64).reshape(-1, 2)
    if len(key):
        k0 = key - key.min(axis=0)
        span = int(k0[:, 1].max()) + 1
        if int(k0[:, 0].max()) < (2**62) // span:
            _, first, inv, counts = np.unique(
                k0[:, 0] * span + k0[:, 1],
                return_index=True,
                return_inverse=True,
                return_counts=True,
            )
            return first, inv.ravel(), counts
    _, first, inv, counts = np.unique(
        key, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    return first, inv.ravel(), counts


def make_units(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique points (sorted, deterministic), household->unit index, unit weights."""
    first, inverse, counts = unique_points(xy)
    return xy[first], inverse, counts


def arcs(ea: np.ndarray, eb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of each edge, sorted by source: (src, dst)."""
    src, dst = np.concatenate((ea, eb)), np.concatenate((eb, ea))
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
    sp = scipy_parts()
    if sp["ccu"] is None:  # pragma: no cover - other scipy versions
        m = sp["csr_matrix"]((np.ones(len(dst), dtype=np.int8), dst, indptr), shape=(n, n))
        return sp["connected_components"](m, directed=False)
    labels = np.empty(n, dtype=np.int32)
    ind = dst.astype(np.int32)
    nc = sp["ccu"](ind, indptr, ind, indptr, labels)
    return int(nc), labels


def components(n: int, ea: np.ndarray, eb: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of an undirected graph given as edge arrays."""
    return components_sorted(n, *arcs(ea, eb))


def is_connected(mask: np.ndarray, ea: np.ndarray, eb: np.ndarray) -> bool:
    """Are the nodes of ``mask`` one connected piece of the graph with edges ``ea``-``eb``?"""
    nodes = np.flatnonzero(mask)
    if len(nodes) <= 1:
        return True
    n, _ = components(len(nodes), *subgraph(mask, ea, eb))
    return n == 1


def subgraph(mask: np.ndarray, ea: np.ndarray, eb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The edges among the nodes of ``mask``, renumbered 0..mask.sum()-1."""
    loc = np.cumsum(mask) - 1
    m = mask[ea] & mask[eb]
    return loc[ea[m]], loc[eb[m]]


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
        tree = scipy_parts()["cKDTree"](xy[nodes[inside]])
        dist, j = tree.query(xy[nodes[~inside]])
        i = int(np.argmin(dist))
        a, b = int(np.flatnonzero(~inside)[i]), int(np.flatnonzero(inside)[j[i]])
        sa.append(a)
        sb.append(b)
        added.append((int(nodes[a]), int(nodes[b])))
    return added


def _nearest(pts, grp, uxy, ugroup, trees: dict) -> np.ndarray:
    """Nearest unit of group ``grp[i]`` to each point (-1 for a group with no unit).

    One KD-tree for all groups: each unit is lifted to height ``group * lift``
    with ``lift`` beyond the village's extent, so a point queried at the height
    of its group finds the nearest unit of that group (same-group distances are
    exactly the planar ones) without a tree and a query per group.
    """
    out = np.full(len(pts), -1, dtype=np.int64)
    if len(pts) == 0 or len(uxy) == 0:
        return out
    if "lift" not in trees:
        span = float(np.ptp(np.r_[uxy, pts], axis=0).max()) if len(uxy) else 0.0
        lift = 4.0 * span + 1e3
        trees["lift"] = lift
        trees["tree"] = scipy_parts()["cKDTree"](np.c_[uxy, ugroup * lift])
    lift = trees["lift"]
    _, j = trees["tree"].query(np.column_stack((pts, grp * lift)))
    hit = ugroup[j] == grp
    out[hit] = j[hit]
    return out


def _cross_edges(uxy, ugroup, borders, cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of units of two groups whose clipped cells meet on the groups' border,
    and the length of border they share.

    A point of the shared border lies in the cell of the nearest unit of each
    group (the cells are Voronoi cells of each group's own units), so sampling
    the border and asking one KD-tree per group gives the touching pairs without
    any polygon overlay. Samples every ``BORDER_SAMPLE_M``; where two
    consecutive samples fall in different pairs of cells, ``BORDER_REFINE``
    more samples between them catch the cells met in between.

    Each sample stands for the stretch of border around it (its segment, less
    the stretches the finer samples take over), so summing the samples of a pair
    gives its shared length to within the finer spacing at each end, measured
    along the straight line between two samples where the finer ones were
    added (a bend of the border between them is cut short).
    """
    if not borders:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    pair = np.array(list(borders), dtype=np.int64).reshape(-1, 2)
    parts, owner = shapely.get_parts(np.array(list(borders.values())), return_index=True)
    line = shapely.get_type_id(parts) == 1  # LineStrings only (drop touching points)
    parts, owner = parts[line], owner[line]
    xy, idx = shapely.get_coordinates(shapely.segmentize(parts, BORDER_SAMPLE_M), return_index=True)
    same = idx[1:] == idx[:-1]
    # samples: segment midpoints, each standing for its segment; and, to look at the
    # ends of each border part too, its two end points (standing for nothing)
    first = np.flatnonzero(np.r_[True, ~same])
    last = np.r_[first[1:] - 1, len(idx) - 1]
    pos = np.arange(len(idx)) - np.repeat(first, np.diff(np.r_[first, len(idx)]))  # in its part
    pts = np.r_[(xy[1:][same] + xy[:-1][same]) / 2, xy[first], xy[last]]
    weight = np.r_[np.hypot(*(xy[1:][same] - xy[:-1][same]).T), np.zeros(2 * len(first))]
    part = np.r_[idx[1:][same], idx[first], idx[last]]
    order = np.lexsort((np.r_[pos[1:][same], np.full(len(first), -1), pos[last] + 1], part))
    pts, weight, part = pts[order], weight[order], part[order]
    counted = np.r_[np.ones(int(same.sum()), bool), np.zeros(2 * len(first), bool)][order]
    pid = owner[part]
    trees: dict = {}
    na = _nearest(pts, pair[pid, 0], uxy, ugroup, trees)
    nb = _nearest(pts, pair[pid, 1], uxy, ugroup, trees)
    # consecutive samples of one border part whose cell pairs differ: look closer
    change = np.flatnonzero((part[1:] == part[:-1]) & ((na[1:] != na[:-1]) | (nb[1:] != nb[:-1])))
    if len(change):
        # the stretch between the two samples (half of a midpoint's segment, none of
        # an end point) goes to the finer samples, 1/(R+1) each, and to the two
        # samples, 1/(2(R+1)) each
        d = np.hypot(*(pts[change + 1] - pts[change]).T)
        end = d / (2 * (BORDER_REFINE + 1))
        half = weight / 2
        np.subtract.at(weight, change, half[change] - end)
        np.subtract.at(weight, change + 1, half[change + 1] - end)
        fw = np.repeat(d / (BORDER_REFINE + 1), BORDER_REFINE).reshape(-1, BORDER_REFINE)
        # an end point is not counted: its share goes to the finer sample next to it
        fw[:, 0] += np.where(counted[change], 0.0, end)
        fw[:, -1] += np.where(counted[change + 1], 0.0, end)
        weight = np.r_[weight, fw.ravel()]
        f = (np.arange(1, BORDER_REFINE + 1) / (BORDER_REFINE + 1))[None, :, None]
        fine = (pts[change][:, None, :] * (1 - f) + pts[change + 1][:, None, :] * f).reshape(-1, 2)
        fpid = np.repeat(pid[change], BORDER_REFINE)
        na = np.r_[na, _nearest(fine, pair[fpid, 0], uxy, ugroup, trees)]
        nb = np.r_[nb, _nearest(fine, pair[fpid, 1], uxy, ugroup, trees)]
        pts = np.r_[pts, fine]
        counted = np.r_[counted, np.ones(len(fine), bool)]
    # an end point of a border part may be a corner the cells only touch at
    ok = (na >= 0) & (nb >= 0) & counted
    n = max(len(uxy), 1)
    key, inv = np.unique(
        np.minimum(na[ok], nb[ok]) * n + np.maximum(na[ok], nb[ok]), return_inverse=True
    )
    ea, eb = key // n, key % n
    length = np.bincount(inv.ravel(), weights=weight[ok], minlength=len(key))
    # cells of a pair seen on the border may still meet at a corner only (or
    # come from a stretch of border near a third group): keep shared borders.
    # A pair seen at two samples SURE_M apart shares that much border (both
    # cells are convex along a border stretch); only the others get the overlay.
    p = pts[ok]
    span = np.zeros(len(key))
    for c in (0, 1):
        hi = np.full(len(key), -np.inf)
        lo = np.full(len(key), np.inf)
        np.maximum.at(hi, inv.ravel(), p[:, c])
        np.minimum.at(lo, inv.ravel(), p[:, c])
        span += (hi - lo) ** 2
    good = span >= SURE_M**2
    chk = np.flatnonzero(~good)
    if len(chk):
        rims = shapely.boundary(cells[ea[chk]])
        shared = shapely.length(
            shapely.intersection(rims, shapely.buffer(cells[eb[chk]], TOUCH_M, quad_segs=1))
        )
        good[chk] = shared >= MIN_SHARED_M
        length[chk] = shared
    return ea[good], eb[good], length[good]


def village_graph(
    *,
    uxy: np.ndarray,
    ugroup: np.ndarray,
    cells: np.ndarray,
    borders: dict | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (ea < eb) between units whose cells share a border, and the length of
    border each pair shares.

    Cells of one group are paired when they share an edge (:func:`shared_borders`;
    cells meeting at one corner are not); cells of two groups are paired where they
    meet on the groups' shared border (``borders``: see :func:`group_borders` and
    :func:`_cross_edges`). Components of one group (a
    multi-part group) are joined by their nearest pair so a block of groups is
    one graph. Without ``borders`` the groups are rebuilt from their cells.
    """
    if borders is None:
        n_groups = int(ugroup.max()) + 1 if len(ugroup) else 0
        borders = group_borders([shapely.union_all(cells[ugroup == g]) for g in range(n_groups)])
    ea, eb, length = shared_borders(cells, ugroup)
    _, comp = components(len(uxy), ea, eb)
    pairs = np.unique(ugroup.astype(np.int64) * (len(uxy) + 1) + comp)
    pg = pairs // (len(uxy) + 1)
    extra: list[tuple[int, int]] = []
    for g in np.unique(pg[np.r_[False, pg[1:] == pg[:-1]]]):
        extra += _connect(uxy, ea, eb, np.flatnonzero(ugroup == g))  # multi-part group
    if extra:  # joins of a multi-part group's parts: no shared border
        ea = np.concatenate((ea, [a for a, _ in extra]))
        eb = np.concatenate((eb, [b for _, b in extra]))
        length = np.concatenate((length, np.zeros(len(extra))))
    ca, cb, cl = _cross_edges(uxy, ugroup, borders, cells)
    n = max(len(uxy), 1)
    lo = np.minimum(np.concatenate((ea, ca)), np.concatenate((eb, cb))).astype(np.int64)
    hi = np.maximum(np.concatenate((ea, ca)), np.concatenate((eb, cb))).astype(np.int64)
    key, first = np.unique(lo * n + hi, return_index=True)
    return key // n, key % n, np.concatenate((length, cl))[first]


def shared_borders(cells: np.ndarray, ugroup: np.ndarray) -> tuple[np.ndarray, ...]:
    """Pairs (a < b) of units of one group whose cells share a border, and its length.

    The cells of one group come from one Voronoi diagram and share their vertices:
    two neighbours share the two ends of their common edge, so pairs are found by
    hashing the vertices (rounded to ``VERTEX_M``) and the length is the distance
    between the shared vertices (an overlay only for the rare pair sharing more than two:
    a border in pieces, or bent by clipping). Cells meeting at one
    corner share no border.
    """
    none = np.zeros(0, np.int64)
    if len(cells) < 2:
        return none, none, np.zeros(0)
    xy, cell = shapely.get_coordinates(cells, return_index=True)
    q = np.round(xy / VERTEX_M).astype(np.int64)
    q -= q.min(axis=0)
    _, vid = np.unique(q[:, 0] * (int(q[:, 1].max()) + 1) + q[:, 1], return_inverse=True)
    vid = vid.ravel()
    vxy = np.zeros((int(vid.max()) + 1, 2))
    vxy[vid] = xy
    # one row per (vertex, cell), sorted by vertex: the cells at a vertex are consecutive
    n = len(cells)
    rows = np.unique(vid.astype(np.int64) * n + cell)
    v, c = rows // n, rows % n
    pa, pb, pv = [], [], []
    most = int(np.bincount(v).max()) if len(v) else 0  # cells at one vertex: 3, rarely more
    for d in range(1, most):
        m = (v[d:] == v[:-d]) & (ugroup[c[d:]] == ugroup[c[:-d]])
        pa.append(c[:-d][m])
        pb.append(c[d:][m])
        pv.append(v[:-d][m])
    if not pa:
        return none, none, np.zeros(0)
    pa, pb, pv = np.concatenate(pa), np.concatenate(pb), np.concatenate(pv)
    pkey = np.minimum(pa, pb) * n + np.maximum(pa, pb)
    order = np.lexsort((pv, pkey))
    pkey, pv = pkey[order], pv[order]
    start = np.flatnonzero(np.r_[True, pkey[1:] != pkey[:-1]])
    count = np.diff(np.r_[start, len(pkey)])
    two = count >= 2
    start, count = start[two], count[two]
    # two shared vertices: the ends of the shared (straight) edge; more: a border in
    # pieces (a multi-part group) or bent by clipping, measured by overlay (rare)
    length = np.hypot(*(vxy[pv[start]] - vxy[pv[start + count - 1]]).T)
    key = pkey[start]
    more = np.flatnonzero(count > 2)
    if len(more):
        a, b = cells[key[more] // n], cells[key[more] % n]
        length[more] = shapely.length(
            shapely.intersection(shapely.boundary(a), shapely.buffer(b, TOUCH_M, quad_segs=1))
        )
    keep = length >= VERTEX_M  # shorter: one vertex split in two by rounding, a corner
    return key[keep] // n, key[keep] % n, length[keep]


def touching_groups(ugroup: np.ndarray, ea: np.ndarray, eb: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of groups (i < j) with at least one household cell border between them."""
    ga, gb = ugroup[ea], ugroup[eb]
    m = ga != gb
    return {(int(min(a, b)), int(max(a, b))) for a, b in zip(ga[m], gb[m])}


def group_borders(groups: list, *, min_shared_m: float = 1.0) -> dict[tuple[int, int], object]:
    """Pairs of groups (i < j) sharing at least ``min_shared_m`` of boundary -> the shared line
    (the part of group i's boundary within ``NEAR_GROUP_M`` of group j). The groups must
    also meet (within ``MEET_M``) along ``min_shared_m``: the partitioner's groups are
    noded into one coverage first (:func:`.inputs.disjoint_groups`)."""
    if len(groups) < 2:
        return {}
    arr = np.asarray(groups, dtype=object)
    tree = shapely.STRtree(arr)
    ia, ib = tree.query(arr, predicate="dwithin", distance=NEAR_GROUP_M)
    m = ia < ib
    ia, ib = ia[m], ib[m]
    rims = shapely.boundary(arr[ia])
    lines = shapely.intersection(rims, shapely.buffer(arr[ib], NEAR_GROUP_M))
    keep = shapely.length(lines) >= min_shared_m
    # groups that run side by side across an open gap (a strip of no group between them)
    # touch nowhere: their grids could not be one polygon, so they are no neighbours
    keep[keep] = (
        shapely.length(
            shapely.intersection(rims[keep], shapely.buffer(arr[ib[keep]], MEET_M, quad_segs=1))
        )
        >= min_shared_m
    )
    return {(int(a), int(b)): line for a, b, line, k in zip(ia, ib, lines, keep) if k}


def group_adjacency(borders: dict) -> dict[tuple[int, int], float]:
    """Shared boundary length of each pair in :func:`group_borders`."""
    return {p: float(shapely.length(line)) for p, line in borders.items()}
