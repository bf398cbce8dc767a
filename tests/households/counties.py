"""Village groups as another generator makes them: Voronoi cells cut in UTM metres, then
exported to WGS84 vertex by vertex (not snapped onto a shared coverage, as
sample_data/generate.py does).

Villages are the Voronoi cells of random points in a square; each village's groups are the
Voronoi cells of random points in it, clipped to the village. Along a village border, a
vertex of one village's group lies on an edge of the neighbour village's group (a
T-junction): exact in metres, off the neighbour's edge by up to decimetres in degrees.
"""

import geopandas as gpd
import numpy as np
import shapely

UTM_50N = 32650  # the demo county (115.6 E) lies in UTM zone 50 N
CENTRE_M = (360_000.0, 2_882_000.0)  # 115.6 E 26.05 N in UTM 50 N, inside COUNTY_EXTENT
TOWNSHIP = "360721101"


def voronoi_county(
    villages: int, groups_per_village: int, *, size_m: float, seed: int = 0
) -> gpd.GeoDataFrame:
    """Groups with codes, names and their villages and township, in EPSG:32650."""
    rng = np.random.default_rng(seed)
    cx, cy = CENTRE_M
    box = shapely.box(cx - size_m / 2, cy - size_m / 2, cx + size_m / 2, cy + size_m / 2)
    centres = rng.uniform(
        (box.bounds[0], box.bounds[1]), (box.bounds[2], box.bounds[3]), (villages, 2)
    )
    village_cells = _cells(centres, box)
    rows, geoms = [], []
    for v, village in enumerate(village_cells):
        code = f"{TOWNSHIP}{200 + v:03d}"
        for g, cell in enumerate(_cells(_points_in(village, groups_per_village, rng), village)):
            rows.append(
                {
                    "code": f"{code}{g + 1:02d}",
                    "name": f"第{g + 1}组",
                    "village_code": code,
                    "village_name": f"{v + 1}村",
                    "township_code": TOWNSHIP,
                    "township_name": "测试镇",
                }
            )
            geoms.append(cell)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=UTM_50N)


def _cells(points: np.ndarray, region) -> list:
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=region)
    )
    clipped = shapely.intersection(cells, region)
    return [c for c in clipped if c.geom_type == "Polygon" and c.area > 0]


def _points_in(polygon, n: int, rng) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    points = np.empty((0, 2))
    while len(points) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), (4 * n, 2))
        points = np.vstack([points, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return points[:n]


def grow_into_neighbour(gdf: gpd.GeoDataFrame, area_m2: float) -> tuple[int, int]:
    """Make group a overlap its neighbour b by `area_m2` (a half disc on their shared border,
    sized to the area by bisection, in the metric CRS); returns (a, b), 0-based."""
    geoms = gdf.geometry.values
    tree = shapely.STRtree(geoms)
    for a in range(len(geoms)):
        for b in tree.query(geoms[a], predicate="touches"):
            if b <= a:
                continue
            shared = shapely.intersection(geoms[a].boundary, geoms[b].boundary)
            lines = [p for p in shapely.get_parts(shapely.line_merge(shared)) if p.length > 0]
            if not lines or max(p.length for p in lines) < 50:
                continue
            line = max(lines, key=lambda p: p.length)
            middle = shapely.line_interpolate_point(line, 0.5, normalized=True)
            low, high = 0.0, 20.0
            for _ in range(60):
                radius = (low + high) / 2
                bite = shapely.intersection(geoms[b], middle.buffer(radius, quad_segs=32))
                low, high = (radius, high) if bite.area < area_m2 else (low, radius)
            gdf.loc[gdf.index[a], "geometry"] = shapely.union(geoms[a], bite)
            return a, int(b)
    raise ValueError("no two groups share a border of 50 m")
