"""Incidents (群众点单): categories, incidents, their transitions, photos, notifications.

An incident keeps the grid (and the grid code) valid where and when it was reported, so a
redraw of the grids does not move it; scope follows that code, as a visit's does.
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid
from django.contrib.postgres.indexes import GistIndex
from django.db.models import CheckConstraint, F, Q, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from households.models import SRID, Township, Village
from households.scoping import ScopedQuerySet, ScopePaths

from . import workflow as wf

TIER_CHOICES = [
    (wf.VILLAGE, _("village (初诊)")),
    (wf.TOWNSHIP, _("township (会诊)")),
    (wf.COUNTY, _("county (联诊)")),
]
STATE_CHOICES = [
    (wf.REPORTED, _("reported")),
    (wf.ACCEPTED, _("accepted")),
    (wf.DISPATCHED, _("dispatched")),
    (wf.HANDLED, _("handled")),
    (wf.VERIFIED, _("verified")),
    (wf.CLOSED, _("closed")),
    (wf.SENT_BACK, _("sent back")),
    (wf.MERGED, _("merged")),
    (wf.REJECTED, _("rejected")),
]
# Tracking codes: 12 characters of an alphabet without 0/O, 1/I/L (read aloud, typed on a
# phone): 31^12 ≈ 8e17, so guessing one of 100,000 codes takes ~8e12 tries.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _photo_path(instance, filename: str) -> str:
    """incidents/<year>/<month>/<random>.jpg: photos are re-encoded, names never kept."""
    ext = PurePath(filename).suffix.lower()[:6] or ".jpg"
    return f"incidents/{timezone.now():%Y/%m}/{secrets.token_hex(12)}{ext}"


class IncidentCategory(models.Model):
    """A kind of incident, with its time limit and the tier it starts at (admin-editable)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    deadline_hours = models.PositiveIntegerField(_("time limit (hours from dispatch)"))
    max_hours = models.PositiveIntegerField(_("time limit with approved extensions (hours)"))
    start_tier = models.CharField(_("starting tier"), max_length=8, choices=TIER_CHOICES)
    color = models.CharField(_("map colour"), max_length=7, default="#555555")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("offered on the report forms"), default=True)

    class Meta:
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")
        ordering = ["order", "code"]
        constraints = [
            CheckConstraint(
                condition=Q(max_hours__gte=F("deadline_hours")) & Q(deadline_hours__gt=0),
                name="incident_category_limits",
            ),
            CheckConstraint(condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="category_color"),
        ]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    class Channel(models.TextChoices):
        PUBLIC = "public", _("resident (phone page)")
        GRID = "grid", _("grid leader or member")
        STAFF = "staff", _("cadre or staff")
        IMPORT = "import", _("batch import")

    class Located(models.TextChoices):
        GPS = "gps", _("phone position")
        MAP = "map", _("tapped on the map")
        APP = "app", _("map app coordinates (converted)")
        FILE = "file", _("imported file")

    tracking_code = models.CharField(_("tracking code"), max_length=CODE_LENGTH, unique=True)
    external_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    category = models.ForeignKey(
        IncidentCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    description = models.TextField(_("description"), max_length=2000)
    point = models.PointField(_("location"), srid=SRID, spatial_index=False)  # named below
    located_by = models.CharField(_("located by"), max_length=4, choices=Located.choices)
    channel = models.CharField(_("reported through"), max_length=8, choices=Channel.choices)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # HMAC of the reporting address (throttling); the address itself is not kept
    address_hash = models.CharField(max_length=32, blank=True)
    # where it was reported: kept when grids are redrawn
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid (version of the day)"),
    )
    grid_code = models.CharField(_("grid code"), max_length=15, blank=True)
    member_number = models.PositiveSmallIntegerField(_("member area number"), null=True, blank=True)
    # workflow
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default=wf.REPORTED)
    tier = models.CharField(_("tier"), max_length=8, choices=TIER_CHOICES)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    extension_hours = models.PositiveIntegerField(_("extension asked (hours)"), default=0)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    missed_deadline = models.BooleanField(_("a deadline passed"), default=False)
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    reopened = models.PositiveSmallIntegerField(_("reopened"), default=0)
    reply = models.TextField(_("reply to the resident"), max_length=2000, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_note = models.CharField(_("rating comment"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    # the grid (code) valid where and when it was reported; no member level: a member sees
    # the whole grid's incidents
    scope_paths = ScopePaths(township="township", village="village", grid="grid_code")

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            GistIndex(fields=["point"], name="incident_point_gist"),
            models.Index(fields=["township", "tier", "state"], name="incident_township_queue"),
            models.Index(fields=["township", "reported_at"], name="incident_township_time"),
            models.Index(fields=["village", "grid_code"], name="incident_grid"),
            models.Index(fields=["assignee", "state"], name="incident_assignee"),
            models.Index(
                fields=["deadline_at"],
                name="incident_clock_deadline",
                condition=Q(state__in=wf.CLOCK),
            ),
            models.Index(fields=["contact_phone", "reported_at"], name="incident_phone_time"),
            models.Index(fields=["address_hash", "reported_at"], name="incident_address_time"),
        ]
        constraints = [
            CheckConstraint(condition=IsValid("point"), name="incident_point_valid"),
            CheckConstraint(
                condition=Q(grid_code="") | Q(grid_code__regex=r"^\d{15}$"),
                name="incident_grid_code_15",
            ),
            CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="incident_rating_1_5",
            ),
            CheckConstraint(
                condition=Q(state__in=wf.STATES) & Q(tier__in=wf.TIERS),
                name="incident_state_tier_known",
            ),
            UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="incident_external_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} · {self.category}"


class IncidentEvent(models.Model):
    """One transition: who, when, from what to what, a note."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    from_tier = models.CharField(max_length=8, blank=True)
    to_tier = models.CharField(max_length=8)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("as"), max_length=12)  # a Role, "resident" or "system"
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths.through("incident")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_event_time")]


class IncidentPhoto(models.Model):
    """A photo of the report or of the handling (re-encoded: no metadata, bounded size)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        IncidentEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    image = models.FileField(upload_to=_photo_path)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths.through("incident")

    class Meta:
        ordering = ["pk"]


class IncidentNotification(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", _("new incident")
        SENT_BACK = "sent_back", _("sent back")
        ESCALATED = "escalated", _("escalated")
        EXTENSION = "extension", _("extension asked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incident_notifications"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths.through("incident")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="incident_note_unread")]
