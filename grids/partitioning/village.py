"""Partition one village: groups -> blocks -> grids -> member areas -> polygons.

This is the unit of work of the process pool: a :class:`VillageTask` holds only
plain arrays and shapely geometries in the metric CRS, and
:func:`run_village` is a pure function of it, so ``workers=N`` reproduces the
serial result exactly. Steps:

1. co-located households -> weighted units; their Voronoi cells clipped to the
   groups; units linked where cells share a border, with its length (:mod:`.graph`);
2. fresh mode: merge groups into feasible blocks (:mod:`.blocks`) and cut each
   block into the feasible number of parts nearest ``size / target``
   (:mod:`.split`, :mod:`.kmeans`), then move border households where that
   rounds the grids' polygons (:mod:`.refine`); incremental mode: keep previous
   grids (:mod:`.incremental`);
3. grid polygons from clipped Voronoi cells, detached fragments repaired,
   household-less groups attached (:mod:`.polygons`);
4. member areas by count-exact bisection inside each grid;
5. ids in reading order (north->south rows, west->east within a row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from . import polygons as pg
from .codes import member_code, new_ids, next_seq, reading_order
from .fresh import fresh_labels
from .graph import (
    group_adjacency,
    group_borders,
    make_units,
    touching_groups,
    village_graph,
)
from .members import member_labels_all
from .params import PartitionParams
from .refine import refine


@dataclass(frozen=True)
class VillageTask:
    village_id: str
    xy: np.ndarray  # (n, 2) metric coordinates (snapped into their group)
    group_of: np.ndarray  # (n,) index into ``groups``
    group_ids: tuple[str, ...]
    groups: tuple  # shapely (Multi)Polygons, metric, locked grids removed
    params: PartitionParams
    seed: int = 0
    orig_xy: np.ndarray | None = None  # original points of snapped households (rows of xy)
    snapped: np.ndarray | None = None  # (n,) bool
    prev_grid: np.ndarray | None = None  # (n,) str, "" = new household
    prev_member: np.ndarray | None = None
    taken_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class VillageResult:
    village_id: str
    grid_id: np.ndarray  # (n,) str
    member_id: np.ndarray  # (n,) str
    grids: list[dict]  # grid_id, village_id, group_ids, households, members, geometry (metric)
    flags: list[str]
    moved: int = 0  # incremental mode: existing households given another grid
    repairs: dict = field(default_factory=dict)  # fallback steps of the polygon unions used
    failure: tuple[str, str] | None = None  # (reason, detail) when the village failed
    excused: tuple[str, ...] = ()  # groups whose grids cannot be in the band (see flags)
    uncut: tuple[str, ...] = ()  # ... of them: totals allow the band, compounds did not


def run_village(t: VillageTask) -> VillageResult:
    """Partition one village (see module docstring)."""
    from .incremental import incremental_labels

    n = len(t.xy)
    lo, hi = t.params.band
    if n == 0:
        empty = np.zeros(0, dtype=object)
        return VillageResult(t.village_id, empty, empty, [], ["no households: no grid"])
    uxy, inv, w = make_units(t.xy)
    ugroup = np.zeros(len(w), dtype=np.int64)
    ugroup[inv[::-1]] = t.group_of[::-1]  # first household of a unit decides (all agree)
    groups = list(t.groups)
    cells = pg.unit_cells(uxy=uxy, ugroup=ugroup, groups=groups)
    borders = group_borders(groups)
    ea, eb, elen = village_graph(uxy=uxy, ugroup=ugroup, cells=cells, borders=borders)
    shared = group_adjacency(borders)
    incremental = t.prev_grid is not None and bool(np.any(t.prev_grid != ""))
    excused: set[int] = set()
    uncut: set[int] = set()
    if incremental:
        touching = touching_groups(ugroup, ea, eb)
        adjacency = {p: s for p, s in shared.items() if p in touching}
        ulabel, keep_ids, flags = incremental_labels(t, inv, uxy, ugroup, w, ea, eb, adjacency)
    else:
        # one row per unit: an empty cell's centroid is NaN (get_coordinates would drop it)
        centre = shapely.centroid(cells)
        cxy = np.full((len(cells), 2), np.nan)
        some = ~shapely.is_empty(centre)
        cxy[some] = shapely.get_coordinates(centre[some])
        land = (shapely.area(cells), cxy)
        ulabel, flags, excused, uncut = fresh_labels(t, uxy, ugroup, w, ea, eb, shared, land)
        refine(
            w=w, group=ugroup, labels=ulabel, ea=ea, eb=eb, cells=cells, lengths=elen, lo=lo, hi=hi
        )
        keep_ids = {}
    n_grids = int(ulabel.max()) + 1 if len(ulabel) else 0
    snapped = None
    if t.snapped is not None and t.snapped.any():
        hs = np.flatnonzero(t.snapped)
        snapped = (inv[hs], t.orig_xy[hs], t.xy[hs])
    gp = pg.grid_polygons(
        cells=cells,
        ulabel=ulabel,
        ugroup=ugroup,
        groups=groups,
        n=n_grids,
        uxy=uxy,
        w=w,
        snapped=snapped,
    )
    ulabel, polys = gp.labels, gp.polygons
    if gp.moved:
        flags.append("detached cell fragments moved to neighbouring grids")
    flags += [
        f"group {t.group_ids[g]}: no households and no neighbouring grid" for g in gp.unattached
    ]
    # ids: persisting grids keep theirs, others in reading order
    cx = np.bincount(ulabel, weights=uxy[:, 0] * w, minlength=n_grids)
    cy = np.bincount(ulabel, weights=uxy[:, 1] * w, minlength=n_grids)
    size = np.bincount(ulabel, weights=w, minlength=n_grids)
    alive = np.flatnonzero(size > 0)
    cx, cy = cx[alive] / size[alive], cy[alive] / size[alive]
    taken = frozenset(t.taken_ids) | frozenset(keep_ids.values())
    start = next_seq(t.village_id, taken) if incremental else 1
    fresh = [int(alive[i]) for i in reading_order(cx, cy) if int(alive[i]) not in keep_ids]
    ids = dict(keep_ids)
    ids.update(zip(fresh, new_ids(t.village_id, len(fresh), taken, start)))
    if incremental:
        from .incremental import incremental_members

        umember = incremental_members(t, inv, uxy, w, ulabel, ids)
    else:
        umember = member_labels_all(uxy, w, ulabel, n_grids, t.params)
    unit_gid = np.array([ids.get(int(k), "") for k in ulabel], dtype=object)
    unit_mid = np.array([member_code(g, m + 1) for g, m in zip(unit_gid, umember)], dtype=object)
    grid_groups = gp.groups
    members = {}
    for k, m in zip(ulabel.tolist(), umember.tolist()):
        members.setdefault(k, set()).add(m)
    grids = [
        {
            "grid_id": ids[k],
            "village_id": t.village_id,
            "group_ids": ",".join(t.group_ids[g] for g in grid_groups[k]),
            "households": int(size[k]),
            "members": len(members[k]),
            "geometry": polys[k],
        }
        for k in sorted(ids, key=lambda k: ids[k])
    ]
    moved = 0
    if incremental:
        hid = unit_gid[inv]
        moved = int(np.count_nonzero((t.prev_grid != "") & (hid != t.prev_grid)))
    assert n == len(inv)
    return VillageResult(
        t.village_id,
        unit_gid[inv],
        unit_mid[inv],
        grids,
        flags,
        moved,
        repairs=gp.repairs,
        excused=tuple(t.group_ids[g] for g in sorted(excused)),
        uncut=tuple(t.group_ids[g] for g in sorted(uncut)),
    )
