"""A village that cannot be partitioned is reported; the other villages' grids are kept.

The fallback chain leaves no known input on which a village fails, so the failure is
made here: the village step of one village raises the exception GEOS raised when the
partitioner stopped on whole counties (our own function is replaced, not GEOS).
"""

import json

import pandas as pd
import pytest
import shapely

from grids.partitioning import cli, partition, pool
from grids.partitioning.params import FAIL_GEOMETRY, FAIL_INTERNAL, PROBLEM_VILLAGE_FAILED

from .conftest import lattice, make_groups, make_households

GEOS_TEXT = "TopologyException: unable to assign free hole to a shell at 1 2"


def _county():
    """Three villages of 50 households (one grid each)."""
    rows = [(f"g{v}", f"V{v}", (v * 200, 0, v * 200 + 100, 50)) for v in (1, 2, 3)]
    pts = [p for v in (1, 2, 3) for p in lattice(v * 200, 0, 10, 5)]
    return make_households(pts), make_groups(rows)


@pytest.fixture
def v2_fails(monkeypatch):
    real = pool.run_village

    def run(task):
        if task.village_id == "V2":
            raise shapely.errors.GEOSException(GEOS_TEXT)
        return real(task)

    monkeypatch.setattr(pool, "run_village", run)


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_village_reported_others_kept(v2_fails, workers):
    hh, groups = _county()
    r = partition(hh, groups, workers=workers)
    (failure,) = r.failures
    assert failure.village_id == "V2" and failure.reason == FAIL_GEOMETRY
    assert GEOS_TEXT in failure.detail
    assert sorted(r.grids["village_id"]) == ["V1", "V3"]
    assert len(r.assignments) == 150
    v2 = r.assignments.iloc[50:100]  # the households of V2, in input order
    assert (v2["grid_id"] == "").all() and (v2["problem"] == PROBLEM_VILLAGE_FAILED).all()
    assert (r.assignments.drop(index=v2.index)["grid_id"] != "").all()
    assert r.summary["failed_villages"] == [
        {"village_id": "V2", "reason": FAIL_GEOMETRY, "detail": failure.detail}
    ]


def test_any_other_error_is_an_internal_failure(monkeypatch):
    real = pool.run_village

    def run(task):
        if task.village_id == "V3":
            raise IndexError("index 7 is out of bounds")
        return real(task)

    monkeypatch.setattr(pool, "run_village", run)
    hh, groups = _county()
    r = partition(hh, groups)
    assert [(f.village_id, f.reason) for f in r.failures] == [("V3", FAIL_INTERNAL)]


def test_cli_writes_the_good_villages_lists_failures_and_exits_3(v2_fails, tmp_path, capsys):
    hh, groups = _county()
    hh.to_file(tmp_path / "hh.gpkg")
    groups.to_file(tmp_path / "groups.gpkg")
    out = tmp_path / "out"
    code = cli.main([str(tmp_path / "hh.gpkg"), str(tmp_path / "groups.gpkg"), "--out", str(out)])
    assert code == cli.EXIT_VILLAGES_FAILED
    grids = json.loads((out / "grids.geojson").read_text())
    assert sorted(f["properties"]["village_id"] for f in grids["features"]) == ["V1", "V3"]
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert len(a) == 150 and (a["problem"] == PROBLEM_VILLAGE_FAILED).sum() == 50
    summary = json.loads((out / "summary.json").read_text())
    assert [f["village_id"] for f in summary["failed_villages"]] == ["V2"]
    printed = capsys.readouterr()
    assert "1 villages failed: V2" in printed.out
    assert "village V2 failed" in printed.err and GEOS_TEXT in printed.err


def test_cli_exit_0_without_failures(tmp_path, capsys):
    hh, groups = _county()
    hh.to_file(tmp_path / "hh.gpkg")
    groups.to_file(tmp_path / "groups.gpkg")
    out = tmp_path / "out"
    assert (
        cli.main([str(tmp_path / "hh.gpkg"), str(tmp_path / "groups.gpkg"), "--out", str(out)]) == 0
    )
    assert json.loads((out / "summary.json").read_text())["failed_villages"] == []
    assert "150 of 150 households in 3 grids" in capsys.readouterr().out


def test_a_dead_worker_process_does_not_lose_its_villages(monkeypatch):
    """A pool worker that dies (killed, out of memory) breaks the pool: the villages it
    had not delivered are partitioned again in this process."""
    import os

    parent, real = os.getpid(), pool.run_village

    def run(task):
        if task.village_id == "V2" and os.getpid() != parent:
            os._exit(1)  # the worker process dies
        return real(task)

    monkeypatch.setattr(pool, "run_village", run)
    hh, groups = _county()
    r = partition(hh, groups, workers=2)
    assert not r.failures
    assert sorted(r.grids["village_id"]) == ["V1", "V2", "V3"]
