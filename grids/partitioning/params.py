"""Parameters, results and errors of the grid partitioner.

Everything the caller passes in or gets back is a frozen dataclass; every error
is a :class:`PartitionError` whose message is one of the module-level constants
below (formatted with the offending column or parameter), so tests and the
Django service can match on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

# Error messages (tests import these; ``{}`` fields name the column/parameter).
ERR_EMPTY_HOUSEHOLDS = "households: empty input (no rows)"
ERR_EMPTY_GROUPS = "groups: no polygons (empty input)"
ERR_MISSING_COLUMN = "{table}: missing column {column!r}"
ERR_NOT_GEODATAFRAME = "{table}: expected a GeoDataFrame with a geometry column"
ERR_NO_CRS = "{table}: geometry has no CRS"
ERR_NOT_POINT = "households: geometry must be Point (row {row}: {geom_type})"
ERR_NOT_POLYGON = "groups: geometry must be Polygon or MultiPolygon (group {gid!r}: {geom_type})"
ERR_DUPLICATE_ID = "{table}: duplicate id {value!r} in column 'id'"
ERR_PARAM = "parameter {name}: {reason}"
ERR_PREVIOUS = "previous: missing column {column!r}"
ERR_LOCKED = "locked: {reason}"
ERR_FILE = "cannot read {path}: {reason}"

# Problems reported per household in ``assignments.problem``.
PROBLEM_INVALID_POINT = "invalid point (empty or NaN coordinates)"
PROBLEM_OUTSIDE = "outside every group (beyond 5 m)"
PROBLEM_NO_VILLAGE = "group has no village"
PROBLEM_IN_LOCKED = "inside a locked grid but not assigned to it"
PROBLEM_VILLAGE_FAILED = "its village could not be partitioned (see the summary's failures)"

# Why a village could not be partitioned (``VillageFailure.reason``); the other villages'
# grids are kept. The exception's own text goes to ``VillageFailure.detail``.
FAIL_GEOMETRY = "its group polygons could not be turned into grid polygons"
FAIL_INTERNAL = "the partitioner stopped on an internal error"


class PartitionError(ValueError):
    """Bad input or parameters; the message names the column or parameter."""


def _band(name: str, value: Any) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in value)
    except (TypeError, ValueError):
        raise PartitionError(
            ERR_PARAM.format(name=name, reason="expected two integers (lo, hi)")
        ) from None
    if not 1 <= lo <= hi:
        raise PartitionError(ERR_PARAM.format(name=name, reason=f"need 1 <= lo <= hi, got {value}"))
    return lo, hi


@dataclass(frozen=True)
class PartitionParams:
    """Grid and member-area sizes (households); defaults follow the county plan."""

    target: int = 50
    band: tuple[int, int] = (40, 60)
    member_target: int = 10
    member_band: tuple[int, int] = (8, 12)

    def __post_init__(self) -> None:
        band = _band("band", self.band)
        member_band = _band("member_band", self.member_band)
        for name, target, (lo, hi) in (
            ("target", self.target, band),
            ("member_target", self.member_target, member_band),
        ):
            if isinstance(target, bool) or not isinstance(target, int) or not lo <= target <= hi:
                raise PartitionError(
                    ERR_PARAM.format(name=name, reason=f"must be an integer within {lo}..{hi}")
                )
        object.__setattr__(self, "band", band)
        object.__setattr__(self, "member_band", member_band)


@dataclass(frozen=True)
class LockedGrids:
    """Grids staff locked: kept exactly, the rest is partitioned around them.

    ``assignments``: DataFrame household_id, grid_id, member_id.
    ``grids``: GeoDataFrame grid_id, village_id, geometry (any CRS).
    """

    assignments: pd.DataFrame
    grids: gpd.GeoDataFrame


@dataclass(frozen=True)
class VillageFailure:
    """A village the partitioner could not partition: ``reason`` is one of the ``FAIL_*``
    constants (readable), ``detail`` the exception's type and text (for the log)."""

    village_id: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class PartitionResult:
    """Output of :func:`grids.partitioning.partition`.

    ``assignments``: one row per input household (household_id, grid_id, member_id,
    problem; "" when empty). ``grids``: GeoDataFrame in EPSG:4326 (grid_id,
    village_id, group_ids, households, members, geometry). ``summary``: counts,
    sizes, band shares, groups kept whole, flagged and failed villages and seconds.
    ``failures``: the villages that could not be partitioned (their households have no
    grid and the problem ``PROBLEM_VILLAGE_FAILED``); every other village's grids are
    complete.
    """

    assignments: pd.DataFrame
    grids: gpd.GeoDataFrame
    summary: Mapping[str, Any] = field(default_factory=dict)
    failures: tuple[VillageFailure, ...] = ()
