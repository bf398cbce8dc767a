"""What an import leaves to do on a township's map: households in no grid of their
village's current version (per village, with the villages to partition), and households
outside every village group (the map draws them red; the list zooms to each)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from grids.models import GridAssignment
from households.models import Household, Township
from households.scoping import Area

OUTSIDE_LISTED = 50  # households outside every group listed beside the map (all are drawn)


@dataclass(frozen=True)
class Unassigned:
    village_code: str
    village_name: str
    households: int


def households_without_grid(scope, township: Township) -> list[Unassigned]:
    """Per village of the township (as the user sees it), its households of a group that
    no grid of the current version holds: imported since the last partition, or a
    village never partitioned."""
    current = GridAssignment.objects.filter(
        household=OuterRef("pk"), version__valid_to__isnull=True
    )
    rows = (
        Household.objects.for_scope(scope)
        .in_area(Area.of_township(township))
        .filter(group__isnull=False)
        .exclude(Exists(current))
        .values("group__village__code", "group__village__name")
        .annotate(n=Count("pk"))
        .order_by("group__village__code")
    )
    return [Unassigned(r["group__village__code"], r["group__village__name"], r["n"]) for r in rows]


def households_outside_groups(scope, township: Township) -> tuple[int, list[dict]]:
    """How many households of the township's extent lie in no village group, and the first
    OUTSIDE_LISTED of them (number, head, point, the importer's note)."""
    qs = (
        Household.objects.for_scope(scope)
        .in_area(Area.of_township(township))
        .filter(group__isnull=True)
        .order_by("external_id")
    )
    listed = [
        {
            "id": h.external_id,
            "head": h.head,
            "lon": h.location.x,
            "lat": h.location.y,
            "note": h.location_note,
        }
        for h in qs.only("external_id", "head", "location", "location_note")[:OUTSIDE_LISTED]
    ]
    return (qs.count() if len(listed) == OUTSIDE_LISTED else len(listed)), listed
