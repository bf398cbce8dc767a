"""What the site's background runs share (import runs here, partition runs in grids): the
claim of a run by the worker whose queue job computes it.

A run has ``status`` (queued, running, ..., failed), ``attempts``, ``message`` and
``finished_at``. The queue hands the job of a worker that died to a live one; the run then
counts one more attempt, and a run whose workers died MAX_ATTEMPTS times is failed rather
than handed on for ever.
"""

from django.db import transaction
from django.utils import timezone

# 3 lets two unrelated restarts pass; a run that kills its worker every time (too large for
# the machine, say) stops after the third.
MAX_ATTEMPTS = 3
OPEN = ("queued", "running")


def run_claim(model, run_id: int, *, gave_up: str, **running):
    """(run, False): run ``run_id`` of ``model``, now running with the fields ``running``
    and one more attempt. (None, False): nothing to do (finished meanwhile, or held by
    another worker: SELECT ... FOR UPDATE SKIP LOCKED). (None, True): it had MAX_ATTEMPTS
    and is failed now, with ``gave_up`` % {"n": attempts} as its message."""
    with transaction.atomic():
        run = (
            model.objects.select_for_update(skip_locked=True)
            .filter(pk=run_id, status__in=OPEN)
            .first()
        )
        if run is None:
            return None, False
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.finished_at = "failed", timezone.now()
            run.message = gave_up % {"n": run.attempts}
            run.save(update_fields=["status", "finished_at", "message"])
            return None, True
        fields = {"status": "running", "attempts": run.attempts + 1, **running}
        for name, value in fields.items():
            setattr(run, name, value)
        run.save(update_fields=list(fields))
    return run, False
