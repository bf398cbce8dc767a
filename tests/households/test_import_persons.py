"""Residents rosters: checks name the row and the field, re-imports change nothing."""

import pytest
from django.core.management import call_command

from households.importing import import_persons
from households.importing.persons import ERR_PARTY, ERR_UNKNOWN_HOUSEHOLD
from households.models import Person
from tests.conftest import DEMO

from .conftest import unchanged_db, write_rows

pytestmark = pytest.mark.django_db


def _person(name, household, **roles):
    return {"name": name, "household_id": household, "phone": "", "party_member": "", **roles}


def test_unknown_household_rejected_naming_the_row(demo_county, tmp_path, capsys):
    rows = [_person("甲", "H0000001"), _person("乙", "H9999999"), _person("丙", "H0000002")]
    path = write_rows(tmp_path / "persons.csv", rows)
    with unchanged_db():
        with pytest.raises(Exception) as api:
            import_persons(path)
        with pytest.raises(Exception) as cli:
            call_command("import_persons", str(path))
    (problem,) = api.value.report.errors
    assert (problem.row, problem.field) == (3, "household_id")
    assert problem.message == str(ERR_UNKNOWN_HOUSEHOLD % {"id": "H9999999"})
    assert str(problem) in str(cli.value)


@pytest.mark.parametrize(
    "word, stored",
    [
        ("正式", "full"),
        ("预备", "probationary"),
        ("正式党员", "full"),
        ("中共预备党员", "probationary"),
        ("full", "full"),
        ("Probationary", "probationary"),
        ("", ""),
        ("群众", ""),
    ],
)
def test_party_member_words(demo_county, tmp_path, word, stored):
    path = write_rows(tmp_path / "p.csv", [_person("新人", "H0000001", party_member=word)])
    report = import_persons(path)
    assert report.created == 1
    assert Person.objects.get(name="新人").party_member == stored


def test_bad_party_word_rejected(demo_county, tmp_path):
    path = write_rows(tmp_path / "p.csv", [_person("新人", "H0000001", party_member="团员")])
    with unchanged_db(), pytest.raises(Exception) as exc:
        import_persons(path)
    (problem,) = exc.value.report.errors
    assert (problem.row, problem.field) == (2, "party_member")
    assert problem.message == str(ERR_PARTY % {"value": "团员"})


def test_reimport_unchanged(demo_county):
    with unchanged_db():
        report = import_persons(DEMO / "persons.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3788)


def test_role_change_updates_one(demo_county, tmp_path):
    import csv

    with (DEMO / "persons.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[5]["five_elders"] = "1" if rows[5]["five_elders"] == "0" else "0"
    report = import_persons(write_rows(tmp_path / "p.csv", rows))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3787)
