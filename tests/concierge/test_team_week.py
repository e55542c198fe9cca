"""The manager's home: how each rep on the team has helped over the last seven days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from concierge.models import FollowUpStatus
from concierge.selectors import team_total, team_week
from empathy_maps.models import EmpathyMap, MapStatus
from tests.factories import (
    ConversationFactory,
    FollowUpFactory,
    ProspectFactory,
    make_rep,
)

HOME = reverse("home")


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def done(owner, *, due_days_ago: float, late_days: float):
    due = days_ago(due_days_ago)
    return FollowUpFactory(prospect=ProspectFactory(owner=owner), due_at=due,
                                status=FollowUpStatus.DONE, receivers_eye="They asked for it.",
                                completed_at=due + timedelta(days=late_days))  # fmt: skip


@pytest.fixture
def week(rep, teammate, manager, outsider):
    dana = ProspectFactory(owner=rep)
    ConversationFactory(prospect=dana, occurred_at=days_ago(1), feeling_before=2, feeling_after=4)
    ConversationFactory(prospect=dana, occurred_at=days_ago(3), feeling_before=3, feeling_after=3)
    ConversationFactory(prospect=dana, occurred_at=days_ago(9))  # before the week
    ConversationFactory(prospect=ProspectFactory(owner=teammate), occurred_at=days_ago(2),
                        feeling_before=4, feeling_after=3)  # fmt: skip
    ConversationFactory(prospect=ProspectFactory(owner=outsider), occurred_at=days_ago(1))
    done(rep, due_days_ago=4, late_days=0.5)  # on time
    done(rep, due_days_ago=5, late_days=3)  # late
    done(rep, due_days_ago=20, late_days=0)  # done before the week
    FollowUpFactory(prospect=dana, due_at=days_ago(1), status=FollowUpStatus.DUE)  # overdue
    FollowUpFactory(prospect=dana, due_at=days_ago(-2))  # due later: not overdue
    FollowUpFactory(prospect=dana, due_at=days_ago(2), status=FollowUpStatus.SKIPPED)


def test_each_rep_gets_their_week_and_the_team_its_total(week, rep, teammate, manager):
    weeks = {w.person.username: w for w in team_week(manager)}
    assert set(weeks) == {"rep", "teammate"}, "the team without its manager or other teams"
    mine = weeks["rep"]
    assert (mine.conversations, mine.feeling_shift) == (2, 1.0)
    assert (mine.done, mine.done_on_time, mine.on_time_percent, mine.overdue) == (2, 1, 50, 1)
    theirs = weeks["teammate"]
    assert (theirs.conversations, theirs.feeling_shift, theirs.on_time_percent) == (1, -1.0, None)
    total = team_total(list(weeks.values()))
    assert (total.conversations, total.done, total.overdue) == (3, 2, 1)
    assert total.feeling_shift == pytest.approx(1 / 3), "weighted by conversations"


def test_a_deleted_persons_follow_ups_are_not_counted_overdue(week, rep, manager):
    gone = ProspectFactory(owner=rep)
    FollowUpFactory(prospect=gone, due_at=days_ago(2), status=FollowUpStatus.DUE)
    assert {w.person.username: w.overdue for w in team_week(manager)}["rep"] == 2
    gone.deleted_at = timezone.now()  # deleted, still within its undo window
    gone.save(update_fields=["deleted_at"])
    assert {w.person.username: w.overdue for w in team_week(manager)}["rep"] == 1


def test_the_manager_sees_the_week_on_their_home_page(client, week, manager, rep):
    client.force_login(manager)
    page = client.get(HOME).text
    assert "The last 7 days" in page
    assert 'class="trend-rising">+1.0<' in page and 'class="trend-falling">-1.0<' in page
    assert '<td class="num">50%</td>' in page
    assert f'<a href="{reverse("prospects:prospect_list")}?owner={rep.pk}">{rep}</a>' in page


def test_a_manager_without_reps_is_told_what_will_appear(client, manager):
    client.force_login(manager)
    assert "No reps on your team yet" in client.get(HOME).text


def test_the_week_costs_the_same_queries_for_a_bigger_team(
    client, week, rep, manager, team, django_assert_num_queries, session_queries
):
    EmpathyMap.objects.create(prospect=ProspectFactory(owner=rep), owner=rep,
                              status=MapStatus.SUBMITTED, version=1)  # fmt: skip
    client.force_login(manager)
    # session (unless cached), user with role, team member ids, ids of the maps waiting
    # longest, those maps with their subjects, the team's people, their conversations,
    # their follow-ups, maps waiting per rep ("Your team"), follow-ups due (navigation
    # badge), unread notices (the bell)
    with django_assert_num_queries(10 + session_queries):
        client.get(HOME)
    extras = [make_rep(team) for _ in range(5)]
    for extra in extras:
        ConversationFactory(prospect=ProspectFactory(owner=extra), occurred_at=days_ago(1))
        done(extra, due_days_ago=1, late_days=0)
        EmpathyMap.objects.create(prospect=ProspectFactory(owner=extra), owner=extra,
                                  status=MapStatus.SUBMITTED, version=1)  # fmt: skip
        FollowUpFactory(prospect=ProspectFactory(owner=extra), due_at=days_ago(1))
    with django_assert_num_queries(10 + session_queries):
        response = client.get(HOME)
    assert str(extras[-1]) in response.text


def test_your_team_shows_who_needs_coaching_and_what_waits(client, week, rep, teammate, manager):
    EmpathyMap.objects.create(prospect=ProspectFactory(owner=rep), owner=rep,
                              status=MapStatus.SUBMITTED, version=1)  # fmt: skip
    EmpathyMap.objects.create(prospect=ProspectFactory(owner=rep), owner=rep,
                              status=MapStatus.SUBMITTED, version=1)  # fmt: skip
    ConversationFactory(prospect=ProspectFactory(owner=rep), occurred_at=days_ago(1),
                        help_given="")  # fmt: skip
    quiet = make_rep(teammate.team, first_name="Quinn", last_name="Quiet")
    client.force_login(manager)
    page = client.get(HOME).text
    card = page.split('id="team-heading"')[1]
    queue = reverse("empathy_maps:review_queue")
    assert f'<a href="{queue}?owner={rep.pk}">2 empathy maps waiting for your review</a>' in card
    assert "1 conversation this week without the help given written down" in card
    assert f'?owner={rep.pk}">1 follow-up overdue</a>' in card
    assert "People felt worse after their conversations this week" in card, "the teammate"
    assert card.index(str(rep)) < card.index(str(teammate)) < card.index(str(quiet)), (
        "who needs the most first; the all clear last"
    )
    assert card.count("Needs coaching") == 2 and card.count("All clear") == 1
    links = [
        reverse("empathy_maps:review", args=[m.pk]) for m in EmpathyMap.objects.filter(owner=rep)
    ]
    only_reps = client.get(queue, {"owner": rep.pk}).text
    assert all(f'href="{link}"' in only_reps for link in links)
    only_teammates = client.get(queue, {"owner": teammate.pk}).text
    assert not any(f'href="{link}"' in only_teammates for link in links)


def test_a_rep_sees_their_own_week_on_their_home_page(client, week, rep):
    client.force_login(rep)
    page = client.get(HOME).text
    assert "Your last 7 days" in page
    assert '<dd class="stat">2</dd>' in page, "two conversations this week"
    assert 'class="trend-rising">+1.0<' in page
    assert "50%" in page and "1 of 2 done" in page
    assert "1 follow-up overdue." in page


def test_a_rep_with_a_quiet_week_is_told_how_to_fill_it(client, rep):
    client.force_login(rep)
    assert "Nothing logged this week yet" in client.get(HOME).text


def test_a_reps_home_costs_the_same_queries_however_busy_their_week(
    client, rep, django_assert_num_queries, session_queries
):
    client.force_login(rep)
    # session (unless cached), user with role, follow-ups due today, the week's
    # conversations, the week's follow-ups, follow-ups due (navigation badge), their team,
    # unread notices (the bell)
    with django_assert_num_queries(7 + session_queries):
        client.get(HOME)
    for _ in range(5):
        ConversationFactory(prospect=ProspectFactory(owner=rep), occurred_at=days_ago(1))
        done(rep, due_days_ago=2, late_days=0)
    with django_assert_num_queries(7 + session_queries):
        assert "100%" in client.get(HOME).text
