"""Reads of the points ledgers: balances, a village's pending entries, the red and black
boards, party-member totals and rankings. Each starts from ``for_scope``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum

from households.models import Household, Person

from .models import BoardSetting, CivilityEntry, PartyEntry

APPROVED = Q(status="approved")


def households_with_balance(scope) -> QuerySet:
    return Household.objects.for_scope(scope).annotate(
        balance=Sum("civility_entries__points", filter=Q(civility_entries__status="approved"))
    )


def ledger(scope, household) -> QuerySet:
    return (
        CivilityEntry.objects.for_scope(scope)
        .filter(household=household)
        .select_related("category", "recorded_by", "approved_by")
    )


def pending_civility(scope) -> QuerySet:
    return (
        CivilityEntry.objects.for_scope(scope)
        .filter(status="pending")
        .select_related("household", "category", "recorded_by")
        .order_by("on", "pk")
    )


def pending_party(scope) -> QuerySet:
    return (
        PartyEntry.objects.for_scope(scope)
        .filter(status="pending")
        .select_related("person", "category", "recorded_by")
        .order_by("on", "pk")
    )


def mask_name(name: str) -> str:
    """张三丰 -> 张**: the surname and a star per other character."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "—"


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    return start, dt.date(year + month // 12, month % 12 + 1, 1)


def boards(scope, village, year: int, month: int) -> dict:
    """Red board: the households that gained most in the month; black board: those that
    lost most (gains below zero). Only the head's name (masked on the black board unless
    the village chose otherwise) and the points: no phone, ID number or tag."""
    setting = BoardSetting.objects.filter(village=village).first() or BoardSetting(village=village)
    start, end = month_range(year, month)
    gains = (
        CivilityEntry.objects.for_scope(scope)
        .filter(APPROVED, household__group__village=village, on__gte=start, on__lt=end)
        .filter(kind=CivilityEntry.Kind.ENTRY)
        .values("household_id", "household__head")
        .annotate(gained=Sum("points"), entries=Count("pk"))
    )
    red = [g for g in gains.filter(gained__gt=0).order_by("-gained", "household_id")]
    black = [g for g in gains.filter(gained__lt=0).order_by("gained", "household_id")]

    def row(g, masked):
        head = g["household__head"] or "—"
        return {"name": mask_name(head) if masked else head, "points": g["gained"]}

    return {
        "red": [row(g, False) for g in red[: setting.size]],
        "black": [row(g, setting.mask_black) for g in black[: setting.size]],
        "setting": setting,
        "start": start,
    }


def party_members(scope) -> QuerySet:
    return Person.objects.for_scope(scope).exclude(party_member="")


def party_ranking(scope, village, year: int) -> list[dict]:
    """The village's party members ranked by the year's approved points (a branch's table)."""
    qs = (
        party_members(scope)
        .filter(household__group__village=village)
        .annotate(
            total=Sum(
                "party_entries__points",
                filter=Q(party_entries__status="approved", party_entries__on__year=year),
            )
        )
        .values("pk", "name", "party_member", "total")
    )
    rows = sorted(qs, key=lambda r: (-(r["total"] or 0), r["name"]))
    for i, r in enumerate(rows, 1):
        r["rank"], r["total"] = i, r["total"] or 0
    return rows


def party_totals(scope, year: int, village=None) -> dict:
    """Totals per branch (village) and per party group (the grid of the member's household)."""
    entries = PartyEntry.objects.for_scope(scope).filter(APPROVED, on__year=year)
    if village is not None:
        entries = entries.filter(person__household__group__village=village)
    branches = (
        entries.values("person__household__group__village__name")
        .annotate(total=Sum("points"), members=Count("person", distinct=True))
        .order_by("-total")
    )
    groups = (
        entries.filter(person__household__grid_assignments__version__valid_to__isnull=True)
        .values(
            "person__household__group__village__name",
            "person__household__grid_assignments__grid__code",
        )
        .annotate(total=Sum("points"), members=Count("person", distinct=True))
        .order_by("-total")
    )
    return {"branches": list(branches), "groups": list(groups)}
