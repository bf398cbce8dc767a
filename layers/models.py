"""Map layers and field work: visits (入户走访) logged by grid leaders and members."""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid
from django.contrib.postgres.indexes import GistIndex
from django.db.models import CheckConstraint, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import SRID, Household
from households.scoping import ScopedQuerySet, ScopePaths

from .validators import validate_photo


def _photo_path(instance, filename: str) -> str:
    """visits/<year>/<month>/<random>.<ext>: the uploaded name is never kept (it may hold a name)."""
    ext = PurePath(filename).suffix.lower()[:6]
    now = timezone.now()
    return f"visits/{now:%Y/%m}/{secrets.token_hex(12)}{ext}"


class Visit(models.Model):
    """One visit to a household, attributed to the grid and member area valid at the time."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="visits", verbose_name=_("household")
    )
    grid_code = models.CharField(_("grid code"), max_length=15, db_index=True)
    member_number = models.PositiveSmallIntegerField(_("member area number"), null=True, blank=True)
    visited_on = models.DateField(_("visit date"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    photo = models.FileField(
        _("photo"), upload_to=_photo_path, blank=True, validators=[validate_photo]
    )
    point = models.PointField(
        _("location"),
        srid=SRID,
        null=True,
        blank=True,
        spatial_index=False,  # named below
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="visits",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # the grid and member area the visit was attributed to at the time
    scope_paths = ScopePaths(
        township="household__group__village__township",
        village="household__group__village",
        grid="grid_code",
        member="member_number",
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-created_at"]
        indexes = [
            models.Index(fields=["household", "-visited_on"], name="visit_household_date"),
            GistIndex(fields=["point"], name="visit_point_gist"),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(point__isnull=True) | IsValid("point"), name="visit_point_valid"
            ),
            CheckConstraint(condition=Q(grid_code__regex=r"^\d{15}$"), name="visit_grid_code_15"),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.visited_on}"


# Models of the layers subpackages (one app: their tables are layers_*)
from layers.api.models import ApiToken  # noqa: E402, F401

# The coverage dashboard's one model (a grid's party group)
from .coverage.models import PartyGroup  # noqa: E402, F401

# Incidents live in their own subpackage; imported here so that Django registers them.
from .incidents.models import (  # noqa: E402, F401
    Incident,
    IncidentCategory,
    IncidentEvent,
    IncidentNotification,
    IncidentPhoto,
)

# Overlays (cameras, service points, uploaded layers): their own subpackage, registered here.
from .overlays.models import (  # noqa: E402, F401
    Camera,
    OverlayFeature,
    OverlayLayer,
    ServicePoint,
)
