"""Indicators and scores against values computed by hand from the fixture (fixtures.py).

    person  households visited visits reported closed on-time rating handled sent-back days
    甲长     4          2       3      1 (i5)   2      1       4.0    2       1         365
    乙员     4          2       3      1 (i1)   2      1       4.0    2       1         365
    丙长     2          2       4      0        1      1       4.0    1       0         365
    丁员     2          2       4      0        0      0       —      0       0         365

Scores (weights 30/20/10/15/5/10/10, targets 4 visits and 6 reports a year):
    甲长 = 30·2/4 + 20·(3/4)/4 + 10·1/6 + 15·1/2 + 5·(1-1/2) + 10·(4-1)/4 + 10 = 47.92 (基本合格)
    丙长 = 30 + 20·2/4 + 0 + 15 + 5 + 7.5 + 10 = 77.5 (合格)
    丁员 = 30 + 10 + 0 + 15 + 5 + 10 + 10 = 80 (合格: no case to fault)
"""

import datetime as dt
from decimal import Decimal

import pytest

from layers.assessment.indicators import indicators_compute
from layers.assessment.services import run_compute, run_prepare

from .fixtures import small_township

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2025, 1, 1), dt.date(2026, 1, 1))
KEYS = (
    "households",
    "visited",
    "visits",
    "reported",
    "closed",
    "closed_on_time",
    "rating",
    "handled",
    "sent_back",
    "days_in_post",
    "post",
)
EXPECTED = {
    "甲长": (4, 2, 3, 1, 2, 1, 4.0, 2, 1, 365, "leader"),
    "乙员": (4, 2, 3, 1, 2, 1, 4.0, 2, 1, 365, "member"),
    "丙长": (2, 2, 4, 0, 1, 1, 4.0, 1, 0, 365, "leader"),
    "丁员": (2, 2, 4, 0, 0, 0, None, 0, 0, 365, "member"),
}


def test_year_indicators_match_the_hand_count():
    s = small_township()
    rows = {
        r["name"]: r
        for r in indicators_compute(township_id=s.township.pk, start=YEAR[0], end=YEAR[1])
    }
    assert set(rows) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        assert tuple(rows[name][k] for k in KEYS) == expected, name
    assert rows["甲长"]["coverage"] == 0.5 and rows["丙长"]["visits_per_household"] == 2.0


def test_quarter_and_month_count_only_their_days():
    s = small_township()
    q2 = {
        r["name"]: r
        for r in indicators_compute(
            township_id=s.township.pk, start=dt.date(2025, 4, 1), end=dt.date(2025, 7, 1)
        )
    }
    # Q2: A1 visited in June; i1 (May) and i2 (June) closed; B1 visited in May
    assert (q2["甲长"]["visited"], q2["甲长"]["visits"], q2["甲长"]["closed"]) == (1, 1, 2)
    assert q2["甲长"]["reported"] == 0 and q2["乙员"]["reported"] == 1
    assert q2["丙长"]["visits"] == 1 and q2["丙长"]["closed"] == 0
    assert q2["甲长"]["days_in_post"] == 91
    nov = {
        r["name"]: r
        for r in indicators_compute(
            township_id=s.township.pk, start=dt.date(2025, 11, 1), end=dt.date(2025, 12, 1)
        )
    }
    assert nov["丁员"]["visits"] == 1 and nov["甲长"]["visits"] == 0
    assert nov["丁员"]["days_in_post"] == 30


def test_days_in_post_start_with_the_version():
    s = small_township()
    rows = {
        r["name"]: r
        for r in indicators_compute(
            township_id=s.township.pk, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1)
        )
    }
    assert rows == {}  # nobody held a post in 2024: version 1 starts on 2025-01-01
    from grids.models import GridVersion

    GridVersion.objects.update(valid_from=dt.datetime(2024, 12, 22, tzinfo=dt.UTC))
    rows = {
        r["name"]: r
        for r in indicators_compute(
            township_id=s.township.pk, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1)
        )
    }
    assert rows["甲长"]["days_in_post"] == 10  # 22 Dec to 31 Dec (Shanghai dates)
    assert rows["甲长"]["visits"] == 1  # the A4 visit of 30 Dec 2024


def test_year_scores_tiers_and_subsidies():
    s = small_township()
    run = run_prepare(
        township=s.township, kind="year", starts_on=YEAR[0], today=dt.date(2026, 1, 5)
    )
    run = run_compute(run)
    scores = {x.person.name: x for x in run.scores.select_related("person")}
    assert scores["甲长"].base == pytest.approx(47.92, abs=0.005)
    assert scores["乙员"].base == scores["甲长"].base
    assert scores["丙长"].base == 77.5 and scores["丁员"].base == 80.0
    assert (scores["甲长"].tier, scores["甲长"].subsidy) == ("basic", Decimal("1200.00"))
    assert (scores["丁员"].tier, scores["丁员"].subsidy) == ("pass", Decimal("2400.00"))
    assert [x.person.name for x in run.scores.order_by("rank")][:2] == ["丁员", "丙长"]
    assert run.rule_set == s.rule and run.status == "draft"
