"""The workflow table on its own (no database): who may do what, at which tier, and the clock."""

import datetime as dt

import pytest

from layers.incidents import workflow as wf
from layers.incidents.workflow import Facts, TransitionRefused, check

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


def refused(facts, action, actor) -> str:
    with pytest.raises(TransitionRefused) as exc:
        check(facts, action, actor)
    return exc.value.reason


def test_the_closed_loop_at_the_village():
    """reported -> accepted -> dispatched -> handled -> verified -> closed, by the village's
    people: the cadre dispatches and verifies, the member handles what is theirs."""
    state = wf.REPORTED
    for action, actor, assignee in (
        ("accept", wf.CADRE, False),
        ("dispatch", wf.CADRE, False),
        ("handle", wf.GRID_MEMBER, True),
        ("verify", wf.CADRE, False),
        ("close", wf.CADRE, False),
    ):
        state = check(Facts(state, wf.VILLAGE, is_assignee=assignee), action, actor).target
    assert state == wf.CLOSED


@pytest.mark.parametrize(
    "facts,action,actor,reason",
    [
        # a member trying to close at county tier (a forged form)
        (Facts(wf.VERIFIED, wf.COUNTY), "close", wf.GRID_MEMBER, wf.WRONG_ROLE),
        # the village cadre verifying a township case
        (Facts(wf.HANDLED, wf.TOWNSHIP), "verify", wf.CADRE, wf.WRONG_TIER),
        # a member handling another member's case
        (Facts(wf.DISPATCHED, wf.VILLAGE), "handle", wf.GRID_MEMBER, wf.NOT_ASSIGNEE),
        # the handler verifying their own work
        (Facts(wf.HANDLED, wf.VILLAGE, is_assignee=True), "verify", wf.GRID_MEMBER, wf.WRONG_ROLE),
        # closing before verification
        (Facts(wf.HANDLED, wf.VILLAGE), "close", wf.CADRE, wf.WRONG_STATE),
        # the resident reopening a second time
        (Facts(wf.CLOSED, wf.VILLAGE, reopened=1), "reopen", wf.RESIDENT, wf.ALREADY_REOPENED),
        # the resident rating twice, or taking a staff step
        (Facts(wf.CLOSED, wf.VILLAGE, rated=True), "rate", wf.RESIDENT, wf.ALREADY_RATED),
        (Facts(wf.HANDLED, wf.VILLAGE), "verify", wf.RESIDENT, wf.WRONG_ROLE),
        # staff cannot rate for the resident
        (Facts(wf.CLOSED, wf.VILLAGE), "rate", wf.CADRE, wf.WRONG_ROLE),
        # no tier above the county: no escalation, no extension
        (Facts(wf.DISPATCHED, wf.COUNTY), "escalate", wf.COUNTY_STAFF, wf.NO_TIER_ABOVE),
        (Facts(wf.DISPATCHED, wf.COUNTY), "extend", wf.COUNTY_STAFF, wf.NO_TIER_ABOVE),
        # the handler approving their own extension; approving what nobody asked
        (
            Facts(wf.DISPATCHED, wf.VILLAGE, is_assignee=True, extension_pending=True),
            "approve_extension",
            wf.GRID_MEMBER,
            wf.WRONG_ROLE,
        ),
        (
            Facts(wf.DISPATCHED, wf.VILLAGE),
            "approve_extension",
            wf.TOWNSHIP_STAFF,
            wf.NO_EXTENSION_PENDING,
        ),
        (
            Facts(wf.DISPATCHED, wf.VILLAGE, extension_pending=True),
            "extend",
            wf.CADRE,
            wf.EXTENSION_PENDING,
        ),
        # the system only routes and escalates
        (Facts(wf.HANDLED, wf.VILLAGE), "close", wf.SYSTEM, wf.WRONG_ROLE),
        (Facts(wf.REPORTED, wf.VILLAGE), "fly", wf.CADRE, wf.UNKNOWN_ACTION),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_forged_transitions_are_refused(facts, action, actor, reason):
    assert refused(facts, action, actor) == reason


def test_extension_is_approved_by_the_tier_above():
    pending = Facts(wf.DISPATCHED, wf.VILLAGE, extension_pending=True)
    assert check(pending, "approve_extension", wf.TOWNSHIP_STAFF).target is None
    assert refused(pending, "approve_extension", wf.CADRE) == wf.WRONG_ROLE
    at_township = Facts(wf.DISPATCHED, wf.TOWNSHIP, extension_pending=True)
    assert check(at_township, "approve_extension", wf.COUNTY_STAFF)
    assert refused(at_township, "approve_extension", wf.TOWNSHIP_STAFF) == wf.WRONG_TIER


def test_buttons_follow_the_table():
    assert wf.allowed(Facts(wf.HANDLED, wf.VILLAGE), wf.CADRE) == ["verify", "send_back"]
    assert wf.allowed(Facts(wf.HANDLED, wf.VILLAGE), wf.GRID_MEMBER) == []
    assert "handle" in wf.allowed(Facts(wf.SENT_BACK, wf.VILLAGE, is_assignee=True), wf.GRID_MEMBER)
    assert wf.allowed(Facts(wf.CLOSED, wf.VILLAGE), wf.RESIDENT) == ["rate", "reopen"]
    assert wf.allowed(Facts(wf.REJECTED, wf.VILLAGE), wf.CADRE) == []


def test_every_state_is_reached_and_every_transition_has_a_source():
    targets = {t.target for t in wf.TRANSITIONS.values()} - {None}
    assert targets | {wf.REPORTED} == set(wf.STATES)
    for t in wf.TRANSITIONS.values():
        assert set(t.sources) <= set(wf.STATES) and not set(t.sources) & {wf.MERGED, wf.REJECTED}


def test_clock_signals():
    """Green, then yellow in the last fifth of the limit, red after the deadline."""
    due = wf.deadline(T0, 72)
    assert wf.signal(T0 + dt.timedelta(hours=10), T0, due) == "green"
    assert wf.signal(T0 + dt.timedelta(hours=58), T0, due) == "yellow"  # 14.4 h or less left
    assert wf.signal(T0 + dt.timedelta(hours=57), T0, due) == "green"
    assert wf.signal(due + dt.timedelta(seconds=1), T0, due) == "red"
    assert wf.signal(T0, None, None) == ""


def test_escalation_is_due_after_the_deadline_below_the_county():
    due = wf.deadline(T0, 24)
    late = due + dt.timedelta(minutes=1)
    assert wf.escalation_due(wf.DISPATCHED, wf.VILLAGE, due, late)
    assert wf.escalation_due(wf.SENT_BACK, wf.TOWNSHIP, due, late)
    assert not wf.escalation_due(wf.DISPATCHED, wf.VILLAGE, due, due)
    assert not wf.escalation_due(wf.HANDLED, wf.VILLAGE, due, late)  # waits for verification
    assert not wf.escalation_due(wf.DISPATCHED, wf.COUNTY, due, late)


def test_extensions_stay_within_the_limit():
    due = wf.deadline(T0, 7 * 24)
    assert wf.extended(T0, due, 8 * 24, 15 * 24) == T0 + dt.timedelta(days=15)
    for hours in (8 * 24 + 1, 0, -5):
        with pytest.raises(ValueError):
            wf.extended(T0, due, hours, 15 * 24)


def test_on_time():
    due = wf.deadline(T0, 24)
    assert wf.on_time(T0 + dt.timedelta(hours=5), due, missed=False)
    assert not wf.on_time(T0 + dt.timedelta(hours=25), due, missed=False)
    assert not wf.on_time(T0 + dt.timedelta(hours=5), due, missed=True)  # escalated by lateness
