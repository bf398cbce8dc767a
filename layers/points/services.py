"""Writes of the points ledgers. Each refuses with a constant message (PointsError) and
writes nothing when it refuses; a balance is checked under a lock on the household's row,
so two redemptions at once cannot both spend the same points."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.access import scope_for
from households.models import Household, Role
from households.scoping import contains
from layers.validators import photo_clean

from .defaults import CIVILITY, PARTY
from .models import Category, CivilityEntry, PartyEntry

ERR_OUTSIDE = _("%(what)s is not in your area: nothing was recorded.")
ERR_ROLE_RECORD = _("Only grid leaders, grid members and village cadres record points.")
ERR_ROLE_APPROVE = _("Only a cadre of the household's village approves points.")
ERR_NOT_PENDING = _("This entry was already %(status)s.")
ERR_NEGATIVE = _(
    "The balance would fall below zero (balance %(balance)s, entry %(points)s): refused."
)
ERR_POINTS = _("Points must be a whole number from -100 to 100, not zero.")
ERR_REDEEM_POINTS = _("Points spent must be a whole number from 1 to 1000.")
ERR_CATEGORY = _("Choose a category of this ledger.")
ERR_NOT_PARTY = _("%(name)s is not a party member.")
ERR_DATE = _("The date may not lie in the future.")
MAX_POINTS, MAX_REDEEM = 100, 1000
RECORDERS = (Role.VILLAGE, Role.GRID_LEADER, Role.GRID_MEMBER)


class PointsError(ValueError):
    """Refused; nothing was written."""


def categories_ensure() -> None:
    for ledger, items in ((Category.Ledger.CIVILITY, CIVILITY), (Category.Ledger.PARTY, PARTY)):
        for order, (code, name, points, redemption) in enumerate(items):
            Category.objects.get_or_create(
                ledger=ledger,
                code=code,
                defaults={
                    "name": str(name),
                    "default_points": points,
                    "redemption": redemption,
                    "order": order,
                },
            )


OPENINGS_SQL = """
INSERT INTO layers_civilityentry
    (household_id, kind, "on", points, note, status, recorder_role, created_at, photo,
     approved_at)
SELECT h.id, 'opening', %(today)s, h.civility_points, %(note)s, 'approved', 'import', now(), '',
       now()
FROM households_household h
WHERE h.civility_points <> 0
  AND NOT EXISTS (SELECT 1 FROM layers_civilityentry e
                  WHERE e.household_id = h.id AND e.kind = 'opening')
"""


def civility_openings_ensure(today: dt.date | None = None) -> int:
    """The imported 文明积分 of each household without an opening entry becomes one (one
    statement; the migration, the demo and a periodic job call it). Returns how many."""
    with connection.cursor() as cur:
        cur.execute(
            OPENINGS_SQL,
            {"today": today or timezone.localdate(), "note": "导入的文明积分 (imported)"},
        )
        return cur.rowcount


def balance(household_id: int) -> int:
    return (
        CivilityEntry.objects.filter(household_id=household_id, status="approved").aggregate(
            s=Sum("points")
        )["s"]
        or 0
    )


def _check_balance(household_id: int, points: int) -> None:
    """Under a lock on the household's row (held until the transaction ends)."""
    Household.objects.select_for_update().filter(pk=household_id).values_list("pk").get()
    now = balance(household_id)
    if now + points < 0:
        raise PointsError(ERR_NEGATIVE % {"balance": now, "points": points})


def _int(value, lo, hi, error) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise PointsError(error) from None
    if not lo <= n <= hi or n == 0:
        raise PointsError(error)
    return n


def _recorder(user, obj, what: str):
    scope = scope_for(user)
    if scope.role not in RECORDERS:
        raise PointsError(ERR_ROLE_RECORD)
    if not contains(scope, obj):
        raise PointsError(ERR_OUTSIDE % {"what": what})
    return scope


def _date(on) -> dt.date:
    if on > timezone.localdate():
        raise PointsError(ERR_DATE)
    return on


def _category(category, ledger) -> Category:
    if category is None or category.ledger != ledger or category.redemption:
        raise PointsError(ERR_CATEGORY)
    return category


@transaction.atomic
def civility_record(*, user, household, category, points, on, note="", photo=None):
    """An entry by a leader, member (awaiting approval) or village cadre (approved)."""
    scope = _recorder(user, household, household.external_id)
    category = _category(category, Category.Ledger.CIVILITY)
    points = _int(
        category.default_points if points in (None, "") else points,
        -MAX_POINTS,
        MAX_POINTS,
        ERR_POINTS,
    )
    entry = CivilityEntry(
        household=household,
        category=category,
        points=points,
        on=_date(on),
        note=note[:300],
        recorded_by=user,
        recorder_role=scope.role,
    )
    if scope.role == Role.VILLAGE:
        _check_balance(household.pk, points)
        entry.status, entry.approved_by, entry.approved_at = "approved", user, timezone.now()
    if photo:  # re-encoded: no metadata (the camera's GPS, time), bounded size
        entry.photo = photo_clean(photo)
    entry.save()
    return entry


def _approver(user, household) -> None:
    scope = scope_for(user)
    if scope.role != Role.VILLAGE:
        raise PointsError(ERR_ROLE_APPROVE)
    if not contains(scope, household):
        raise PointsError(ERR_OUTSIDE % {"what": household.external_id})


@transaction.atomic
def civility_decide(*, user, entry: CivilityEntry, approve: bool) -> CivilityEntry:
    _approver(user, entry.household)
    entry = CivilityEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != "pending":
        raise PointsError(ERR_NOT_PENDING % {"status": entry.get_status_display()})
    if approve:
        _check_balance(entry.household_id, entry.points)
    entry.status = "approved" if approve else "refused"
    entry.approved_by, entry.approved_at = user, timezone.now()
    entry.save(update_fields=["status", "approved_by", "approved_at"])
    return entry


@transaction.atomic
def civility_redeem(*, user, household, points, on, note="") -> CivilityEntry:
    """Points spent in the points shop (积分超市), by a village cadre; never below zero."""
    _approver(user, household)
    spent = _int(points, 1, MAX_REDEEM, ERR_REDEEM_POINTS)
    _check_balance(household.pk, -spent)
    shop = Category.objects.filter(ledger="civility", redemption=True).first()
    return CivilityEntry.objects.create(
        household=household,
        category=shop,
        kind=CivilityEntry.Kind.REDEMPTION,
        points=-spent,
        on=_date(on),
        note=note[:300],
        status="approved",
        recorded_by=user,
        recorder_role=Role.VILLAGE,
        approved_by=user,
        approved_at=timezone.now(),
    )


@transaction.atomic
def party_record(*, user, person, category, points, on, note="") -> PartyEntry:
    scope = _recorder(user, person, person.name)
    if not person.party_member:
        raise PointsError(ERR_NOT_PARTY % {"name": person.name})
    category = _category(category, Category.Ledger.PARTY)
    points = _int(
        category.default_points if points in (None, "") else points,
        -MAX_POINTS,
        MAX_POINTS,
        ERR_POINTS,
    )
    approved = scope.role == Role.VILLAGE
    return PartyEntry.objects.create(
        person=person,
        category=category,
        points=points,
        on=_date(on),
        note=note[:300],
        recorded_by=user,
        recorder_role=scope.role,
        status="approved" if approved else "pending",
        approved_by=user if approved else None,
        approved_at=timezone.now() if approved else None,
    )


@transaction.atomic
def party_decide(*, user, entry: PartyEntry, approve: bool) -> PartyEntry:
    _approver(user, entry.person.household)
    entry = PartyEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != "pending":
        raise PointsError(ERR_NOT_PENDING % {"status": entry.get_status_display()})
    entry.status = "approved" if approve else "refused"
    entry.approved_by, entry.approved_at = user, timezone.now()
    entry.save(update_fields=["status", "approved_by", "approved_at"])
    return entry


@transaction.atomic
def board_set(*, village, mask_black: bool, size: int):
    from .models import BoardSetting

    setting, _created = BoardSetting.objects.update_or_create(
        village=village, defaults={"mask_black": mask_black, "size": size}
    )
    return setting
