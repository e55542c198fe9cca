"""Scaling out the database: reports read from a replica, and the app runs behind PgBouncer
in transaction mode. Both are tried in a process of their own, configured by environment
variables as production is, against this run's test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

from tests import services
from tests.factories import ProspectFactory
from tests.services import pgbouncer

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]

REPLICA_SCRIPT = """
import json
from django.db import connections
from django.test.utils import CaptureQueriesContext
from empathy_crm.db import reports_from_replica
from people.models import Team

with CaptureQueriesContext(connections["default"]) as primary, \\
     CaptureQueriesContext(connections["replica"]) as replica:
    with reports_from_replica():
        Team.objects.create(name="Written inside a report")
        inside = Team.objects.filter(name="Written inside a report").count()
    outside = Team.objects.count()
print(json.dumps({
    "primary": [q["sql"].split()[0] for q in primary.captured_queries],
    "replica": [q["sql"].split()[0] for q in replica.captured_queries],
    "inside": inside, "outside": outside,
}))
"""

POOLED_SCRIPT = """
import json
from django.db import transaction
from prospects.models import Prospect
from people.models import Team

names = [p.last_name for p in Prospect.objects.order_by("pk").iterator(chunk_size=2)]
with transaction.atomic():
    Team.objects.create(name="Through the pool")
# the same query again and again: psycopg would prepare it after five runs
counts = [Prospect.objects.filter(last_name__startswith="P").count() for _ in range(10)]
print(json.dumps({"names": names, "teams": Team.objects.filter(name="Through the pool").count(),
                  "counts": counts}))
"""


def run_django(script: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env={**clean, "DEBUG": "1", **env}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_reports_read_from_the_replica_and_everything_else_from_the_primary(db):
    url = services.test_database_url()
    result = run_django(REPLICA_SCRIPT, DATABASE_URL=url, DATABASE_REPLICA_URL=url)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["replica"] == ["SELECT"], "the report's read, and only it"
    assert "INSERT" in seen["primary"] and seen["primary"][-1] == "SELECT"
    assert (seen["inside"], seen["outside"]) == (1, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PgBouncer pools PostgreSQL")
def test_the_app_runs_behind_pgbouncer_in_transaction_mode():
    ProspectFactory(last_name="Pearson")
    ProspectFactory(last_name="Price")
    ProspectFactory(last_name="Quinn")
    with pgbouncer() as port:
        url = (
            urlsplit(services.test_database_url())
            ._replace(netloc=f"postgres@127.0.0.1:{port}")
            .geturl()
        )
        plain = run_django(POOLED_SCRIPT, DATABASE_URL=url)
        pooled = run_django(POOLED_SCRIPT, DATABASE_URL=url, DATABASE_POOL_MODE="transaction")
    # Without the setting the app's connection options are refused at the door.
    assert plain.returncode != 0 and "unsupported startup parameter" in plain.stderr
    assert pooled.returncode == 0, pooled.stderr
    seen = json.loads(pooled.stdout.strip().splitlines()[-1])
    assert seen["names"] == ["Pearson", "Price", "Quinn"]
    assert seen["teams"] == 1 and seen["counts"] == [2] * 10
