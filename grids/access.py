"""Grid-level scoping on top of households.access: leaders and members see their own grid."""

from django.http import Http404

from grids.models import Grid, GridAssignment
from households.access import Scope, require, scope_for
from households.models import Role


def grid_in_scope(scope: Scope, grid: Grid) -> bool:
    if scope.county:
        return True
    if scope.role == Role.TOWNSHIP:
        return grid.village.township_id == scope.township_id
    if scope.role == Role.VILLAGE:
        return grid.village_id == scope.village_id
    if scope.grid_bound:
        return grid.code == scope.grid_code and grid.village_id == scope.village_id
    return False


def require_grid(user, action: str, grid: Grid) -> Scope:
    """404 outside the user's area, 403 when the role lacks the action."""
    scope = scope_for(user)
    if not grid_in_scope(scope, grid):
        raise Http404
    require(user, action)
    return scope


def assignments_visible(user, grid: Grid):
    """The grid's current assignments the user may see: a member sees their own area only."""
    scope = scope_for(user)
    qs = GridAssignment.objects.filter(grid=grid)
    if scope.role == Role.GRID_MEMBER:
        qs = qs.filter(member_area__number=scope.member_number)
    return qs


def can_unmask(user, grid: Grid) -> bool:
    """ID numbers and phones in clear: the grid's own leader only."""
    scope = scope_for(user)
    return scope.role == Role.GRID_LEADER and grid_in_scope(scope, grid)


def can_see_sensitive(user, grid: Grid) -> bool:
    """低保/监测/disability/children tags: township and county staff, and the grid's leader."""
    scope = scope_for(user)
    return scope.can("sensitive_tags") or can_unmask(user, grid)
