"""The CLI contract: files written, exit 1 for data errors, exit 2 for usage errors."""

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from grids.partitioning.params import ERR_MISSING_COLUMN

from .conftest import lattice, make_groups, make_households

ROOT = Path(__file__).resolve().parents[3]


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grids.partitioning", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def files(tmp_path):
    groups = make_groups([("a", "V", (0, 0, 100, 50)), ("b", "V", (100, 0, 200, 50))])
    hh = make_households(lattice(0, 0, 20, 5))
    groups.to_file(tmp_path / "groups.gpkg")
    ll = hh.to_crs("EPSG:4326")
    pd.DataFrame({"id": hh["id"], "lon": ll.geometry.x, "lat": ll.geometry.y}).to_csv(
        tmp_path / "hh.csv", index=False
    )
    return tmp_path


def test_cli_writes_outputs(files):
    out = files / "out"
    p = run(
        files / "hh.csv",
        files / "groups.gpkg",
        "--out",
        out,
        "--band",
        "40,60",
        "--workers",
        "1",
        "--seed",
        "3",
    )
    assert p.returncode == 0, p.stderr
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert list(a.columns) == ["household_id", "grid_id", "member_id", "problem"]
    assert len(a) == 100 and (a["grid_id"] != "").all()
    grids = json.loads((out / "grids.geojson").read_text())
    assert {f["properties"]["grid_id"] for f in grids["features"]} == {"V001", "V002"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["grids"] == 2 and "total_seconds" in summary
    p2 = run(
        files / "hh.csv",
        files / "groups.gpkg",
        "--out",
        files / "out2",
        "--previous",
        out / "assignments.csv",
    )
    assert p2.returncode == 0, p2.stderr
    b = pd.read_csv(files / "out2" / "assignments.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(a, b)


def test_cli_missing_column_exit_1(files):
    pd.read_csv(files / "hh.csv").drop(columns=["lat"]).to_csv(files / "bad.csv", index=False)
    p = run(files / "bad.csv", files / "groups.gpkg", "--out", files / "o")
    assert p.returncode == 1
    assert ERR_MISSING_COLUMN.format(table="households", column="lat") in p.stderr


def test_cli_reads_only_the_columns_it_uses_and_still_names_a_missing_id(files):
    """A household GeoPackage with register columns (names, addresses with commas) gives
    the same result as one with the id alone; without ``id`` the error names it."""
    hh = pd.read_csv(files / "hh.csv", dtype={"id": str})
    points = gpd.GeoDataFrame(hh, geometry=gpd.points_from_xy(hh["lon"], hh["lat"]), crs=4326)
    points = points.drop(columns=["lon", "lat"])
    points[["id", "geometry"]].to_file(files / "bare.gpkg")
    register = points.assign(head="张三", address="赣县区坑口镇, 1号", members=3)
    register.to_file(files / "register.gpkg")
    outs = []
    for name in ("bare", "register"):
        p = run(files / f"{name}.gpkg", files / "groups.gpkg", "--out", files / name)
        assert p.returncode == 0, p.stderr
        outs.append((files / name / "assignments.csv").read_text())
    assert outs[0] == outs[1]
    register.drop(columns=["id"]).to_file(files / "no_id.gpkg")
    p = run(files / "no_id.gpkg", files / "groups.gpkg", "--out", files / "o")
    assert p.returncode == 1
    assert ERR_MISSING_COLUMN.format(table="households", column="id") in p.stderr


def test_cli_missing_file_exit_1(files):
    p = run(files / "nope.gpkg", files / "groups.gpkg", "--out", files / "o")
    assert p.returncode == 1 and "cannot read" in p.stderr


@pytest.mark.parametrize("extra", [["--band", "40"], ["--target", "x"], []], ids=str)
def test_cli_usage_exit_2(files, extra):
    args = [files / "hh.csv", files / "groups.gpkg", *extra]
    if extra:
        args += ["--out", files / "o"]
    p = run(*args)
    assert p.returncode == 2 and "usage:" in p.stderr


def test_cli_reads_the_projects_own_demo_files(tmp_path):
    """The importer's group columns (village_code) work too; every household is accounted."""
    demo = ROOT / "sample_data" / "demo"
    out = tmp_path / "out"
    proc = run(
        str(demo / "households.csv"), str(demo / "village_groups.geojson"), "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    rows = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    households = pd.read_csv(demo / "households.csv", dtype=str)
    assert sorted(rows["household_id"]) == sorted(households["id"])
    assert (rows["grid_id"].str.len() == 15).all()


def test_write_assignments_matches_pandas(tmp_path):
    import pandas as pd

    from grids.partitioning.cli import write_assignments

    frames = [
        pd.DataFrame(
            {
                "household_id": ["1", "2"],
                "grid_id": ["V001", ""],
                "member_id": ["V001-01", ""],
                "problem": ["", "outside every group"],
            }
        ),
        pd.DataFrame(
            {
                "household_id": ["a,b", 'c"d'],
                "grid_id": ["", "x\ny"],
                "member_id": ["", ""],
                "problem": ["", ""],
            }
        ),
        pd.DataFrame({"household_id": [], "grid_id": [], "member_id": [], "problem": []}),
    ]
    for i, df in enumerate(frames):
        write_assignments(df, tmp_path / f"a{i}.csv")
        df.to_csv(tmp_path / f"b{i}.csv", index=False)
        assert (tmp_path / f"a{i}.csv").read_bytes() == (tmp_path / f"b{i}.csv").read_bytes()


def test_write_grids_reads_back_like_gdal(tmp_path):
    import geopandas as gpd
    import pyogrio
    import shapely

    from grids.partitioning.cli import write_grids

    sq = shapely.box(115.3, 26.1, 115.301, 26.101)
    multi = shapely.MultiPolygon([shapely.box(115.31, 26.1, 115.311, 26.101), sq.buffer(-1e-4)])
    grids = gpd.GeoDataFrame(
        {
            "grid_id": ["V001", 'V"002'],
            "village_id": ["V", "村"],
            "group_ids": ["1,2", "3"],
            "households": [46, 51],
            "members": [5, 5],
        },
        geometry=[shapely.affinity.translate(sq, 1e-9 / 3), multi],
        crs="EPSG:4326",
    )
    write_grids(grids, tmp_path / "grids.geojson")
    pyogrio.write_dataframe(grids, tmp_path / "gdal.geojson", driver="GeoJSON")
    mine = pyogrio.read_dataframe(tmp_path / "grids.geojson")
    gdal = pyogrio.read_dataframe(tmp_path / "gdal.geojson")
    assert mine.crs == gdal.crs
    pd.testing.assert_frame_equal(mine.drop(columns="geometry"), gdal.drop(columns="geometry"))
    # GDAL rounds to 15 decimals; the direct writer keeps the exact doubles
    assert shapely.equals_exact(mine.geometry.values, grids.geometry.values, tolerance=0).all()
    assert shapely.equals_exact(mine.geometry.values, gdal.geometry.values, tolerance=1e-12).all()
    # anything else (here: a float column) still goes through GDAL
    write_grids(grids.assign(area=[1.5, 2.0]), tmp_path / "f.geojson")
    assert pyogrio.read_dataframe(tmp_path / "f.geojson")["area"].tolist() == [1.5, 2.0]
