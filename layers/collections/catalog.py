"""The collections served at /ogc/ and /api/v1/ and exported: one declaration each.

Each ``rows`` selector starts from the model's ``for_scope`` and annotates the flat values
its serializer reads; the geometry is written later, in the CRS asked for
(``layers.collections.selectors``).
"""

import re

from django.contrib.gis.db.models import MultiPolygonField, Union
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, GridAssignment, MemberArea
from grids.selectors import member_code_sql
from households.functions import SubqueryCount
from households.models import Household, Township, Village, VillageGroup
from households.scoping import Area
from layers.overlays.models import Camera, ServicePoint

from . import serializers as s
from .base import Collection, located, register
from .geometry import member_area_cells


def _code(digits: int):
    def find(fid: str):
        return Q(code=fid) if re.fullmatch(rf"\d{{{digits}}}", fid) else None

    return find


def _townships(scope):
    outline = (
        Village.objects.filter(township=OuterRef("pk"), boundary__isnull=False)
        .order_by()
        .values("township")
        .annotate(outline=Union("boundary"))
        .values("outline")
    )
    return Township.objects.for_scope(scope).annotate(
        outline=Subquery(outline, output_field=MultiPolygonField(srid=4326))
    )


register(
    Collection(
        id="townships",
        title=_("Townships"),
        description=_("Townships (乡镇): the union of their villages' boundaries."),
        model=Township,
        rows=_townships,
        serializer=s.TownshipItem,
        geometry=F("outline"),
        polygons=True,
        find=_code(9),
        bbox=lambda box: Q(
            pk__in=Village.objects.filter(boundary__bboverlaps=box).values("township")
        ),
        extent="villages__boundary",
        order=("code",),
        filters=located(township="code"),
    )
)


register(
    Collection(
        id="villages",
        title=_("Villages"),
        description=_("Administrative villages (行政村) with their boundaries."),
        model=Village,
        rows=lambda scope: (
            Village.objects.for_scope(scope)
            .filter(boundary__isnull=False)
            .annotate(township_code=F("township__code"), township_name=F("township__name"))
        ),
        serializer=s.VillageItem,
        geometry="boundary",
        polygons=True,
        find=_code(12),
        bbox="boundary",
        extent="boundary",
        order=("code",),
        filters=located(township="township__code", village="code"),
    )
)


register(
    Collection(
        id="village-groups",
        title=_("Village groups"),
        description=_("Village groups (村民小组), the units grids are built on."),
        model=VillageGroup,
        rows=lambda scope: VillageGroup.objects.for_scope(scope).annotate(
            village_code=F("village__code"),
            village_name=F("village__name"),
            township_code=F("village__township__code"),
            township_name=F("village__township__name"),
            household_count=SubqueryCount(Household.objects.filter(group=OuterRef("pk"))),
        ),
        serializer=s.GroupItem,
        geometry="geom",
        polygons=True,
        find=lambda fid: Q(pk=int(fid)) if re.fullmatch(r"\d{1,18}", fid) else None,
        bbox="geom",
        extent="geom",
        order=("village__code", "code", "pk"),
        filters=located(township="village__township__code", village="village__code"),
    )
)


def _grids(scope, *, current: bool):
    qs = Grid.objects.for_scope(scope)
    if current:
        qs = qs.current()
    number = Cast("version__number", CharField())
    return qs.annotate(
        fid=F("code") if current else Concat("code", Value("-v"), number),
        village_code=F("village__code"),
        village_name=F("village__name"),
        township_code=F("village__township__code"),
        version_number=F("version__number"),
        valid_from=F("version__valid_from"),
        valid_to=F("version__valid_to"),
        member_area_count=SubqueryCount(MemberArea.objects.filter(grid=OuterRef("pk"))),
        leader_name=F("leader__name"),
    )


def _grid_version(fid: str):
    found = re.fullmatch(r"(\d{15})-v(\d{1,9})", fid)
    return Q(code=found[1], version__number=int(found[2])) if found else None


_GRID_FILTERS = located(township="village__township__code", village="village__code")
_VERSION_DATES = ("version__valid_from", "version__valid_to")

register(
    Collection(
        id="grids",
        title=_("Grids"),
        description=_("The current grids (网格), each with the date its version began."),
        model=Grid,
        rows=lambda scope: _grids(scope, current=True),
        serializer=s.GridItem,
        geometry="geom",
        polygons=True,
        find=_code(15),
        bbox="geom",
        extent="geom",
        order=("code",),
        filters=_GRID_FILTERS,
        temporal=_VERSION_DATES,
    )
)

register(
    Collection(
        id="grid-versions",
        title=_("Grids of every version"),
        description=_(
            "Grids of the current and every past dated version; datetime picks the grids "
            "valid at an instant or during an interval."
        ),
        model=Grid,
        rows=lambda scope: _grids(scope, current=False),
        serializer=s.GridItem,
        geometry="geom",
        polygons=True,
        find=_grid_version,
        bbox="geom",
        extent="geom",
        order=("code", "version__number"),
        filters=_GRID_FILTERS,
        temporal=_VERSION_DATES,
    )
)


def _member_area(fid: str):
    found = re.fullmatch(r"(\d{15})-(\d{1,5})", fid)
    return Q(grid__code=found[1], number=int(found[2])) if found else None


register(
    Collection(
        id="member-areas",
        title=_("Member areas"),
        description=_("Member areas (联户) of the current grids."),
        model=MemberArea,
        rows=lambda scope: (
            MemberArea.objects.for_scope(scope)
            .current()
            .annotate(
                fid=member_code_sql("grid__code", "number"),
                grid_code=F("grid__code"),
                village_code=F("grid__village__code"),
                township_code=F("grid__village__township__code"),
                member_name=F("member__name"),
                valid_from=F("grid__version__valid_from"),
            )
        ),
        serializer=s.MemberAreaItem,
        geometry=member_area_cells(),
        polygons=True,
        find=_member_area,
        bbox="grid__geom",
        extent="grid__geom",
        order=("grid__code", "number"),
        filters=located(
            township="grid__village__township__code",
            village="grid__village__code",
            grid="grid__code",
        ),
        temporal=("grid__version__valid_from", "grid__version__valid_to"),
    )
)


def _households(scope):
    current = GridAssignment.objects.filter(
        household=OuterRef("pk"), version__valid_to__isnull=True
    )
    return Household.objects.for_scope(scope).annotate(
        township_code=F("group__village__township__code"),
        village_code=F("group__village__code"),
        village_name=F("group__village__name"),
        group_code=F("group__code"),
        group_name=F("group__name"),
        grid_code=Subquery(current.values("grid__code")[:1]),
        member_number=Subquery(current.values("member_area__number")[:1]),
    )


def _households_of_township(code: str) -> Q:
    """The township's households as its staff see them: with those outside every group that
    lie in its villages' extent (``Household.scope_paths``)."""
    township = Township.objects.filter(code=code).first()
    if township is None:
        return Q(pk__in=[])
    return Q(pk__in=Household.objects.in_area(Area.of_township(township)).values("pk"))


register(
    Collection(
        id="households",
        title=_("Households"),
        description=_(
            "Households with their village group, current grid and member area. ID numbers "
            "and phones are masked except for the grid's own leader, whose views are logged."
        ),
        model=Household,
        rows=_households,
        serializer=s.HouseholdItem,
        sensitive_serializer=s.HouseholdSensitiveItem,
        personal=True,
        geometry="location",
        find=lambda fid: Q(external_id=fid) if 0 < len(fid) <= 64 else None,
        bbox="location",
        extent="location",
        order=("external_id",),
        filters=located(
            township=_households_of_township,
            village="group__village__code",
            grid="grid_code",  # the current grid (annotated above)
        ),
    )
)


def _overlay_points(model):
    def rows(scope):
        return model.objects.for_scope(scope).annotate(
            township_code=F("township__code"), village_code=F("village__code")
        )

    return rows


for _id, _model, _serializer, _title, _description in (
    (
        "cameras",
        Camera,
        s.CameraItem,
        _("Cameras"),
        _("Cameras (雪亮工程): direction (degrees from north), field of view, range in metres."),
    ),
    (
        "service-points",
        ServicePoint,
        s.ServicePointItem,
        _("Service points"),
        _(
            "Party-mass service centres, legal advisers, mediation rooms, police assistants, "
            "elderly care points."
        ),
    ),
):
    register(
        Collection(
            id=_id,
            title=_title,
            description=_description,
            model=_model,
            rows=_overlay_points(_model),
            serializer=_serializer,
            geometry="location",
            find=lambda fid: Q(external_ref=fid) if 0 < len(fid) <= 64 else None,
            bbox="location",
            extent="location",
            order=("external_ref",),
            filters=located(township="township__code", village="village__code"),
        )
    )
