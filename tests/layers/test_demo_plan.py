"""The demo county's year of field work, planned without a database (layers/demo/plan.py)."""

import datetime as dt

import pandas as pd
import pytest

from layers.demo import plan

ANCHOR = dt.date(2026, 6, 30)
SEED = 7
VILLAGE = "360721100200"


def code_where(predicate) -> str:
    """The first grid code of the village whose plan satisfies ``predicate``."""
    return next(
        code
        for n in range(1, 1000)
        if predicate(plan.grid_plan(code := f"{VILLAGE}{n:03d}", seed=SEED))
    )


def spell(household, code, start, end=None, *, number=1, leader=True, member=True, care=False):
    return dict(
        household_id=household,
        grid_code=code,
        member_number=number,
        start=ANCHOR - dt.timedelta(days=start),
        end=None if end is None else ANCHOR - dt.timedelta(days=end),
        lon=115.6,
        lat=26.05,
        needs_care=care,
        leader=leader,
        member=member,
    )


STEADY = code_where(lambda p: p.lapsed_days is None and p.interval_days < 90)
LAPSED = code_where(lambda p: p.lapsed_days is not None)


def visits(*spells) -> pd.DataFrame:
    return plan.plan_visits(pd.DataFrame(list(spells)), anchor=ANCHOR, seed=SEED)


def test_fates_are_keyed_by_code_and_near_their_shares():
    codes = [f"{VILLAGE}{n:03d}" for n in range(1, 1000)]
    fates = pd.Series([plan.grid_plan(c, seed=SEED).leader for c in codes])
    assert plan.grid_plan(codes[5], seed=SEED) == plan.grid_plan(codes[5], seed=SEED)
    for fate, share in plan.LEADER_FATES.items():
        assert abs((fates == fate).mean() - share) < 0.04, fate
    members = pd.Series([plan.member_fate(c, 1, seed=SEED) for c in codes])
    assert abs((members == plan.VACANT).mean() - plan.MEMBER_FATES[plan.VACANT]) < 0.04


def test_visits_follow_the_grid_of_their_day():
    """Household 1 was in grid A for 200 days, then in grid B (a new version) until today:

    day -300 ......... -100 ........... 0 (anchor)
         |---- A -------|------ B ------|
    """
    steady = plan.grid_plan(STEADY, seed=SEED)
    other = code_where(lambda p: p.lapsed_days is None and p.interval_days < 90 and p != steady)
    v = visits(spell(1, STEADY, 300, 100), spell(1, other, 100, number=2))
    days = [(ANCHOR - d).days for d in v["visited_on"]]
    assert len(v) >= 4 and all(0 <= d <= 300 for d in days)
    assert (v.loc[[d > 100 for d in days], "grid_code"] == STEADY).all()
    assert (v.loc[[d <= 100 for d in days], "grid_code"] == other).all()
    assert (v.loc[v["grid_code"] == other, "member_number"] == 2).all()
    assert not v.duplicated(["household_id", "visited_on"]).any()


def test_a_lapsed_grid_has_no_visit_in_its_last_days():
    lapsed_days = plan.grid_plan(LAPSED, seed=SEED).lapsed_days
    v = visits(*(spell(h, LAPSED, 360) for h in range(30)))
    assert len(v) and min((ANCHOR - d).days for d in v["visited_on"]) >= lapsed_days


def test_nobody_visits_where_both_posts_are_empty_and_the_leader_covers_an_empty_area():
    empty = visits(spell(1, STEADY, 300, leader=False, member=False))
    assert empty.empty
    alone = visits(*(spell(h, STEADY, 300, member=False) for h in range(10)))
    assert len(alone) and (alone["by"] == "leader").all()
    both = visits(*(spell(h, STEADY, 300) for h in range(10)))
    assert set(both["by"]) == {"leader", "member"} and len(both) > len(alone)


def test_households_that_need_care_are_visited_more_often():
    plain = visits(*(spell(h, STEADY, 300) for h in range(40)))
    care = visits(*(spell(h, STEADY, 300, care=True) for h in range(40)))
    assert len(care) > 1.3 * len(plain)


@pytest.mark.parametrize("order", ["as given", "reversed"])
def test_the_plan_depends_on_the_rows_not_their_order(order):
    rows = [spell(h, STEADY if h % 2 else LAPSED, 200 + h) for h in range(20)]
    expected = visits(*rows)
    again = visits(*(rows if order == "as given" else rows[::-1]))
    pd.testing.assert_frame_equal(expected, again)
