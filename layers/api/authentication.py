"""DRF authentication by personal API token: ``Authorization: Token <key>`` (or ``Bearer``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from households.privacy import client_ip

from .tokens import TokenError, token_authenticate

KEYWORDS = ("token", "bearer")
ERR_HEADER = _("Malformed Authorization header: expected 'Token <key>'.")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """The user of a valid, unrevoked token; a request without such a header is left to the
    other authentications (the session)."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(ERR_HEADER)
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(ERR_HEADER) from exc
        try:
            token = token_authenticate(key, client_ip(request))
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'  # so that an unauthenticated request gets 401, not 403
