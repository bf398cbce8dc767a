"""Large and real inputs: 100k generated rows, and the OSM Andorra set as a county of its own."""

import re

import numpy as np
import pandas as pd
import pytest
import shapely

from households.importing import import_households, import_village_groups
from households.importing.group_geometry import OVERLAP_TOLERANCE_M2
from households.models import Household, VillageGroup

pytestmark = pytest.mark.django_db

N_LARGE = 100_000


def _schema() -> tuple[list, list]:
    """The household table's indexes and constraints, as PostgreSQL defines them."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'households_household' ORDER BY indexname"
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'households_household'::regclass ORDER BY conname"
        )
        return indexes, cur.fetchall()


@pytest.mark.slow
def test_100k_rows_load(demo_groups, demo_groups_gdf, tmp_path):
    """100,000 points drawn uniformly over the demo villages' groups (numpy, fixed seed):
    every row is loaded, every point joins the group it was drawn in."""
    rng = np.random.default_rng(20240601)
    outline = shapely.union_all(demo_groups_gdf.geometry.values)
    minx, miny, maxx, maxy = outline.bounds
    lon = rng.uniform(minx, maxx, 3 * N_LARGE)
    lat = rng.uniform(miny, maxy, 3 * N_LARGE)
    keep = shapely.contains_xy(outline, lon, lat)
    lon, lat = lon[keep][:N_LARGE], lat[keep][:N_LARGE]
    assert len(lon) == N_LARGE
    frame = pd.DataFrame(
        {
            "id": [f"B{i:07d}" for i in range(N_LARGE)],
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "head": "测试",
            "members": rng.integers(1, 8, N_LARGE),
            "dibao": rng.integers(0, 2, N_LARGE),
        }
    )
    path = tmp_path / "large.csv"
    frame.to_csv(path, index=False)
    before = _schema()
    report = import_households(path)
    assert (report.rows, report.created, report.rejected_rows) == (N_LARGE, N_LARGE, 0)
    # a bulk load drops indexes and unique/CHECK constraints and restores every one
    assert _schema() == before
    assert Household.objects.count() == N_LARGE
    assert report.stats["in_group"] + report.stats["snapped"] == N_LARGE
    assert Household.objects.filter(group__isnull=True).count() == 0
    assert Household.objects.filter(dibao=True).count() == int(frame["dibao"].sum())
    again = import_households(path, dry_run=True)
    assert again.stats["in_group"] == report.stats["in_group"]


def test_andorra_real_data(andorra):
    """The real OSM groups (GeoPackage with derived codes) and 4,726 dwellings import cleanly;
    the importer assigns every dwelling to the group the OSM set puts it in (or one touching
    it, where the set's Voronoi cells overlap by a few m²)."""
    groups_path, households_path = andorra
    groups = import_village_groups(groups_path)
    assert (groups.created, groups.errors) == (66, [])
    # the parishes' cells overlap by up to 20.8 m² in WGS84 but by at most a few m² in
    # UTM zone 31 (transverse Mercator on 3° E), where the set's Voronoi cells were cut:
    # warned, not rejected
    slivers = [float(re.findall(r"\d+\.\d", p.message)[-1]) for p in groups.warnings]
    assert 1 < max(slivers) < OVERLAP_TOLERANCE_M2
    report = import_households(households_path)
    assert (report.created, report.errors) == (4726, [])
    assert VillageGroup.objects.count() == 66
    grouped = Household.objects.filter(group__isnull=False).count()
    assert grouped + report.stats["ungrouped"] == 4726
    assert grouped >= 4700
    again = import_households(households_path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4726)


def test_bulk_load_keeps_a_not_valid_check(demo_groups, tmp_path, monkeypatch):
    """A CHECK added NOT VALID (old rows exempt, new rows checked) still checks the rows of a
    bulk load, which drops the validated constraints only: the import fails whole."""
    from django.db import connection

    from households.importing import ImportRejected
    from households.importing import load as importer

    from .conftest import demo_household_rows, write_rows

    monkeypatch.setattr(importer, "BULK_REBUILD_MIN_ROWS", 1)  # 5 rows count as a bulk load
    with connection.cursor() as cur:
        cur.execute(
            "ALTER TABLE households_household ADD CONSTRAINT few_points "
            "CHECK (civility_points < 100) NOT VALID"
        )
    rows = demo_household_rows(5)
    for row in rows:
        row["civility_points"] = "500"
    before = _schema()
    with pytest.raises(ImportRejected) as rejected:  # the database's reason, no traceback
        import_households(write_rows(tmp_path / "households.csv", rows))
    assert "few_points" in rejected.value.report.errors[0].message
    assert Household.objects.count() == 0
    assert _schema() == before


def test_bulk_load_keeps_the_foreign_key_when_the_group_table_is_busy(
    demo_groups, tmp_path, monkeypatch, caplog
):
    """Another transaction holds the village-group table (as a group import does before it
    updates households): a bulk load does not wait for it, which could deadlock, but keeps
    the group foreign key for the load and imports everything."""
    import logging

    import psycopg
    from django.db import connection

    from households.importing import load as importer

    from .conftest import demo_household_rows, write_rows

    monkeypatch.setattr(importer, "BULK_REBUILD_MIN_ROWS", 1)  # 5 rows count as a bulk load
    s = connection.settings_dict
    other = psycopg.connect(
        dbname=s["NAME"],
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
    )
    try:
        with other.cursor() as cur:  # open transaction holding ROW EXCLUSIVE on the groups
            cur.execute("LOCK TABLE households_villagegroup IN ROW EXCLUSIVE MODE")
        before = _schema()
        with connection.cursor() as cur:  # a regression fails here instead of hanging
            cur.execute("SET LOCAL lock_timeout = '5s'")
        with caplog.at_level(logging.INFO, logger=importer.log.name):
            report = import_households(
                write_rows(tmp_path / "households.csv", demo_household_rows(5))
            )
    finally:
        other.rollback()
        other.close()
    assert (report.created, report.errors) == (5, [])
    assert "its foreign key is kept" in caplog.text
    assert _schema() == before
    assert Household.objects.filter(group__isnull=False).count() == 5
