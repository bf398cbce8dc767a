"""Worker processes of the job queue computing partition runs, for real: a worker killed
with ``kill -9`` in the middle of a run, and two workers sharing the queue.

Each worker is a ``manage.py procrastinate worker`` subprocess on the test database
(tests/workers.py), with the short intervals of gis/settings/test.py: dead after
JOBS_STALLED_SECONDS without a heartbeat, its jobs handed on every second.
"""

import os
import signal
import time

import pytest
from django.db import connection

from grids import services, tasks
from grids.models import GridVersion, PartitionRun
from households.importing import import_households, import_village_groups
from households.models import Household
from sample_data.generate import build_county, write_county
from tests.workers import wait_for, workers

pytestmark = pytest.mark.django_db(transaction=True)
Status = PartitionRun.Status
# Households of the generated county the kill test partitions: its run computes for about
# 3 s on this machine (a 20k county: 1.4 s), long enough to be killed in the middle.
KILL_COUNTY = 40_000
RUN_SECONDS = 120  # the longest a run of these sizes may take on a loaded 2-core machine


@pytest.fixture
def county(tmp_path):
    write_county(build_county(KILL_COUNTY, seed=5), tmp_path / "county")
    import_village_groups(tmp_path / "county" / "village_groups.geojson")
    import_households(tmp_path / "county" / "households.csv")
    return Household.objects.count()


def started_events(job_id: int) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM procrastinate_events WHERE job_id = %s AND type = 'started'",
            [job_id],
        )
        return cur.fetchone()[0]


def test_a_worker_killed_mid_run_is_replaced_by_a_live_one(county, tmp_path):
    """Two workers; the one computing the run is killed with SIGKILL while it computes. The
    run is never failed nor left running: the other worker computes it again from the start,
    within a minute (seconds here), and the proposal equals an uninterrupted run's."""
    with workers(tmp_path, "w-a", "w-b") as processes:
        run = tasks.partition_run_start(scope="county", code="")

        def computing():
            r = PartitionRun.objects.get(pk=run.pk)
            return r if r.status == Status.RUNNING and r.attempts == 1 else None

        first = wait_for(computing, RUN_SECONDS, "a worker started the run", every=0.005)
        name = first.worker.split()[0]
        pid = int(first.worker.rsplit(":", 1)[1])
        assert processes[name].pid == pid
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        processes[name].wait()
        assert PartitionRun.objects.get(pk=run.pk).status == Status.RUNNING  # killed mid-run

        reference = services.partition_run_compute(  # meanwhile, the same run uninterrupted
            services.partition_run_create(scope="county", code="")
        )
        reference.refresh_from_db()  # as stored (JSON)
        seen = set()

        def finished():
            r = PartitionRun.objects.get(pk=run.pk)
            seen.add(r.status)
            return r if r.status not in (Status.QUEUED, Status.RUNNING) else None

        done = wait_for(finished, 60, "the run finished after its worker was killed")
        recovered = time.monotonic() - killed_at
        starts = started_events(run.job_id)
    assert done.status == Status.PROPOSED, done.message
    assert seen <= {Status.RUNNING, Status.PROPOSED}  # never failed, never queued again
    assert done.attempts == 2 and done.worker.split()[0] == ({"w-a", "w-b"} - {name}).pop()
    assert done.progress_done == done.progress_total
    assert starts == 2  # the same job, handed on
    assert recovered < 60
    assert len(done.proposal["assignments"]) == county == len(reference.proposal["assignments"])
    assert done.proposal["assignments"] == reference.proposal["assignments"]
    assert done.proposal["grids"] == reference.proposal["grids"]
    assert not GridVersion.objects.exists()  # computing never writes grids
    print(f"killed worker {name}; run {run.pk} proposed {recovered:.1f} s later")


def test_two_workers_take_different_jobs(demo_county, tmp_path):
    """Runs queued while two single-job workers wait: each job is started once, by one
    worker, each run computed once, and both workers take some."""
    codes = [v.code for v in demo_county.villages.order_by("code")] * 2 + [demo_county.code] * 2
    with workers(tmp_path, "w-a", "w-b", args=("--concurrency", "1")):
        runs = [
            tasks.partition_run_start(scope="township" if len(c) == 9 else "village", code=c)
            for c in codes
        ]
        ids = [r.pk for r in runs]
        wait_for(
            lambda: not PartitionRun.objects.filter(pk__in=ids, status__in=tasks.OPEN).exists(),
            RUN_SECONDS,
            "the runs finished",
        )
        done = list(PartitionRun.objects.filter(pk__in=ids))
        starts = [started_events(r.job_id) for r in done]
    assert {r.status for r in done} == {Status.PROPOSED}
    assert {r.attempts for r in done} == {1}
    assert starts == [1] * len(done)
    by = {r.worker.split()[0] for r in done}
    assert by == {"w-a", "w-b"}, by
