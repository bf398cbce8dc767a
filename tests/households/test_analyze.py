"""Bulk writes ANALYZE the tables they changed (a server without autovacuum, as this one,
would otherwise plan on the statistics of empty tables); a write that changes nothing does
not. Counted with PostgreSQL's own analyze_count."""

import pytest
from django.db import connection

from grids import services
from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from households.importing import import_households, import_persons, import_village_groups
from households.models import Household, Person, Township, Village, VillageGroup
from tests.conftest import DEMO

pytestmark = pytest.mark.django_db

HIERARCHY = (Township, Village, VillageGroup, Household)


def analyzed(*models) -> dict:
    """How many times each table was analyzed (the statistics snapshot refreshed first)."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [tables],
        )
        counts = dict(cur.fetchall())
    return {t: counts[t] for t in tables}


def _plus_one(before: dict, after: dict, models) -> bool:
    changed = {m._meta.db_table for m in models}
    return all(after[t] == before[t] + (t in changed) for t in before)


def test_imports_analyze_what_they_wrote():
    every = (*HIERARCHY, Person)
    for run, wrote in (
        (lambda: import_village_groups(DEMO / "village_groups.geojson"), HIERARCHY),
        (lambda: import_households(DEMO / "households.csv"), (Household,)),
        (lambda: import_persons(DEMO / "persons.csv"), (Person,)),
        (lambda: import_households(DEMO / "households.csv"), ()),  # unchanged: nothing
    ):
        before = analyzed(*every)
        run()
        assert _plus_one(before, analyzed(*every), wrote)


def test_partition_apply_analyzes_the_grid_tables(demo_county):
    grids = (GridVersion, Grid, MemberArea, GridAssignment)
    run = services.partition_run_compute(
        services.partition_run_create(scope="village", code="360721100201")
    )
    before = analyzed(*grids)
    services.partition_run_apply(run)
    assert _plus_one(before, analyzed(*grids), grids)
