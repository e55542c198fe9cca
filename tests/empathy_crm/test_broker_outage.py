"""A broker outage delays work; it never ends a worker. The test's own redis-server is
stopped and started again under real worker processes (the shared Redis is never touched)."""

from __future__ import annotations

import re

import pytest

from empathy_crm.celery import app
from empathy_crm.models import WorkerHeartbeat
from empathy_crm.tasks import heartbeat
from tests.services import RedisServer, celery_worker, redis_server, wait_for, worker_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def heartbeat_through(broker: RedisServer) -> None:
    with app.connection_for_write(broker.url) as connection:
        heartbeat.apply_async(connection=connection)


def failed_reconnects(name: str) -> int:
    return worker_log(name).count("Trying again in")


def test_a_worker_with_a_retry_budget_exits_for_good_once_an_outage_outlasts_it():
    """What a long outage did: Celery's default budget is 100 attempts (about 47 minutes),
    then the worker stops with "Unrecoverable error". The same here with a budget of 2."""
    with redis_server() as broker:
        env = {"CELERY_BROKER_URL": broker.url,
               "DJANGO_SETTINGS_MODULE": "tests.settings_retry_budget"}  # fmt: skip
        with celery_worker(name="budget", env=env) as worker:
            wait_for(lambda: " ready." in worker_log("budget"), what="the worker to start")
            broker.stop()
            wait_for(lambda: worker.poll() is not None, timeout=60, what="the worker to give up")
    assert "Unrecoverable error" in worker_log("budget")
    assert failed_reconnects("budget") == 2


def test_a_worker_outlives_a_broker_outage_and_resumes_work_when_it_is_back():
    with (
        redis_server() as broker,
        celery_worker(name="outlives", env={"CELERY_BROKER_URL": broker.url}) as worker,
    ):
        heartbeat_through(broker)
        wait_for(WorkerHeartbeat.objects.exists, what="the worker to run a task")

        broker.stop()
        wait_for(lambda: failed_reconnects("outlives") >= 3, timeout=60,
                 what="three failed reconnects, one more than the budget above")  # fmt: skip
        assert worker.poll() is None, "the worker exited during the outage"
        assert re.search(r"Trying again in .*\(3/None\)", worker_log("outlives")), (
            "the worker counts down a retry budget; it must retry for as long as the "
            "broker is away (CELERY_BROKER_CONNECTION_MAX_RETRIES = None)"
        )

        broker.start()  # same port, empty: nothing was queued while it was down
        WorkerHeartbeat.objects.all().delete()
        heartbeat_through(broker)
        wait_for(WorkerHeartbeat.objects.exists, timeout=60,
                 what="the worker to reconnect and run a task again")  # fmt: skip
        assert worker.poll() is None
