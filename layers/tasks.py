"""The layers app's jobs on the site's queue (gis/tasks.py has the queue's own jobs).

The county's coverage dashboard is computed anew every five minutes
(``settings.JOBS_CRON["coverage_warm"]``): county staff land on it ready.
Incident deadlines are checked every minute (``settings.JOBS_CRON["incidents_deadlines"]``):
what passed its deadline climbs a tier (layers.incidents.deadlines).
"""

from django.conf import settings
from procrastinate.contrib.django import app

from layers.coverage.services import coverage_warm
from layers.incidents.deadlines import incidents_escalate_due


@app.periodic(cron=settings.JOBS_CRON["incidents_deadlines"], periodic_id="incidents_deadlines")
@app.task(name="layers.incidents_deadlines", queueing_lock="layers.incidents_deadlines")
def incidents_deadlines(timestamp: int) -> int:
    return incidents_escalate_due()


@app.periodic(cron=settings.JOBS_CRON["coverage_warm"], periodic_id="coverage_warm")
@app.task(name="layers.coverage_warm", queueing_lock="layers.coverage_warm")
def coverage_warm_job(timestamp: int) -> int:
    return coverage_warm()
