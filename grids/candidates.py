"""Residents who may be appointed to a grid's posts, looked up as township staff type: the
grid's own residents first, then the rest of its village (never another village's), by the
county plan's order of preference. The appointments page asks for a few at a time instead
of listing every resident of the village in every post's menu."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from grids.models import Grid, GridAssignment
from households.models import Person

MAX_QUERY = 50
LIMIT = 20  # residents listed for one search
ERR_TOO_LONG = f"q: at most {MAX_QUERY} characters"
ERR_UNKNOWN = "{field}: {value!r} is no resident of {village}"


class CandidateError(ValueError):
    """A posted or searched value no resident of the grid's village answers to."""


def candidates_search(grid: Grid, q: str = "") -> QuerySet:
    """Up to LIMIT residents of the grid's village matching `q` (name, household number or
    head of household), the grid's own first, then the preferred (party members, group
    leaders...), then by name."""
    q = q.strip()
    if len(q) > MAX_QUERY:
        raise CandidateError(ERR_TOO_LONG)
    in_grid = GridAssignment.objects.filter(grid=grid, household=OuterRef("household"))
    qs = Person.objects.filter(household__group__village=grid.village)
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(household__external_id__icontains=q)
            | Q(household__head__icontains=q)
        )
    party = Case(
        When(party_member=Person.PartyMember.FULL, then=Value(0)),
        When(party_member=Person.PartyMember.PROBATIONARY, then=Value(1)),
        When(group_leader=True, then=Value(2)),
        default=Value(3),
    )
    return (
        qs.annotate(in_grid=Exists(in_grid, output_field=BooleanField()), rank=party)
        .select_related("household__group")
        .order_by("-in_grid", "rank", "name", "pk")[:LIMIT]
    )


def candidates_posted(grid: Grid, posted: dict[str, str]) -> dict[str, Person | None]:
    """The residents chosen in the appointments form: field -> person (None: the post is
    left empty). Raises CandidateError naming the field of a value that is no resident of
    the grid's village; nothing is appointed then."""
    wanted = {f: v.strip() for f, v in posted.items()}
    ids = [v for v in wanted.values() if v.isascii() and v.isdigit()]
    people = {
        str(p.pk): p
        for p in Person.objects.filter(pk__in=ids, household__group__village=grid.village)
    }
    chosen = {}
    for field, value in wanted.items():
        if value and value not in people:
            raise CandidateError(
                ERR_UNKNOWN.format(field=field, value=value[:20], village=grid.village.name)
            )
        chosen[field] = people.get(value)
    return chosen
