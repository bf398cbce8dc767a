"""One member-code format: ``{grid code}-{number}``, the number zero-padded to two digits
(more digits kept). :func:`grids.partitioning.member_code` is the rule; its SQL form
(``grids.selectors.member_code_sql``, the OGC member-areas collection's feature ids) and
the model's ``code`` must agree with it."""

import pytest
from django.db.models import CharField, IntegerField, Value

from grids.models import MemberArea
from grids.partitioning import member_code, member_grid, member_number
from grids.selectors import member_code_sql
from households.models import Village
from tests.grids.test_editor_helpers import village_fixture  # noqa: F401 - fixture

GRID = "360721100202001"
TABLE = [(1, GRID + "-01"), (9, GRID + "-09"), (10, GRID + "-10"), (123, GRID + "-123")]


@pytest.mark.parametrize("number, code", TABLE, ids=[str(n) for n, _ in TABLE])
def test_the_python_rule_and_its_inverses(number, code):
    assert member_code(GRID, number) == code
    assert (member_grid(code), member_number(code)) == (GRID, number)


@pytest.mark.django_db
@pytest.mark.parametrize("number, code", TABLE, ids=[str(n) for n, _ in TABLE])
def test_the_sql_rule_is_the_python_rule(number, code, village):
    row = (
        Village.objects.filter(pk=village.pk)
        .annotate(g=Value(GRID, output_field=CharField()))
        .annotate(n=Value(number, output_field=IntegerField()))
        .annotate(member=member_code_sql("g", "n"))
        .get()
    )
    assert row.member == code == member_code(GRID, number)


@pytest.mark.django_db
def test_member_areas_in_the_database_follow_the_rule(village):
    areas = MemberArea.objects.filter(grid__village=village).select_related("grid")
    rows = areas.annotate(sql=member_code_sql("grid__code", "number"))
    assert rows
    for a in rows:
        assert a.sql == a.code == member_code(a.grid.code, a.number)
