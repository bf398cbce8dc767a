"""Automatic grid partitioner: ~50-household grids and ~10-household member areas.

A pure library (numpy, scipy, shapely, geopandas; never Django). Village
groups are the basic unit: groups in the band become one grid, smaller or
uncuttable ones merge with adjacent groups of the same village, larger blocks
are cut by count-exact recursive bisection on a household adjacency graph;
grid polygons are household Voronoi cells clipped to the groups. The steps are
listed in the README ("Partitioning") and in each module's docstring.

The public surface, for the command line, the Django services and the grid editor:

- :func:`partition` with :class:`PartitionParams`, :class:`LockedGrids`,
  :class:`PartitionResult` (and its :class:`VillageFailure` list), :class:`PartitionError`;
- one village as the partitioner sees it: :func:`village_layout` ->
  :class:`VillageLayout` (households placed in groups, units, Voronoi cells, graph;
  ``connected``, ``touching``, ``polygons``, ``split``, ``member_areas``, ``to_lonlat``),
  :func:`is_connected` and :func:`subgraph` on any edge list;
- polygons: :func:`grid_polygons` (:class:`GridPolygons`), :func:`union_polygons` (the
  robust union chain), :func:`polygonal`, :func:`to_lonlat`, :func:`utm_epsg` (the one
  metric-CRS rule);
- rules: :func:`band_state` (``BAND_UNDER`` / ``BAND_IN`` / ``BAND_OVER``),
  :func:`grid_codes`, :func:`next_codes`, :func:`member_code`, :func:`member_number`, :func:`member_grid`.
"""

from .api import VillageLayout, is_connected, subgraph, village_layout
from .codes import (
    BAND_IN,
    BAND_OVER,
    BAND_UNDER,
    MEMBER_DIGITS,
    band_state,
    grid_codes,
    member_code,
    member_grid,
    member_number,
    next_codes,
)
from .core import partition
from .params import (
    LockedGrids,
    PartitionError,
    PartitionParams,
    PartitionResult,
    VillageFailure,
)
from .polygons import GridPolygons, grid_polygons
from .project import to_lonlat, utm_epsg
from .union import polygonal, union_polygons

__all__ = [
    "BAND_IN",
    "BAND_OVER",
    "BAND_UNDER",
    "GridPolygons",
    "LockedGrids",
    "MEMBER_DIGITS",
    "PartitionError",
    "PartitionParams",
    "PartitionResult",
    "VillageFailure",
    "VillageLayout",
    "band_state",
    "grid_codes",
    "grid_polygons",
    "is_connected",
    "member_code",
    "member_grid",
    "member_number",
    "next_codes",
    "partition",
    "polygonal",
    "subgraph",
    "to_lonlat",
    "union_polygons",
    "utm_epsg",
    "village_layout",
]
