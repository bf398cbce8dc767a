from households.importing import import_persons

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import residents (CSV/XLSX roster) who can serve as grid leaders or members."

    def handle(self, *args, **options):
        self.run_import(import_persons, options)
