from __future__ import annotations

import pytest
from django.urls import reverse

from empathy_crm.models import WorkerHeartbeat
from empathy_crm.tasks import heartbeat
from tests.services import celery_worker, purge_queue, require_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_task_and_admins_see_it_alive(client, admin_user):
    require_broker()
    purge_queue()
    client.force_login(admin_user)
    assert "No worker has reported yet" in client.get(reverse("home")).text

    with celery_worker(name="heartbeat"):
        heartbeat.delay()
        beat = wait_for(
            lambda: WorkerHeartbeat.objects.filter(hostname__startswith="heartbeat@").first(),
            what="the worker to record its heartbeat",
        )

    assert beat.is_alive
    page = client.get(reverse("home")).text
    assert "running" in page and beat.hostname in page
