"""The worker's log: periodic housekeeping that succeeds is quiet, everything else is not."""

import logging

from gis.logfilters import QuietPeriodicJobs


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("procrastinate.worker", logging.INFO, __file__, 1, message, (), None)


def test_periodic_successes_are_dropped_and_the_rest_kept():
    quiet = QuietPeriodicJobs()
    assert not quiet.filter(record("Starting job jobs.retry_stalled[9](timestamp=1)"))
    assert not quiet.filter(
        record("Job layers.incidents_deadlines[6](timestamp=1) ended with status: Success")
    )
    assert quiet.filter(record("Job jobs.retry_stalled[9](timestamp=1) ended with status: Failed"))
    assert quiet.filter(record("Starting job grids.partition_run_compute[12](run_id=3)"))
    assert quiet.filter(record("Launching a worker on all queues"))
