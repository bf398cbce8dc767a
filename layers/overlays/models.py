"""Cameras, service points and uploaded vector layers (one app: their tables are layers_*).

A camera's view sector is computed from its point, direction, field of view and range in
a metric projection (``sectors``) and stored, so coverage is one indexed spatial join.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid
from django.contrib.postgres.indexes import GistIndex
from django.db.models import CheckConstraint, Q, UniqueConstraint
from django.utils.translation import gettext_lazy as _

from households.models import SRID, Township, Village
from households.scoping import COUNTY, TOWNSHIP, VILLAGE, Area, ScopedQuerySet, ScopePaths

# The longest range a camera may be given: 雪亮工程 rural cameras (bullet and dome) see
# faces at 30-80 m and vehicles at up to 200-300 m; 500 m is beyond any of them (a typo of
# 1000 for 100 is refused).
CAMERA_MAX_RANGE_M = 500


class Camera(models.Model):
    """A camera (雪亮工程): where it is, where it looks (compass degrees, 0 = north,
    clockwise), how wide (field of view, degrees) and how far (metres)."""

    external_ref = models.CharField(_("camera number"), max_length=64)
    name = models.CharField(_("name"), max_length=100, blank=True)
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
    location = models.PointField(_("location"), srid=SRID, spatial_index=False)
    direction = models.FloatField(_("direction (degrees from north)"))
    fov = models.FloatField(_("field of view (degrees)"))
    range_m = models.FloatField(_("range (metres)"))
    sector = models.PolygonField(_("view sector"), srid=SRID, spatial_index=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="township", village="village")

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["external_ref"]
        indexes = [
            GistIndex(fields=["location"], name="camera_location_gist"),
            GistIndex(fields=["sector"], name="camera_sector_gist"),
        ]
        constraints = [
            UniqueConstraint(fields=["external_ref"], name="camera_ref_unique"),
            CheckConstraint(condition=Q(direction__gte=0, direction__lt=360), name="camera_dir"),
            CheckConstraint(condition=Q(fov__gt=0, fov__lte=360), name="camera_fov"),
            CheckConstraint(
                condition=Q(range_m__gt=0, range_m__lte=CAMERA_MAX_RANGE_M), name="camera_range"
            ),
            CheckConstraint(condition=IsValid("location"), name="camera_location_valid"),
            CheckConstraint(condition=IsValid("sector"), name="camera_sector_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.external_ref} {self.name}".strip()


class ServicePoint(models.Model):
    class Kind(models.TextChoices):
        PARTY_CENTRE = "party_centre", _("party-mass service centre (党群服务中心)")
        LEGAL_ADVISER = "legal_adviser", _("legal adviser (法律顾问)")
        MEDIATION = "mediation", _("mediation room (调解室)")
        POLICE = "police", _("village police assistant (村辅警)")
        ELDERLY = "elderly", _("elderly care point (养老服务点)")

    external_ref = models.CharField(_("number"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
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
    location = models.PointField(_("location"), srid=SRID, spatial_index=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="township", village="village")

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["kind", "external_ref"]
        indexes = [GistIndex(fields=["location"], name="service_point_location_gist")]
        constraints = [
            UniqueConstraint(fields=["external_ref"], name="service_point_ref_unique"),
            CheckConstraint(condition=IsValid("location"), name="service_point_location_valid"),
        ]

    def __str__(self) -> str:
        return self.name


def _layer_township(area: Area) -> Q:
    """A township's users see the county's layers and their township's (its villages' too)."""
    return Q(level=COUNTY) | Q(township_id=area.township_id)


def _layer_village(area: Area) -> Q:
    """A village's users (and its grids'): the county's, their township's, their village's."""
    return (
        Q(level=COUNTY)
        | Q(level=TOWNSHIP, township_id=area.township_id)
        | Q(village_id=area.village_id)
    )


class OverlayLayer(models.Model):
    """A vector layer uploaded by a department, drawn with its style for the users of its
    visibility scope: the county, a township, or a village."""

    LEVELS = [
        (COUNTY, _("whole county")),
        (TOWNSHIP, _("one township")),
        (VILLAGE, _("one village")),
    ]

    name = models.CharField(_("name"), max_length=100)
    color = models.CharField(_("colour"), max_length=7, default="#7b3294")
    weight = models.PositiveSmallIntegerField(_("line width (px)"), default=2)
    fill = models.BooleanField(_("filled"), default=True)
    level = models.CharField(_("visible to"), max_length=8, choices=LEVELS)
    township = models.ForeignKey(
        Township,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    source = models.CharField(_("file"), max_length=200, blank=True)
    geometry_type = models.CharField(_("geometry"), max_length=20, blank=True)
    feature_count = models.PositiveIntegerField(_("features"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township=_layer_township, village=_layer_village)

    class Meta:
        verbose_name = _("uploaded layer")
        verbose_name_plural = _("uploaded layers")
        ordering = ["name", "pk"]
        constraints = [
            CheckConstraint(condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="overlay_color"),
            CheckConstraint(condition=Q(weight__gte=1, weight__lte=10), name="overlay_weight"),
            CheckConstraint(
                condition=Q(level=COUNTY, township__isnull=True, village__isnull=True)
                | Q(level=TOWNSHIP, township__isnull=False, village__isnull=True)
                | Q(level=VILLAGE, township__isnull=False, village__isnull=False),
                name="overlay_level_area",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OverlayFeature(models.Model):
    """One feature of an uploaded layer: its geometry and its attributes (as text)."""

    layer = models.ForeignKey(OverlayLayer, on_delete=models.CASCADE, related_name="features")
    geom = models.GeometryField(_("geometry"), srid=SRID, spatial_index=False)
    label = models.CharField(_("label"), max_length=100, blank=True)
    properties = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths.through("layer")

    class Meta:
        ordering = ["layer", "pk"]
        indexes = [GistIndex(fields=["geom"], name="overlay_feature_geom_gist")]
        constraints = [CheckConstraint(condition=IsValid("geom"), name="overlay_feature_valid")]
