"""Assessment of grid leaders and members (平时考核与年终评优).

A county rule set (weights, tiers, subsidies) applies to the periods starting on or after
its date. A run computes one township's draft for one period (month, quarter, year); scores
are derived rows, recomputed from the recorded data plus two ledgers that survive a
recompute: manual indicators and score changes (adjustments before publishing, corrections
after). A locked year changes no more.
"""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint
from django.utils.translation import gettext_lazy as _

from households.models import Person, Township, Village
from households.scoping import ScopedQuerySet, ScopePaths

# indicator key -> label; the order of the ranked table and the XLSX
INDICATORS = {
    "coverage": _("households visited / looked after"),
    "visits_per_household": _("visits per household"),
    "reported": _("incidents reported"),
    "on_time_rate": _("handled on time"),
    "sent_back": _("sent back"),
    "rating": _("mean resident rating"),
    "days_in_post": _("days in post"),
}
TIERS = {
    "excellent": _("excellent (优秀)"),
    "pass": _("pass (合格)"),
    "basic": _("basic pass (基本合格)"),
    "fail": _("fail (不合格)"),
}


class RuleSet(models.Model):
    """The county's scoring rule: weights per indicator, tiers with thresholds and subsidy."""

    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("applies to periods starting on or after"), unique=True)
    weight_total = models.PositiveSmallIntegerField(_("declared total of the weights"), default=100)
    weights = models.JSONField(_("weights"), default=dict)
    # targets that make counts a 0-1 score: visits per household and incidents reported a year
    targets = models.JSONField(_("yearly targets"), default=dict)
    tiers = models.JSONField(_("tiers"), default=list)  # [{tier, min, max, subsidy}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(county_only=True)  # county staff write it; runs show their own

    class Meta:
        verbose_name = _("assessment rule set")
        verbose_name_plural = _("assessment rule sets")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from})"


class Run(models.Model):
    """One township's assessment for one period: queued, computed as a draft, published."""

    class Kind(models.TextChoices):
        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        YEAR = "year", _("year")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("computing")
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("township")
    )
    kind = models.CharField(_("period"), max_length=8, choices=Kind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (exclusive)"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rule_set = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, null=True, related_name="runs", verbose_name=_("rule")
    )
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="township")

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-starts_on", "township__code"]
        constraints = [
            UniqueConstraint(
                fields=["township", "kind", "starts_on"], name="assessment_run_one_per_period"
            ),
            CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="run_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.township.name} {self.label}"

    @property
    def label(self) -> str:
        d = self.starts_on
        if self.kind == self.Kind.YEAR:
            return f"{d.year}"
        if self.kind == self.Kind.QUARTER:
            return f"{d.year} Q{(d.month - 1) // 3 + 1}"
        return f"{d:%Y-%m}"


class YearLock(models.Model):
    """County staff lock a year: its results no longer change, not even by a correction."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    locked_at = models.DateTimeField(_("locked"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(county_only=True)

    class Meta:
        verbose_name = _("locked year")
        verbose_name_plural = _("locked years")

    def __str__(self) -> str:
        return str(self.year)


class Score(models.Model):
    """A person's result in a run: indicators, weighted score, manual points, changes, tier."""

    class Post(models.TextChoices):
        LEADER = "leader", _("grid leader")
        MEMBER = "member", _("grid member")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="scores")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    post = models.CharField(_("post"), max_length=8, choices=Post.choices)
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    grid_code = models.CharField(_("grid code"), max_length=15)
    member_number = models.PositiveSmallIntegerField(null=True, blank=True)
    indicators = models.JSONField(_("indicators"), default=dict)
    base = models.FloatField(_("computed score"))
    manual = models.FloatField(_("manual points"), default=0)
    adjustment = models.FloatField(_("adjustments"), default=0)
    final = models.FloatField(_("score"))
    tier = models.CharField(_("tier"), max_length=10, choices=list(TIERS.items()))
    subsidy = models.DecimalField(_("subsidy"), max_digits=9, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(
        township="run__township", village="village", grid="grid_code", member="member_number"
    )

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        ordering = ["run", "rank"]
        constraints = [
            UniqueConstraint(fields=["run", "person"], name="assessment_score_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.person} · {self.final}"


class ManualIndicator(models.Model):
    """Points township staff add for what the system cannot see (meetings, a commendation)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="manual_indicators")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("indicator"), max_length=50)
    points = models.FloatField(_("points"))
    note = models.CharField(_("note"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="run__township")

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.label} {self.points:+g}"


class ScoreChange(models.Model):
    """A logged change of a person's score: an adjustment of a draft or a correction of a
    published result, with its reason and what the score was before and after."""

    class Kind(models.TextChoices):
        ADJUST = "adjust", _("adjustment")
        CORRECT = "correct", _("correction")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="changes")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    delta = models.FloatField(_("points"))
    before = models.FloatField(_("before"))
    after = models.FloatField(_("after"))
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="run__township")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delta:+g}: {self.reason}"
