from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import sys
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from prospects.models import Account, Engagement, InboundDelivery, Prospect
from tests.conftest import TEST_NOW
from tests.factories import AccountFactory, FormSourceFactory, ProspectFactory

URL = "/api/inbound/engagements/"
# Enough to meet the rare cases (about 1 in 60 of them once answered 500) in every CI run,
# in about 20 s; EMPATHY_FUZZ_EXAMPLES=20000 for a long look.
FUZZ_EXAMPLES = int(os.environ.get("EMPATHY_FUZZ_EXAMPLES", "1000"))


def signed(source, body: bytes, *, secret: str | None = None, at: int | None = None) -> dict:
    """The headers a form tool sends: which source, when (``at``, Unix seconds; default
    now), and the HMAC of both with the source's secret."""
    timestamp = str(int(time.time()) if at is None else at)
    message = f"{timestamp}.".encode() + body
    digest = hmac.new((secret or source.secret).encode(), message, hashlib.sha256).hexdigest()
    return {
        "HTTP_X_EMPATHY_SOURCE": str(source.pk),
        "HTTP_X_EMPATHY_TIMESTAMP": timestamp,
        "HTTP_X_EMPATHY_SIGNATURE": f"sha256={digest}",
    }


def post(source, payload, *, key: str | None = None, secret: str | None = None, raw: bytes | None = None,
         content_type: str = "application/json", at: int | None = None, **headers):  # fmt: skip
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {**signed(source, body, secret=secret, at=at), **headers}
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
    assert unsigned.status_code == 401 and "X-Empathy-Timestamp" in unsigned.json()["error"]
    assert post(source, PAYLOAD, secret="not-the-secret").status_code == 401
    response = post(source, PAYLOAD, HTTP_X_EMPATHY_SOURCE="")
    assert response.status_code == 401 and "X-Empathy-Source" in response.json()["error"]
    source.is_active = False
    source.save()
    response = post(source, PAYLOAD)
    assert response.status_code == 401 and "paused" in response.json()["error"]
    assert not Prospect.objects.exists()


def test_the_signature_covers_the_timestamp_and_names_its_source(source, team):
    body = json.dumps(PAYLOAD).encode()
    now = int(time.time())
    moved = {**signed(source, body, at=now - 60), "HTTP_X_EMPATHY_TIMESTAMP": str(now)}
    assert Client().post(URL, body, content_type="application/json", **moved).status_code == 401
    body_only = "sha256=" + hmac.new(source.secret.encode(), body, hashlib.sha256).hexdigest()
    old_style = {**signed(source, body), "HTTP_X_EMPATHY_SIGNATURE": body_only}
    assert Client().post(URL, body, content_type="application/json", **old_style).status_code == 401
    other = FormSourceFactory(team=team)
    assert post(source, PAYLOAD, HTTP_X_EMPATHY_SOURCE=str(other.pk)).status_code == 401
    assert not Prospect.objects.exists()
    assert post(source, PAYLOAD).status_code == 201


def test_a_captured_request_is_refused_once_5_minutes_have_passed(source, clock):
    body = json.dumps({"email": "replayed@brightpath.example"}).encode()
    captured = signed(source, body)

    def replay():
        return Client().post(URL, body, content_type="application/json", **captured)

    assert replay().status_code == 201
    clock.move_to(TEST_NOW + dt.timedelta(minutes=4, seconds=50))
    assert replay().status_code == 201, "within 5 minutes a retry without a key still counts"
    clock.move_to(TEST_NOW + dt.timedelta(minutes=5, seconds=2))
    response = replay()
    assert response.status_code == 401
    assert "seconds behind our clock" in response.json()["error"]
    assert Engagement.objects.count() == 2


@pytest.mark.parametrize("minutes", [-6, 6, -60 * 24 * 365])
def test_a_timestamp_more_than_5_minutes_off_either_way_is_401(source, minutes):
    response = post(source, PAYLOAD, at=int(time.time()) + minutes * 60)
    assert response.status_code == 401 and "X-Empathy-Timestamp" in response.json()["error"]
    assert not Prospect.objects.exists()


def test_after_a_rotation_the_old_secret_works_for_a_day(source, clock):
    old = source.secret
    new = source.rotate_secret()
    assert new != old and source.secret == new
    assert post(source, {"email": "a@b.example"}, secret=new).status_code == 201
    assert post(source, {"email": "b@b.example"}, secret=old).status_code == 201
    clock.move_to(TEST_NOW + dt.timedelta(hours=23, minutes=50))
    assert post(source, {"email": "c@b.example"}, secret=old).status_code == 201
    clock.move_to(TEST_NOW + dt.timedelta(hours=24, minutes=1))
    assert post(source, {"email": "d@b.example"}, secret=old).status_code == 401
    assert post(source, {"email": "d@b.example"}, secret=new).status_code == 201


def test_a_rotation_without_grace_stops_the_old_secret_at_once(source):
    old = source.secret
    new = source.rotate_secret(grace=dt.timedelta(0))
    assert post(source, PAYLOAD, secret=old).status_code == 401
    assert post(source, PAYLOAD, secret=new).status_code == 201


def test_rotating_again_stops_the_secret_still_in_its_grace(source):
    first = source.secret
    second = source.rotate_secret()
    third = source.rotate_secret()
    assert post(source, {"email": "a@b.example"}, secret=first).status_code == 401
    assert post(source, {"email": "b@b.example"}, secret=second).status_code == 201
    assert post(source, {"email": "c@b.example"}, secret=third).status_code == 201


def test_secrets_are_kept_encrypted(source):
    secret = source.secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM prospects_formsource WHERE id = %s", [source.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in row and source.secret_hint == secret[-4:]


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
    response = post(source, PAYLOAD, HTTP_X_EMPATHY_SIGNATURE=header)
    assert response.status_code == 401 and "signature" in response.json()["error"]


@pytest.mark.parametrize("header", ["１２３", "é", "12" * 20, "-1"])
@pytest.mark.parametrize("name", ["HTTP_X_EMPATHY_SOURCE", "HTTP_X_EMPATHY_TIMESTAMP"])
def test_a_source_or_timestamp_header_that_is_not_a_number_is_401(source, name, header):
    response = post(source, PAYLOAD, **{name: header})
    assert response.status_code == 401 and response.json()["error"]


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
# secret might send. Every answer must be a success or a 4xx JSON error. Most values are
# ones a form could send, so most requests get as far as the database.


def mostly(good, bad):
    """``good`` nine times in ten, else ``bad``."""
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda ok: good if ok else bad)


def values(floats):
    return st.recursive(
        st.none() | st.booleans() | st.integers() | floats | st.text(max_size=40),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=10), children, max_size=3)
        ),
        max_leaves=8,
    )


json_values = values(st.floats())  # NaN and infinities too
odd_numbers = st.sampled_from([math.nan, math.inf, -math.inf, 10**400])  # 10**400 reads as inf
LABEL = "abcdefghijklmnopqrstuvwxyz0123456789İßÅ"
domains = st.one_of(
    st.lists(st.text(LABEL, min_size=1, max_size=12), min_size=1, max_size=3),
    st.lists(st.text(LABEL, min_size=40, max_size=63), min_size=3, max_size=5),  # 130-320
).map(lambda labels: ".".join([*labels, "example"]))
local_parts = st.one_of(
    st.text("abcxyz0189._+", min_size=1, max_size=10), st.text("ab", min_size=90, max_size=150)
)
our_emails = st.builds("{}@{}".format, local_parts, domains)
at_offsets = st.builds(
    lambda moment, minutes: moment.replace(
        tzinfo=dt.timezone(dt.timedelta(minutes=minutes))
    ).isoformat(),
    st.datetimes() | st.sampled_from([dt.datetime.min, dt.datetime.max]),
    st.integers(-1439, 1439),
)
paths = st.text("abc/?=&%", max_size=20) | st.text("abc/?=&%", min_size=180, max_size=520)
urls = st.builds("https://{}/{}".format, domains, paths)


def text(limit: int):
    """Text that fits ``limit`` mostly, else a little longer, or not text at all."""
    return mostly(st.text(max_size=limit), st.text(min_size=limit + 1, max_size=limit + 10))


bodies = st.fixed_dictionaries(
    {"email": mostly(st.emails() | our_emails, st.text(max_size=30) | json_values)},
    optional={
        "first_name": mostly(text(100), json_values),
        "last_name": text(100),
        "title": text(150),
        "company": text(200),
        "source": text(100),
        "asset": mostly(
            st.fixed_dictionaries(
                {},
                optional={
                    "title": text(200),
                    "kind": mostly(st.sampled_from(["guide", "webinar", ""]), st.text(max_size=9)),
                    "url": mostly(urls, st.text(max_size=30)),
                },
            ),
            json_values,
        ),
        "question": mostly(st.text(max_size=300), json_values),
        "occurred_at": mostly(
            st.datetimes().map(dt.datetime.isoformat) | at_offsets, st.text(max_size=30)
        ),
        "custom": values(st.floats(allow_nan=False, allow_infinity=False)),
        "score": mostly(
            st.integers() | st.floats(allow_nan=False, allow_infinity=False), odd_numbers
        ),
    },
)
# Nested beside the body: fine, refused, too deep for json.dumps, too deep for json.loads.
deep = st.one_of(
    st.just(0), st.integers(1, 30), st.sampled_from(range(800, 1000)), st.integers(1000, 30_000)
)
# One request in ten has a header broken as a careless client might; the others are signed
# right, some of them with a clock minutes off.
broken_headers = st.one_of(
    st.tuples(st.just("SIGNATURE"), st.text(max_size=70)),
    st.tuples(st.just("SIGNATURE"), st.text(max_size=64).map("sha256={}".format)),
    st.tuples(st.just("SOURCE"), st.one_of(st.text(max_size=20), st.integers().map(str))),
    st.tuples(st.just("TIMESTAMP"), st.one_of(st.text(max_size=15), st.integers().map(str))),
)
broken = mostly(st.none(), broken_headers)
drifts = mostly(st.just(0), st.integers(-400, 400))
keys = st.one_of(st.none(), st.sampled_from(["k-1", "k-2"]), st.text(max_size=210))


@contextlib.contextmanager
def recursion_limit(limit: int):
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def raw_body(body: dict, depth: int) -> bytes:
    """``body`` as JSON (NaN and Infinity included, as Python writes them), with a value
    nested ``depth`` deep beside it."""
    raw = json.dumps(body).replace("1" + "0" * 400, "1e400")
    if depth:
        raw = raw[:-1] + (", " if body else "") + '"nested": ' + "[" * depth + "]" * depth + "}"
    return raw.encode()


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies, depth=deep, broken=broken, drift=drifts, key=keys)
def test_generated_requests_never_cause_a_server_error(source, body, depth, broken, drift, key):
    """A key may come again with another body."""
    raw = raw_body(body, depth)
    headers = signed(source, raw, at=int(time.time()) + drift)
    if broken:
        headers[f"HTTP_X_EMPATHY_{broken[0]}"] = broken[1]
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    with recursion_limit(1000):  # Python's default, as on the server; hypothesis raises it
        response = Client(raise_request_exception=False).post(
            URL, data=raw, content_type="application/json", **headers
        )
    event(f"answered {response.status_code}")  # --hypothesis-show-statistics shows the mix
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
