"""Metric CRS for a set of geometries, and grid polygons back to longitude/latitude.

One rule for the metric CRS: the UTM zone of the geometries' centre (what
``GeoDataFrame.estimate_utm_crs`` picks, computed here without its database look-up).

A ring valid in metres can cross itself in degrees: a needle or a pinch a few micrometres
wide flips over when its vertices are reprojected (a few of 4,105 grids on the generated
200k county). Repairing such a polygon alone (``make_valid``) fills the flipped sliver
and can take up to a square metre of the neighbouring grid, so :func:`to_lonlat` takes
back from the repair whatever another grid already holds, and keeps as many parts as
the polygon had in metres.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from .union import polygonal

LONLAT = "EPSG:4326"


def utm_epsg(bounds) -> int:
    """EPSG code of the WGS84 UTM zone at the centre of ``bounds`` (lon/lat min, max)."""
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    zone = int((lon + 180) // 6) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def metric_crs(frame) -> str:
    """The metric CRS for a GeoDataFrame (or GeoSeries) in any CRS: :func:`utm_epsg` of
    its bounds in longitude/latitude."""
    bounds = frame.total_bounds
    crs = pyproj.CRS.from_user_input(frame.crs)
    if not crs.is_geographic or crs.to_epsg() != 4326:
        bounds = transformer(crs, LONLAT).transform_bounds(*bounds)
    return f"EPSG:{utm_epsg(bounds)}"


def transformer(src, dst) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def transform(geoms, tr: pyproj.Transformer):
    """``geoms`` (a geometry or an array) with every vertex passed through ``tr``."""
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _largest(geom, n: int):
    """``geom`` with its ``n`` largest parts only."""
    parts = shapely.get_parts(geom)
    if len(parts) <= n:
        return geom
    keep = parts[np.argsort(-shapely.area(parts), kind="stable")[:n]]
    return keep[0] if n == 1 else shapely.MultiPolygon(list(keep))


def to_lonlat(geoms, crs) -> np.ndarray:
    """Polygons in ``crs`` (metric) as valid polygons in EPSG:4326 (module docstring).

    A repaired polygon keeps as many parts as it had in metres (its largest): the
    crossing leaves the flipped sliver as a part of its own, which is no territory."""
    metric = np.asarray(geoms, dtype=object).ravel()
    out = np.asarray(transform(metric, transformer(crs, LONLAT))).astype(object).ravel()
    bad = np.flatnonzero(~shapely.is_valid(out))
    if len(bad) == 0:
        return out
    parts = shapely.get_num_geometries(metric)
    fixed = {
        int(i): _largest(
            polygonal(shapely.make_valid(out[i], method="structure", keep_collapsed=False)),
            int(parts[i]),
        )
        for i in bad
    }
    for i, geom in fixed.items():
        out[i] = geom
    tree = shapely.STRtree(out)
    for i, geom in fixed.items():
        near = [j for j in tree.query(geom, predicate="intersects") if j != i]
        if not near:
            continue
        trimmed = polygonal(shapely.difference(geom, shapely.union_all(out[near])))
        trimmed = _largest(trimmed, int(parts[i]))
        if not trimmed.is_empty and shapely.is_valid(trimmed):
            out[i] = trimmed
    return out
