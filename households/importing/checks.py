"""File-level checks shared by the importers: columns, geometry type, CRS, extent."""

import numpy as np
import shapely
from django.utils.translation import gettext_lazy as _

ERR_MISSING_COLUMN = _("missing column %(col)s (accepted headers: %(aliases)s)")
ERR_NO_CRS = _("the file declares no coordinate reference system; add a .prj or use --crs")
ERR_GEOMETRY_TYPE = _("wrong geometry type %(found)s, expected %(expected)s")
ERR_NO_GEOMETRY = _("no geometry")
ERR_OUT_OF_RANGE = _("coordinates out of range: %(lon)s, %(lat)s")
ERR_SWAPPED = _("longitude and latitude look swapped: %(lon)s, %(lat)s")
ERR_OUTSIDE_EXTENT = _("%(lon)s, %(lat)s lies outside the county extent %(extent)s")


def check_required(frame, required, report, aliases=None) -> bool:
    ok = True
    for col in required:
        if col not in frame.columns:
            names = ", ".join((aliases or {}).get(col, [col]))
            report.error(None, col, ERR_MISSING_COLUMN % {"col": col, "aliases": names})
            ok = False
    return ok


def to_wgs84_frame(gdf, report):
    """Reproject a GeoDataFrame to EPSG:4326 from its declared CRS (GeoJSON defaults to 4326)."""
    if gdf.crs is None:
        report.error(None, "crs", ERR_NO_CRS)
        return None
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf


def point_columns(gdf, report):
    """lon, lat arrays from a point layer (NaN for null geometries); ok=False on file errors."""
    gdf = to_wgs84_frame(gdf, report)
    if gdf is None:
        return None, None, False
    geoms = gdf.geometry.values
    types = shapely.get_type_id(geoms)
    # 0 Point, 4 MultiPoint (taken when it holds one point); -1 missing
    wrong = ~np.isin(types, [0, 4, -1])
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        report.error(
            i + 1,
            "geometry",
            ERR_GEOMETRY_TYPE % {"found": geoms[i].geom_type, "expected": "Point"},
            "feature",
        )
        return None, None, False
    multi = types == 4
    if multi.any():
        geoms = geoms.copy()
        geoms[multi] = shapely.get_geometry(geoms[multi], 0)
    lon = np.where(types >= 0, shapely.get_x(geoms), np.nan)
    lat = np.where(types >= 0, shapely.get_y(geoms), np.nan)
    return lon, lat, True


def check_extent(lon, lat, extent, report, rows, where, *, skip) -> np.ndarray:
    """Flag coordinates out of range, swapped, or outside the county extent.

    `rows` gives the file row (or feature number) of each coordinate.
    """
    minx, miny, maxx, maxy = extent
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(lon) & np.isfinite(lat) & ~skip
        in_range = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        inside = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        swapped = (lat >= minx) & (lat <= maxx) & (lon >= miny) & (lon <= maxy)
    bad = np.zeros(len(lon), dtype=bool)
    field = "lon" if where == "row" else "geometry"
    for i in np.flatnonzero(finite & ~inside):
        args = {"lon": lon[i], "lat": lat[i], "extent": list(extent)}
        # swapped first: in China a latitude read as longitude is always beyond ±90
        if swapped[i]:
            message = ERR_SWAPPED % args
        elif not in_range[i]:
            message = ERR_OUT_OF_RANGE % args
        else:
            message = ERR_OUTSIDE_EXTENT % args
        report.error(int(rows[i]), field, message, where)
        bad[i] = True
    return bad
