"""Helpers for tests that use real services: a Celery worker process, Redis, Chromium."""

from __future__ import annotations

import asyncio
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


def worker_log(name: str) -> str:
    """What the worker started as ``celery_worker(name)`` has logged so far."""
    return (Path(settings.VAR_DIR) / f"worker-{name}.log").read_text()


def wait_for_tasks(worker: str, *results, timeout: float = 60) -> None:
    """Wait until the worker ``worker`` has finished each of these sent tasks (its log says
    so by task id), so nothing it was given is still running when the test looks."""

    def finished() -> bool:
        log = worker_log(worker)
        for result in results:
            if f"[{result.id}] raised" in log:
                raise AssertionError(f"task {result.id} failed in worker {worker}: see its log")
        return all(f"[{result.id}] succeeded" in log for result in results)

    wait_for(finished, timeout=timeout, what=f"worker {worker} to finish {len(results)} task(s)")


@contextmanager
def celery_worker(
    name: str = "test", concurrency: int = 1, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """Start a real ``celery worker`` process on the configured broker and test database;
    ``env`` adds or overrides variables (another broker, an SMTP server, settings)."""
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "empathy_crm.settings",
        # The settings the tests assume (tests/conftest.py), whatever the machine sets.
        "WORKING_HOURS": "9-17",
        "WORKING_DAYS": "mon,tue,wed,thu,fri",
        "DIGEST_HOUR": "8",
        **(env or {}),
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A ``redis-server`` of the test's own on a free port, to stop and start again at will
    (the shared Redis is never touched). No persistence: a restart starts empty."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            pytest.skip("no redis-server on PATH: apt-get install redis-server (CI has it)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        """Gone at once, as a crashed or stopped broker is."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
        except redis.ConnectionError:
            return False


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Delivery:
    message_id: str
    to: list[str]
    body: str
    accepted: bool = False


class SmtpSink:
    """A local SMTP server (aiosmtpd) that keeps every message sent to it.

    With ``hold_first`` it takes the first message's data and then does not answer until
    ``release()``: a sender killed meanwhile dies in the middle of sending, deterministically.
    The held message is then refused (451, try again later), so only a repeat delivers it.
    """

    def __init__(self, *, hold_first: bool = False) -> None:
        self.port = free_port()
        self.hold_first = hold_first
        self.attempts: list[Delivery] = []  # every message whose data arrived
        self.first_arrived = threading.Event()
        self._released = threading.Event()

    @property
    def accepted(self) -> list[Delivery]:
        return [d for d in self.attempts if d.accepted]

    @property
    def worker_env(self) -> dict[str, str]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
        }

    def release(self) -> None:
        self._released.set()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        delivery = Delivery(
            message_id=message["Message-ID"],
            to=list(envelope.rcpt_tos),
            body=message.get_payload(decode=True).decode().replace("\r\n", "\n"),
        )
        held = self.hold_first and not self.attempts
        self.attempts.append(delivery)
        if held:
            self.first_arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self._released.wait, 120)
            return "451 4.3.0 Try again later"
        delivery.accepted = True
        return "250 2.0.0 Message accepted for delivery"


@contextmanager
def smtp_sink(*, hold_first: bool = False) -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink(hold_first=hold_first)
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        sink.release()
        controller.stop()


@contextmanager
def pgbouncer(*, pool_mode: str = "transaction") -> Iterator[int]:
    """A PgBouncer of the test's own in front of the test's PostgreSQL, on a free port;
    yields the port. It refuses to run as root, so as root it runs as ``postgres``, with
    its files in a folder that user can reach (pytest's own are private to root)."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        pytest.skip("no pgbouncer: apt-get install pgbouncer (CI has it)")
    db = connection.settings_dict
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    (folder / "users.txt").write_text(f'"{db["USER"] or "postgres"}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        f"pool_mode = {pool_mode}\ndefault_pool_size = 2\nmax_client_conn = 50\n"
        f"logfile = {folder / 'pgbouncer.log'}\npidfile = {folder / 'pgbouncer.pid'}\n"
    )
    folder.chmod(0o777)
    for path in folder.iterdir():
        path.chmod(0o666)
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def answers() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_for(answers, timeout=10, what=f"pgbouncer on port {port}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
