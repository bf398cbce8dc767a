"""Resident rosters (CSV/XLSX): the pool grid leaders and members are chosen from.

Upsert key: (household id, name). Same checks, atomicity and report as the other importers.
"""

import time
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.models import Household, Person, Township
from households.pg import tables_analyze

from . import fields as F
from .limits import check_lengths
from .readers import PERSON_ALIASES
from .report import ImportRejected, ImportReport, database_refusals
from .scope import households_outside, township_label
from .tables import read_rows

PARTY_WORDS = {
    "": "",
    "0": "",
    "否": "",
    "no": "",
    "群众": "",
    "full": "full",
    "1": "full",
    "是": "full",
    "正式": "full",
    "正式党员": "full",
    "中共党员": "full",
    "党员": "full",
    "yes": "full",
    "probationary": "probationary",
    "预备": "probationary",
    "预备党员": "probationary",
    "中共预备党员": "probationary",
}
ERR_UNKNOWN_HOUSEHOLD = gettext_lazy("no household with id %(id)r (import households first)")
ERR_PARTY = gettext_lazy("party membership must be full/probationary/blank (正式/预备): %(value)r")
ERR_DUPLICATE_PERSON = gettext_lazy(
    "%(name)s appears twice in household %(id)s (first at row %(first)d)"
)
ERR_BLANK = gettext_lazy("%(col)s is empty")
ERR_HOUSEHOLD_OUTSIDE = gettext_lazy("household %(id)r is outside your township %(township)s")
_FIELDS = ("phone", "party_member", *Person.ROLE_FIELDS)


def import_persons(
    path: str | Path,
    *,
    dry_run: bool = False,
    skip_rejected: bool = False,
    column_map: dict | None = None,
    township: Township | None = None,
) -> ImportReport:
    """Check and load a roster. With `township` (township staff), every resident's household
    must be a household of that township. Raises ImportRejected (nothing written) on errors."""
    path = Path(path)
    started = time.perf_counter()
    report = ImportReport(kind=_("residents"), source=path.name, dry_run=dry_run)
    table = read_rows(path, report, PERSON_ALIASES, ("name", "household_id"), column_map)
    frame, file_rows, labels, bad = table.frame, table.rows, table.labels, table.bad
    flag = table.flag
    too_long = check_lengths(frame, {"name": (Person, "name"), "phone": (Person, "phone")}, flag)
    households = dict(
        Household.objects.filter(external_id__in=set(frame["household_id"])).values_list(
            "external_id", "id"
        )
    )
    foreign = households_outside(township, households) if township is not None else set()
    seen = {}
    records = []
    roles = {col: F.parse_bool(frame[col]) for col in Person.ROLE_FIELDS}
    phone_bad = F.phone_bad(frame["phone"]) & ~too_long["phone"]
    for i, row in enumerate(frame.itertuples(index=False)):
        line = int(file_rows[i])

        def fail(col, message, i=i, line=line):
            report.error(line, labels[col], message)
            bad[i] = True

        if not row.name:
            fail("name", ERR_BLANK % {"col": labels["name"]})
        if not row.household_id:
            fail("household_id", ERR_BLANK % {"col": labels["household_id"]})
        elif row.household_id not in households:
            fail("household_id", ERR_UNKNOWN_HOUSEHOLD % {"id": row.household_id})
        elif row.household_id in foreign:
            fail(
                "household_id",
                ERR_HOUSEHOLD_OUTSIDE
                % {"id": row.household_id, "township": township_label(township)},
            )
        party = PARTY_WORDS.get(row.party_member.lower())
        if party is None:
            fail("party_member", ERR_PARTY % {"value": row.party_member})
        if phone_bad[i]:
            fail("phone", F.ERR_PHONE % {"value": row.phone})
        for col, (_values, wrong) in roles.items():
            if wrong[i]:
                fail(col, F.ERR_NOT_BOOLEAN % {"value": getattr(row, col)})
        key = (row.household_id, row.name)
        if key in seen:
            fail(
                "name",
                ERR_DUPLICATE_PERSON
                % {"name": row.name, "id": row.household_id, "first": seen[key]},
            )
        seen.setdefault(key, line)
        if not bad[i]:
            records.append(
                {
                    "household_id": households[row.household_id],
                    "name": row.name,
                    "phone": row.phone,
                    "party_member": party,
                    **{col: bool(values[i]) for col, (values, _w) in roles.items()},
                }
            )
    if bad.any() and not skip_rejected:
        raise ImportRejected(report)
    report.rejected_rows = int(bad.sum())
    if not dry_run:
        with database_refusals(report), transaction.atomic():
            _load(records, report)
            if report.created or report.updated:
                tables_analyze(Person)
        report.applied = True
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _load(records, report) -> None:
    existing = {
        (p.household_id, p.name): p
        for p in Person.objects.filter(household_id__in={r["household_id"] for r in records})
    }
    create, update = [], []
    for r in records:
        person = existing.get((r["household_id"], r["name"]))
        if person is None:
            create.append(Person(**r))
        elif any(getattr(person, f) != r[f] for f in _FIELDS):
            for f in _FIELDS:
                setattr(person, f, r[f])
            update.append(person)
    Person.objects.bulk_create(create, batch_size=2000)
    Person.objects.bulk_update(update, list(_FIELDS), batch_size=2000)
    report.created, report.updated = len(create), len(update)
    report.unchanged = len(records) - len(create) - len(update)
