"""Load the demo county (idempotent): groups, households, residents, a partition, demo users."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from households.models import Role, Township, UserArea, Village

DEMO = Path(settings.BASE_DIR) / "sample_data" / "demo"
DEMO_TOWNSHIP, DEMO_VILLAGE = "360721100", "360721100200"
# user name, password, full name, role; the README lists them
DEMO_USERS = [
    ("admin", "demo-admin-2026", "系统管理员", Role.ADMIN),
    ("county", "demo-county-2026", "县综治中心", Role.COUNTY),
    ("township", "demo-township-2026", "坑口镇干部", Role.TOWNSHIP),
    ("village", "demo-village-2026", "坑口村干部", Role.VILLAGE),
    ("leader", "demo-leader-2026", "", Role.GRID_LEADER),
    ("member", "demo-member-2026", "", Role.GRID_MEMBER),
]


class Command(BaseCommand):
    help = "Load the demo township (坑口镇), partition it, create one demo user per role."

    def add_arguments(self, parser):
        parser.add_argument("--no-partition", action="store_true")

    def handle(self, *args, **options):
        call_command(
            "import_village_groups", str(DEMO / "village_groups.geojson"), stdout=self.stdout
        )
        call_command("import_households", str(DEMO / "households.csv"), stdout=self.stdout)
        call_command("import_persons", str(DEMO / "persons.csv"), stdout=self.stdout)
        if not options["no_partition"]:
            call_command("partition", "--all", stdout=self.stdout)
        township = Township.objects.get(code=DEMO_TOWNSHIP)
        village = Village.objects.get(code=DEMO_VILLAGE)
        grid = self._demo_grid(village)
        for username, password, full_name, role in DEMO_USERS:
            area = {
                "role": role,
                "township": None,
                "village": None,
                "grid_code": "",
                "member_number": None,
                "person": None,
            }
            if role == Role.TOWNSHIP:
                area["township"] = township
            elif role == Role.VILLAGE:
                area["village"] = village
            elif role in (Role.GRID_LEADER, Role.GRID_MEMBER):
                if grid is None:
                    continue
                area.update(village=village, grid_code=grid.code)
                if role == Role.GRID_LEADER:  # the demo posts are confirmed appointments
                    area["person"] = grid.leader
                    type(grid).objects.filter(pk=grid.pk).update(leader_confirmed=True)
                else:
                    first = grid.member_areas.order_by("number").first()
                    area.update(member_number=first.number, person=first.member)
                    type(first).objects.filter(pk=first.pk).update(member_confirmed=True)
                full_name = area["person"].name if area["person"] else username
            user, _created = User.objects.get_or_create(username=username)
            user.first_name = full_name
            user.is_superuser = user.is_staff = role == Role.ADMIN
            user.set_password(password)
            user.save()
            if area["person"]:  # a resident links to one account only
                UserArea.objects.filter(person=area["person"]).exclude(user=user).update(
                    person=None
                )
            UserArea.objects.update_or_create(user=user, defaults=area)
        self.stdout.write("demo users: " + ", ".join(f"{u[0]} / {u[1]}" for u in DEMO_USERS))

    @staticmethod
    def _demo_grid(village):
        """The demo leader's grid: the first current grid of 坑口村 (grids app, if installed)."""
        grid_model = apps.get_model("grids", "Grid")
        return (
            grid_model.objects.filter(
                village=village, version__valid_to__isnull=True, leader__isnull=False
            )
            .order_by("code")
            .first()
        )
