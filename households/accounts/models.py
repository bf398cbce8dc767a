"""Every change to a staff account: who made it, when, what changed (before and after).

Passwords are never recorded (only that one was issued or changed); phones are recorded
masked. Accounts are disabled, never deleted, so the record and the access log keep naming
them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households.scoping import ScopedQuerySet, ScopePaths


def _events_of_township(area) -> Q:
    """Events of the accounts bound to the township or to one of its villages."""
    return Q(account__area__township_id=area.township_id) | Q(
        account__area__village__township_id=area.township_id
    )


class AccountEvent(models.Model):
    class Action(models.TextChoices):  # "account": the words have other senses elsewhere
        CREATED = "created", pgettext_lazy("account", "created")
        CHANGED = "changed", pgettext_lazy("account", "changed")
        DISABLED = "disabled", pgettext_lazy("account", "disabled")
        ENABLED = "enabled", pgettext_lazy("account", "enabled")
        PASSWORD_ISSUED = "password_issued", _("one-time password issued")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        POST_ENDED = "post_ended", _("post ended, disabled")
        POST_BOUND = "post_bound", _("bound to a post")
        RENAMED = "renamed", pgettext_lazy("account", "renamed")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="account_events",
        verbose_name=_("account"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty: the command line, a migration or the appointments of a grid."),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # field -> [before, after]

    objects = ScopedQuerySet.as_manager()
    # where the account is bound now (households.UserArea declares the same levels)
    scope_paths = ScopePaths(
        township=_events_of_township,
        village="account__area__village",
        grid="account__area__grid_code",
        member="account__area__member_number",
    )

    class Meta:
        app_label = "households"
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.account} · {self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"
