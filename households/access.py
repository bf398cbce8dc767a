"""Who may do what, where: the one place roles, areas and actions meet.

Every page and API asks here. An object outside the user's area answers 404 (the
user learns nothing about it); an action the role lacks on an object inside its
area answers 403. The matrix below is the README's permission table.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from households.models import Household, Role, Township, UserArea, Village

# action -> roles allowed (within their area)
MATRIX: dict[str, frozenset[str]] = {
    "view_map": frozenset({Role.ADMIN, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    "view_grid": frozenset(
        {Role.ADMIN, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.GRID_LEADER, Role.GRID_MEMBER}
    ),
    "import": frozenset({Role.ADMIN, Role.TOWNSHIP}),
    "partition": frozenset({Role.ADMIN, Role.TOWNSHIP}),
    "edit_grids": frozenset({Role.ADMIN, Role.TOWNSHIP}),
    "appoint": frozenset({Role.ADMIN, Role.TOWNSHIP}),
    "edit_households": frozenset({Role.ADMIN, Role.TOWNSHIP, Role.VILLAGE}),
    "log_visits": frozenset({Role.GRID_LEADER, Role.GRID_MEMBER}),
    "export": frozenset({Role.ADMIN, Role.COUNTY}),
    "read_access_log": frozenset({Role.ADMIN, Role.COUNTY}),
    "sensitive_tags": frozenset({Role.ADMIN, Role.COUNTY, Role.TOWNSHIP}),
}


@dataclass(frozen=True)
class Scope:
    """A user's role and area. `county` scopes see every village."""

    role: str
    county: bool = False
    township_id: int | None = None
    village_id: int | None = None
    grid_code: str = ""
    member_number: int | None = None

    def can(self, action: str) -> bool:
        return self.role in MATRIX[action]

    @property
    def grid_bound(self) -> bool:
        return self.role in (Role.GRID_LEADER, Role.GRID_MEMBER)


NO_SCOPE = Scope(role="")


def scope_for(user) -> Scope:
    """The user's scope; users with no role see nothing (superusers administer everything)."""
    if not user.is_authenticated:
        return NO_SCOPE
    cached = getattr(user, "_gis_scope", None)
    if cached is not None:
        return cached
    area = UserArea.objects.filter(user=user).select_related("village").first()
    if area is None:
        scope = Scope(role=Role.ADMIN, county=True) if user.is_superuser else NO_SCOPE
    else:
        scope = Scope(
            role=area.role,
            county=area.role in (Role.ADMIN, Role.COUNTY),
            township_id=area.township_id or (area.village.township_id if area.village else None),
            village_id=area.village_id,
            grid_code=area.grid_code,
            member_number=area.member_number,
        )
    user._gis_scope = scope
    return scope


def villages_visible(user):
    scope = scope_for(user)
    qs = Village.objects.all()
    if scope.county:
        return qs
    if scope.role == Role.TOWNSHIP:
        return qs.filter(township_id=scope.township_id)
    if scope.village_id:
        return qs.filter(pk=scope.village_id)
    return qs.none()


def townships_visible(user):
    scope = scope_for(user)
    if scope.county:
        return Township.objects.all()
    return (
        Township.objects.filter(pk=scope.township_id)
        if scope.township_id
        else Township.objects.none()
    )


def households_visible(user):
    """Households of the user's villages. Grid-bound roles are narrowed further by grids.access."""
    return Household.objects.filter(group__village__in=villages_visible(user))


def require(user, action: str) -> Scope:
    """403 unless the user's role may do `action` somewhere."""
    scope = scope_for(user)
    if not scope.can(action):
        raise PermissionDenied(action)
    return scope


def _covers_township(scope: Scope, township_id: int) -> bool:
    return scope.county or scope.township_id == township_id


def require_township(user, action: str, township: Township) -> Scope:
    """404 if the township is outside the user's area, 403 if the role lacks the action."""
    if not _covers_township(scope_for(user), township.pk):
        raise Http404
    return require(user, action)


def require_village(user, action: str, village: Village) -> Scope:
    """404 unless the village is in the user's area (checked first), 403 without the action."""
    scope = scope_for(user)
    other_village = (
        scope.village_id and scope.village_id != village.pk and scope.role != Role.TOWNSHIP
    )
    if not _covers_township(scope, village.township_id) or other_village:
        raise Http404
    return require(user, action)


def village_filter(user) -> set[int] | None:
    """Village ids a map layer is limited to (None: all villages of the township)."""
    scope = scope_for(user)
    if scope.county or scope.role == Role.TOWNSHIP:
        return None
    return {scope.village_id} if scope.village_id else set()
