"""Overlap areas between village groups, measured in the plane the groups were drawn in.

A polygon edge is straight in the plane it was drawn in and bends in every other one. Where
a vertex of one group lies on an edge of its neighbour (every border where two villages'
group tilings meet), reprojecting the file moves the vertex off the neighbour's edge, and
the two groups seem to overlap by a thin lens: up to 150 m² along the 8 km borders of
groups drawn in UTM metres and exported to WGS84 (tests/households/counties.py builds such
a county). The plane a file was drawn in is not recorded, so each overlap is measured in
every plane Chinese GIS files are commonly drawn in, and the smallest area counts: a real
overlap is there in all of them, a reprojection artefact vanishes in the file's own.

The planes: the CRS the file declares when it is projected; WGS84 longitude/latitude (OSM,
GPS tracks, most web tools); Gauss-Krüger / UTM transverse Mercator on the central meridians
of the 3° and 6° zones around the data (CGCS2000 3° zones have their central meridians on
multiples of 3°, 6° zones and UTM on 3° + multiples of 6°, so the multiples of 3° on either
side of the data cover all three); and Web Mercator (EPSG:3857, web map editors).

Pure: shapely and pyproj only, so it is tested without a database.
"""

import math
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from shapely.errors import GEOSException

from households.geo import to_metric, utm_crs

# Overlaps under this area are left out of the measurement in further planes (and of the
# report): a hundredth of a square metre is below any survey's precision.
NEGLIGIBLE_M2 = 0.01
M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)
MAX_DECIMALS = 12  # coordinates are stored as doubles: at most ~15 significant digits
_GRID_M = 1e-3  # snap to 1 mm when GEOS cannot intersect two polygons exactly
_EXACT_BELOW = 1e12  # a double still holds 1e-4 of a unit at 1e12: decimals are countable


@dataclass(frozen=True)
class Overlap:
    area_m2: float
    width_m: float  # mean width: 2 x area / perimeter
    error: str = ""  # GEOS could not intersect the two polygons even on the 1 mm grid


def planes(center_lon: float, center_lat: float, declared=None) -> list[pyproj.CRS | None]:
    """The planes to measure in, most likely first; None stands for WGS84 lon/lat."""
    out = []
    if declared is not None and pyproj.CRS(declared).is_projected:
        out.append(pyproj.CRS(declared))
    out.append(None)
    for meridian in (3 * math.floor(center_lon / 3), 3 * math.ceil(center_lon / 3)):
        out.append(pyproj.CRS.from_proj4(f"+proj=tmerc +lon_0={meridian} +k=1 +ellps=WGS84"))
    out.append(pyproj.CRS.from_epsg(3857))
    unique = []
    for crs in out:
        if crs is None or all(c is None or not c.equals(crs) for c in unique):
            unique.append(crs)
    return unique


def coordinate_step_m(geoms: np.ndarray, *, degrees: bool) -> float:
    """The rounding step of the file's coordinates in metres (0 when they carry full
    precision): a file rounded to 5 decimals of a degree is only good to about a metre."""
    coords = shapely.get_coordinates(geoms)
    if not len(coords):
        return 0.0
    sample = np.abs(coords[:: max(1, len(coords) // 10_000)].ravel())
    for decimals in range(MAX_DECIMALS + 1):
        scaled = sample * 10.0**decimals
        if scaled.max() >= _EXACT_BELOW:
            break  # doubles hold no more decimals than this: full precision
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-3):
            step = 10.0**-decimals
            return step * M_PER_DEG if degrees else step
    return 0.0


class OverlapMeter:
    """Measures a ∩ b of WGS84 polygons in each plane and keeps the smallest area."""

    def __init__(self, geoms: np.ndarray, declared_crs=None):
        bounds = shapely.total_bounds(geoms)
        lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        self.metric = utm_crs(lon, lat)  # where areas are measured (distortion < 0.1 %)
        self.planes = planes(lon, lat, declared_crs)
        self._geoms = geoms
        self._projected = {}

    def _in(self, k: int) -> np.ndarray:
        if k not in self._projected:
            crs = self.planes[k]
            self._projected[k] = self._geoms if crs is None else to_metric(self._geoms, crs)
        return self._projected[k]

    def measure(self, left: np.ndarray, right: np.ndarray) -> list[Overlap]:
        """Overlap of geoms[left[i]] and geoms[right[i]] for each pair i."""
        n = len(left)
        area, width = np.full(n, np.inf), np.zeros(n)
        errors = [""] * n
        todo = np.arange(n)
        for k, crs in enumerate(self.planes):
            if not len(todo):
                break
            geoms = self._in(k)
            a, w, failed = self._areas(geoms[left[todo]], geoms[right[todo]], crs)
            smaller = a < area[todo]
            area[todo[smaller]], width[todo[smaller]] = a[smaller], w[smaller]
            for i in np.flatnonzero(failed):
                errors[todo[i]] = failed[i]
            todo = todo[area[todo] > NEGLIGIBLE_M2]
        return [
            Overlap(0.0, 0.0, errors[i]) if np.isinf(area[i]) else Overlap(area[i], width[i])
            for i in range(n)
        ]

    def _areas(self, a, b, crs):
        """Areas (m²), mean widths (m) and GEOS failures (text, "" if none) of a ∩ b in one
        plane; a failed pair has an infinite area."""
        try:
            inter, failed = shapely.intersection(a, b), np.full(len(a), "", dtype=object)
        except GEOSException:
            inter, failed = self._one_by_one(a, b, crs)
        inter = _polygonal(inter)
        if crs is None or not crs.equals(self.metric):
            inter = shapely.transform(inter, self._to_metric(crs))
        area, perimeter = shapely.area(inter), shapely.length(inter)
        width = 2 * area / np.where(perimeter > 0, perimeter, 1.0)
        return np.where(failed != "", np.inf, area), width, failed

    def _to_metric(self, crs):
        transformer = pyproj.Transformer.from_crs(crs or 4326, self.metric, always_xy=True)
        return lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    @staticmethod
    def _one_by_one(a, b, crs):
        grid = _GRID_M if crs is not None else _GRID_M / M_PER_DEG
        out, failed = np.empty(len(a), dtype=object), np.full(len(a), "", dtype=object)
        for i in range(len(a)):
            try:
                out[i] = shapely.intersection(a[i], b[i])
            except GEOSException:
                try:
                    out[i] = shapely.intersection(a[i], b[i], grid_size=grid)
                except GEOSException as exc:
                    out[i], failed[i] = shapely.Polygon(), str(exc)
        return out, failed


def _polygonal(inter: np.ndarray) -> np.ndarray:
    """The polygonal part of each intersection (shared edges and points have no area)."""
    inter = np.array(inter, dtype=object)
    for i in np.flatnonzero(shapely.get_type_id(inter) == 7):  # GeometryCollection
        parts = [p for p in shapely.get_parts(inter[i]) if p.geom_type.endswith("Polygon")]
        inter[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return inter
