"""Validate inputs, project them once to a metric CRS and place households in groups.

Placement: a household belongs to the group whose polygon contains it (on a
shared boundary: its own ``group_id`` if that group is one of the candidates,
otherwise the group with the lowest id, ids ordered by ``(len, str)`` so numeric
codes sort numerically). A household outside every group but within
``SNAP_M`` of one is snapped onto the nearest group (same tie rules); further
away it is reported unassigned. Co-located households always share the group
of the first of them. Overlapping group polygons are made disjoint, the
lower id keeping the overlap, so the grids built on them cannot overlap.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .graph import unique_points
from .params import (
    ERR_DUPLICATE_ID,
    ERR_EMPTY_GROUPS,
    ERR_EMPTY_HOUSEHOLDS,
    ERR_MISSING_COLUMN,
    ERR_NO_CRS,
    ERR_NOT_GEODATAFRAME,
    ERR_NOT_POINT,
    ERR_NOT_POLYGON,
    PartitionError,
)
from .union import CLEAN_SNAP_M, clean_coverage, polygonal

SLIVER_M2 = 1.0  # parts of a group smaller than this left by overlap removal are dropped
SNAP_M = 5.0  # households this close outside a group are snapped into it (README, "Importing data")
GAP_M = SNAP_M  # gaps between groups narrower than this are filled (the same tolerance of
# drawn borders: an island drawn with fewer vertices than its hole touches it at points)


def _str_ids(values: pd.Series) -> pd.Series:
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.astype(object)  # already str ids: skip the per-value conversion
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype(str).astype(object)

    def one(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return values.map(one).astype(object)


def id_key(ids) -> np.ndarray:
    """Rank of each id in ``(len, str)`` order (numeric codes sort numerically)."""
    ids = list(ids)
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), ids[i]))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def _check_frame(df, table: str, columns: tuple[str, ...]) -> None:
    if not isinstance(df, gpd.GeoDataFrame) or df._geometry_column_name not in df.columns:
        raise PartitionError(ERR_NOT_GEODATAFRAME.format(table=table))
    for c in columns:
        if c not in df.columns:
            raise PartitionError(ERR_MISSING_COLUMN.format(table=table, column=c))
    if df.crs is None and len(df):
        raise PartitionError(ERR_NO_CRS.format(table=table))


def clean_households(households) -> gpd.GeoDataFrame:
    """Validated copy: str ids, geometry only (point type checked)."""
    _check_frame(households, "households", ("id",))
    if len(households) == 0:
        raise PartitionError(ERR_EMPTY_HOUSEHOLDS)
    out = gpd.GeoDataFrame(
        {"id": _str_ids(households["id"]).to_numpy()},
        geometry=households.geometry.to_numpy(),
        crs=households.crs,
    )
    if "group_id" in households.columns:
        out["group_id"] = _str_ids(households["group_id"]).to_numpy()
    geoms = out.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    bad = np.flatnonzero((types != 0) & (types != -1) & ~shapely.is_empty(geoms))
    if len(bad):
        raise PartitionError(
            ERR_NOT_POINT.format(row=int(bad[0]), geom_type=geoms[bad[0]].geom_type)
        )
    dup = out["id"].duplicated()
    if dup.any():
        raise PartitionError(
            ERR_DUPLICATE_ID.format(table="households", value=out["id"][dup].iloc[0])
        )
    return out


def clean_groups(groups) -> gpd.GeoDataFrame:
    """Validated copy: str id and village_id, valid (Multi)Polygons."""
    _check_frame(groups, "groups", ("id", "village_id"))
    if len(groups) == 0:
        raise PartitionError(ERR_EMPTY_GROUPS)
    out = gpd.GeoDataFrame(
        {
            "id": _str_ids(groups["id"]).to_numpy(),
            "village_id": _str_ids(groups["village_id"]).to_numpy(),
        },
        geometry=groups.geometry.to_numpy(),
        crs=groups.crs,
    )
    geoms = out.geometry.to_numpy()
    for i, g in enumerate(geoms):
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            kind = "empty" if g is None or g.is_empty else g.geom_type
            raise PartitionError(ERR_NOT_POLYGON.format(gid=out["id"].iloc[i], geom_type=kind))
    dup = out["id"].duplicated()
    if dup.any():
        raise PartitionError(ERR_DUPLICATE_ID.format(table="groups", value=out["id"][dup].iloc[0]))
    return out


def _without_slivers(geom):
    """``geom`` without its parts under ``SLIVER_M2`` (all of it if every part is one): the
    spikes a repair or a cleaning cuts off, not territory."""
    parts = shapely.get_parts(geom)
    big = parts[shapely.area(parts) >= SLIVER_M2]
    if len(big) == len(parts) or len(big) == 0:
        return geom
    return big[0] if len(big) == 1 else shapely.MultiPolygon(list(big))


def disjoint_groups(geoms: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Valid polygons, noded into one exact coverage, overlaps kept by the lower-ranked group.

    GEOS ``coverage_clean`` (vertices within ``CLEAN_SNAP_M`` merged, T-junctions noded,
    overlaps given to the first polygon in rank order, gaps narrower than ``GAP_M`` given
    to the group with the longest border on them), so neighbouring groups share their
    borders vertex for vertex even when the file was drawn in another CRS; parts under
    ``SLIVER_M2`` that the cleaning splits off a group are dropped. Where GEOS cannot clean
    the coverage, overlaps are removed pair by pair instead.
    """
    geoms = geoms.copy()
    invalid = ~shapely.is_valid(geoms)
    geoms[invalid] = [_without_slivers(polygonal(shapely.make_valid(g))) for g in geoms[invalid]]
    order = np.argsort(rank, kind="stable")
    clean, ok = clean_coverage(geoms[order], snap=CLEAN_SNAP_M, gap=GAP_M, split_ok=True)
    if ok:
        out = geoms.copy()
        out[order] = clean
        split = shapely.get_num_geometries(out) > shapely.get_num_geometries(geoms)
        out[split] = [_without_slivers(g) for g in out[split]]
        return out
    tree = shapely.STRtree(geoms)
    ia, ib = tree.query(geoms, predicate="intersects")
    m = rank[ia] < rank[ib]
    ia, ib = ia[m], ib[m]
    if len(ia):
        inner = shapely.relate_pattern(geoms[ia], geoms[ib], "2********")
        for a, b in sorted(zip(ia[inner], ib[inner]), key=lambda p: (rank[p[1]], rank[p[0]])):
            diff = shapely.get_parts(polygonal(shapely.difference(geoms[b], geoms[a])))
            geoms[b] = shapely.multipolygons(diff[shapely.area(diff) >= SLIVER_M2])
    return geoms


def place(
    *, points: np.ndarray, geoms: np.ndarray, rank: np.ndarray, hint: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group index per point (-1: none), snapped mask and point coordinates (snapped)."""
    n = len(points)
    gidx = np.full(n, -1, dtype=np.int64)
    tree = shapely.STRtree(geoms)
    pi, gi = tree.query(points, predicate="intersects")
    bonus = np.zeros(len(pi), dtype=np.int64)
    if hint is not None:
        bonus = (hint[pi] == gi).astype(np.int64)
    order = np.lexsort((rank[gi], -bonus, pi))
    pi, gi = pi[order], gi[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    gidx[pi[first]] = gi[first]
    xy = shapely.get_coordinates(points)
    snapped = np.zeros(n, dtype=bool)
    out = np.flatnonzero(gidx < 0)
    if len(out):
        qi, qg = tree.query_nearest(points[out], max_distance=SNAP_M, all_matches=True)
        if len(qi):
            b = (
                (hint[out[qi]] == qg).astype(np.int64)
                if hint is not None
                else np.zeros(len(qi), int)
            )
            d = shapely.distance(points[out[qi]], geoms[qg])
            order = np.lexsort((rank[qg], -b, np.round(d, 6), qi))
            qi, qg = qi[order], qg[order]
            first = np.r_[True, qi[1:] != qi[:-1]]
            hit, grp = out[qi[first]], qg[first]
            gidx[hit] = grp
            snapped[hit] = True
            near = shapely.get_coordinates(
                shapely.get_point(shapely.shortest_line(points[hit], geoms[grp]), 1)
            )
            xy = xy.copy()
            xy[hit] = near
    return gidx, snapped, xy


def same_point_first(xy: np.ndarray, valid: np.ndarray, gidx: np.ndarray) -> None:
    """Give co-located households the group of the first of them (in place)."""
    idx = np.flatnonzero(valid)
    if len(idx) == 0:
        return
    first, inv, _ = unique_points(xy[idx])
    gidx[idx] = gidx[idx[first]][inv]
