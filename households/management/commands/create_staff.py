"""Create staff accounts from a script: one from options, or many from a roster file.

Each account gets a one-time password, printed once ("user name<TAB>password" per line) and
changed at the first login. The command line may grant any role (it runs as the server's
operator); everything else is checked as on the account pages (households.accounts).
"""

from django.core.management.base import BaseCommand, CommandError

from households.accounts.roster import accounts_import, role_of
from households.accounts.rules import AreaCodeError, binding_resolve
from households.accounts.services import account_create
from households.importing import ImportRejected
from households.importing.fields import PHONE_RE


class Command(BaseCommand):
    help = (
        "Create a staff account bound to a role and an area (--role, --area, --name), or many "
        "from a roster (--file: name, phone, role, area code); prints user names and one-time "
        "passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            help="admin, county, township, village, grid_leader, "
            "grid_member (or 乡镇干部, 村干部, 网格长, 网格员 …)",
        )
        parser.add_argument(
            "--area",
            help="the area's code: county 6 digits, township 9, "
            "village 12, grid 15, member area GRIDCODE-N",
        )
        parser.add_argument("--name", help="the person's name")
        parser.add_argument("--phone", default="", help="contact phone (shown masked)")
        parser.add_argument("--file", help="a roster (XLSX or CSV) instead of the options above")
        parser.add_argument("--dry-run", action="store_true", help="check the roster only")

    def handle(self, *args, **options):
        if options["file"]:
            return self._roster(options)
        missing = [f"--{k}" for k in ("role", "area", "name") if not options[k]]
        if missing:
            raise CommandError(f"give {', '.join(missing)} (or --file)")
        role = role_of(options["role"])
        if role is None:
            raise CommandError(f"--role: unknown role {options['role']!r}")
        if options["phone"] and not PHONE_RE.match(options["phone"]):
            raise CommandError(f"--phone: not a phone number: {options['phone']!r}")
        try:
            binding = binding_resolve(role, options["area"])
        except AreaCodeError as exc:
            raise CommandError(f"--area: {exc}") from exc
        user, password = account_create(
            by=None, binding=binding, name=options["name"], phone=options["phone"]
        )
        self.stdout.write(f"{user.username}\t{password}")

    def _roster(self, options):
        try:
            report, credentials = accounts_import(
                options["file"], by=None, dry_run=options["dry_run"]
            )
        except ImportRejected as exc:
            for problem in exc.report.errors:
                self.stderr.write(f"ERROR: {problem}")
            raise CommandError(
                f"rejected, nothing written: {len(exc.report.errors)} errors"
            ) from exc
        for _name, _area, username, password in credentials:
            self.stdout.write(f"{username}\t{password}")
        prefix = "dry run, nothing written: " if report.dry_run else ""
        self.stderr.write(prefix + report.summary())
