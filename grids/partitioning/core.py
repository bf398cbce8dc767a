"""``partition``: the public entry point (validation, placement, villages, assembly).

Villages are independent (a grid never crosses a village boundary): each becomes a
:class:`~.village.VillageTask` run serially or in a process pool (largest
first); results are gathered in village order, so ``workers=N`` equals the
serial result. All geometry work happens in one metric CRS chosen with
``estimate_utm_crs``; the grids are returned in EPSG:4326.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import inputs
from .params import (
    ERR_LOCKED,
    ERR_PARAM,
    ERR_PREVIOUS,
    PROBLEM_IN_LOCKED,
    PROBLEM_INVALID_POINT,
    PROBLEM_NO_VILLAGE,
    PROBLEM_OUTSIDE,
    PROBLEM_VILLAGE_FAILED,
    LockedGrids,
    PartitionError,
    PartitionParams,
    PartitionResult,
    VillageFailure,
)
from .pool import run_villages, start_pool
from .project import LONLAT, metric_crs, to_lonlat
from .summary import summarize
from .union import polygonal
from .village import VillageTask

log = logging.getLogger(__name__)
OUTPUT_CRS = LONLAT
DEFAULT_PARAMS = PartitionParams()  # frozen, so one shared default is safe


def _check_params(params, village_params) -> dict[str, PartitionParams]:
    if not isinstance(params, PartitionParams):
        raise PartitionError(ERR_PARAM.format(name="params", reason="must be a PartitionParams"))
    out = {}
    for vid, vp in (village_params or {}).items():
        if not isinstance(vp, PartitionParams):
            raise PartitionError(
                ERR_PARAM.format(
                    name=f"village_params[{vid!r}]", reason="must be a PartitionParams"
                )
            )
        out[str(vid)] = vp
    return out


def _frame_ids(df, name: str, columns: tuple[str, ...], err: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise PartitionError(err.format(column=columns[0], reason="expected a DataFrame"))
    for c in columns:
        if c not in df.columns:
            raise PartitionError(err.format(column=c, reason=f"missing column {c!r}"))
    return pd.DataFrame({c: inputs._str_ids(df[c]).to_numpy() for c in columns})


def partition(
    households: gpd.GeoDataFrame,
    groups: gpd.GeoDataFrame,
    *,
    params: PartitionParams = DEFAULT_PARAMS,
    village_params: Mapping[str, PartitionParams] | None = None,
    previous: pd.DataFrame | None = None,
    locked: LockedGrids | None = None,
    workers: int = 1,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> PartitionResult:
    """Partition households into grids and member areas (see the package docstring)."""
    t0 = time.perf_counter()
    vparams = _check_params(params, village_params)
    if not isinstance(workers, int) or workers < 1:
        raise PartitionError(ERR_PARAM.format(name="workers", reason="must be an integer >= 1"))
    pool = start_pool(workers)
    ok = False
    try:
        result = _partition(
            households,
            groups,
            params=params,
            vparams=vparams,
            previous=previous,
            locked=locked,
            workers=workers,
            seed=seed,
            progress=progress,
            pool=pool,
            t0=t0,
        )
        ok = True
        return result
    finally:
        if pool is not None:  # on an error do not wait for the workers' warm-up
            pool.shutdown(wait=ok, cancel_futures=True)


def _partition(
    households, groups, *, params, vparams, previous, locked, workers, seed, progress, pool, t0
) -> PartitionResult:
    hh = inputs.clean_households(households)
    gg = inputs.clean_groups(groups)
    metric = metric_crs(gg)
    gg = gg.to_crs(metric)
    hh = hh.to_crs(metric)
    grank = inputs.id_key(gg["id"])
    geoms = inputs.disjoint_groups(gg.geometry.to_numpy(), grank)
    n = len(hh)
    problem = np.full(n, "", dtype=object)
    out_grid = np.full(n, "", dtype=object)
    out_member = np.full(n, "", dtype=object)
    pos = pd.Series(np.arange(n), index=hh["id"].to_numpy())
    locked_rows: list[dict] = []
    if locked is not None:
        if not isinstance(locked, LockedGrids):
            raise PartitionError(ERR_LOCKED.format(reason="must be a LockedGrids"))
        la = _frame_ids(
            locked.assignments,
            "locked",
            ("household_id", "grid_id", "member_id"),
            "locked: assignments missing column {column!r}",
        )
        lg = locked.grids
        if not isinstance(lg, gpd.GeoDataFrame) or not {"grid_id", "village_id"} <= set(lg.columns):
            raise PartitionError(
                ERR_LOCKED.format(reason="grids need grid_id, village_id, geometry")
            )
        lg = lg.to_crs(metric) if lg.crs is not None else lg.set_crs(OUTPUT_CRS).to_crs(metric)
        la = la[la["household_id"].isin(pos.index)]
        p = pos[la["household_id"]].to_numpy()
        out_grid[p], out_member[p] = la["grid_id"].to_numpy(), la["member_id"].to_numpy()
        lock_union = shapely.union_all(lg.geometry.to_numpy())
        geoms = np.array([polygonal(shapely.difference(g, lock_union)) for g in geoms])
        counts = la.groupby("grid_id").agg(
            households=("household_id", "size"), members=("member_id", "nunique")
        )
        for gid, vid, geom in zip(
            lg["grid_id"].astype(str), lg["village_id"].astype(str), lg.geometry
        ):
            c = counts.loc[gid] if gid in counts.index else {"households": 0, "members": 0}
            locked_rows.append(
                {
                    "grid_id": gid,
                    "village_id": vid,
                    "group_ids": "",
                    "households": int(c["households"]),
                    "members": int(c["members"]),
                    "geometry": geom,
                }
            )
    is_locked = out_grid != ""
    pts = hh.geometry.to_numpy()
    valid = ~(shapely.is_empty(pts) | shapely.is_missing(pts))
    coords = np.full((n, 2), np.nan)
    coords[valid] = shapely.get_coordinates(pts[valid])
    valid &= np.isfinite(coords).all(axis=1)
    problem[~valid & ~is_locked] = PROBLEM_INVALID_POINT
    todo = np.flatnonzero(valid & ~is_locked)
    hint = None
    if "group_id" in hh.columns:
        gpos = pd.Series(np.arange(len(gg)), index=gg["id"].to_numpy())
        hint = gpos.reindex(hh["group_id"].to_numpy()[todo]).fillna(-1).to_numpy(np.int64)
    live = ~shapely.is_empty(geoms)
    gidx, snapped, xy = inputs.place(points=pts[todo], geoms=geoms, rank=grank, hint=hint)
    gidx[(gidx >= 0) & ~live[np.maximum(gidx, 0)]] = -1
    inputs.same_point_first(coords[todo], np.ones(len(todo), bool), gidx)
    if locked is not None and len(locked_rows):
        # inside a locked grid (or on its edge): never snapped to the group beside it
        in_lock = shapely.intersects_xy(lock_union, coords[todo, 0], coords[todo, 1])
        gidx[in_lock] = -1
        problem[todo[in_lock]] = PROBLEM_IN_LOCKED
    problem[todo[(gidx < 0) & (problem[todo] == "")]] = PROBLEM_OUTSIDE
    vill = gg["village_id"].to_numpy()
    no_village = (gidx >= 0) & (vill[np.maximum(gidx, 0)] == "")
    problem[todo[no_village]] = PROBLEM_NO_VILLAGE
    gidx[no_village] = -1
    prev_g = prev_m = None
    if previous is not None:
        pv = _frame_ids(
            previous, "previous", ("household_id", "grid_id", "member_id"), ERR_PREVIOUS
        )
        pv = pv.drop_duplicates("household_id").set_index("household_id")
        prev_g = pv["grid_id"].reindex(hh["id"].to_numpy()).fillna("").to_numpy(object)
        prev_m = pv["member_id"].reindex(hh["id"].to_numpy()).fillna("").to_numpy(object)
    # tasks per village
    hv = np.full(n, "", dtype=object)
    hv[todo[gidx >= 0]] = vill[gidx[gidx >= 0]]
    if prev_g is not None:  # a previous grid persists only in the village holding most of it
        df = pd.DataFrame({"g": prev_g, "v": hv})[(prev_g != "") & (hv != "")]
        home = df.groupby(["g", "v"]).size().reset_index(name="c")
        home = home.sort_values(["g", "c", "v"], ascending=[True, False, True]).drop_duplicates("g")
        home = dict(zip(home["g"], home["v"]))
        prev_g = np.array([g if home.get(g) == v else "" for g, v in zip(prev_g, hv)], dtype=object)
    locked_ids = frozenset(r["grid_id"] for r in locked_rows)
    all_prev = frozenset(prev_g[prev_g != ""].tolist()) if prev_g is not None else frozenset()
    villages = sorted(set(vill.tolist()) - {""}, key=lambda v: (len(v), v))
    tasks = []
    hh_of_task = []
    # households and groups of each village in one sort (not one scan per village)
    vcode = {v: i for i, v in enumerate(villages)}
    gv = np.array([vcode.get(v, -1) for v in vill.tolist()], dtype=np.int64)
    placed = np.flatnonzero(gidx >= 0)
    hv_code = gv[gidx[placed]]
    order = placed[np.argsort(hv_code, kind="stable")]
    hbounds = np.searchsorted(np.sort(hv_code), np.arange(len(villages) + 1))
    gorder = np.argsort(gv, kind="stable")
    gbounds = np.searchsorted(gv[gorder], np.arange(len(villages) + 1))
    local = np.full(len(gg), -1)
    for i, vid in enumerate(villages):
        gsel = gorder[gbounds[i] : gbounds[i + 1]]
        local[gsel] = np.arange(len(gsel))
        sel = order[hbounds[i] : hbounds[i + 1]]
        h = todo[sel]
        hh_of_task.append(h)
        tasks.append(
            VillageTask(
                village_id=vid,
                xy=xy[sel],
                group_of=local[gidx[sel]],
                group_ids=tuple(gg["id"].to_numpy()[gsel]),
                groups=tuple(geoms[gsel]),
                params=vparams.get(vid, params),
                seed=zlib.crc32(f"{seed}:{vid}".encode()),
                orig_xy=coords[h],
                snapped=snapped[sel],
                prev_grid=prev_g[h] if prev_g is not None else None,
                prev_member=prev_m[h] if prev_m is not None else None,
                taken_ids=locked_ids | frozenset(g for g in all_prev if g.startswith(vid)),
            )
        )
    results = run_villages(tasks, workers, progress, pool)
    rows = list(locked_rows)
    failures = []
    for h, r in zip(hh_of_task, results):
        out_grid[h], out_member[h] = r.grid_id, r.member_id
        rows += r.grids
        if r.failure is not None:
            problem[h] = PROBLEM_VILLAGE_FAILED
            failures.append(VillageFailure(r.village_id, *r.failure))
    assignments = pd.DataFrame(
        {
            "household_id": hh["id"].to_numpy(),
            "grid_id": out_grid,
            "member_id": out_member,
            "problem": problem,
        }
    )
    grids = gpd.GeoDataFrame(
        rows or None,
        columns=["grid_id", "village_id", "group_ids", "households", "members", "geometry"],
        geometry="geometry",
        crs=metric,
    )
    summary = summarize(
        assignments=assignments,
        grids=grids,
        results=results,
        tasks=tasks,
        params=params,
        vparams=vparams,
        hh_group=(todo, gidx, gg),
    )
    grids = grids.set_geometry(to_lonlat(grids.geometry.to_numpy(), metric), crs=OUTPUT_CRS)
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    log.info("partitioned %d households into %d grids in %.2f s", n, len(grids), summary["seconds"])
    return PartitionResult(
        assignments=assignments, grids=grids, summary=summary, failures=tuple(failures)
    )
