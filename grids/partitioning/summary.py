"""Summary figures of a partition (the same measures as ``check_partition.py``)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import shapely


def _share(mask) -> float | None:
    mask = np.asarray(mask, dtype=bool)
    return round(float(mask.mean()), 4) if mask.size else None


def summarize(*, assignments, grids, results, tasks, params, vparams, hh_group) -> dict:
    """Counts, sizes, band shares, groups kept whole, flagged and failed villages, and how
    often each fallback step of the polygon unions was needed (metric ``grids``)."""
    todo, gidx, gg = hh_group
    a = assignments
    assigned = a["grid_id"] != ""
    village_band = {t.village_id: t.params.band for t in tasks}
    village_total = {t.village_id: len(t.xy) for t in tasks}
    in_band, in_band_fixable = [], []
    for vid, size in zip(grids["village_id"], grids["households"]):
        lo, hi = village_band.get(vid, params.band)
        ok = lo <= size <= hi
        in_band.append(ok)
        if village_total.get(vid, 0) >= lo:
            in_band_fixable.append(ok)
    grid_of = pd.Series(a["grid_id"].to_numpy()[todo], index=todo)
    placed = gidx >= 0
    df = pd.DataFrame({"g": gidx[placed], "grid": grid_of.to_numpy()[placed]})
    df = df[df["grid"] != ""]
    per_group = df.groupby("g").agg(n=("grid", "size"), grids=("grid", "nunique"))
    vill = gg["village_id"].to_numpy()
    lohi = np.array([village_band.get(vill[g], params.band) for g in per_group.index]).reshape(
        -1, 2
    )
    mid = (per_group["n"].to_numpy() >= lohi[:, 0]) & (per_group["n"].to_numpy() <= lohi[:, 1])
    whole = per_group["grids"].to_numpy()[mid] == 1
    members = a.loc[assigned & (a["member_id"] != "")].groupby("member_id").size()
    mband = [vparams.get(v, params).member_band for v in grids["village_id"]]
    mlo = min((b[0] for b in mband), default=params.member_band[0])
    mhi = max((b[1] for b in mband), default=params.member_band[1])
    geoms = grids.geometry.to_numpy()
    pp = 4 * math.pi * shapely.area(geoms) / np.maximum(shapely.length(geoms), 1e-9) ** 2
    sizes = grids["households"].to_numpy()
    flagged = [
        {
            "village_id": r.village_id,
            "reasons": r.flags,
            "groups": list(r.excused),
            "uncut": list(r.uncut),
        }
        for r in results
        if r.flags
    ]
    failed = [
        {"village_id": r.village_id, "reason": r.failure[0], "detail": r.failure[1]}
        for r in results
        if r.failure is not None
    ]
    repairs = Counter()
    for r in results:
        repairs.update(r.repairs)
    return {
        "households": int(len(a)),
        "assigned": int(assigned.sum()),
        "unassigned": int((~assigned).sum()),
        "problems": dict(Counter(a.loc[a["problem"] != "", "problem"])),
        "villages": len(tasks),
        "grids": int(len(grids)),
        "member_areas": int(len(members)),
        "size_min": int(sizes.min()) if len(sizes) else 0,
        "size_median": float(np.median(sizes)) if len(sizes) else 0.0,
        "size_max": int(sizes.max()) if len(sizes) else 0,
        "in_band": _share(in_band),
        "in_band_where_total_allows": _share(in_band_fixable),
        "groups_in_band": int(mid.sum()),
        "groups_whole": _share(whole),
        "member_band": _share((members >= mlo) & (members <= mhi)),
        "pp_mean": round(float(pp.mean()), 4) if len(pp) else None,
        "moved_existing": int(sum(r.moved for r in results)),
        "flagged_villages": flagged,
        "failed_villages": failed,
        "polygon_repairs": dict(sorted(repairs.items())),
    }
