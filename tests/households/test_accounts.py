"""Staff accounts bound to areas: who may grant which role where (every combination), how an
area is named by a code, account names, one-time passwords, and the record of every change.

The world (tests/layers/factories.py): the demo township partitioned, one user per role
bound in it, and another township with a village and a grid.
"""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import User

from households.accounts import services
from households.accounts.rules import (
    ERR_NO_GRID,
    ERR_NO_MEMBER_AREA,
    ERR_NO_TOWNSHIP,
    ERR_NO_VILLAGE,
    ERR_NOT_COUNTY,
    AreaCodeError,
    Binding,
    GrantRefused,
    binding_resolve,
    username_for,
)
from households.models import AccountEvent, Person, Role, UserArea, Village
from tests.layers.factories import KENGKOU, OTHER_TOWNSHIP, OTHER_VILLAGE

pytestmark = pytest.mark.django_db
ACTORS = ("admin", "county", "township", "village", "grid_leader", "grid_member", "no_role")
TARGETS = tuple(Role.values)
Action = AccountEvent.Action
RENAMES = importlib.import_module("households.migrations.0008_usernames_not_personal_data")


def target(field, role: str, where: str) -> Binding:
    """A binding of `role` in the actor's township ("own") or in the other one ("other")."""
    own = where == "own"
    grid = field.grid if own else field.other
    code = {
        Role.ADMIN: "360721",
        Role.COUNTY: "360721",
        Role.TOWNSHIP: field.township.code if own else OTHER_TOWNSHIP,
        Role.VILLAGE: KENGKOU if own else OTHER_VILLAGE,
        Role.GRID_LEADER: grid.code,
        Role.GRID_MEMBER: f"{grid.code}-1",
    }[role]
    return binding_resolve(role, code)


def may_grant(actor: str, role: str, where: str) -> bool:
    """The rule, written out independently of households.accounts.rules."""
    if actor == "admin":
        return True
    below_township = role in (Role.VILLAGE, Role.GRID_LEADER, Role.GRID_MEMBER)
    return actor == "township" and below_township and where == "own"


@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("role", TARGETS)
@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_create_which_account_where(field, actor, role, where):
    binding = target(field, role, where)
    before = User.objects.count()
    if may_grant(actor, role, where):
        user, password = services.account_create(
            by=field.users[actor], binding=binding, name="新账号", phone="13800000001"
        )
        assert user.check_password(password) and user.area.must_change_password
        assert Binding.of(user.area) == binding
        assert user.is_superuser == (role == Role.ADMIN)
        event = AccountEvent.objects.get(account=user)
        assert (event.action, event.by) == (Action.CREATED, field.users[actor])
        assert event.changes["phone"] == [None, "138****0001"]  # never in clear
    else:
        with pytest.raises(GrantRefused):
            services.account_create(by=field.users[actor], binding=binding, name="新账号")
        assert User.objects.count() == before


def _others(field) -> dict[str, UserArea]:
    """Existing accounts of every role below the administrator, in and out of the township."""
    other = services.account_create(
        by=None, binding=binding_resolve(Role.VILLAGE, OTHER_VILLAGE), name="外村干部"
    )[0]
    mine = ("county", "township", "village", "grid_leader", "grid_member")
    fresh = UserArea.objects.select_related("user", "village__township", "township")
    accounts = {f"{r}-own": fresh.get(user=field.users[r]) for r in mine}
    accounts["village-other"] = fresh.get(user=other)
    return accounts


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_manage_which_account(field, actor):
    """Edit, disable, enable, issue a password: the same rule as granting, and never one's own
    account; a refusal changes nothing."""
    by = field.users[actor]
    for name, ua in _others(field).items():
        role, where = name.split("-")
        allowed = may_grant(actor, role, where) and ua.user != by
        user = User.objects.get(pk=ua.user_id)
        if allowed:
            assert services.account_set_active(ua, by=by, active=False).user.is_active is False
            services.account_set_active(ua, by=by, active=True)
            assert services.account_password_issue(ua, by=by)
            continue
        for act in (
            lambda ua=ua: services.account_set_active(ua, by=by, active=False),
            lambda ua=ua: services.account_password_issue(ua, by=by),
            lambda ua=ua: services.account_update(ua, by=by, binding=Binding.of(ua), name="改名"),
        ):
            with pytest.raises(GrantRefused):
                act()
        after = User.objects.get(pk=ua.user_id)
        assert (after.is_active, after.password, after.first_name) == (
            user.is_active,
            user.password,
            user.first_name,
        ), name


def test_nobody_manages_their_own_account(field):
    admin = services.account_create(by=None, binding=Binding(Role.ADMIN), name="管理员")[0]
    with pytest.raises(GrantRefused):
        services.account_set_active(admin.area, by=admin, active=False)
    township = field.users["township"]
    with pytest.raises(GrantRefused):
        services.account_password_issue(township.area, by=township)


def test_an_edit_cannot_move_an_account_out_of_the_area_or_up(field):
    township = field.users["township"]
    cadre = field.users["village"].area
    for role, code in ((Role.VILLAGE, OTHER_VILLAGE), (Role.TOWNSHIP, field.township.code)):
        with pytest.raises(GrantRefused):
            services.account_update(
                cadre, by=township, binding=binding_resolve(role, code), name="x"
            )
    cadre.refresh_from_db()
    assert (cadre.role, cadre.village.code) == (Role.VILLAGE, KENGKOU)


def test_every_change_is_recorded_with_who_and_what(field):
    admin = field.users["admin"]
    user, _password = services.account_create(
        by=admin, binding=binding_resolve(Role.VILLAGE, KENGKOU), name="张三", phone="13800001234"
    )
    ua = user.area
    moved = binding_resolve(Role.GRID_LEADER, field.grid.code)
    services.account_update(ua, by=admin, binding=moved, name="张三丰", phone="13900005678")
    services.account_set_active(ua, by=admin, active=False)
    services.account_set_active(ua, by=admin, active=True)
    services.account_password_issue(ua, by=admin)
    services.account_password_changed(user)
    events = list(AccountEvent.objects.filter(account=user).order_by("pk"))
    assert [e.action for e in events] == [
        Action.CREATED,
        Action.CHANGED,
        Action.DISABLED,
        Action.ENABLED,
        Action.PASSWORD_ISSUED,
        Action.PASSWORD_CHANGED,
    ]
    assert [e.by for e in events] == [admin] * 5 + [user]
    assert events[1].changes == {
        "role": [Role.VILLAGE, Role.GRID_LEADER],
        "area": [KENGKOU, field.grid.code],
        "name": ["张三", "张三丰"],
        "phone": ["138****1234", "139****5678"],
    }
    assert "13900005678" not in str([e.changes for e in events])
    ua.refresh_from_db()
    assert ua.phone == "13900005678" and not ua.must_change_password
    # an edit without a phone keeps the number
    services.account_update(ua, by=admin, binding=moved, name="张三丰", phone="")
    ua.refresh_from_db()
    assert ua.phone == "13900005678"


@pytest.mark.parametrize(
    "role,code,error,args",
    [
        (Role.COUNTY, "360722", ERR_NOT_COUNTY, {"code": "360722", "county": "360721"}),
        (Role.TOWNSHIP, "360721188", ERR_NO_TOWNSHIP, {"code": "360721188"}),
        (Role.VILLAGE, "360721100299", ERR_NO_VILLAGE, {"code": "360721100299"}),
        (Role.GRID_LEADER, "360721100200999", ERR_NO_GRID, {"code": "360721100200999"}),
        (Role.GRID_MEMBER, "GRID-99", ERR_NO_MEMBER_AREA, {"grid": "GRID", "number": 99}),
    ],
)
def test_an_area_code_that_names_nothing_is_refused(field, role, code, error, args):
    code = code.replace("GRID", field.grid.code)
    args = {k: field.grid.code if v == "GRID" else v for k, v in args.items()}
    with pytest.raises(AreaCodeError) as exc:
        binding_resolve(role, code)
    assert str(exc.value) == str(error % args)


@pytest.mark.parametrize(
    "role,code",
    [
        (Role.COUNTY, "360721100"),  # a township code for a county role
        (Role.TOWNSHIP, "360721100200"),
        (Role.VILLAGE, "360721100"),
        (Role.GRID_LEADER, "360721100200"),
        (Role.GRID_MEMBER, "360721100200001"),  # no member area number
        (Role.GRID_MEMBER, "360721100200001-x"),
        ("governor", "360721"),
        (Role.VILLAGE, ""),
    ],
)
def test_a_code_of_the_wrong_kind_for_the_role_is_refused(field, role, code):
    with pytest.raises(AreaCodeError):
        binding_resolve(role, code)


def test_names_come_from_the_post_or_the_area_code(field):
    leader = binding_resolve(Role.GRID_LEADER, field.grid.code)
    member = binding_resolve(Role.GRID_MEMBER, f"{field.grid.code}-2")
    assert username_for(leader) == f"{field.grid.code}-0"
    assert username_for(member) == f"{field.grid.code}-2"
    User.objects.create_user(f"{field.grid.code}-2")
    assert username_for(member) == f"{field.grid.code}-2-2"
    cadre = binding_resolve(Role.VILLAGE, KENGKOU)
    first = services.account_create(by=None, binding=cadre, name="甲")[0]
    second = services.account_create(by=None, binding=cadre, name="乙")[0]
    assert (first.username, second.username) == (f"{KENGKOU}-1", f"{KENGKOU}-2")
    county = services.account_create(by=None, binding=Binding(Role.COUNTY), name="丙")[0]
    assert county.username == "360721-1"


def test_a_one_time_password_must_be_changed_first(field, client):
    admin = field.users["admin"]
    user, password = services.account_create(
        by=admin, binding=binding_resolve(Role.VILLAGE, KENGKOU), name="村干部"
    )
    assert client.login(username=user.username, password=password)
    for url in ("/", f"/townships/{field.township.code}/map/", "/admin/", "/accounts/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert client.post("/accounts/", {}).status_code == 302  # a POST does not get through
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and 'id="password-required"' in page.content.decode()
    same = {"old_password": password, "new_password1": password, "new_password2": password}
    response = client.post("/accounts/password/", same)
    assert response.status_code == 200 and "new_password1" in response.context["form"].errors
    mine = "grid-9-Kengkou-own"
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": mine, "new_password2": mine},
    )
    assert response.status_code == 302
    assert client.get(f"/townships/{field.township.code}/map/").status_code == 200
    ua = UserArea.objects.get(user=user)
    assert not ua.must_change_password
    assert AccountEvent.objects.filter(account=user, action=Action.PASSWORD_CHANGED).exists()
    client.logout()
    assert client.login(username=user.username, password=mine)


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(field, client):
    admin = field.users["admin"]
    user, password = services.account_create(
        by=admin, binding=binding_resolve(Role.VILLAGE, KENGKOU), name="村干部"
    )
    UserArea.objects.filter(user=user).update(must_change_password=False)
    client.force_login(user)
    assert client.get("/").status_code == 302
    services.account_set_active(user.area, by=admin, active=False)
    assert client.get(f"/townships/{field.township.code}/map/").status_code == 302  # to login
    client.logout()
    assert not client.login(username=user.username, password=password)
    assert User.objects.filter(pk=user.pk).exists()  # disabled, not deleted


def test_village_grids_for_the_pickers_come_from_the_grids_app(field):
    from households.accounts.rules import village_grids
    from households.scoping import COUNTY, Area

    village = Village.objects.get(code=KENGKOU)
    grids = village_grids(Area(COUNTY), village)
    assert [g["code"] for g in grids] == sorted(g["code"] for g in grids)
    own = next(g for g in grids if g["code"] == field.grid.code)
    assert own["areas"] == sorted(field.grid.member_areas.values_list("number", flat=True))


def test_accounts_named_after_phones_are_renamed_after_their_post(field):
    """The data migration, run on accounts as the appointments of before named them."""
    leader, member = field.grid.leader, field.grid.member_areas.order_by("number").first()
    named = {}
    for person, role, number in (
        (leader, Role.GRID_LEADER, None),
        (member.member, Role.GRID_MEMBER, member.number),
    ):
        UserArea.objects.filter(person=person).update(person=None)
        user = User.objects.create_user(person.phone or f"wg{person.pk}")
        UserArea.objects.create(
            user=user,
            role=role,
            village=field.village,
            grid_code=field.grid.code,
            member_number=number,
            person=person,
        )
        named[user.pk] = f"{field.grid.code}-{number or 0}"
    former = next(p for p in Person.objects.exclude(phone="") if p.phone not in named.values())
    gone = User.objects.create_user(former.phone)  # a post that ended: its binding deleted then
    kept = User.objects.create_user("13800000000")  # 11 digits, nobody's phone: not renamed
    RENAMES.rename_post_accounts(apps, None)
    RENAMES.rename_former_post_accounts(apps, None)
    for pk, name in named.items():
        user = User.objects.get(pk=pk)
        assert user.username == name
        event = AccountEvent.objects.get(account=user, action="renamed")
        assert event.changes["username"][1] == name and "*" in event.changes["username"][0]
    gone.refresh_from_db()
    assert gone.username == f"former-{gone.pk}" and not gone.is_active
    assert User.objects.get(pk=kept.pk).username == "13800000000"
