"""File-level checks shared by the importers: columns, geometry type, CRS, extent."""

import numpy as np
import pyproj
import shapely
from django.utils.translation import gettext_lazy as _

from .readers import CRS, GEOMETRY

ERR_MISSING_COLUMN = _("missing column %(col)s (accepted headers: %(aliases)s)")
ERR_NO_CRS = _("the file declares no coordinate reference system; add a .prj or use --crs")
ERR_GEOMETRY_TYPE = _("wrong geometry type %(found)s, expected %(expected)s")
ERR_NO_GEOMETRY = _("no geometry")
ERR_OUT_OF_RANGE = _("coordinates out of range: %(lon)s, %(lat)s")
ERR_SWAPPED = _("longitude and latitude look swapped: %(lon)s, %(lat)s")
ERR_OUTSIDE_EXTENT = _("%(lon)s, %(lat)s lies outside the county extent %(extent)s")
ERR_MULTIPOINT = _("a MultiPoint of %(n)d points: a household is one point")
ERR_DEGREES_IN_METRES = _(
    "the file declares %(crs)s, in metres, but its coordinates are longitudes and latitudes "
    "in degrees: declare EPSG:4326"
)
ERR_METRES_IN_DEGREES = _(
    "the file declares %(crs)s, in degrees, but its coordinates are not longitudes and "
    "latitudes: declare the projected coordinate system they are in"
)
ERR_TRANSFORM = _("cannot convert the coordinates from %(crs)s: %(error)s")


def check_required(table, required, report, aliases) -> bool:
    ok = True
    for col in required:
        if col not in table.frame.columns:
            label = table.labels[col]
            names = ", ".join(aliases.get(col, [col]))
            report.error(None, label, ERR_MISSING_COLUMN % {"col": label, "aliases": names})
            ok = False
    return ok


def to_wgs84_frame(gdf, report):
    """Reproject a GeoDataFrame to EPSG:4326 from its declared CRS (GeoJSON defaults to 4326).

    A CRS that does not fit the coordinates (metres declared for degrees, as web tools
    write EPSG:3857 over longitudes and latitudes, or the other way round) is refused
    rather than sending every feature to the other side of the world.
    """
    crs = gdf.crs
    if crs is None:
        report.error(None, str(CRS), ERR_NO_CRS)
        return None
    name = crs.to_string()
    bounds = shapely.bounds(gdf.geometry.values)
    xs, ys = np.abs(bounds[:, [0, 2]]), np.abs(bounds[:, [1, 3]])
    if np.isfinite(xs).any():
        in_degrees = np.nanmax(xs) <= 180 and np.nanmax(ys) <= 90
        if crs.is_projected and in_degrees:
            report.error(None, str(CRS), ERR_DEGREES_IN_METRES % {"crs": name})
            return None
        if crs.is_geographic and (np.nanmin(xs) > 180 or np.nanmin(ys) > 90):
            report.error(None, str(CRS), ERR_METRES_IN_DEGREES % {"crs": name})
            return None
    if crs.to_epsg() != 4326:
        try:
            gdf = gdf.to_crs(4326)
        except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError) as exc:
            report.error(None, str(CRS), ERR_TRANSFORM % {"crs": name, "error": exc})
            return None
    return gdf


def point_columns(gdf, report):
    """lon, lat arrays from a point layer (NaN for null or empty geometries), and the mask
    of features refused (a MultiPoint of several points); lon is None on file errors."""
    gdf = to_wgs84_frame(gdf, report)
    if gdf is None:
        return None, None, None
    geoms = gdf.geometry.values
    types = shapely.get_type_id(geoms)
    # 0 Point, 4 MultiPoint (taken when it holds one point); -1 missing
    wrong = ~np.isin(types, [0, 4, -1])
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        report.error(
            i + 1,
            str(GEOMETRY),
            ERR_GEOMETRY_TYPE % {"found": geoms[i].geom_type, "expected": "Point"},
            "feature",
        )
        return None, None, None
    bad = np.zeros(len(geoms), dtype=bool)
    multi = np.flatnonzero(types == 4)
    if len(multi):
        counts = shapely.get_num_geometries(geoms[multi])
        for i, n in zip(multi[counts > 1], counts[counts > 1], strict=True):
            report.error(int(i) + 1, str(GEOMETRY), ERR_MULTIPOINT % {"n": n}, "feature")
            bad[i] = True
        geoms = geoms.copy()
        geoms[multi] = shapely.get_geometry(geoms[multi], 0)
    with np.errstate(invalid="ignore"):
        lon = np.where(types >= 0, shapely.get_x(geoms), np.nan)
        lat = np.where(types >= 0, shapely.get_y(geoms), np.nan)
    return lon, lat, bad


def check_extent(lon, lat, extent, report, rows, where, *, skip, field) -> np.ndarray:
    """Flag coordinates out of range, swapped, or outside the county extent.

    `rows` gives the file row (or feature number) of each coordinate, `field` the column
    (or the geometry) named in the messages.
    """
    minx, miny, maxx, maxy = extent
    with np.errstate(invalid="ignore"):
        candidate = ~skip  # a non-finite coordinate (a failed reprojection) is out of range
        in_range = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        inside = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        swapped = (lat >= minx) & (lat <= maxx) & (lon >= miny) & (lon <= maxy)
    bad = np.zeros(len(lon), dtype=bool)
    for i in np.flatnonzero(candidate & ~inside):
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
