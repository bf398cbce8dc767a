"""Pure geometry helpers for the households app: group assignment and metric projections.

No database access: callers pass shapely geometries, so this is testable on its own.
"""

from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

SNAP_DISTANCE_M = 5.0  # county plan: a point within 5 m outside every group joins the nearest


@dataclass(frozen=True)
class GroupAssignment:
    """Index into the groups per point (-1: none), and the snap distance in metres (0: inside)."""

    group: np.ndarray
    snapped_m: np.ndarray


def utm_crs(lon: float, lat: float) -> pyproj.CRS:
    zone = int((lon + 180) // 6) + 1
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def to_metric(geoms: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    transformer = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    return shapely.transform(
        geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def assign_to_groups(
    lon: np.ndarray, lat: np.ndarray, groups: np.ndarray, *, snap_m: float = SNAP_DISTANCE_M
) -> GroupAssignment:
    """Point-in-polygon of WGS84 points against group polygons ordered by precedence.

    A point on a shared boundary (or in an overlap) goes to the group that comes first
    in `groups`, so callers order groups by code for a deterministic answer. Points
    outside every group but within `snap_m` metres of one are snapped to the nearest.
    """
    n = len(lon)
    result = np.full(n, -1, dtype=np.int64)
    snapped = np.zeros(n, dtype=float)
    if n == 0 or len(groups) == 0:
        return GroupAssignment(result, snapped)
    points = shapely.points(lon, lat)
    tree = shapely.STRtree(groups)
    point_idx, group_idx = tree.query(points, predicate="intersects")
    if len(point_idx):
        order = np.lexsort((group_idx, point_idx))  # lowest group index first per point
        point_idx, group_idx = point_idx[order], group_idx[order]
        first = np.r_[True, point_idx[1:] != point_idx[:-1]]
        result[point_idx[first]] = group_idx[first]
    outside = np.flatnonzero(result < 0)
    if len(outside):
        crs = utm_crs(float(np.nanmedian(lon)), float(np.nanmedian(lat)))
        metric_groups = to_metric(groups, crs)
        metric_points = to_metric(points[outside], crs)
        mtree = shapely.STRtree(metric_groups)
        (pi, gi), dist = mtree.query_nearest(
            metric_points, max_distance=snap_m, return_distance=True, all_matches=True
        )
        if len(pi):
            order = np.lexsort((gi, dist, pi))
            pi, gi, dist = pi[order], gi[order], dist[order]
            first = np.r_[True, pi[1:] != pi[:-1]]
            result[outside[pi[first]]] = gi[first]
            snapped[outside[pi[first]]] = dist[first]
    return GroupAssignment(result, snapped)
