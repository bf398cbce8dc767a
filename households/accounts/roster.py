"""Many accounts at once from a roster (XLSX or CSV: name, phone, role, area code).

Read, checked and reported like the other imports (households.importing: the same readers,
the same limits from the models' fields, the same report naming the row and the column),
then loaded in one transaction: a file with any rejected row writes nothing. Each row must
be one the importing user may grant (households.accounts.rules), as on the account pages.
A row matching an account already there (same role, area and name) creates nothing; its
phone is replaced if the row gives another one.
"""

from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.access import scope_for
from households.importing import fields as F
from households.importing.limits import check_lengths
from households.importing.report import ImportRejected, ImportReport, database_refusals
from households.importing.tables import read_rows
from households.models import Role, UserArea

from . import services
from .rules import (
    AreaCodeError,
    GrantRefused,
    binding_resolve,
    grant_check,
    grantable_roles,
    manage_check,
)

ACCOUNT_ALIASES = {
    "name": ["name", "姓名"],
    "phone": ["phone", "联系电话", "电话", "手机号"],
    "role": ["role", "角色", "岗位", "职务"],
    "area_code": ["area_code", "区域编码", "辖区编码", "所属区域编码", "编码"],
}
# the words a county's roster uses for each role, besides the role's own name and label
ROLE_WORDS = {
    "系统管理员": Role.ADMIN,
    "管理员": Role.ADMIN,
    "县级工作人员": Role.COUNTY,
    "县级干部": Role.COUNTY,
    "县直部门": Role.COUNTY,
    "乡镇工作人员": Role.TOWNSHIP,
    "乡镇干部": Role.TOWNSHIP,
    "村干部": Role.VILLAGE,
    "村两委": Role.VILLAGE,
    "网格长": Role.GRID_LEADER,
    "网格员": Role.GRID_MEMBER,
    "联户长": Role.GRID_MEMBER,
}
ERR_BLANK = gettext_lazy("%(col)s is empty")
ERR_ROLE = gettext_lazy("unknown role %(value)r (use 乡镇干部, 村干部, 网格长, 网格员 …)")
ERR_DUPLICATE = gettext_lazy("the same account as row %(first)d")


def role_of(word: str) -> str | None:
    word = word.strip()
    for role in Role:
        if word.lower() in (role.value, str(role.label).lower()):
            return role.value
    return ROLE_WORDS.get(word)


def accounts_import(path, *, by, dry_run: bool = False) -> tuple[ImportReport, list[tuple]]:
    """Check (and unless `dry_run`, load) a roster. Returns the report and, for each account
    created, (name, area, user name, one-time password). Raises ImportRejected (nothing
    written) if any row is refused. `by` None: the command line, which may grant anything."""
    path = Path(path)
    report = ImportReport(kind=_("accounts"), source=path.name, dry_run=dry_run)
    table = read_rows(path, report, ACCOUNT_ALIASES, ("name", "role", "area_code"))
    frame, file_rows, labels, bad = table.frame, table.rows, table.labels, table.bad

    limits = {"name": (User, "first_name"), "phone": (UserArea, "phone")}
    too_long = check_lengths(frame, limits, table.flag)
    phone_bad = F.phone_bad(frame["phone"]) & ~too_long["phone"]
    scope = scope_for(by) if by is not None else None
    seen, records = {}, []
    for i, row in enumerate(frame.itertuples(index=False)):
        line = int(file_rows[i])

        def fail(col, message, i=i, line=line):
            report.error(line, labels[col], message)
            bad[i] = True

        if not row.name:
            fail("name", ERR_BLANK % {"col": labels["name"]})
        if phone_bad[i]:
            fail("phone", F.ERR_PHONE % {"value": row.phone})
        role = role_of(row.role)
        if role is None:
            fail("role", ERR_ROLE % {"value": row.role})
            continue
        try:
            binding = binding_resolve(role, row.area_code)
            if scope is not None:
                grant_check(scope, binding)
        except AreaCodeError as exc:
            fail("area_code", str(exc))
            continue
        except GrantRefused as exc:  # a role above the importer's, or an area outside theirs
            fail("role" if role not in grantable_roles(scope) else "area_code", str(exc))
            continue
        key = (role, binding.code, row.name)
        if key in seen:
            fail("name", ERR_DUPLICATE % {"first": seen[key]})
        seen.setdefault(key, line)
        existing = (
            UserArea.objects.select_related("user", "village__township", "township")
            .filter(user__first_name=row.name, **binding.fields())
            .first()
        )
        if existing is not None and scope is not None:
            try:
                manage_check(scope, by, existing)
            except GrantRefused as exc:
                fail("name", str(exc))
        records.append((binding, row.name, row.phone, existing))
    if bad.any():
        raise ImportRejected(report)
    credentials = []
    if not dry_run:
        with database_refusals(report), transaction.atomic():
            credentials = _load(records, by, report)
        report.applied = True
    return report, credentials


def _load(records, by, report) -> list[tuple]:
    credentials = []
    for binding, name, phone, existing in records:
        if existing is None:
            user, password = services.account_create(by=by, binding=binding, name=name, phone=phone)
            credentials.append((name, binding.label, user.username, password))
            report.created += 1
        elif phone and phone != existing.phone:
            services.account_update(existing, by=by, binding=binding, name=name, phone=phone)
            report.updated += 1
        else:
            report.unchanged += 1
    return credentials
