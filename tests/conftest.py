"""Shared test setup.

Real parts: the suite runs on whatever ``DATABASE_URL`` and ``CELERY_BROKER_URL`` point at
(PostgreSQL and Redis in CI). Tests that need PostgreSQL, Redis, a worker or Chromium skip
with a reason on a laptop without them; ``.ci/run`` sets ``EMPATHY_REQUIRE_REAL_SERVICES=1``,
which turns every skip into a failure so CI always exercises the real parts.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection

from concierge import events as concierge_events
from empathy_crm.access import Role
from tests.factories import ProspectFactory, TeamFactory, make_admin, make_manager, make_rep

# Playwright's sync API runs an event loop in the test thread; Django's ORM guard would
# otherwise refuse the test's own database calls made between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

STRICT = os.environ.get("EMPATHY_REQUIRE_REAL_SERVICES", "") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"skipped in CI, where real services are required "
            f"(EMPATHY_REQUIRE_REAL_SERVICES=1): {reason}"
        )


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections_at_teardown(django_db_setup, django_db_blocker):
    """Worker processes and the live server may leave a PostgreSQL session behind for a
    moment; close them so the test database can be dropped cleanly."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


# Every test starts at one ordinary moment, and the clock ticks on from there: Wednesday
# 18 November 2026, 10:30 UTC (11:30 in Berlin, 05:30 in New York). So the suite gives the
# same answer at any hour of any day; tests about time move the clock themselves (``clock``).
# EMPATHY_TEST_NOW=2026-11-22T02:07:00+01:00 runs the suite at another moment, to find a test
# that only passes at some hours. Tests with real worker processes keep the real clock: the
# workers cannot share a frozen one.
TEST_NOW = datetime.fromisoformat(os.environ.get("EMPATHY_TEST_NOW") or "2026-11-18T10:30:00+00:00")


@pytest.fixture(autouse=True)
def clock(request):
    """The test's clock, started at ``TEST_NOW`` and ticking; ``clock.move_to(moment)``."""
    if request.node.get_closest_marker("worker"):
        yield None
        return
    with time_machine.travel(TEST_NOW.astimezone(UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _settings_the_tests_assume(settings):
    """The documented defaults, whatever WORKING_HOURS, WORKING_DAYS or DIGEST_HOUR the
    machine's environment sets (the worker processes get the same, tests/services.py)."""
    settings.CONCIERGE_WORKING_HOURS = (9, 17)
    settings.CONCIERGE_WORKING_DAYS = (0, 1, 2, 3, 4)
    settings.DIGEST_HOUR = 8


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, as its database starts empty (sessions are
    cached; with CACHE_URL set the cache is a real Redis shared across tests), and the
    process forgets which events it expanded (ids come back when a test's rows roll back)."""
    cache.clear()
    concierge_events.forget_expanded()


@pytest.fixture
def session_queries(settings) -> int:
    """Queries a signed-in request spends on its session: none when sessions come from the
    Redis cache (CACHE_URL, as in CI and production), one from the database otherwise."""
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


@pytest.fixture
def count_queries() -> int:
    """Queries a big list in Django admin spends on counting its rows
    (``EstimatedCountPaginator``): on PostgreSQL the planner's estimate, then, below 10,000
    rows (as in every test), the exact count; elsewhere the count alone."""
    return 2 if connection.vendor == "postgresql" else 1


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db):
    return TeamFactory(name="Helpers")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Elsewhere")


@pytest.fixture
def rep(team):
    return make_rep(team, username="rep")


@pytest.fixture
def teammate(team):
    return make_rep(team, username="teammate")


@pytest.fixture
def manager(team):
    return make_manager(team, username="manager")


@pytest.fixture
def admin_user(db):
    return make_admin(username="boss", is_staff=True)


@pytest.fixture
def superuser(db):
    """Who uses Django admin: staff, with every permission."""
    return make_admin(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(other_team):
    return make_rep(other_team, username="outsider")


@pytest.fixture
def other_manager(other_team):
    return make_manager(other_team, username="othermanager")


@pytest.fixture
def users_by_role(rep, manager, admin_user):
    return {Role.REP: rep, Role.MANAGER: manager, Role.ADMIN: admin_user}


@pytest.fixture
def own_prospect(rep):
    return ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield")


@pytest.fixture
def teammates_prospect(teammate):
    return ProspectFactory(owner=teammate, first_name="Marcus", last_name="Oyelaran")


@pytest.fixture
def outside_prospect(outsider):
    return ProspectFactory(owner=outsider, first_name="Olga", last_name="Outside")
