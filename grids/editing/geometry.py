"""A village's household geometry for the editor: units, Voronoi cells, adjacency, polygons.

Built once per village (and cached while its households and groups do not change)
from the partitioner's own building blocks, so edited grids follow the same rules
as partitioned ones (README, "Partitioning"): households are placed in their group
(``inputs.place``), co-located households form one unit (``graph.make_units``),
units get Voronoi cells clipped to their group (``polygons.unit_cells``) and are
linked where their cells share a border (``graph.village_graph``). A grid's polygon is
the dissolve of its units' cells, so grids tile the groups with no gap or overlap
and their borders follow village and group lines; a grid is connected when its
units are connected in the graph.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely
import shapely.geometry
from django.db import connection

from grids.partitioning import inputs
from grids.partitioning import polygons as pg
from grids.partitioning.graph import components, make_units, village_graph
from households.models import Household, VillageGroup

CACHE_SIZE = 32  # villages kept in memory per process (a township has ~10-30)
COORD_DECIMALS = 7  # ~1 cm in degrees: GeoJSON sent to the browser


@dataclass(frozen=True)
class VillageGeometry:
    village_id: int
    signature: str  # village_signature() of the data it was built from
    hids: np.ndarray  # (n,) household ids placed in a group of the village
    pos: dict  # household id -> row
    lonlat: np.ndarray  # (n, 2) WGS84
    unit: np.ndarray  # (n,) household row -> unit
    uxy: np.ndarray  # (u, 2) metric
    w: np.ndarray  # (u,) households per unit
    ugroup: np.ndarray  # (u,) group index
    cells: np.ndarray  # (u,) Voronoi cell of each unit inside its group (metric)
    ea: np.ndarray
    eb: np.ndarray
    groups: tuple  # metric (Multi)Polygons
    group_labels: tuple[str, ...]
    snapped: np.ndarray  # (n,) bool: household outside its group by up to 5 m
    orig_xy: np.ndarray  # (n, 2) metric, before snapping
    hxy: np.ndarray  # (n, 2) metric, snapped
    to_wgs: pyproj.Transformer
    to_metric: pyproj.Transformer

    def rows(self, hids) -> np.ndarray:
        return np.array([self.pos[int(h)] for h in hids], dtype=np.int64)

    def unit_members(self) -> list[np.ndarray]:
        order = np.argsort(self.unit, kind="stable")
        cuts = np.searchsorted(self.unit[order], np.arange(len(self.w) + 1))
        return [order[cuts[u] : cuts[u + 1]] for u in range(len(self.w))]

    def connected(self, mask: np.ndarray) -> bool:
        """Are the units of ``mask`` one connected piece of the household graph?"""
        nodes = np.flatnonzero(mask)
        if len(nodes) <= 1:
            return True
        loc = np.cumsum(mask) - 1
        m = mask[self.ea] & mask[self.eb]
        n, _ = components(len(nodes), loc[self.ea[m]], loc[self.eb[m]])
        return n == 1

    def touching(self, mask_a: np.ndarray, mask_b: np.ndarray) -> bool:
        return bool(
            np.any((mask_a[self.ea] & mask_b[self.eb]) | (mask_b[self.ea] & mask_a[self.eb]))
        )

    def metric(self, geom):
        return shapely.transform(geom, lambda xy: np.c_[self.to_metric.transform(*xy.T)])

    def wgs(self, geom):
        return shapely.transform(geom, lambda xy: np.c_[self.to_wgs.transform(*xy.T)])


_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def village_signature(village_id: int) -> str:
    """A digest of what the editor's geometry is built from: every household of the village
    (id, point, group) and every group polygon. A draft keeps the digest it started from;
    any import or deletion since changes it."""
    h, g = Household._meta.db_table, VillageGroup._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT md5(
                COALESCE((SELECT string_agg(h.id || ':' || h.group_id || ':'
                                  || encode(ST_AsBinary(h.location), 'hex'), ',' ORDER BY h.id)
                          FROM {h} h JOIN {g} g ON g.id = h.group_id
                          WHERE g.village_id = %s), '')
                || '|' ||
                COALESCE((SELECT string_agg(g2.id || ':' || md5(ST_AsBinary(g2.geom)), ','
                                            ORDER BY g2.id)
                          FROM {g} g2 WHERE g2.village_id = %s), ''))""",
            [village_id, village_id],
        )
        return cur.fetchone()[0]


def village_geometry(village) -> VillageGeometry:
    """The village's geometry, from the cache unless households or groups changed."""
    signature = village_signature(village.pk)
    key = (village.pk, signature)
    with _lock:
        geo = _cache.get(key)
        if geo is not None:
            _cache.move_to_end(key)
            return geo
    geo = _build(village, signature)
    with _lock:
        _cache[key] = geo
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return geo


def _utm(bounds) -> int:
    """EPSG code of the WGS84 UTM zone at the centre of ``bounds`` (what the partitioner's
    ``estimate_utm_crs`` picks for a village, without its 0.2 s database query)."""
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    zone = int((lon + 180) // 6) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def _build(village, signature: str) -> VillageGeometry:
    h, g = Household._meta.db_table, VillageGroup._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT h.id, ST_X(h.location), ST_Y(h.location), h.group_id
            FROM {h} h JOIN {g} g ON g.id = h.group_id WHERE g.village_id = %s
            ORDER BY h.id""",
            [village.pk],
        )
        rows = cur.fetchall()
    groups = list(VillageGroup.objects.filter(village=village).order_by("pk"))
    gframe = gpd.GeoDataFrame(
        {"id": [str(x.pk) for x in groups]},
        geometry=[shapely.from_wkb(bytes(x.geom.wkb)) for x in groups],
        crs=4326,
    )
    metric = _utm(gframe.total_bounds)
    to_metric = pyproj.Transformer.from_crs(4326, metric, always_xy=True)
    to_wgs = pyproj.Transformer.from_crs(metric, 4326, always_xy=True)
    gm = gframe.to_crs(metric)
    rank = inputs.id_key(gm["id"])
    geoms = inputs.disjoint_groups(gm.geometry.to_numpy(), rank)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lonlat = np.array([(r[1], r[2]) for r in rows], dtype=float).reshape(-1, 2)
    mx, my = to_metric.transform(lonlat[:, 0], lonlat[:, 1])
    orig = np.c_[mx, my]
    gpos = {x.pk: i for i, x in enumerate(groups)}
    hint = np.array([gpos.get(r[3], -1) for r in rows], dtype=np.int64)
    gidx, snapped, xy = inputs.place(points=shapely.points(orig), geoms=geoms, rank=rank, hint=hint)
    inputs.same_point_first(orig, np.ones(len(ids), bool), gidx)
    keep = gidx >= 0  # beyond 5 m of every group: not in any grid (as in the partitioner)
    ids, lonlat, orig, xy, gidx, snapped = (a[keep] for a in (ids, lonlat, orig, xy, gidx, snapped))
    uxy, inv, w = make_units(xy)
    ugroup = np.zeros(len(w), dtype=np.int64)
    ugroup[inv[::-1]] = gidx[::-1]
    cells = pg.unit_cells(uxy=uxy, ugroup=ugroup, groups=list(geoms))
    ea, eb, _ = village_graph(uxy=uxy, ugroup=ugroup, cells=cells)
    return VillageGeometry(
        village_id=village.pk,
        signature=signature,
        hids=ids,
        pos={int(x): i for i, x in enumerate(ids)},
        lonlat=lonlat,
        unit=inv,
        uxy=uxy,
        w=w,
        ugroup=ugroup,
        cells=cells,
        ea=ea,
        eb=eb,
        groups=tuple(geoms),
        group_labels=tuple(x.code or x.name for x in groups),
        snapped=snapped,
        orig_xy=orig,
        hxy=xy,
        to_wgs=to_wgs,
        to_metric=to_metric,
    )


def grid_polygons(geo: VillageGeometry, ulabel: np.ndarray, n: int) -> tuple[list, list]:
    """Metric polygon of each label 0..n-1 and the groups it covers (indices).

    The partitioner's steps: smooth the borders inside shared groups, dissolve the
    cells, give detached household-less slivers to a neighbour, attach household-less
    groups, connect snapped households.
    """
    polys = pg.dissolve(cells=geo.cells, ulabel=ulabel, ugroup=geo.ugroup, n=n, uxy=geo.uxy)
    multipart = np.array([shapely.get_num_geometries(g) > 1 for g in geo.groups], dtype=bool)
    grid_multi = np.zeros(n, dtype=bool)
    np.logical_or.at(grid_multi, ulabel, multipart[geo.ugroup])
    pg.fix_fragments(
        polys=polys, uxy=geo.uxy, ulabel=ulabel.copy(), w=geo.w, multipart_ok=list(grid_multi)
    )
    present = set(geo.ugroup.tolist())
    empty = [(g, x) for g, x in enumerate(geo.groups) if g not in present and not x.is_empty]
    attached = pg.attach_empty(polys=polys, empty_groups=empty)
    if geo.snapped.any():
        rows = np.flatnonzero(geo.snapped)
        pg.add_connectors(
            polys=polys,
            ulabel_of_snap=ulabel[geo.unit[rows]],
            orig=geo.orig_xy[rows],
            snapped=geo.hxy[rows],
        )
    covered = [set() for _ in range(n)]
    for k, g in zip(ulabel.tolist(), geo.ugroup.tolist()):
        covered[k].add(g)
    for k, gs in attached.items():
        covered[k].update(gs)
    return polys, [sorted(c) for c in covered]


def to_geojson(geo: VillageGeometry, geom) -> dict:
    wgs = shapely.set_precision(geo.wgs(geom), 10**-COORD_DECIMALS)
    if wgs.geom_type == "Polygon":
        wgs = shapely.MultiPolygon([wgs])
    return shapely.geometry.mapping(wgs)
