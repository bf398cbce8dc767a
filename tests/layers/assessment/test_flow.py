"""Rule sets, the draft -> adjust -> publish -> correct -> lock flow, and every refusal
(nothing written: rows counted before and after)."""

import datetime as dt

import pytest

from layers.assessment import rules, services
from layers.assessment.models import ManualIndicator, RuleSet, Run, Score, ScoreChange, YearLock

from .fixtures import TIERS, WEIGHTS, small_township

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 1, 10)


def counts():
    return tuple(
        m.objects.count() for m in (RuleSet, Run, Score, ScoreChange, ManualIndicator, YearLock)
    )


def rule(**kw):
    args = {
        "by": None,
        "name": "r",
        "valid_from": dt.date(2025, 7, 1),
        "weight_total": 100,
        "weights": dict(WEIGHTS),
        "tiers": [dict(t) for t in TIERS],
        "targets": {},
    }
    args.update(kw)
    return services.rule_set_create(**args)


def compute(s, kind, start):
    return services.run_compute(
        services.run_prepare(township=s.township, kind=kind, starts_on=start, today=TODAY)
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": {**WEIGHTS, "coverage": 40}}, rules.ERR_WEIGHTS_SUM),
        ({"weight_total": 90}, rules.ERR_WEIGHTS_SUM),
        ({"weights": {**WEIGHTS, "bogus": 0}}, rules.ERR_WEIGHT_UNKNOWN),
        ({"weights": {**WEIGHTS, "coverage": "x"}}, rules.ERR_WEIGHT_VALUE),
        ({"tiers": [{**TIERS[0], "min": 85}, *TIERS[1:]]}, rules.ERR_TIERS_OVERLAP),
        ({"tiers": [TIERS[0], {**TIERS[1], "min": 75}, *TIERS[2:]]}, rules.ERR_TIERS_GAP),
        ({"tiers": TIERS[:3]}, rules.ERR_TIERS_SET),
        ({"tiers": [TIERS[0], TIERS[0], *TIERS[2:]]}, rules.ERR_TIERS_SET),
        ({"tiers": [{**TIERS[0], "min": 100}, *TIERS[1:]]}, rules.ERR_TIER_RANGE),
        ({"tiers": [{**TIERS[0], "subsidy": "-1"}, *TIERS[1:]]}, rules.ERR_TIER_SUBSIDY),
        ({"targets": {"reported": 0}}, rules.ERR_TARGET),
    ],
    ids=[
        "weights-sum",
        "declared-total",
        "unknown",
        "not-number",
        "overlap",
        "gap",
        "missing-tier",
        "twice",
        "empty-range",
        "negative-subsidy",
        "target",
    ],
)
def test_bad_rule_sets_are_refused_and_nothing_written(change, message):
    before = counts()
    with pytest.raises(rules.RuleError) as exc:
        rule(**change)
    head = str(message).split("%")[0]
    assert str(exc.value).startswith(head)
    assert counts() == before


def test_a_rule_change_applies_only_to_periods_starting_after_its_date():
    s = small_township()
    q1 = compute(s, "quarter", dt.date(2025, 1, 1))
    # from July: visits count for everything
    new = rule(weights={"coverage": 100}, weight_total=100)
    q3 = compute(s, "quarter", dt.date(2025, 7, 1))
    assert q3.rule_set == new and q1.rule_set == s.rule
    assert q1.rule_set == services.run_compute(q1).rule_set == s.rule  # recomputed: still old
    # 丁员 looks after B1 and B2; B1 was visited in February and August, B2 in November.
    # Q3 under the new rule: coverage only, 1/2 -> 50
    assert Score.objects.get(run=q3, person=s.people["丁员"]).base == 50.0
    # Q1 under the old rule: 30·1/2 + 20·(1/2)/1 + 0 + 15 + 5 + 10 + 10 = 65 (new rule: 50)
    assert Score.objects.get(run=q1, person=s.people["丁员"]).base == 65.0


def test_rule_dates_cannot_reach_a_published_period():
    s = small_township()
    services.run_publish(run=compute(s, "quarter", dt.date(2025, 7, 1)), by=None)
    before = counts()
    with pytest.raises(services.AssessmentError):
        rule(valid_from=dt.date(2025, 7, 1))
    with pytest.raises(services.AssessmentError):
        rule(valid_from=dt.date(2025, 4, 1))
    assert counts() == before
    assert rule(valid_from=dt.date(2025, 7, 2)).pk  # Q4 starts after it: allowed


def test_adjust_publish_correct_then_lock():
    s = small_township()
    run = compute(s, "year", dt.date(2025, 1, 1))
    jia = s.people["甲长"]
    base = Score.objects.get(run=run, person=jia).final
    services.score_change(run=run, person=jia, delta=5, reason="会议全勤", by=None)
    services.manual_add(run=run, person=jia, label="表彰", points=2, note="县级表彰", by=None)
    assert Score.objects.get(run=run, person=jia).final == pytest.approx(base + 7)
    run = services.run_compute(run)  # a recompute keeps both ledgers
    assert Score.objects.get(run=run, person=jia).final == pytest.approx(base + 7)
    services.run_publish(run=run, by=None)
    before = counts()
    with pytest.raises(services.AssessmentError):
        services.manual_add(run=run, person=jia, label="x", points=1, note="after publish", by=None)
    with pytest.raises(services.AssessmentError):
        services.run_prepare(
            township=s.township, kind="year", starts_on=dt.date(2025, 1, 1), today=TODAY
        )
    assert counts() == before
    change = services.score_change(run=run, person=jia, delta=-3, reason="核实更正", by=None)
    assert change.kind == ScoreChange.Kind.CORRECT
    assert (change.before, change.after) == (pytest.approx(base + 7), pytest.approx(base + 4))
    assert list(ScoreChange.objects.values_list("kind", flat=True)) == ["adjust", "correct"]
    services.year_lock(year=2025, by=None)
    before = counts()
    for attempt in (
        lambda: services.score_change(run=run, person=jia, delta=1, reason="再改一次", by=None),
        lambda: services.year_lock(year=2025, by=None),
        lambda: services.run_prepare(
            township=s.township, kind="quarter", starts_on=dt.date(2025, 10, 1), today=TODAY
        ),
        lambda: rule(valid_from=dt.date(2025, 12, 1)),
    ):
        with pytest.raises(services.AssessmentError) as exc:
            attempt()
        assert (
            "2025" in str(exc.value) or "locked" in str(exc.value) or "published" in str(exc.value)
        )
    assert counts() == before


def test_a_year_with_a_draft_cannot_be_locked_and_bad_changes_are_refused():
    s = small_township()
    run = compute(s, "month", dt.date(2025, 3, 1))
    jia = s.people["甲长"]
    before = counts()
    for kw in (
        {"delta": 5, "reason": ""},
        {"delta": 500, "reason": "too much"},
        {"delta": "x", "reason": "not a number"},
    ):
        with pytest.raises(services.AssessmentError):
            services.score_change(run=run, person=jia, by=None, **kw)
    with pytest.raises(services.AssessmentError) as exc:
        services.year_lock(year=2025, by=None)
    assert "小镇" in str(exc.value)
    with pytest.raises(services.AssessmentError):
        services.run_prepare(
            township=s.township, kind="quarter", starts_on=dt.date(2025, 2, 1), today=TODAY
        )
    with pytest.raises(services.AssessmentError):
        services.run_prepare(
            township=s.township, kind="year", starts_on=dt.date(2027, 1, 1), today=TODAY
        )
    assert counts() == before


def test_two_failing_periods_in_a_row_are_listed():
    from households.access import Scope
    from layers.assessment.selectors import failing_twice

    s = small_township()
    RuleSet.objects.filter(pk=s.rule.pk).update(
        tiers=[
            {"tier": "excellent", "min": 99, "max": 100, "subsidy": "1"},
            {"tier": "pass", "min": 98, "max": 99, "subsidy": "1"},
            {"tier": "basic", "min": 97, "max": 98, "subsidy": "1"},
            {"tier": "fail", "min": 0, "max": 97, "subsidy": "0"},
        ]
    )
    compute(s, "quarter", dt.date(2025, 1, 1))
    compute(s, "quarter", dt.date(2025, 4, 1))
    compute(s, "quarter", dt.date(2025, 10, 1))  # not after Q2: no pair with it
    listed = failing_twice(Scope("county", role="county"))
    assert {f["person__name"] for f in listed} == {"甲长", "乙员", "丙长", "丁员"}
    assert all(f["run__starts_on"] == dt.date(2025, 4, 1) for f in listed)


def test_a_draft_is_computed_by_the_queue_job():
    """run_start writes the run and its procrastinate job together; the job's work claims
    the run and computes it (as a worker does)."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from layers.assessment import tasks

    s = small_township()
    run = tasks.run_start(
        township=s.township, kind="year", starts_on=dt.date(2025, 1, 1), today=TODAY
    )
    job = ProcrastinateJob.objects.get(pk=run.job_id)
    assert job.task_name == tasks.TASK and job.args == {"run_id": run.pk}
    assert run.status == "queued" and not run.scores.exists()
    assert tasks.run_work(run.pk) == "draft"
    assert Run.objects.get(pk=run.pk).scores.count() == 4
    assert tasks.run_work(run.pk) == "nothing to compute"


def test_the_county_computes_every_township_in_one_job():
    from procrastinate.contrib.django.models import ProcrastinateJob

    from households.models import Township
    from layers.assessment import tasks

    s = small_township()
    other = Township.objects.create(code="360721301", name="另镇")  # nobody in post there
    services.run_publish(run=compute(s, "quarter", dt.date(2025, 1, 1)), by=None)
    runs = tasks.county_start(
        townships=[s.township, other], kind="quarter", starts_on=dt.date(2025, 1, 1), today=TODAY
    )
    assert [r.township for r in runs] == [other]  # the published one is left alone
    runs = tasks.county_start(
        townships=[s.township, other], kind="year", starts_on=dt.date(2025, 1, 1), today=TODAY
    )
    job = ProcrastinateJob.objects.get(pk=runs[0].job_id)
    assert job.task_name == tasks.MANY_TASK and sorted(job.args["run_ids"]) == sorted(
        r.pk for r in runs
    )
    assert tasks.runs_work(job.args["run_ids"]) == 2
    year = Run.objects.get(township=s.township, kind="year")
    assert year.status == "draft" and year.scores.count() == 4
    assert Run.objects.get(township=other, kind="year").scores.count() == 0
