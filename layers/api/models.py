"""Personal API tokens: issued and revoked by county staff, hashed at rest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from households.scoping import ScopedQuerySet, ScopePaths


class ApiToken(models.Model):
    """A key that authenticates a program as ``user`` (its scope is the user's scope).

    Only the SHA-256 digest of the key is stored: the key is shown once, when it is issued.
    A key is 256 random bits (``layers.api.tokens``), so a fast hash is enough (nobody can
    guess one to test against the digest); ``prefix`` names it in lists.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("what it is for"), max_length=100)
    prefix = models.CharField(_("key begins"), max_length=12)
    digest = models.CharField(_("key digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ScopePaths(county_only=True)  # listed and revoked by county staff

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
