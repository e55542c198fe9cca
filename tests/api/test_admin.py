"""The REST API's and webhooks' rows in Django admin: every page loads, all read-only, and
neither a token nor a webhook secret is ever shown."""

from __future__ import annotations

import pytest

from api.models import ApiToken, IdempotentRequest, WebhookDelivery, WebhookEndpoint
from empathy_crm.models import OutboxEvent
from tests.admin_checks import (
    assert_every_page_loads,
    assert_read_only,
    selects_of_every_row,
    url,
)


@pytest.fixture
def issued(rep):
    return ApiToken.issue(user=rep, name="Zapier")


@pytest.fixture
def endpoint(team):
    hook = WebhookEndpoint(url="https://hooks.example/in", topics=["prospect.created"], team=team)
    secret = hook.secret_issue()
    hook.save()
    return hook, secret


@pytest.fixture
def rows(issued, endpoint, team):
    token, _ = issued
    hook, _ = endpoint
    event = OutboxEvent.objects.create(topic=OutboxEvent.Topic.choices[0][0], team=team,
                                       payload={"id": 1})  # fmt: skip
    return [
        token,
        IdempotentRequest.objects.create(token=token, key="order-1", request_hash="0" * 64),
        hook,
        WebhookDelivery.objects.create(endpoint=hook, event=event),
    ]


def test_every_list_search_filter_and_record_page_loads(client, superuser, rows):
    client.force_login(superuser)
    assert_every_page_loads(client, "api", rows)


def test_no_form_lists_every_row_of_a_table(superuser, rows):
    assert selects_of_every_row("api", superuser, rows) == []


@pytest.mark.parametrize("index", range(4))
def test_the_apis_rows_are_read_only(client, superuser, rows, index):
    client.force_login(superuser)
    assert_read_only(client, rows[index])


def test_neither_a_token_nor_a_webhook_secret_is_shown(client, superuser, issued, endpoint):
    client.force_login(superuser)
    token, raw = issued
    hook, secret = endpoint
    for row in (token, hook):
        for view in ("changelist", "change"):
            page = client.get(url(row, view, *([row.pk] if view == "change" else [])))
            assert page.status_code == 200
            body = page.content.decode()
            assert raw not in body and token.key_hash not in body
            assert secret not in body and hook.secret_encrypted not in body
