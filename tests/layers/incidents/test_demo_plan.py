"""The demo's year of incidents, planned without a database: fixed by its seed, every step
one the workflow table allows to that actor, overdue cases only where nothing climbs."""

import datetime as dt

import pandas as pd

from layers.demo.incident_plan import PER_TOWNSHIP, PILOT_EXTRA, plan_incidents
from layers.incidents import workflow as wf
from layers.incidents.defaults import DEFAULT_CATEGORIES

END = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
ACTOR_ROLE = {"member": wf.GRID_MEMBER, "leader": wf.GRID_LEADER, "village": wf.CADRE}


def spells() -> pd.DataFrame:
    """Two townships of 20 households, one grid each; the second grid has nobody in post
    and was drawn 100 days before the end."""
    rows = []
    for t, (township, start, held) in enumerate(
        (
            ("360721100", END.date() - dt.timedelta(days=400), True),
            ("360721101", END.date() - dt.timedelta(days=100), False),
        )
    ):
        for h in range(20):
            rows.append(
                dict(
                    household_id=t * 100 + h,
                    grid_code=f"{township}200001",
                    member_number=h // 10 + 1,
                    start=start,
                    end=None,
                    lon=115.6 + h * 1e-4,
                    lat=26.0 + t * 0.01,
                    needs_care=False,
                    leader=held,
                    member=held,
                )
            )
    return pd.DataFrame(rows)


def categories() -> pd.DataFrame:
    return pd.DataFrame(
        [dict(code=c[0], deadline_hours=c[2], start_tier=c[4]) for c in DEFAULT_CATEGORIES]
    )


def test_the_plan_is_fixed_by_its_seed_and_follows_the_workflow():
    plan, steps = plan_incidents(spells(), categories(), end=END, seed=7)
    again, _ = plan_incidents(spells(), categories(), end=END, seed=7)
    pd.testing.assert_frame_equal(plan, again)
    assert len(plan) == 2 * PER_TOWNSHIP + PILOT_EXTRA  # the first is the pilot village
    assert plan["reported_at"].min() >= END - dt.timedelta(days=365)
    late_start = dt.datetime.combine(END.date() - dt.timedelta(days=100), dt.time(), tzinfo=dt.UTC)
    assert (plan[plan["grid_code"].str.startswith("360721101")]["reported_at"] >= late_start).all()
    for (_i, row), path in zip(plan.iterrows(), steps):
        state, tier = wf.REPORTED, path[0][4]
        for action, before, after, from_tier, to_tier, at, actor, _note in path[1:]:
            assert (before, from_tier) == (state, tier) and at <= END
            role = (
                wf.SYSTEM
                if actor == "system"
                else wf.RESIDENT
                if actor == "resident"
                else ACTOR_ROLE.get(actor, actor)
            )
            facts = wf.Facts(state, tier, is_assignee=actor in ("member", "leader"))
            t = wf.check(facts, action, role)
            assert after == (t.target or state)
            state, tier = after, to_tier
        assert (state, tier) == (row["state"], row["tier"])
        if state in wf.CLOCK and row["deadline_at"] < END:
            assert tier == wf.COUNTY  # below the county the deadline job would escalate it
    assert set(plan["state"]) >= {wf.CLOSED, wf.DISPATCHED}
    assert (plan["escalations"] > 0).any() and plan["rating"].notna().any()
    unheld = plan[plan["grid_code"].str.startswith("360721101")]
    assert (unheld["holder"] == "").all()  # nobody in post: the cadre dispatches
