"""A village the partitioner cannot partition: the run names it, keeps the others' proposal
applyable, never stays running; `manage.py partition` names it and exits non-zero; the run
page lists it by name.

No known input makes a village fail any more (the polygon fallback chain), so the failure
is made: the partitioner's village step raises, for one village, the exception GEOS raised
when it stopped on whole counties (our own function is replaced; GEOS and the database
are real).
"""

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.urls import reverse

from grids import services
from grids.models import Grid, GridVersion, PartitionRun
from grids.partitioning import pool
from grids.partitioning.params import FAIL_GEOMETRY
from households.models import Village

TOWNSHIP = "360721100"
KENGKOU = "360721100200"  # 坑口村
GEOS_TEXT = "TopologyException: unable to assign free hole to a shell at 115.6 26.05"


def _fail_kengkou(monkeypatch) -> None:
    real = pool.run_village

    def run(task):
        if task.village_id == KENGKOU:
            raise shapely.errors.GEOSException(GEOS_TEXT)
        return real(task)

    monkeypatch.setattr(pool, "run_village", run)


@pytest.fixture
def kengkou_fails(monkeypatch):
    _fail_kengkou(monkeypatch)


def _run(scope="township", code=TOWNSHIP) -> PartitionRun:
    return services.partition_run_compute(services.partition_run_create(scope=scope, code=code))


def test_other_villages_proposed_and_applied_failed_one_named(demo_county, kengkou_fails):
    run = _run()
    assert run.status == PartitionRun.Status.PROPOSED
    (failed,) = run.summary["failed_villages"]
    assert failed["code"] == KENGKOU and failed["name"] == "坑口村"
    assert failed["reason"] == str(services.FAILURE_REASONS[FAIL_GEOMETRY])
    assert GEOS_TEXT not in failed["reason"] and GEOS_TEXT in failed["detail"]
    assert KENGKOU not in run.proposal["base_versions"]
    assert not any(f["properties"]["village"] == KENGKOU for f in run.proposal["grids"]["features"])
    kengkou = Village.objects.get(code=KENGKOU)
    households = set(kengkou.groups.values_list("households__pk", flat=True))
    assert not {h for h, _g, _m in run.proposal["assignments"]} & households
    assert run.diff["unassigned"] == 0  # its households are not counted as left without grid
    versions = services.partition_run_apply(run)
    assert sorted(v.village.code for v in versions) == ["360721100201", "360721100202"]
    assert not GridVersion.objects.filter(village=kengkou).exists()


def test_failed_village_keeps_its_current_grids(demo_county, monkeypatch):
    services.partition_run_apply(_run())  # every village has grids
    kengkou = Village.objects.get(code=KENGKOU)
    before = set(
        Grid.objects.filter(village=kengkou, version__valid_to__isnull=True).values_list(
            "pk", flat=True
        )
    )
    _fail_kengkou(monkeypatch)
    run = _run()
    services.partition_run_apply(run)
    after = set(
        Grid.objects.filter(village=kengkou, version__valid_to__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert after == before


def test_all_villages_failed_is_a_failed_run_in_words(demo_county, kengkou_fails):
    run = _run(scope="village", code=KENGKOU)
    assert run.status == PartitionRun.Status.FAILED and run.finished_at
    assert "坑口村" in run.message and KENGKOU in run.message
    assert str(services.FAILURE_REASONS[FAIL_GEOMETRY]) in run.message


def test_an_unexpected_error_fails_the_run_instead_of_leaving_it_running(demo_county, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(services, "partition", broken)
    run = _run()
    run.refresh_from_db()
    assert run.status == PartitionRun.Status.FAILED and run.finished_at
    assert "MemoryError" in run.message and str(run.pk) in run.message


def test_command_applies_the_others_names_the_failure_and_exits_non_zero(
    demo_county, kengkou_fails
):
    with pytest.raises(CommandError) as err:
        call_command("partition", "--township", TOWNSHIP)
    assert "坑口村" in str(err.value) and KENGKOU in str(err.value)
    run = PartitionRun.objects.get()
    assert run.status == PartitionRun.Status.APPLIED  # the others were applied
    assert GridVersion.objects.count() == 2


def test_command_for_the_failed_village_alone_leaves_no_running_run(demo_county, kengkou_fails):
    with pytest.raises(CommandError) as err:
        call_command("partition", "--village", KENGKOU)
    assert "坑口村" in str(err.value)
    assert PartitionRun.objects.get().status == PartitionRun.Status.FAILED
    assert not GridVersion.objects.exists()


def test_run_page_lists_the_failed_village_by_name(
    demo_county, kengkou_fails, client, township_user
):
    run = _run()
    client.force_login(township_user)
    page = client.get(reverse("partition-run", args=[run.pk])).content.decode()
    assert 'id="failed-villages"' in page and "坑口村" in page and KENGKOU in page
    assert GEOS_TEXT not in page
    assert 'id="apply-button"' in page  # the others can still be applied
