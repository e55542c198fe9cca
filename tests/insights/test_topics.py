"""What people need: near-duplicates grouped, trends, the people and quotes behind a topic."""

from __future__ import annotations

from django.urls import reverse

from empathy_maps import services as maps
from insights import selectors, services, topics
from insights.models import Topic, TopicMention
from prospects.models import Conversation
from tests.factories import ProspectFactory
from tests.insights.conftest import at, person


def test_near_duplicate_phrasings_share_a_signature_or_group():
    same = {
        topics.signature(p)
        for p in (
            "How long does onboarding really take?",
            "how long will the onboarding take",
            "How long does onboarding take?",
        )
    }
    assert same == {"long onboard take"}
    grouper = topics.Grouper({})
    group = (1, "question")
    grouper.add(group, topics.signature("How do others forecast with messy data?"), 7)
    near = topics.signature("How do other teams forecast with messy data?")
    assert grouper.find(group, near) is not None  # one more word: the same topic
    assert grouper.find(group, topics.signature("What will our security team ask?")) is None
    assert grouper.find((2, "question"), near) is None  # another team's topics are its own


def test_a_text_is_split_into_phrases():
    assert topics.phrases("How do we roll out?\nWhat does it cost? - and security.") == [
        "How do we roll out?",
        "What does it cost?",
        "and security.",
    ]


def test_topics_count_near_duplicates_together_from_the_first_conversations(
    client, switched, manager, rep
):
    for question in (
        "How long does onboarding really take?",
        "How long will onboarding take?",
        "How long does the onboarding take for us?",
    ):
        prospect = ProspectFactory(owner=rep)
        Conversation.objects.create(
            prospect=prospect,
            rep=rep,
            occurred_at=at("2026-11-02"),
            questions=question,
            frustrations="Nobody answers vendors.",
            quotes="We just want a straight answer.",
            feeling_before=2,
            feeling_after=3,
        )
    emap = maps.map_for_prospect(prospect=prospect, author=rep)
    maps.entry_add(empathy_map=emap, quadrant="pains", text="Vendors never answer.", by=rep)
    services.refresh_all()
    scope = selectors.scope_for(manager)
    counted = selectors.topics_with_labels(
        selectors.topic_counts(scope, selectors.comparisons(scope))
    )
    by_label = {row["topic"].need: row for row in counted}
    assert by_label["question"]["n"] == 3  # three phrasings, one topic
    assert by_label["question"]["trend"]["key"] == "few"  # too few mentions to call a trend
    frustrations = [row for row in counted if row["topic"].need == "frustration"]
    assert sum(row["n"] for row in frustrations) == 4  # three conversations and the map
    client.force_login(manager)
    page = client.get(reverse("insights:topic_detail", args=[by_label["question"]["topic"].pk]))
    assert page.status_code == 200
    assert page.text.count("<blockquote>") == 3
    assert "We just want a straight answer." in page.text  # their words, from the conversation
    assert "by 3 people" in page.text


def test_a_topic_rises_when_the_recent_weeks_hold_clearly_more(switched, manager, rep):
    for n in range(14):
        person(rep, at("2026-11-10") if n < 12 else at("2026-10-20"), helped="2026-11-11")
    services.refresh_all()
    scope = selectors.scope_for(manager)
    rows = selectors.topic_counts(scope, selectors.comparisons(scope))
    assert rows[0]["trend"]["key"] == "up"


def test_mentions_are_read_once_and_new_ones_added(switched, rep):
    person(rep, "2026-11-01", helped="2026-11-02")
    services.mentions_refresh()
    first = TopicMention.objects.count()
    services.mentions_refresh()
    assert TopicMention.objects.count() == first
    person(rep, "2026-11-03", helped="2026-11-04")
    services.mentions_refresh()
    assert TopicMention.objects.count() == 2 * first


def test_another_teams_topics_are_not_found(client, switched, rep, outsider, other_manager):
    person(rep, "2026-11-01", helped="2026-11-02")
    services.refresh_all()
    topic = Topic.objects.filter(team=rep.team).first()
    for user in (outsider, other_manager):
        client.force_login(user)
        assert client.get(reverse("insights:topic_detail", args=[topic.pk])).status_code == 404


def mentions_by_week(rep, weeks: dict[str, int]) -> Topic:
    """``n`` mentions of one question in each week (Mondays, UTC), on Tuesday at noon."""
    from datetime import date, timedelta

    prospect = ProspectFactory(owner=rep)
    topic = Topic.objects.create(team=rep.team, need="question", key="price", label="Price?")
    TopicMention.objects.bulk_create(
        TopicMention(
            topic=topic,
            prospect=prospect,
            source="conversation",
            text="Price?",
            occurred_at=at(date.fromisoformat(monday) + timedelta(days=1)),
        )
        for monday, n in weeks.items()
        for _ in range(n)
    )
    return topic


def test_the_trend_compares_whole_weeks_not_the_partial_current_one(switched, manager, rep):
    # The clock: Wednesday 18 November. Forty mentions in each of eight whole weeks and none
    # yet this week: steady. Counting this partial week as a recent one would say falling.
    weeks = [
        "2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12",
        "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09",
    ]  # fmt: skip
    mentions_by_week(rep, dict.fromkeys(weeks, 40))
    for team in (rep.team,):
        services.topic_weeks_refresh(teams=[team])
    for user in (manager, rep):
        scope = selectors.scope_for(user)
        rows = selectors.topic_counts(scope, selectors.comparisons(scope))
        assert rows[0]["trend"]["key"] == "steady", user


def test_a_topics_count_is_the_number_of_quotes_behind_it(client, switched, manager, rep):
    # After: 19 Oct – 18 Nov. Mentions in the week before it and in it.
    topic = mentions_by_week(rep, {"2026-10-12": 3, "2026-10-19": 2, "2026-11-16": 1})
    services.topic_weeks_refresh(teams=[rep.team])
    for user in (manager, rep):
        client.force_login(user)
        listed = client.get(reverse("insights:topic_list")).context["topics"]
        n = next(row["n"] for row in listed if row["topic"] == topic)
        detail = client.get(reverse("insights:topic_detail", args=[topic.pk]))
        assert detail.context["page"].paginator.count == n == 3
