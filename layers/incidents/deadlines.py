"""The deadline job: incidents whose deadline passed while their handler works climb a tier
(village -> township -> county), in bulk, every minute on the job queue (layers/tasks.py).

One pass takes the due rows locked (SKIP LOCKED: a second worker, or a person acting on one
of them, is not waited for), moves each (tier, category) group with one UPDATE, and writes
the transitions and notifications with one INSERT each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from households.models import Role, UserArea

from . import workflow as wf
from .models import Incident, IncidentCategory, IncidentEvent, IncidentNotification


def incidents_escalate_due(now: dt.datetime | None = None) -> int:
    """Escalate every incident whose deadline passed; returns how many climbed."""
    now = now or timezone.now()
    limits = dict(IncidentCategory.objects.values_list("pk", "deadline_hours"))
    with transaction.atomic():
        due = list(
            Incident.objects.filter(state__in=wf.CLOCK, deadline_at__lt=now)
            .exclude(tier=wf.COUNTY)
            .select_for_update(skip_locked=True)
            .values_list("pk", "tier", "state", "category_id", "township_id")
        )
        if not due:
            return 0
        groups = defaultdict(list)
        for pk, tier, _state, category, _t in due:
            groups[(tier, category)].append(pk)
        for (tier, category), pks in groups.items():
            Incident.objects.filter(pk__in=pks).update(
                tier=wf.tier_above(tier),
                state=wf.DISPATCHED,
                assignee=None,
                dispatched_at=now,
                deadline_at=wf.deadline(now, limits[category]),
                extension_hours=0,
                escalations=F("escalations") + 1,
                missed_deadline=True,
                updated_at=now,
            )
        IncidentEvent.objects.bulk_create(
            [
                IncidentEvent(
                    incident_id=pk,
                    action="escalate",
                    from_state=state,
                    to_state=wf.DISPATCHED,
                    from_tier=tier,
                    to_tier=wf.tier_above(tier),
                    actor_role=wf.SYSTEM,
                    at=now,
                    data={"reason": "deadline"},
                )
                for pk, tier, state, _c, _t in due
            ],
            batch_size=5000,
        )
        IncidentNotification.objects.bulk_create(_notifications(due, now), batch_size=5000)
    return len(due)


def _notifications(due, now) -> list[IncidentNotification]:
    """The new tier's desk: the township's staff, or the county's."""
    staff = defaultdict(list)
    areas = UserArea.objects.filter(role__in=[Role.TOWNSHIP, Role.COUNTY, Role.ADMIN])
    for user, role, township in areas.values_list("user_id", "role", "township_id"):
        staff[township if role == Role.TOWNSHIP else wf.COUNTY].append(user)
    out = []
    for pk, tier, _s, _c, township in due:
        above = wf.tier_above(tier)
        for user in staff[township if above == wf.TOWNSHIP else wf.COUNTY]:
            out.append(
                IncidentNotification(user_id=user, incident_id=pk, kind="escalated", created_at=now)
            )
    return out
