"""The account pages, the roster import (validate -> report -> confirm, atomic) and
`manage.py create_staff`, as township staff and the administrator use them."""

import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from households.accounts.roster import ERR_DUPLICATE, ERR_ROLE, accounts_import
from households.accounts.rules import (
    CODE_WHAT,
    ERR_AREA_OUTSIDE,
    ERR_CODE_FOR_ROLE,
    ERR_ROLE_NOT_GRANTABLE,
    binding_resolve,
)
from households.accounts.services import account_create
from households.importing import ImportRejected
from households.importing.checks import ERR_MISSING_COLUMN as ERR_MISSING
from households.importing.fields import ERR_PHONE
from households.importing.limits import ERR_TOO_LONG
from households.importing.readers import ERR_EMPTY_FILE, ERR_SUFFIX
from households.importing.tables import ERR_BINARY
from households.models import AccountEvent, Role, UserArea, Village
from tests.layers.factories import KENGKOU, OTHER_VILLAGE, WANXING

pytestmark = pytest.mark.django_db
NOT_MANAGERS = ("county", "village", "grid_leader", "grid_member", "no_role")


def pick(field, **extra) -> dict:
    """The account form as township staff fill it: a cadre of 坑口村."""
    village = Village.objects.get(code=KENGKOU)
    return {
        "name": "钱七",
        "phone": "13900000007",
        "role": Role.VILLAGE,
        "township": village.township_id,
        "village": village.pk,
        **extra,
    }


def test_township_staff_list_their_accounts_only_with_phones_masked(field, client):
    outside = binding_resolve(Role.VILLAGE, OTHER_VILLAGE)
    account_create(by=None, binding=outside, name="外村干部", phone="13911112222")
    cadre = field.users["village"]
    UserArea.objects.filter(user=cadre).update(phone="13933334444")
    client.force_login(field.users["township"])
    page = client.get("/accounts/")
    assert page.status_code == 200
    listed = {ua.user.username for ua, _b, _p in page.context["rows"]}
    assert listed == {"t-village", "t-leader", "t-member"}  # not itself, not county, not 外村
    html = page.content.decode()
    assert "139****4444" in html and "13933334444" not in html
    assert [ua.role for ua, _b, _p in client.get("/accounts/?role=village").context["rows"]] == [
        Role.VILLAGE
    ]
    assert client.get("/accounts/?q=t-lea").context["rows"][0][0].user.username == "t-leader"
    for bad in ("role=governor", "status=gone", "q=" + "x" * 51):
        assert client.get(f"/accounts/?{bad}").status_code == 400, bad


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_roles_that_manage_no_accounts_get_403_everywhere(field, client, role):
    client.force_login(field.users[role])
    target = field.users["village"].pk
    for url in ("/accounts/", "/accounts/new/", f"/accounts/{target}/", "/accounts/import/"):
        assert client.get(url).status_code == 403, url
    for url in (f"/accounts/{target}/status/", f"/accounts/{target}/password/"):
        assert client.post(url, {"action": "disable", "confirm": "1"}).status_code == 403
    assert client.post("/accounts/new/", pick(field)).status_code == 403
    assert User.objects.get(pk=target).is_active


def test_township_staff_create_a_village_cadre(field, client):
    client.force_login(field.users["township"])
    form = client.get("/accounts/new/")
    html = form.content.decode()
    assert 'data-level="village"' in html and 'value="township"' not in html  # not their rank
    assert OTHER_VILLAGE not in html  # the pickers hold their own area only
    response = client.post("/accounts/new/", pick(field))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    (name, _area, username, password), *_ = response.context["rows"]
    user = User.objects.get(username=username)
    assert username == f"{KENGKOU}-1" and user.check_password(password)
    assert (user.area.role, user.area.village.code, user.area.phone) == (
        Role.VILLAGE,
        KENGKOU,
        "13900000007",
    )
    assert AccountEvent.objects.get(account=user).by == field.users["township"]


@pytest.mark.parametrize(
    "change,field_name",
    [
        ({"role": Role.TOWNSHIP}, "role"),  # not theirs to grant: not even a choice
        ({"role": Role.COUNTY}, "role"),
        ({"village": "OTHER"}, "village"),  # a village of another township
        ({"village": ""}, "village"),  # a cadre needs a village
        ({"role": Role.GRID_LEADER, "grid": "360721199200001"}, "grid"),
        ({"phone": "call me"}, "phone"),
        ({"name": "x" * 151}, "name"),
    ],
)
def test_a_refused_account_names_the_field_and_writes_nothing(field, client, change, field_name):
    if change.get("village") == "OTHER":
        change["village"] = Village.objects.get(code=OTHER_VILLAGE).pk
    client.force_login(field.users["township"])
    before = User.objects.count()
    response = client.post("/accounts/new/", pick(field, **change))
    assert response.status_code == 400
    assert field_name in response.context["form"].errors
    assert User.objects.count() == before


def test_the_administrator_edits_disables_and_reissues(field, client, settings):
    settings.AXES_ENABLED = True  # failed logins recorded, as in production
    admin = field.users["admin"]
    cadre = field.users["village"]
    client.force_login(admin)
    page = client.get(f"/accounts/{cadre.pk}/")
    assert (
        page.status_code == 200 and page.context["form"].initial["village"] == cadre.area.village_id
    )
    wanxing = Village.objects.get(code=WANXING)
    data = pick(field, village=wanxing.pk, name="改名", phone="")
    assert client.post(f"/accounts/{cadre.pk}/", data).status_code == 302
    cadre.area.refresh_from_db()
    assert cadre.area.village == wanxing
    # a failed login shows on the page; issuing a password lifts the lockout
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": cadre.username, "password": "wrong"})
    client.force_login(admin)
    page = client.get(f"/accounts/{cadre.pk}/")
    assert page.context["account"].failures == settings.AXES_FAILURE_LIMIT
    assert page.context["locked"] and 'id="locked"' in page.content.decode()
    assert client.post(f"/accounts/{cadre.pk}/password/", {}).status_code == 400  # no confirm
    issued = client.post(f"/accounts/{cadre.pk}/password/", {"confirm": "1"})
    assert issued.status_code == 200 and "no-store" in issued["Cache-Control"]
    password = issued.context["rows"][0][3]
    assert User.objects.get(pk=cadre.pk).check_password(password)
    assert not AccessAttempt.objects.filter(username=cadre.username).exists()
    assert client.post(f"/accounts/{cadre.pk}/status/", {"action": "nap"}).status_code == 400
    assert client.post(f"/accounts/{cadre.pk}/status/", {"action": "disable"}).status_code == 302
    assert not User.objects.get(pk=cadre.pk).is_active
    actions = set(AccountEvent.objects.filter(account=cadre).values_list("action", flat=True))
    assert {"changed", "password_issued", "disabled"} <= actions


def test_outside_the_area_is_404_and_above_it_403(field, client):
    client.force_login(field.users["township"])
    other = User.objects.create_user("t-outside")
    UserArea.objects.create(
        user=other, role=Role.VILLAGE, village=Village.objects.get(code=OTHER_VILLAGE)
    )
    assert client.get(f"/accounts/{other.pk}/").status_code == 404
    assert client.get(f"/accounts/{field.users['county'].pk}/").status_code == 404
    assert client.get("/accounts/999999/").status_code == 404
    assert client.get(f"/accounts/{field.users['township'].pk}/").status_code == 403  # itself
    assert client.post(f"/accounts/{other.pk}/status/", {"action": "disable"}).status_code == 404
    assert User.objects.get(pk=other.pk).is_active


def test_the_pickers_grids_are_those_of_the_users_area(field, client):
    client.force_login(field.users["township"])
    data = client.get(f"/accounts/villages/{KENGKOU}/grids.json").json()
    assert field.grid.code in [g["code"] for g in data["grids"]]
    assert client.get(f"/accounts/villages/{OTHER_VILLAGE}/grids.json").status_code == 404
    assert client.get("/accounts/villages/nope/grids.json").status_code == 404


def roster(tmp_path, rows, name="roster.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "联系电话", "角色", "区域编码"])
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def upload(client, path):
    with path.open("rb") as f:
        return client.post("/accounts/import/", {"file": f})


def test_a_roster_is_checked_reported_then_confirmed(field, client, tmp_path, settings):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    grid = field.grid.code
    path = roster(
        tmp_path,
        [
            ["甲", "13800000001", "村干部", KENGKOU],
            ["乙", "", "网格长", grid],
            ["丙", "13800000003", "grid_member", f"{grid}-1"],
        ],
    )
    client.force_login(field.users["township"])
    response = upload(client, path)
    assert response.status_code == 302
    review = client.get(response["Location"])
    assert review.status_code == 200 and not review.context["rejected"]
    assert review.context["report"].rows == 3 and User.objects.filter(first_name="甲").count() == 0
    done = client.post(response["Location"], {"confirm": "1"})
    assert done.status_code == 200 and len(done.context["rows"]) == 3
    names = [row[2] for row in done.context["rows"]]
    assert names == [f"{KENGKOU}-1", f"{grid}-0", f"{grid}-1"]
    assert all(UserArea.objects.get(user__username=n).must_change_password for n in names)
    assert not (settings.IMPORT_UPLOAD_DIR / response["Location"].split("/")[-2]).exists()
    # the same file again creates nothing
    again = client.post(upload(client, path)["Location"], {"confirm": "1"})
    assert again.context["rows"] == [] and User.objects.filter(first_name="甲").count() == 1


def test_a_roster_with_a_bad_row_names_it_and_writes_nothing(field, client, tmp_path, settings):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    path = roster(
        tmp_path,
        [
            ["甲", "13800000001", "村干部", KENGKOU],  # fine
            ["乙", "13800000002", "乡镇干部", "360721100"],  # a rank the importer lacks
            ["丙", "13800000003", "村干部", OTHER_VILLAGE],  # outside the township
            ["丁", "13800000004", "镇长", KENGKOU],  # no such role
            ["甲", "13800000001", "村干部", KENGKOU],  # the same account twice
            ["戊", "call me", "村干部", KENGKOU],
        ],
    )
    client.force_login(field.users["township"])
    location = upload(client, path)["Location"]
    review = client.get(location)
    report = review.context["report"]
    assert review.context["rejected"]
    problems = {(p.row, p.field): p.message for p in report.errors}
    assert problems[(3, "角色")] == str(ERR_ROLE_NOT_GRANTABLE % {"role": "乡镇工作人员"})
    assert problems[(4, "区域编码")] == str(ERR_AREA_OUTSIDE % {"code": OTHER_VILLAGE})
    assert problems[(5, "角色")] == str(ERR_ROLE % {"value": "镇长"})
    assert problems[(6, "姓名")] == str(ERR_DUPLICATE % {"first": 2})
    assert problems[(7, "联系电话")] == str(ERR_PHONE % {"value": "call me"})
    assert (2, "姓名") not in problems
    before = User.objects.count()
    assert client.post(location, {"confirm": "1"}).status_code == 400
    assert User.objects.count() == before


def test_the_roster_template_reads_back_as_a_roster(field, client, tmp_path, settings):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(field.users["admin"])
    response = client.get("/accounts/template.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in book.worksheets[0][1]]
    example = [c.value for c in book.worksheets[1][book.worksheets[1].max_row]]
    path = roster(tmp_path, [example])
    assert headers == ["姓名", "联系电话", "角色", "区域编码"]
    review = client.get(upload(client, path)["Location"])
    assert not review.context["rejected"] and review.context["report"].rows == 1


def test_create_staff_for_scripts(field, tmp_path):
    out = io.StringIO()
    call_command(
        "create_staff",
        "--role",
        "乡镇干部",
        "--area",
        field.township.code,
        "--name",
        "王五",
        stdout=out,
    )
    username, password = out.getvalue().split()
    user = User.objects.get(username=username)
    assert username == f"{field.township.code}-1" and user.check_password(password)
    assert user.area.must_change_password and user.area.role == Role.TOWNSHIP
    for args in (
        ["--role", "village", "--area", "360721100299", "--name", "x"],
        ["--role", "mayor", "--area", KENGKOU, "--name", "x"],
        ["--role", "village", "--area", KENGKOU],
        ["--role", "village", "--area", KENGKOU, "--name", "x", "--phone", "abc"],
    ):
        with pytest.raises(CommandError):
            call_command("create_staff", *args, stdout=io.StringIO())
    path = roster(tmp_path, [["甲", "", "系统管理员", "360721"], ["乙", "", "网格员", "x"]])
    with pytest.raises(CommandError):
        call_command(
            "create_staff", "--file", str(path), stdout=io.StringIO(), stderr=io.StringIO()
        )
    path = roster(tmp_path, [["甲", "", "系统管理员", "360721"]], name="ok.xlsx")
    out = io.StringIO()
    call_command("create_staff", "--file", str(path), stdout=out, stderr=io.StringIO())
    admin = User.objects.get(username=out.getvalue().split()[0])
    assert admin.is_superuser and admin.area.role == Role.ADMIN


def test_the_grid_page_issues_a_one_time_password(field, client):
    from grids.appointments import appointments_accounts_sync

    appointments_accounts_sync(field.village)
    client.force_login(field.users["township"])
    leader = field.grid.leader
    response = client.post(f"/grids/{field.grid.code}/", {"issue": leader.pk})
    assert response.status_code == 302
    ua = UserArea.objects.get(person=leader)
    assert ua.must_change_password
    event = AccountEvent.objects.filter(account=ua.user).first()
    assert (event.action, event.by) == ("password_issued", field.users["township"])


MISSING_ROLE = {"col": "角色", "aliases": "role, 角色, 岗位, 职务"}
SUFFIX = {"suffix": ".pdf", "allowed": ".csv, .txt, .xlsx"}


@pytest.mark.parametrize(
    "name,content,row,column,message,args",
    [
        ("empty.csv", b"", None, "", ERR_EMPTY_FILE, None),
        ("roster.pdf", b"%PDF-1.4", None, "", ERR_SUFFIX, SUFFIX),
        ("binary.csv", b"PK\x03\x04\x00\x00binary", None, "", ERR_BINARY, None),
        (
            "no-role.csv",
            "姓名,区域编码\n甲,360721100200\n".encode(),
            None,
            "角色",
            ERR_MISSING,
            MISSING_ROLE,
        ),
        (
            "long.csv",
            f"姓名,角色,区域编码\n{'长' * 151},村干部,360721100200\n".encode(),
            2,
            "姓名",
            ERR_TOO_LONG,
            {"length": 151, "max": 150},
        ),
        (
            "code.csv",
            "姓名,角色,区域编码\n甲,村干部,3607\n".encode("gbk"),
            2,
            "区域编码",
            ERR_CODE_FOR_ROLE,
            {"role": "村干部", "what": CODE_WHAT["village"], "code": "3607"},
        ),
    ],
    ids=["empty", "suffix", "binary", "missing-column", "too-long", "bad-code-gbk"],
)
def test_a_malformed_roster_is_refused_with_its_reason(
    field, tmp_path, name, content, row, column, message, args
):
    path = tmp_path / name
    path.write_bytes(content)
    before = User.objects.count()
    with pytest.raises(ImportRejected) as exc:
        accounts_import(path, by=None)
    first = exc.value.report.errors[0]
    assert (first.row, first.field) == (row, column)
    assert first.message == str(message % args if args else message)
    assert User.objects.count() == before
