"""Opening entries for households imported with civility points (every few minutes)."""

from django.conf import settings
from procrastinate.contrib.django import app

from .services import civility_openings_ensure


@app.periodic(cron=settings.JOBS_CRON["civility_openings"], periodic_id="civility_openings")
@app.task(name="layers.civility_openings", queueing_lock="layers.civility_openings")
def civility_openings(timestamp: int) -> int:
    return civility_openings_ensure()
