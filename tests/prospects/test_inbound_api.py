from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospects.models import Account, Engagement, InboundDelivery, Prospect
from tests.factories import AccountFactory, FormSourceFactory, ProspectFactory, make_rep

URL = "/api/inbound/engagements/"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(source, payload, *, key: str | None = None, secret: str | None = None, raw: bytes | None = None,
         content_type: str = "application/json"):  # fmt: skip
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"HTTP_X_EMPATHY_SIGNATURE": sign(secret or source.secret, body)}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(URL, data=body, content_type=content_type, **headers)


PAYLOAD = {
    "email": "Grace.Liu@Brightpath.example",
    "first_name": "Grace",
    "last_name": "Liu",
    "company": "Brightpath Clinics",
    "title": "Practice Manager",
    "asset": {
        "title": "Security review checklist",
        "kind": "checklist",
        "url": "https://x.example/c",
    },
    "question": "What will our compliance officer ask?",
    "occurred_at": "2026-11-20T15:04:00Z",
    "source": "website",
}


@pytest.fixture
def source(team, rep, teammate):
    return FormSourceFactory(team=team, name="Website")


def test_new_person_becomes_a_prospect_with_the_why(source):
    response = post(source, PAYLOAD)
    assert response.status_code == 201
    body = response.json()
    prospect = Prospect.objects.get(pk=body["prospect_id"])
    assert body["prospect_created"] is True
    assert prospect.email == "grace.liu@brightpath.example"
    assert prospect.open_question == "What will our compliance officer ask?"
    assert prospect.account.name == "Brightpath Clinics"
    assert prospect.account.domain == "brightpath.example"
    engagement = Engagement.objects.get(pk=body["engagement_id"])
    assert engagement.why == PAYLOAD["question"] and engagement.asset.kind == "checklist"
    assert engagement.source_payload == PAYLOAD
    assert engagement.occurred_at.isoformat() == "2026-11-20T15:04:00+00:00"


def test_existing_person_is_matched_by_email_whatever_the_case(source, rep):
    existing = ProspectFactory(owner=rep, email="grace.liu@brightpath.example", title="")
    response = post(source, PAYLOAD)
    assert response.status_code == 201
    assert response.json()["prospect_id"] == existing.pk
    assert response.json()["prospect_created"] is False
    existing.refresh_from_db()
    assert existing.title == "Practice Manager"
    assert existing.owner == rep
    assert Prospect.objects.count() == 1 and existing.engagements.count() == 1


def test_account_matches_domain_first_then_company_name(source):
    by_domain = AccountFactory(name="BP Clinics Inc", domain="brightpath.example",
                               team_id=source.team_id)  # fmt: skip
    post(source, PAYLOAD)
    assert Prospect.objects.get().account == by_domain
    by_name = AccountFactory(name="Harbor Logistics", domain="", team_id=source.team_id)
    post(source, {**PAYLOAD, "email": "dana@gmail.com", "company": "harbor logistics"})
    assert Prospect.objects.get(email="dana@gmail.com").account == by_name


def test_another_teams_person_and_account_are_neither_matched_nor_named(source, outsider):
    """The reply says only what the source's team may know: its own record of the person."""
    theirs = ProspectFactory(owner=outsider, email=PAYLOAD["email"],
                             account=AccountFactory(owner=outsider, domain="brightpath.example",
                                                    climb_goal="Their plans"))  # fmt: skip
    response = post(source, PAYLOAD)
    assert response.status_code == 201
    body = response.json()
    assert body["prospect_created"] is True and body["owner"] != outsider.username
    ours = Prospect.objects.get(pk=body["prospect_id"])
    assert ours.team_id == source.team_id and ours.pk != theirs.pk
    assert ours.account != theirs.account and ours.account.team_id == source.team_id
    assert theirs.engagements.count() == 0, "nothing lands on the other team's record"


def test_free_mail_without_company_makes_no_account(source):
    post(source, {"email": "someone@gmail.com"})
    assert Prospect.objects.get().account is None
    assert not Account.objects.filter(domain="gmail.com").exists()


def test_owners_are_assigned_round_robin_within_the_team(source, rep, teammate, outsider):
    owners = [
        post(source, {"email": f"person{n}@company{n}.example"}).json()["owner"] for n in range(4)
    ]
    assert owners == ["rep", "teammate", "rep", "teammate"]


def test_team_without_reps_hands_new_people_to_its_manager(other_team, other_manager):
    source = FormSourceFactory(team=other_team)
    assert post(source, {"email": "a@b.example"}).json()["owner"] == other_manager.username


def test_repeated_idempotency_key_answers_the_same_and_writes_nothing(source):
    first = post(source, PAYLOAD, key="form-123")
    again = post(source, PAYLOAD, key="form-123")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert Engagement.objects.count() == 1 and InboundDelivery.objects.count() == 1
    assert post(source, PAYLOAD, key="form-124").status_code == 201
    assert Engagement.objects.count() == 2


def test_missing_or_wrong_signature_is_401(source):
    body = json.dumps(PAYLOAD).encode()
    unsigned = Client().post(URL, data=body, content_type="application/json")
    assert unsigned.status_code == 401 and "signature" in unsigned.json()["error"]
    assert post(source, PAYLOAD, secret="not-the-secret").status_code == 401
    source.rotate_secret()
    assert post(source, PAYLOAD, secret="old").status_code == 401
    source.is_active = False
    source.save()
    assert post(source, PAYLOAD).status_code == 401
    assert not Prospect.objects.exists()


def test_field_errors_come_back_as_json(source):
    response = post(
        source, {**PAYLOAD, "email": "not-an-email", "asset": {"url": "nope", "kind": "x"}}
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"email", "asset.url", "asset.kind"}
    assert not Prospect.objects.exists()


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"email": "a@b.example"}', "text/plain", 415),
        (b'{"email": "a@b.example", "first_name": "\\u0000"}', "application/json", 400),
        (b'{"email": "a@b.example", "note": "\\ud800"}', "application/json", 400),
        (b'{"email": 12}', "application/json", 400),
        (b'{"email": "a@b.example", "asset": "guide"}', "application/json", 400),
    ],
)
def test_malformed_bodies_get_clear_errors(source, raw, content_type, status):
    response = post(source, None, raw=raw, content_type=content_type)
    assert response.status_code == status
    assert response.json()["error"]
    assert not Prospect.objects.exists()


def test_bodies_over_64_kib_are_413(source):
    big = json.dumps({**PAYLOAD, "question": "x" * 70_000}).encode()
    assert post(source, None, raw=big).status_code == 413


def test_only_post_is_allowed(db):
    response = Client().get(URL)
    assert response.status_code == 405 and response["Allow"] == "POST"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "email": st.one_of(st.emails(), st.text(max_size=30), json_values),
        "first_name": st.one_of(st.text(max_size=120), json_values),
        "company": st.one_of(st.text(max_size=30), json_values),
        "asset": st.one_of(
            st.fixed_dictionaries({}, optional={"title": st.text(max_size=30), "kind": st.text(max_size=12), "url": st.text(max_size=30)}),
            json_values,
        ),
        "question": st.one_of(st.text(max_size=200), json_values),
        "occurred_at": st.one_of(st.text(max_size=30), st.datetimes().map(str), json_values),
    },
)  # fmt: skip


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_generated_bodies_never_cause_a_server_error(body):
    from people.models import Team

    team = Team.objects.get_or_create(name="Fuzz")[0]
    if not team.members.exists():
        make_rep(team, username="fuzzrep")
    source = FormSourceFactory(team=team)
    response = post(source, body)
    assert response.status_code in (200, 201, 400), response.content
    assert "error" in response.json() or "prospect_id" in response.json()


def test_a_delivery_costs_the_same_queries_however_big_the_buying_group(
    source, django_assert_max_num_queries
):
    assert post(source, PAYLOAD).status_code == 201  # makes the account and the asset
    with django_assert_max_num_queries(16) as small:
        assert post(source, {**PAYLOAD, "email": "omar@brightpath.example"}).status_code == 201
    ProspectFactory.create_batch(10, account=Account.objects.get(name="Brightpath Clinics"))
    with django_assert_max_num_queries(16) as big:
        assert post(source, {**PAYLOAD, "email": "maya@brightpath.example"}).status_code == 201
    assert len(big.captured_queries) == len(small.captured_queries)
