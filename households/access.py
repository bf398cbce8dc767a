"""Who may do what, where: the one place roles, areas and actions meet.

A user's scope is their role and the area it is bound to (``households.UserArea``). What
lies in an area is declared once per model (``households.scoping``): every page, API and
export starts from ``Model.objects.for_scope(scope)``. An object outside the user's area
answers 404 (the user learns nothing about it); an action the role lacks on an object
inside its area answers 403. The matrix below is the README's permission table.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from households.models import Role, UserArea
from households.scoping import (
    COUNTY,
    GRID,
    MEMBER,
    TOWNSHIP,
    VILLAGE,
    Area,
    UnknownScopeError,
    contains,
)

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
    # the coverage dashboard (figures, heat layers, their exports) of the user's area
    "coverage": frozenset({Role.ADMIN, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    "read_access_log": frozenset({Role.ADMIN, Role.COUNTY}),
    "sensitive_tags": frozenset({Role.ADMIN, Role.COUNTY, Role.TOWNSHIP}),
    "api_tokens": frozenset({Role.ADMIN, Role.COUNTY}),  # issue, list and revoke API tokens
    # incidents: every role sees and reports those of its area; the workflow table
    # (layers.incidents.workflow) says who takes which step at which tier
    "view_incidents": frozenset(
        {Role.ADMIN, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.GRID_LEADER, Role.GRID_MEMBER}
    ),
    "report_incidents": frozenset(
        {Role.ADMIN, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.GRID_LEADER, Role.GRID_MEMBER}
    ),
    # which roles and areas each may grant: households.accounts.rules.grantable_roles
    "manage_accounts": frozenset({Role.ADMIN, Role.TOWNSHIP}),
    # cameras and service points, in their own area (layers.overlays)
    "edit_overlays": frozenset({Role.ADMIN, Role.TOWNSHIP, Role.VILLAGE}),
    # vector layers of other departments, seen in the area their uploader chose
    "upload_layers": frozenset({Role.ADMIN, Role.COUNTY, Role.TOWNSHIP}),
}

# role -> the level of the area it is bound to: the only switch on roles for areas
LEVEL_OF_ROLE: dict[str, str] = {
    Role.ADMIN: COUNTY,
    Role.COUNTY: COUNTY,
    Role.TOWNSHIP: TOWNSHIP,
    Role.VILLAGE: VILLAGE,
    Role.GRID_LEADER: GRID,
    Role.GRID_MEMBER: MEMBER,
}
UNKNOWN_ROLE = "Role {role!r} is bound to no area level."


@dataclass(frozen=True)
class Scope(Area):
    """A user's role and the area it is bound to."""

    role: str = ""

    def can(self, action: str) -> bool:
        return self.role in MATRIX[action]

    @property
    def county(self) -> bool:
        return self.level == COUNTY

    @property
    def grid_bound(self) -> bool:
        return self.level in (GRID, MEMBER)

    def cache_key(self) -> str:
        """What an answer built for this scope depends on: role and area (two users with
        the same role and area may share cached answers; nobody else)."""
        parts = (self.role, self.level, self.township_id, self.village_id, self.grid_code)
        return ":".join(str(p) for p in (*parts, self.member_number))


NO_SCOPE = Scope()


_NO_AREA = object()


def user_area(user) -> UserArea | None:
    """The user's role and area (one query per request: scope_for and the password-change
    middleware share it)."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_gis_area", None)
    if cached is None:
        cached = (
            UserArea.objects.filter(user=user)
            .select_related("village__township", "township")
            .first()
        ) or _NO_AREA
        user._gis_area = cached
    return None if cached is _NO_AREA else cached


def scope_for(user) -> Scope:
    """The user's scope; users with no role see nothing (superusers administer everything)."""
    if not user.is_authenticated:
        return NO_SCOPE
    cached = getattr(user, "_gis_scope", None)
    if cached is not None:
        return cached
    area = user_area(user)
    if area is None:
        scope = Scope(COUNTY, role=Role.ADMIN) if user.is_superuser else NO_SCOPE
    else:
        if area.role not in LEVEL_OF_ROLE:
            raise UnknownScopeError(UNKNOWN_ROLE.format(role=area.role))
        township = area.township or (area.village.township if area.village else None)
        scope = Scope(
            LEVEL_OF_ROLE[area.role],
            township_id=township.pk if township else None,
            township_code=township.code if township else "",
            village_id=area.village_id,
            village_code=area.village.code if area.village else "",
            grid_code=area.grid_code,
            member_number=area.member_number,
            role=area.role,
        )
    user._gis_scope = scope
    return scope


def require(user, action: str) -> Scope:
    """403 unless the user's role may do `action` somewhere."""
    scope = scope_for(user)
    if not scope.can(action):
        raise PermissionDenied(action)
    return scope


def in_scope(user, obj) -> bool:
    """Whether `obj` (a township, village, grid, household, ...) lies in the user's area."""
    return contains(scope_for(user), obj)


def require_in_scope(user, action: str, obj) -> Scope:
    """404 if `obj` is outside the user's area (checked first), 403 if the role lacks the action."""
    if not in_scope(user, obj):
        raise Http404
    return require(user, action)


# the names the pages use for the objects they check
require_township = require_village = require_in_scope
