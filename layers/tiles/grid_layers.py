"""The tile layers of the grid maps (imported by ``layers.apps``): townships, villages,
village groups, grids, member areas and households, each from its scoped queryset.

Zoom ranges, from the demo county's geography at latitude 26° (a tile is 1,250 m across at
zoom 15, 39 km at 10): townships (10-20 km across) from zoom 8, where a county fills the
screen, until 13; villages (1-3 km) from 10; grids (about 50 households, 200-500 m) from
10, as the township map shows them at a township's zoom; village groups and member areas
(about 10 households, 50-150 m) from 12 and 15. Households are counted per cell below
zoom 14 (a tile is 2.5 km across: a village) and drawn one by one from there.
"""

from django.contrib.gis.db.models import Collect, Union
from django.db.models import OuterRef, Q, Subquery

from grids.models import GridAssignment, MemberArea
from grids.selectors import grids_layer
from households.functions import BufferMetres, ConvexHull, SubqueryCount
from households.models import Household, Township, Village, VillageGroup

from .registry import POINT, TileLayer, register

HOUSEHOLD_POINTS_ZOOM = 14
# A member area's outline: its households' convex hull widened by 8 m, so that one or two
# households (a point, a line) still make an area, and dots (7 px at zoom 17, about 8 m)
# lie inside it.
MEMBER_HULL_M = 8.0


def _townships(scope):
    return Township.objects.for_scope(scope)


def _township_outline(bounds):
    """The union of the township's villages that reach the tile: enough to draw its
    outline there, and a few villages to union instead of all."""
    return Union("villages__boundary", filter=Q(villages__boundary__bboverlaps=bounds))


def _villages(scope):
    return Village.objects.for_scope(scope).filter(boundary__isnull=False)


def _groups(scope):
    return VillageGroup.objects.for_scope(scope).annotate(
        household_count=SubqueryCount(Household.objects.filter(group=OuterRef("pk")))
    )


def _member_areas(scope):
    return (
        MemberArea.objects.for_scope(scope)
        .current()
        .annotate(
            hull=BufferMetres(
                ConvexHull(Collect("assignments__household__location")), MEMBER_HULL_M
            )
        )
    )


def _households(scope):
    now = GridAssignment.objects.filter(household=OuterRef("pk"), version__valid_to__isnull=True)
    return Household.objects.for_scope(scope).annotate(
        grid_code=Subquery(now.values("grid__code")[:1]),
        area_number=Subquery(now.values("member_area__number")[:1]),
    )


register(
    TileLayer(
        name="townships",
        queryset=_townships,
        tile_fields={"code": "code", "name": "name"},
        geom=_township_outline,
        within="villages__boundary",
        min_zoom=8,
        max_zoom=13,
    )
)
register(
    TileLayer(
        name="villages",
        queryset=_villages,
        tile_fields={"code": "code", "name": "name"},
        geom="boundary",
        min_zoom=10,
    )
)
register(
    TileLayer(
        name="groups",
        queryset=_groups,
        tile_fields={
            "id": "pk",
            "code": "code",
            "name": "name",
            "village": "village__name",
            "households": "household_count",
        },
        min_zoom=12,
    )
)
register(
    TileLayer(
        name="grids",
        queryset=grids_layer,
        tile_fields={
            "code": "code",
            "village": "village_name",
            "households": "household_count",
            "members": "members",
            "band": "band",
            "locked": "locked",
            "version": "version_number",
        },
        min_zoom=10,
        action="view_grid",
    )
)
register(
    TileLayer(
        name="member_areas",
        queryset=_member_areas,
        tile_fields={"grid": "grid__code", "number": "number", "households": "household_count"},
        geom="hull",
        within="grid__geom",
        min_zoom=15,
        action="view_grid",
    )
)
register(
    TileLayer(
        name="households",
        queryset=_households,
        tile_fields={
            "id": "external_id",
            "head": "head",
            "members": "members",
            "group": "group__name",
            "village": "group__village__name",
            "grid": "grid_code",
            "area": "area_number",
            "note": "location_note",
        },
        geom="location",
        kind=POINT,
        min_zoom=8,
        action="view_grid",
        cluster_below=HOUSEHOLD_POINTS_ZOOM,
    )
)
