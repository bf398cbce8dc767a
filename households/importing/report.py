"""What an import found and did: counts, and problems that name the row and the field."""

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError, connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

log = logging.getLogger(__name__)

ERR_DATABASE = gettext_lazy("the database refused the data; nothing was written: %(error)s")


class ImportRejected(Exception):
    """The file cannot be imported; the report says why. Nothing was written."""

    def __init__(self, report: "ImportReport"):
        self.report = report
        super().__init__(report.first_error())


@dataclass(frozen=True)
class Problem:
    row: int | None  # file row (CSV/XLSX line, header = 1) or feature number (1-based)
    field: str
    message: str
    where: str = "row"  # "row" or "feature"

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.field}: {self.message}" if self.field else self.message
        label = _("row") if self.where == "row" else _("feature")
        prefix = f"{label} {self.row}"
        return (
            f"{prefix}, {self.field}: {self.message}" if self.field else f"{prefix}: {self.message}"
        )

    def shown(self) -> str:
        """As the report page shows it: a column the file names in English is named by its
        Chinese header too (``经度（lon）``), so that the sentence reads in Chinese."""
        chinese = _chinese_headers().get(self.field.strip().lower())
        if not chinese:
            return str(self)
        return str(Problem(self.row, f"{chinese}（{self.field}）", self.message, self.where))


def _chinese_headers() -> dict[str, str]:
    """English header -> the import template's Chinese header, of every importer's columns."""
    from .readers import GROUP_ALIASES, HOUSEHOLD_ALIASES, PERSON_ALIASES, chinese_header

    headers = {}
    for aliases in (GROUP_ALIASES, PERSON_ALIASES, HOUSEHOLD_ALIASES):  # the later win
        for canon, names in aliases.items():
            chinese = chinese_header(canon, aliases)
            if chinese.isascii():
                continue
            headers.update({n.lower(): chinese for n in names if n.isascii()})
    return headers


@dataclass
class ImportReport:
    kind: str
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: int = 0
    dry_run: bool = False
    applied: bool = False
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row, field_name, message, where="row") -> None:
        self.errors.append(Problem(row, field_name, str(message), where))

    def warn(self, row, field_name, message, where="row") -> None:
        self.warnings.append(Problem(row, field_name, str(message), where))

    def first_error(self) -> str:
        return str(self.errors[0]) if self.errors else ""

    def summary(self) -> str:
        return _(
            "%(kind)s from %(source)s: %(rows)d rows, %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged, %(rejected)d rejected, %(errors)d errors, %(warnings)d warnings"
        ) % {
            "kind": self.kind,
            "source": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected_rows,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "source": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected_rows": self.rejected_rows,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "errors": [p.shown() for p in self.errors],
            "warnings": [p.shown() for p in self.warnings],
            "stats": self.stats,
        }


@contextmanager
def database_refusals(report: ImportReport):
    """A value or a constraint the database refuses at load time (the checks should have
    found it first) rejects the import with the database's reason, not a traceback. Enter
    it outside the load's transaction, so that the load is rolled back first."""
    driver = connection.Database  # psycopg: COPY raises the driver's own errors
    try:
        yield
    except (DataError, IntegrityError, driver.DataError, driver.IntegrityError) as exc:
        log.exception("%s: the database refused the load", report.source)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        report.error(None, "", ERR_DATABASE % {"error": reason})
        raise ImportRejected(report) from exc
