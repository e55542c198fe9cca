"""Outbound webhooks: what happened is written to the outbox with the change itself, fanned
out to the endpoints that listen, POSTed signed to a real local HTTP receiver, retried with
backoff, and never lost when the sender dies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from concierge.models import FollowUp
from empathy_crm.models import OutboxEvent
from prospects import services
from prospects.models import Opportunity
from tests.api.receiver import webhook_receiver
from tests.factories import FollowUpFactory, OpportunityFactory
from tests.services import celery_worker, kill_hard, require_broker, wait_for

ALL = [topic for topic, _ in OutboxEvent.Topic.choices]


def endpoint_for(url: str, topics=ALL, team=None) -> tuple[WebhookEndpoint, str]:
    endpoint = WebhookEndpoint(url=url, topics=topics, team=team)
    secret = endpoint.secret_issue()
    endpoint.save()
    return endpoint, secret


def the_four_things_happen(api_as, rep) -> None:
    """A prospect created, a conversation logged, a follow-up done, an opportunity won."""
    client = api_as(rep)
    created = client.post("/api/v1/prospects/", {"first_name": "Ada", "email": "ada@x.example",
                                                 "company": "Engines"})  # fmt: skip
    pk = created.json()["id"]
    assert client.post("/api/v1/conversations/", {
        "prospect": pk, "help_given": "Walked the plan", "feeling_before": 2,
        "feeling_after": 4, "occurred_at": str(timezone.localdate()) + "T00:00",
    }).status_code == 201  # fmt: skip
    followup = FollowUpFactory(prospect_id=pk, assignee=rep, status="due", kind="check_in")
    assert client.post(f"/api/v1/followups/{followup.pk}/done/", {
        "outcome": "help_welcomed", "receivers_eye": "Saves a week"}).status_code == 200  # fmt: skip
    opportunity = OpportunityFactory(prospect_id=pk, account_id=created.json()["account"],
                                     owner=rep)  # fmt: skip
    assert client.patch(f"/api/v1/opportunities/{opportunity.pk}/", {
        "status": "won", "closed_on": str(timezone.localdate())}).status_code == 200  # fmt: skip


def test_each_event_is_in_the_outbox_with_its_change(api_as, rep):
    the_four_things_happen(api_as, rep)
    events = list(OutboxEvent.objects.order_by("pk").values_list("topic", "team_id"))
    assert events == [(topic, rep.team_id) for topic in ALL]
    assert OutboxEvent.objects.get(topic="opportunity.won").payload["amount"] == "1200.00"


def test_a_change_that_fails_leaves_no_event(api_as, rep, own_prospect):
    followup = FollowUpFactory(prospect=own_prospect, assignee=rep, status="due",
                               kind="send_resource")  # fmt: skip
    with pytest.raises(ValidationError):  # no receiver's eye: refused
        followup.complete(outcome="help_welcomed", receivers_eye="", by=rep)
    opportunity = OpportunityFactory(prospect=own_prospect)
    opportunity.name = "Renamed"
    services.opportunity_save(opportunity=opportunity, status_before="open")  # not won
    assert not OutboxEvent.objects.exists()


def test_deliveries_are_signed_and_logged(api_as, rep, other_team):
    with webhook_receiver() as receiver:
        endpoint, secret = endpoint_for(receiver.url)
        endpoint_for(receiver.url + "/other", team=other_team)  # hears only its own team
        endpoint_for(receiver.url + "/won", topics=["opportunity.won"])
        the_four_things_happen(api_as, rep)
        assert webhooks.webhooks_deliver() == 5
    got = [r for r in receiver.received if r.headers.get("X-Empathy-Delivery")]
    assert sorted(r.json["type"] for r in got) == sorted([*ALL, "opportunity.won"])
    own = set(endpoint.deliveries.values_list("pk", flat=True))
    mine = [r for r in got if int(r.headers["X-Empathy-Delivery"]) in own]
    assert len(mine) == 4 and all(r.signed_with(secret) for r in mine)
    first = next(r for r in got if r.json["type"] == "prospect.created")
    assert first.json["data"]["email"] == "ada@x.example"
    assert first.headers["X-Empathy-Event"] == "prospect.created"
    assert not first.signed_with("whsec_wrong")
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "last_status_code")) == {
        ("delivered", 1, 200)}  # fmt: skip


def test_a_failed_delivery_is_retried_with_backoff(rep, own_prospect, clock):
    with webhook_receiver(answers=[500, 503]) as receiver:
        endpoint_for(receiver.url)
        services.prospect_created_record(own_prospect)
        assert webhooks.webhooks_deliver() == 0
        delivery = WebhookDelivery.objects.get()
        assert (delivery.attempts, delivery.last_status_code) == (1, 500)
        assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=50)
        assert webhooks.webhooks_deliver() == 0 and len(receiver.received) == 1, "not yet"
        clock.shift(61)
        assert webhooks.webhooks_deliver() == 0  # 503: the next wait doubles
        delivery.refresh_from_db()
        assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=110)
        clock.shift(121)
        assert webhooks.webhooks_deliver() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert len({r.headers["X-Empathy-Delivery"] for r in receiver.received}) == 1


def test_an_unreachable_endpoint_gives_up_after_the_last_try(rep, own_prospect, clock):
    endpoint_for("http://127.0.0.1:9/nothing-listens")
    services.prospect_created_record(own_prospect)
    for _ in range(WebhookDelivery.MAX_ATTEMPTS):
        webhooks.webhooks_deliver()
        clock.shift(6 * 3600 + 1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", WebhookDelivery.MAX_ATTEMPTS)
    assert delivery.last_error


def test_a_claimed_delivery_whose_sender_died_goes_out_after_the_lease(rep, own_prospect, clock):
    with webhook_receiver() as receiver:
        endpoint_for(receiver.url)
        services.prospect_created_record(own_prospect)
        webhooks.events_fan_out()
        assert len(webhooks.deliveries_claim()) == 1  # …and the sender dies here
        assert webhooks.webhooks_deliver() == 0, "leased: nobody else sends it"
        clock.shift(WebhookDelivery.LEASE.total_seconds() + 1)
        assert webhooks.webhooks_deliver() == 1
    assert len(receiver.received) == 1


def test_admins_add_an_endpoint_see_its_secret_once_and_its_log(client, admin_user, rep):
    client.force_login(admin_user)
    response = client.post("/webhooks/", {"url": "https://hooks.example.com/crm",
                                          "topics": ["prospect.created", "opportunity.won"]},
                           follow=True)  # fmt: skip
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.topics == ["prospect.created", "opportunity.won"]
    again = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in again and endpoint.secret_hint in again
    client.force_login(rep)
    assert client.get("/webhooks/").status_code == 403


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_and_a_killed_one_loses_nothing(api_as, rep):
    require_broker()
    with webhook_receiver(hold_first=True) as receiver:
        _, secret = endpoint_for(receiver.url)
        with celery_worker(name="webhooks") as worker:
            the_four_things_happen(api_as, rep)  # each announced after commit
            assert receiver.first_arrived.wait(60), "no delivery reached the receiver"
            kill_hard(worker)  # mid-POST: the receiver has it, the sender had no answer
        held = receiver.received[0].headers["X-Empathy-Delivery"]
        receiver.released.set()
        WebhookDelivery.objects.filter(status="pending").update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )  # the lease runs out
        with celery_worker(name="webhooks-again"):
            from api.tasks import webhooks_deliver

            webhooks_deliver.delay()  # beat's next minute
            wait_for(lambda: WebhookDelivery.objects.filter(status="delivered").count() == 4,
                     timeout=60, what="every event to be delivered")  # fmt: skip
    ids = [r.headers["X-Empathy-Delivery"] for r in receiver.received]
    assert sorted({r.json["type"] for r in receiver.received}) == sorted(ALL)
    assert ids.count(held) == 2, "the interrupted one again, under the same delivery id"
    assert len(ids) == 5 and all(r.signed_with(secret) for r in receiver.received)
    assert Opportunity.objects.get().status == "won" and FollowUp.objects.get().status == "done"
