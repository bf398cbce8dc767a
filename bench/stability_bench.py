"""Stability of incremental re-partitioning: how many existing households change grid.

usage: python bench/stability_bench.py [--sets 20000,200000,osm-andorra,osm-liechtenstein]
                                      [--share 0.05] [--seed 1]

Partitions each data set (a number: a generated county of that many households,
``sample_data/generate.py``; a name: that folder of ``sample_data``, © OpenStreetMap
contributors, ODbL 1.0), then adds ``--share`` more households to every village (each
new household a few metres from
a randomly drawn existing household of the village, inside the same group) and
re-runs in incremental mode with the first run's assignments as ``previous``. Villages
are independent, so adding to all of them at once measures each village's own
"+5 % to a village" case. A second incremental run on the unchanged data must move
nobody.

Prints a markdown table per village class (all villages, villages whose grids had
room for the newcomers, and of those the ones where some grid overflows, villages that
*must* open a new grid because the new total exceeds 60 x their old grid count) and
then every village above 2 %. "overflow" counts the households over 60 in their grid
when each newcomer joins the grid of the nearest existing household of its group: each
must leave that grid across its border, and a newcomer can only be the one to leave
where it lies on that border (else the grid would be cut), so about that many existing
households move. "floor" is a
lower bound on what any rule-abiding re-run has to move in a village that must open
a grid: the new grid needs 40 households and at most all the village's newcomers can
be among them, so at least 40 - newcomers existing households move (a weak bound:
newcomers are scattered, so a contiguous 40 rarely holds more than a few).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grids.partitioning import PartitionParams, partition  # noqa: E402


def add_households(hh: gpd.GeoDataFrame, groups: gpd.GeoDataFrame, share: float, seed: int):
    """``share`` more households per village, each 5-30 m from a drawn existing household
    of that village and inside the drawn household's group (new ids ``new-<n>``)."""
    rng = np.random.default_rng(seed)
    crs = groups.estimate_utm_crs()
    hm = hh.to_crs(crs)
    gm = groups.to_crs(crs).set_index("id")
    village = hm["group_id"].map(gm["village_id"])
    rows = []
    for vid in sorted(village.dropna().unique()):
        members = np.flatnonzero((village == vid).to_numpy())
        n_new = int(round(share * len(members)))
        for i in rng.choice(members, size=n_new, replace=True):
            base = hm.geometry.iloc[i]
            poly = gm.geometry[hm["group_id"].iloc[i]]
            for _ in range(20):
                r, a = rng.uniform(5, 30), rng.uniform(0, 2 * np.pi)
                p = shapely.Point(base.x + r * np.cos(a), base.y + r * np.sin(a))
                if poly.contains(p):
                    break
            else:
                p = base
            rows.append({"group_id": hm["group_id"].iloc[i], "geometry": p, "village": vid})
    new = gpd.GeoDataFrame(rows, crs=crs)
    new.insert(0, "id", [f"new-{k}" for k in range(len(new))])
    return new.to_crs(hh.crs)


def overflow(hh, new, groups, first, hi: int) -> pd.Series:
    """Per village: households over ``hi`` in their grid once each newcomer joins the grid
    of the nearest existing household of its own group (what the border moves must carry
    out of full grids)."""
    from scipy.spatial import cKDTree

    crs = groups.estimate_utm_crs()
    old, fresh = hh.to_crs(crs), new.to_crs(crs)
    grid = first.set_index("household_id")["grid_id"].reindex(old["id"]).to_numpy()
    xy = shapely.get_coordinates(old.geometry.to_numpy())
    nxy = shapely.get_coordinates(fresh.geometry.to_numpy())
    joined = []
    for gid, rows in fresh.groupby("group_id").indices.items():
        mine = np.flatnonzero((old["group_id"] == gid).to_numpy() & (grid != ""))
        if len(mine):
            _, j = cKDTree(xy[mine]).query(nxy[rows])
            joined.append(grid[mine[j]])
    size = pd.Series(grid[grid != ""]).value_counts()
    if joined:
        size = size.add(pd.Series(np.concatenate(joined)).value_counts(), fill_value=0)
    over = (size - hi).clip(lower=0)
    village = pd.Series(old["group_id"].map(groups.set_index("id")["village_id"]).to_numpy())
    village_of_grid = village.groupby(grid).first()
    return over.groupby(village_of_grid.reindex(over.index)).sum()


def load(name: str, seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, str]:
    """(households, groups, label) of one data set of ``--sets``."""
    if name.isdigit():
        try:
            from sample_data.generate import make_county
        except ImportError:
            sys.path.insert(0, str(ROOT / "sample_data"))
            from generate import make_county
        hh, groups = make_county(int(name), seed=seed)
        return hh[["id", "group_id", "geometry"]], groups, f"generated {int(name):,} (seed {seed})"
    folder = ROOT / "sample_data" / name
    hh = gpd.read_file(folder / "households.geojson")[["id", "group_id", "geometry"]]
    groups = gpd.read_file(folder / "village_groups.geojson")[["id", "village_id", "geometry"]]
    for frame, cols in ((hh, ("id", "group_id")), (groups, ("id", "village_id"))):
        for c in cols:
            frame[c] = frame[c].astype(str)
    return hh, groups, f"{name} ({len(hh):,} households, © OpenStreetMap contributors)"


def measure(hh, groups, label: str, share: float, seed: int, workers: int) -> bool:
    """Print the tables for one data set; False if a re-run on unchanged data moved anyone."""
    p = PartitionParams()
    lo, hi = p.band
    t0 = time.perf_counter()
    first = partition(hh, groups, workers=workers, seed=seed).assignments
    t_full = time.perf_counter() - t0
    new = add_households(hh, groups, share, seed)
    more = pd.concat([hh, new[["id", "group_id", "geometry"]]], ignore_index=True)
    t0 = time.perf_counter()
    second = partition(more, groups, previous=first, workers=workers, seed=seed)
    t_inc = time.perf_counter() - t0
    again = partition(more, groups, previous=second.assignments, workers=workers)

    village_of = hh.set_index("id")["group_id"].map(groups.set_index("id")["village_id"])
    a1 = first.set_index("household_id")["grid_id"]
    a2 = second.assignments.set_index("household_id")["grid_id"]
    a3 = again.assignments.set_index("household_id")["grid_id"]
    df = pd.DataFrame({"village": village_of, "before": a1, "after": a2.reindex(a1.index)})
    df = df[df["before"] != ""]
    df["moved"] = df["before"] != df["after"]
    per = df.groupby("village").agg(existing=("moved", "size"), moved=("moved", "sum"))
    per["newcomers"] = new["village"].value_counts().reindex(per.index, fill_value=0)
    per["grids_before"] = df.groupby("village")["before"].nunique()
    per["grids_after"] = (
        second.assignments.assign(v=lambda d: d["household_id"].map(village_of))
        .query("grid_id != ''")
        .groupby("v")["grid_id"]
        .nunique()
        .reindex(per.index)
    )
    per["share"] = per["moved"] / per["existing"]
    per["must_open"] = per["existing"] + per["newcomers"] > hi * per["grids_before"]
    per["floor"] = np.where(per["must_open"], np.maximum(lo - per["newcomers"], 0), 0)
    per["overflow"] = overflow(hh, new, groups, first, hi).reindex(per.index, fill_value=0)
    sizes = second.assignments.query("grid_id != ''").groupby("grid_id").size()
    unchanged = int((a3.reindex(a2.index) != a2).sum())

    print(
        f"### {label}: +{share:.0%} per village ({len(new):,} newcomers)\n\n"
        f"full run {t_full:.1f} s, incremental {t_inc:.1f} s; "
        f"grids in band after: {((sizes >= lo) & (sizes <= hi)).mean():.3f}; "
        f"re-run on unchanged data moved {unchanged} households\n"
    )
    head = ["villages", "count", "existing hh", "overflow", "moved", "moved %", "villages > 2 %"]
    head += ["worst %"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, sel in (
        ("all", per),
        ("grids had room", per[~per["must_open"]]),
        ("  of which a grid overflows", per[~per["must_open"] & (per["overflow"] > 0)]),
        ("must open a grid", per[per["must_open"]]),
    ):
        if not len(sel):
            continue
        cells = [
            name,
            len(sel),
            int(sel["existing"].sum()),
            int(sel["overflow"].sum()),
            int(sel["moved"].sum()),
            f"{100 * sel['moved'].sum() / sel['existing'].sum():.2f}",
            int((sel["share"] > 0.02).sum()),
            f"{100 * sel['share'].max():.2f}",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if unchanged:
        print(f"\nFAILED: a re-run on unchanged data moved {unchanged} households", file=sys.stderr)
    worst = per[per["share"] > 0.02].sort_values("share", ascending=False)
    if len(worst):
        print()
        head = ["village", "existing", "newcomers", "overflow", "grids before→after", "moved"]
        head += ["%", "floor"]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for vid, r in worst.iterrows():
            cells = [
                vid,
                int(r["existing"]),
                int(r["newcomers"]),
                int(r["overflow"]),
                f"{int(r['grids_before'])}→{int(r['grids_after'])}",
                int(r["moved"]),
                f"{100 * r['share']:.2f}",
                int(r["floor"]) if r["must_open"] else "-",
            ]
            print("| " + " | ".join(str(c) for c in cells) + " |")
    print()
    return not unchanged


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="20000,200000,osm-andorra,osm-liechtenstein")
    ap.add_argument("--share", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    ok = True
    for name in args.sets.split(","):
        hh, groups, label = load(name.strip(), args.seed)
        ok &= measure(hh, groups, label, args.share, args.seed, args.workers)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
