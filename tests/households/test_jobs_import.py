"""Imports on the job queue: a confirmed upload over IMPORT_QUEUE_ROWS rows becomes an import
run that a worker process imports while its page shows progress; uploads nobody confirmed
are deleted after IMPORT_UPLOAD_MAX_HOURS by a periodic job."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from households import tasks
from households.jobs import MAX_ATTEMPTS
from households.models import Household, ImportRun, Township
from tests.conftest import DEMO
from tests.workers import wait_for, workers

from .conftest import demo_household_rows, unchanged_db, write_rows

Status = ImportRun.Status
DEMO_ROWS = 2203  # sample_data/demo/households.csv
IMPORT_SECONDS = 60  # a 2,203-row import on a loaded 2-core machine, with the worker's start


@pytest.fixture
def media(settings, tmp_path):
    """Uploads under tmp_path/media, where a worker process started with DJANGO_MEDIA_ROOT
    finds them too; confirmed files of over 1,000 rows go to the queue."""
    settings.IMPORT_UPLOAD_DIR = tmp_path / "media" / "imports"
    settings.IMPORT_QUEUE_ROWS = 1000
    return tmp_path / "media"


@pytest.fixture
def clerk(client, make_user):
    township, _ = Township.objects.get_or_create(code="360721100", defaults={"name": "坑口镇"})
    client.force_login(make_user("township", username="clerk", township=township))
    return client


def upload(client, path) -> str:
    data = {"kind": "households", "file": SimpleUploadedFile(path.name, path.read_bytes())}
    response = client.post("/imports/", {**data, "crs": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def age(folder, hours: float) -> None:
    when = time.time() - hours * 3600
    for path in [*folder.iterdir(), folder]:
        os.utime(path, (when, when))


@pytest.mark.django_db(transaction=True)
def test_a_large_import_runs_on_the_queue_and_shows_its_progress(
    demo_groups, media, clerk, tmp_path
):
    review = upload(clerk, DEMO / "households.csv")
    assert 'name="confirm"' in clerk.get(review).content.decode()
    response = clerk.post(review, {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == review
    assert not Household.objects.exists()  # not in the request
    run = ImportRun.objects.get()
    assert (run.status, run.rows, run.source) == (Status.QUEUED, DEMO_ROWS, "households.csv")
    assert ProcrastinateJob.objects.get(id=run.job_id).task_name == tasks.IMPORT_TASK
    page = clerk.get(review).content.decode()
    assert 'data-status="queued"' in page and '<progress id="import-progress">' in page
    assert 'http-equiv="refresh"' in page and 'name="confirm"' not in page
    clerk.post(review, {"confirm": "1"})  # confirmed twice: still one run, one job
    assert ImportRun.objects.count() == 1 and ProcrastinateJob.objects.count() == 1

    env = {"DJANGO_MEDIA_ROOT": str(media)}
    with workers(tmp_path, "importer", env=env):
        wait_for(
            lambda: ImportRun.objects.filter(pk=run.pk, status=Status.DONE).exists(),
            IMPORT_SECONDS,
            "the worker imported the file",
            every=0.1,
        )
        # the periodic purge, run now rather than at its hour: an old upload goes
        stale = upload(clerk, DEMO / "households.csv").rstrip("/").rsplit("/", 1)[1]
        age(tasks.upload_dir(stale), django_settings.IMPORT_UPLOAD_MAX_HOURS + 1)
        app.configure_task("households.uploads_purge").defer(timestamp=0)
        wait_for(lambda: not tasks.upload_dir(stale).exists(), IMPORT_SECONDS, "the purge ran")
    assert Household.objects.count() == DEMO_ROWS
    page = clerk.get(review).content.decode()
    assert 'data-status="done"' in page and f'<td id="r-created">{DEMO_ROWS}</td>' in page
    assert 'http-equiv="refresh"' not in page
    assert not tasks.upload_dir(run.token).exists()  # the file with ID numbers and phones


def test_a_small_import_stays_in_the_request(demo_groups, media, clerk, tmp_path):
    review = upload(clerk, write_rows(tmp_path / "small.csv", demo_household_rows(10)))
    response = clerk.post(review, {"confirm": "1"})
    assert response.status_code == 200 and Household.objects.count() == 10
    assert not ImportRun.objects.exists() and not ProcrastinateJob.objects.exists()


def test_a_queued_import_rejected_by_the_worker_writes_nothing(demo_groups, media, clerk, tmp_path):
    """Confirmed although its report lists errors (a hand-made POST): the worker rejects it
    whole, and its page lists the rows, as the review did."""
    rows = demo_household_rows()
    rows[3]["members"] = "many"
    review = upload(clerk, write_rows(tmp_path / "bad.csv", rows))
    clerk.post(review, {"confirm": "1"})
    run = ImportRun.objects.get()
    with unchanged_db():
        assert tasks.import_run_work(run.pk) == Status.REJECTED
    page = clerk.get(review).content.decode()
    assert 'data-status="rejected"' in page and "5, 人口数（members）" in page
    assert not tasks.upload_dir(run.token).exists()
    assert tasks.import_run_work(run.pk) == "nothing to import"  # a job run twice


def test_an_import_whose_workers_keep_dying_is_failed(demo_groups, media, clerk):
    review = upload(clerk, DEMO / "households.csv")
    clerk.post(review, {"confirm": "1"})
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(status=Status.RUNNING, attempts=MAX_ATTEMPTS)
    with unchanged_db():
        assert tasks.import_run_work(run.pk) == "nothing to import"
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert run.message == str(tasks.ERR_WORKER_DIED % {"n": MAX_ATTEMPTS})
    page = clerk.get(review).content.decode()
    assert 'data-status="failed"' in page and run.message in page
    assert not tasks.upload_dir(run.token).exists()


def test_another_user_cannot_see_a_queued_import(demo_groups, media, clerk, client, make_user):
    review = upload(clerk, DEMO / "households.csv")
    clerk.post(review, {"confirm": "1"})
    township = Township.objects.get(code="360721100")
    other = make_user("township", username="colleague", township=township)
    client.logout()
    client.force_login(other)
    assert client.get(review).status_code == 404
    assert client.post(review, {"confirm": "1"}).status_code == 404
    assert ImportRun.objects.count() == 1


def test_uploads_nobody_confirmed_are_deleted_after_a_day(demo_groups, media, clerk, make_user):
    """Old unconfirmed uploads and old finished runs (their reports quote bad ID numbers)
    go; fresh uploads, and old ones still waiting in the queue, stay."""
    hours = django_settings.IMPORT_UPLOAD_MAX_HOURS

    def token(review):
        return review.rstrip("/").rsplit("/", 1)[1]

    old = token(upload(clerk, DEMO / "households.csv"))
    fresh = token(upload(clerk, DEMO / "households.csv"))
    waiting_review = upload(clerk, DEMO / "households.csv")
    clerk.post(waiting_review, {"confirm": "1"})
    waiting = token(waiting_review)
    for t in (old, waiting):
        age(tasks.upload_dir(t), hours + 1)
    age(tasks.upload_dir(fresh), hours - 1)
    user = make_user("admin", username="root")
    long_ago = timezone.now() - timedelta(hours=hours + 1)
    for name, when in (("old-done", long_ago), ("new-done", timezone.now())):
        done = ImportRun.objects.create(token=name, kind="households", user=user, status="done")
        ImportRun.objects.filter(pk=done.pk).update(created_at=when)
    ImportRun.objects.filter(token=waiting).update(created_at=long_ago)

    assert tasks.uploads_purge() == 1
    assert not tasks.upload_dir(old).exists()
    assert tasks.upload_dir(fresh).exists() and tasks.upload_dir(waiting).exists()
    assert set(ImportRun.objects.values_list("token", flat=True)) == {"new-done", waiting}


def test_every_periodic_job_has_its_schedule_in_the_settings():
    """settings.JOBS_CRON is where periodic jobs are scheduled: each entry is a task's
    periodic id, with that cron, and no periodic task is scheduled elsewhere."""
    registered = {p.periodic_id: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert registered == django_settings.JOBS_CRON
