"""In Chromium: a township officer reviews the draft year, adjusts one person with a
reason, publishes, downloads the XLSX (read back with openpyxl); a member records a
civility entry, the village cadre approves it and prints the red board (an A4 PDF).
Every page is photographed at 1366×850 and 360×740 (/work/notes/shots/assess when it
exists, else .run/screenshots)."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook

from households.models import Role, UserArea
from layers.assessment import services
from layers.assessment.models import Score, ScoreChange
from layers.points.models import CivilityEntry
from layers.points.services import civility_openings_ensure
from tests.conftest import login

from .fixtures import small_township

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
NOTES = Path("/work/notes/shots/assess")
SHOTS = NOTES if NOTES.parent.exists() else Path(__file__).resolve().parents[3] / ".run" / "shots"
SIZES = {"desktop": (1366, 850), "phone": (360, 740)}


def shoot(browser, live_server, username, name, path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (w, h) in SIZES.items():
        context = browser.new_context(viewport={"width": w, "height": h})
        page = context.new_page()
        login(page, live_server, username, "x")
        page.goto(live_server.url + path)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        if size == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 362 or name in ("run", "run-published"), (name, width)
        context.close()


def staff(username, role, **area):
    user = User.objects.create_user(username, password="x")
    UserArea.objects.create(user=user, role=role, **area)
    return user


def test_review_adjust_publish_export_and_the_red_board(browser, live_server, tmp_path):
    s = small_township()
    civility_openings_ensure()
    run = services.run_compute(
        services.run_prepare(
            township=s.township,
            kind="year",
            starts_on=dt.date(2025, 1, 1),
            today=dt.date(2026, 1, 2),
        )
    )
    staff("town", Role.TOWNSHIP, township=s.township)
    staff("cadre", Role.VILLAGE, village=s.village)
    staff("countyx", Role.COUNTY)
    jia = s.people["甲长"]
    before = Score.objects.get(run=run, person=jia).final

    context = browser.new_context(viewport={"width": 1366, "height": 850}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "town", "x")
    page.goto(live_server.url + "/assessment/")
    page.click(f"a[href='/assessment/{run.pk}/']")
    assert page.locator("#ranked tbody tr").count() == 4
    page.select_option("#adjust-form select[name=person]", str(jia.pk))
    page.fill("#adjust-form input[name=points]", "4")
    page.fill("#adjust-form input[name=reason]", "参加全部网格例会")
    page.click("#adjust-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "参加全部网格例会" in page.inner_text("#changes")
    assert Score.objects.get(run=run, person=jia).final == pytest.approx(before + 4)
    assert ScoreChange.objects.get().reason == "参加全部网格例会"
    shoot(browser, live_server, "town", "run", f"/assessment/{run.pk}/")
    page.check("#publish-confirm")
    page.click("#publish")
    page.wait_for_load_state("networkidle")
    assert page.locator("#run-status").inner_text() in ("已发布", "published")
    with page.expect_download() as download:
        page.click("#xlsx")
    ws = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    header = [c.value for c in ws[2]]
    names = [r[1] for r in ws.iter_rows(min_row=3, max_row=6, values_only=True)]
    assert sorted(names) == sorted(["甲长", "乙员", "丙长", "丁员"])
    row = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[1] == "甲长")
    assert row[header.index("调整")] == 4
    shoot(browser, live_server, "town", "run-published", f"/assessment/{run.pk}/")
    shoot(browser, live_server, "town", "index", "/assessment/")
    shoot(browser, live_server, "town", "person", f"/assessment/people/{jia.pk}/")
    shoot(browser, live_server, "countyx", "rules", "/assessment/rules/")

    # a member records, the cadre approves and prints the red board
    context.close()
    context = browser.new_context(viewport={"width": 1366, "height": 850})
    page = context.new_page()
    login(page, live_server, s.users["乙员"].username, "x")
    page.goto(live_server.url + "/points/")
    page.fill("#civility-form [name=household]", "H3000003")
    page.select_option("#civility-form [name=category]", index=1)
    page.fill("#civility-form [name=points]", "8")
    today = dt.date.today()
    page.fill("#civility-form [name=on]", today.isoformat())
    page.fill("#civility-form [name=note]", "门前三包")
    page.click("#civility-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    entry = CivilityEntry.objects.get(kind="entry")
    assert entry.status == "pending" and entry.recorded_by == s.users["乙员"]
    shoot(browser, live_server, s.users["乙员"].username, "points-member", "/points/")
    context.close()
    context = browser.new_context(viewport={"width": 1366, "height": 850})
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "cadre", "x")
    page.goto(live_server.url + "/points/")
    page.click(f"li[data-entry='{entry.pk}'] button[value=approve]")
    page.wait_for_load_state("networkidle")
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.approved_by.username == "cadre"
    month = today.strftime("%Y-%m")
    page.goto(f"{live_server.url}/villages/{s.village.code}/boards/?month={month}")
    assert "户主A3" in page.inner_text("#red-board")
    page.click("#print-link")
    page.wait_for_load_state("networkidle")
    assert "+8" in page.inner_text("#red-board")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    for name, path in [
        ("points-cadre", "/points/"),
        ("ledger", "/points/households/H3000003/"),
        ("boards", f"/villages/{s.village.code}/boards/?month={month}"),
        ("boards-print", f"/villages/{s.village.code}/boards/?month={month}&print=1"),
        ("party", f"/villages/{s.village.code}/party/?year=2025"),
    ]:
        shoot(browser, live_server, "cadre", name, path)
    assert not errors
    context.close()
