"""One demo user per role (the README lists them): 坑口镇 staff, a 坑口村 cadre, and the leader
and a member of the first grid of 坑口村 that has a leader."""

from __future__ import annotations

from django.contrib.auth.models import User

from grids.appointments import grid_appoint_leader, member_area_appoint
from grids.models import Grid
from households.models import Role, UserArea, Village

DEMO_VILLAGE = "360721100200"  # 坑口村, in 坑口镇 (360721100) in both data sets
# user name, password, full name, role
DEMO_USERS = [
    ("admin", "demo-admin-2026", "系统管理员", Role.ADMIN),
    ("county", "demo-county-2026", "县综治中心", Role.COUNTY),
    ("township", "demo-township-2026", "坑口镇干部", Role.TOWNSHIP),
    ("village", "demo-village-2026", "坑口村干部", Role.VILLAGE),
    ("leader", "demo-leader-2026", "", Role.GRID_LEADER),
    ("member", "demo-member-2026", "", Role.GRID_MEMBER),
]


def demo_users_ensure() -> list[str]:
    """Create or update the demo users; the leader and member posts are confirmed (through
    the grid page's services). A user already as wanted is not written again."""
    village = Village.objects.select_related("township").get(code=DEMO_VILLAGE)
    grid = (
        Grid.objects.filter(village=village, version__valid_to__isnull=True, leader__isnull=False)
        .select_related("village", "leader__household__group")
        .order_by("code")
        .first()
    )
    area = None
    if grid is not None:
        area = (
            grid.member_areas.filter(member__isnull=False)
            .select_related("grid__village", "grid__version", "member__household__group")
            .order_by("number")
            .first()
        )
        if not grid.leader_confirmed:
            grid_appoint_leader(grid, grid.leader)
        if area is not None and not area.member_confirmed:
            member_area_appoint(area, area.member)
    names = []
    for username, password, full_name, role in DEMO_USERS:
        bound = {
            "role": role,
            "township": village.township if role == Role.TOWNSHIP else None,
            "village": village if role == Role.VILLAGE else None,
            "grid_code": "",
            "member_number": None,
            "person": None,
        }
        if role in (Role.GRID_LEADER, Role.GRID_MEMBER):
            post = grid if role == Role.GRID_LEADER else area
            if post is None:
                continue
            person = grid.leader if role == Role.GRID_LEADER else area.member
            bound.update(village=village, grid_code=grid.code, person=person)
            if role == Role.GRID_MEMBER:
                bound["member_number"] = area.number
            full_name = person.name
        _user_ensure(username, password, full_name, role, bound)
        names.append(f"{username} / {password}")
    return names


def _user_ensure(username, password, full_name, role, bound) -> None:
    user, created = User.objects.get_or_create(username=username)
    admin = role == Role.ADMIN
    if (
        created
        or not user.check_password(password)
        or (user.first_name, user.is_staff)
        != (
            full_name,
            admin,
        )
    ):
        user.first_name = full_name
        user.is_superuser = user.is_staff = admin
        user.set_password(password)
        user.save()
    if bound["person"]:  # a resident links to one account only
        UserArea.objects.filter(person=bound["person"]).exclude(user=user).update(person=None)
    current = UserArea.objects.filter(user=user).values(*bound).first()
    wanted = {k: getattr(v, "pk", v) for k, v in bound.items()}
    if current != wanted:
        UserArea.objects.update_or_create(user=user, defaults=bound)
