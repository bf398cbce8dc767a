"""Issuing, checking and revoking personal API tokens (the writes are services)."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.access import scope_for

from .models import ApiToken

KEY_PREFIX = "ggt_"  # "grid GIS token": recognisable in a config file or a leaked paste
KEY_BYTES = 32  # 256 random bits (secrets.token_urlsafe: 43 characters)
SHOWN = 12  # characters of the key kept to name it in lists (the prefix and 8 more)
# Last use is written at most once a minute per token: a GDAL client reading a layer page
# by page makes dozens of requests a second, each would otherwise write the row.
LAST_USE_EVERY = timedelta(minutes=1)

ERR_UNKNOWN = _("This API token is not valid.")
ERR_REVOKED = _("This API token was revoked.")
ERR_INACTIVE = _("The user of this API token is inactive.")
ERR_NO_USER = _("There is no user %(username)s.")
ERR_NO_ROLE = _("User %(username)s has no role and area: a token would see nothing.")


class TokenError(Exception):
    """A key that authenticates nobody: unknown, revoked, or its user inactive."""


class TokenRevoked(TokenError):
    pass


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_user_get(username: str):
    """The active user a token may be issued to; ValueError naming the problem."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValueError(ERR_NO_USER % {"username": username})
    if not scope_for(user).level:
        raise ValueError(ERR_NO_ROLE % {"username": username})
    return user


@transaction.atomic
def token_issue(*, user, name: str, issued_by) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its key (shown once, never stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:SHOWN], digest=digest_of(key), created_by=issued_by
    )
    return token, key


@transaction.atomic
def token_revoke(token: ApiToken, *, revoked_by) -> ApiToken:
    """Revoke at once (a token already revoked keeps its first revocation)."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=revoked_by
    )
    if updated:
        token.refresh_from_db()
    return token


def token_authenticate(key: str, ip: str | None = None) -> ApiToken:
    """The token of ``key`` with its user; TokenError if it authenticates nobody. Records the
    last use (at most once a minute)."""
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()
    if token is None:
        raise TokenError(ERR_UNKNOWN)
    if token.revoked_at is not None:
        raise TokenRevoked(ERR_REVOKED)
    if not token.user.is_active:
        raise TokenError(ERR_INACTIVE)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    return token
