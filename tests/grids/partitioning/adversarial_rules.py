"""The rules a partition of adversarial input must keep, and the shared judge's figures.

``sample_data`` is not a package: the generators are loaded by path.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import shapely

from grids.partitioning.cli import write_assignments, write_grids
from grids.partitioning.inputs import SNAP_M

from . import check_partition

ROOT = Path(__file__).resolve().parents[3]
OVERLAP_M2 = 1.0  # total overlap of a county's grids allowed (check_partition's rule)
SLACK_M = 0.01  # households "on" a border: within this of a group count as in it
HEAVY = 10  # households at one point beyond which count-exact cuts may not fit the band


def load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"sample_data_{name}", ROOT / "sample_data" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


adversarial = load("adversarial")


def assert_rules(result, households, groups, *, lo: int = 40, hi: int = 60) -> None:
    """Every household once (assigned or with a problem), grids in the band unless their
    village reports why, connected, inside their village, valid, tiling the groups."""
    assert not result.failures
    a = result.assignments
    assert list(a["household_id"]) == list(households["id"].astype(str))
    assigned = (a["grid_id"] != "").to_numpy()
    assert (a.loc[~assigned, "problem"] != "").all()
    metric = groups.estimate_utm_crs()
    grids = result.grids.to_crs(metric)
    gg = groups.to_crs(metric)
    pts = households.to_crs(metric).geometry.to_numpy()
    assert result.grids.is_valid.all() and grids.is_valid.all()
    assert set(grids.geom_type) <= {"Polygon", "MultiPolygon"}
    assert grids["grid_id"].is_unique
    flagged = {f["village_id"]: f for f in result.summary["flagged_villages"]}
    heavy = _heaviest(a, pts)
    multi = set(gg.loc[shapely.get_num_geometries(gg.geometry.to_numpy()) > 1, "id"])
    for row in grids.itertuples():
        mine = set(row.group_ids.split(","))
        if not lo <= row.households <= hi:  # band where feasible: else reported, and
            f = flagged.get(row.village_id, {"groups": [], "uncut": []})
            assert mine & set(f["groups"]), row
            # a feasible total missed only where many households share one point
            assert not mine & set(f["uncut"]) or heavy[row.village_id] > HEAVY, row
        if shapely.get_num_geometries(row.geometry) > 1:  # connected
            assert mine & multi, row
    village = {
        v: shapely.buffer(shapely.union_all(p.geometry.to_numpy()), SNAP_M + SLACK_M)
        for v, p in gg.groupby("village_id")
    }
    for row in grids.itertuples():  # inside their village
        assert shapely.difference(row.geometry, village[row.village_id]).area < 1e-3, row
    # each assigned household in its grid, in a group of the grid's village
    poly = grids.set_index("grid_id").geometry.reindex(a["grid_id"][assigned]).to_numpy()
    assert shapely.dwithin(pts[assigned], poly, 1.0).all()
    tree = shapely.STRtree(gg.geometry.to_numpy())
    hi_, gi = tree.query(pts[assigned], predicate="dwithin", distance=SNAP_M + SLACK_M)
    own = a["grid_id"][assigned].str[: len(str(gg["village_id"].iloc[0]))].to_numpy()
    ok = np.zeros(int(assigned.sum()), dtype=bool)
    ok[hi_[gg["village_id"].to_numpy()[gi] == own[hi_]]] = True
    assert ok.all()
    # tiling: overlaps under a square metre; gaps only where groups hold no household
    geoms = grids.geometry.to_numpy()
    ia, ib = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    m = ia < ib
    assert shapely.area(shapely.intersection(geoms[ia[m]], geoms[ib[m]])).sum() < OVERLAP_M2
    held = np.zeros(len(gg), dtype=bool)
    held[shapely.STRtree(gg.geometry.to_numpy()).query(pts, predicate="intersects")[1]] = True
    gap = shapely.difference(shapely.union_all(gg.geometry.to_numpy()), shapely.union_all(geoms))
    assert gap.area < OVERLAP_M2 + shapely.area(gg.geometry.to_numpy()[~held]).sum()


def _heaviest(assignments, pts) -> dict:
    """Village (from the grid id) -> most households on one point (to the centimetre)."""
    a = assignments.assign(
        village=assignments["grid_id"].str[:-3],
        key=[tuple(p) for p in np.round(shapely.get_coordinates(pts), 2)],
    )
    a = a[a["grid_id"] != ""]
    return a.groupby(["village", "key"]).size().groupby(level=0).max().to_dict()


def figures(result, households, groups, folder: Path) -> dict:
    """check_partition's figures of ``result``, written as the CLI writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    households[["id", "geometry"]].to_file(folder / "households.gpkg")
    groups[["id", "village_id", "geometry"]].to_file(folder / "groups.gpkg")
    write_grids(result.grids, folder / "grids.geojson")
    write_assignments(result.assignments, folder / "assignments.csv")
    return check_partition.figures(
        str(folder / "households.gpkg"), str(folder / "groups.gpkg"), str(folder)
    )
