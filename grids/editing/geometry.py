"""A village's household geometry for the editor: the partitioner's layout of the village.

Built once per village (and cached while its households and groups do not change) by the
partitioner's public :func:`~grids.partitioning.village_layout`, so edited grids follow
the same rules as partitioned ones (README, "Partitioning"): households are placed in
their group, co-located households form one unit, units get Voronoi cells clipped to
their group and are linked where their cells share a border. A grid's polygon is built
from its units' cells by :meth:`~grids.partitioning.VillageLayout.polygons`, so grids
tile the groups with no gap or overlap and their borders follow village and group lines;
a grid is connected when its units are connected in the graph.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import shapely
import shapely.geometry
from django.db import connection

from grids.partitioning import VillageLayout, village_layout
from households.models import Household, VillageGroup

CACHE_SIZE = 32  # villages kept in memory per process (a township has ~10-30)
COORD_DECIMALS = 7  # ~1 cm in degrees: GeoJSON sent to the browser


@dataclass(frozen=True)
class VillageGeometry:
    """The households of a village placed in one of its groups (those beyond 5 m of every
    group are in no grid, as in the partitioner), their ids, and the layout's units."""

    village_id: int
    signature: str  # village_signature() of the data it was built from
    hids: np.ndarray  # (n,) household ids placed in a group of the village
    pos: dict  # household id -> row
    lonlat: np.ndarray  # (n, 2) WGS84
    group_labels: tuple[str, ...]
    layout: VillageLayout  # per-household arrays restricted to the rows of ``hids``

    # the layout's arrays under the names the editor uses
    unit = property(lambda self: self.layout.unit)  # (n,) household row -> unit
    hxy = property(lambda self: self.layout.xy)  # (n, 2) metric, snapped into the group
    uxy = property(lambda self: self.layout.uxy)  # (u, 2) metric
    w = property(lambda self: self.layout.w)  # (u,) households per unit
    ugroup = property(lambda self: self.layout.ugroup)  # (u,) group index
    cells = property(lambda self: self.layout.cells)  # (u,) Voronoi cell in its group
    ea = property(lambda self: self.layout.ea)
    eb = property(lambda self: self.layout.eb)
    groups = property(lambda self: self.layout.groups)  # metric (Multi)Polygons

    def rows(self, hids) -> np.ndarray:
        return np.array([self.pos[int(h)] for h in hids], dtype=np.int64)

    def connected(self, umask: np.ndarray) -> bool:
        """Are the units of ``umask`` one connected piece of the household graph?"""
        return self.layout.connected(umask)

    def touching(self, mask_a: np.ndarray, mask_b: np.ndarray) -> bool:
        return self.layout.touching(mask_a, mask_b)

    def metric(self, geom):
        return self.layout.to_metric(geom)

    def wgs(self, geom):
        return self.layout.to_lonlat([geom])[0]


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
    gpos = {x.pk: i for i, x in enumerate(groups)}
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lonlat = np.array([(r[1], r[2]) for r in rows], dtype=float).reshape(-1, 2)
    layout = village_layout(
        lonlat=lonlat,
        groups=[shapely.from_wkb(bytes(x.geom.wkb)) for x in groups],
        group_ids=[str(x.pk) for x in groups],
        hint=[gpos.get(r[3], -1) for r in rows],
    )
    keep = layout.unit >= 0  # beyond 5 m of every group: not in any grid (as in the partitioner)
    layout = replace(
        layout,
        **{k: getattr(layout, k)[keep] for k in ("group_of", "snapped", "xy", "orig_xy", "unit")},
    )
    ids = ids[keep]
    return VillageGeometry(
        village_id=village.pk,
        signature=signature,
        hids=ids,
        pos={int(x): i for i, x in enumerate(ids)},
        lonlat=lonlat[keep],
        group_labels=tuple(x.code or x.name for x in groups),
        layout=layout,
    )


def grid_polygons(geo: VillageGeometry, ulabel: np.ndarray, n: int) -> tuple[list, list]:
    """Metric polygon of each label 0..n-1 and the groups it covers (indices): the
    partitioner's own chain (:meth:`~grids.partitioning.VillageLayout.polygons`)."""
    result = geo.layout.polygons(ulabel, n)
    return result.polygons, result.groups


def to_geojson(geo: VillageGeometry, geom) -> dict:
    wgs = shapely.set_precision(geo.wgs(geom), 10**-COORD_DECIMALS)
    if wgs.geom_type == "Polygon":
        wgs = shapely.MultiPolygon([wgs])
    return shapely.geometry.mapping(wgs)
