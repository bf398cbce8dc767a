"""Helpers for partitioner tests: tiny villages in a metric CRS and invariant checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

CRS = "EPSG:32650"  # UTM 50N (metres), so sketches are in metres; the library re-projects


def lattice(x0: float, y0: float, nx: int, ny: int, step: float = 10.0) -> list[tuple]:
    """Points of an ``nx`` x ``ny`` lattice starting half a step inside (x0, y0)."""
    return [(x0 + step * (i + 0.5), y0 + step * (j + 0.5)) for j in range(ny) for i in range(nx)]


def make_groups(rows: list[tuple[str, str, tuple]]) -> gpd.GeoDataFrame:
    """rows: (group id, village id, (xmin, ymin, xmax, ymax))."""
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "village_id": [r[1] for r in rows]},
        geometry=[shapely.box(*r[2]) for r in rows],
        crs=CRS,
    )


def make_households(points: list[tuple], prefix: str = "h") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"{prefix}{i}" for i in range(len(points))]},
        geometry=[shapely.Point(p) for p in points],
        crs=CRS,
    )


def check_invariants(result, households, groups, *, lo=40, hi=60, mlo=8, mhi=12) -> dict:
    """Assert the partitioning rules on a result; return a few figures."""
    a = result.assignments
    households = households.to_crs(groups.crs)
    grids = result.grids.to_crs(groups.crs)
    ids = households["id"].astype(str)
    assert list(a["household_id"]) == list(ids)  # one row per household, input order
    assigned = a["grid_id"] != ""
    assert (a.loc[~assigned, "problem"] != "").all()  # unassigned always has a reason
    assert (a.loc[assigned, "member_id"] != "").all()
    assert (
        a.loc[assigned, "member_id"].str.rsplit("-", n=1).str[0] == a.loc[assigned, "grid_id"]
    ).all()
    assert set(a.loc[assigned, "grid_id"]) == set(grids["grid_id"])
    assert grids["grid_id"].is_unique
    # one village per grid, checked on the inputs
    j = (
        gpd.sjoin(
            households[["id", "geometry"]],
            groups[["id", "village_id", "geometry"]].rename(columns={"id": "gid"}),
            how="left",
            predicate="intersects",
        )
        .drop_duplicates("id")
        .set_index("id")
    )
    aa = a[assigned].set_index("household_id").join(j[["gid", "village_id"]])
    assert (aa.dropna(subset=["village_id"]).groupby("grid_id")["village_id"].nunique() <= 1).all()
    # co-located households share grid and member area
    xy = pd.DataFrame(
        shapely.get_coordinates(households.geometry.values).round(3), columns=["x", "y"]
    )
    xy["m"] = a["member_id"].to_numpy()
    xy = xy[assigned.to_numpy()]
    assert (xy.groupby(["x", "y"])["m"].nunique() <= 1).all()
    # geometry: connected, no overlap, no gap, households inside their polygon
    multi = set(groups.loc[shapely.get_num_geometries(groups.geometry.values) > 1, "id"])
    gg = grids.set_index("grid_id")
    for gid, geom in gg.geometry.items():
        if shapely.get_num_geometries(geom) > 1:
            assert set(gg.loc[gid, "group_ids"].split(",")) & multi, gid
    geoms = gg.geometry.values
    tree = shapely.STRtree(geoms)
    ia, ib = tree.query(geoms, predicate="intersects")
    m = ia < ib
    assert shapely.area(shapely.intersection(geoms[ia[m]], geoms[ib[m]])).sum() < 1.0
    gap = shapely.area(
        shapely.difference(shapely.union_all(groups.geometry.values), shapely.union_all(geoms))
    )
    assert gap < 1.0
    pts = households.set_index(ids).geometry.reindex(aa.index).values
    assert shapely.dwithin(pts, gg.geometry.reindex(aa["grid_id"]).values, 1.0).all()
    assert (
        gg["households"].reindex(aa.groupby("grid_id").size().index).values
        == aa.groupby("grid_id").size().values
    ).all()
    sizes = aa.groupby("grid_id").size()
    members = aa.groupby(a.loc[assigned, "member_id"].to_numpy()).size()
    return {
        "sizes": sizes,
        "in_band": float(((sizes >= lo) & (sizes <= hi)).mean()),
        "member_band": float(((members >= mlo) & (members <= mhi)).mean()),
    }


@pytest.fixture
def rng():
    return np.random.default_rng(0)
