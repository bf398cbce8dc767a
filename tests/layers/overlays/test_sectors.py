"""A camera's view sector on hand-placed points (no database).

Camera at C looking east (90°), field of view 90°, range 100 m: it sees the quarter disc
between bearings 45° and 135°::

            N
            |   . a (60°, 80 m)      seen
            |  /
        w   C ----- b (90°, 50 m)    seen       c (90°, 150 m): too far
            |  \\
            |   . d (150°, 80 m)     beside the view
        e (0°, 50 m): behind the edge; f (270°, 50 m): behind the camera

The points are placed with pyproj's geodesic (not the code under test).
"""

import math

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point

from layers.overlays.sectors import check_angles, sector

LON, LAT = 115.905, 26.205
GEOD = pyproj.Geod(ellps="WGS84")


def at(bearing: float, metres: float) -> Point:
    lon, lat, _back = GEOD.fwd(LON, LAT, bearing, metres)
    return Point(lon, lat)


@pytest.mark.parametrize(
    ("bearing", "metres", "seen"),
    [
        pytest.param(60, 80, True, id="a-inside"),
        pytest.param(90, 50, True, id="b-on-axis"),
        pytest.param(90, 99, True, id="b-near-arc"),
        pytest.param(90, 150, False, id="c-too-far"),
        pytest.param(150, 80, False, id="d-beside"),
        pytest.param(0, 50, False, id="e-north"),
        pytest.param(270, 50, False, id="f-behind"),
        pytest.param(46, 90, True, id="just-inside-edge"),
        pytest.param(44, 90, False, id="just-outside-edge"),
    ],
)
def test_quarter_sector_sees_the_hand_placed_points(bearing, metres, seen):
    view = sector(lon=LON, lat=LAT, direction=90, fov=90, range_m=100)
    assert view.is_valid
    assert view.covers(at(bearing, metres)) is seen


def test_sector_area_is_a_quarter_disc():
    """Area in a metric projection: π·100²/4 ≈ 7854 m², within the arc's chord sag."""
    view = sector(lon=LON, lat=LAT, direction=90, fov=90, range_m=100)
    utm = pyproj.Transformer.from_crs(4326, 32650, always_xy=True)
    area = shapely.transform(view, lambda xy: np.column_stack(utm.transform(xy[:, 0], xy[:, 1])))
    area = area.area
    assert area == pytest.approx(math.pi * 100**2 / 4, rel=0.005)


def test_full_circle_and_wrap_around_north():
    full = sector(lon=LON, lat=LAT, direction=0, fov=360, range_m=50)
    assert all(full.covers(at(b, 45)) for b in range(0, 360, 30))
    north = sector(lon=LON, lat=LAT, direction=350, fov=60, range_m=100)  # 320° .. 20°
    assert north.covers(at(10, 50)) and north.covers(at(330, 50))
    assert not north.covers(at(40, 50))


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        pytest.param({"direction": 360, "fov": 90, "range_m": 50}, {"direction"}, id="dir-360"),
        pytest.param({"direction": -1, "fov": 90, "range_m": 50}, {"direction"}, id="dir-neg"),
        pytest.param({"direction": 0, "fov": 0, "range_m": 50}, {"fov"}, id="fov-0"),
        pytest.param({"direction": 0, "fov": 361, "range_m": 50}, {"fov"}, id="fov-361"),
        pytest.param({"direction": 0, "fov": 360, "range_m": 0}, {"range_m"}, id="range-0"),
        pytest.param({"direction": 0, "fov": 90, "range_m": 501}, {"range_m"}, id="range-max"),
        pytest.param({"direction": math.nan, "fov": 90, "range_m": 5}, {"direction"}, id="nan"),
        pytest.param({"direction": 359.9, "fov": 360, "range_m": 500}, set(), id="limits-ok"),
    ],
)
def test_impossible_angles_and_ranges_are_named(values, fields):
    assert set(check_angles(**values, max_range_m=500)) == fields
