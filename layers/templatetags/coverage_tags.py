"""The grid page's party group card (the coverage dashboard counts party groups)."""

from django import template

from households.access import scope_for
from layers.coverage.forms import party_members
from layers.coverage.models import PartyGroup

register = template.Library()


@register.inclusion_tag("layers/coverage/_party_group.html", takes_context=True)
def party_group_card(context, grid):
    user = context["request"].user
    current = (
        PartyGroup.objects.for_scope(scope_for(user))
        .filter(village_id=grid.village_id, grid_code=grid.code, ended_on__isnull=True)
        .select_related("leader")
        .first()
    )
    can = scope_for(user).can("appoint")
    return {
        "grid": grid,
        "current": current,
        "can_record": can,
        "candidates": party_members(grid) if can else [],
        "csrf_token": context.get("csrf_token"),
    }
