"""Helpers for the importer tests: database snapshots, small files built from the demo data."""

import csv
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pytest
from django.db import connection

from households.models import Household, Person, Township, Village, VillageGroup
from tests.conftest import ANDORRA, DEMO
from tests.layers.conftest import field, world  # noqa: F401  (the account tests' world)

SNAPSHOT_MODELS = (Township, Village, VillageGroup, Household, Person)
HOUSEHOLD_COLUMNS = DEMO.joinpath("households.csv").read_text("utf-8").splitlines()[0].split(",")


def db_snapshot() -> dict:
    """Row count and an md5 of every row (as text, ordered by id) of each hierarchy table."""
    state = {}
    with connection.cursor() as cur:
        for model in SNAPSHOT_MODELS:
            table = model._meta.db_table
            cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "
                f"FROM {table} t"
            )
            state[table] = cur.fetchone()
    return state


@contextmanager
def unchanged_db():
    """Assert that nothing in the hierarchy, households or persons changed inside the block."""
    before = db_snapshot()
    yield before
    assert db_snapshot() == before


def demo_household_rows(n: int | None = None) -> list[dict]:
    with DEMO.joinpath("households.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows[:n] if n else rows


def write_rows(path: Path, rows: list[dict], columns=None, encoding="utf-8") -> Path:
    columns = columns or (list(rows[0]) if rows else HOUSEHOLD_COLUMNS)
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def demo_groups_gdf():
    return gpd.read_file(DEMO / "village_groups.geojson")


@pytest.fixture
def groups_gdf(demo_groups_gdf):
    """A fresh copy of the 48 demo groups, to break one feature at a time."""
    return demo_groups_gdf.copy()


@pytest.fixture
def demo_groups(db):
    """The demo township's villages and groups, no households."""
    from households.importing import import_village_groups

    return import_village_groups(DEMO / "village_groups.geojson")


@pytest.fixture
def five_households(demo_groups, tmp_path):
    """The demo groups and the first five demo households (the corpus' files are made of
    them; residents' files need their households)."""
    from households.importing import import_households

    import_households(write_rows(tmp_path / "five.csv", demo_household_rows(5)))


@pytest.fixture(scope="session")
def andorra_groups_gdf():
    return gpd.read_file(ANDORRA / "village_groups.geojson")


@pytest.fixture
def andorra(settings, tmp_path, andorra_groups_gdf):
    """The real OSM Andorra groups as a county of their own, with derived Chinese codes.

    Andorra's groups carry no Chinese codes: each parish becomes a village (township
    code + 200 + parish number), each group village code + 2 digits. Written to a
    GeoPackage; returns (groups path, households path).
    """
    settings.COUNTY_EXTENT = (1.40, 42.42, 1.80, 42.66)
    settings.COUNTY_CODE = "990101"
    gdf = andorra_groups_gdf.copy()
    township = "990101100"
    villages = {
        v: f"{township}{200 + i:03d}" for i, v in enumerate(sorted(gdf["village_id"].unique()))
    }
    gdf["village_code"] = gdf["village_id"].map(villages)
    gdf["code"] = gdf.groupby("village_code").cumcount().add(1).map("{:02d}".format)
    gdf["code"] = gdf["village_code"] + gdf["code"]
    gdf["township_code"], gdf["township_name"] = township, "Andorra"
    gdf = gdf[
        [
            "code",
            "name",
            "village_code",
            "village_name",
            "township_code",
            "township_name",
            "geometry",
        ]
    ]
    path = tmp_path / "andorra_groups.gpkg"
    gdf.to_file(path, driver="GPKG", engine="pyogrio")
    return path, ANDORRA / "households.geojson"
