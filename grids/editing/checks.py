"""The whole-village checks a draft passes before it becomes a version.

Every household is in a grid, no grid is empty, every grid is connected in the
household graph, and the grid polygons tile the village groups: no two overlap and
together they leave no gap (both up to ``TILING_TOLERANCE_M2`` of floating-point noise).
"""

from __future__ import annotations

import numpy as np
import shapely

from grids.editing import messages as M
from grids.editing.errors import EditError
from grids.editing.geometry import grid_polygons

TILING_TOLERANCE_M2 = 1.0  # overlaps/gaps smaller than this are floating-point noise


def check_tiling(codes: list[str], polys: list, groups: list, village_name: str) -> None:
    """Metric grid polygons ``polys`` (named ``codes``) must not overlap and must cover
    the union of ``groups``; raises EditError naming the grids or the gap."""
    tree = shapely.STRtree(polys)
    ia, ib = tree.query(polys, predicate="intersects")
    for a, b in zip(ia, ib):
        if a < b:
            m2 = shapely.area(shapely.intersection(polys[a], polys[b]))
            if m2 > TILING_TOLERANCE_M2:
                raise EditError(M.ERR_OVERLAP, a=codes[a], b=codes[b], m2=m2)
    covered = shapely.union_all([g for g in groups if not g.is_empty])
    gap = shapely.area(shapely.difference(covered, shapely.union_all(polys)))
    if gap > TILING_TOLERANCE_M2 * max(1, len(codes)):
        raise EditError(M.ERR_GAP, m2=gap, village=village_name)


def check_state(ctx, state: dict) -> tuple[list[str], list]:
    """Every rule on the whole state; returns the grid codes and their metric polygons."""
    geo = ctx.geo
    missing = [h for h in geo.hids if str(int(h)) not in state["assign"]]
    if missing:
        raise EditError(M.ERR_UNASSIGNED, n=len(missing), village=ctx.village.name)
    codes = np.array([state["assign"][str(int(h))][0] for h in geo.hids], dtype=object)
    present = sorted(set(codes.tolist()))
    for code in sorted(set(state["grids"]) - set(present)):
        raise EditError(M.ERR_EMPTY_GRID, grid=code)
    index = {c: i for i, c in enumerate(present)}
    ucode = np.empty(len(geo.w), dtype=object)
    ucode[geo.unit] = codes
    ulabel = np.array([index[c] for c in ucode], dtype=np.int64)
    for code in present:
        if not geo.connected(ulabel == index[code]):
            raise EditError(M.ERR_DISCONNECTED, grid=code)
    polys, _covered = grid_polygons(geo, ulabel, len(present))
    check_tiling(present, polys, list(geo.groups), ctx.village.name)
    return present, polys
