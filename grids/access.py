"""Grid-level rights on top of households.access: the scope itself is declared on the models
(a leader's area is their grid, a member's their member area)."""

from grids.models import Grid, GridAssignment
from households.access import Scope, in_scope, require_in_scope, scope_for
from households.models import Role


def require_grid(user, action: str, grid: Grid) -> Scope:
    """404 outside the user's area, 403 when the role lacks the action."""
    return require_in_scope(user, action, grid)


def assignments_visible(user, grid: Grid):
    """The grid's assignments the user may see: a member sees their own area only."""
    return GridAssignment.objects.for_scope(scope_for(user)).filter(grid=grid)


def can_unmask(user, grid: Grid) -> bool:
    """ID numbers (and phones) in clear: the grid's own leader only."""
    return scope_for(user).role == Role.GRID_LEADER and in_scope(user, grid)


def can_see_phones(user, grid: Grid) -> bool:
    """Phones in clear: the grid's leader, and its members, who see only their own member
    area's households and, of the grid's people, their leader and themselves (the minimum
    they need to call the households they look after)."""
    return scope_for(user).role in (Role.GRID_LEADER, Role.GRID_MEMBER) and in_scope(user, grid)


def can_see_sensitive(user, grid: Grid) -> bool:
    """低保/监测/disability/children tags: township and county staff, and the grid's leader."""
    return scope_for(user).can("sensitive_tags") or can_unmask(user, grid)
