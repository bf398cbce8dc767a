"""The field-work world the layers and security tests share: the demo township partitioned,
one user per role bound to it, and a second township (with a grid and households) that
is out of scope for everyone but county staff and the administrator."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from grids import services as grid_services
from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from households.models import Household, Role, Township, UserArea, Village, VillageGroup

KENGKOU = "360721100200"  # 坑口村, the demo village the grid people work in
WANXING = "360721100201"  # 万星村, another village of the demo township
OTHER_TOWNSHIP = "360721199"
OTHER_VILLAGE = "360721199200"
OTHER_GRID = "360721199200001"
PASSWORD = "pw-for-tests-1"


@dataclass
class Field:
    township: Township
    village: Village
    grid: Grid  # the leader's and member's grid
    sibling: Grid  # another grid of the same village
    far: Grid  # a grid of another village of the same township
    other: Grid  # the grid of another township
    users: dict[str, User | None]


def partition_township(township: Township) -> None:
    run = grid_services.partition_run_create(scope="township", code=township.code)
    grid_services.partition_run_apply(grid_services.partition_run_compute(run))


def other_township() -> Grid:
    """外镇: one village, one group, one grid of 4 households in two member areas."""
    township = Township.objects.create(code=OTHER_TOWNSHIP, name="外镇")
    square = Polygon.from_bbox((115.90, 26.20, 115.91, 26.21))
    village = Village.objects.create(
        code=OTHER_VILLAGE, name="外村", township=township, boundary=MultiPolygon(square)
    )
    group = VillageGroup.objects.create(
        code=OTHER_VILLAGE + "01", name="外组", village=village, geom=MultiPolygon(square)
    )
    version = GridVersion.objects.create(
        village=village, number=1, valid_from=timezone.now(), source=GridVersion.Source.EDIT
    )
    grid = Grid.objects.create(
        version=version,
        village=village,
        code=OTHER_GRID,
        geom=MultiPolygon(square),
        household_count=4,
    )
    areas = [MemberArea.objects.create(grid=grid, number=n, household_count=2) for n in (1, 2)]
    for i in range(4):
        household = Household.objects.create(
            external_id=f"H900000{i + 1}",
            head=f"外户{i + 1}",
            id_number=f"36072119900101{i:03d}9",
            phone=f"1390000{i:04d}",
            address="外镇外村",
            group=group,
            dibao=True,
            location=Point(115.901 + i * 0.002, 26.205, srid=4326),
        )
        GridAssignment.objects.create(
            version=version, household=household, grid=grid, member_area=areas[i // 2]
        )
    return grid


def make_role(username: str, role: str, **area) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    UserArea.objects.create(user=user, role=role, **area)
    return user


def field_world() -> Field:
    """Import and partition the demo township, add the other township, one user per role."""
    from households.importing import import_households, import_persons, import_village_groups
    from tests.conftest import DEMO

    import_village_groups(DEMO / "village_groups.geojson")
    import_households(DEMO / "households.csv")
    import_persons(DEMO / "persons.csv")
    township = Township.objects.get(code="360721100")
    partition_township(township)
    village = Village.objects.get(code=KENGKOU)
    current = Grid.objects.filter(version__valid_to__isnull=True).select_related("village")
    grids = list(current.filter(village=village, leader__isnull=False).order_by("code"))
    grid, sibling = grids[0], grids[1]
    far = current.filter(village__code=WANXING).order_by("code").first()
    other = other_township()
    first_area = grid.member_areas.order_by("number").first()
    users = {
        "county": make_role("t-county", Role.COUNTY),
        "township": make_role("t-township", Role.TOWNSHIP, township=township),
        "village": make_role("t-village", Role.VILLAGE, village=village),
        "grid_leader": make_role(
            "t-leader", Role.GRID_LEADER, village=village, grid_code=grid.code, person=grid.leader
        ),
        "grid_member": make_role(
            "t-member",
            Role.GRID_MEMBER,
            village=village,
            grid_code=grid.code,
            member_number=first_area.number,
            person=first_area.member,
        ),
        "admin": User.objects.create_superuser("t-admin", password=PASSWORD),
        "no_role": User.objects.create_user("t-nobody", password=PASSWORD),
        "anonymous": None,
    }
    return Field(
        township=township,
        village=village,
        grid=grid,
        sibling=sibling,
        far=far,
        other=other,
        users=users,
    )


def world_fixture(django_db_blocker):
    """Build the world once for a test module, committed; flush the database afterwards.

    Importing and partitioning the demo township takes ~6 s: once per module instead of
    once per test. Tests in the module use the `db` fixture, so each rolls its own
    changes back; the module's last step empties the database as transactional tests do.
    """
    from django.core.management import call_command
    from django.db import connection

    with django_db_blocker.unblock():
        # pytest-django creates the test database only if a selected test is marked
        # django_db (or asks for `db`); without it this would write to the real database.
        if not connection.settings_dict["NAME"].startswith("test_"):
            raise RuntimeError("mark the module pytest.mark.django_db: no test database")
        world = field_world()
    yield world
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
