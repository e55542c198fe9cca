"""Limits per client address or per target, counted in the shared cache (Redis with
``CACHE_URL``, so every web process counts together), and the client's address itself."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The address of whoever sent the request.

    With no proxy in front (``TRUSTED_PROXY_COUNT=0``) that is the connection's address.
    Behind N proxies, each appends the address it saw to ``X-Forwarded-For``, so the client's
    is the Nth from the right; anything left of it was written by the client and is ignored.
    Also django-axes' address (``AXES_CLIENT_IP_CALLABLE``), so sign-in locks and throttles
    agree on who is who.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < count:
        return remote  # not through the proxies (a health check inside the network, say)
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


def allow(scope: str, key: str, *, limit: int, seconds: int) -> bool:
    """Count one more request for ``key`` in ``scope``; False once more than ``limit`` were
    counted within ``seconds`` of the first. Keys are hashed: no address or email is kept."""
    name = f"throttle:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(name, 0, timeout=seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between the two calls: a new period begins
        cache.add(name, 1, timeout=seconds)
        count = 1
    return count <= limit
