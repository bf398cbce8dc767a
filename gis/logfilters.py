"""Logging filters of the site (named in ``LOGGING``)."""

import logging


class QuietPeriodicJobs(logging.Filter):
    """Drops the worker's lines for periodic housekeeping jobs that start and succeed (one
    every few seconds); their failures, and every line of other jobs, still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.conf import settings

        message = record.getMessage()
        if not ("Starting job" in message or "status: Success" in message):
            return True
        return not any(f".{name}[" in message for name in settings.JOBS_CRON)
