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
ERR_WORKER_DIED = _("The background worker stopped %(n)d times computing this assessment.")


@transaction.atomic
def run_start(*, township, kind: str, starts_on, today=None) -> Run:
    """The period's run, queued with its job (or neither)."""
    run = services.run_prepare(township=township, kind=kind, starts_on=starts_on, today=today)
    run.job_id = app.configure_task(TASK, lock=f"assessment-run-{run.pk}").defer(run_id=run.pk)
    run.save(update_fields=["job_id"])
    return run


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
