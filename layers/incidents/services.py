"""Writes for reporting an incident: checks, throttling, routing, duplicates, photos.

Everything is checked before anything is written; the incident, its first transitions,
its photos and its notifications are written in one transaction.

Throttling counts the incidents themselves (per contact phone and per reporting address,
kept as an HMAC), in the database: the count is shared by every web worker and machine
and survives restarts, which Django's default cache (memory of one process) would not,
and it needs no new table or service. An advisory lock per phone makes two reports sent
at once count one after the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.coords import to_wgs84
from households.importing.fields import PHONE_RE

from ..services import POINT_OUTSIDE_COUNTY
from ..validators import photo_clean
from . import notify, routing
from . import workflow as wf
from .models import Incident, IncidentCategory, IncidentEvent, IncidentPhoto, tracking_code

PHOTOS_MAX = 3
DESCRIPTION_MAX = 2000  # = Incident.description max_length
DUPLICATE_METRES = 50  # a report this close to an open one of the same category ...
DUPLICATE_DAYS = 7  # ... reported within this many days is flagged as a possible duplicate
# Throttling of the public page: a resident reports one problem at a time; a village
# office's shared connection sends a few residents' reports in a meeting.
PHONE_PER_HOUR = 5
ADDRESS_PER_HOUR = 20
CRS_CHOICES = ("EPSG:4326", "gcj02", "bd09")  # phones' GPS and maps; Amap/WeChat; Baidu

ERR_NO_LOCATION = _("Give the location: use the phone's position or tap the map.")
ERR_UNKNOWN_CATEGORY = _("Choose a category from the list.")
ERR_EMPTY_DESCRIPTION = _("Describe the problem.")
ERR_DESCRIPTION_LONG = _("The description is longer than 2000 characters.")
ERR_TOO_MANY_PHOTOS = _("At most 3 photos.")
ERR_PHONE = _("Enter a phone number to be called back on.")
ERR_UNKNOWN_CRS = _("Unknown coordinate system.")
ERR_FLOOD_PHONE = _(
    "Too many reports from this phone number in the last hour; please try again later, "
    "or call your village."
)
ERR_FLOOD_ADDRESS = _(
    "Too many reports from this connection in the last hour; please try again later."
)
ERR_NO_TOWNSHIP = _("The county has no villages yet: nothing can be reported.")


@dataclass
class NewIncident:
    """What a report says, as the forms and the importer parse it."""

    category: str  # category code
    description: str
    lon: float | None
    lat: float | None
    crs: str = "EPSG:4326"
    located_by: str = Incident.Located.GPS
    contact_name: str = ""
    contact_phone: str = ""
    photos: list = field(default_factory=list)
    external_ref: str = ""
    reported_at: dt.datetime | None = None


def address_key(address: str | None) -> str:
    """An HMAC of the reporting address: comparable, not reversible without the key."""
    if not address:
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def incident_point(lon, lat, crs: str = "EPSG:4326") -> Point:
    """A WGS84 point inside the county from a position in ``crs`` (GCJ-02 and BD-09 are
    converted with the iterative inverse)."""
    if lon is None or lat is None:
        raise ValidationError({"location": ERR_NO_LOCATION})
    if crs not in CRS_CHOICES:
        raise ValidationError({"location": ERR_UNKNOWN_CRS})
    x, y = to_wgs84([float(lon)], [float(lat)], crs)
    lon, lat = float(x[0]), float(y[0])
    x0, y0, x1, y1 = settings.COUNTY_EXTENT
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        raise ValidationError({"location": POINT_OUTSIDE_COUNTY})
    return Point(lon, lat, srid=4326)


def incident_check(new: NewIncident, *, phone_required: bool):
    """(category, point, cleaned photos) or ValidationError naming every bad field."""
    errors = {}
    category = IncidentCategory.objects.filter(code=new.category, active=True).first()
    if category is None:
        errors["category"] = ERR_UNKNOWN_CATEGORY
    text = (new.description or "").strip()
    if not text:
        errors["description"] = ERR_EMPTY_DESCRIPTION
    elif len(text) > DESCRIPTION_MAX:
        errors["description"] = ERR_DESCRIPTION_LONG
    phone = (new.contact_phone or "").strip()
    if (phone_required and not phone) or (phone and not PHONE_RE.match(phone)):
        errors["contact_phone"] = ERR_PHONE
    point = None
    try:
        point = incident_point(new.lon, new.lat, new.crs)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    photos = []
    if len(new.photos) > PHOTOS_MAX:
        errors["photos"] = ERR_TOO_MANY_PHOTOS
    else:
        try:
            photos = [photo_clean(p) for p in new.photos]
        except ValidationError as exc:
            errors["photos"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return category, point, photos


def _throttle(phone: str, address: str, now: dt.datetime) -> None:
    hour = now - dt.timedelta(hours=1)
    public = Incident.objects.filter(channel=Incident.Channel.PUBLIC, reported_at__gt=hour)
    with connection.cursor() as cur:  # held to the end of the transaction
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"incident-report:{phone}"])
    if phone and public.filter(contact_phone=phone).count() >= PHONE_PER_HOUR:
        raise ValidationError({"contact_phone": ERR_FLOOD_PHONE}, code="throttled")
    if address and public.filter(address_hash=address).count() >= ADDRESS_PER_HOUR:
        raise ValidationError({"__all__": ERR_FLOOD_ADDRESS}, code="throttled")


def duplicate_of(category, point: Point, at: dt.datetime) -> Incident | None:
    """The nearest open incident of the same category within DUPLICATE_METRES reported in
    the DUPLICATE_DAYS before ``at``."""
    return (
        Incident.objects.filter(
            category=category,
            state__in=wf.OPEN,
            reported_at__gte=at - dt.timedelta(days=DUPLICATE_DAYS),
            reported_at__lte=at,
            point__distance_lte=(point, D(m=DUPLICATE_METRES)),
        )
        .order_by("reported_at", "pk")
        .first()
    )


def incident_report(
    new: NewIncident, *, channel: str, reporter=None, address: str | None = None
) -> Incident:
    """Check, route and write a report. Public reports need a phone and are throttled."""
    public = channel == Incident.Channel.PUBLIC
    category, point, photos = incident_check(new, phone_required=public)
    now = timezone.now()
    at = new.reported_at or now
    with transaction.atomic():
        phone = new.contact_phone.strip()
        if public:
            _throttle(phone, address_key(address), now)
        try:
            where = routing.route(point, at)
        except routing.NoTownship as exc:
            raise ValidationError({"location": ERR_NO_TOWNSHIP}) from exc
        tier = max(category.start_tier, where.floor, key=wf.TIERS.index)
        incident = Incident.objects.create(
            tracking_code=tracking_code(),
            external_ref=new.external_ref,
            category=category,
            description=new.description.strip(),
            point=point,
            located_by=new.located_by,
            channel=channel,
            reported_at=at,
            reporter=reporter,
            contact_name=new.contact_name.strip(),
            contact_phone=phone,
            address_hash=address_key(address) if public else "",
            township=where.township,
            village=where.village,
            grid=where.grid,
            grid_code=where.grid_code,
            member_number=where.member_number,
            tier=tier,
            duplicate_of=duplicate_of(category, point, at),
        )
        first = IncidentEvent.objects.create(
            incident=incident,
            action="report",
            to_state=wf.REPORTED,
            to_tier=tier,
            actor=reporter,
            actor_role=_role(reporter),
            at=at,
            data={"channel": channel},
        )
        for photo in photos:
            IncidentPhoto.objects.create(incident=incident, event=first, image=photo)
        _dispatch_on_arrival(incident, where, at)
    return incident


def _role(user) -> str:
    if user is None:
        return wf.RESIDENT
    from households.access import scope_for

    return scope_for(user).role or wf.RESIDENT


def _dispatch_on_arrival(incident: Incident, where: routing.Route, at: dt.datetime) -> None:
    """At the village tier with someone in post, the system accepts and dispatches at once
    (the report reaches the grid member); otherwise it waits in its tier's queue."""
    handler = where.member_user or where.leader_user
    if incident.tier == wf.VILLAGE and handler is not None:
        for action, state in (("accept", wf.ACCEPTED), ("dispatch", wf.DISPATCHED)):
            wf.check(wf.Facts(incident.state, incident.tier), action, wf.SYSTEM)
            IncidentEvent.objects.create(
                incident=incident,
                action=action,
                from_state=incident.state,
                to_state=state,
                from_tier=incident.tier,
                to_tier=incident.tier,
                actor_role=wf.SYSTEM,
                at=at,
                data={"assignee": handler} if action == "dispatch" else {},
            )
            incident.state = state
        incident.assignee_id = handler
        incident.dispatched_at = at
        incident.deadline_at = wf.deadline(at, incident.category.deadline_hours)
        incident.save(update_fields=["state", "assignee", "dispatched_at", "deadline_at"])
        users = {handler, where.leader_user} - {None}
    else:
        users = set(
            routing.desk_users(
                incident.tier,
                township_id=incident.township_id,
                village_id=incident.village_id,
                grid_code=incident.grid_code,
            )
        )
    notify.notify(incident, "new", users)


def categories_ensure() -> int:
    """The default categories that are missing (load_demo, tests); returns how many."""
    from .defaults import categories_ensure as ensure

    return ensure(IncidentCategory)
