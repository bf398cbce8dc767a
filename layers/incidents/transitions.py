"""Writes for the workflow: every transition asks ``workflow.check`` first, then changes the
incident and records who, when and a note, in one transaction on the locked row.

Staff act through :func:`incident_act` (404 outside their area, then the table decides);
the resident rates or reopens through :func:`incident_resident_act` (the tracking code is
their key); the deadline job escalates in bulk (``deadlines``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.access import in_scope, scope_for
from households.models import UserArea
from households.scoping import contains

from ..validators import photo_clean
from . import notify, routing
from . import workflow as wf
from .models import Incident, IncidentEvent, IncidentPhoto
from .services import PHOTOS_MAX

REFUSED = {  # workflow reason -> message
    wf.WRONG_STATE: _("This step is not possible in the incident's present state."),
    wf.WRONG_ROLE: _("Your role cannot take this step."),
    wf.WRONG_TIER: _("This step belongs to another tier than the incident's."),
    wf.NOT_ASSIGNEE: _("Only the member it was dispatched to handles this incident."),
    wf.NO_TIER_ABOVE: _("There is no tier above the county."),
    wf.NO_EXTENSION_PENDING: _("No extension was asked for."),
    wf.EXTENSION_PENDING: _("An extension was already asked for and awaits approval."),
    wf.ALREADY_REOPENED: _("This case was reopened once already; call your village."),
    wf.ALREADY_RATED: _("This case was rated already."),
    wf.UNKNOWN_ACTION: _("Unknown step."),
}
ERR_NOTE = _("Write a note for this step.")
ERR_ASSIGNEE = _("Choose a handler who works at the incident's tier and place.")
ERR_MERGE_TARGET = _("Choose another open incident of the same township to merge into.")
ERR_HOURS = _("Ask for a whole number of hours that keeps within the category's limit.")
ERR_RATING = _("Give a rating from 1 to 5.")
ERR_TOO_MANY_PHOTOS = _("At most 3 photos.")


class Refused(ValidationError):
    """A transition the workflow refuses: ``reason`` is a ``workflow`` code."""

    def __init__(self, reason: str):
        super().__init__(REFUSED[reason], code=reason)
        self.reason = reason


def facts(incident: Incident, user=None) -> wf.Facts:
    return wf.Facts(
        state=incident.state,
        tier=incident.tier,
        is_assignee=user is not None and incident.assignee_id == user.pk,
        extension_pending=incident.extension_hours > 0,
        reopened=incident.reopened,
        rated=incident.rating is not None,
    )


def actions_for(user, incident: Incident) -> list[str]:
    return wf.allowed(facts(incident, user), scope_for(user).role)


def incident_act(user, incident: Incident, action: str, **kw) -> Incident:
    """Take ``action`` on ``incident`` as ``user``: 404 outside the user's area, Refused when
    the workflow says no, ValidationError for a bad note, handler, target or hours."""
    if not in_scope(user, incident):
        raise Http404
    _transition(incident.pk, action, actor=user, role=scope_for(user).role, **kw)
    incident.refresh_from_db()
    return incident


def incident_resident_act(incident: Incident, action: str, **kw) -> Incident:
    """Rate or reopen, from the public status page (the tracking code is the key)."""
    _transition(incident.pk, action, actor=None, role=wf.RESIDENT, **kw)
    incident.refresh_from_db()
    return incident


def _transition(pk: int, action: str, *, actor, role: str, note: str = "", **kw) -> Incident:
    photos = [photo_clean(p) for p in kw.pop("photos", None) or []]
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("category").get(pk=pk)
        try:
            t = wf.check(facts(incident, actor), action, role)
        except wf.TransitionRefused as exc:
            raise Refused(exc.reason) from exc
        note = (note or "").strip()
        if t.note and not note:
            raise ValidationError({"note": ERR_NOTE})
        if len(photos) > PHOTOS_MAX or (photos and not t.photos):
            raise ValidationError({"photos": ERR_TOO_MANY_PHOTOS})
        before = (incident.state, incident.tier)
        now = timezone.now()
        data = EFFECTS[action](incident, now, actor=actor, note=note, **kw) or {}
        if t.target:
            incident.state = t.target
        incident.save()
        event = IncidentEvent.objects.create(
            incident=incident,
            action=action,
            from_state=before[0],
            to_state=incident.state,
            from_tier=before[1],
            to_tier=incident.tier,
            actor=actor,
            actor_role=role,
            at=now,
            note=note,
            data=data,
        )
        for photo in photos:
            IncidentPhoto.objects.create(incident=incident, event=event, image=photo)
    return incident


def _handler_ok(user_id: int, incident: Incident) -> bool:
    area = UserArea.objects.filter(user_id=user_id).select_related("user").first()
    if area is None or area.role not in wf.HANDLE[incident.tier]:
        return False
    return contains(scope_for(area.user), incident)


def _dispatch(incident, now, *, actor, assignee=None, **kw):
    handler = int(assignee) if assignee else actor.pk
    if not _handler_ok(handler, incident):
        raise ValidationError({"assignee": ERR_ASSIGNEE})
    incident.assignee_id = handler
    if incident.deadline_at is None:  # the clock starts at the first dispatch of a tier
        incident.dispatched_at = now
        incident.deadline_at = wf.deadline(now, incident.category.deadline_hours)
    notify.notify(incident, "new", [handler] if handler != actor.pk else [])
    return {"assignee": handler}


def _handle(incident, now, *, note, **kw):
    incident.handled_at, incident.reply = now, note


def _send_back(incident, now, **kw):
    notify.notify(incident, "sent_back", [incident.assignee_id])


def _close(incident, now, **kw):
    incident.closed_at = now
    incident.closed_on_time = wf.on_time(
        incident.handled_at, incident.deadline_at, incident.missed_deadline
    )


def _reject(incident, now, *, note, **kw):
    incident.closed_at, incident.reply = now, note


def _merge(incident, now, *, actor, into=None, **kw):
    try:
        target = Incident.objects.filter(pk=int(into or incident.duplicate_of_id or 0)).first()
    except (TypeError, ValueError):
        target = None
    if (
        target is None
        or not in_scope(actor, target)
        or target.pk == incident.pk
        or target.state not in wf.OPEN
        or target.township_id != incident.township_id
    ):
        raise ValidationError({"into": ERR_MERGE_TARGET})
    incident.merged_into, incident.closed_at = target, now
    return {"into": target.pk}


def escalate(incident: Incident, now, *, reason: str) -> dict:
    """One tier up, to that tier's centre: a fresh time limit from now."""
    incident.tier = wf.tier_above(incident.tier)
    incident.assignee = None
    incident.dispatched_at = now
    incident.deadline_at = wf.deadline(now, incident.category.deadline_hours)
    incident.extension_hours = 0
    incident.escalations += 1
    incident.missed_deadline |= reason == "deadline"
    users = routing.desk_users(
        incident.tier, township_id=incident.township_id, village_id=incident.village_id
    )
    notify.notify(incident, "escalated", users)
    return {"reason": reason}


def _escalate(incident, now, **kw):
    return escalate(incident, now, reason="manual")


def _extend(incident, now, *, hours=None, **kw):
    try:
        hours = int(hours)
        wf.extended(
            incident.dispatched_at, incident.deadline_at, hours, incident.category.max_hours
        )
    except (TypeError, ValueError) as exc:
        raise ValidationError({"hours": ERR_HOURS}) from exc
    incident.extension_hours = hours
    above = routing.desk_users(
        wf.tier_above(incident.tier),
        township_id=incident.township_id,
        village_id=incident.village_id,
    )
    notify.notify(incident, "extension", above)
    return {"hours": hours}


def _approve_extension(incident, now, **kw):
    hours = incident.extension_hours
    try:
        incident.deadline_at = wf.extended(
            incident.dispatched_at, incident.deadline_at, hours, incident.category.max_hours
        )
    except ValueError as exc:
        raise ValidationError({"hours": ERR_HOURS}) from exc
    incident.extension_hours = 0
    return {"hours": hours}


def _refuse_extension(incident, now, **kw):
    hours, incident.extension_hours = incident.extension_hours, 0
    return {"hours": hours}


def _rate(incident, now, *, rating=None, note="", **kw):
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": ERR_RATING})
    incident.rating, incident.rating_note = rating, note[:200]
    return {"rating": rating}


def _reopen(incident, now, **kw):
    incident.reopened += 1
    incident.closed_at = incident.closed_on_time = incident.handled_at = None
    incident.dispatched_at = now
    incident.deadline_at = wf.deadline(now, incident.category.deadline_hours)
    notify.notify(incident, "sent_back", [incident.assignee_id])


def _nothing(incident, now, **kw):
    return None


EFFECTS = {
    "accept": _nothing,
    "dispatch": _dispatch,
    "handle": _handle,
    "verify": _nothing,
    "send_back": _send_back,
    "close": _close,
    "reject": _reject,
    "merge": _merge,
    "escalate": _escalate,
    "extend": _extend,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "rate": _rate,
    "reopen": _reopen,
}
