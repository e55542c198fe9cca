"""Two records of one person merged into one; a person deleted with an undo window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from concierge import services as concierge
from empathy_maps.models import EmpathyMap, Entry, Persona
from prospects import imports, services
from prospects.models import (
    UNDO_WINDOW,
    Prospect,
    ProspectAlias,
    ProspectHistory,
    ProspectImport,
)
from tests.factories import (
    ConversationFactory,
    EngagementFactory,
    FollowUpFactory,
    FormSourceFactory,
    OpportunityFactory,
    ProspectFactory,
)
from tests.prospects.test_inbound_api import PAYLOAD, post


@pytest.fixture
def pair(rep):
    """Grace twice: her record, and a duplicate typed with another address."""
    kept = ProspectFactory(owner=rep, first_name="Grace", last_name="Liu", phone="",
                           email="grace.liu@brightpath.example")  # fmt: skip
    other = ProspectFactory(owner=rep, first_name="Grace", last_name="Liu", phone="555-0100",
                            email="gliu@brightpath-clinics.example")  # fmt: skip
    return kept, other


def merge_url(kept, other=None):
    url = reverse("prospects:prospect_merge", args=[kept.pk])
    return f"{url}?other={other.pk}" if other else url


def test_merging_moves_everything_to_the_kept_record(client, rep, pair):
    kept, other = pair
    ConversationFactory(prospect=kept)
    talks = ConversationFactory.create_batch(2, prospect=other)
    EngagementFactory(prospect=other)
    OpportunityFactory(prospect=other)
    followup = FollowUpFactory(prospect=other)
    # Both have a map by the rep: the duplicate's entries join the kept one's map.
    kept_map = EmpathyMap.objects.create(prospect=kept, owner=rep)
    other_map = EmpathyMap.objects.create(prospect=other, owner=rep)
    Entry.objects.create(map=other_map, quadrant="feels", text="Anxious about the audit")
    persona = Persona.objects.create(name="Practice managers", owner=rep)
    persona.members.add(other)

    client.force_login(rep)
    preview = client.get(merge_url(kept, other)).text
    assert "2</strong> conversations" in preview and "1</strong> follow-up<" in preview
    assert Prospect.objects.filter(pk=other.pk).exists(), "the preview changes nothing"

    response = client.post(merge_url(kept), {"other": other.pk})
    assert response.status_code == 302 and response.url == kept.get_absolute_url()
    assert not Prospect.all_objects.filter(pk=other.pk).exists()
    assert kept.conversations.count() == 3
    assert set(talks) <= set(kept.conversations.all())
    assert kept.engagements.count() == 1 and kept.opportunities.count() == 1
    followup.refresh_from_db()
    assert followup.prospect == kept
    assert [e.text for e in Entry.objects.filter(map=kept_map)] == ["Anxious about the audit"]
    assert list(persona.members.all()) == [kept]
    kept.refresh_from_db()
    assert kept.phone == "555-0100", "a blank of the kept record is filled from the duplicate"
    assert kept.last_helpful_touch_at is not None
    assert ProspectAlias.objects.get(prospect=kept).email == other.email
    page = client.get(kept.get_absolute_url()).text
    assert f"Grace Liu &lt;{other.email}&gt; was merged into Grace Liu" in page


def test_inbound_and_import_find_the_kept_record_by_the_merged_address(rep, manager, pair):
    kept, other = pair
    services.prospect_merge(kept=kept, other=other, by=rep)
    source = FormSourceFactory(team=rep.team, name="Website")
    response = post(source, {**PAYLOAD, "email": other.email.upper()})
    assert response.status_code == 201
    assert response.json() | {"prospect_created": False} == response.json()
    assert response.json()["prospect_id"] == kept.pk
    text = f"email,first_name,title\n{other.email},Grace,Head of Practice\n"
    job = imports.import_preview(user=manager, filename="a.csv", raw=text.encode())
    assert (job.created_count, job.updated_count, job.errors) == (0, 1, [])
    assert job.outcomes == [[2, "update", other.email, ["title"]]]
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    kept.refresh_from_db()
    assert kept.title == "Head of Practice" and kept.email == "grace.liu@brightpath.example"
    assert Prospect.objects.count() == 1


def test_who_may_merge_follows_who_may_edit(client, rep, teammate, manager, outsider,
                                            other_manager, pair, teammates_prospect):  # fmt: skip
    kept, other = pair
    client.force_login(rep)
    assert client.get(merge_url(teammates_prospect)).status_code == 404
    assert client.get(merge_url(kept, teammates_prospect)).status_code == 404
    assert client.post(merge_url(kept), {"other": teammates_prospect.pk}).status_code == 404
    for stranger in (outsider, other_manager):
        client.force_login(stranger)
        assert client.get(merge_url(kept, other)).status_code == 404
        assert client.post(merge_url(kept), {"other": other.pk}).status_code == 404
    assert Prospect.objects.filter(pk=other.pk).exists()
    client.force_login(manager)
    assert client.post(merge_url(kept), {"other": other.pk}).status_code == 302
    assert not Prospect.objects.filter(pk=other.pk).exists()


def test_the_merge_page_finds_likely_duplicates(client, rep, pair, outside_prospect):
    kept, other = pair
    client.force_login(rep)
    page = client.get(merge_url(kept)).text
    assert other.email in page and kept.email not in page.split("Which record")[1]
    page = client.get(merge_url(kept), {"q": outside_prospect.last_name}).text
    assert outside_prospect.email not in page


def test_a_deleted_person_is_hidden_everywhere_and_can_be_brought_back(client, rep, pair):
    kept, _ = pair
    followup = FollowUpFactory(prospect=kept, due_at=timezone.now() - timedelta(hours=1))
    client.force_login(rep)
    assert (
        "Delete Grace Liu?" in client.get(reverse("prospects:prospect_delete", args=[kept.pk])).text
    )
    response = client.post(reverse("prospects:prospect_delete", args=[kept.pk]))
    assert response.url == reverse("prospects:prospect_list")
    listing = client.get(reverse("prospects:prospect_list")).text
    assert "Deleted Grace Liu. You can undo this until 10:40" in listing
    assert kept.email not in listing
    assert kept.email not in client.get(reverse("prospects:quick_find"), {"q": "Grace"}).text
    assert client.get(kept.get_absolute_url()).status_code == 404
    assert "Send the onboarding checklist" not in client.get(reverse("concierge:queue")).text
    assert concierge.due_followups_dispatch() == 0, "no follow-up fires for a deleted person"
    assert ProspectHistory.objects.get(prospect=kept).action == "deleted"

    response = client.post(reverse("prospects:prospect_restore", args=[kept.pk]))
    assert response.url == kept.get_absolute_url()
    assert "Send the onboarding checklist" in client.get(reverse("concierge:queue")).text
    assert "Deleted Grace" not in client.get(reverse("prospects:prospect_list")).text
    assert "was brought back" in client.get(kept.get_absolute_url()).text
    followup.refresh_from_db()
    assert followup.status == "scheduled"


def test_a_deleted_persons_conversations_and_opportunities_leave_the_account_and_the_api(
    client, rep, pair
):
    from api.models import ApiToken

    kept, _ = pair
    ConversationFactory(prospect=kept, rep=rep, quotes="Who trains the new dispatchers?")
    OpportunityFactory(prospect=kept, owner=rep, account=kept.account, name="Brightpath pilot")
    _, raw = ApiToken.issue(user=rep, name="Zapier")
    api = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.force_login(rep)
    account = kept.account.get_absolute_url()
    assert "Brightpath pilot" in client.get(account).text
    assert client.get("/api/v1/conversations/", **api).json()["results"]
    client.post(reverse("prospects:prospect_delete", args=[kept.pk]))
    page = client.get(account).text
    assert "Who trains the new dispatchers?" not in page and "Brightpath pilot" not in page
    for path in ("conversations", "opportunities", "engagements", "followups"):
        assert client.get(f"/api/v1/{path}/", **api).json()["results"] == [], path
    client.post(reverse("prospects:prospect_restore", args=[kept.pk]))
    assert "Brightpath pilot" in client.get(account).text, "undo brings them back"


def test_after_the_window_the_sweep_deletes_for_good_and_undo_is_too_late(client, rep, pair, clock):
    kept, other = pair
    ConversationFactory(prospect=kept)
    services.prospect_delete(prospect=kept, by=rep)
    clock.move_to(timezone.now() + UNDO_WINDOW - timedelta(seconds=30))
    assert services.deleted_purge() == 0
    clock.move_to(timezone.now() + timedelta(minutes=1))
    client.force_login(rep)
    client.post(reverse("prospects:prospect_restore", args=[kept.pk]))
    assert Prospect.all_objects.get(pk=kept.pk).deleted_at is not None, "too late to undo"
    assert services.deleted_purge() == 1
    assert not Prospect.all_objects.filter(pk=kept.pk).exists()
    assert Prospect.objects.filter(pk=other.pk).exists()
    actions = list(ProspectHistory.objects.values_list("action", "subject"))
    assert ("purged", f"Grace Liu <{kept.email}>") in actions


def test_a_deleted_persons_address_can_be_added_again_and_undo_then_says_why_not(rep, pair):
    kept, _ = pair
    services.prospect_delete(prospect=kept, by=rep)
    again = ProspectFactory(owner=rep, email=kept.email.upper())
    with pytest.raises(services.RestoreRefused, match="merge them instead"):
        services.prospect_restore(prospect=kept, by=rep)
    assert Prospect.objects.get(pk=again.pk)


def test_others_cannot_delete_or_undo(client, rep, teammate, outsider, other_manager, pair):
    kept, _ = pair
    for stranger in (teammate, outsider, other_manager):
        client.force_login(stranger)
        assert client.post(reverse("prospects:prospect_delete", args=[kept.pk])).status_code == 404
    services.prospect_delete(prospect=kept, by=rep)
    for stranger in (teammate, outsider, other_manager):
        client.force_login(stranger)
        assert client.post(reverse("prospects:prospect_restore", args=[kept.pk])).status_code == 404
    assert Prospect.all_objects.get(pk=kept.pk).deleted_at is not None
