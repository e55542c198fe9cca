"""The shared bottom in Django admin: the bases every app's admin builds on (a count that
stays cheap at a million rows), and the inbox, its mails and the heartbeat, read-only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from empathy_crm.models import OutboxEvent, WorkerHeartbeat
from empathy_crm.paginator import EstimatedCountPaginator
from prospects.models import Prospect
from tests.admin_checks import assert_every_page_loads, assert_read_only, selects_of_every_row
from tests.factories import NoticeEmailFactory, NotificationFactory, ProspectFactory


@pytest.fixture
def rows(rep):
    mail = NoticeEmailFactory(user=rep)
    return [
        WorkerHeartbeat.objects.create(hostname="worker-1", last_seen_at=timezone.now()),
        mail,
        NotificationFactory(user=rep, email=mail),
        OutboxEvent.objects.create(topic=OutboxEvent.Topic.choices[0][0], payload={"id": 1}),
    ]


def test_every_list_search_filter_and_record_page_loads(client, superuser, rows):
    client.force_login(superuser)
    assert_every_page_loads(client, "empathy_crm", rows)


def test_no_form_lists_every_row_of_a_table(superuser, rows):
    assert selects_of_every_row("empathy_crm", superuser, rows) == []


@pytest.mark.parametrize("model", ["workerheartbeat", "noticeemail", "notification",
                                   "outboxevent"])  # fmt: skip
def test_the_inbox_its_mails_and_the_heartbeat_are_read_only(client, superuser, rows, model):
    client.force_login(superuser)
    assert_read_only(client, next(row for row in rows if row._meta.model_name == model))


def test_someone_without_staff_status_is_sent_to_the_admin_sign_in(client, rep, rows):
    client.force_login(rep)
    response = client.get(reverse("admin:empathy_crm_notification_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admins_big_lists_are_counted_exactly_while_small(rep):
    for _ in range(3):
        ProspectFactory(owner=rep)
    everyone = Prospect.objects.order_by("pk")
    assert EstimatedCountPaginator(everyone, 2).count == 3
    assert EstimatedCountPaginator(everyone.filter(owner=rep), 2).num_pages == 2
    assert EstimatedCountPaginator(everyone.filter(first_name="Nobody"), 2).count == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimate")
def test_past_the_threshold_the_count_is_postgresqls_estimate(rep, monkeypatch):
    """Past EXACT_UP_TO rows (10,000; here none, so a test table is past it) the count is
    the planner's estimate: one planning query, no row read, however big the table."""
    for _ in range(3):
        ProspectFactory(owner=rep)
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 0)
    with CaptureQueriesContext(connection) as queries:
        estimated = EstimatedCountPaginator(Prospect.objects.order_by("pk"), 50).count
    assert [query["sql"].split()[0] for query in queries] == ["EXPLAIN"]
    assert estimated >= 1
