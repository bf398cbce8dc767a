"""Where a report goes: the point -> the grid valid at that moment -> its member area (the
area of the nearest household of that grid version) -> the member's and the leader's
accounts. A point outside every grid goes to its township's queue.

Reads only; ``services.incident_report`` writes what this finds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Q

from grids.models import Grid, GridAssignment
from households.models import Role, Township, UserArea, Village

from . import workflow as wf


class NoTownship(ValueError):
    """The county has no village to attribute the point to (nothing imported yet)."""


@dataclass(frozen=True)
class Route:
    township: Township
    village: Village | None
    grid: Grid | None
    member_number: int | None
    member_user: int | None  # user ids of the accounts bound to the posts
    leader_user: int | None

    @property
    def grid_code(self) -> str:
        return self.grid.code if self.grid else ""

    @property
    def floor(self) -> str:
        """The lowest tier that can take it: outside every grid, the township's queue."""
        return wf.VILLAGE if self.grid else wf.TOWNSHIP


def grid_at(point: Point, at: dt.datetime) -> Grid | None:
    """The grid of the version valid at ``at`` that holds the point; on a border shared by
    two grids the one with the lowest code (as households on a group border are placed)."""
    return (
        Grid.objects.filter(geom__intersects=point, version__valid_from__lte=at)
        .filter(Q(version__valid_to__isnull=True) | Q(version__valid_to__gt=at))
        .select_related("village__township")
        .order_by("code")
        .first()
    )


def member_area_at(grid: Grid, point: Point) -> int | None:
    """The member area of the grid version's household nearest to the point."""
    nearest = (
        GridAssignment.objects.filter(grid=grid, member_area__isnull=False)
        .annotate(d=Distance("household__location", point))
        .order_by("d", "household_id")
        .values_list("member_area__number", flat=True)
        .first()
    )
    return nearest


def place_of(point: Point) -> tuple[Township, Village | None]:
    """The township (and village) of a point outside every grid: the village whose boundary
    holds it, else the township of the nearest village."""
    village = (
        Village.objects.filter(boundary__intersects=point)
        .select_related("township")
        .order_by("code")
        .first()
    )
    if village is not None:
        return village.township, village
    nearest = (
        Village.objects.filter(boundary__isnull=False)
        .annotate(d=Distance("boundary", point))
        .select_related("township")
        .order_by("d", "code")
        .first()
    )
    if nearest is None:
        raise NoTownship(point.coords)
    return nearest.township, None


def route(point: Point, at: dt.datetime) -> Route:
    grid = grid_at(point, at)
    if grid is None:
        township, village = place_of(point)
        return Route(township, village, None, None, None, None)
    number = member_area_at(grid, point)
    posts = UserArea.objects.filter(village=grid.village_id, grid_code=grid.code)
    leader = posts.filter(role=Role.GRID_LEADER).values_list("user_id", flat=True).first()
    member = None
    if number is not None:
        member = (
            posts.filter(role=Role.GRID_MEMBER, member_number=number)
            .values_list("user_id", flat=True)
            .first()
        )
    return Route(grid.village.township, grid.village, grid, number, member, leader)


def desk_users(tier: str, *, township_id: int, village_id: int | None, grid_code: str = ""):
    """Ids of the accounts that act for ``tier`` where the incident lies (notifications)."""
    if tier == wf.VILLAGE:
        q = Q(role=Role.VILLAGE, village_id=village_id)
        if grid_code:
            q |= Q(role=Role.GRID_LEADER, village_id=village_id, grid_code=grid_code)
    elif tier == wf.TOWNSHIP:
        q = Q(role=Role.TOWNSHIP, township_id=township_id)
    else:
        q = Q(role__in=[Role.COUNTY, Role.ADMIN])
    return list(UserArea.objects.filter(q).values_list("user_id", flat=True).order_by("user_id"))
