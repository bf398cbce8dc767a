"""Reads for the account pages: the accounts a user manages (their area, roles below theirs),
with last login and failed logins (django-axes records both), and each account's history."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from households.models import AccountEvent, Role, UserArea

from .rules import RANK, grantable_roles, manage_check

FAILURES_DAYS = 30  # failed logins shown: the last month (axes keeps them until pruned)
FAILURES_LISTED = 20


class ParameterError(ValueError):
    """A malformed filter of the account list (answered with 400)."""


def _failures_since(days: int = FAILURES_DAYS):
    since = timezone.now() - timedelta(days=days)
    return Subquery(
        AccessFailureLog.objects.filter(
            username=OuterRef("user__username"), attempt_time__gte=since
        )
        .order_by()
        .values("username")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _failures_pending():
    """Failures counted towards the lockout now (axes forgets them after a good login)."""
    return Subquery(
        AccessAttempt.objects.filter(username=OuterRef("user__username"))
        .order_by()
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .values("n"),
        output_field=IntegerField(),
    )


def accounts_managed(scope, user) -> QuerySet:
    """The accounts `user` (of `scope`) may manage: bound inside its area, to a role it may
    grant, not its own."""
    return (
        UserArea.objects.for_scope(scope)
        .filter(role__in=grantable_roles(scope))
        .exclude(user=user)
        .select_related("user", "township", "village__township")
        .annotate(
            failures=Coalesce(_failures_since(), 0),
            pending=Coalesce(_failures_pending(), 0),
        )
    )


def accounts_list(scope, user, *, q: str = "", role: str = "", status: str = "") -> QuerySet:
    qs = accounts_managed(scope, user)
    q = (q or "").strip()
    if len(q) > 50:
        raise ParameterError("search text is too long")
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(village__name__icontains=q)
            | Q(township__name__icontains=q)
            | Q(grid_code__startswith=q)
        )
    if role:
        if role not in Role.values:
            raise ParameterError(f"unknown role {role!r}")
        qs = qs.filter(role=role)
    if status:
        if status not in ("active", "disabled", "password"):
            raise ParameterError(f"status must be active, disabled or password, not {status!r}")
        qs = {
            "active": qs.filter(user__is_active=True),
            "disabled": qs.filter(user__is_active=False),
            "password": qs.filter(must_change_password=True),
        }[status]
    rank = Case(
        *(When(role=r, then=Value(n)) for r, n in RANK.items()), output_field=IntegerField()
    )
    return qs.order_by(
        rank.desc(),
        "township__code",
        "village__code",
        "grid_code",
        "member_number",
        "user__username",
    )


def account_get(scope, user, pk: int) -> UserArea:
    """The account of user `pk`: 404 outside the scope's area, 403 for a role it may not
    manage or its own account."""
    ua = (
        UserArea.objects.for_scope(scope)
        .select_related("user", "township", "village__township")
        .annotate(
            failures=Coalesce(_failures_since(), 0),
            pending=Coalesce(_failures_pending(), 0),
        )
        .filter(user_id=pk)
        .first()
    )
    if ua is None:
        raise Http404
    manage_check(scope, user, ua)
    return ua


def account_events(ua: UserArea) -> QuerySet:
    return AccountEvent.objects.filter(account_id=ua.user_id).select_related("by")


def login_failures(ua: UserArea, limit: int = FAILURES_LISTED) -> list[AccessFailureLog]:
    since = timezone.now() - timedelta(days=FAILURES_DAYS)
    return list(
        AccessFailureLog.objects.filter(username=ua.user.username, attempt_time__gte=since)[:limit]
    )


def locked_out(ua: UserArea) -> bool:
    """Whether failed logins lock the account out now (AXES_FAILURE_LIMIT within the
    cool-off)."""
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    return (
        ua.pending >= settings.AXES_FAILURE_LIMIT
        and AccessAttempt.objects.filter(
            username=ua.user.username, attempt_time__gte=timezone.now() - cooloff
        ).exists()
    )
