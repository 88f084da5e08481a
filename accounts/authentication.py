"""API token authentication: `Authorization: Bearer <key>` (or `Token <key>`), looked up by its hash."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken
from .services import api_token_record_use

KEYWORDS = {b"bearer", b"token"}


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token as “Authorization: Bearer <token>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = (
            ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        api_token_record_use(token=token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with this challenge) rather than 403 when no credentials were given.
        return 'Bearer realm="api"'
