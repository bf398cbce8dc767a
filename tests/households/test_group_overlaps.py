"""Group overlaps are measured in the plane the groups were drawn in.

A county of Voronoi groups cut in UTM metres and exported to WGS84 has no overlap in metres,
but seems to overlap by up to ~150 m² in degrees along long village borders (a vertex of one
group on the edge of another moves off that edge in the other plane). It imports; a real
overlap over 10 m² is still refused, naming both features and the area.
"""

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from households.geo import to_metric, utm_crs
from households.importing import ImportRejected, import_village_groups
from households.importing.group_geometry import (
    ERR_OVERLAP,
    OVERLAP_TOLERANCE_M2,
)
from households.importing.overlaps import OverlapMeter, coordinate_step_m, planes
from households.importing.readers import GEOMETRY
from households.models import VillageGroup

from .conftest import unchanged_db
from .counties import UTM_50N, grow_into_neighbour, voronoi_county

# ---- the measure, on tiny shapes (no database) ---------------------------------------------


def _t_junction(x0, y0, length, crs, on):
    """Two rectangles drawn in `crs`, one above the other; one of them (`on`) has an extra
    vertex (*) in the middle of the shared edge, a T-junction, where the other has none:

        +---------------+
        |       b       |     the shared edge, `length` long, runs west-east; whether the
        +-------*-------+     vertex bends into the other rectangle or away from it once
        |       a       |     reprojected depends on the plane: `on` is the one that bends in
        +---------------+
    """
    h = length / 4
    top = [(x0 + length, y0 + h), (x0 + length / 2, y0 + h), (x0, y0 + h)]
    a = shapely.Polygon([(x0, y0), (x0 + length, y0), *(top if on == "a" else top[::2])])
    bottom = [(x0, y0 + h), (x0 + length / 2, y0 + h), (x0 + length, y0 + h)]
    upper = [(x0 + length, y0 + 2 * h), (x0, y0 + 2 * h)]
    b = shapely.Polygon([*(bottom if on == "b" else bottom[::2]), *upper])
    return gpd.GeoSeries([a, b], crs=crs).to_crs(4326).values


def _naive_m2(a, b) -> float:
    """The old measure: intersect in degrees, project the intersection to UTM, measure."""
    inter = shapely.intersection(a, b)
    return float(shapely.area(to_metric(np.array([inter]), utm_crs(*a.centroid.coords[0]))[0]))


def _m2_in(a, b, crs) -> float:
    """a ∩ b computed in `crs` (None: in degrees), its area in m² (degrees scaled locally:
    projecting a sliver cut in degrees would straighten it away)."""
    if crs is None:
        lat = np.radians(a.centroid.y)
        return shapely.area(shapely.intersection(a, b)) * 111_320**2 * np.cos(lat)
    a, b = to_metric(np.array([a, b]), pyproj.CRS(crs))
    return shapely.area(shapely.intersection(a, b))


@pytest.mark.parametrize(
    "crs, origin, length, on, other_plane",
    [
        (UTM_50N, (360_000, 2_882_000), 8_000, "a", None),
        (4326, (115.6, 26.05), 0.08, "b", UTM_50N),
    ],
    ids=["drawn-in-UTM", "drawn-in-degrees"],
)
def test_a_t_junction_overlaps_only_in_the_other_plane(crs, origin, length, on, other_plane):
    a, b = _t_junction(*origin, length, crs, on)
    assert _m2_in(a, b, other_plane) > 100 * OVERLAP_TOLERANCE_M2  # an 8 km lens, ~0.6 m wide
    (overlap,) = OverlapMeter(np.array([a, b]), None).measure(np.array([0]), np.array([1]))
    assert overlap.area_m2 < 0.01


def test_a_real_overlap_is_the_same_in_every_plane():
    a = shapely.box(115.6, 26.05, 115.601, 26.051)
    b = shapely.box(115.60095, 26.05, 115.602, 26.051)  # 5e-5 degrees, about 5 m, inside a
    meter = OverlapMeter(np.array([a, b]), None)
    (overlap,) = meter.measure(np.array([0]), np.array([1]))
    exact = float(shapely.area(to_metric(np.array([a.intersection(b)]), meter.metric))[0])
    assert overlap.area_m2 == pytest.approx(exact, rel=1e-3) and exact > 500


def test_planes_start_with_the_declared_projected_crs():
    gk = pyproj.CRS.from_epsg(4547)  # CGCS2000 3-degree Gauss-Kruger, central meridian 114 E
    found = planes(115.6, 26.05, gk)
    assert found[0].equals(gk) and found[1] is None  # then WGS84 longitude/latitude
    meridians = sorted(
        c.to_dict().get("lon_0") for c in found[1:] if c and c.to_dict().get("proj") == "tmerc"
    )
    assert meridians == [114, 117]
    assert planes(115.6, 26.05, pyproj.CRS.from_epsg(4490))[0] is None  # degrees: not a plane


def test_coordinate_step():
    geoms = np.array([shapely.Polygon([(115.1234567, 26.1), (115.2, 26.2), (115.3, 26.05)])])
    assert coordinate_step_m(geoms, degrees=True) == pytest.approx(1e-7 * 111_320)
    rounded = shapely.transform(geoms, lambda c: np.round(c, 5))
    assert coordinate_step_m(rounded, degrees=True) == pytest.approx(1.1132)
    full = shapely.transform(geoms, lambda c: c + np.pi * 1e-9)
    assert coordinate_step_m(full, degrees=True) == 0.0


# ---- the importer --------------------------------------------------------------------------


def _export(gdf, tmp_path, name="groups.geojson"):
    path = tmp_path / name
    gdf.to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


@pytest.mark.django_db
def test_county_of_utm_voronoi_groups_imports(tmp_path):
    """3,200 groups in 40 villages over 56 x 56 km, no overlap in metres: no false overlap."""
    county = voronoi_county(40, 80, size_m=56_000, seed=3)
    metric = county.geometry.values
    left, right = shapely.STRtree(metric).query(metric, predicate="intersects")
    assert (
        shapely.area(shapely.intersection(metric[left], metric[right]))[left != right].max() < 1e-3
    )
    path = _export(county, tmp_path)
    exported = gpd.read_file(path).geometry.values
    naive = [_naive_m2(exported[i], exported[j]) for i, j in zip(left, right) if i < j]
    assert max(naive) > 10 * OVERLAP_TOLERANCE_M2  # what the old measure refused
    report = import_village_groups(path)
    assert report.errors == [] and report.created == len(county)
    assert not [w for w in report.warnings if w.field == str(GEOMETRY)]
    assert VillageGroup.objects.count() == len(county)


@pytest.mark.django_db
@pytest.mark.parametrize("area", [9.0, 11.0])
def test_real_overlap_over_10_m2_refused_naming_both_features(tmp_path, area):
    county = voronoi_county(3, 12, size_m=6_000, seed=5)
    a, b = grow_into_neighbour(county, area)
    expected = str(ERR_OVERLAP % {"other": a + 1, "area": area})
    path = _export(county, tmp_path)
    if area <= OVERLAP_TOLERANCE_M2:  # reported, imported
        report = import_village_groups(path)
        assert report.created == len(county) and report.errors == []
        assert (b + 1, str(GEOMETRY), expected) in [
            (w.row, w.field, w.message) for w in report.warnings
        ]
        return
    with unchanged_db(), pytest.raises(ImportRejected) as rejected:
        import_village_groups(path)
    errors = rejected.value.report.errors
    assert [(p.row, p.where, p.field, p.message) for p in errors] == [
        (b + 1, "feature", str(GEOMETRY), expected)
    ]
