"""Imports on the site's job queue, and the purge of uploads nobody confirmed.

The upload page (views_import) imports a confirmed file of up to IMPORT_QUEUE_ROWS rows
within the request; a larger one becomes an ImportRun and a queue job written together
(``import_run_start``), and its page shows the run until the report is there. The import
is one transaction with the run's own "imported" status, so a worker killed mid-import
leaves nothing written, and the live worker that takes the job over imports it whole.
"""

import logging
import shutil
from datetime import timedelta
from pathlib import Path

import pyogrio
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from procrastinate.contrib.django import app

from households.importing import (
    ImportRejected,
    import_households,
    import_persons,
    import_village_groups,
)
from households.jobs import OPEN, run_claim
from households.models import ImportRun, Township

log = logging.getLogger(__name__)

IMPORT_TASK = "households.import_run"
IMPORTERS = {
    "groups": import_village_groups,
    "households": import_households,
    "persons": import_persons,
}
# when rows cannot be counted: sample_data/demo/households.csv has 154 bytes per row; fewer
# bytes per row counts more rows, so a file in doubt goes to the queue
BYTES_PER_ROW = 100
Status = ImportRun.Status

ERR_WORKER_DIED = _(
    "The background worker stopped %(n)d times during this import; nothing was written. "
    "Upload the file again, or ask the administrator."
)


def upload_dir(token: str) -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR) / token


def import_file(meta: dict, path: Path, township: Township | None, *, dry_run: bool):
    """(report, rejected) of importing the upload ``path`` as ``meta`` says (kind, options)."""
    kwargs = {"dry_run": dry_run, "skip_rejected": meta["skip_rejected"], "township": township}
    if meta["kind"] == "households":
        kwargs["crs"] = meta["crs"] or None
    try:
        return IMPORTERS[meta["kind"]](path, **kwargs), False
    except ImportRejected as exc:
        return exc.report, True


def import_rows_estimate(path: Path) -> int:
    """About how many rows an upload has, without parsing it: lines of a text file and rows
    of the largest XLSX sheet (less the header), the feature count GDAL keeps otherwise."""
    try:
        suffix = path.suffix.lower()
        if suffix in (".csv", ".txt"):
            lines, last = 0, b"\n"
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    lines, last = lines + chunk.count(b"\n"), chunk[-1:]
            return max(lines + (last != b"\n") - 1, 0)
        if suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            try:
                return max((ws.max_row or 1) - 1 for ws in book.worksheets)
            finally:
                book.close()
        return int(pyogrio.read_info(path)["features"])
    except Exception:  # an unreadable file: the import itself will say why
        return path.stat().st_size // BYTES_PER_ROW


@transaction.atomic
def import_run_start(*, token: str, meta: dict, user, township, rows: int) -> ImportRun:
    """A confirmed upload's run and its queue job, written together (or neither)."""
    run = ImportRun.objects.create(
        token=token,
        kind=meta["kind"],
        source=meta["file"],
        options={k: meta[k] for k in ("crs", "skip_rejected")},
        user=user,
        township=township,
        rows=rows,
    )
    run.job_id = app.configure_task(IMPORT_TASK).defer(run_id=run.pk)
    run.save(update_fields=["job_id"])
    return run


def import_run_claim(run_id: int) -> ImportRun | None:
    """Run ``run_id``, now running (households.jobs.run_claim); None when there is nothing
    to import. An upload whose workers kept dying is deleted with its failed run."""
    run, gave_up = run_claim(ImportRun, run_id, gave_up=ERR_WORKER_DIED, started_at=timezone.now())
    if gave_up:
        shutil.rmtree(upload_dir(ImportRun.objects.get(pk=run_id).token), ignore_errors=True)
    return run


def import_run_work(run_id: int) -> str:
    """The queue job's work: import the upload of run ``run_id``, then delete the upload."""
    run = import_run_claim(run_id)
    if run is None:
        return "nothing to import"
    meta = {"kind": run.kind, **run.options}
    try:
        with transaction.atomic():  # the rows and the "imported" status, or neither
            # the run's row stays locked until the end: a second worker cannot claim it
            if not ImportRun.objects.select_for_update(skip_locked=True).filter(
                pk=run.pk, attempts=run.attempts
            ):
                return "imported elsewhere"
            report, rejected = import_file(
                meta, upload_dir(run.token) / run.source, run.township, dry_run=False
            )
            run.status = Status.REJECTED if rejected else Status.DONE
            run.report, run.finished_at = report.as_dict(), timezone.now()
            run.save(update_fields=["status", "report", "finished_at"])
    except Exception as exc:  # the page shows the failure; the log has the traceback
        log.exception("import run %s failed", run.pk)
        run.status, run.message, run.finished_at = Status.FAILED, str(exc), timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
    shutil.rmtree(upload_dir(run.token), ignore_errors=True)  # ID numbers and phones
    return run.status


def uploads_purge(now=None) -> int:
    """Delete uploads older than IMPORT_UPLOAD_MAX_HOURS that are not waiting in the queue,
    and finished import runs as old. Returns how many uploads were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IMPORT_UPLOAD_MAX_HOURS)
    ImportRun.objects.filter(created_at__lt=cutoff).exclude(status__in=OPEN).delete()
    waiting = set(ImportRun.objects.filter(status__in=OPEN).values_list("token", flat=True))
    root = Path(settings.IMPORT_UPLOAD_DIR)
    removed = 0
    for folder in root.iterdir() if root.is_dir() else ():
        if folder.name in waiting or folder.stat().st_mtime >= cutoff.timestamp():
            continue
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink()
        removed += 1
    return removed


@app.task(name=IMPORT_TASK)
def import_run(run_id: int) -> str:
    return import_run_work(run_id)


@app.periodic(cron=settings.JOBS_CRON["uploads_purge"], periodic_id="uploads_purge")
@app.task(name="households.uploads_purge", queueing_lock="households.uploads_purge")
def uploads_purge_job(timestamp: int) -> int:
    return uploads_purge()
