"""Shared option parsing and summary printing for the import commands."""

from django.core.management.base import BaseCommand, CommandError

from households.importing import ImportRejected

MAX_LISTED = 50


class ImportCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--skip-rejected",
            action="store_true",
            help="load the good rows and leave out rejected ones (default: reject the whole file)",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="CANONICAL=HEADER",
            help="read column HEADER as CANONICAL, e.g. --map head=户主姓名",
        )

    def column_map(self, options) -> dict:
        mapping = {}
        for item in options["map"]:
            if "=" not in item:
                raise CommandError(f"--map takes CANONICAL=HEADER, got {item!r}")
            canon, header = item.split("=", 1)
            mapping[canon.strip()] = header.strip()
        return mapping

    def run_import(self, func, options, **kwargs):
        try:
            report = func(
                options["file"],
                dry_run=options["dry_run"],
                skip_rejected=options["skip_rejected"],
                column_map=self.column_map(options),
                **kwargs,
            )
        except ImportRejected as exc:
            self._list(exc.report.errors, self.stderr, "ERROR")
            self._list(exc.report.warnings, self.stderr, "WARNING")
            raise CommandError(
                f"rejected, nothing written: {len(exc.report.errors)} errors; first: "
                f"{exc.report.first_error()}"
            ) from exc
        self._list(report.errors, self.stderr, "REJECTED")
        self._list(report.warnings, self.stdout, "WARNING")
        prefix = "dry run, nothing written: " if report.dry_run else ""
        self.stdout.write(prefix + report.summary())
        return report

    def _list(self, problems, stream, label):
        for problem in problems[:MAX_LISTED]:
            stream.write(f"{label}: {problem}")
        if len(problems) > MAX_LISTED:
            stream.write(f"... and {len(problems) - MAX_LISTED} more")
