"""Benchmark the grid partitioner against k-means-constrained (and spopt max-p).

usage: python bench/partition_bench.py [--sizes 20000,200000] [--adversarial 200000] [--no-kmeans-above N]

Prints a markdown table: time, band share (40-60), in-band groups kept whole, the same
against what any rule-abiding partition can keep, non-contiguous grids, mean
Polsby-Popper (metric CRS from estimate_utm_crs) and mean household-to-grid-centre
distance, for generated counties (``sample_data/generate.py``), the 1,000
``sample_data/osm-andorra`` households nearest its median household, the whole of
``osm-andorra`` and ``sample_data/osm-liechtenstein`` (both © OpenStreetMap contributors,
ODbL 1.0), and the 200k county again with a sixth of its villages perturbed by
``sample_data/adversarial.py`` (``--adversarial``). Every method on a row's data set gets
the same households, groups and metrics; for this partitioner the table also gives the
villages it could not partition (listed in summary.json) and how many polygon unions
needed a fallback step of ``grids/partitioning/union.py``.

"groups whole": share of the in-band groups (40-60 households) whose households all land
in one grid. "whole / possible": groups kept whole over the in-band groups minus a lower
bound on those the layout forces to split (:func:`forced_splits`: e.g. a 23 whose only
neighbour is a 52, or a 64 whose only neighbour is a 57, or a 78 whose neighbours have
room for 16 of the 18 it must shed), so 1.000 means no partition could keep more (up to
how far the bound falls short). The bound assumes every grid in band, so this column
counts only the villages where the measured partition has all its grids in band. Group
sizes count the households of the data set being measured; adjacency is at least 1 m of
shared boundary in the metric CRS.

This partitioner runs end to end through its CLI (read, partition, write), serially
and with ``--workers 2``; peak memory is ``resource.getrusage`` of that process and
its pool. k-means-constrained runs per village (n_clusters = round(n/50), sizes 40-60
where feasible); its grid polygons are household Voronoi cells clipped to the village,
dissolved per cluster. spopt max-p (MaxPHeuristic, threshold 40 households) runs on
the 1,000-household Andorra subset only, as a whole, on Rook contiguity of the same
clipped Voronoi cells (one connected graph), with ``--maxp-iterations`` (construction,
annealing; default 1,1) within ``--maxp-seconds``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from grids.partitioning.cli import EXIT_VILLAGES_FAILED  # noqa: E402

WRAPPER = """
import atexit, resource, runpy, sys
path = sys.argv.pop(1)
def report():
    kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
             resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    open(path, "w").write(str(kb))
atexit.register(report)
runpy.run_module("grids.partitioning", run_name="__main__")
"""


def _group_neighbours(g: gpd.GeoDataFrame) -> dict[str, set]:
    """Group id -> ids of the groups of the same village it shares >= 1 m of boundary with
    (boundary within 0.5 m of the other group: the partitioner's tolerance for seams)."""
    geoms = g.geometry.to_numpy()
    ids, villages = g["id"].to_numpy(), g["village_id"].to_numpy()
    ia, ib = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=0.5)
    keep = (ia != ib) & (villages[ia] == villages[ib])
    ia, ib = ia[keep], ib[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[ia]), shapely.buffer(geoms[ib], 0.5))
    )
    neighbours: dict[str, set] = {i: set() for i in ids}
    for a, b in zip(ids[ia[shared >= 1.0]], ids[ib[shared >= 1.0]]):
        neighbours[a].add(b)
        neighbours[b].add(a)
    return neighbours


def forced_splits(g: gpd.GeoDataFrame, size: pd.Series, lo: int = 40, hi: int = 60) -> int:
    """A lower bound on how many in-band groups *any* partition obeying the rules must split.

    Suppose every in-band group is whole. The groups outside the band form connected
    clusters (over group adjacency); a cluster of ``c`` households can make at most
    ``c // lo`` grids of its own, of at most ``hi`` each, so at least
    ``c - (c // lo) * hi`` of its households (all of a cluster under ``lo``; ``c - hi``
    of a 61-79) must go to grids of adjacent in-band groups, within their room
    ``hi - size``. A lone group under ``lo`` whose only neighbour is G sits in G's grid,
    which takes G's room first. Every cluster whose neighbours' room is too small gives a
    set of in-band groups of which at least one splits; the number of disjoint such sets
    (greedy, smallest first) is a valid lower bound. ``size``: group id -> households
    (of the data set measured); adjacency as in :func:`_group_neighbours`.
    """
    neighbours = _group_neighbours(g)
    n = size.reindex(list(neighbours), fill_value=0)
    inband = {i for i in neighbours if lo <= n[i] <= hi}
    loose = {i for i in neighbours if n[i] > 0 and i not in inband}
    eff = {i: int(n[i]) for i in inband}
    clusters = []  # (in-band neighbours, households that must go into their room)
    seen: set = set()
    for start in sorted(loose):
        if start in seen:
            continue
        members, stack = {start}, [start]
        while stack:
            for y in neighbours[stack.pop()]:
                if y in loose and y not in members:
                    members.add(y)
                    stack.append(y)
        seen |= members
        c = int(sum(n[i] for i in members))
        need = max(0, c - (c // lo) * hi)
        adj = frozenset(y for i in members for y in neighbours[i] if y in inband)
        if need and len(members) == 1 and len(adj) == 1 and c < lo:
            (home,) = adj
            eff[home] += c
        elif need and adj:
            clusters.append((adj, need))
    constraints = {frozenset([i]) for i in inband if eff[i] > hi}
    for adj, need in clusters:
        if sum(max(hi - eff[x], 0) for x in adj) < need:
            constraints.add(adj)
    used: set = set()
    count = 0
    for c in sorted(constraints, key=lambda c: (len(c), sorted(c))):
        if not c & used:
            used |= c
            count += 1
    return count


def metrics(hh: gpd.GeoDataFrame, groups: gpd.GeoDataFrame, grid_of: pd.Series, polys) -> dict:
    """Figures of one partition; ``grid_of``: household id -> grid id; ``polys``: grid id -> geom."""
    metric = groups.estimate_utm_crs()
    h = hh.to_crs(metric)
    g = groups.to_crs(metric)
    j = (
        gpd.sjoin(
            h[["id", "geometry"]],
            g[["id", "geometry"]].rename(columns={"id": "gid"}),
            how="left",
            predicate="intersects",
        )
        .drop_duplicates("id")
        .set_index("id")
    )
    df = j.assign(grid=grid_of.reindex(j.index).to_numpy())
    df = df[df["grid"].notna() & (df["grid"] != "")]
    sizes = df.groupby("grid").size()
    gsize = df.groupby("gid").size()
    mid = gsize[(gsize >= 40) & (gsize <= 60)].index
    whole = df[df["gid"].isin(mid)].groupby("gid")["grid"].nunique() == 1
    # the bound assumes every grid in band: only villages where this partition achieves that
    village_of = g.set_index("id")["village_id"]
    gv = df.assign(v=df["gid"].map(village_of).to_numpy())
    out_of_band = set(gv[gv["grid"].map(sizes).lt(40) | gv["grid"].map(sizes).gt(60)]["v"])
    in_ok = g[~g["village_id"].isin(out_of_band)]
    whole_ok = whole[whole.index.map(village_of).isin(set(in_ok["village_id"]))]
    possible = len(whole_ok) - forced_splits(in_ok, gsize)
    ps = gpd.GeoSeries(polys, crs="EPSG:4326").to_crs(metric)
    multi = set(g.loc[shapely.get_num_geometries(g.geometry.values) > 1, "id"])
    groups_of = df.groupby("grid")["gid"].agg(set)
    noncontig = sum(
        1
        for k, geom in ps.items()
        if shapely.get_num_geometries(geom) > 1 and not (groups_of.get(k, set()) & multi)
    )
    geoms = ps.to_numpy()
    pp = 4 * math.pi * shapely.area(geoms) / np.maximum(shapely.length(geoms), 1e-9) ** 2
    xy = shapely.get_coordinates(df.geometry.values)
    cx = pd.Series(xy[:, 0]).groupby(df["grid"].to_numpy()).transform("mean").to_numpy()
    cy = pd.Series(xy[:, 1]).groupby(df["grid"].to_numpy()).transform("mean").to_numpy()
    return {
        "band": float(((sizes >= 40) & (sizes <= 60)).mean()),
        "whole": float(whole.mean()) if len(whole) else float("nan"),
        "whole_possible": float(whole_ok.sum() / possible) if possible else float("nan"),
        "n_possible": f"{int(whole_ok.sum())}/{possible}/{len(whole_ok)}",
        "noncontig": int(noncontig),
        "pp": float(np.mean(pp)),
        "dist": float(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy).mean()),
    }


def run_cli(hh_path: Path, groups_path: Path, workers: int) -> tuple[float, float, Path]:
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    mem = out / "maxrss"
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WRAPPER,
            str(mem),
            str(hh_path),
            str(groups_path),
            "--out",
            str(out),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    print(f"#   {done.stdout.strip()}", file=sys.stderr, flush=True)  # the CLI's summary line
    if done.returncode not in (0, EXIT_VILLAGES_FAILED):  # 3: some villages failed, listed
        raise subprocess.CalledProcessError(done.returncode, "python -m grids.partitioning")
    return time.perf_counter() - t0, int(mem.read_text()) / 1024, out


def ours(hh, groups, hh_path, groups_path, workers) -> dict:
    seconds, mb, out = run_cli(hh_path, groups_path, workers)
    summary = json.loads((out / "summary.json").read_text())
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    grids = gpd.read_file(out / "grids.geojson")
    m = metrics(
        hh,
        groups,
        a.set_index("household_id")["grid_id"],
        dict(zip(grids["grid_id"], grids.geometry)),
    )
    return {
        "method": f"this partitioner (CLI, workers={workers})",
        "time": seconds,
        "mb": mb,
        "failed": len(summary.get("failed_villages", [])),
        "repairs": sum(summary.get("polygon_repairs", {}).values()),
        **m,
    }


def _union(geoms):
    """Union of group polygons; the generated 200k county has groups whose exact
    union raises a GEOS TopologyException, so retry valid parts on a 1 mm grid."""
    try:
        return shapely.union_all(geoms)
    except shapely.errors.GEOSException:
        return shapely.union_all(shapely.make_valid(np.asarray(geoms)), grid_size=0.001)


def _village_cells(xy: np.ndarray, village) -> np.ndarray:
    uniq, inv = np.unique(xy.round(2), axis=0, return_inverse=True)
    if len(uniq) == 1:
        return np.array([village] * len(xy), dtype=object)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=village, ordered=True)
    )
    return shapely.intersection(cells, village)[inv.ravel()]


def kmeans(hh, groups) -> dict:
    from k_means_constrained import KMeansConstrained

    metric = groups.estimate_utm_crs()
    h, g = hh.to_crs(metric), groups.to_crs(metric)
    j = gpd.sjoin(
        h[["id", "geometry"]],
        g[["id", "village_id", "geometry"]].rename(columns={"id": "gid"}),
        how="inner",
        predicate="intersects",
    ).drop_duplicates("id")
    t0 = time.perf_counter()
    grid_of, polys = {}, {}
    for vid, part in j.groupby("village_id"):
        xy = shapely.get_coordinates(part.geometry.values)
        n = len(xy)
        k = max(1, round(n / 50))
        lo, hi = (40, 60) if k * 40 <= n <= k * 60 else (max(1, n // k - 1), math.ceil(n / k) + 1)
        if k == 1:
            lab = np.zeros(n, dtype=int)
        else:
            lab = KMeansConstrained(
                n_clusters=k, size_min=lo, size_max=hi, random_state=0, n_init=3
            ).fit_predict(xy)
        village = _union(g.loc[g["village_id"] == vid].geometry.values)
        cells = _village_cells(xy, village)
        for c in range(k):
            gid = f"{vid}-{c}"
            polys[gid] = shapely.union_all(cells[lab == c])
        grid_of.update(zip(part["id"], [f"{vid}-{c}" for c in lab]))
    seconds = time.perf_counter() - t0
    polys4326 = gpd.GeoSeries(polys, crs=metric).to_crs("EPSG:4326")
    m = metrics(hh, groups, pd.Series(grid_of), dict(polys4326.items()))
    return {"method": "k-means-constrained per village", "time": seconds, "mb": float("nan"), **m}


class _TimeUp(Exception):
    pass


def _time_up(signum, frame):
    raise _TimeUp


def maxp(hh, groups, limit_s: int, iterations: tuple[int, int]) -> dict | None:
    """spopt max-p on the whole subset: threshold 40 households per region.

    The graph is Rook contiguity of the household Voronoi cells clipped to the union of
    the groups holding the subset's households (the same cells the regions' polygons are dissolved from; one connected
    component), on a positional index (spopt looks neighbours up by position).
    ``iterations``: (max_iterations_construction, max_iterations_sa); spopt's defaults
    (99, 10) did not finish in 15 minutes on this subset, per village or whole (300 to
    550 households per village did not finish in 5 minutes either). Stopped after
    ``limit_s``.
    """
    try:
        import libpysal
        from spopt.region import MaxPHeuristic
    except ImportError:
        return None
    metric = groups.estimate_utm_crs()
    h, g = hh.to_crs(metric), groups.to_crs(metric)
    xy = shapely.get_coordinates(h.geometry.values)
    held = gpd.sjoin(g, h[["geometry"]], how="inner", predicate="intersects").index.unique()
    cells = _village_cells(xy, _union(g.loc[held].geometry.values))  # the subset's groups
    np.random.seed(0)  # MaxPHeuristic shuffles with the global numpy generator
    signal.signal(signal.SIGALRM, _time_up)
    signal.alarm(limit_s)
    t0 = time.perf_counter()
    try:
        df = gpd.GeoDataFrame({"one": np.ones(len(xy))}, geometry=cells)
        w = libpysal.weights.Rook.from_dataframe(df, use_index=False)
        print(f"#   max-p: {w.n_components} graph component(s)", file=sys.stderr, flush=True)
        model = MaxPHeuristic(
            df,
            w,
            ["one"],
            "one",
            40,
            top_n=2,
            max_iterations_construction=iterations[0],
            max_iterations_sa=iterations[1],
        )
        model.solve()
        lab = np.asarray(model.labels_)
    except _TimeUp:
        return {"method": f"spopt max-p: not finished in {limit_s} s"}
    finally:
        signal.alarm(0)
    seconds = time.perf_counter() - t0
    polys = {f"r{c}": shapely.union_all(cells[lab == c]) for c in np.unique(lab)}
    grid_of = pd.Series([f"r{c}" for c in lab], index=h["id"].to_numpy())
    polys4326 = gpd.GeoSeries(polys, crs=metric).to_crs("EPSG:4326")
    m = metrics(hh, groups, grid_of, dict(polys4326.items()))
    label = f"spopt max-p (iterations {iterations[0]}/{iterations[1]})"
    return {"method": label, "time": seconds, "mb": float("nan"), **m}


def andorra_subset(tmp: Path) -> Path:
    """The 1,000 Andorra households nearest the median household (metric CRS), all columns."""
    d = ROOT / "sample_data" / "osm-andorra"
    hh = gpd.read_file(d / "households.geojson")
    groups = gpd.read_file(d / "village_groups.geojson")
    xy = shapely.get_coordinates(hh.to_crs(groups.estimate_utm_crs()).geometry.values)
    centre = np.median(xy, axis=0)
    out = tmp / "andorra1000.gpkg"
    hh.iloc[np.sort(np.argsort(np.hypot(*(xy - centre).T))[:1000])].to_file(out)
    return out


def _sample(name: str):
    """A module of sample_data/ (not a package: loaded by path)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "sample_data" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(tmp: Path, tag: str, hh, groups) -> tuple[Path, Path]:
    hh = hh[["id", "group_id", "geometry"]] if "group_id" in hh else hh[["id", "geometry"]]
    hh.to_file(tmp / f"hh{tag}.gpkg")
    groups.to_file(tmp / f"groups{tag}.gpkg")
    return tmp / f"hh{tag}.gpkg", tmp / f"groups{tag}.gpkg"


def datasets(sizes: list[int], adversarial: int = 0):
    tmp = Path(tempfile.mkdtemp(prefix="bench-data-"))
    make_county = _sample("generate").make_county
    for n in sizes:
        yield f"generated {n:,}", *_write(tmp, str(n), *make_county(n, seed=1))
    if adversarial:  # the same county, a sixth of its villages perturbed (seed 1)
        hh, groups, _ = _sample("adversarial").make_adversarial_county(adversarial, seed=1)
        name = f"generated {adversarial:,}, 1/6 of villages perturbed"
        yield name, *_write(tmp, f"adv{adversarial}", hh, groups)
    andorra = ROOT / "sample_data" / "osm-andorra"
    yield "osm-andorra 1,000", andorra_subset(tmp), andorra / "village_groups.geojson"
    for name, d in (
        ("osm-andorra", andorra),
        ("osm-liechtenstein", ROOT / "sample_data" / "osm-liechtenstein"),
    ):
        yield name, d / "households.geojson", d / "village_groups.geojson"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,200000")
    ap.add_argument(
        "--adversarial",
        type=int,
        default=200000,
        help="households of the generated county with a sixth of its villages perturbed "
        "(sample_data/adversarial.py); 0 to skip",
    )
    ap.add_argument(
        "--no-kmeans-above",
        type=int,
        default=10**9,
        help="skip k-means-constrained on data sets larger than this",
    )
    ap.add_argument("--maxp-seconds", type=int, default=300, help="time limit for spopt max-p")
    ap.add_argument(
        "--maxp-iterations",
        default="1,1",
        help="spopt max-p max_iterations_construction,max_iterations_sa (defaults 99,10 are slow)",
    )
    args = ap.parse_args()
    rows = []
    for name, hp, gp in datasets([int(s) for s in args.sizes.split(",") if s], args.adversarial):
        hh, groups = gpd.read_file(hp), gpd.read_file(gp)
        hh["id"], groups["id"] = hh["id"].astype(str), groups["id"].astype(str)
        print(f"# {name}: {len(hh):,} households, {len(groups):,} groups", file=sys.stderr)
        results = [ours(hh, groups, hp, gp, 1), ours(hh, groups, hp, gp, 2)]
        if len(hh) <= args.no_kmeans_above:
            results.append(kmeans(hh, groups))
        if name == "osm-andorra 1,000":  # max-p only here: its SA is slow on whole sets
            its = tuple(int(x) for x in args.maxp_iterations.split(","))
            mp = maxp(hh, groups, args.maxp_seconds, its)
            results.append(mp or {"method": "spopt max-p: not installed (pip install -e .[bench])"})
        rows += [{"data": name, **r} for r in results]
        print(json.dumps(rows[-len(results) :], default=str), file=sys.stderr, flush=True)
    cols = ["data", "method", "time", "mb", "band", "whole", "whole_possible", "noncontig", "pp"]
    cols += ["dist", "failed", "repairs"]
    head = [
        "data",
        "method",
        "time s",
        "peak MB",
        "band 40-60",
        "groups whole",
        "whole / possible",
        "non-contig",
        "Polsby-Popper",
        "hh->centre m",
        "villages failed",
        "polygon fallbacks",
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c, "")
            cells.append(
                f"{v:.3f}"
                if isinstance(v, float) and c in ("band", "whole", "whole_possible", "pp")
                else f"{v:.1f}"
                if isinstance(v, float)
                else str(v)
            )
        print("| " + " | ".join(cells) + " |")
    json.dump(rows, sys.stderr, default=str)


if __name__ == "__main__":
    main()
