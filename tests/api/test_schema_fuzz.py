"""Schemathesis against our own OpenAPI schema: whatever it sends, no endpoint answers 5xx,
and every refusal is in the one error format. Bounded (a few examples per operation) so it
runs in well under a minute."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NotSet

from tests.factories import FollowUpFactory, OpportunityFactory, ProspectFactory


def send(client, case):
    """The case through Django's test client (in the test's transaction)."""
    body = "" if isinstance(case.body, NotSet) else json.dumps(case.body)
    headers = {f"HTTP_{name.upper().replace('-', '_')}": str(value)
               for name, value in (case.headers or {}).items()}  # fmt: skip
    return client.generic(
        case.method,
        case.formatted_path,
        body,
        content_type="application/json",
        QUERY_STRING=urlencode(case.query or {}, doseq=True),
        **headers,
    )


@pytest.fixture
def api_schema(db):
    from django.test import Client

    raw = Client().get("/api/v1/schema/").json()
    return schemathesis.openapi.from_dict(raw)


def test_no_endpoint_answers_5xx_to_what_the_schema_allows(api_schema, api_as, rep):
    prospect = ProspectFactory(owner=rep)
    OpportunityFactory(prospect=prospect)
    FollowUpFactory(prospect=prospect, assignee=rep, status="due")
    client = api_as(rep)

    failures = []

    def fuzzer(op):
        @settings(max_examples=8, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=op.as_strategy())
        def fuzz(case):
            response = send(client, case)
            if response.status_code >= 500:
                failures.append((op.label, case.body, case.query, response.content[:300]))
            elif response.status_code >= 400:
                assert set(response.json()) == {"error"}, (op.label, response.content)

        return fuzz

    for operation in api_schema.get_all_operations():
        fuzzer(operation.ok())()
    assert failures == []
