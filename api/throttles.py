from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token, counted in the cache (Redis with CACHE_URL: every process)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        ident = f"token:{token.pk}" if token is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
