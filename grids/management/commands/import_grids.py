"""manage.py import_grids GRIDS ASSIGNMENTS [--dry-run]: grids from a file (grids.importing)."""

from django.core.management.base import BaseCommand, CommandError

from grids.importing import import_grids
from households.importing import ImportRejected


class Command(BaseCommand):
    help = (
        "Import grid polygons (GRIDS: GeoPackage, zipped Shapefile, GeoJSON, KML) and each "
        "household's grid and member area (ASSIGNMENTS: columns id, grid, member_area, such as "
        "a households export) as a new dated version of each village's grids."
    )

    def add_arguments(self, parser):
        parser.add_argument("grids")
        parser.add_argument("assignments")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        try:
            report = import_grids(
                options["grids"], options["assignments"], dry_run=options["dry_run"]
            )
        except ImportRejected as exc:
            for problem in exc.report.errors:
                self.stderr.write(str(problem))
            raise CommandError(exc.report.summary()) from exc
        for problem in report.warnings:
            self.stdout.write(str(problem))
        self.stdout.write(report.summary())
