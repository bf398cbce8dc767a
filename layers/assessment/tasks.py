"""Assessment drafts computed on the site's job queue (procrastinate).

The run page's button writes the run and its queue job in one transaction
(``run_start``); a worker claims the run (households.jobs.run_claim: one worker, a few
attempts at most) and computes it in one transaction, so a worker that dies leaves the
previous draft or nothing.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django import app

from households.jobs import run_claim

from . import services
from .models import Run

log = logging.getLogger(__name__)
TASK = "layers.assessment_compute"
MANY_TASK = "layers.assessment_compute_many"
ERR_WORKER_DIED = _("The background worker stopped %(n)d times computing this assessment.")


@transaction.atomic
def run_start(*, township, kind: str, starts_on, today=None) -> Run:
    """The period's run, queued with its job (or neither)."""
    run = services.run_prepare(township=township, kind=kind, starts_on=starts_on, today=today)
    run.job_id = app.configure_task(TASK, lock=f"assessment-run-{run.pk}").defer(run_id=run.pk)
    run.save(update_fields=["job_id"])
    return run


@transaction.atomic
def county_start(*, townships, kind: str, starts_on, today=None) -> list[Run]:
    """Every township's run of a period (those not published yet), computed by one job in
    one statement (compute.runs_compute); nothing is queued if one is refused."""
    runs = []
    for township in townships:
        if Run.objects.filter(
            township=township, kind=kind, starts_on=starts_on, status=Run.Status.PUBLISHED
        ).exists():
            continue
        runs.append(
            services.run_prepare(township=township, kind=kind, starts_on=starts_on, today=today)
        )
    if runs:
        ids = [r.pk for r in runs]
        job = app.configure_task(MANY_TASK).defer(run_ids=ids)
        Run.objects.filter(pk__in=ids).update(job_id=job)
        for run in runs:
            run.job_id = job
    return runs


def runs_work(run_ids: list[int]) -> int:
    """Claim the runs still queued and compute them together; returns how many."""
    claimed = [
        run
        for run, _gave_up in (run_claim(Run, pk, gave_up=ERR_WORKER_DIED) for pk in run_ids)
        if run is not None
    ]
    if not claimed:
        return 0
    try:
        services.runs_compute(claimed)
    except Exception as exc:  # the pages show the failure; the log has the traceback
        log.exception("assessment runs %s failed", run_ids)
        Run.objects.filter(pk__in=[r.pk for r in claimed]).update(
            status=Run.Status.FAILED, message=str(exc), finished_at=timezone.now()
        )
        return 0
    return len(claimed)


def run_work(run_id: int) -> str:
    run, _gave_up = run_claim(Run, run_id, gave_up=ERR_WORKER_DIED)
    if run is None:
        return "nothing to compute"
    try:
        return services.run_compute(run).status
    except Exception as exc:  # the page shows the failure; the log has the traceback
        log.exception("assessment run %s failed", run_id)
        Run.objects.filter(pk=run_id).update(
            status=Run.Status.FAILED, message=str(exc), finished_at=timezone.now()
        )
        return Run.Status.FAILED


@app.task(name=TASK)
def assessment_compute(run_id: int) -> str:
    return run_work(run_id)


@app.task(name=MANY_TASK)
def assessment_compute_many(run_ids: list[int]) -> int:
    return runs_work(run_ids)
