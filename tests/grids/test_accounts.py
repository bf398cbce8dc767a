"""Appointed leaders and members get accounts bound to their post; losing the post loses access."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from grids.appointments import account_issue_password, appointments_accounts_sync
from grids.models import Grid, MemberArea
from households.models import Role, UserArea, Village

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
    assert not leader.user.has_usable_password()  # staff issue passwords, shown once
    username, password = account_issue_password(leader.person)
    assert User.objects.get(username=username).check_password(password)
    # idempotent
    assert appointments_accounts_sync(village) == {"created": [], "revoked": 0}


def test_losing_the_post_revokes_the_binding(village):
    grid = Grid.objects.filter(village=village, version__valid_to__isnull=True).order_by("code")[0]
    Grid.objects.filter(pk=grid.pk).update(leader_confirmed=True)
    appointments_accounts_sync(village)
    old = UserArea.objects.get(person_id=grid.leader_id)
    Grid.objects.filter(pk=grid.pk).update(leader=None, leader_confirmed=False)
    assert appointments_accounts_sync(village)["revoked"] == 1
    assert not UserArea.objects.filter(pk=old.pk).exists()
    assert User.objects.filter(pk=old.user_id).exists()  # the account stays, with no area


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
