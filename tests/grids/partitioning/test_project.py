"""Grid polygons to longitude/latitude: valid, as many parts as in metres, no neighbour's land."""

import geopandas as gpd
import shapely

from grids.partitioning.project import LONLAT, to_lonlat, transform, transformer

UTM = "EPSG:32650"
# Reduced from a grid of the generated 200k county (seed 1): valid in UTM 50N, the edge
# B -> C runs back along A -> B at a hair's width, and in degrees C crosses A -> B.
#   A ------------------------ B
#     \              C ------/     (C is millimetres off the line A-B)
#       D
NEEDLE = shapely.from_wkt(
    "POLYGON ((349563.6302090647 2897099.948522498, 350325.51951000735 2896787.2792191296, "
    "350083.14687597065 2896886.7397401193, 349796.5959947912 2896509.063283496, "
    "349563.6302090647 2897099.948522498))"
)
# the grid across A -> B from it
ABOVE = shapely.Polygon(
    [
        (349563.6302090647, 2897099.948522498),
        (350325.51951000735, 2896787.2792191296),
        (350400, 2897300),
    ]
)


def _metric(geoms):
    return gpd.GeoSeries(list(geoms), crs=LONLAT).to_crs(UTM).to_numpy()


def test_a_polygon_that_crosses_itself_in_degrees_is_repaired_in_place():
    assert NEEDLE.is_valid and ABOVE.is_valid and NEEDLE.intersection(ABOVE).area < 1e-6
    assert not transform(NEEDLE, transformer(UTM, LONLAT)).is_valid
    out = to_lonlat([NEEDLE, ABOVE], UTM)
    assert shapely.is_valid(out).all()
    assert [shapely.get_num_geometries(g) for g in out] == [1, 1]
    back = _metric(out)
    # at most the needle's tip goes (millimetres wide: the part that flipped over A -> B),
    # and the new corner where it crossed is a point of a line straight in degrees
    tip = shapely.Polygon(shapely.get_coordinates(NEEDLE)[:3]).area
    assert 0 <= NEEDLE.area - back[0].area <= tip + 0.5
    assert abs(back[1].area - ABOVE.area) < 1e-3
    assert back[0].intersection(back[1]).area < 1e-3  # took nothing from its neighbour


def test_valid_polygons_pass_unchanged():
    square = shapely.box(349000, 2896000, 349100, 2896100)
    (out,) = to_lonlat([square], UTM)
    assert out.equals_exact(transform(square, transformer(UTM, LONLAT)), 0)
