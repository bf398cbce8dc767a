"""Partition runs on the site's job queue (procrastinate; gis/tasks.py has the queue's own jobs).

The map's button starts a run: the run row and its queue job are written in one transaction
(``partition_run_start``). A worker (``manage.py procrastinate worker``) takes the job, the
queue giving each job to one worker only, and computes the run
(``services.partition_run_compute``), which stores the proposal in one write at its end: a
worker that dies mid-run leaves no half-written proposal. Its job is handed to a live
worker by the queue's "retry stalled" job and computed from the start, at most
households.jobs.MAX_ATTEMPTS times. A failed run is queued again by ``partition_run_retry``
(the run page's button). The pages only read the runs; runs that nothing will finish are
failed here, by the periodic ``partition_runs_expire``.
"""

import logging
import os
import socket
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from grids import services
from grids.models import PartitionRun
from households.jobs import OPEN, run_claim

log = logging.getLogger(__name__)

PARTITION_TASK = "grids.partition_run"
# A run computed outside the queue (manage.py partition) shows a sign of life at least once
# per village; one silent this long has stopped.
STALE_RUN_MINUTES = 10
# Namespace of the advisory locks held while a run is computed: "grid" in ASCII.
LOCK_NAMESPACE = 0x67726964
Status = PartitionRun.Status
JOB_ENDED = ("succeeded", "failed", "cancelled", "aborted")

ERR_NOT_RETRYABLE = _("Only a failed run can be run again; this one is %(status)s.")
ERR_WORKER_DIED = _(
    "The background worker stopped %(n)d times while computing this run; it was not tried "
    "again. Run it for a smaller area, or ask the administrator."
)
ERR_JOB_ENDED = _("The background job ended without finishing this run; run it again.")
ERR_STALE = _("The job stopped (the server was restarted?); run it again.")


def _enqueue(run: PartitionRun) -> None:
    run.job_id = app.configure_task(PARTITION_TASK, lock=f"partition-run-{run.pk}").defer(
        run_id=run.pk
    )
    run.save(update_fields=["job_id"])


@transaction.atomic
def partition_run_start(*, scope: str, code: str, user=None, fresh: bool = False) -> PartitionRun:
    """A new run and its queue job, written together (or neither)."""
    run = services.partition_run_create(scope=scope, code=code, user=user, fresh=fresh)
    _enqueue(run)
    return run


@transaction.atomic
def partition_run_retry(run: PartitionRun) -> PartitionRun:
    """Queue a failed run again, from the start. ConflictError unless it failed."""
    run = PartitionRun.objects.select_for_update().get(pk=run.pk)
    if run.status != Status.FAILED:
        raise services.ConflictError(ERR_NOT_RETRYABLE % {"status": run.get_status_display()})
    run.status, run.message, run.worker = Status.QUEUED, "", ""
    run.progress_done, run.attempts = 0, 0
    run.finished_at = run.heartbeat_at = None
    run.save()
    _enqueue(run)
    return run


@contextmanager
def _computing(run_id: int):
    """Whether this process may compute run ``run_id``: a session advisory lock, held until
    the end of the block, or released by PostgreSQL when the process's connection ends
    (``kill -9``). A worker wrongly thought dead and its replacement never compute together."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, run_id])
        held = cur.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, run_id])


def partition_run_claim(run_id: int, worker: str) -> PartitionRun | None:
    """Run ``run_id``, now running for ``worker`` (households.jobs.run_claim); None when
    there is nothing to compute."""
    now = timezone.now()
    run, _gave_up = run_claim(
        PartitionRun,
        run_id,
        gave_up=ERR_WORKER_DIED,
        worker=worker[:100],
        heartbeat_at=now,
        progress_done=0,
    )
    return run


def partition_run_execute(run: PartitionRun) -> PartitionRun:
    """Compute a claimed run; a failure is stored on the run (the page shows it)."""
    try:
        return services.partition_run_compute(run)
    except Exception as exc:  # the page shows the failure; the log has the traceback
        log.exception("partition run %s failed", run.pk)
        PartitionRun.objects.filter(pk=run.pk).update(
            status=Status.FAILED, message=str(exc), finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run


def partition_run_work(run_id: int, worker: str) -> str:
    """The queue job's work: claim run ``run_id`` and compute it. Returns what it did."""
    with _computing(run_id) as held:
        if not held:
            return "computed elsewhere"
        run = partition_run_claim(run_id, worker)
        if run is None:
            return "nothing to compute"
        log.info(
            "partition run %s (%s %s): attempt %d", run.pk, run.scope, run.scope_code, run.attempts
        )
        return partition_run_execute(run).status


def partition_runs_expire_stale(now=None) -> int:
    """Fail the open runs that nothing will finish: those whose queue job ended (or is gone)
    without finishing them, and those computed outside the queue (manage.py partition) that
    have been silent for STALE_RUN_MINUTES. Returns how many."""
    now = now or timezone.now()
    job = ProcrastinateJob.objects.filter(id=OuterRef("job_id"))
    ended = Q(job_id__isnull=False) & (Exists(job.filter(status__in=JOB_ENDED)) | ~Exists(job))
    open_runs = PartitionRun.objects.filter(status__in=OPEN)
    n = open_runs.filter(ended).update(status=Status.FAILED, finished_at=now, message=ERR_JOB_ENDED)
    silent = now - timedelta(minutes=STALE_RUN_MINUTES)
    quiet = Q(heartbeat_at__lt=silent) | Q(heartbeat_at__isnull=True, created_at__lt=silent)
    n += open_runs.filter(quiet, job_id__isnull=True).update(
        status=Status.FAILED, finished_at=now, message=ERR_STALE
    )
    return n


@app.task(name=PARTITION_TASK, pass_context=True)
def partition_run(context, run_id: int) -> str:
    return partition_run_work(run_id, f"{context.worker_name} {socket.gethostname()}:{os.getpid()}")


@app.periodic(cron=settings.JOBS_CRON["partition_runs_expire"], periodic_id="partition_runs_expire")
@app.task(name="grids.partition_runs_expire", queueing_lock="grids.partition_runs_expire")
def partition_runs_expire(timestamp: int) -> int:
    return partition_runs_expire_stale()
