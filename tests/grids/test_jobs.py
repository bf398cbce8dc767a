"""Partition runs on the job queue, in this process: the start writes the run and its job
together, pages only read, retry, the claim's guards, runs that nothing will finish.

The worker processes themselves (kill -9, two workers) are in test_jobs_workers.py.
"""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from grids import tasks
from grids.models import GridVersion, PartitionRun
from households.jobs import MAX_ATTEMPTS

WANXING = "360721100201"
Status = PartitionRun.Status


@pytest.fixture
def staff(client, township_user):
    client.force_login(township_user)
    return client


def state() -> tuple:
    """Every run and every queue job, as rows: what a request may not change."""
    runs = list(PartitionRun.objects.order_by("pk").values())
    with connection.cursor() as cur:
        cur.execute("SELECT id, status, attempts, args FROM procrastinate_jobs ORDER BY id")
        jobs = cur.fetchall()
    return runs, jobs


def set_job_status(job_id: int, status: str) -> None:
    with connection.cursor() as cur:
        cur.execute("UPDATE procrastinate_jobs SET status = %s WHERE id = %s", [status, job_id])


def test_the_button_writes_the_run_and_its_job(demo_county, staff):
    response = staff.post(f"/townships/{demo_county.code}/partition/", {"village": WANXING})
    run = PartitionRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/partition-runs/{run.pk}/"
    assert run.status == Status.QUEUED and run.attempts == 0
    job = ProcrastinateJob.objects.get(id=run.job_id)
    assert (job.task_name, job.args, job.status) == (
        tasks.PARTITION_TASK,
        {"run_id": run.pk},
        "todo",
    )
    assert job.lock == f"partition-run-{run.pk}"


def test_pages_and_polls_change_nothing(demo_county, staff):
    """The run page, its status poll and its GeoJSON only read, also for a run long silent
    whose job has ended (that one is failed by the periodic job, not by a page)."""
    run = tasks.partition_run_start(scope="township", code=demo_county.code)
    long_ago = timezone.now() - timedelta(minutes=tasks.STALE_RUN_MINUTES + 1)
    PartitionRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING, heartbeat_at=long_ago, created_at=long_ago
    )
    set_job_status(run.job_id, "failed")
    before = state()
    for suffix in ("", "status.json", "proposal.geojson", "moved.geojson"):
        assert staff.get(f"/partition-runs/{run.pk}/{suffix}").status_code == 200
    assert state() == before
    assert staff.get(f"/partition-runs/{run.pk}/status.json").json()["status"] == "running"
    assert tasks.partition_runs_expire_stale() == 1
    run.refresh_from_db()
    assert (run.status, run.message) == (Status.FAILED, str(tasks.ERR_JOB_ENDED))


def test_runs_nothing_will_finish_are_failed(demo_county):
    """Open runs whose job ended or vanished, and runs computed outside the queue that went
    silent, are failed; runs whose job waits or runs, and live outside runs, are not."""
    long_ago = timezone.now() - timedelta(minutes=tasks.STALE_RUN_MINUTES + 1)

    def queued(job_status=None):
        run = tasks.partition_run_start(scope="village", code=WANXING)
        if job_status:
            set_job_status(run.job_id, job_status)
        return run

    waiting, doing = queued(), queued("doing")
    PartitionRun.objects.filter(pk=doing.pk).update(status=Status.RUNNING, created_at=long_ago)
    ended = {s: queued(s) for s in ("succeeded", "failed", "cancelled", "aborted")}
    vanished = queued()
    PartitionRun.objects.filter(pk=vanished.pk).update(job_id=vanished.job_id + 1000)
    outside = dict(scope="village", scope_code=WANXING, status=Status.RUNNING)
    silent = PartitionRun.objects.create(**outside, heartbeat_at=long_ago)
    never_beat = PartitionRun.objects.create(**outside)
    PartitionRun.objects.filter(pk=never_beat.pk).update(created_at=long_ago)
    beating = PartitionRun.objects.create(**outside, heartbeat_at=timezone.now())
    finished = queued("succeeded")
    PartitionRun.objects.filter(pk=finished.pk).update(status=Status.PROPOSED)

    assert tasks.partition_runs_expire_stale() == 4 + 1 + 2
    status = dict(PartitionRun.objects.values_list("pk", "status"))
    assert status[waiting.pk] == Status.QUEUED and status[doing.pk] == Status.RUNNING
    assert {status[r.pk] for r in ended.values()} == {Status.FAILED}
    assert status[vanished.pk] == status[silent.pk] == status[never_beat.pk] == Status.FAILED
    assert status[beating.pk] == Status.RUNNING and status[finished.pk] == Status.PROPOSED
    assert PartitionRun.objects.get(pk=silent.pk).message == str(tasks.ERR_STALE)


def test_the_work_computes_once_and_then_has_nothing_to_do(demo_county):
    run = tasks.partition_run_start(scope="village", code=WANXING)
    assert tasks.partition_run_work(run.pk, "w1") == Status.PROPOSED
    run.refresh_from_db()
    assert (run.status, run.attempts, run.worker) == (Status.PROPOSED, 1, "w1")
    assert run.progress_done == run.progress_total == 1 and run.proposal["assignments"]
    assert tasks.partition_run_work(run.pk, "w2") == "nothing to compute"  # a job run twice
    run.refresh_from_db()
    assert (run.status, run.attempts, run.worker) == (Status.PROPOSED, 1, "w1")
    assert not GridVersion.objects.exists()  # a proposal only: nothing applied


def test_a_run_computed_by_another_process_is_left_to_it(demo_county):
    """The advisory lock of a computing process (another connection here) keeps a second
    worker off the run, even if the queue handed the job on."""
    run = tasks.partition_run_start(scope="village", code=WANXING)
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"], host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"]
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [tasks.LOCK_NAMESPACE, run.pk])
        assert tasks.partition_run_work(run.pk, "w2") == "computed elsewhere"
        run.refresh_from_db()
        assert (run.status, run.attempts) == (Status.QUEUED, 0)
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [tasks.LOCK_NAMESPACE, run.pk])
    assert tasks.partition_run_work(run.pk, "w2") == Status.PROPOSED


def test_a_run_whose_workers_keep_dying_is_failed(demo_county):
    run = tasks.partition_run_start(scope="village", code=WANXING)
    PartitionRun.objects.filter(pk=run.pk).update(status=Status.RUNNING, attempts=MAX_ATTEMPTS)
    assert tasks.partition_run_work(run.pk, "w") == "nothing to compute"
    run.refresh_from_db()
    assert run.status == Status.FAILED and run.finished_at and not run.proposal
    assert run.message == str(tasks.ERR_WORKER_DIED % {"n": MAX_ATTEMPTS})


def test_a_failing_run_is_stored_as_failed(demo_county):
    run = tasks.partition_run_start(scope="village", code=WANXING)
    PartitionRun.objects.filter(pk=run.pk).update(options={"workers": 0})
    assert tasks.partition_run_work(run.pk, "w") == Status.FAILED
    run.refresh_from_db()
    assert run.status == Status.FAILED and "workers" in run.message and run.finished_at


def test_a_failed_run_is_run_again_from_its_page(demo_county, staff):
    run = tasks.partition_run_start(scope="village", code=WANXING)
    PartitionRun.objects.filter(pk=run.pk).update(options={"workers": 0})
    tasks.partition_run_work(run.pk, "w")
    page = staff.get(f"/partition-runs/{run.pk}/").content.decode()
    assert 'id="retry-button"' in page and 'name="retry"' in page
    first_job = run.job_id
    PartitionRun.objects.filter(pk=run.pk).update(options={"workers": 1})
    response = staff.post(f"/partition-runs/{run.pk}/", {"retry": "1"})
    assert response.status_code == 302 and response["Location"] == f"/partition-runs/{run.pk}/"
    run.refresh_from_db()
    assert (run.status, run.message, run.attempts, run.finished_at) == (Status.QUEUED, "", 0, None)
    assert run.job_id != first_job
    assert ProcrastinateJob.objects.get(id=run.job_id).status == "todo"
    assert 'id="retry-button"' not in staff.get(f"/partition-runs/{run.pk}/").content.decode()
    assert tasks.partition_run_work(run.pk, "w") == Status.PROPOSED


@pytest.mark.parametrize("status", [Status.QUEUED, Status.RUNNING, Status.PROPOSED])
def test_only_a_failed_run_is_run_again(demo_county, staff, status):
    run = tasks.partition_run_start(scope="village", code=WANXING)
    PartitionRun.objects.filter(pk=run.pk).update(status=status)
    before = state()
    response = staff.post(f"/partition-runs/{run.pk}/", {"retry": "1"}, follow=True)
    assert response.status_code == 200
    label = PartitionRun.Status(status).label
    expected = str(tasks.ERR_NOT_RETRYABLE % {"status": label})
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert state() == before


def test_a_run_of_another_township_cannot_be_run_again(demo_county, client, make_user):
    from households.models import Township

    other = Township.objects.create(code="360721199", name="别镇")
    client.force_login(make_user("township", username="elsewhere", township=other))
    run = tasks.partition_run_start(scope="village", code=WANXING)
    PartitionRun.objects.filter(pk=run.pk).update(status=Status.FAILED)
    before = state()
    assert client.post(f"/partition-runs/{run.pk}/", {"retry": "1"}).status_code == 404
    assert state() == before


def test_production_intervals_hand_a_dead_workers_job_on_within_a_minute():
    """From gis/settings/base.py (the tests run shorter ones): the last heartbeat is at most
    JOBS_STALLED_SECONDS old when the worker is declared dead, the retry job runs once per
    its cron period, and a worker polls at most JOBS_POLL_SECONDS later."""
    from croniter import croniter

    from gis.settings import base

    cron = croniter(base.JOBS_CRON["retry_stalled"], 0)
    first = cron.get_next(float)
    period = cron.get_next(float) - first
    assert base.JOBS_HEARTBEAT_SECONDS < base.JOBS_STALLED_SECONDS
    assert base.JOBS_STALLED_SECONDS + period + base.JOBS_POLL_SECONDS < 60
    assert base.PROCRASTINATE_WORKER_DEFAULTS["stalled_worker_timeout"] == base.JOBS_STALLED_SECONDS
    assert base.PROCRASTINATE_WORKER_DEFAULTS["concurrency"] >= 2  # retry beside a long run
