"""The job queue's own periodic jobs: stalled jobs go to a live worker; old jobs are pruned.

The site has one queue, procrastinate's tables in the site's database, run by
``manage.py procrastinate worker`` (README: Background jobs). Each app declares its tasks
in its own tasks.py (grids/tasks.py: partition runs; households/tasks.py: large imports,
the upload purge); periodic jobs take their schedule from ``settings.JOBS_CRON``.
"""

from django.conf import settings
from procrastinate.contrib.django import app


@app.periodic(cron=settings.JOBS_CRON["retry_stalled"], periodic_id="retry_stalled")
@app.task(name="jobs.retry_stalled", queueing_lock="jobs.retry_stalled", pass_context=True)
async def retry_stalled(context, timestamp: int) -> int:
    """Jobs left "doing" by a worker whose heartbeat stopped (killed, machine lost) go back to
    the queue, where a live worker takes them. Async: it runs beside a long sync job."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=settings.JOBS_STALLED_SECONDS)
    for job in stalled:
        await manager.retry_job(job)
    return len(stalled)


@app.periodic(cron=settings.JOBS_CRON["jobs_prune"], periodic_id="jobs_prune")
@app.task(name="jobs.prune", queueing_lock="jobs.prune", pass_context=True)
async def jobs_prune(context, timestamp: int) -> None:
    """Finished jobs older than JOBS_KEEP_DAYS leave the queue's tables."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=settings.JOBS_KEEP_DAYS * 24,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )
