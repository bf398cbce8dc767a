"""Metric CRS for a set of geometries, and grid polygons back to longitude/latitude.

One rule for the metric CRS: the UTM zone of the geometries' centre (what
``GeoDataFrame.estimate_utm_crs`` picks, computed here without its database look-up).

A ring valid in metres can cross itself in degrees: a needle or a pinch a few micrometres
wide flips over when its vertices are reprojected (a few of 4,105 grids on the generated
200k county). Repairing such a polygon alone (``make_valid``) fills the flipped sliver
and can take up to a square metre of the neighbouring grid, so :func:`to_lonlat` takes
back from the repair whatever another grid already holds, unless that would break the
polygon into more parts.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from .union import polygonal

LONLAT = "EPSG:4326"
SLIVER_SHARE = 1e-9  # a part this small against its polygon is a flipped sliver (~1 mm2 of
# a 1 km2 grid), not territory


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


def _repair(geom):
    """``make_valid`` of a polygon that crossed itself when reprojected, without the
    slivers the crossing leaves as parts of their own (under ``SLIVER_SHARE`` of it)."""
    fixed = polygonal(shapely.make_valid(geom, method="structure", keep_collapsed=False))
    parts = shapely.get_parts(fixed)
    if len(parts) <= shapely.get_num_geometries(geom):
        return fixed
    area = shapely.area(parts)
    keep = parts[area >= SLIVER_SHARE * area.sum()]
    return keep[0] if len(keep) == 1 else shapely.MultiPolygon(list(keep))


def to_lonlat(geoms, crs) -> np.ndarray:
    """Polygons in ``crs`` (metric) as valid polygons in EPSG:4326 (module docstring)."""
    out = np.asarray(transform(np.asarray(geoms, dtype=object), transformer(crs, LONLAT)))
    out = out.astype(object).ravel()
    bad = np.flatnonzero(~shapely.is_valid(out))
    if len(bad) == 0:
        return out
    fixed = {int(i): _repair(out[i]) for i in bad}
    for i, geom in fixed.items():
        out[i] = geom
    tree = shapely.STRtree(out)
    for i, geom in fixed.items():
        near = [j for j in tree.query(geom, predicate="intersects") if j != i]
        if not near:
            continue
        trimmed = polygonal(shapely.difference(geom, shapely.union_all(out[near])))
        if (
            not trimmed.is_empty
            and shapely.is_valid(trimmed)
            and shapely.get_num_geometries(trimmed) <= shapely.get_num_geometries(geom)
        ):
            out[i] = trimmed
    return out
