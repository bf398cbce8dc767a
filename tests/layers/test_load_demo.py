"""`manage.py load_demo` on a small demo county: its shape, its year of history, a second run
that changes nothing, the demo users of the README, and options it refuses."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Max, Min
from django.test import Client
from django.utils import timezone

from grids.models import Grid, GridAssignment, GridVersion, MemberArea, PartitionRun
from households.models import Household, Person, Township, UserArea, Village
from layers.demo import county
from layers.demo.county import KENGKOU, REPARTITION_DAYS_AGO, ROLLOUT_DAYS_AGO
from layers.demo.users import DEMO_USERS
from layers.management.commands.load_demo import HOUSEHOLDS_FOR_COUNTY_ONLY
from layers.models import Visit

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"
SMALL = 1000  # households: 8 townships of one village each, loads in a few seconds
PILOTS = {"坑口村": "360721100", "万星村": "360721101", "坪地山村": "360721102"}


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def small_county(django_db_setup, django_db_blocker):
    """The small county loaded once for the module, committed; the database flushed after."""
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test_"):
            raise RuntimeError("no test database")
        output = load("--households", str(SMALL))
    yield output
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def snapshot() -> dict:
    """Every row the load writes, by table: count, last id and what could change in place."""
    tables = [Township, Village, Household, Person, GridVersion, Grid, MemberArea]
    tables += [GridAssignment, PartitionRun, Visit, UserArea]
    state = {
        m.__name__: (m.objects.count(), m.objects.aggregate(Max("pk"))["pk__max"]) for m in tables
    }
    state["versions"] = sorted(GridVersion.objects.values_list("pk", "valid_from", "valid_to"))
    state["posts"] = sorted(
        Grid.objects.values_list("pk", "leader_id", "leader_confirmed")
    ) + sorted(MemberArea.objects.values_list("pk", "member_id", "member_confirmed"))
    state["households"] = Household.objects.aggregate(Max("updated_at"))
    state["users"] = sorted(
        UserArea.objects.values_list("user__username", "user__password", "role", "grid_code")
    )
    return state


def test_a_second_load_changes_nothing(small_county, db):
    before = snapshot()
    load("--households", str(SMALL))
    assert snapshot() == before
    assert before["Visit"][0] > 0 and before["UserArea"][0] > len(DEMO_USERS)


def test_eight_townships_each_pilot_village_in_its_own(small_county, db):
    assert Township.objects.count() == 8
    for name, township in PILOTS.items():
        village = Village.objects.get(name=name)
        assert village.township.code == township and village.code == township + "200"
    assert Household.objects.count() == SMALL
    assert Household.objects.filter(group__isnull=True).count() == 0


def test_grids_drawn_over_the_year_and_kengkou_partitioned_again(small_county, db):
    today = timezone.localdate()
    first = {v.village.code: v for v in GridVersion.objects.filter(number=1)}
    assert set(first) == set(Village.objects.values_list("code", flat=True))
    days_ago = {(today - timezone.localdate(v.valid_from)).days for v in first.values()}
    assert max(days_ago) == ROLLOUT_DAYS_AGO and len(days_ago) > 3  # a rollout, month by month
    assert county.anchor_date() == today  # read back from the versions: a later load agrees
    kengkou = list(GridVersion.objects.filter(village__code=KENGKOU).order_by("number"))
    assert [v.number for v in kengkou] == [1, 2]
    assert kengkou[0].valid_to == kengkou[1].valid_from and kengkou[1].valid_to is None
    assert (today - timezone.localdate(kengkou[1].valid_from)).days == REPARTITION_DAYS_AGO
    v1, v2 = (GridAssignment.objects.filter(version=v).count() for v in kengkou)
    assert v2 > v1  # the households registered during the year
    in_grids = GridAssignment.objects.filter(version__valid_to__isnull=True)
    outside = Household.objects.exclude(pk__in=in_grids.values("household_id"))
    assert outside.exists() and not outside.filter(group__village__code=KENGKOU).exists()


def test_posts_mostly_filled_some_empty(small_county, db):
    current = Grid.objects.filter(version__valid_to__isnull=True)
    confirmed = current.filter(leader_confirmed=True).count()
    assert 0.6 * current.count() < confirmed < current.count()
    month_ago = timezone.now() - dt.timedelta(days=30)
    assert current.filter(leader__isnull=True, version__valid_from__lt=month_ago).exists()
    areas = MemberArea.objects.filter(grid__in=current)
    assert areas.filter(member__isnull=True).exists()
    assert areas.filter(member_confirmed=True).count() > 0.6 * areas.count()
    # every confirmed leader has an account bound to their grid
    leaders = set(current.filter(leader_confirmed=True).values_list("leader_id", "code"))
    bound = set(UserArea.objects.filter(role="grid_leader").values_list("person_id", "grid_code"))
    assert leaders <= bound


def test_a_year_of_visits_in_the_grid_of_their_day(small_county, db):
    today = timezone.localdate()
    span = Visit.objects.aggregate(first=Min("visited_on"), last=Max("visited_on"))
    assert today - dt.timedelta(days=365) <= span["first"] and span["last"] <= today
    months = {d.strftime("%Y-%m") for d in Visit.objects.values_list("visited_on", flat=True)}
    assert len(months) >= 12
    with connection.cursor() as cur:  # each visit's grid is its household's grid that day
        cur.execute(
            """SELECT count(*) FROM layers_visit vi
               WHERE NOT EXISTS (
                 SELECT 1 FROM grids_gridassignment a
                 JOIN grids_gridversion v ON v.id = a.version_id
                 JOIN grids_grid g ON g.id = a.grid_id
                 WHERE a.household_id = vi.household_id AND g.code = vi.grid_code
                   AND (v.valid_from AT TIME ZONE 'Asia/Shanghai')::date <= vi.visited_on
                   AND (v.valid_to IS NULL
                        OR (v.valid_to AT TIME ZONE 'Asia/Shanghai')::date > vi.visited_on))"""
        )
        assert cur.fetchone()[0] == 0
    recent = set(
        Visit.objects.filter(visited_on__gt=today - dt.timedelta(days=90)).values_list(
            "grid_code", flat=True
        )
    )
    current = set(
        Grid.objects.filter(version__valid_to__isnull=True).values_list("code", flat=True)
    )
    assert recent and current - recent  # some grids visited lately, some not in 90 days
    assert Visit.objects.filter(created_by__isnull=False).count() > 0.8 * Visit.objects.count()


def _readme_users() -> dict[str, str]:
    section = README.read_text(encoding="utf-8").split("### Demo users", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", section, flags=re.M))


def test_the_readme_lists_the_demo_users():
    assert _readme_users() == {name: password for name, password, *_ in DEMO_USERS}


@pytest.mark.parametrize(
    "username, landing",
    [
        ("admin", "/townships/360721100/map/"),
        ("county", "/coverage/"),
        ("township", "/townships/360721100/map/"),
        ("village", "/townships/360721100/map/"),
        ("leader", "/my/"),
        ("member", "/my/"),
    ],
)
def test_demo_users_log_in_and_land_on_their_page(small_county, db, username, landing):
    client = Client()
    password = _readme_users()[username]
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing
    area = UserArea.objects.get(user__username=username)
    if username in ("leader", "member"):
        assert area.village.code == KENGKOU and area.person is not None
        assert response.context["grid"].code == area.grid_code


@pytest.mark.parametrize(
    "args",
    [["--data", "township", "--households", "2000"], ["--households", "100"]],
    ids=["households-with-township", "county-too-small"],
)
def test_bad_options_are_refused_and_write_nothing(small_county, db, args):
    before = snapshot()
    with pytest.raises(CommandError) as refused:
        load(*args)
    assert snapshot() == before
    if "township" in args:
        assert str(refused.value) == HOUSEHOLDS_FOR_COUNTY_ONLY


def test_most_qualifying_grids_have_a_party_group(small_county, db):
    from django.db.models import Count, Q

    from grids.models import Grid
    from layers.coverage.models import PARTY_GROUP_MIN_MEMBERS, PartyGroup

    current = Grid.objects.filter(version__valid_to__isnull=True).annotate(
        party=Count(
            "assignments__household__persons",
            filter=~Q(assignments__household__persons__party_member=""),
        )
    )
    qualifying = {g.code: g for g in current if g.party >= PARTY_GROUP_MIN_MEMBERS}
    groups = list(PartyGroup.objects.select_related("leader__household"))
    assert groups and {p.grid_code for p in groups} <= set(qualifying)
    assert 0 < len(groups) < len(qualifying)  # some qualifying grids still lack one
    for p in groups:
        grid = qualifying[p.grid_code]
        assert p.started_on >= timezone.localdate(grid.version.valid_from)
        assert (
            p.leader.party_member and grid.assignments.filter(household=p.leader.household).exists()
        )
