"""New households inside a locked grid join it.

A locked grid keeps its boundary and its households; the partitioner works around it
and reports a household that appeared inside it since ("inside a locked grid but not
assigned to it"). Its boundary already encloses the household, so the household joins
that grid, in the member area of its nearest neighbour there.
"""

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from grids.partitioning import LockedGrids
from grids.partitioning.params import PROBLEM_IN_LOCKED


def locked_join(assignments: pd.DataFrame, households, locked: LockedGrids | None) -> pd.DataFrame:
    """Assign households reported inside a locked grid to it; returns a new frame."""
    todo = np.flatnonzero((assignments["problem"] == PROBLEM_IN_LOCKED).to_numpy())
    if locked is None or not len(todo):
        return assignments
    out = assignments.copy()
    where = households.set_index("id").geometry
    pts = where.reindex(out["household_id"].iloc[todo]).to_numpy()
    grid_geoms = locked.grids.geometry.to_numpy()
    pi, gi = shapely.STRtree(grid_geoms).query(pts, predicate="intersects")
    first = {}
    for p, g in zip(pi, gi, strict=True):
        first.setdefault(int(p), int(g))
    members = locked.assignments.merge(
        pd.DataFrame(
            {
                "household_id": where.index,
                "x": shapely.get_x(where.to_numpy()),
                "y": shapely.get_y(where.to_numpy()),
            }
        ),
        on="household_id",
    )
    by_grid = {g: frame for g, frame in members.groupby("grid_id")}
    for p, g in first.items():
        grid_id = locked.grids["grid_id"].iloc[g]
        row = todo[p]
        member = ""
        frame = by_grid.get(grid_id)
        if frame is not None and len(frame):
            xy = frame[["x", "y"]].to_numpy()
            lat = np.radians(xy[:, 1].mean())
            scaled = xy * [np.cos(lat), 1.0]
            _d, k = cKDTree(scaled).query([pts[p].x * np.cos(lat), pts[p].y])
            member = frame["member_id"].iloc[int(k)]
        out.iloc[row, out.columns.get_loc("grid_id")] = grid_id
        out.iloc[row, out.columns.get_loc("member_id")] = member
        out.iloc[row, out.columns.get_loc("problem")] = ""
    return out
