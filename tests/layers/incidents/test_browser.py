"""The closed loop in Debian's Chromium at phone size (360x740): a resident reports with a
photo (coordinates pasted from a map app, GCJ-02), the member sees it in /my/ and handles
it, the village verifies and closes, the resident sees it closed and rates it; an overdue
case climbs to the township (the deadline job, the clock moved) and is in its queue."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from households.coords import wgs84_to_gcj02
from layers.incidents import workflow as wf
from layers.incidents.deadlines import incidents_escalate_due
from layers.models import Incident
from tests.conftest import PASSWORD, login
from tests.layers.incidents.conftest import jpeg, member_point, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path(__file__).resolve().parents[3] / ".run" / "screenshots"


@pytest.fixture
def phone(browser):
    """new_page() of a phone of its own (cookies not shared): one per person."""
    contexts = []

    class Phones:
        def new_page(self):
            contexts.append(
                browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
            )
            return contexts[-1].new_page()

    yield Phones()
    for context in contexts:
        context.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"incident-{name}.png"), full_page=True)


def narrow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 362, page.url


def test_report_handle_verify_rate_and_escalate(field, cats, live_server, phone, tmp_path):
    u, url = field.users, live_server.url
    errors = []
    resident = phone.new_page()
    resident.on("pageerror", lambda e: errors.append(str(e)))
    resident.goto(f"{url}/report/?v={field.village.code}")
    point = member_point(field)
    x, y = wgs84_to_gcj02([point.x], [point.y])  # as Amap or WeChat would show it
    resident.click("summary")
    resident.fill("#app-coords", f"{x[0]:.6f}, {y[0]:.6f}")
    resident.click("#use-app-coords")
    assert resident.locator("[name=crs]").input_value() == "gcj02"
    resident.select_option("[name=category]", "sanitation")
    resident.fill("[name=description]", "村口排水沟堵塞，雨天积水<script>alert(1)</script>")
    photo = tmp_path / "drain.jpg"
    photo.write_bytes(jpeg((800, 600)))
    resident.set_input_files("[name=photos]", str(photo))
    resident.fill("[name=contact_phone]", "13912345678")
    narrow(resident)
    shot(resident, "1-report-phone")
    with resident.expect_navigation():
        resident.click("#report-form button[type=submit]")
    code = resident.locator("#tracking-code").inner_text()
    incident = Incident.objects.get(tracking_code=code)
    assert incident.member_number == u["grid_member"].area.member_number  # GCJ-02 converted
    assert resident.locator("#case-state").get_attribute("data-state") == wf.DISPATCHED
    assert "13912345678" not in resident.content()
    shot(resident, "2-status-phone")

    member = phone.new_page()
    login(member, live_server, u["grid_member"].username, PASSWORD)
    assert member.url.endswith("/my/")
    assert member.locator("#landing-mine").inner_text() == "1"
    assert member.locator("#nav-unread").inner_text() == "1"
    member.locator("body[data-incidents]").wait_for(timeout=20000)  # the map overlay
    assert member.locator(".inc-marker").count() >= 1
    shot(member, "3-my-phone")
    member.click("#landing-mine")
    member.click(f'[data-incident="{incident.pk}"] a')
    assert member.locator("#incident-phone").inner_text() == "13912345678"  # the handler
    member.fill("#act-form [name=note]", "已疏通排水沟")
    member.set_input_files("#act-form [name=photos]", str(photo))
    narrow(member)
    with member.expect_navigation():
        member.click('button[data-action="handle"]')
    assert member.locator("#incident-state").inner_text()
    shot(member, "4-handled-phone")

    cadre = phone.new_page()
    login(cadre, live_server, u["village"].username, PASSWORD)
    response = cadre.goto(f"{url}/incidents/{incident.pk}/")
    assert response.status == 200, cadre.url
    assert "139****5678" in cadre.locator("#incident-phone").inner_text()
    for action in ("verify", "close"):
        with cadre.expect_navigation():
            cadre.click(f'button[data-action="{action}"]')
    assert cadre.locator("#incident").get_attribute("data-state") == wf.CLOSED
    assert cadre.locator("#timeline img.thumb").count() == 1  # the handling photo
    shot(cadre, "5-closed-phone")

    resident.reload()
    assert resident.locator("#case-state").get_attribute("data-state") == wf.CLOSED
    assert "已疏通排水沟" in resident.locator("#case-reply").inner_text()
    resident.check("#rate-form input[value='4']")
    with resident.expect_navigation():
        resident.click("#rate-form button[type=submit]")
    assert "4/5" in resident.locator("#case-rating").inner_text()
    shot(resident, "6-rated-phone")

    late = report(member_point(field, own=False), category="hazard", contact_phone="13900000001")
    with time_machine.travel(late.deadline_at + dt.timedelta(minutes=1), tick=False):
        assert incidents_escalate_due() == 1
    staff = phone.new_page()
    login(staff, live_server, u["township"].username, PASSWORD)
    staff.goto(f"{url}/incidents/?q=tier")
    row = staff.locator(f'[data-incident="{late.pk}"]')
    assert row.get_attribute("data-tier") == wf.TOWNSHIP
    assert staff.locator("#nav-unread").inner_text() == "1"  # "escalated"
    narrow(staff)
    shot(staff, "7-township-queue-phone")
    assert not errors, errors
