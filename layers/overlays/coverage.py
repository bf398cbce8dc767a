"""Camera coverage, read from PostGIS: which households lie in some camera's view sector,
which households and grids lie outside every one, and the covered share per grid, village
and township.

A household is covered when its point lies in (or on the edge of) the sector of any camera,
whichever township the camera belongs to (a camera at a township's edge sees its
neighbour's road). Each test is an ``EXISTS`` over the sectors' GiST index.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from grids.models import Grid
from households.models import Household, Township, Village
from households.scoping import GRID, TOWNSHIP, VILLAGE

from .models import Camera

LEVELS = (TOWNSHIP, VILLAGE, GRID)
UNKNOWN_LEVEL = "coverage level must be one of {levels}, not {level!r}"


class UnknownCoverageLevel(ValueError):
    """A level of coverage shares nobody declared."""


def _seen(location: str = "location"):
    """EXISTS (a camera whose sector holds the point at OuterRef(location))."""
    return Exists(Camera.objects.filter(sector__intersects=OuterRef(location)))


def covered_ids() -> RawSQL:
    """The ids of the households in some camera's view, as one uncorrelated subquery driven
    from the cameras (a few hundred probes of the households' GiST index, computed once
    per query and hashed), for counting many areas at once; ``_seen`` tests one row."""
    household, camera = Household._meta.db_table, Camera._meta.db_table
    return RawSQL(
        f"SELECT h.id FROM {household} h JOIN {camera} c ON ST_Intersects(c.sector, h.location)",
        (),
    )


def households_covered(scope) -> QuerySet:
    """The scope's households annotated with ``covered`` (in some camera's view)."""
    return Household.objects.for_scope(scope).annotate(covered=_seen())


def households_uncovered(scope) -> QuerySet:
    """The scope's households outside every camera's view sector."""
    return Household.objects.for_scope(scope).exclude(pk__in=covered_ids())


def grids_uncovered(scope) -> QuerySet:
    """The scope's current grids that no camera's view sector reaches at all."""
    seen = Exists(Camera.objects.filter(sector__intersects=OuterRef("geom")))
    return Grid.objects.for_scope(scope).current().filter(~seen)


def _share(households: str, covered: str):
    return Case(
        When(**{f"{households}__gt": 0}, then=Cast(covered, FloatField()) / F(households)),
        default=Value(None),
        output_field=FloatField(),
    )


def coverage_shares(level: str, scope) -> QuerySet:
    """Townships, villages or current grids of the scope, each annotated with
    ``households``, ``covered`` (in some camera's view) and ``share`` (covered /
    households; None where there are no households). A township's and a village's
    households are those of its village groups; a grid's, those assigned to it.

    One grouped query: the households are counted through the joins, the covered ones
    by a FILTER on the ids of ``covered_ids`` (a hashed subplan, computed once)."""
    paths = {
        TOWNSHIP: (Township.objects.for_scope(scope), "villages__groups__households__id"),
        VILLAGE: (Village.objects.for_scope(scope), "groups__households__id"),
        GRID: (Grid.objects.for_scope(scope).current(), "assignments__household_id"),
    }
    if level not in paths:
        raise UnknownCoverageLevel(UNKNOWN_LEVEL.format(levels=", ".join(LEVELS), level=level))
    rows, household = paths[level]
    return rows.annotate(
        households=Count(household),
        covered=Count(household, filter=Q(**{f"{household}__in": covered_ids()})),
        share=_share("households", "covered"),
    )
