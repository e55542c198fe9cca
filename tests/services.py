"""Helpers for tests that use real services: a Celery worker process, Redis, Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def test_database_url() -> str:
    """A URL for the database this test run created, for worker processes to share."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgresql://{auth}@{host}/{db['NAME']}"


def broker_reachable() -> bool:
    from empathy_crm.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return False
    return True


def require_broker() -> None:
    if not broker_reachable():
        pytest.skip(f"the Celery broker at {settings.CELERY_BROKER_URL} is not reachable")


def purge_queue() -> None:
    from empathy_crm.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare("celery", durable=True)
        conn.default_channel.queue_purge("celery")


def wait_for(condition: Callable[[], object], *, timeout: float = 30, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")


@contextmanager
def celery_worker(name: str = "test", concurrency: int = 1) -> Iterator[subprocess.Popen]:
    """Start a real ``celery worker`` process on the configured broker and test database."""
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "empathy_crm.settings",
        # The settings the tests assume (tests/conftest.py), whatever the machine sets.
        "WORKING_HOURS": "9-17",
        "WORKING_DAYS": "mon,tue,wed,thu,fri",
        "DIGEST_HOUR": "8",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "empathy_crm", "worker",
        "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork",
        f"--hostname={name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    log = open(Path(settings.VAR_DIR) / f"worker-{name}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def require_chromium() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (CI installs it)")
    return CHROMIUM


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children at once, as a crash or OOM kill would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


def reset_broker_connections() -> None:
    """Forget cached broker connections so the next publish connects to the current URL."""
    from empathy_crm.celery import app

    app.__dict__.pop("pool", None)
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """Publish to an address where no broker listens: real connection failures."""
    from empathy_crm.celery import app

    original = app.conf.broker_url, app.conf.broker_write_url
    reset_broker_connections()
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        yield
    finally:
        reset_broker_connections()
        app.conf.broker_url, app.conf.broker_write_url = original
