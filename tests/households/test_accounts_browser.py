"""Accounts in Debian's Chromium, at 1366x850 and 360x740: the administrator creates a
township account and a village account with the area pickers; the village user logs in
with the one-time password and must change it first.

Screenshots go to /tmp/acct-shots/ for a human look.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from households.models import AccountEvent, Role, UserArea
from tests.conftest import PASSWORD, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path("/tmp/acct-shots")
VIEWPORTS = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 360, "height": 740}}
NEW_PASSWORD = "Kengkou-cun-2027"


def create(page, live_server, *, name, phone, role, village=None, shot):
    """Fill the new-account form with the pickers; return (user name, one-time password)."""
    page.goto(f"{live_server.url}/accounts/")
    page.click("#account-new")
    page.fill("[name=name]", name)
    page.fill("[name=phone]", phone)
    page.select_option("[name=role]", role)
    assert page.locator("[data-field=township]").is_visible()  # the role's pickers show
    assert page.locator("[data-field=village]").is_visible() == (village is not None)
    assert not page.locator("[data-field=grid]").is_visible()
    page.select_option("[name=township]", label="坑口镇（360721100）")
    if village:
        # the villages offered are the township's
        codes = page.eval_on_selector_all(
            "[name=village] option:not([hidden])", "os => os.map(o => o.dataset.code)"
        )
        assert village in codes and all(c is None or c.startswith("360721100") for c in codes)
        value = page.get_attribute(f"[name=village] option[data-code='{village}']", "value")
        page.select_option("[name=village]", value)
    page.screenshot(path=SHOTS / f"{shot}-1-form.png", full_page=True)
    page.click("#account-form button[type=submit]")
    page.locator("#credentials").wait_for()
    page.screenshot(path=SHOTS / f"{shot}-2-created.png", full_page=True)
    row = page.locator("tr.credential")
    assert row.count() == 1
    return row.locator(".username").inner_text(), row.locator(".password").inner_text()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_the_administrator_creates_accounts_and_the_cadre_changes_the_password(
    demo_county, live_server, browser, viewport
):
    SHOTS.mkdir(exist_ok=True)
    User.objects.create_superuser("t-admin", password=PASSWORD)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, live_server, "t-admin", PASSWORD)
        township_name, _password = create(
            page,
            live_server,
            name="刘镇干",
            phone="13900000001",
            role=Role.TOWNSHIP,
            shot=f"{viewport}-township",
        )
        assert township_name == "360721100-1"
        village_name, one_time = create(
            page,
            live_server,
            name="钱村干",
            phone="13900000002",
            role=Role.VILLAGE,
            village="360721100200",
            shot=f"{viewport}-village",
        )
        assert village_name == "360721100200-1"
        page.goto(f"{live_server.url}/accounts/")
        listed = page.locator("#accounts tr[data-account]")
        assert listed.count() == 2 and "139****0002" in page.locator("#accounts").inner_text()
        width = VIEWPORTS[viewport]["width"]  # the table scrolls in its box, not the page
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=SHOTS / f"{viewport}-accounts.png", full_page=True)
    finally:
        context.close()

    # the village cadre, on their own browser
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, live_server, village_name, one_time)
        assert page.url.endswith("/accounts/password/")
        assert page.locator("#password-required").is_visible()
        page.screenshot(path=SHOTS / f"{viewport}-village-3-must-change.png", full_page=True)
        page.goto(f"{live_server.url}/townships/360721100/map/")  # nothing else opens
        assert page.url.endswith("/accounts/password/")
        page.fill("[name=old_password]", one_time)
        page.fill("[name=new_password1]", NEW_PASSWORD)
        page.fill("[name=new_password2]", NEW_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/accounts/password/done/")
        page.goto(f"{live_server.url}/")
        page.wait_for_url("**/townships/360721100/map/")
        page.locator("#map-status[data-households]").wait_for(timeout=30000)
        page.screenshot(path=SHOTS / f"{viewport}-village-4-map.png", full_page=True)
    finally:
        context.close()
    ua = UserArea.objects.get(user__username=village_name)
    assert ua.role == Role.VILLAGE and not ua.must_change_password
    assert ua.user.check_password(NEW_PASSWORD)
    actions = list(
        AccountEvent.objects.filter(account=ua.user).order_by("pk").values_list("action", "by")
    )
    admin = User.objects.get(username="t-admin").pk
    assert actions == [("created", admin), ("password_changed", ua.user_id)]
    assert not errors, errors


def test_a_member_calls_a_household_of_their_own_area(field, live_server, browser):
    """The member's page links each of their households' phones (and their leader's) for a
    call; other member areas' households are not there, ID numbers stay masked."""
    SHOTS.mkdir(exist_ok=True)
    member = field.users["grid_member"]
    number = member.area.member_number
    own = {
        a.household.external_id: a.household
        for a in field.grid.assignments.filter(member_area__number=number).select_related(
            "household"
        )
    }
    for viewport, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, is_mobile=viewport == "phone")
        page = context.new_page()
        try:
            login(page, live_server, member.username, PASSWORD)
            assert page.url.endswith("/my/")
            page.locator("#map-status[data-households]").wait_for(timeout=20000)
            items = page.locator("#household-list li[data-household]")
            assert set(items.evaluate_all("li => li.map(x => x.dataset.household)")) == set(own)
            calls = page.locator("#household-list a.phone[href^='tel:']")
            assert calls.count() == sum(1 for h in own.values() if h.phone)
            household = next(h for h in own.values() if h.phone)
            link = page.locator(f"#household-list li[data-household='{household.external_id}'] a")
            link = link.filter(has_text=household.phone)
            assert link.get_attribute("href") == f"tel:{household.phone}"
            idno = page.locator(
                f"#household-list li[data-household='{household.external_id}'] .idno"
            )
            assert not household.id_number or "*" in idno.inner_text()
            leader = page.locator(f"#contacts a[href='tel:{field.grid.leader.phone}']")
            assert leader.count() == 1
            link.scroll_into_view_if_needed()
            page.screenshot(path=SHOTS / f"{viewport}-member-call.png", full_page=False)
        finally:
            context.close()
