from households.importing import import_village_groups

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import village groups (GeoJSON, GeoPackage, zipped Shapefile, KML)."

    def handle(self, *args, **options):
        self.run_import(import_village_groups, options)
