"""CI must run on the real parts; these skip on a laptop and fail in CI if they are missing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from tests.services import require_broker


def test_suite_runs_on_postgresql_when_configured(db):
    if connection.vendor != "postgresql":
        pytest.skip("running on SQLite: set DATABASE_URL to a PostgreSQL database")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]
        cursor.execute("SHOW jit")  # page queries never wait for JIT compilation
        assert cursor.fetchone()[0] == "off"


def test_celery_broker_is_redis_when_configured():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("the broker is not Redis: set CELERY_BROKER_URL=redis://…")
    require_broker()


def test_sessions_live_in_redis_when_configured(client, rep):
    """With CACHE_URL set, a signed-in session is read from Redis, and one Redis client per
    connection pool serves every call."""
    from django.core.cache import caches

    from empathy_crm.cache import RedisCache

    cache = caches["default"]

    if not isinstance(cache, RedisCache):
        pytest.skip("the cache is not Redis: set CACHE_URL=redis://…")
    client.force_login(rep)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert cache.get(f"django.contrib.sessions.cached_db{session_key}") is not None
    assert cache._cache.get_client() is cache._cache.get_client()
    assert client.get("/").status_code == 200
