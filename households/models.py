"""The county's geography (township -> village -> village group), households and residents."""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.aggregates import Collect
from django.contrib.gis.db.models.functions import IsValid
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db.models import CheckConstraint, F, Q, Subquery, UniqueConstraint
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .codes import GROUP_CODE_LEN, TOWNSHIP_CODE_LEN, VILLAGE_CODE_LEN, code_error
from .scoping import Area, ScopedQuerySet, ScopePaths, Through

SRID = 4326


def _digits(n: int) -> RegexValidator:
    return RegexValidator(rf"^\d{{{n}}}$", format_lazy(_("Enter {n} digits."), n=n))


class Township(models.Model):
    code = models.CharField(_("code"), max_length=9, unique=True, validators=[_digits(9)])
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="pk")

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["code"]
        constraints = [
            CheckConstraint(condition=Q(code__regex=r"^\d{9}$"), name="township_code_9_digits")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Village(models.Model):
    """An administrative village, with the partitioner settings that apply to it."""

    code = models.CharField(_("code"), max_length=12, unique=True, validators=[_digits(12)])
    code_year = models.PositiveSmallIntegerField(
        _("code year"), default=2024, help_text=_("Year of the statistical division code.")
    )
    name = models.CharField(_("name"), max_length=100)
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    boundary = models.MultiPolygonField(
        _("boundary"),
        srid=SRID,
        null=True,
        blank=True,
        help_text=_("Union of the village's groups, kept up to date by the importer."),
    )
    # Partitioner settings (central communities may use larger grids)
    grid_target = models.PositiveSmallIntegerField(_("grid target"), default=50)
    grid_min = models.PositiveSmallIntegerField(_("grid band minimum"), default=40)
    grid_max = models.PositiveSmallIntegerField(_("grid band maximum"), default=60)
    member_target = models.PositiveSmallIntegerField(_("member area target"), default=10)
    member_min = models.PositiveSmallIntegerField(_("member area minimum"), default=8)
    member_max = models.PositiveSmallIntegerField(_("member area maximum"), default=12)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="township", village="pk")

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]
        constraints = [
            CheckConstraint(condition=Q(code__regex=r"^\d{12}$"), name="village_code_12_digits"),
            CheckConstraint(
                condition=Q(grid_min__lte=F("grid_target")) & Q(grid_target__lte=F("grid_max")),
                name="village_grid_band_contains_target",
            ),
            CheckConstraint(
                condition=Q(member_min__lte=F("member_target"))
                & Q(member_target__lte=F("member_max")),
                name="village_member_band_contains_target",
            ),
            CheckConstraint(
                condition=Q(boundary__isnull=True) | IsValid("boundary"),
                name="village_boundary_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        if self.township_id:
            message = code_error(
                "code", self.code, VILLAGE_CODE_LEN, self.township.code[:TOWNSHIP_CODE_LEN]
            )
            if message:
                raise ValidationError({"code": message})
        if not self.grid_min <= self.grid_target <= self.grid_max:
            raise ValidationError(_("The grid band must contain the grid target."))
        if not self.member_min <= self.member_target <= self.member_max:
            raise ValidationError(_("The member band must contain the member target."))


class VillageGroup(models.Model):
    """村民小组: the basic unit grids are built on."""

    code = models.CharField(
        _("code"), max_length=14, null=True, blank=True, unique=True, validators=[_digits(14)]
    )
    name = models.CharField(_("name"), max_length=100)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="groups", verbose_name=_("village")
    )
    geom = models.MultiPolygonField(_("boundary"), srid=SRID)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="village__township", village="village")

    class Meta:
        verbose_name = _("village group")
        verbose_name_plural = _("village groups")
        ordering = ["village__code", "code", "name"]
        constraints = [
            CheckConstraint(
                condition=Q(code__isnull=True) | Q(code__regex=r"^\d{14}$"),
                name="group_code_14_digits",
            ),
            CheckConstraint(condition=IsValid("geom"), name="group_geom_valid"),
            UniqueConstraint(fields=["village", "name"], name="group_name_unique_in_village"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}{self.name}"

    def clean(self) -> None:
        if self.code and self.village_id:
            message = code_error("code", self.code, GROUP_CODE_LEN, self.village.code)
            if message:
                raise ValidationError({"code": message})


def _households_of_township(area: Area) -> Q:
    """A township's households: those of its groups, and those outside every group that lie
    within its villages' extent (its staff see them on the map and fix the groups)."""
    villages = Village.objects.filter(township_id=area.township_id, boundary__isnull=False)
    extent = villages.values("township_id").annotate(all=Collect("boundary")).values("all")
    return Q(group__village__township_id=area.township_id) | Q(
        group__isnull=True, location__bboverlaps=Subquery(extent)
    )


class Household(models.Model):
    external_id = models.CharField(_("household id"), max_length=64)
    head = models.CharField(_("head of household"), max_length=100, blank=True)
    members = models.PositiveSmallIntegerField(
        _("members"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    location = models.PointField(_("location"), srid=SRID)
    group = models.ForeignKey(
        VillageGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("village group"),
    )
    location_note = models.CharField(
        _("location note"),
        max_length=200,
        blank=True,
        help_text=_("Why the household was snapped to a group or left without one."),
    )
    # tags
    party_member_household = models.BooleanField(_("party-member household"), default=False)
    dibao = models.BooleanField(_("subsistence allowance (低保)"), default=False)
    wubao = models.BooleanField(_("five guarantees (五保)"), default=False)
    poverty_monitoring = models.BooleanField(_("lifted from poverty / monitored"), default=False)
    left_behind_children = models.BooleanField(_("left-behind children"), default=False)
    elderly_alone = models.BooleanField(_("elderly living alone"), default=False)
    disabled = models.BooleanField(_("disabled"), default=False)
    veteran = models.BooleanField(_("veteran"), default=False)
    civility_points = models.IntegerField(_("civility points"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    TAG_FIELDS = (
        "party_member_household",
        "dibao",
        "wubao",
        "poverty_monitoring",
        "left_behind_children",
        "elderly_alone",
        "disabled",
        "veteran",
    )
    SENSITIVE_TAGS = ("dibao", "poverty_monitoring", "disabled", "left_behind_children")

    objects = ScopedQuerySet.as_manager()
    # grids and member areas: through the household's assignment of the current version
    scope_paths = ScopePaths(
        township=_households_of_township,
        village="group__village",
        grid=Through("grid_assignments"),
        member=Through("grid_assignments"),
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["external_id"]
        constraints = [
            # a constraint, not unique=True: no extra varchar_pattern_ops index to maintain
            UniqueConstraint(fields=["external_id"], name="household_external_id_unique"),
            CheckConstraint(condition=IsValid("location"), name="household_location_valid"),
            CheckConstraint(condition=Q(members__gte=1), name="household_members_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.head or '—'}（{self.external_id}）"


class Person(models.Model):
    """A resident: the pool grid leaders and members are chosen from."""

    class PartyMember(models.TextChoices):
        NONE = "", _("not a party member")
        FULL = "full", _("full party member")
        PROBATIONARY = "probationary", _("probationary party member")

    name = models.CharField(_("name"), max_length=100)
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="persons", verbose_name=_("household")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    party_member = models.CharField(
        _("party member"), max_length=12, choices=PartyMember.choices, blank=True, default=""
    )
    group_leader = models.BooleanField(_("group leader"), default=False)
    womens_group_leader = models.BooleanField(_("women's group leader"), default=False)
    five_elders = models.BooleanField(_("five elders (五老)"), default=False)
    villagers_representative = models.BooleanField(_("villagers' representative"), default=False)
    capable_villager = models.BooleanField(_("capable villager"), default=False)

    ROLE_FIELDS = (
        "group_leader",
        "womens_group_leader",
        "five_elders",
        "villagers_representative",
        "capable_villager",
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths.through("household")

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household__external_id", "name"]
        constraints = [
            UniqueConstraint(fields=["household", "name"], name="person_unique_in_household")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COUNTY = "county", _("county staff")
    TOWNSHIP = "township", _("township staff")
    VILLAGE = "village", _("village cadre")
    GRID_LEADER = "grid_leader", _("grid leader")
    GRID_MEMBER = "grid_member", _("grid member")
    ADMIN = "admin", _("system administrator")


class UserArea(models.Model):
    """The role of a user and the area it is bound to: every page and API is scoped by it.

    Grid leaders and members are bound to a grid *code* (and member-area number): codes
    persist across dated grid versions, so an appointment survives a re-partition.
    """

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="area", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("township")
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("village")
    )
    grid_code = models.CharField(_("grid code"), max_length=15, blank=True)
    member_number = models.PositiveSmallIntegerField(_("member area number"), null=True, blank=True)
    person = models.OneToOneField(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user_area",
        verbose_name=_("resident"),
    )
    # staff accounts (households.accounts): a contact number, shown masked; a password
    # issued by someone else must be changed at the next login (gis.middleware)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    post_ended_at = models.DateTimeField(
        _("post ended"),
        null=True,
        blank=True,
        help_text=_("Disabled because the post ended (grids.appointments); a new post enables it."),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        township=lambda area: (
            Q(township_id=area.township_id) | Q(village__township_id=area.township_id)
        ),
        village="village",
        grid="grid_code",
        member="member_number",
    )

    class Meta:
        verbose_name = _("user role and area")
        verbose_name_plural = _("user roles and areas")
        constraints = [
            CheckConstraint(
                condition=~Q(role="township") | Q(township__isnull=False),
                name="userarea_township_role_has_township",
            ),
            CheckConstraint(
                condition=~Q(role__in=["village", "grid_leader", "grid_member"])
                | Q(village__isnull=False),
                name="userarea_village_roles_have_village",
            ),
            CheckConstraint(
                condition=~Q(role__in=["grid_leader", "grid_member"]) | ~Q(grid_code=""),
                name="userarea_grid_roles_have_grid",
            ),
            CheckConstraint(
                condition=~Q(role="grid_member") | Q(member_number__isnull=False),
                name="userarea_member_has_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class AccessLog(models.Model):
    """Who saw or exported unmasked personal data, when, which households, from where."""

    # accounts are disabled, never deleted, while the log names them (households.accounts)
    user = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, verbose_name=_("user")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        PHOTO = "photo", _("visit photo")
        EXPORT = "export", _("exported")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    path = models.CharField(_("page"), max_length=300)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    household_ids = models.JSONField(_("households"), default=list)
    # An export is logged by what it selected (``path``: the filter) and how many households,
    # not by listing every id
    count = models.PositiveIntegerField(_("how many"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(county_only=True)  # read by county staff: every area's households

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]


class ImportRun(models.Model):
    """A confirmed import of a large upload, computed on the job queue (households/tasks.py).

    ``token`` names the upload's folder under IMPORT_UPLOAD_DIR, whose file is deleted once
    the import has run; the run itself goes IMPORT_UPLOAD_MAX_HOURS later (its report can
    quote ID numbers and phones). Only the user who uploaded the file sees it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        REJECTED = "rejected", _("rejected")
        FAILED = "failed", _("failed")

    token = models.CharField(_("upload"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=12)
    source = models.CharField(_("file"), max_length=255)
    options = models.JSONField(_("options"), default=dict, blank=True)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, verbose_name=_("user"))
    township = models.ForeignKey(
        Township, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("township")
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    job_id = models.BigIntegerField(_("queue job"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    objects = ScopedQuerySet.as_manager()
    # the township imported into (none: a groups file that creates townships, county-wide);
    # on top of its area, only the user who uploaded the file sees a run
    scope_paths = ScopePaths(township="township")

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_status_display()})"


from households.accounts.models import AccountEvent  # noqa: E402, F401 - a model of this app
