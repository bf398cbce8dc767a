"""The whole workflow through the services: send-back, extension, merge, escalation by
elapsed time (the clock moved by time-machine), forged transitions, the resident's steps."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from layers.incidents import workflow as wf
from layers.incidents.deadlines import incidents_escalate_due
from layers.incidents.transitions import (
    Refused,
    actions_for,
    incident_act,
    incident_resident_act,
)
from layers.models import Incident, IncidentEvent, IncidentNotification
from tests.layers.incidents.conftest import member_point, photo, report

pytestmark = pytest.mark.django_db


def snapshot(incident: Incident):
    incident.refresh_from_db()
    return (
        incident.state,
        incident.tier,
        incident.assignee_id,
        incident.deadline_at,
        incident.extension_hours,
        incident.rating,
        incident.reopened,
        incident.events.count(),
    )


def test_handle_send_back_handle_verify_close_rate(field, cats):
    u = field.users
    incident = report(member_point(field))
    incident_act(u["grid_member"], incident, "handle", note="已清理", photos=[photo()])
    assert incident.state == wf.HANDLED and incident.reply == "已清理"
    assert incident.photos.filter(event__action="handle").count() == 1
    incident_act(u["village"], incident, "send_back", note="现场仍有积水")
    assert incident.state == wf.SENT_BACK
    assert IncidentNotification.objects.filter(
        incident=incident, user=u["grid_member"], kind="sent_back"
    ).exists()
    incident_act(u["grid_member"], incident, "handle", note="疏通后复查无积水")
    incident_act(u["village"], incident, "verify")
    incident_act(u["village"], incident, "close")
    assert incident.state == wf.CLOSED and incident.closed_on_time is True
    incident_resident_act(incident, "rate", rating=5, note="满意")
    assert incident.rating == 5
    actions = list(incident.events.values_list("action", flat=True))
    assert actions[-6:] == ["handle", "send_back", "handle", "verify", "close", "rate"]
    who = incident.events.get(action="send_back")
    assert (who.actor, who.actor_role, who.note) == (u["village"], "village", "现场仍有积水")


def test_forged_transitions_change_nothing(field, cats):
    u = field.users
    incident = report(member_point(field))
    before = snapshot(incident)
    with pytest.raises(Refused) as exc:  # the member closes their own case
        incident_act(u["grid_member"], incident, "close")
    assert exc.value.reason == wf.WRONG_ROLE
    with pytest.raises(Refused) as exc:  # the cadre closes before it was handled
        incident_act(u["village"], incident, "close")
    assert exc.value.reason == wf.WRONG_STATE
    assert snapshot(incident) == before
    # at the county tier a member cannot close, nor can the village
    Incident.objects.filter(pk=incident.pk).update(tier=wf.COUNTY, state=wf.VERIFIED)
    before = snapshot(incident)
    for user, reason in ((u["grid_member"], wf.WRONG_ROLE), (u["village"], wf.WRONG_TIER)):
        with pytest.raises(Refused) as exc:
            incident_act(user, incident, "close")
        assert exc.value.reason == reason
    assert snapshot(incident) == before
    incident_act(u["county"], incident, "close")
    assert incident.state == wf.CLOSED


def test_a_resident_reopens_once_not_twice(field, cats):
    u = field.users
    incident = report(member_point(field))
    for _round in range(2):
        incident_act(u["grid_member"], incident, "handle", note="已处理")
        incident_act(u["village"], incident, "verify")
        incident_act(u["village"], incident, "close")
        if _round == 0:
            incident_resident_act(incident, "reopen", note="又堵了")
            assert (incident.state, incident.assignee, incident.reopened) == (
                wf.DISPATCHED,
                u["grid_member"],
                1,
            )
    before = snapshot(incident)
    with pytest.raises(Refused) as exc:
        incident_resident_act(incident, "reopen", note="还是堵")
    assert exc.value.reason == wf.ALREADY_REOPENED and snapshot(incident) == before
    with pytest.raises(ValidationError):
        incident_resident_act(incident, "rate", rating=9)
    assert snapshot(incident) == before


def test_extension_asked_by_the_handler_approved_by_the_township(field, cats):
    u = field.users
    incident = report(member_point(field), category="wish")  # 7 days, at most 15
    due = incident.deadline_at
    with pytest.raises(ValidationError) as exc:  # past the 15 days
        incident_act(u["grid_member"], incident, "extend", note="等物资", hours=9 * 24)
    assert "hours" in exc.value.message_dict and snapshot(incident)[4] == 0
    incident_act(u["grid_member"], incident, "extend", note="等物资", hours=8 * 24)
    assert incident.extension_hours == 192 and incident.deadline_at == due
    assert IncidentNotification.objects.filter(
        incident=incident, user=u["township"], kind="extension"
    ).exists()
    with pytest.raises(Refused) as exc:  # the village is not the tier above
        incident_act(u["village"], incident, "approve_extension")
    assert exc.value.reason == wf.WRONG_ROLE
    incident_act(u["township"], incident, "approve_extension")
    assert incident.deadline_at == due + dt.timedelta(days=8) and incident.extension_hours == 0


def test_merge_a_flagged_duplicate(field, cats):
    u = field.users
    point = member_point(field)
    first = report(point)
    second = report(point, contact_phone="13900000009")
    assert second.duplicate_of == first
    assert "merge" in actions_for(u["village"], second)
    with pytest.raises(ValidationError):
        incident_act(u["village"], second, "merge", into=second.pk)  # not into itself
    incident_act(u["village"], second, "merge")
    assert (second.state, second.merged_into) == (wf.MERGED, first)
    assert second.events.last().data == {"into": first.pk}


def test_escalation_by_elapsed_time_village_township_county(field, cats):
    u = field.users
    incident = report(member_point(field), category="hazard")  # same day: 24 h
    start = incident.deadline_at
    with time_machine.travel(start - dt.timedelta(minutes=1), tick=False):
        assert incidents_escalate_due() == 0
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        assert incidents_escalate_due() == 1
        assert incidents_escalate_due() == 0  # once
    incident.refresh_from_db()
    assert (incident.tier, incident.state, incident.assignee) == (wf.TOWNSHIP, wf.DISPATCHED, None)
    assert incident.missed_deadline and incident.escalations == 1
    step = incident.events.last()
    assert (step.action, step.actor_role, step.data) == (
        "escalate",
        wf.SYSTEM,
        {"reason": "deadline"},
    )
    assert IncidentNotification.objects.filter(
        incident=incident, user=u["township"], kind="escalated"
    ).exists()
    with pytest.raises(Refused):  # the member no longer handles it
        incident_act(u["grid_member"], incident, "handle", note="x")
    with time_machine.travel(incident.deadline_at + dt.timedelta(minutes=1), tick=False):
        assert incidents_escalate_due() == 1
    incident.refresh_from_db()
    assert incident.tier == wf.COUNTY and incident.escalations == 2
    with time_machine.travel(incident.deadline_at + dt.timedelta(days=30), tick=False):
        assert incidents_escalate_due() == 0  # nothing above the county
    incident_act(u["county"], incident, "handle", note="联合处置")
    incident_act(u["county"], incident, "verify")
    incident_act(u["county"], incident, "close")
    assert incident.closed_on_time is False  # it missed a deadline on the way


def test_manual_escalation_and_dispatch_at_the_township(field, cats):
    u = field.users
    incident = report(member_point(field))
    with pytest.raises(ValidationError):  # a note says why
        incident_act(u["village"], incident, "escalate")
    incident_act(u["village"], incident, "escalate", note="涉及两个村，风险较高")
    assert incident.tier == wf.TOWNSHIP and not incident.missed_deadline
    with pytest.raises(ValidationError) as exc:  # a handler outside the case's place
        incident_act(u["township"], incident, "dispatch", assignee=u["county"].pk)
    assert "assignee" in exc.value.message_dict
    incident_act(u["township"], incident, "dispatch")  # to themself
    assert incident.assignee == u["township"]


def test_outside_the_area_is_404_before_anything(field, cats):
    incident = report(member_point(field))
    before = snapshot(incident)
    from tests.layers.factories import make_role

    stranger = make_role(
        "t-sibling-leader",
        "grid_leader",
        village=field.village,
        grid_code=field.sibling.code,
    )
    with pytest.raises(Http404):
        incident_act(stranger, incident, "handle", note="x")
    assert snapshot(incident) == before
    assert IncidentEvent.objects.filter(incident=incident, actor=stranger).count() == 0


def test_the_deadline_job_is_a_task_on_the_queue_every_minute(field, cats):
    """layers/tasks.py registers the task with procrastinate, scheduled by JOBS_CRON; run as
    the worker runs it, it escalates what is due."""
    from croniter import croniter
    from procrastinate.contrib.django import app

    from gis.settings import base
    from layers.tasks import incidents_deadlines

    cron = croniter(base.JOBS_CRON["incidents_deadlines"], 0)
    assert -cron.get_next(float) + cron.get_next(float) == 60
    assert app.tasks["layers.incidents_deadlines"] is incidents_deadlines
    incident = report(member_point(field), category="hazard")
    with time_machine.travel(incident.deadline_at + dt.timedelta(seconds=1), tick=False):
        assert incidents_deadlines(timestamp=0) == 1
    incident.refresh_from_db()
    assert incident.tier == wf.TOWNSHIP
