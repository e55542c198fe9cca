from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from empathy_crm.models import Notification
from empathy_maps import services
from empathy_maps.models import EmpathyMap, Entry, MapStatus
from tests.factories import ConversationFactory, ProspectFactory


@pytest.fixture
def talk(own_prospect):
    return ConversationFactory(prospect=own_prospect, questions="How do we roll this out?",
                               quotes="I can't survive another failed rollout.",
                               frustrations="The last tool was forced on them.")  # fmt: skip


@pytest.fixture
def emap(rep, own_prospect):
    return services.map_for_prospect(prospect=own_prospect, author=rep)


def post(client, name, emap, *args, **data):
    return client.post(
        reverse(f"empathy_maps:{name}", args=[emap.pk, *args]), data, HTTP_HX_REQUEST="true"
    )


def test_a_prospects_map_is_started_with_a_post_and_opened_with_a_get(client, rep, own_prospect):
    client.force_login(rep)
    assert "Empathy map" in client.get(own_prospect.get_absolute_url()).text
    url = reverse("empathy_maps:prospect_map", args=[own_prospect.pk])
    page = client.get(url)
    assert "Start an empathy map" in page.text and not EmpathyMap.objects.exists(), (
        "GET writes nothing"
    )
    response = client.post(url)
    emap = EmpathyMap.objects.get()
    assert response["Location"] == emap.get_absolute_url()
    assert emap.owner == rep and emap.status == MapStatus.DRAFT
    assert client.get(url)["Location"] == emap.get_absolute_url(), "GET opens it once it exists"
    client.post(url)
    assert EmpathyMap.objects.count() == 1, "starting twice opens the same map"


def test_a_teammate_sees_the_maps_of_a_person_but_cannot_start_one(
    client, rep, teammate, own_prospect
):
    emap = services.map_for_prospect(prospect=own_prospect, author=rep)
    client.force_login(teammate)
    url = reverse("empathy_maps:prospect_map", args=[own_prospect.pk])
    page = client.get(url)
    assert "Start an empathy map" not in page.text
    assert emap.get_absolute_url() in page.text, "the owner's map is listed"
    assert client.post(url).status_code == 404
    assert EmpathyMap.objects.count() == 1


def test_one_click_turns_a_quote_into_an_entry_with_its_evidence(client, rep, emap, talk):
    client.force_login(rep)
    board = client.get(emap.get_absolute_url()).text
    assert "I can&#x27;t survive another failed rollout." in board  # in the evidence drawer
    response = post(client, "entry_create", emap, quadrant="says", text=talk.quote_lines[0],
                    conversation=talk.pk, quote=talk.quote_lines[0])  # fmt: skip
    entry = Entry.objects.get()
    assert (entry.quadrant, entry.evidence_conversation, entry.has_evidence) == ("says", talk, True)
    assert 'id="board"' in response.text and "<html" not in response.text
    assert "evidence:" in response.text


def test_evidence_in_the_map_says_where_it_went_and_is_not_offered_again(client, rep, emap, talk):
    client.force_login(rep)
    offered = 'aria-label="Map as Pains"'
    assert client.get(emap.get_absolute_url()).text.count(offered) == 3  # question, quote, pain
    response = post(client, "entry_create", emap, quadrant="pains", text=talk.frustrations,
                    conversation=talk.pk)  # fmt: skip
    assert "In the map under <strong>Pains</strong>" in response.text
    assert response.text.count(offered) == 2, "the frustration is mapped; the other two wait"


def test_the_maps_updated_time_follows_each_edit_in_place(client, rep, emap, clock):
    client.force_login(rep)
    clock.move_to("2026-11-19T15:45:00+00:00")
    response = post(client, "entry_create", emap, quadrant="feels", text="Tired of rollouts")
    assert 'id="map-meta" hx-swap-oob="true"' in response.text
    assert "updated Nov 19, 15:45" in response.text


def test_an_observed_entry_without_evidence_is_flagged(client, rep, emap):
    client.force_login(rep)
    response = post(
        client, "entry_create", emap, quadrant="does", text="Builds spreadsheets at night"
    )
    assert "observed, no evidence" in response.text
    assert Entry.objects.get(quadrant="does").needs_evidence is True
    post(client, "entry_create", emap, quadrant="feels", text="Anxious about the board meeting")
    assert Entry.objects.get(quadrant="feels").needs_evidence is False


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Write what they said"), ("x" * 401, "Keep an entry under 400 characters")],
)
def test_empty_or_overlong_entries_are_refused(client, rep, emap, text, message):
    client.force_login(rep)
    response = post(client, "entry_create", emap, quadrant="says", text=text)
    assert message in response.text
    assert not Entry.objects.exists()


def test_evidence_from_someone_else_is_refused(client, rep, emap):
    other = ConversationFactory(prospect=ProspectFactory(owner=rep))
    client.force_login(rep)
    response = post(client, "entry_create", emap, quadrant="says", text="x", conversation=other.pk)
    assert "That evidence is about someone else" in response.text
    assert not Entry.objects.exists()


def test_evidence_outside_the_users_scope_is_a_404(client, rep, emap, outside_prospect):
    hidden = ConversationFactory(prospect=outside_prospect)
    client.force_login(rep)
    assert (
        post(
            client, "entry_create", emap, quadrant="says", text="x", conversation=hidden.pk
        ).status_code
        == 404
    )


def test_entries_move_between_quadrants_reorder_and_go(client, rep, emap):
    client.force_login(rep)
    for text in ("First", "Second"):
        post(client, "entry_create", emap, quadrant="thinks", text=text)
    first, second = Entry.objects.order_by("pk")
    post(client, "entry_move", emap, second.pk, "up")
    assert list(emap.entries.filter(quadrant="thinks").values_list("text", flat=True)) == [
        "Second",
        "First",
    ]
    post(client, "entry_update", emap, first.pk, text="Worried it fails", quadrant="feels")
    first.refresh_from_db()
    assert (first.quadrant, first.text) == ("feels", "Worried it fails")
    post(client, "entry_delete", emap, second.pk)
    assert list(emap.entries.values_list("text", flat=True)) == ["Worried it fails"]


def test_checklist_shows_progress_and_gaps(client, rep, emap, talk):
    client.force_login(rep)
    context = client.get(emap.get_absolute_url()).context
    assert context["progress"] == 20  # only "updated since the last conversation" holds
    post(
        client,
        "goal_update",
        emap,
        goal="Roll out without losing dispatch",
        success="Dispatch uses it daily",
    )
    for quadrant in ("says", "thinks", "does", "feels", "pains", "gains"):
        post(
            client,
            "entry_create",
            emap,
            quadrant=quadrant,
            text=f"about {quadrant}",
            conversation=talk.pk,
        )
    context = client.get(emap.get_absolute_url()).context
    assert context["progress"] == 100, [i for i in context["checklist"] if not i["done"]]


def test_submit_keeps_a_version_lists_gaps_and_locks_editing(client, rep, manager, emap):
    client.force_login(rep)
    post(client, "entry_create", emap, quadrant="says", text="We need it before Q3")
    client.post(reverse("empathy_maps:submit", args=[emap.pk]))
    emap.refresh_from_db()
    version = emap.versions.get()
    assert emap.status == MapStatus.SUBMITTED and version.number == 1
    assert "Their goal is written in their terms" in version.gaps
    assert version.snapshot["entries"][0]["text"] == "We need it before Q3"
    assert Notification.objects.filter(
        user=manager, message__contains="submitted the empathy map"
    ).exists()
    response = post(client, "entry_create", emap, quadrant="says", text="More")
    assert "with your manager for review" in response.text
    assert emap.entries.count() == 1


def test_an_empty_map_cannot_be_submitted(client, rep, emap):
    client.force_login(rep)
    response = client.post(reverse("empathy_maps:submit", args=[emap.pk]), follow=True)
    assert "Add a few entries before you ask for a review." in response.text


def test_manager_returns_with_comments_then_approves_the_revision(client, rep, manager, emap):
    client.force_login(rep)
    post(client, "entry_create", emap, quadrant="says", text="We need it before Q3")
    client.post(reverse("empathy_maps:submit", args=[emap.pk]))
    entry = Entry.objects.get()
    client.force_login(manager)
    assert str(emap.owner) in client.get(reverse("empathy_maps:review_queue")).text
    review = reverse("empathy_maps:review", args=[emap.pk])
    refused = client.post(review, {"decision": "return"}, follow=True)
    assert "Say what would make it deeper" in refused.text
    client.post(review, {"decision": "return", "comment": "What do they feel?",
                         f"entry-{entry.pk}": "Whose deadline is Q3?"})  # fmt: skip
    emap.refresh_from_db()
    assert emap.status == MapStatus.RETURNED
    client.force_login(rep)
    board = client.get(emap.get_absolute_url()).text
    assert "What do they feel?" in board and "Whose deadline is Q3?" in board
    assert Notification.objects.filter(
        user=rep, message__contains="returned for more depth"
    ).exists()
    post(client, "entry_create", emap, quadrant="feels", text="Afraid of another failed rollout")
    client.post(reverse("empathy_maps:submit", args=[emap.pk]))
    client.force_login(manager)
    client.post(review, {"decision": "approve"})
    emap.refresh_from_db()
    assert emap.status == MapStatus.APPROVED
    assert [(v.number, v.review_status) for v in emap.versions.all()] == [
        (2, "approved"),
        (1, "returned"),
    ]
    history = client.get(reverse("empathy_maps:history", args=[emap.pk])).text
    assert history.count("<tr>") == 3  # header and two versions


def test_review_shows_what_changed_since_the_last_approval(client, rep, manager, emap):
    client.force_login(rep)
    post(client, "entry_create", emap, quadrant="says", text="Keep")
    post(client, "entry_create", emap, quadrant="thinks", text="Will move")
    post(client, "entry_create", emap, quadrant="does", text="Will go")
    client.post(reverse("empathy_maps:submit", args=[emap.pk]))
    emap.refresh_from_db()
    services.map_review(empathy_map=emap, reviewer=manager, approve=True)
    moved, gone = Entry.objects.get(text="Will move"), Entry.objects.get(text="Will go")
    post(client, "entry_update", emap, moved.pk, text="Will move", quadrant="feels")
    post(client, "entry_delete", emap, gone.pk)
    post(client, "entry_create", emap, quadrant="gains", text="New")
    emap.refresh_from_db()
    assert emap.status == MapStatus.DRAFT, "changing an approved map starts a new round"
    client.post(reverse("empathy_maps:submit", args=[emap.pk]))
    client.force_login(manager)
    changes = client.get(reverse("empathy_maps:review", args=[emap.pk])).context["changes"]
    assert [e["text"] for e in changes["added"]] == ["New"]
    assert [e["text"] for e in changes["removed"]] == ["Will go"]
    assert [(b["quadrant"], a["quadrant"]) for b, a in changes["moved"]] == [("thinks", "feels")]


def test_author_and_manager_are_emailed(rep, manager, emap, django_capture_on_commit_callbacks):
    from django.core import mail

    services.entry_add(empathy_map=emap, quadrant="says", text="We need it before Q3", by=rep)
    with django_capture_on_commit_callbacks(execute=True):
        services.map_submit(empathy_map=emap, by=rep)
    assert mail.outbox[-1].to == [manager.email]
    assert f"/empathy-maps/{emap.pk}/review/" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        services.map_review(empathy_map=emap, reviewer=manager, approve=False, comment="Feelings?")
    assert mail.outbox[-1].to == [rep.email]
    assert "returned for more depth" in mail.outbox[-1].subject


def test_nobody_reviews_their_own_map_or_an_unsubmitted_one(rep, manager, emap):
    with pytest.raises(services.ValidationError, match="own map"):
        services.map_review(empathy_map=emap, reviewer=rep, approve=True)
    with pytest.raises(services.ValidationError, match="Only a submitted map"):
        services.map_review(empathy_map=emap, reviewer=manager, approve=True)


@pytest.mark.parametrize(("who", "board", "edit", "review"), [
    ("rep", 200, 200, 403), ("teammate", 200, 404, 403), ("manager", 200, 200, 200),
    ("outsider", 404, 404, 403), ("other_manager", 404, 404, 404), ("admin_user", 200, 200, 200),
])  # fmt: skip
def test_who_may_see_edit_and_review_a_map(client, request, emap, who, board, edit, review):
    client.force_login(request.getfixturevalue(who))
    assert client.get(emap.get_absolute_url()).status_code == board
    assert (
        post(client, "entry_create", emap, quadrant="says", text=f"{who} wrote this").status_code
        == edit
    )
    written = list(emap.entries.values_list("text", flat=True))
    assert written == ([f"{who} wrote this"] if edit == 200 else []), "only editors add entries"
    assert client.get(reverse("empathy_maps:review", args=[emap.pk])).status_code == review


def test_markdown_export(client, rep, emap, talk):
    client.force_login(rep)
    post(client, "entry_create", emap, quadrant="says", text="Not another tool", quote="Not another tool",
         conversation=talk.pk)  # fmt: skip
    response = client.get(reverse("empathy_maps:export_markdown", args=[emap.pk]))
    assert response["Content-Type"].startswith("text/markdown")
    body = response.content.decode()
    assert (
        f"# Empathy map: {emap.subject}" in body
        and "## Says\n\n- Not another tool (“Not another tool”)" in body
    )


def test_board_query_count_is_constant(client, rep, emap, talk, django_assert_max_num_queries):
    client.force_login(rep)
    post(client, "entry_create", emap, quadrant="says", text="one", conversation=talk.pk)
    with django_assert_max_num_queries(25) as small:
        client.get(emap.get_absolute_url())
    for n in range(12):
        post(client, "entry_create", emap, quadrant=["says", "feels", "pains"][n % 3], text=f"e{n}",
             conversation=talk.pk)  # fmt: skip
    ConversationFactory.create_batch(4, prospect=emap.prospect, quotes="More words")
    with django_assert_max_num_queries(25) as large:
        client.get(emap.get_absolute_url())
    assert len(large.captured_queries) == len(small.captured_queries)


def submitted_maps(owner, count: int, *, other_team_owner=None) -> list[EmpathyMap]:
    """``count`` maps by ``owner`` submitted a day apart, the first submitted longest ago."""
    start = timezone.now() - timedelta(days=count + 1)
    maps = []
    for n in range(count):
        prospect = ProspectFactory(owner=owner, first_name=f"Person{n:02d}", last_name="Waiting")
        maps.append(EmpathyMap.objects.create(prospect=prospect, owner=owner,
                                              status=MapStatus.SUBMITTED, version=1,
                                              updated_at=start + timedelta(days=n)))  # fmt: skip
    return maps


def test_review_queue_pages_the_longest_waiting_first(
    client, rep, manager, outsider, django_assert_num_queries, session_queries
):
    waiting = submitted_maps(rep, 27)
    submitted_maps(outsider, 2)  # another team's: not this manager's to review
    EmpathyMap.objects.create(prospect=ProspectFactory(owner=manager), owner=manager,
                              status=MapStatus.SUBMITTED)  # fmt: skip  # their own
    client.force_login(manager)
    url = reverse("empathy_maps:review_queue")
    # session (unless cached), user with role, team member ids, count, the page's ids,
    # those maps with their subjects, follow-ups due (navigation badge), unread notices (bell)
    with django_assert_num_queries(7 + session_queries):
        first = client.get(url)
    assert "27 maps waiting" in first.text and "Page 1 of 2" in first.text
    shown = [m.pk for m in first.context["page"].object_list]
    assert shown == [m.pk for m in waiting[:25]]
    second = client.get(url, {"page": 2})
    assert [m.pk for m in second.context["page"].object_list] == [m.pk for m in waiting[25:]]
    with django_assert_num_queries(7 + session_queries):
        client.get(url, {"page": 2})


def test_manager_home_lists_the_six_longest_waiting(client, rep, manager):
    waiting = submitted_maps(rep, 8)
    client.force_login(manager)
    home = client.get(reverse("home"))
    assert [m.pk for m in home.context["to_review"]] == [m.pk for m in waiting[:6]]
    assert "Person00 Waiting" in home.text and "Person07 Waiting" not in home.text


def test_map_list_pages_the_latest_first(client, rep, teammate):
    maps = submitted_maps(rep, 26)
    client.force_login(teammate)  # a teammate sees the team's maps
    url = reverse("empathy_maps:map_list")
    first = client.get(url)
    assert [m.pk for m in first.context["page"].object_list] == [m.pk for m in maps[::-1][:25]]
    assert "Page 1 of 2" in first.text
    assert [m.pk for m in client.get(url, {"page": 2}).context["page"].object_list] == [maps[0].pk]
