"""Coaching: a manager comments on a rep's conversation, the rep sees it and replies; nobody
else sees it."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from empathy_crm.models import Notification
from insights.models import CoachingComment
from tests.factories import ConversationFactory, ProspectFactory


def conversation_of(rep):
    return ConversationFactory(prospect=ProspectFactory(owner=rep), rep=rep)


def test_manager_coaches_on_a_field_and_the_rep_is_told(
    client, manager, rep, django_capture_on_commit_callbacks
):
    talk = conversation_of(rep)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("insights:comment_add", args=[talk.pk]),
            {"field": "help_given", "text": "Lovely: you asked first."},
        )
    assert response.status_code == 302
    comment = CoachingComment.objects.get()
    assert (comment.field, comment.author, comment.conversation) == ("help_given", manager, talk)
    notice = Notification.objects.get(user=rep)
    assert notice.kind == Notification.Kind.COACHING_COMMENT
    assert notice.url == reverse("insights:conversation", args=[talk.pk]) + f"#c{comment.pk}"
    assert "the help given" in notice.message
    assert [m.to for m in mail.outbox] == [[rep.email]]


def test_the_rep_sees_their_coaching_and_replies(client, manager, rep):
    talk = conversation_of(rep)
    client.force_login(manager)
    client.post(reverse("insights:comment_add", args=[talk.pk]), {"text": "Try asking why."})
    comment = CoachingComment.objects.get()
    client.force_login(rep)
    inbox = client.get(reverse("insights:coaching")).text
    assert "Try asking why." in inbox
    response = client.post(reverse("insights:reply_add", args=[comment.pk]), {"text": "Will do!"})
    assert response.status_code == 302
    reply = CoachingComment.objects.get(reply_to=comment)
    assert reply.author == rep
    assert Notification.objects.get(user=manager).kind == Notification.Kind.COACHING_REPLY


def test_a_rep_sees_only_coaching_on_their_own_conversations(client, manager, rep, teammate):
    mine, theirs = conversation_of(rep), conversation_of(teammate)
    client.force_login(manager)
    client.post(reverse("insights:comment_add", args=[mine.pk]), {"text": "For rep"})
    client.post(reverse("insights:comment_add", args=[theirs.pk]), {"text": "For teammate"})
    client.force_login(rep)
    page = client.get(reverse("insights:coaching")).text
    assert "For rep" in page and "For teammate" not in page
    assert client.get(reverse("insights:conversation", args=[theirs.pk])).status_code == 404
    theirs_comment = CoachingComment.objects.get(text="For teammate")
    assert (
        client.post(
            reverse("insights:reply_add", args=[theirs_comment.pk]), {"text": "Sneaky"}
        ).status_code
        == 404
    )
    # A rep does not start coaching threads, not even on their own conversation.
    assert (
        client.post(
            reverse("insights:comment_add", args=[mine.pk]), {"text": "Self-praise"}
        ).status_code
        == 403
    )
    assert CoachingComment.objects.count() == 2


def test_managers_coach_only_their_own_team(client, rep, other_manager, admin_user):
    talk = conversation_of(rep)
    client.force_login(other_manager)
    assert client.get(reverse("insights:conversation", args=[talk.pk])).status_code == 404
    assert (
        client.post(
            reverse("insights:comment_add", args=[talk.pk]), {"text": "Not mine"}
        ).status_code
        == 404
    )
    assert "Not mine" not in client.get(reverse("insights:coaching")).text
    client.force_login(admin_user)
    assert (
        client.post(
            reverse("insights:comment_add", args=[talk.pk]), {"text": "From the admin"}
        ).status_code
        == 302
    )
    assert CoachingComment.objects.get().author == admin_user


def test_an_empty_comment_is_refused_with_a_field_error(client, manager, rep):
    talk = conversation_of(rep)
    client.force_login(manager)
    response = client.post(reverse("insights:comment_add", args=[talk.pk]), {"text": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.text
    assert not CoachingComment.objects.exists()


def test_coaching_given_shows_per_rep_on_the_team_insights(client, switched, manager, rep):
    talk = conversation_of(rep)
    client.force_login(manager)
    for text in ("One", "Two"):
        client.post(reverse("insights:comment_add", args=[talk.pk]), {"text": text})
    client.force_login(rep)
    client.post(
        reverse("insights:reply_add", args=[CoachingComment.objects.first().pk]), {"text": "Thanks"}
    )
    client.force_login(manager)
    rows = client.get(reverse("insights:page")).context["per_owner"]
    assert {row["person"]: row["coaching"] for row in rows}[rep] == 2  # the rep's reply: not


def test_coaching_follows_the_conversations_scope_even_when_the_rep_is_ours(
    client, manager, rep, other_manager, other_team
):
    """A conversation our rep logged on a person now owned by another team (handed over, in
    our team's account) is that team's record: our manager neither sees its coaching nor
    coaches or replies on it; a 404 everywhere, as for the conversation itself."""
    from tests.factories import make_rep

    elsewhere = make_rep(other_team, username="elsewhere")
    ours = ProspectFactory(owner=rep)
    handed = ProspectFactory(owner=elsewhere, account=ours.account)
    talk = ConversationFactory(prospect=handed, rep=rep)
    comment = CoachingComment.objects.create(conversation=talk, author=manager, text="Old note")
    client.force_login(manager)
    assert "Old note" not in client.get(reverse("insights:coaching")).text
    assert client.get(reverse("insights:conversation", args=[talk.pk])).status_code == 404
    assert (
        client.post(reverse("insights:comment_add", args=[talk.pk]), {"text": "x"}).status_code
        == 404
    )
    assert (
        client.post(reverse("insights:reply_add", args=[comment.pk]), {"text": "x"}).status_code
        == 404
    )
    client.force_login(rep)
    assert "Old note" not in client.get(reverse("insights:coaching")).text
    assert (
        client.post(reverse("insights:reply_add", args=[comment.pk]), {"text": "x"}).status_code
        == 404
    )
    assert CoachingComment.objects.count() == 1


def test_the_per_rep_coaching_count_counts_only_what_the_manager_may_see(
    client, switched, manager, rep, other_team
):
    from tests.factories import make_rep

    elsewhere = make_rep(other_team, username="elsewhere")
    visible = conversation_of(rep)
    handed = ConversationFactory(prospect=ProspectFactory(owner=elsewhere), rep=rep)
    for talk in (visible, handed):
        CoachingComment.objects.create(conversation=talk, author=manager, text="Note")
    client.force_login(manager)
    rows = client.get(reverse("insights:page")).context["per_owner"]
    row = next(r for r in rows if r["person"] == rep)
    assert row["coaching"] == 1
    inbox = client.get(row["coaching_url"])
    assert len(inbox.context["page"].object_list) == 1
