"""The grid page's party group form (township staff)."""

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from households.access import require, scope_for
from households.models import Person


def party_grid(user, code: str) -> Grid:
    """The current grid of that code in the user's area (404), if the user may appoint
    (403)."""
    grid = (
        Grid.objects.for_scope(scope_for(user))
        .current()
        .select_related("village")
        .filter(code=code)
        .first()
    )
    if grid is None:
        raise Http404
    require(user, "appoint")
    return grid


class PartyGroupForm(forms.Form):
    leader = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("party group leader")
    )
    on = forms.DateField(label=_("date"))
    note = forms.CharField(max_length=200, required=False, label=_("note"))
    end = forms.BooleanField(required=False, label=_("the party group ends on this date"))

    def __init__(self, grid: Grid, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = party_members(grid)


def party_members(grid: Grid):
    """The party members living in the grid (those of its current assignments)."""
    return (
        Person.objects.filter(
            household__grid_assignments__grid=grid,
        )
        .exclude(party_member="")
        .order_by("name")
    )
