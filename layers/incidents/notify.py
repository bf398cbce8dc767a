"""In-app notifications: new, sent-back, escalated incidents and extension requests."""

from collections.abc import Iterable

from django.utils import timezone

from .models import Incident, IncidentNotification


def notify(incident: Incident, kind: str, user_ids: Iterable[int | None]) -> int:
    ids = sorted({u for u in user_ids if u is not None})
    now = timezone.now()
    IncidentNotification.objects.bulk_create(
        IncidentNotification(user_id=u, incident=incident, kind=kind, created_at=now) for u in ids
    )
    return len(ids)


def notifications_read(user, ids=None) -> int:
    """Mark the user's notifications (these ids, or all) read."""
    qs = IncidentNotification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
