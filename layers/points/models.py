"""Ledgers of points: a household's civility points and a party member's points.

A balance is the sum of a ledger's approved entries, never a stored number. Entries that a
grid leader or member records wait for a village cadre's approval; a cadre's own entries
and redemptions (积分超市) count at once.
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household, Person, Village
from households.scoping import ScopedQuerySet, ScopePaths
from layers.validators import validate_photo


def _photo_path(instance, filename: str) -> str:
    ext = PurePath(filename).suffix.lower()[:6] or ".jpg"
    return f"points/{timezone.now():%Y/%m}/{secrets.token_hex(12)}{ext}"


class Category(models.Model):
    """A kind of entry with its default points (county-editable in the admin)."""

    class Ledger(models.TextChoices):
        CIVILITY = "civility", _("civility points")
        PARTY = "party", _("party-member points")

    ledger = models.CharField(_("ledger"), max_length=8, choices=Ledger.choices)
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    default_points = models.IntegerField(_("default points"))
    redemption = models.BooleanField(_("redemption (积分超市)"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("points category")
        verbose_name_plural = _("points categories")
        ordering = ["ledger", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "code"], name="points_category_code")
        ]

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    """What both ledgers share: date, category, points, note, recorder, approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    on = models.DateField(_("date"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.IntegerField(_("points"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorder_role = models.CharField(_("recorded as"), max_length=12, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class CivilityEntry(Entry):
    class Kind(models.TextChoices):
        OPENING = "opening", _("opening balance (imported)")
        ENTRY = "entry", _("entry")
        REDEMPTION = "redeem", _("redemption")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="civility_entries"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ENTRY)
    photo = models.FileField(
        _("photo"), upload_to=_photo_path, blank=True, validators=[validate_photo]
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths.through("household")

    class Meta:
        verbose_name = _("civility points entry")
        verbose_name_plural = _("civility points entries")
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["household", "status"], name="civility_household")]
        constraints = [
            CheckConstraint(
                condition=~Q(kind="redeem") | Q(points__lt=0), name="civility_redeem_spends"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.on} {self.points:+d}"


class PartyEntry(Entry):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="party_entries")

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths.through("person")

    class Meta:
        verbose_name = _("party-member points entry")
        verbose_name_plural = _("party-member points entries")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.on} {self.points:+d}"


class BoardSetting(models.Model):
    """A village's choice for its red and black boards."""

    village = models.OneToOneField(Village, on_delete=models.CASCADE, related_name="+")
    mask_black = models.BooleanField(_("mask given names on the black board"), default=True)
    size = models.PositiveSmallIntegerField(_("households on each board"), default=5)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="village__township", village="village")

    def __str__(self) -> str:
        return str(self.village)
