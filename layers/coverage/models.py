"""A grid's party group (党小组) and its leader, as township staff record them: dated, so
that the dashboard can tell since when a qualifying grid has one."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import CheckConstraint, F, Q, UniqueConstraint
from django.utils.translation import gettext_lazy as _

from households.models import Person, Village
from households.scoping import ScopedQuerySet, ScopePaths

# A grid qualifies for a party group with at least three party members living in it
# (the county plan: 党员3人以上的网格建立党小组).
PARTY_GROUP_MIN_MEMBERS = 3


class PartyGroup(models.Model):
    """One period of a grid's party group: set up on a date, dissolved (or replaced by a
    new record, e.g. a new leader) on a later one. The open record has no ``ended_on``.

    Grids are named by code within their village (codes persist across grid versions), so
    a party group survives a redraw of the grids."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    grid_code = models.CharField(_("grid code"), max_length=15)
    leader = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("party group leader"),
    )
    started_on = models.DateField(_("set up on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(township="village__township", village="village", grid="grid_code")

    class Meta:
        verbose_name = _("grid party group")
        verbose_name_plural = _("grid party groups")
        ordering = ["grid_code", "-started_on"]
        constraints = [
            UniqueConstraint(
                fields=["village", "grid_code"],
                condition=Q(ended_on__isnull=True),
                name="party_group_one_open_per_grid",
            ),
            CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="party_group_dates_ordered",
            ),
            CheckConstraint(condition=Q(grid_code__regex=r"^\d{15}$"), name="party_group_grid_15"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_code} {self.started_on}"
