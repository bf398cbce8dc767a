"""Every column's limit comes from its model field: a value at the limit imports as it is,
one past it is refused naming the row and the field, for each text and number column."""

import pytest

from households.importing import ImportRejected, import_households, import_persons
from households.importing.limits import (
    ERR_MAX_VALUE,
    ERR_MIN_VALUE,
    ERR_TOO_LONG,
    Limits,
    field_limits,
)
from households.models import Household, Person

from .conftest import demo_household_rows, unchanged_db, write_rows

pytestmark = pytest.mark.django_db

TEXT = {"id": "external_id", "head": "head", "phone": "phone", "address": "address"}
NUMBERS = ("members", "civility_points")


def _long(column: str, length: int) -> str:
    return ("1" if column == "phone" else "户") * length


def test_the_limits_are_the_models():
    assert field_limits(Household, "members") == Limits(None, 1, 99)
    assert field_limits(Household, "civility_points") == Limits(None, -(2**31), 2**31 - 1)
    assert field_limits(Household, "head").max_length == 100


def test_values_at_every_limit_import_unchanged(demo_groups, tmp_path):
    rows = demo_household_rows(2)
    for column, field in TEXT.items():
        rows[0][column] = _long(column, field_limits(Household, field).max_length)
    for column in NUMBERS:
        limits = field_limits(Household, column)
        rows[0][column], rows[1][column] = str(limits.max_value), str(limits.min_value)
    report = import_households(write_rows(tmp_path / "h.csv", rows))
    assert (report.created, report.errors) == (2, [])
    top = Household.objects.get(external_id=rows[0]["id"])
    assert [getattr(top, f) for f in TEXT.values()] == [rows[0][c] for c in TEXT]
    assert (top.members, top.civility_points) == (99, 2**31 - 1)
    bottom = Household.objects.get(external_id=rows[1]["id"])
    assert (bottom.members, bottom.civility_points) == (1, -(2**31))


def _past_limits():
    for column, field in TEXT.items():
        yield column, "text", field
    for column in NUMBERS:
        yield column, "max", column
        yield column, "min", column


@pytest.mark.parametrize("column, bound, field", list(_past_limits()))
def test_one_past_each_limit_refused(five_households, tmp_path, column, bound, field):
    limits = field_limits(Household, field)
    rows = demo_household_rows(5)
    if bound == "text":
        value = _long(column, limits.max_length + 1)
        expected = ERR_TOO_LONG % {"length": limits.max_length + 1, "max": limits.max_length}
    elif bound == "max":
        value = str(limits.max_value + 1)
        expected = ERR_MAX_VALUE % {"max": limits.max_value, "value": value}
    else:
        value = str(limits.min_value - 1)
        expected = ERR_MIN_VALUE % {"min": limits.min_value, "value": value}
    rows[3][column] = value
    with unchanged_db(), pytest.raises(ImportRejected) as rejected:
        import_households(write_rows(tmp_path / "h.csv", rows))
    errors = [(p.row, p.field, p.message) for p in rejected.value.report.errors]
    assert errors == [(5, column, str(expected))]


@pytest.mark.parametrize("column", ["name", "phone"])
def test_residents_at_and_past_their_limits(five_households, tmp_path, column):
    limit = field_limits(Person, column).max_length
    rows = [
        {"name": f"居民{i}", "household_id": r["id"]} for i, r in enumerate(demo_household_rows(5))
    ]
    rows[0][column] = _long(column, limit)
    rows[2][column] = _long(column, limit + 1)
    with unchanged_db(), pytest.raises(ImportRejected) as rejected:
        import_persons(write_rows(tmp_path / "p.csv", rows, ["name", "household_id", "phone"]))
    errors = [(p.row, p.field, p.message) for p in rejected.value.report.errors]
    assert errors == [(4, column, str(ERR_TOO_LONG % {"length": limit + 1, "max": limit}))]
    del rows[2]
    report = import_persons(write_rows(tmp_path / "p.csv", rows, ["name", "household_id", "phone"]))
    assert report.created == 4
    assert Person.objects.filter(**{column: _long(column, limit)}).count() == 1
