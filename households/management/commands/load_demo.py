"""Load the demo county (idempotent): groups, households, residents, demo users."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO = Path(settings.BASE_DIR) / "sample_data" / "demo"
# user name, password, full name, superuser, staff; the README lists them
DEMO_USERS = [
    ("admin", "demo-admin-2026", "系统管理员", True, True),
    ("township", "demo-township-2026", "坑口镇干部", False, True),
]


class Command(BaseCommand):
    help = "Load the demo township (坑口镇) and its demo users; then partition it."

    def add_arguments(self, parser):
        parser.add_argument("--no-partition", action="store_true")

    def handle(self, *args, **options):
        call_command("import_village_groups", str(DEMO / "village_groups.geojson"), stdout=self.stdout)
        call_command("import_households", str(DEMO / "households.csv"), stdout=self.stdout)
        call_command("import_persons", str(DEMO / "persons.csv"), stdout=self.stdout)
        for username, password, full_name, superuser, staff in DEMO_USERS:
            user, _created = User.objects.get_or_create(username=username)
            user.first_name, user.is_superuser, user.is_staff = full_name, superuser, staff
            user.set_password(password)
            user.save()
        if not options["no_partition"]:
            call_command("partition", "--all", stdout=self.stdout)
        self.stdout.write("demo users: " + ", ".join(f"{u[0]} / {u[1]}" for u in DEMO_USERS))
