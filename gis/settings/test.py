"""pytest settings: fast hashing, plain static storage, no outside network."""

import os
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Tests log in with Client.login (no request object); the throttling test turns axes on.
AXES_ENABLED = False

# One test database per pytest process, so that runs side by side (several
# checkouts, or a developer and CI) never drop each other's database.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": ENV.get("GIS_TEST_DB") or f"test_{DATABASES['default']['NAME']}_{os.getpid()}",  # noqa: F405
}

# Caches of this pytest process (emptied before each test: tests/conftest.py), in a folder
# that the job-queue workers it starts share (they inherit the environment).
CACHE_DIR = Path(ENV.get("GIS_CACHE_DIR") or f"/tmp/gridgis-test-cache-{os.getpid()}")  # noqa: F405
os.environ["GIS_CACHE_DIR"] = str(CACHE_DIR)
for _alias, _cache in CACHES.items():  # noqa: F405
    _cache["LOCATION"] = CACHE_DIR / _alias

# The job queue at test speed: the tests that kill a worker process wait for the queue to
# notice (JOBS_STALLED_SECONDS) and hand its job on (retry stalled, every second), not for
# the production minute.
JOBS_HEARTBEAT_SECONDS = 0.5
JOBS_STALLED_SECONDS = 4.0
JOBS_POLL_SECONDS = 0.5
JOBS_CRON = {**JOBS_CRON, "retry_stalled": "* * * * * *", "partition_runs_expire": "* * * * * *"}  # noqa: F405
PROCRASTINATE_WORKER_DEFAULTS = {  # noqa: F405
    **PROCRASTINATE_WORKER_DEFAULTS,  # noqa: F405
    "update_heartbeat_interval": JOBS_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": JOBS_STALLED_SECONDS,
    "fetch_job_polling_interval": JOBS_POLL_SECONDS,
}
