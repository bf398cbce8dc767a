"""The corpus of malformed files (corpus.py): each is refused with a message that names the
row or feature and the field, by the Python API and by the management command (exit status
1), and leaves the database as it was; the tolerated ones import with a warning.

The database holds the demo groups and the five demo households the files are made of
(conftest.five_households).
"""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from households.importing import ImportRejected, import_households
from households.models import Household
from tests.conftest import ROOT

from .conftest import unchanged_db
from .corpus import BAD, BIG_LINE_BYTES, IMPORTERS, ROWS, TOLERATED, demo_heads, matches

pytestmark = pytest.mark.django_db

COMMANDS = {
    "households": "import_households",
    "groups": "import_village_groups",
    "persons": "import_persons",
}


def _assert_holds(problems, expected, where):
    for row, field, constant, args in expected:
        assert any(matches(p, row, field, constant, args) for p in problems), (
            f"no {(row, str(field), str(constant))} in {[str(p) for p in problems]}"
        )
    for p in problems:
        assert p.row is None or p.where == where


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_bad_file_refused_and_nothing_written(five_households, tmp_path, case):
    path = case.build(tmp_path)
    with unchanged_db(), pytest.raises(ImportRejected) as api:
        IMPORTERS[case.kind](path)
    report = api.value.report
    assert len(report.errors) == len(case.errors), [str(p) for p in report.errors]
    _assert_holds(report.errors, case.errors, case.where)
    _assert_holds(report.warnings, case.warnings, case.where)
    assert str(tmp_path) not in str(report.as_dict())  # no server path in any message
    with unchanged_db(), pytest.raises(CommandError) as cli:
        call_command(COMMANDS[case.kind], str(path))
    assert cli.value.returncode == 1  # manage.py exits with it
    assert str(report.errors[0]) in str(cli.value)


@pytest.mark.parametrize("case", TOLERATED, ids=[c.id for c in TOLERATED])
def test_tolerated_file_imports_with_a_warning(demo_groups, tmp_path, case):
    report = import_households(case.build(tmp_path))
    assert report.errors == [] and report.created == ROWS
    _assert_holds(report.warnings, case.warnings, "row")
    stored = dict(Household.objects.values_list("external_id", "head"))
    assert stored == demo_heads()  # GBK rows and .dbf text decoded, the first head column kept


def test_shell_exit_status_and_no_traceback(five_households, tmp_path):
    """`manage.py import_households` in a shell: status 1, the message, no traceback (the
    file is refused before the database is asked anything, so no data is needed there)."""
    case = next(c for c in BAD if c.id == "50MB-line-of-commas")
    path = case.build(tmp_path)
    settings = connection.settings_dict
    url = (
        f"postgis://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_households", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{BIG_LINE_BYTES}" in done.stderr  # the line's length, in the message
