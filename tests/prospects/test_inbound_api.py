from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import threading

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospects.models import Account, Engagement, InboundDelivery, Prospect
from tests.factories import AccountFactory, FormSourceFactory, ProspectFactory

URL = "/api/inbound/engagements/"
# Enough to meet the rare cases (about 1 in 60 of them once answered 500) in every CI run,
# in about 20 s; EMPATHY_FUZZ_EXAMPLES=20000 for a long look.
FUZZ_EXAMPLES = int(os.environ.get("EMPATHY_FUZZ_EXAMPLES", "1000"))


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


def test_a_key_sent_again_with_another_body_is_refused_with_409(source):
    first = post(source, PAYLOAD, key="form-123")
    other = post(source, {**PAYLOAD, "email": "someone.else@brightpath.example"}, key="form-123")
    assert first.status_code == 201 and other.status_code == 409
    assert "Idempotency-Key" in other.json()["error"]
    assert Prospect.objects.count() == 1 and Engagement.objects.count() == 1
    assert post(source, PAYLOAD, key="form-123").json() == first.json(), "a retry still is one"


def test_a_key_remembered_before_bodies_were_hashed_still_answers_its_retries(source):
    first = post(source, PAYLOAD, key="form-123")
    InboundDelivery.objects.update(request_hash="")
    assert post(source, PAYLOAD, key="form-123").json() == first.json()


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


LONG_DOMAIN = ".".join(["d" * 50] * 4) + ".example"  # 211 characters, a valid domain
NESTED = '{"email": "a@b.example", "custom": %s}'


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": f"a@{LONG_DOMAIN}"}, "email"),  # the account's domain column holds 200
        # Stored (and matched) in lower case, where each İ is two characters:
        ({"email": "a@" + ".".join(["İ" * 60] * 3) + ".example"}, "email"),
        ({"email": "a@" + "İ" * 50 + ".example"}, None),
        ({"email": "a@b.example", "occurred_at": "9999-12-31T23:59:59-23:59"}, "occurred_at"),
        ({"email": "a@b.example", "occurred_at": "0001-01-01T00:00:00+05:00"}, "occurred_at"),
        ({"email": "a@b.example", "company": "C" * 201}, "company"),
        ({"email": "a@b.example", "asset": {"url": "https://x.example/" + "p" * 490}}, "asset.url"),
    ],
)
def test_values_the_database_cannot_hold_are_field_errors(source, payload, field):
    response = post(source, payload)
    if field is None:
        assert response.status_code == 201
    else:
        assert response.status_code == 400 and field in response.json()["fields"], response.json()
        assert not Prospect.objects.exists()


def test_an_offset_is_kept_as_the_same_moment_in_utc(source):
    response = post(source, {"email": "a@b.example", "occurred_at": "2026-11-18T23:30:00-23:59"})
    assert response.status_code == 201
    engagement = Engagement.objects.get()
    assert engagement.occurred_at.isoformat() == "2026-11-19T23:29:00+00:00"


def test_derived_values_are_cut_to_their_columns(team, rep):
    """A long local part names the person, a long URL the asset, a long source name the
    source, when the form sent none of them."""
    source = FormSourceFactory(team=team, name="S" * 120)
    url = "https://x.example/" + "p" * 400
    response = post(source, {"email": "q" * 150 + "@b.example", "asset": {"url": url}})
    assert response.status_code == 201, response.json()
    prospect = Prospect.objects.get()
    assert prospect.first_name == "q" * 100 and prospect.source == "S" * 100
    engagement = prospect.engagements.get()
    assert engagement.asset.url == url and engagement.asset.title == url[:200]


@pytest.mark.parametrize(
    "raw",
    [
        (NESTED % ("[" * 30_000 + "]" * 30_000)).encode(),  # too deep for json.loads
        (NESTED % ("[" * 900 + "]" * 900)).encode(),  # read, but too deep for json.dumps
        (NESTED % ('{"a": ' * 21 + "1" + "}" * 21)).encode(),
        b'{"email": "a@b.example", "score": 1e400}',  # infinity: jsonb has none
        b'{"email": "a@b.example", "score": NaN}',
        b'{"email": "a@b.example", "score": -Infinity}',
    ],
    ids=["30000-deep", "900-deep", "21-deep", "1e400", "NaN", "-Infinity"],
)
def test_json_that_postgresql_cannot_store_is_400(source, raw):
    response = post(source, None, raw=raw)
    assert response.status_code == 400 and response.json()["error"]
    assert not Prospect.objects.exists()


def test_nesting_a_form_tool_would_send_is_kept(source):
    custom = {"utm": {"campaign": {"name": "Spring", "tags": [["a", "b"], []]}}}
    assert post(source, {**PAYLOAD, "custom": custom}).status_code == 201
    assert Engagement.objects.get().source_payload["custom"] == custom


@pytest.mark.parametrize(
    "header", ["sha256=é", "sha256=" + "é" * 64, "sha256=" + "０" * 64, "☃"],
    ids=["short", "latin-1", "fullwidth-digits", "snowman"],
)  # fmt: skip
def test_a_signature_header_that_is_not_hex_is_401(source, header):
    body = json.dumps(PAYLOAD).encode()
    response = Client().post(URL, data=body, content_type="application/json",
                             HTTP_X_EMPATHY_SIGNATURE=header)  # fmt: skip
    assert response.status_code == 401 and "signature" in response.json()["error"]


@pytest.mark.parametrize("key", ["form\x00123", "tab\there", "del\x7f"], ids=["NUL", "tab", "DEL"])
def test_an_idempotency_key_with_control_characters_is_400(source, key):
    response = post(source, PAYLOAD, key=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]
    assert not Prospect.objects.exists()


def test_bodies_over_64_kib_are_413(source):
    big = json.dumps({**PAYLOAD, "question": "x" * 70_000}).encode()
    assert post(source, None, raw=big).status_code == 413


def test_only_post_is_allowed(db):
    response = Client().get(URL)
    assert response.status_code == 405 and response["Allow"] == "POST"


# Generated requests: what a form tool, a broken integration or an attacker with a valid
# secret might send. Every answer must be a success or a 4xx JSON error.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
LABEL = "abcdefghijklmnopqrstuvwxyz0123456789İßÅ"
domains = st.lists(st.text(LABEL, min_size=1, max_size=63), min_size=1, max_size=5).map(
    lambda labels: ".".join([*labels, "example"])
)
long_emails = st.builds("{}@{}".format, st.text("abcxyz0189._+", min_size=1, max_size=150), domains)
at_offsets = st.builds(
    lambda moment, minutes: moment.replace(
        tzinfo=dt.timezone(dt.timedelta(minutes=minutes))
    ).isoformat(),
    st.datetimes(),
    st.integers(-1439, 1439),
)
urls = st.builds("https://{}/{}".format, domains, st.text("abc/?=&%", max_size=520))
bodies = st.fixed_dictionaries(
    {},
    optional={
        "email": st.one_of(st.emails(), long_emails, st.text(max_size=30), json_values),
        "first_name": st.one_of(st.text(max_size=120), json_values),
        "last_name": st.text(max_size=120),
        "title": st.text(max_size=160),
        "company": st.one_of(
            st.text(max_size=30), st.text(min_size=190, max_size=210), json_values
        ),
        "source": st.text(max_size=110),
        "asset": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "title": st.text(max_size=210),
                    "kind": st.sampled_from(["guide", "webinar", "", "x"]),
                    "url": st.one_of(urls, st.text(max_size=30)),
                },
            ),
            json_values,
        ),
        "question": st.one_of(st.text(max_size=200), json_values),
        "occurred_at": st.one_of(
            st.text(max_size=30), st.datetimes().map(str), at_offsets, json_values
        ),
        "custom": json_values,
    },
)
deep = st.one_of(st.just(0), st.integers(1, 30), st.integers(500, 3000))
signatures = st.one_of(
    st.none(), st.text(max_size=70), st.text(max_size=64).map("sha256={}".format)
)
keys = st.one_of(st.none(), st.sampled_from(["k-1", "k-2"]), st.text(max_size=210))


def raw_body(body: dict, depth: int) -> bytes:
    """``body`` as JSON (NaN and Infinity included, as Python writes them), with a value
    nested ``depth`` deep beside it."""
    raw = json.dumps(body)
    if depth:
        raw = raw[:-1] + (", " if body else "") + '"nested": ' + "[" * depth + "]" * depth + "}"
    return raw.encode()


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies, depth=deep, signature=signatures, key=keys)
def test_generated_requests_never_cause_a_server_error(source, body, depth, signature, key):
    """A signature of None means a valid one; a key may repeat with another body."""
    raw = raw_body(body, depth)
    headers = {
        "HTTP_X_EMPATHY_SIGNATURE": signature if signature is not None else sign(source.secret, raw)
    }
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    response = Client(raise_request_exception=False).post(
        URL, data=raw, content_type="application/json", **headers
    )
    assert response.status_code in (200, 201, 400, 401, 409), response.content
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


# --- Deliveries at the same moment ---------------------------------------------------------


def at_once(*requests) -> list:
    """Send the ``(source, payload, key)`` requests from one thread each, released together;
    each answer is ``(status, json)`` or the exception a request raised."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def send(n, source, payload, key):
        try:
            barrier.wait(timeout=10)
            response = post(source, payload, key=key)
            answers[n] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertions below
            answers[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n, *r)) for n, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.fixture
def two_sources(transactional_db, team, rep, teammate):
    """A team's website form and its webinar tool: each locks only its own row."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent deliveries need PostgreSQL: set DATABASE_URL")
    return FormSourceFactory(team=team, name="Website"), FormSourceFactory(
        team=team, name="Webinar"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_first_deliveries_of_one_new_person_at_once_make_one_prospect(two_sources, attempt):
    website, webinar = two_sources
    person = {**PAYLOAD, "email": f"new{attempt}@together{attempt}.example", "company": ""}
    answers = at_once(
        (website, person, None), (webinar, person, None),
        (website, person, f"w-{attempt}"), (webinar, person, f"v-{attempt}"),
    )  # fmt: skip
    assert [a[0] if isinstance(a, tuple) else a for a in answers] == [201] * 4
    prospect = Prospect.objects.get()
    assert {a[1]["prospect_id"] for a in answers} == {prospect.pk}
    assert sum(a[1]["prospect_created"] for a in answers) == 1
    assert prospect.engagements.count() == 4
    assert Account.objects.get().domain == f"together{attempt}.example"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_first_deliveries_from_one_new_company_at_once_make_one_account(two_sources, attempt):
    website, webinar = two_sources
    domain = f"newco{attempt}.example"
    answers = at_once(*[
        (source, {**PAYLOAD, "email": f"person{n}@{domain}", "company": "NewCo"}, key)
        for n, (source, key) in enumerate([(website, None), (webinar, None), (website, "k"),
                                           (webinar, "k")])
    ])  # fmt: skip
    assert [a[0] if isinstance(a, tuple) else a for a in answers] == [201] * 4
    assert Account.objects.get().domain == domain
    assert Prospect.objects.filter(account__domain=domain).count() == 4


@pytest.mark.django_db(transaction=True)
def test_one_delivery_sent_three_times_at_once_is_recorded_once(two_sources):
    website, _ = two_sources
    answers = at_once(*[(website, PAYLOAD, "form-123")] * 3)
    assert sorted(a[0] for a in answers) == [200, 200, 201], answers
    assert len({json.dumps(a[1], sort_keys=True) for a in answers}) == 1
    assert Engagement.objects.count() == 1 and InboundDelivery.objects.count() == 1
