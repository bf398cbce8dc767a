"""What other code (the grid editor) uses of the partitioner: one village as it sees it.

:func:`village_layout` places a village's households in its groups exactly as
:func:`~grids.partitioning.partition` does (same metric CRS rule, groups noded and made
disjoint, households within 5 m snapped in, co-located households one unit), and gives
the units' Voronoi cells and adjacency graph. On it, :meth:`VillageLayout.connected`
answers "is this set of units one piece?", :meth:`VillageLayout.polygons` builds grid
polygons from unit labels through the same robust chain as the partitioner, and
:meth:`VillageLayout.split` cuts a set of units into ``k`` connected parts of a size band.

The rules shared with the pages: :func:`band_state` (under / in / over the band),
:func:`grid_codes` (the village code and a 3-digit sequence in reading order: rows from
north to south, west to east in a row, skipping codes already taken) and
:func:`member_code` / :func:`member_number` (``{grid code}-{2-digit number}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from . import inputs
from .graph import group_borders, is_connected, make_units, subgraph, village_graph
from .members import member_labels_all
from .params import PartitionParams
from .polygons import GridPolygons, grid_polygons, unit_cells
from .project import LONLAT, to_lonlat, transform, transformer, utm_epsg
from .split import split_graph


@dataclass(frozen=True)
class VillageLayout:
    """A village's households as the partitioner sees them (arrays in input order).

    Per household: ``group_of`` (group index, -1 outside every group beyond 5 m),
    ``snapped`` (moved into its group from up to 5 m outside), ``xy`` / ``orig_xy``
    (metric, after / before snapping), ``unit`` (-1 outside). Per unit (households at
    one point): ``uxy``, ``w`` (households), ``ugroup``, ``cells`` (Voronoi cell in its
    group), graph edges ``ea``-``eb`` with the border length ``elen`` they share.
    ``groups``: metric group polygons, noded, overlaps kept by the lowest id.
    """

    crs: str
    groups: tuple
    group_of: np.ndarray
    snapped: np.ndarray
    xy: np.ndarray
    orig_xy: np.ndarray
    unit: np.ndarray
    uxy: np.ndarray
    w: np.ndarray
    ugroup: np.ndarray
    cells: np.ndarray
    ea: np.ndarray
    eb: np.ndarray
    elen: np.ndarray

    def connected(self, umask: np.ndarray) -> bool:
        """Are the units of ``umask`` one piece of the household graph?"""
        return is_connected(umask, self.ea, self.eb)

    def touching(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Does a unit of mask ``a`` share a border with a unit of mask ``b``?"""
        return bool(np.any((a[self.ea] & b[self.eb]) | (b[self.ea] & a[self.eb])))

    def polygons(self, ulabel: np.ndarray, n: int) -> GridPolygons:
        """Grid polygons (metric) for unit labels 0..n-1: the partitioner's own, robust
        chain; ``.labels`` may move a detached fragment's households to a neighbour."""
        rows = np.flatnonzero(self.snapped & (self.unit >= 0))
        snapped = (self.unit[rows], self.orig_xy[rows], self.xy[rows]) if len(rows) else None
        return grid_polygons(
            cells=self.cells,
            ulabel=np.asarray(ulabel, dtype=np.int64),
            ugroup=self.ugroup,
            groups=list(self.groups),
            n=n,
            uxy=self.uxy,
            w=self.w,
            snapped=snapped,
        )

    def split(self, umask: np.ndarray, k: int, band: tuple[int, int]) -> np.ndarray:
        """Labels 0..k-1 for the units of ``umask`` (in unit order): count-exact
        bisection on the graph, each part connected where the graph allows, sizes in
        ``band`` where they can be."""
        sa, sb = subgraph(umask, self.ea, self.eb)
        units = np.flatnonzero(umask)
        return split_graph(
            xy=self.uxy[units], w=self.w[units], ea=sa, eb=sb, k=k, lo=band[0], hi=band[1]
        )

    def member_areas(
        self, ulabel: np.ndarray, n: int, params: PartitionParams, units=None
    ) -> np.ndarray:
        """Member-area index (0..) per unit within its label 0..n-1, in reading order (the
        partitioner's member areas); ``units``: only these units (``ulabel`` is theirs)."""
        sel = slice(None) if units is None else np.asarray(units)
        return member_labels_all(self.uxy[sel], self.w[sel], np.asarray(ulabel), n, params)

    def to_lonlat(self, geoms) -> np.ndarray:
        """Metric polygons in EPSG:4326, valid, none taking another's area."""
        return to_lonlat(geoms, self.crs)

    def to_metric(self, geom):
        """A geometry (or array) drawn in EPSG:4326, e.g. a line or ring from the map, in
        this layout's metric CRS (vertex by vertex)."""
        return transform(geom, transformer(LONLAT, self.crs))


def village_layout(
    *, lonlat: np.ndarray, groups: Sequence, group_ids: Sequence[str], hint=None
) -> VillageLayout:
    """The layout of one village from household longitude/latitude (n, 2), its groups'
    polygons in EPSG:4326 and their ids (the lowest id keeps an overlap or a household on
    a shared border; ``hint``: each household's group index from its register, preferred
    on a border)."""
    garr = np.empty(len(groups), dtype=object)
    garr[:] = list(groups)
    lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    crs = f"EPSG:{utm_epsg(shapely.total_bounds(garr))}"
    tr = transformer(LONLAT, crs)
    rank = inputs.id_key([str(g) for g in group_ids])
    geoms = inputs.disjoint_groups(np.asarray(transform(garr, tr), dtype=object), rank)
    orig = np.column_stack(tr.transform(lonlat[:, 0], lonlat[:, 1])) if len(lonlat) else lonlat
    hint = None if hint is None else np.asarray(hint, dtype=np.int64)
    gidx, snapped, xy = inputs.place(points=shapely.points(orig), geoms=geoms, rank=rank, hint=hint)
    inputs.same_point_first(orig, np.ones(len(orig), bool), gidx)
    inside = np.flatnonzero(gidx >= 0)
    uxy, inv, w = make_units(xy[inside])
    ugroup = np.zeros(len(w), dtype=np.int64)
    ugroup[inv[::-1]] = gidx[inside][::-1]
    cells = unit_cells(uxy=uxy, ugroup=ugroup, groups=list(geoms))
    borders = group_borders(list(geoms))
    ea, eb, elen = village_graph(uxy=uxy, ugroup=ugroup, cells=cells, borders=borders)
    unit = np.full(len(lonlat), -1, dtype=np.int64)
    unit[inside] = inv
    return VillageLayout(
        crs=crs,
        groups=tuple(geoms),
        group_of=gidx,
        snapped=snapped,
        xy=xy,
        orig_xy=orig,
        unit=unit,
        uxy=uxy,
        w=w,
        ugroup=ugroup,
        cells=cells,
        ea=ea,
        eb=eb,
        elen=elen,
    )
