"""Properties of households.coords: WGS84 <-> GCJ-02 <-> BD-09 on numpy arrays."""

from __future__ import annotations

import numpy as np
import pytest

from households import coords

# Jiangxi, roughly: the lattice on which round trips are measured.
JIANGXI_LON = np.linspace(114.0, 118.0, 41)
JIANGXI_LAT = np.linspace(24.0, 30.0, 61)
EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG)


def _metres(lon1, lat1, lon2, lat2):
    """Haversine distance in metres."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


@pytest.fixture
def jiangxi():
    lon, lat = np.meshgrid(JIANGXI_LON, JIANGXI_LAT)
    return lon.ravel(), lat.ravel()


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84),
        (coords.wgs84_to_bd09, coords.bd09_to_wgs84),
        (coords.gcj02_to_bd09, coords.bd09_to_gcj02),
    ],
    ids=["gcj02", "bd09", "gcj02-bd09"],
)
def test_round_trip_is_sub_metre_in_jiangxi(jiangxi, forward, inverse):
    """inverse(forward(p)) is within 0.5 m of p on a 0.1-degree lattice of Jiangxi."""
    lon, lat = jiangxi
    back_lon, back_lat = inverse(*forward(lon, lat))
    assert _metres(lon, lat, back_lon, back_lat).max() < 0.5


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84),
        (coords.wgs84_to_bd09, coords.bd09_to_wgs84),
    ],
    ids=["gcj02", "bd09"],
)
def test_inverse_then_forward_returns_the_input(jiangxi, forward, inverse):
    """forward(inverse(q)) == q too: the iteration solves the forward equation."""
    lon, lat = jiangxi
    again_lon, again_lat = forward(*inverse(lon, lat))
    assert _metres(lon, lat, again_lon, again_lat).max() < 0.01


def test_iterative_inverse_beats_the_one_step_inverse(jiangxi):
    """The one-step inverse (subtract the offset at the GCJ point) errs by metres."""
    lon, lat = jiangxi
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)
    s_lon, s_lat = coords.wgs84_to_gcj02(g_lon, g_lat)
    one_step = _metres(lon, lat, 2 * g_lon - s_lon, 2 * g_lat - s_lat)
    iterated = _metres(lon, lat, *coords.gcj02_to_wgs84(g_lon, g_lat))
    assert one_step.max() > 1.0
    assert iterated.max() < 0.01


def test_raw_gcj_offset_in_jiangxi_is_hundreds_of_metres(jiangxi):
    """Unconverted GCJ-02 points land 300-800 m from the truth: a different group."""
    lon, lat = jiangxi
    offset = _metres(lon, lat, *coords.wgs84_to_gcj02(lon, lat))
    assert offset.min() > 300
    assert offset.max() < 800


@pytest.mark.parametrize(
    "point",
    [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (1.52, 42.51)],
    ids=["paris", "new-york", "sydney", "andorra"],
)
@pytest.mark.parametrize(
    "convert",
    [coords.wgs84_to_gcj02, coords.gcj02_to_wgs84],
    ids=["wgs84_to_gcj02", "gcj02_to_wgs84"],
)
def test_outside_china_points_pass_unchanged(point, convert):
    lon, lat = convert(*point)
    assert (float(lon), float(lat)) == point


def test_vectorised_shape_and_no_mutation():
    lon = np.array([[115.5, 115.6], [115.7, 115.8]])
    lat = np.full((2, 2), 26.0)
    before = lon.copy(), lat.copy()
    out_lon, out_lat = coords.gcj02_to_wgs84(lon, lat)
    assert out_lon.shape == out_lat.shape == (2, 2)
    np.testing.assert_array_equal(lon, before[0])
    np.testing.assert_array_equal(lat, before[1])
    empty = coords.bd09_to_wgs84([], [])
    assert empty[0].shape == empty[1].shape == (0,)


def test_nan_stays_nan_and_does_not_block_the_others():
    lon, lat = coords.gcj02_to_wgs84([np.nan, 115.5], [26.0, 26.0])
    assert np.isnan(lon[0]) and np.isnan(lat[0])
    bd_lon, bd_lat = coords.bd09_to_wgs84([115.5, 115.5], [np.nan, 26.0])
    assert np.isnan(bd_lon[0]) and np.isnan(bd_lat[0]) and not np.isnan(bd_lon[1])
    assert _metres(115.5, 26.0, *coords.wgs84_to_gcj02(lon[1], lat[1])) < 0.01


# Published pairs. The Beijing pair is the example in the README/test of the
# widely used `coordtransform` library (wandergis/coordtransform, test/app.js),
# input (116.404, 39.915) near Tiananmen: it pins the forward formulas exactly.
def test_published_beijing_forward_values():
    np.testing.assert_allclose(
        coords.wgs84_to_gcj02(116.404, 39.915),
        (116.41024449916938, 39.91640428150164),
        rtol=0,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        coords.gcj02_to_bd09(116.404, 39.915),
        (116.41036949371029, 39.92133699351021),
        rtol=0,
        atol=1e-12,
    )


# City centres with WGS84, GCJ-02 and BD-09 from the test fixtures of the gcoord
# library (hujiulong/gcoord, test/fixtures/china-cities.json), two near Jiangxi.
CITY_PAIRS = {
    "meizhou": ((116.1174053, 24.2912377), (116.1222426, 24.2886182), (116.1287823, 24.2944828)),
    "chenzhou": ((113.0092288, 25.7734864), (113.014722, 25.7705143), (113.0211835, 25.7765929)),
}


@pytest.mark.parametrize("city", list(CITY_PAIRS), ids=list(CITY_PAIRS))
def test_published_city_pairs(city):
    """Within 1 m of the published WGS84 / GCJ-02 (values given to 1e-7 degrees)."""
    wgs, gcj, bd = CITY_PAIRS[city]
    assert _metres(*wgs, *coords.gcj02_to_wgs84(*gcj)) < 1.0
    assert _metres(*wgs, *coords.bd09_to_wgs84(*bd)) < 1.0
    assert _metres(*gcj, *coords.bd09_to_gcj02(*bd)) < 0.1


@pytest.mark.parametrize(
    ("crs", "to_crs"),
    [
        ("EPSG:4326", None),
        ("epsg:4490", None),
        ("GCJ02", coords.wgs84_to_gcj02),
        ("bd09", coords.wgs84_to_bd09),
    ],
    ids=["wgs84", "cgcs2000-lowercase", "gcj02-uppercase", "bd09"],
)
def test_to_wgs84_dispatch(crs, to_crs):
    """to_wgs84 undoes the matching forward transform; EPSG codes are identities."""
    lon, lat = 115.6, 26.0
    src = to_crs(lon, lat) if to_crs else (lon, lat)
    back = coords.to_wgs84(*src, crs)
    if to_crs is None:
        assert (float(back[0]), float(back[1])) == (lon, lat)
    assert _metres(lon, lat, *back) < 0.01


@pytest.mark.parametrize("crs", ["EPSG:3857", "wgs84", "", "gcj-02"])
def test_to_wgs84_rejects_unknown_crs_by_name(crs):
    with pytest.raises(ValueError, match="unknown crs") as excinfo:
        coords.to_wgs84(115.6, 26.0, crs)
    assert repr(crs) in str(excinfo.value)
    assert str(excinfo.value) == coords.UNKNOWN_CRS_MESSAGE.format(crs=crs)
