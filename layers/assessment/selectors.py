"""Reads of the assessment, each from ``for_scope``: runs, ranked tables, a person's trend,
those rated 不合格 two periods in a row."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Run, Score, ScoreChange, YearLock


def runs(scope) -> QuerySet:
    return Run.objects.for_scope(scope).select_related("township", "rule_set")


def locked_years() -> set[int]:
    return set(YearLock.objects.values_list("year", flat=True))


def ranked(scope, run: Run) -> QuerySet:
    return (
        Score.objects.for_scope(scope)
        .filter(run=run)
        .select_related("person", "village")
        .order_by("rank")
    )


def changes(scope, run: Run) -> QuerySet:
    return (
        ScoreChange.objects.for_scope(scope)
        .filter(run=run)
        .select_related("person", "by")
        .order_by("-at", "-pk")
    )


def trend(scope, person) -> QuerySet:
    """The person's scores, oldest period first (published and draft)."""
    return (
        Score.objects.for_scope(scope)
        .filter(person=person)
        .select_related("run", "run__township")
        .order_by("run__kind", "run__starts_on")
    )


def failing_twice(scope) -> list[dict]:
    """Persons rated 不合格 in two consecutive periods of the same kind and township."""
    scores = (
        Score.objects.for_scope(scope)
        .filter(run__status__in=[Run.Status.DRAFT, Run.Status.PUBLISHED])
        .values(
            "person_id",
            "person__name",
            "tier",
            "grid_code",
            "post",
            "run__township_id",
            "run__kind",
            "run__starts_on",
            "run__ends_on",
            "run_id",
        )
        .order_by("run__township_id", "run__kind", "person_id", "run__starts_on")
    )
    out, prev = [], None
    for s in scores:
        key = (s["run__township_id"], s["run__kind"], s["person_id"])
        if (
            prev is not None
            and prev[0] == key
            and prev[1]["run__ends_on"] == s["run__starts_on"]
            and prev[1]["tier"] == "fail"
            and s["tier"] == "fail"
        ):
            out.append({**s, "previous_run_id": prev[1]["run_id"]})
        prev = (key, s)
    return out
