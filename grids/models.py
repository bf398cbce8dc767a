"""Grids as dated versions, member areas, assignments of households, partition runs."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid
from django.db.models import CheckConstraint, Q, UniqueConstraint
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from grids.partitioning import member_code
from households.models import SRID, Household, Person, Township, Village
from households.scoping import Area, ScopedQuerySet, ScopePaths


class GridVersion(models.Model):
    """One dated division of a village into grids. The open version has no valid_to."""

    class Source(models.TextChoices):
        PARTITION = "partition", _("automatic partition")
        EDIT = "edit", _("manual edit")
        RESTORE = "restore", _("restored version")
        IMPORT = "import", _("imported from a file")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="grid_versions", verbose_name=_("village")
    )
    number = models.PositiveIntegerField(_("version"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="village__township", village="village", current="valid_to")

    class Meta:
        verbose_name = _("grid version")
        verbose_name_plural = _("grid versions")
        ordering = ["village__code", "-number"]
        constraints = [
            UniqueConstraint(fields=["village", "number"], name="grid_version_number_unique"),
            UniqueConstraint(
                fields=["village"],
                condition=Q(valid_to__isnull=True),
                name="grid_version_one_open_per_village",
            ),
            CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="grid_version_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} v{self.number}"


class Grid(models.Model):
    version = models.ForeignKey(
        GridVersion, on_delete=models.CASCADE, related_name="grids", verbose_name=_("version")
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="grids", verbose_name=_("village")
    )
    code = models.CharField(_("code"), max_length=15)
    geom = models.MultiPolygonField(_("boundary"), srid=SRID)
    locked = models.BooleanField(_("locked"), default=False)
    leader = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_grids",
        verbose_name=_("grid leader"),
    )
    leader_confirmed = models.BooleanField(
        _("leader confirmed"),
        default=False,
        help_text=_("Unconfirmed leaders are proposals of the partitioner."),
    )
    household_count = models.PositiveIntegerField(_("households"), default=0)
    group_codes = models.CharField(_("village groups"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        township="village__township", village="village", grid="code", current="version__valid_to"
    )

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        indexes = [models.Index(fields=["village", "code"])]
        constraints = [
            UniqueConstraint(fields=["version", "code"], name="grid_code_unique_in_version"),
            CheckConstraint(condition=Q(code__regex=r"^\d{15}$"), name="grid_code_15_digits"),
            CheckConstraint(condition=IsValid("geom"), name="grid_geom_valid"),
        ]

    def __str__(self) -> str:
        return self.code


class MemberArea(models.Model):
    """联户: about 10 households looked after by one grid member."""

    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, related_name="member_areas", verbose_name=_("grid")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    member = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member_areas",
        verbose_name=_("grid member"),
    )
    member_confirmed = models.BooleanField(_("member confirmed"), default=False)
    household_count = models.PositiveIntegerField(_("households"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        township="grid__village__township",
        village="grid__village",
        grid="grid__code",
        member="number",
        current="grid__version__valid_to",
    )

    class Meta:
        verbose_name = _("member area")
        verbose_name_plural = _("member areas")
        ordering = ["grid__code", "number"]
        constraints = [
            UniqueConstraint(fields=["grid", "number"], name="member_area_number_unique"),
        ]

    @property
    def code(self) -> str:
        return member_code(self.grid.code, self.number)

    def __str__(self) -> str:
        return self.code


class GridAssignment(models.Model):
    """Which grid and member area a household belongs to in one version."""

    version = models.ForeignKey(
        GridVersion,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("version"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        related_name="grid_assignments",
        verbose_name=_("household"),
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("grid")
    )
    member_area = models.ForeignKey(
        MemberArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("member area"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        township="grid__village__township",
        village="grid__village",
        grid="grid__code",
        member="member_area__number",
        current="version__valid_to",
    )

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        indexes = [models.Index(fields=["grid"]), models.Index(fields=["household"])]
        constraints = [
            UniqueConstraint(
                fields=["version", "household"], name="assignment_household_once_per_version"
            ),
        ]


def _runs_over_village(area: Area) -> Q:
    """Runs of the village itself or of its whole township (county runs: county scopes only)."""
    return Q(scope="township", scope_code=area.township_code) | Q(
        scope="village", scope_code=area.village_code
    )


class PartitionRun(models.Model):
    """A partition of a village, township or the county: proposal, diff, application."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        PROPOSED = "proposed", _("proposal ready")
        APPLIED = "applied", _("applied")
        DISCARDED = "discarded", _("discarded")
        FAILED = "failed", _("failed")

    class Scope(models.TextChoices):
        VILLAGE = "village", _("village")
        TOWNSHIP = "township", _("township")
        COUNTY = "county", _("county")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    scope_code = models.CharField(_("scope code"), max_length=12, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(_("message"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    proposal = models.JSONField(_("proposal"), default=dict, blank=True)
    diff = models.JSONField(_("difference to the current grids"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    worker = models.CharField(_("computed by"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # The job queue's job that computes the run (grids/tasks.py), and how many times a worker
    # started computing it (a worker that died is replaced, a few times at most)
    job_id = models.BigIntegerField(_("queue job"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(  # by the code of the village or township partitioned
        township=lambda area: Q(scope_code__startswith=area.township_code),
        village=_runs_over_village,
    )

    class Meta:
        verbose_name = _("partition run")
        verbose_name_plural = _("partition runs")
        ordering = ["-created_at"]

    @cached_property
    def area_name(self) -> str:
        """The name of the village or township partitioned, as people read it (the code
        when it names nothing any more; the county's name for a county run)."""
        if self.scope == self.Scope.COUNTY:
            return settings.COUNTY_NAME
        model = Village if self.scope == self.Scope.VILLAGE else Township
        return (
            model.objects.filter(code=self.scope_code).values_list("name", flat=True).first()
            or self.scope_code
        )


class GridDraft(models.Model):
    """A user's unsubmitted edits of one village's grids (the editor's working copy).

    ``ops`` replays onto ``base_version`` to give ``state``; ``revision`` is the
    optimistic-lock token of the draft itself (two windows of the same user), and
    ``base_version`` the one of the village (two users: the second submit conflicts).
    ``village_signature`` is the digest of the households and groups the draft started
    from (``grids.editing.geometry.village_signature``): when it no longer matches, the
    draft must be updated before it is edited further. ``submit_token`` is the page's
    token of the submit that made ``submitted_version``: a retried submit gets the same
    answer.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SUBMITTED = "submitted", _("submitted")
        DISCARDED = "discarded", _("discarded")

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="grid_drafts", verbose_name=_("village")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="grid_drafts",
        verbose_name=_("user"),
    )
    base_version = models.ForeignKey(
        GridVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on version"),
    )
    base_number = models.PositiveIntegerField(_("based on version number"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    village_signature = models.CharField(_("village data digest"), max_length=32, blank=True)
    submit_token = models.CharField(_("submit token"), max_length=64, blank=True)
    ops = models.JSONField(_("operations"), default=list, blank=True)
    undone = models.JSONField(_("undone operations"), default=list, blank=True)
    state = models.JSONField(_("state"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    submitted_version = models.ForeignKey(
        GridVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted as"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="village__township", village="village")

    class Meta:
        verbose_name = _("grid draft")
        verbose_name_plural = _("grid drafts")
        ordering = ["-updated_at"]
        constraints = [
            UniqueConstraint(
                fields=["village", "user"],
                condition=Q(status="open"),
                name="grid_draft_one_open_per_user_village",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.code} draft {self.pk} ({self.user})"


class GridEditEvent(models.Model):
    """History of the editor: who did what to a village's grids, and when."""

    class Action(models.TextChoices):
        EDIT = "edit", _("edit")
        UNDO = "undo", _("undo")
        REDO = "redo", _("redo")
        SUBMIT = "submit", _("submit")
        CONFLICT = "conflict", _("conflict")
        REBASE = "rebase", _("update to the current version")
        DISCARD = "discard", _("discard")
        REFUSED = "refused", _("refused edit")
        SETTINGS = "settings", _("grid settings changed")

    village = models.ForeignKey(
        Village,
        on_delete=models.CASCADE,
        related_name="grid_edit_events",
        verbose_name=_("village"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    summary = models.CharField(_("what"), max_length=500)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    draft = models.ForeignKey(
        GridDraft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("draft"),
    )
    version = models.ForeignKey(
        GridVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("version"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="village__township", village="village")

    class Meta:
        verbose_name = _("grid edit")
        verbose_name_plural = _("grid edits")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["village", "-at"], name="grid_edit_village_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.summary}"
