"""Worker processes of the site's job queue, for tests: ``manage.py procrastinate worker``
subprocesses on the test database, as ``make serve`` starts one beside the web server.

Tests that use them need committed data (``django_db(transaction=True)``); the queue's
intervals are the short ones of gis/settings/test.py.
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateWorker

ROOT = Path(__file__).resolve().parent.parent
# procrastinate's tables are not Django-managed: a transactional test's flush leaves them
QUEUE_TABLES = (
    "procrastinate_periodic_defers",
    "procrastinate_events",
    "procrastinate_jobs",
    "procrastinate_workers",
)
START_SECONDS = 60  # Django's start-up in a fresh process, on 2 cores shared with other work
STOP_SECONDS = 30  # a worker asked to stop finishes its job first


def wait_for(predicate, seconds: float, what: str, every: float = 0.02):
    """Poll ``predicate`` until it returns something true, which is returned; fail after
    ``seconds`` saying ``what`` did not happen."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds} s")


def queue_clear() -> None:
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(QUEUE_TABLES)} RESTART IDENTITY CASCADE")


def _database_url() -> str:
    s = connection.settings_dict
    login = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgis://{login}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_start(name: str, log_dir: Path, *args: str, env: dict | None = None):
    """One worker process named ``name`` (its output in ``log_dir/name.log``)."""
    environ = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        **(env or {}),
    }
    log = (log_dir / f"{name}.log").open("w")
    command = [sys.executable, "manage.py", "procrastinate", "worker", "--name", name, *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, text=True
    )


def worker_stop(process) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def workers(log_dir: Path, *names: str, args=(), env: dict | None = None):
    """Start one worker process per name, wait until each has registered (its first
    heartbeat), yield {name: Popen}; at the end stop them all and empty the queue."""
    known = ProcrastinateWorker.objects.order_by("-id").values_list("id", flat=True).first()
    processes = {name: worker_start(name, log_dir, *args, env=env) for name in names}

    def registered():
        for name, process in processes.items():
            assert process.poll() is None, (log_dir / f"{name}.log").read_text()
        return ProcrastinateWorker.objects.filter(id__gt=known or 0).count() >= len(names)

    try:
        wait_for(registered, START_SECONDS, "the workers registered", every=0.1)
        yield processes
    finally:
        for process in processes.values():
            worker_stop(process)
        queue_clear()
