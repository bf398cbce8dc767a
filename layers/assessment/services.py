"""Writes of the assessment: rule sets, runs (start, compute, publish), manual indicators,
adjustments and corrections, the county's year lock. Each refuses with a constant message
(AssessmentError) and writes nothing when it refuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import ManualIndicator, RuleSet, Run, Score, ScoreChange, YearLock

ERR_RULE_CLOSED = _(
    "A rule starting on %(date)s would change a published or locked period; choose a date "
    "after the last published period."
)
ERR_RULE_DATE_TAKEN = _("A rule set already starts on %(date)s.")
ERR_NO_RULE = _("No rule set applies to a period starting on %(date)s: ask the county.")
ERR_YEAR_LOCKED = _("The year %(year)s is locked by the county: nothing in it changes.")
ERR_PUBLISHED = _("This period is published: change a result by a correction.")
ERR_NOT_DRAFT = _("Only a computed draft can be changed or published (this one is %(status)s).")
ERR_REASON = _("Give a reason (at least 4 characters).")
ERR_POINTS = _("Points must be a number between -100 and 100.")
ERR_NOT_ASSESSED = _("%(person)s is not assessed in this period.")
ERR_YEAR_OPEN = _("Townships still have unpublished assessments in %(year)s: %(names)s.")
ERR_PERIOD_START = _("A %(kind)s starts on the first day of a %(kind)s.")
ERR_FUTURE = _("This period has not started yet.")
MAX_POINTS = 100
MIN_REASON = 4


class AssessmentError(ValueError):
    """Refused; nothing was written."""


def period_of(kind: str, starts_on: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of the month, quarter or year starting on ``starts_on``."""
    months = {Run.Kind.MONTH: 1, Run.Kind.QUARTER: 3, Run.Kind.YEAR: 12}[kind]
    ok = starts_on.day == 1 and (
        kind == Run.Kind.MONTH
        or (kind == Run.Kind.QUARTER and starts_on.month in (1, 4, 7, 10))
        or (kind == Run.Kind.YEAR and starts_on.month == 1)
    )
    if not ok:
        raise AssessmentError(ERR_PERIOD_START % {"kind": Run.Kind(kind).label})
    m = starts_on.month - 1 + months
    return starts_on, dt.date(starts_on.year + m // 12, m % 12 + 1, 1)


def _locked(year: int) -> bool:
    return YearLock.objects.filter(year=year).exists()


def rule_for(day: dt.date) -> RuleSet | None:
    return RuleSet.objects.filter(valid_from__lte=day).order_by("-valid_from").first()


@transaction.atomic
def rule_set_create(*, by, name, valid_from, weight_total, weights, tiers, targets) -> RuleSet:
    clean = rules.validate(weights=weights, weight_total=weight_total, tiers=tiers, targets=targets)
    closed = Run.objects.filter(status=Run.Status.PUBLISHED, starts_on__gte=valid_from)
    if closed.exists() or YearLock.objects.filter(year__gte=valid_from.year).exists():
        raise AssessmentError(ERR_RULE_CLOSED % {"date": valid_from})
    if RuleSet.objects.filter(valid_from=valid_from).exists():
        raise AssessmentError(ERR_RULE_DATE_TAKEN % {"date": valid_from})
    return RuleSet.objects.create(
        name=name, valid_from=valid_from, weight_total=weight_total, created_by=by, **clean
    )


@transaction.atomic
def run_prepare(*, township, kind: str, starts_on: dt.date, today: dt.date | None = None) -> Run:
    """The run of a period, new or back in the queue (a draft or failed run is recomputed).
    The caller queues its job (tasks.run_start)."""
    start, end = period_of(kind, starts_on)
    if start > (today or timezone.localdate()):
        raise AssessmentError(ERR_FUTURE)
    if _locked(start.year):
        raise AssessmentError(ERR_YEAR_LOCKED % {"year": start.year})
    if rule_for(start) is None:
        raise AssessmentError(ERR_NO_RULE % {"date": start})
    run, _created = Run.objects.select_for_update().get_or_create(
        township=township, kind=kind, starts_on=start, defaults={"ends_on": end}
    )
    if run.status == Run.Status.PUBLISHED:
        raise AssessmentError(ERR_PUBLISHED)
    run.status, run.message, run.attempts, run.finished_at = Run.Status.QUEUED, "", 0, None
    run.save()
    return run


def _year_fraction(run: Run) -> float:
    return {Run.Kind.MONTH: 1 / 12, Run.Kind.QUARTER: 0.25, Run.Kind.YEAR: 1.0}[run.kind]


def _finish(score: Score, rule: RuleSet, fraction: float) -> None:
    score.final = round(score.base + score.manual + score.adjustment, 2)
    score.tier, yearly = rules.tier_of(score.final, rule)
    score.subsidy = (yearly * Decimal(str(fraction))).quantize(Decimal("0.01"))


RERANK = """
UPDATE layers_score s SET rank = r.n
FROM (SELECT id, row_number() OVER (ORDER BY final DESC, person_id) AS n
      FROM layers_score WHERE run_id = %s) r
WHERE s.id = r.id AND s.rank <> r.n
"""


def _rerank(run: Run) -> None:
    with connection.cursor() as cur:
        cur.execute(RERANK, [run.pk])


def run_compute(run: Run) -> Run:
    """Compute the run's draft (layers.assessment.compute)."""
    from .compute import runs_compute

    return runs_compute([run])[0]


def runs_compute(runs: list[Run]) -> list[Run]:
    from .compute import runs_compute

    return runs_compute(runs)


def _points(value) -> float:
    try:
        n = float(value)
    except (TypeError, ValueError):
        raise AssessmentError(ERR_POINTS) from None
    if not -MAX_POINTS <= n <= MAX_POINTS:
        raise AssessmentError(ERR_POINTS)
    return n


def _reason(text: str) -> str:
    text = (text or "").strip()
    if len(text) < MIN_REASON:
        raise AssessmentError(ERR_REASON)
    return text[:300]


def _score_locked(run: Run, person) -> Score:
    score = Score.objects.select_for_update().filter(run=run, person=person).first()
    if score is None:
        raise AssessmentError(ERR_NOT_ASSESSED % {"person": person.name})
    return score


@transaction.atomic
def score_change(*, run: Run, person, delta, reason: str, by) -> ScoreChange:
    """Adjust a draft, or correct a published result (recorded as a correction); refused
    in a locked year and while the run computes."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if _locked(run.starts_on.year):
        raise AssessmentError(ERR_YEAR_LOCKED % {"year": run.starts_on.year})
    if run.status not in (Run.Status.DRAFT, Run.Status.PUBLISHED):
        raise AssessmentError(ERR_NOT_DRAFT % {"status": run.get_status_display()})
    delta, reason = _points(delta), _reason(reason)
    score = _score_locked(run, person)
    before = score.final
    score.adjustment += delta
    _finish(score, run.rule_set, _year_fraction(run))
    score.save()
    _rerank(run)
    kind = ScoreChange.Kind.ADJUST if run.status == Run.Status.DRAFT else ScoreChange.Kind.CORRECT
    return ScoreChange.objects.create(
        run=run,
        person=person,
        kind=kind,
        delta=delta,
        before=before,
        after=score.final,
        reason=reason,
        by=by,
    )


@transaction.atomic
def manual_add(*, run: Run, person, label: str, points, note: str, by) -> ManualIndicator:
    """A manual indicator (meeting attendance, a commendation, a complaint) on a draft."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != Run.Status.DRAFT:
        raise AssessmentError(ERR_NOT_DRAFT % {"status": run.get_status_display()})
    points, note = _points(points), _reason(note)
    score = _score_locked(run, person)
    item = ManualIndicator.objects.create(
        run=run,
        person=person,
        label=(label or "")[:50] or note[:50],
        points=points,
        note=note,
        by=by,
    )
    score.manual += points
    _finish(score, run.rule_set, _year_fraction(run))
    score.save()
    _rerank(run)
    return item


@transaction.atomic
def run_publish(*, run: Run, by) -> Run:
    run = Run.objects.select_for_update().get(pk=run.pk)
    if _locked(run.starts_on.year):
        raise AssessmentError(ERR_YEAR_LOCKED % {"year": run.starts_on.year})
    if run.status != Run.Status.DRAFT:
        raise AssessmentError(ERR_NOT_DRAFT % {"status": run.get_status_display()})
    run.status, run.published_at, run.published_by = Run.Status.PUBLISHED, timezone.now(), by
    run.save()
    return run


@transaction.atomic
def year_lock(*, year: int, by) -> YearLock:
    if _locked(year):
        raise AssessmentError(ERR_YEAR_LOCKED % {"year": year})
    open_runs = Run.objects.filter(starts_on__year=year).exclude(status=Run.Status.PUBLISHED)
    names = sorted(set(open_runs.values_list("township__name", flat=True)))
    if names:
        raise AssessmentError(ERR_YEAR_OPEN % {"year": year, "names": "、".join(names)})
    return YearLock.objects.create(year=year, locked_by=by)
