"""A camera's view sector: the part of a disc it sees, as a polygon in longitude/latitude.

Method: the sector is drawn in an azimuthal equidistant projection centred on the camera
(PROJ ``aeqd``): distances and bearings from the centre are true there, so the arc lies at
exactly ``range_m`` and its edges at ``direction ± fov/2`` (compass degrees: 0 = north,
clockwise), then projected back to EPSG:4326. The arc is a polyline of vertices at most
``ARC_STEP_DEG`` apart: its chord sags by range·(1 - cos(step/2)), 0.04 m at 100 m for 3°.
A field of view of 360° is the whole disc (a dome camera).

Numpy, shapely and pyproj; no database (the messages are translated by Django's gettext).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from django.utils.translation import gettext_lazy as _
from shapely.geometry import Polygon

ARC_STEP_DEG = 3.0  # at most this between two vertices of the arc (see the sag above)

ERR_DIRECTION = _("direction must be from 0 up to 360 degrees (not including 360): %(value)s")
ERR_FOV = _("the field of view must be more than 0 and at most 360 degrees: %(value)s")
ERR_RANGE = _("the range must be more than 0 and at most %(max)s metres: %(value)s")


def check_angles(
    *, direction: float, fov: float, range_m: float, max_range_m: float
) -> dict[str, str]:
    """The fields that are impossible, each with its reason (empty: all are possible)."""
    errors = {}
    if not (math.isfinite(direction) and 0 <= direction < 360):
        errors["direction"] = ERR_DIRECTION % {"value": direction}
    if not (math.isfinite(fov) and 0 < fov <= 360):
        errors["fov"] = ERR_FOV % {"value": fov}
    if not (math.isfinite(range_m) and 0 < range_m <= max_range_m):
        errors["range_m"] = ERR_RANGE % {"max": max_range_m, "value": range_m}
    return errors


@lru_cache(maxsize=4096)
def _to_wgs84(lon: float, lat: float) -> pyproj.Transformer:
    """From the camera's aeqd (metres east, north) to longitude/latitude: a PROJ pipeline
    written out (0.3 ms to build; a transformer from two CRS objects takes 20 ms, looking
    them up in PROJ's database)."""
    return pyproj.Transformer.from_pipeline(
        f"+proj=pipeline +step +inv +proj=aeqd +lat_0={lat!r} +lon_0={lon!r} +ellps=WGS84 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )


def sector(*, lon: float, lat: float, direction: float, fov: float, range_m: float) -> Polygon:
    """The view sector of a camera at (lon, lat), in EPSG:4326 coordinates."""
    full = fov >= 360
    steps = max(2, math.ceil(fov / ARC_STEP_DEG))
    start = direction - (0 if full else fov / 2)
    bearings = np.radians(start + np.linspace(0, fov, steps + 1))
    if full:
        bearings = bearings[:-1]
    x, y = range_m * np.sin(bearings), range_m * np.cos(bearings)  # east, north
    if not full:
        x, y = np.r_[0.0, x], np.r_[0.0, y]  # from the camera out along one edge and back
    lons, lats = _to_wgs84(float(lon), float(lat)).transform(x, y)
    if not full:
        lons[0], lats[0] = lon, lat  # the apex exactly at the camera
    polygon = Polygon(np.column_stack([lons, lats]))
    return shapely.set_precision(polygon, 1e-9) if not polygon.is_valid else polygon
