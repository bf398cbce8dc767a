from households.importing import CRS_CHOICES, import_households

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import households (CSV/XLSX with lon/lat, GeoJSON, GeoPackage, zipped Shapefile)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--crs",
            choices=CRS_CHOICES,
            default=None,
            help="coordinates of CSV/XLSX (default EPSG:4326); gcj02/bd09 are converted to WGS84",
        )

    def handle(self, *args, **options):
        self.run_import(import_households, options, crs=options["crs"])
