"""Fixtures shared by the whole suite: sample files, the demo county loaded in PostGIS, a browser."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
DEMO = SAMPLE / "demo"
ANDORRA = SAMPLE / "osm-andorra"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API runs an event loop in the test thread; the ORM calls in the
# same tests are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def demo_county(db):
    """The demo township (坑口镇: 坑口村, 万星村, 坪地山村) imported through the real importers."""
    from households.importing import import_households, import_persons, import_village_groups

    import_village_groups(DEMO / "village_groups.geojson")
    import_households(DEMO / "households.csv")
    import_persons(DEMO / "persons.csv")
    from households.models import Township

    return Township.objects.get(code="360721100")


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with empty caches: a test's rows are rolled back without a commit,
    so the data stamps (households/stamps.py) of the next test's rows would match its keys."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=False):
        cache.clear()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def login(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


PASSWORD = "pw-for-tests-1"


@pytest.fixture
def make_user(db):
    """make_user(role, township=..., village=..., grid_code=..., member_number=...) -> User."""
    from django.contrib.auth.models import User

    from households.models import UserArea

    def make(
        role,
        *,
        username=None,
        township=None,
        village=None,
        grid_code="",
        member_number=None,
        person=None,
    ):
        user = User.objects.create_user(
            username or f"{role}-{User.objects.count()}", password=PASSWORD
        )
        UserArea.objects.create(
            user=user,
            role=role,
            township=township,
            village=village,
            grid_code=grid_code,
            member_number=member_number,
            person=person,
        )
        return user

    return make


@pytest.fixture
def township_user(make_user, demo_county):
    """Township staff of the demo township (坑口镇)."""
    return make_user("township", username="township", township=demo_county)


@pytest.fixture
def job_worker(transactional_db, tmp_path):
    """A worker process of the job queue on the test database, as `make serve` starts one
    (tests/workers.py); the test's data must be committed, hence a transactional database."""
    from tests.workers import workers

    with workers(tmp_path, "worker") as processes:
        yield processes["worker"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's set-up, plus: close connections a live server's threads left open, so
    the test database can be dropped at the end instead of piling up on the server."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
