"""Grid polygons: household Voronoi cells clipped to their group, dissolved per grid.

Method: inside each village group the unique household points get Voronoi cells (GEOS
``voronoi_polygons`` with ``ordered=True`` and ``extend_to`` the group), clipped to the
group. The cells of one grid in one group tile that part of the group and are merged into
a *piece*; where several grids share a group, the borders between their pieces are
smoothed (:mod:`.smooth`). The pieces of all groups, with the household-less groups, are
then noded into one exact coverage (:func:`.union.clean_coverage`: the cells of two groups
meet on their shared border only up to floating-point noise, and a group border drawn in
another CRS leaves T-junctions), and each grid is the union of its pieces. Every union
goes through the fallback chain of :func:`.union.union_polygons`, so the grids tile the
groups with no gap and no overlap, share their borders exactly, and every household lies
in its own grid, whatever GEOS makes of the linework.

Clipping a cell to a concave group can leave a detached sliver inside another grid; such
fragments go to the neighbouring grid with which they share the longest border (with any
household in them), so grids stay connected (:mod:`.fragments`). Groups with no household
join the adjacent grid with the longest shared border.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely

from . import fragments
from .smooth import smooth_group, spacing
from .union import GRID_M, clean_coverage, polygonal, union_polygons

__all__ = ["GRID_M", "GridPolygons", "grid_polygons", "unit_cells"]
PIECE_SNAP_M = 1e-6  # the pieces of a village meet up to floating-point noise (the groups
# are noded first, inputs.disjoint_groups); a coarser snap would close borders of cells a
# centimetre wide (households 1e-7 degrees apart)


@dataclass(frozen=True)
class GridPolygons:
    """Result of :func:`grid_polygons` (metric CRS of the inputs).

    ``polygons``: one per label 0..n-1. ``groups``: indices of the groups each covers
    (its households' groups and the household-less groups it took). ``moved``: detached
    fragments given to a neighbour (their households change label in ``labels``).
    ``unattached``: household-less groups no grid touches. ``repairs``: how often each
    fallback step of :func:`.union.union_polygons` was needed (empty: all exact).
    """

    polygons: list
    groups: list[list[int]]
    labels: np.ndarray
    moved: int = 0
    unattached: list[int] = field(default_factory=list)
    repairs: dict[str, int] = field(default_factory=dict)


def unit_cells(*, uxy: np.ndarray, ugroup: np.ndarray, groups: list) -> np.ndarray:
    """One polygon per unit: its Voronoi cell inside its group.

    All groups of the village in one vectorised call per GEOS operation (one multipoint
    and one ``voronoi_polygons`` per group): the per-group Python calls cost about as much
    as the geometry on ~45-unit groups.
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
    cut[odd] = [polygonal(p) for p in cut[odd]]
    parts[out] = cut
    cells[many] = parts
    _give_away_detached(cells, uxy, ugroup)
    return cells


def _give_away_detached(cells: np.ndarray, uxy: np.ndarray, ugroup: np.ndarray) -> None:
    """A cell clipped to a concave group can fall into parts: the unit keeps the part it
    lies in, and each other part goes to the cell of its group with which it shares the
    longest border (in place), so every cell is one piece around its unit and the
    household graph's edges are real borders. A part that borders no other cell of the
    group (a part of a multi-part group) stays with its unit."""
    split = np.flatnonzero(shapely.get_num_geometries(cells) > 1)
    for u in split.tolist():
        parts = shapely.get_parts(cells[u])
        home = shapely.intersects_xy(parts, uxy[u, 0], uxy[u, 1])
        main = int(np.argmax(home)) if home.any() else int(np.argmax(shapely.area(parts)))
        same = np.flatnonzero(ugroup == ugroup[u])
        same = same[same != u]
        keep = [parts[main]]
        for i, part in enumerate(parts):
            if i == main:
                continue
            rim = shapely.boundary(part)
            shared = shapely.length(shapely.intersection(rim, shapely.boundary(cells[same])))
            if len(shared) == 0 or shared.max() <= 0:
                keep.append(part)
                continue
            v = int(same[np.argmax(shared)])
            cells[v] = union_polygons([cells[v], part])[0]
        cells[u] = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)


def _pieces(cells, ulabel, ugroup, uxy, repairs: Counter) -> tuple[list, list]:
    """(label, group) and polygon of each piece: a label's cells in one group, merged
    (smoothed where the group is shared, with ``uxy``)."""
    order = np.lexsort((ulabel, ugroup))
    lab, grp = ulabel[order], ugroup[order]
    cut = np.flatnonzero((np.diff(lab) != 0) | (np.diff(grp) != 0)) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, len(order)]
    gap = spacing(uxy) if uxy is not None else None
    keys, geoms = [], []
    i = 0
    while i < len(starts):  # one group at a time (the order is by group, then label)
        j = i + 1
        while j < len(starts) and grp[starts[j]] == grp[starts[i]]:
            j += 1
        units = [order[starts[x] : ends[x]] for x in range(i, j)]
        merged = np.empty(j - i, dtype=object)
        for x, u in enumerate(units):
            merged[x], step = union_polygons(cells[u])
            repairs[step] += step != "coverage"
        if gap is not None and j - i > 1:
            merged = smooth_group(merged, units, uxy, cells, gap)
        keys += [(int(lab[starts[x]]), int(grp[starts[x]])) for x in range(i, j)]
        geoms += list(merged)
        i = j
    return keys, geoms


def grid_polygons(
    *,
    cells: np.ndarray,
    ulabel: np.ndarray,
    ugroup: np.ndarray,
    groups: list,
    n: int,
    uxy: np.ndarray | None = None,
    w: np.ndarray | None = None,
    multipart_ok: np.ndarray | None = None,
    snapped: tuple | None = None,
) -> GridPolygons:
    """Polygon of each label 0..n-1 (see the module docstring).

    ``cells``, ``ulabel``, ``ugroup``, ``uxy``, ``w``: per unit (:func:`unit_cells`,
    label, group index, point, households). With ``uxy`` the borders inside shared groups
    are smoothed; with ``w`` detached fragments go to neighbours (``multipart_ok``: labels
    that may keep several parts; default: those holding a multi-part group). ``snapped``:
    (unit, original point, snapped point) arrays of households snapped into their group
    from outside; each is joined to its grid by a thin strip.
    """
    repairs: Counter = Counter()
    labels = ulabel.copy()
    keys, pieces = _pieces(cells, labels, ugroup, uxy, repairs)
    present = set(ugroup.tolist())
    empty = [g for g, geom in enumerate(groups) if g not in present and not geom.is_empty]
    clean, ok = clean_coverage(pieces + [groups[g] for g in empty], snap=PIECE_SNAP_M)
    if not ok and uxy is not None:  # a smoothed border left a piece hanging by a thread
        keys, pieces = _pieces(cells, labels, ugroup, None, repairs)
        clean, ok = clean_coverage(pieces + [groups[g] for g in empty], snap=PIECE_SNAP_M)
        repairs["unsmoothed"] += 1
    repairs["clean"] += not ok
    polys: list = [shapely.Polygon()] * n
    by_label: dict[int, list] = {}
    for (k, _), geom in zip(keys, clean[: len(keys)]):
        by_label.setdefault(k, []).append(geom)
    for k, ps in by_label.items():
        polys[k], step = union_polygons(ps)
        repairs[step] += step != "coverage"
    moved = 0
    if w is not None:
        if multipart_ok is None:
            multi = np.array([shapely.get_num_geometries(g) > 1 for g in groups], dtype=bool)
            multipart_ok = np.zeros(n, dtype=bool)
            np.logical_or.at(multipart_ok, labels, multi[ugroup])
        moved = fragments.fix_fragments(
            polys=polys, uxy=uxy, ulabel=labels, w=w, multipart_ok=list(multipart_ok), noded=ok
        )
    attached = fragments.attach_empty(
        polys=polys, empty_groups=list(zip(empty, clean[len(keys) :])), noded=ok
    )
    if snapped is not None and len(snapped[0]):
        units, orig, moved_to = snapped
        fragments.add_connectors(
            polys=polys, ulabel_of_snap=labels[units], orig=orig, snapped=moved_to
        )
    covered: list[set] = [set() for _ in range(n)]
    for k, g in zip(labels.tolist(), ugroup.tolist()):
        covered[k].add(g)
    for k, gs in attached.items():
        covered[k].update(gs)
    done = {g for gs in attached.values() for g in gs}
    return GridPolygons(
        polygons=polys,
        groups=[sorted(c) for c in covered],
        labels=labels,
        moved=moved,
        unattached=[g for g in empty if g not in done],
        repairs={k: v for k, v in repairs.items() if v},
    )


def dissolve(
    *, cells: np.ndarray, ulabel: np.ndarray, ugroup: np.ndarray, n: int, uxy=None
) -> list:
    """Polygon of each label 0..n-1 (no fragments moved, no empty groups): the first
    steps of :func:`grid_polygons`, for callers that do the rest themselves."""
    groups = [shapely.Polygon()] * (int(ugroup.max()) + 1 if len(ugroup) else 0)
    return grid_polygons(
        cells=cells, ulabel=ulabel, ugroup=ugroup, groups=groups, n=n, uxy=uxy
    ).polygons


# the separate steps, for callers that still run them one by one (grids/editing/geometry.py)
fix_fragments = fragments.fix_fragments
attach_empty = fragments.attach_empty
add_connectors = fragments.add_connectors
