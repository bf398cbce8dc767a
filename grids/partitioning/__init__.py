"""Automatic grid partitioner: ~50-household grids and ~10-household member areas.

A pure library (numpy, scipy, shapely, geopandas; never Django). Village
groups are the basic unit: groups in the band become one grid, smaller or
uncuttable ones merge with adjacent groups of the same village, larger blocks
are cut by count-exact recursive bisection on a household adjacency graph;
grid polygons are household Voronoi cells clipped to the groups. The steps are
listed in the README ("Partitioning") and in each module's docstring.
"""

from .core import partition
from .params import LockedGrids, PartitionError, PartitionParams, PartitionResult

__all__ = ["LockedGrids", "PartitionError", "PartitionParams", "PartitionResult", "partition"]
