"""``Authorization: Bearer <personal access token>``: the token acts as its user."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiToken, token_hash
from people.backends import user_with_role

MAX_TOKEN_LENGTH = 200


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw or len(raw) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed(
                "Send your personal access token as “Authorization: Bearer <token>”."
            )
        token = ApiToken.objects.filter(key_hash=token_hash(raw)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token is unknown or was revoked.")
        user = user_with_role(token.user_id)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("This token's user is deactivated.")
        token.touch()
        if user.timezone:
            try:
                timezone.activate(user.timezone)  # read and shown as in the app
            except ValueError:
                timezone.deactivate()
        return user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names the scheme: an HTTP bearer token."""

    target_class = "api.auth.PersonalTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal access token "
                "(Account → API tokens)."}  # fmt: skip
