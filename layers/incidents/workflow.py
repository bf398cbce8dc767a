"""The incident workflow as data: states, tiers, who may do what at which tier, the clock.

Pure Python (no Django): the services ask :func:`check` before every transition, the pages
ask :func:`allowed` which buttons to show, and the tests read the same table.

States: reported -> accepted -> dispatched -> handled -> verified -> closed, with sent back
(verification refused the handling), merged (into another incident), rejected (with a
reason). A resident rates a closed incident, and may reopen it once.

Tiers: the village (村矛调室, 初诊: grid members and leaders handle, village cadres
dispatch and verify), the township centre (镇矛调中心, 会诊) and the county centre
(县"三源"治理中心, 联诊). A case climbs a tier when its deadline passes (the periodic
deadline job), or by hand when the risk is high or it spans villages.

The clock starts at dispatch and runs while the handler works (dispatched, sent back);
yellow in the last ``YELLOW_SHARE`` of the time limit, red after the deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REPORTED, ACCEPTED, DISPATCHED, HANDLED = "reported", "accepted", "dispatched", "handled"
VERIFIED, CLOSED, SENT_BACK = "verified", "closed", "sent_back"
MERGED, REJECTED = "merged", "rejected"
STATES = (REPORTED, ACCEPTED, DISPATCHED, HANDLED, VERIFIED, CLOSED, SENT_BACK, MERGED, REJECTED)
OPEN = (REPORTED, ACCEPTED, DISPATCHED, HANDLED, VERIFIED, SENT_BACK)
ENDED = (CLOSED, MERGED, REJECTED)
CLOCK = (DISPATCHED, SENT_BACK)  # the handler's time runs: the deadline applies

VILLAGE, TOWNSHIP, COUNTY = "village", "township", "county"
TIERS = (VILLAGE, TOWNSHIP, COUNTY)  # lowest first

# Actors: the roles of households.models.Role, the resident (the public status page) and
# the system (routing, the deadline job).
GRID_MEMBER, GRID_LEADER, CADRE = "grid_member", "grid_leader", "village"
TOWNSHIP_STAFF, COUNTY_STAFF, ADMIN = "township", "county", "admin"
RESIDENT, SYSTEM = "resident", "system"

# Desks: who acts for each tier.
DISPATCH = {  # accept, dispatch, reject, merge, escalate by hand
    VILLAGE: frozenset({CADRE, GRID_LEADER}),
    TOWNSHIP: frozenset({TOWNSHIP_STAFF}),
    COUNTY: frozenset({COUNTY_STAFF, ADMIN}),
}
HANDLE = {  # handle, ask for more time
    VILLAGE: frozenset({GRID_MEMBER, GRID_LEADER, CADRE}),
    TOWNSHIP: frozenset({TOWNSHIP_STAFF}),
    COUNTY: frozenset({COUNTY_STAFF, ADMIN}),
}
VERIFY = {  # verify, send back, close
    VILLAGE: frozenset({CADRE}),
    TOWNSHIP: frozenset({TOWNSHIP_STAFF}),
    COUNTY: frozenset({COUNTY_STAFF, ADMIN}),
}
ABOVE = {  # approve or refuse more time: the tier above
    VILLAGE: DISPATCH[TOWNSHIP],
    TOWNSHIP: DISPATCH[COUNTY],
    COUNTY: frozenset(),
}
NOBODY = {tier: frozenset() for tier in TIERS}
ASSIGNEE_ONLY = frozenset({GRID_MEMBER})  # a member handles only what is dispatched to them

# Why a transition is refused (the services map each to a message).
WRONG_STATE = "wrong_state"
WRONG_ROLE = "wrong_role"
WRONG_TIER = "wrong_tier"
NOT_ASSIGNEE = "not_assignee"
NO_TIER_ABOVE = "no_tier_above"
NO_EXTENSION_PENDING = "no_extension_pending"
EXTENSION_PENDING = "extension_pending"
ALREADY_REOPENED = "already_reopened"
ALREADY_RATED = "already_rated"
UNKNOWN_ACTION = "unknown_action"

YELLOW_SHARE = 0.2  # yellow in the last fifth of the limit: 1.4 of 7 days, 6 of 30
REOPEN_MAX = 1  # a resident may reopen a closed case once; then the village verifies again


class TransitionRefused(Exception):
    """A transition the table does not allow: ``reason`` is one of the codes above."""

    def __init__(self, reason: str, action: str = ""):
        super().__init__(f"{action}: {reason}")
        self.reason, self.action = reason, action


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change
    desk: dict[str, frozenset[str]]  # tier -> roles that may
    system: bool = False  # the system may too
    resident: bool = False  # the resident may (public status page)
    note: bool = False  # a note is required
    photos: bool = False  # photos may be attached


_BEFORE_HANDLING = (REPORTED, ACCEPTED, DISPATCHED, SENT_BACK)
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("accept", (REPORTED,), ACCEPTED, DISPATCH, system=True),
        Transition(
            "dispatch", (ACCEPTED, DISPATCHED, SENT_BACK), DISPATCHED, DISPATCH, system=True
        ),
        Transition("handle", (DISPATCHED, SENT_BACK), HANDLED, HANDLE, note=True, photos=True),
        Transition("verify", (HANDLED,), VERIFIED, VERIFY),
        Transition("send_back", (HANDLED,), SENT_BACK, VERIFY, note=True),
        Transition("close", (VERIFIED,), CLOSED, VERIFY),
        Transition("reject", (REPORTED, ACCEPTED), REJECTED, DISPATCH, note=True),
        Transition("merge", (REPORTED, ACCEPTED, DISPATCHED), MERGED, DISPATCH),
        Transition("escalate", _BEFORE_HANDLING, DISPATCHED, DISPATCH, system=True, note=True),
        Transition("extend", CLOCK, None, HANDLE, note=True),
        Transition("approve_extension", CLOCK + (HANDLED,), None, ABOVE),
        Transition("refuse_extension", CLOCK + (HANDLED,), None, ABOVE, note=True),
        Transition("rate", (CLOSED,), None, NOBODY, resident=True),
        Transition("reopen", (CLOSED,), DISPATCHED, NOBODY, resident=True, note=True),
    )
}
STAFF_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if not t.resident)


@dataclass(frozen=True)
class Facts:
    """What the table needs to know about an incident and the one acting on it."""

    state: str
    tier: str
    is_assignee: bool = False
    extension_pending: bool = False
    reopened: int = 0
    rated: bool = False


def tier_above(tier: str) -> str | None:
    i = TIERS.index(tier)
    return TIERS[i + 1] if i + 1 < len(TIERS) else None


def check(facts: Facts, action: str, actor: str) -> Transition:
    """The transition, if ``actor`` (a role, RESIDENT or SYSTEM) may do ``action`` now;
    otherwise TransitionRefused with the first reason found."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionRefused(UNKNOWN_ACTION, action)
    if actor == RESIDENT:
        if not t.resident:
            raise TransitionRefused(WRONG_ROLE, action)
    elif actor == SYSTEM:
        if not t.system:
            raise TransitionRefused(WRONG_ROLE, action)
    elif actor not in t.desk[facts.tier]:
        known = any(actor in roles for roles in t.desk.values())
        raise TransitionRefused(WRONG_TIER if known else WRONG_ROLE, action)
    if facts.state not in t.sources:
        raise TransitionRefused(WRONG_STATE, action)
    _guards(t, facts, actor)
    return t


def _guards(t: Transition, facts: Facts, actor: str) -> None:
    action = t.action
    if action in ("handle", "extend") and actor in ASSIGNEE_ONLY and not facts.is_assignee:
        raise TransitionRefused(NOT_ASSIGNEE, action)
    if action in ("escalate", "extend") and tier_above(facts.tier) is None:
        raise TransitionRefused(NO_TIER_ABOVE, action)
    if action == "extend" and facts.extension_pending:
        raise TransitionRefused(EXTENSION_PENDING, action)
    if action in ("approve_extension", "refuse_extension") and not facts.extension_pending:
        raise TransitionRefused(NO_EXTENSION_PENDING, action)
    if action == "reopen" and facts.reopened >= REOPEN_MAX:
        raise TransitionRefused(ALREADY_REOPENED, action)
    if action == "rate" and facts.rated:
        raise TransitionRefused(ALREADY_RATED, action)


def allowed(facts: Facts, actor: str) -> list[str]:
    """The actions ``actor`` may take now, in the table's order (the page's buttons)."""
    names = STAFF_ACTIONS if actor not in (RESIDENT, SYSTEM) else tuple(TRANSITIONS)
    ok = []
    for action in names:
        try:
            check(facts, action, actor)
        except TransitionRefused:
            continue
        ok.append(action)
    return ok


# --- the clock ------------------------------------------------------------------------


def deadline(start: dt.datetime, hours: int) -> dt.datetime:
    return start + dt.timedelta(hours=hours)


def signal(now: dt.datetime, start: dt.datetime | None, due: dt.datetime | None) -> str:
    """ "red" after the deadline, "yellow" in the last YELLOW_SHARE of the limit, "green"
    before; "" when no clock runs."""
    if start is None or due is None:
        return ""
    if now > due:
        return "red"
    if now >= due - (due - start) * YELLOW_SHARE:
        return "yellow"
    return "green"


def escalation_due(state: str, tier: str, due: dt.datetime | None, now: dt.datetime) -> bool:
    """The deadline passed while the handler works, and there is a tier above."""
    return state in CLOCK and due is not None and now > due and tier_above(tier) is not None


def extended(start: dt.datetime, due: dt.datetime, hours: int, max_hours: int) -> dt.datetime:
    """The deadline ``hours`` later, never past ``max_hours`` after dispatch (the time limit
    with every extension); ValueError when it would be."""
    new = due + dt.timedelta(hours=hours)
    if hours <= 0 or new > start + dt.timedelta(hours=max_hours):
        raise ValueError(hours)
    return new


def on_time(handled: dt.datetime | None, due: dt.datetime | None, missed: bool) -> bool:
    """Closed on time (按期办结): handled by the deadline it had, which never passed."""
    return handled is not None and due is not None and handled <= due and not missed
