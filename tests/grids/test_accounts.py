"""Appointed leaders and members get accounts bound to their post, named after it; losing the
post disables the account (never deletes it); a new post enables it again."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from grids.appointments import account_issue_password, appointments_accounts_sync
from grids.models import Grid, MemberArea
from households.models import AccountEvent, Role, UserArea, Village

pytestmark = pytest.mark.django_db
KENGKOU = "360721100200"


@pytest.fixture
def village(demo_county):
    call_command("partition", "--village", KENGKOU, stdout=io.StringIO())
    return Village.objects.get(code=KENGKOU)


def test_confirmed_posts_get_accounts_and_proposals_do_not(village):
    grid = Grid.objects.filter(village=village, version__valid_to__isnull=True).order_by("code")[0]
    area = grid.member_areas.order_by("number")[0]
    assert grid.leader_id and area.member_id  # proposals exist
    assert appointments_accounts_sync(village) == {"created": [], "revoked": 0}
    Grid.objects.filter(pk=grid.pk).update(leader_confirmed=True)
    MemberArea.objects.filter(pk=area.pk).update(member_confirmed=True)
    synced = appointments_accounts_sync(village)
    assert len(synced["created"]) == 2
    leader = UserArea.objects.get(person_id=grid.leader_id)
    assert (leader.role, leader.grid_code, leader.village_id) == (
        Role.GRID_LEADER,
        grid.code,
        village.pk,
    )
    member = UserArea.objects.get(person_id=area.member_id)
    assert (member.role, member.grid_code, member.member_number) == (
        Role.GRID_MEMBER,
        grid.code,
        area.number,
    )
    # named after the post, never after the person's phone
    assert leader.user.username == f"{grid.code}-0"
    assert member.user.username == f"{grid.code}-{area.number}"
    assert not leader.user.has_usable_password()  # staff issue passwords, shown once
    username, password = account_issue_password(leader.person)
    assert User.objects.get(username=username).check_password(password)
    leader.refresh_from_db()
    assert leader.must_change_password  # a one-time password
    # idempotent
    assert appointments_accounts_sync(village) == {"created": [], "revoked": 0}


def test_losing_the_post_disables_the_account_and_a_new_post_enables_it(village):
    grid, second = Grid.objects.filter(village=village, version__valid_to__isnull=True).order_by(
        "code"
    )[:2]
    Grid.objects.filter(pk=grid.pk).update(leader_confirmed=True)
    appointments_accounts_sync(village)
    old = UserArea.objects.get(person_id=grid.leader_id)
    Grid.objects.filter(pk=grid.pk).update(leader=None, leader_confirmed=False)
    assert appointments_accounts_sync(village)["revoked"] == 1
    old.refresh_from_db()
    old.user.refresh_from_db()
    # disabled, not deleted: the access log and the record keep naming who held the post
    assert not old.user.is_active and old.post_ended_at is not None
    assert old.grid_code == grid.code  # the last post, for the record
    actions = list(AccountEvent.objects.filter(account=old.user).values_list("action", flat=True))
    assert actions[0] == AccountEvent.Action.POST_ENDED
    assert appointments_accounts_sync(village)["revoked"] == 0  # once
    # the same person confirmed as another grid's leader: enabled again, named after that post
    Grid.objects.filter(pk=second.pk).update(leader=old.person, leader_confirmed=True)
    appointments_accounts_sync(village)
    old.refresh_from_db()
    old.user.refresh_from_db()
    assert old.user.is_active and old.post_ended_at is None and old.grid_code == second.code
    assert old.user.username == f"{second.code}-0"


def test_an_account_disabled_by_staff_stays_disabled(village):
    grid = Grid.objects.filter(village=village, version__valid_to__isnull=True).order_by("code")[0]
    Grid.objects.filter(pk=grid.pk).update(leader_confirmed=True)
    appointments_accounts_sync(village)
    ua = UserArea.objects.get(person_id=grid.leader_id)
    User.objects.filter(pk=ua.user_id).update(is_active=False)
    assert appointments_accounts_sync(village) == {"created": [], "revoked": 0}
    assert not User.objects.get(pk=ua.user_id).is_active


def test_grid_page_confirms_and_issues_a_password(village, township_user, client):
    grid = Grid.objects.filter(village=village, version__valid_to__isnull=True).order_by("code")[0]
    client.force_login(township_user)
    areas = list(grid.member_areas.order_by("number"))
    data = {"leader": grid.leader_id, **{f"area-{a.pk}": a.member_id for a in areas}}
    response = client.post(f"/grids/{grid.code}/", data, follow=True)
    assert response.status_code == 200
    assert UserArea.objects.filter(village=village, role=Role.GRID_MEMBER).count() == len(areas)
    response = client.post(f"/grids/{grid.code}/", {**data, "issue": grid.leader_id}, follow=True)
    text = response.content.decode()
    username = UserArea.objects.get(person_id=grid.leader_id).user.username
    assert username in text
