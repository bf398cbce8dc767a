"""Adversarial villages: the geometry real county files bring, to break the partitioner.

``perturb_county`` takes a county (e.g. ``generate.make_county``) and rewrites a share of
its villages; ``make_village`` draws one small village from scratch (for property tests).
Every perturbation keeps the data plausible: valid polygons (each checked alone), at most
centimetre overlaps between groups, every household still a point. The kinds:

- ``metric_export``: groups are Voronoi tiles drawn in UTM and reprojected vertex by vertex
  to WGS84 (straight edges bend, T-junctions open); ``snapped``: each group snapped to a
  1e-6 degree grid on its own (~10 cm: neighbours no longer share their edges exactly),
  inside the village's outline;
- ``near_vertices``: extra vertices 1e-9 to 1e-7 degrees from existing ones (in one group
  of a shared edge only), and repeated vertices; ``tiny_coords``: a border zigzag and a
  cluster of households with coordinates 1e-7 degrees apart;
- ``holes_islands``: a ring group around an island group (the island drawn with fewer
  vertices than the ring's hole, so they touch at points with slivers of no group
  between), an exclave (MultiPolygon) of a neighbour, or a lake that is no group;
- ``thin_groups``: strips 0.02 to 3 m wide along a border between two groups;
- ``on_vertices``: households exactly on group vertices and on edges;
- ``one_point``: many households (up to half the village) at one point.

Use as a module (load it by path, ``sample_data`` is not a package) or from the shell::

    python sample_data/adversarial.py --out /tmp/adv --households 20000 [--share 0.1667]
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

KINDS = (
    "metric_export",
    "snapped",
    "near_vertices",
    "tiny_coords",
    "holes_islands",
    "thin_groups",
    "on_vertices",
    "one_point",
)
METRIC_KINDS = ("metric_export", "holes_islands", "thin_groups")  # drawn in metres
UTM_50N = "EPSG:32650"  # the generated county lies at 115.6 E (zone 50)
# metric CRSs a county's files come from: UTM 50N and 49N (the next zone west: more
# distortion), Web Mercator, CGCS2000 3-degree Gauss-Kruger zones at 114 E and 117 E
METRIC_CRS = ("EPSG:32650", "EPSG:32649", "EPSG:3857", "EPSG:4547", "EPSG:4548")
DEG = 1e-7  # the usual precision of coordinates in a county's files (~1 cm)
SNAP_DEG = 1e-6  # grid of ``snapped`` groups (~10 cm)
THIN_M = (0.02, 0.3, 3.0)  # widths of thin groups: a digitising slip, a ditch, a lane
NEAR_DEG = (1e-9, 1e-8, 1e-7)  # offsets of near-coincident vertices


def _polygonal(g):
    parts = shapely.get_parts(shapely.get_parts(g))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
    if len(parts) == 0:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))


def _voronoi(centres: np.ndarray, region) -> list:
    if len(centres) == 1:
        return [region]
    cells = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=region, ordered=True)
    return [_polygonal(c) for c in shapely.intersection(shapely.get_parts(cells), region)]


def _valid(geom):
    """A polygon valid in metres may cross itself in degrees: repaired as an importer would."""
    return geom if geom.is_valid else _polygonal(shapely.make_valid(geom, method="structure"))


def _snap(geom, grid: float):
    """``geom`` on a ``grid``: GEOS's snap-rounding (valid output), or, where GEOS fails on
    it (a strip thinner than the grid: "unable to assign free hole to a shell"), plain
    rounding of the coordinates when that stays valid, else ``geom`` unchanged."""
    try:
        return shapely.set_precision(geom, grid)
    except shapely.errors.GEOSException:
        rounded = shapely.transform(geom, lambda c: np.round(c / grid) * grid)
        return rounded if rounded.is_valid else geom


def _new_id(village: str, ids: list[str]) -> str:
    taken = {i[len(village) :] for i in ids if i.startswith(village)}
    return next(f"{village}{k:02d}" for k in range(99, 0, -1) if f"{k:02d}" not in taken)


# ---- metric perturbations (a village: ids, metric geometries, household points) ---------
def _metric_export(ids, geoms, hxy, rng):
    centres = shapely.get_coordinates(shapely.point_on_surface(np.array(geoms)))
    outline = _polygonal(shapely.union_all(geoms, grid_size=0.01))
    centres = centres + rng.normal(0, 20, centres.shape)  # tiles no longer follow the hamlets
    inside = shapely.contains_xy(outline, centres[:, 0], centres[:, 1])
    centres[~inside] = shapely.get_coordinates(shapely.point_on_surface(np.array(geoms)))[~inside]
    return ids, _voronoi(centres, outline)


def _holes_islands(ids, geoms, hxy, rng):
    ids, geoms = list(ids), list(geoms)
    big = int(np.argmax(shapely.area(np.array(geoms))))
    g = geoms[big]
    c = shapely.get_coordinates(shapely.point_on_surface(g))[0]
    r = 0.25 * np.sqrt(g.area / np.pi)
    disc = shapely.intersection(shapely.Point(c).buffer(r, quad_segs=4), g)
    ring = shapely.Point(c).buffer(1.6 * r, quad_segs=4).difference(shapely.Point(c).buffer(r))
    ring = shapely.intersection(ring, g)
    geoms[big] = _polygonal(g.difference(shapely.Point(c).buffer(1.6 * r, quad_segs=4)))
    choice = rng.integers(3)
    if choice == 0:  # an island group (a 16-gon) in a ring group (its hole a 64-gon)
        ids += [_new_id(ids[0][:12], ids)]
        geoms += [_polygonal(ring)]
        ids += [_new_id(ids[0][:12], ids)]
        geoms += [_polygonal(disc)]
    elif choice == 1 and len(geoms) > 1:  # the ring is an exclave of another group
        other = (big + 1) % len(geoms)
        geoms[other] = _polygonal(shapely.union(geoms[other], ring))
        geoms[big] = _polygonal(shapely.union(geoms[big], disc))
    else:  # a lake: the ring belongs to no group (its households are strays)
        geoms[big] = _polygonal(shapely.union(geoms[big], disc))
    return ids, geoms


def _thin_groups(ids, geoms, hxy, rng):
    ids, geoms = list(ids), list(geoms)
    arr = np.array(geoms)
    ia, ib = shapely.STRtree(arr).query(arr, predicate="intersects")
    pairs = [(a, b) for a, b in zip(ia, ib) if a < b]
    if not pairs:
        return ids, geoms
    a, b = pairs[rng.integers(len(pairs))]
    line = shapely.intersection(shapely.boundary(arr[a]), shapely.boundary(arr[b]))
    if line.length == 0:
        return ids, geoms
    width = float(rng.choice(THIN_M))
    strip = _polygonal(shapely.intersection(line.buffer(width / 2), shapely.union(arr[a], arr[b])))
    if strip.is_empty:
        return ids, geoms
    geoms[a] = _polygonal(geoms[a].difference(strip))
    geoms[b] = _polygonal(geoms[b].difference(strip))
    ids.append(_new_id(ids[0][:12], ids))
    geoms.append(strip)
    # a few households move onto the strip's middle line (a row of houses along a lane)
    pts = shapely.line_interpolate_point(line, rng.uniform(0, 1, min(5, len(hxy))), normalized=True)
    pick = rng.choice(len(hxy), len(pts), replace=False)
    hxy[pick] = shapely.get_coordinates(pts)
    return ids, geoms


# ---- degree perturbations ---------------------------------------------------------------
def _near_vertices(geom, rng):
    def one(poly):
        rings = [np.asarray(poly.exterior.coords)] + [np.asarray(r.coords) for r in poly.interiors]
        out = []
        for ring in rings:
            idx = rng.choice(len(ring) - 1, min(4, len(ring) - 1), replace=False)
            rows = list(ring[:-1])
            for i in sorted(idx, reverse=True):
                d = rng.normal(size=2)
                if rng.random() < 0.3:
                    extra = ring[i].copy()  # a repeated vertex
                else:
                    extra = ring[i] + d / np.hypot(*d) * float(rng.choice(NEAR_DEG))
                rows.insert(i + 1, extra)
            out.append(np.vstack(rows + [rows[0]]))
        cand = shapely.Polygon(out[0], out[1:])
        return cand if cand.is_valid else poly

    return _each_polygon(geom, one)


def _each_polygon(geom, fn):
    if geom.is_empty:
        return geom
    parts = [fn(p) for p in shapely.get_parts(geom)]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _tiny_zigzag(geom, rng):
    def one(poly):
        ring = np.asarray(poly.exterior.coords)
        i = int(rng.integers(len(ring) - 1))
        a, b = ring[i], ring[i + 1]
        k = 12
        t = np.linspace(0, 1, k + 2)[1:-1]
        pts = a + np.outer(t, b - a)
        normal = np.array([-(b - a)[1], (b - a)[0]])
        normal = normal / max(np.hypot(*normal), 1e-300)
        pts += np.outer(np.resize([DEG, -DEG], k) * 0.5, normal)
        rows = list(ring[: i + 1]) + list(pts) + list(ring[i + 1 :])
        cand = shapely.Polygon(np.round(np.array(rows), 9), [r.coords for r in poly.interiors])
        return cand if cand.is_valid else poly

    return _each_polygon(geom, one)


def _on_vertices(lonlat, geoms, rng) -> None:
    """Up to 20 households exactly on group vertices, up to 20 on edge midpoints."""
    xy = shapely.get_coordinates(np.array(geoms))
    n = min(20, len(lonlat) // 4)
    if n == 0 or len(xy) < 2:
        return
    pick = rng.choice(len(lonlat), 2 * n, replace=False)
    v = rng.integers(0, len(xy) - 1, 2 * n)
    lonlat[pick[:n]] = xy[v[:n]]
    lonlat[pick[n:]] = (xy[v[n:]] + xy[v[n:] + 1]) / 2  # on the edge (up to rounding)


def _one_point(lonlat, geoms, rng) -> None:
    """Up to half the village's households at one point (a vertex, or a household's)."""
    n = int(rng.integers(len(lonlat) // 4, len(lonlat) // 2 + 1)) if len(lonlat) > 3 else 0
    if n < 2:
        return
    if rng.random() < 0.5:
        xy = shapely.get_coordinates(np.array(geoms))
        spot = xy[rng.integers(len(xy))]
    else:
        spot = lonlat[rng.integers(len(lonlat))].copy()
    lonlat[rng.choice(len(lonlat), n, replace=False)] = spot


def _tiny_cluster(lonlat, rng) -> None:
    """A cluster of households on a lattice 1e-7 degrees apart (~1 cm)."""
    n = min(25, len(lonlat))
    if n < 2:
        return
    pick = rng.choice(len(lonlat), n, replace=False)
    base = lonlat[pick[0]].copy()
    i = np.arange(n)
    lonlat[pick] = base + np.c_[i % 5, i // 5] * DEG


# ---- drivers ------------------------------------------------------------------------------
def perturb_village(ids, geoms_deg, lonlat, *, kinds, rng, crs=None):
    """One village: ``ids`` and WGS84 ``geoms_deg`` of its groups, ``lonlat`` of its
    households (modified in place). Returns (ids, geoms) after the ``kinds``."""
    ids, geoms = list(ids), list(geoms_deg)
    if any(k in kinds for k in METRIC_KINDS):
        crs = crs or str(rng.choice(METRIC_CRS))
        to_m = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(crs)
        pts = gpd.GeoSeries(gpd.points_from_xy(*lonlat.T), crs="EPSG:4326").to_crs(crs)
        hxy = shapely.get_coordinates(pts.to_numpy())
        metric = list(to_m.to_numpy())
        for kind, fn in (
            ("metric_export", _metric_export),
            ("holes_islands", _holes_islands),
            ("thin_groups", _thin_groups),
        ):
            if kind in kinds:
                ids, metric = fn(ids, metric, hxy, rng)
        keep = [i for i, g in enumerate(metric) if not g.is_empty]
        ids, metric = [ids[i] for i in keep], [metric[i] for i in keep]
        geoms = [_valid(g) for g in gpd.GeoSeries(metric, crs=crs).to_crs("EPSG:4326")]
        back = gpd.GeoSeries(gpd.points_from_xy(*hxy.T), crs=crs).to_crs("EPSG:4326")
        lonlat[:] = shapely.get_coordinates(back.to_numpy())
        if rng.random() < 0.5:  # written with 7 decimals, as most files are
            geoms = [_snap(g, DEG) for g in geoms]
            lonlat[:] = np.round(lonlat, 7)
    if "snapped" in kinds:  # inside the village's outline: its neighbours stay untouched
        outline = shapely.union_all(geoms, grid_size=DEG / 10)
        geoms = [_polygonal(shapely.intersection(_snap(g, SNAP_DEG), outline)) for g in geoms]
    if "near_vertices" in kinds:
        geoms = [_near_vertices(g, rng) if rng.random() < 0.6 else g for g in geoms]
    if "tiny_coords" in kinds:
        geoms = [_tiny_zigzag(g, rng) if rng.random() < 0.3 else g for g in geoms]
        _tiny_cluster(lonlat, rng)
    if "on_vertices" in kinds:
        _on_vertices(lonlat, geoms, rng)
    if "one_point" in kinds:
        _one_point(lonlat, geoms, rng)
    keep = [i for i, g in enumerate(geoms) if not g.is_empty and g.is_valid]
    return [ids[i] for i in keep], [geoms[i] for i in keep]


def perturb_county(households, groups, *, share=1 / 6, seed=0, kinds=KINDS):
    """(households, groups, perturbed village ids): a ``share`` of the villages rewritten,
    each by two to four of ``kinds``. Inputs as ``generate.make_county`` returns them
    (EPSG:4326, groups with ``id`` and ``village_id``, households with ``id``)."""
    rng = np.random.default_rng(seed)
    villages = sorted(groups["village_id"].unique())
    chosen = sorted(rng.choice(villages, max(1, round(share * len(villages))), replace=False))
    hh = households.copy()
    lonlat = shapely.get_coordinates(hh.geometry.to_numpy()).copy()
    placed = gpd.sjoin(hh[["geometry"]], groups[["village_id", "geometry"]], predicate="within")
    village_of = placed[~placed.index.duplicated()]["village_id"].reindex(hh.index)
    rows = [groups[~groups["village_id"].isin(chosen)]]
    for v in chosen:
        g = groups[groups["village_id"] == v]
        pick = rng.choice(kinds, int(rng.integers(2, 5)), replace=False)
        sel = np.flatnonzero((village_of == v).to_numpy())
        part = lonlat[sel]
        ids, geoms = perturb_village(g["id"], g.geometry, part, kinds=set(pick), rng=rng)
        lonlat[sel] = part
        extra = {c: g[c].iloc[0] for c in g.columns if c not in ("id", "code", "name", "geometry")}
        rows.append(
            gpd.GeoDataFrame(
                {"id": ids, "code": ids, "name": ids, **extra}, geometry=geoms, crs=groups.crs
            )
        )
    out_groups = pd.concat(rows, ignore_index=True)[groups.columns]
    hh = hh.set_geometry(gpd.points_from_xy(*lonlat.T), crs=households.crs)
    if "group_id" in hh.columns:  # the register's group no longer matches the point: drop
        hh.loc[village_of.isin(chosen).to_numpy(), "group_id"] = ""
    return hh, gpd.GeoDataFrame(out_groups, geometry="geometry", crs=groups.crs), chosen


def make_village(seed: int, *, kinds=KINDS, village="360721100201"):
    """(households, groups) of one small village (2-7 groups, 0-130 households each,
    about 1 km across, at 115.6 E 26 N) with ``kinds`` applied; deterministic per seed."""
    rng = np.random.default_rng(seed)
    x0, y0 = 560_000.0, 2_880_000.0  # UTM 50N, ~115.6 E 26.0 N
    theta = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    r = rng.uniform(300, 700) * (1 + 0.15 * np.sin(3 * theta + rng.uniform(0, 6)))
    outline = shapely.Polygon(np.c_[x0 + r * np.cos(theta), y0 + r * np.sin(theta)])
    k = int(rng.integers(2, 8))
    centres = np.c_[x0, y0] + rng.uniform(-250, 250, (k, 2))
    cells = _voronoi(centres, outline)
    pts = []
    for cell, c in zip(cells, centres):
        n = int(rng.choice([0, 5, 20, 38, 45, 55, 70, 130]))
        got = np.empty((0, 2))
        while len(got) < n:
            cand = c + rng.normal(0, 8 * np.sqrt(max(n, 1)), (2 * n, 2))
            got = np.vstack([got, cand[shapely.contains_xy(cell, *cand.T)]])
        pts.append(got[:n])
    xy = np.vstack(pts) if pts else np.empty((0, 2))
    ids = [f"{village}{i + 1:02d}" for i in range(k)]
    geoms = [_valid(g) for g in gpd.GeoSeries(cells, crs=UTM_50N).to_crs("EPSG:4326")]
    lonlat = shapely.get_coordinates(
        gpd.GeoSeries(gpd.points_from_xy(*xy.T), crs=UTM_50N).to_crs("EPSG:4326").to_numpy()
    ).copy()
    ids, geoms = perturb_village(ids, geoms, lonlat, kinds=set(kinds), rng=rng)
    groups = gpd.GeoDataFrame({"id": ids, "village_id": village}, geometry=geoms, crs="EPSG:4326")
    households = gpd.GeoDataFrame(
        {"id": [f"h{i}" for i in range(len(lonlat))]},
        geometry=gpd.points_from_xy(*lonlat.T),
        crs="EPSG:4326",
    )
    return households, groups


def _generator():
    spec = importlib.util.spec_from_file_location(
        "sample_data_generate", Path(__file__).with_name("generate.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_adversarial_county(n_households: int, *, seed: int = 1, share: float = 1 / 6):
    """``generate.make_county(n_households, seed=seed)`` with a ``share`` of its villages
    perturbed (seed ``seed``): (households, groups, perturbed village ids)."""
    hh, groups = _generator().make_county(n_households, seed=seed)
    return perturb_county(hh, groups, share=share, seed=seed)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--households", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--share", type=float, default=1 / 6)
    a = ap.parse_args(argv)
    hh, groups, chosen = make_adversarial_county(a.households, seed=a.seed, share=a.share)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    groups.to_file(out / "village_groups.gpkg")
    cols = [c for c in ("id", "group_id") if c in hh.columns]
    hh[[*cols, "geometry"]].to_file(out / "households.gpkg")
    print(f"{len(hh)} households, {len(groups)} groups, {len(chosen)} villages perturbed")


if __name__ == "__main__":
    main()
