"""Load the demo (idempotent): the demo county with a year of history, or the test township.

It lives in ``layers``, the top app, because it writes every floor: households and
residents (the importers), grids (the partition service, appointments) and visits.
"""

import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from layers.demo import activity, county, overlays, party, users

TOWNSHIP_DIR = Path(settings.BASE_DIR) / "sample_data" / "demo"
HOUSEHOLDS_FOR_COUNTY_ONLY = "--households applies to --data county only"


class Command(BaseCommand):
    help = (
        "Load the demo county (8 townships, about 20,000 households, a year of grids, "
        "appointments and visits) or, with --data township, the test township 坑口镇; "
        "create one demo user per role. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            choices=["county", "township"],
            default="county",
            help="county: generated at load time (fixed seed); township: sample_data/demo",
        )
        parser.add_argument(
            "--households",
            type=int,
            default=None,
            help="size of the generated county (default: the demo county's, 20,000)",
        )
        parser.add_argument("--no-partition", action="store_true", help="import only")

    def handle(self, *args, **options):
        self.timings = []
        partition = not options["no_partition"]
        if options["data"] == "township":
            if options["households"]:
                raise CommandError(HOUSEHOLDS_FOR_COUNTY_ONLY)
            names = self._township(partition=partition)
        else:
            gen = county.generator()
            size = options["households"] or gen.DEMO_COUNTY_HOUSEHOLDS
            names = self._county(size, gen.DEMO_COUNTY_SEED, partition=partition)
        self.say("demo users: " + ", ".join(names))
        self.say("\n| step | seconds |\n|---|---|")
        for name, seconds in self.timings:
            self.say(f"| {name} | {seconds:.1f} |")
        self.say(f"| total | {sum(s for _n, s in self.timings):.1f} |")

    def _township(self, *, partition: bool) -> list[str]:
        with self.step("import groups, households, residents"):
            county.import_files(
                TOWNSHIP_DIR / "village_groups.geojson",
                TOWNSHIP_DIR / "households.csv",
                TOWNSHIP_DIR / "persons.csv",
                self.say,
            )
        if partition and county.unpartitioned():
            with self.step("partition"):
                call_command("partition", "--all", stdout=self.stdout)
        with self.step("demo users"):
            return users.demo_users_ensure()

    def _county(self, households: int, seed: int, *, partition: bool) -> list[str]:
        with tempfile.TemporaryDirectory(prefix="demo-county-") as tmp:
            with self.step("generate the files"):
                try:
                    files = county.county_files(Path(tmp), households)
                except ValueError as exc:  # too small for the pilot villages
                    raise CommandError(str(exc)) from exc
            with self.step("import groups, households, residents"):
                county.import_files(
                    files["village_groups.geojson"],
                    files["households.csv"],
                    files["persons.csv"],
                    self.say,
                )
            if partition:
                anchor = county.anchor_date()
                with self.step("partition, township by township"):
                    county.rollout(anchor, self.say)
                with self.step("households of the year, 坑口村 partitioned again"):
                    county.midyear(files, anchor, self.say)
        if not partition:
            with self.step("demo users"):
                return users.demo_users_ensure()
        with self.step("appointments"):
            self.say(str(activity.appointments_settle(seed)))
        with self.step("demo users"):  # before the accounts: the demo posts keep theirs
            names = users.demo_users_ensure()
        with self.step("accounts of leaders and members"):
            self.say(f"{activity.accounts_sync()} accounts created")
        with self.step("visits (bulk insert)"):
            self.say(f"{activity.visits_load(anchor, seed)} visits written")
        with self.step("incidents (bulk insert)"):
            self.say(f"{activity.incidents_load(anchor, seed)} incidents written")
        with self.step("cameras and service points"):
            cameras, points = overlays.overlays_load(seed)
            self.say(f"{cameras} cameras, {points} service points written")
        with self.step("party groups of the grids"):
            self.say(f"{party.party_groups_load(anchor, seed)} party groups set up")
        return names

    @contextmanager
    def step(self, name: str):
        started = time.perf_counter()
        yield
        self.timings.append((name, time.perf_counter() - started))

    def say(self, text: str) -> None:
        self.stdout.write(text)
