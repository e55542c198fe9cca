"""Every endpoint, for every role, against another team's record: a 404, as in the app; the
lists show the user's scope and nothing else. A token acts as its user."""

from __future__ import annotations

import pytest

from concierge.models import FollowUp
from empathy_maps import services as maps
from prospects.models import Conversation, Engagement, Opportunity, Prospect
from tests.factories import (
    ConversationFactory,
    EngagementFactory,
    FollowUpFactory,
    OpportunityFactory,
    ProspectFactory,
)

MARK = "Zebedee"


def world_of(owner) -> dict:
    prospect = ProspectFactory(owner=owner, first_name=MARK, last_name="Hidden")
    return {
        "prospects": prospect,
        "accounts": prospect.account,
        "conversations": ConversationFactory(prospect=prospect, questions=f"{MARK}?"),
        "engagements": EngagementFactory(prospect=prospect, why=f"{MARK} why"),
        "opportunities": OpportunityFactory(prospect=prospect, name=f"{MARK} rollout"),
        "followups": FollowUpFactory(prospect=prospect, assignee=owner, status="due"),
        "empathy-maps": maps.map_for_prospect(prospect=prospect, author=owner),
    }


#: What each endpoint takes: the PATCH body, and the actions a record has.
PATCHES = {
    "prospects": {"title": "Hijacked"},
    "accounts": {"climb_goal": "Hijacked"},
    "opportunities": {"name": "Hijacked"},
}
ACTIONS = {
    "followups": {
        "done": {"outcome": "help_welcomed", "receivers_eye": "Hijacked"},
        "snooze": {"until": "tomorrow"},
        "skip": {"reason": "Hijacked"},
    }
}
CREATES = {
    "conversations": lambda p: {"prospect": p.pk, "help_given": "Hijacked", "feeling_before": 2,
                                "feeling_after": 3, "channel": "call",
                                "occurred_at": "2026-11-18T09:00"},
    "engagements": lambda p: {"prospect": p.pk, "occurred_at": "2026-11-18T09:00",
                              "why": "Hijacked", "source": "event"},
    "opportunities": lambda p: {"prospect": p.pk, "name": "Hijacked", "amount": "5",
                                "status": "open", "opened_on": "2026-11-18"},
}  # fmt: skip
ENDPOINTS = ["prospects", "accounts", "conversations", "engagements", "opportunities",
             "followups", "empathy-maps"]  # fmt: skip


def state() -> tuple:
    return (
        list(Prospect.objects.order_by("pk").values_list("title", "stage")),
        Conversation.objects.count(), Engagement.objects.count(),
        list(Opportunity.objects.order_by("pk").values_list("name", "status")),
        list(FollowUp.objects.order_by("pk").values_list("status", "due_at")),
    )  # fmt: skip


@pytest.fixture
def theirs(outsider, other_manager):
    return world_of(outsider)


@pytest.mark.parametrize("who", ["rep", "manager"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_teams_records_are_not_found_for_every_role(api_as, request, theirs, who, endpoint):
    client = api_as(request.getfixturevalue(who))
    before = state()
    pk = theirs[endpoint].pk
    response = client.get(f"/api/v1/{endpoint}/{pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    listed = client.get(f"/api/v1/{endpoint}/")
    assert listed.status_code == 200 and MARK not in listed.content.decode()
    if endpoint in PATCHES:
        assert client.patch(f"/api/v1/{endpoint}/{pk}/", PATCHES[endpoint]).status_code == 404
    for name, body in ACTIONS.get(endpoint, {}).items():
        assert client.post(f"/api/v1/{endpoint}/{pk}/{name}/", body).status_code == 404
    if endpoint in CREATES:
        response = client.post(f"/api/v1/{endpoint}/", CREATES[endpoint](theirs["prospects"]))
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["prospect"] == [
            "No prospect with this id that you may edit."
        ]
    assert state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_role_reads_its_own_scope(api_as, rep, teammate, manager, admin_user, endpoint):
    """A rep sees their team's records (as in the app), a manager their team's, an admin
    everyone's."""
    mine = world_of(rep)
    for user in (rep, teammate, manager, admin_user):
        client = api_as(user)
        response = client.get(f"/api/v1/{endpoint}/{mine[endpoint].pk}/")
        assert response.status_code == 200, user
        assert response.json()["id"] == mine[endpoint].pk
        assert [row["id"] for row in client.get(f"/api/v1/{endpoint}/").json()["results"]] == [
            mine[endpoint].pk
        ]


def test_a_teammate_may_read_but_not_change_a_reps_records(api_as, rep, teammate):
    mine = world_of(rep)
    client = api_as(teammate)
    assert client.patch(f"/api/v1/prospects/{mine['prospects'].pk}/",
                        {"title": "Theirs"}).status_code == 404  # fmt: skip
    response = client.post("/api/v1/conversations/", CREATES["conversations"](mine["prospects"]))
    assert response.status_code == 400
    assert Prospect.objects.get(pk=mine["prospects"].pk).title != "Theirs"


def test_a_manager_changes_the_teams_records(api_as, rep, manager):
    mine = world_of(rep)
    response = api_as(manager).patch(f"/api/v1/prospects/{mine['prospects'].pk}/",
                                     {"stage": "deciding"})  # fmt: skip
    assert response.status_code == 200 and response.json()["stage"] == "deciding"
    assert Prospect.objects.get(pk=mine["prospects"].pk).stage == "deciding"
