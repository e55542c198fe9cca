from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AccountFactory, ProspectFactory

LIST = reverse("prospects:prospect_list")


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def test_rep_sees_their_own_prospects_by_default(client, rep, own_prospect, teammates_prospect):
    client.force_login(rep)
    assert names(client.get(LIST)) == ["Dana Whitfield"]
    assert set(names(client.get(LIST, {"owner": "all"}))) == {"Dana Whitfield", "Marcus Oyelaran"}


def test_manager_sees_the_whole_team_by_default(
    client, manager, own_prospect, teammates_prospect, outside_prospect
):
    client.force_login(manager)
    assert set(names(client.get(LIST))) == {"Dana Whitfield", "Marcus Oyelaran"}


def test_owner_filter_cannot_reach_outside_the_team(client, rep, outsider, outside_prospect):
    client.force_login(rep)
    assert names(client.get(LIST, {"owner": str(outsider.pk)})) == []


def test_search_by_name_email_and_account(client, rep):
    ProspectFactory(
        owner=rep, first_name="Grace", last_name="Liu", email="grace@brightpath.example"
    )
    ProspectFactory(
        owner=rep,
        first_name="Tom",
        last_name="Becker",
        account=AccountFactory(name="Harbor Logistics", owner=rep),
    )
    client.force_login(rep)
    assert names(client.get(LIST, {"q": "grace"})) == ["Grace Liu"]
    assert names(client.get(LIST, {"q": "brightpath"})) == ["Grace Liu"]
    assert names(client.get(LIST, {"q": "harbor"})) == ["Tom Becker"]
    assert names(client.get(LIST, {"q": "tom harbor"})) == ["Tom Becker"]
    assert names(client.get(LIST, {"q": "nobody-like-this"})) == []


def test_filters_by_stage_willingness_feeling_staleness_and_open_question(client, rep):
    now = timezone.now()
    ProspectFactory(owner=rep, first_name="Fresh", stage="deciding", willingness="eager",
                    feeling_trend="rising", last_helpful_touch_at=now - timedelta(days=2),
                    open_question="What does it cost?")  # fmt: skip
    ProspectFactory(owner=rep, first_name="Stale", stage="exploring", willingness="not_now",
                    feeling_trend="falling", last_helpful_touch_at=now - timedelta(days=20))  # fmt: skip
    ProspectFactory(owner=rep, first_name="Never", stage="exploring", willingness="curious")
    client.force_login(rep)

    def first_names(**params):
        return sorted(n.split()[0] for n in names(client.get(LIST, params)))

    assert first_names(stage="deciding") == ["Fresh"]
    assert first_names(willingness="not_now") == ["Stale"]
    assert first_names(trend="falling") == ["Stale"]
    assert first_names(stale="on") == ["Never", "Stale"]
    assert first_names(open_question="on") == ["Fresh"]
    assert first_names(stage="exploring", stale="on", willingness="curious") == ["Never"]


def test_sort_longest_without_help_puts_never_touched_first(client, rep):
    now = timezone.now()
    ProspectFactory(owner=rep, first_name="Recent", last_helpful_touch_at=now - timedelta(days=1))
    ProspectFactory(owner=rep, first_name="Old", last_helpful_touch_at=now - timedelta(days=30))
    client.force_login(rep)
    order = [n.split()[0] for n in names(client.get(LIST, {"sort": "-touch"}))]
    assert order[-1] == "Recent"
    assert order.index("Old") < order.index("Recent")


def test_bad_filter_values_are_ignored_not_errors(client, rep, own_prospect):
    client.force_login(rep)
    response = client.get(LIST, {"stage": "qualified", "sort": "DROP TABLE", "page": "x"})
    assert response.status_code == 200
    assert names(response) == ["Dana Whitfield"]


def test_list_paginates_in_name_order_ignoring_case(client, rep):
    for n in range(30):
        last = f"{'abcdefghij'[n % 10]}{n:02d}"
        ProspectFactory(owner=rep, first_name="Ann", last_name=last.upper() if n % 2 else last)
    client.force_login(rep)
    first = client.get(LIST)
    assert "Page 1 of 2" in first.text
    second = client.get(LIST, {"page": 2})
    shown = [name.split()[1] for name in names(first) + names(second)]
    assert len(names(first)) == 25 and len(shown) == 30
    assert shown == sorted(shown, key=str.upper), "pages keep the A-Z order, whatever the case"


def test_htmx_filtering_returns_only_the_results(client, rep, own_prospect):
    client.force_login(rep)
    response = client.get(LIST, {"q": "dana"}, HTTP_HX_REQUEST="true")
    assert 'id="results"' in response.text
    assert "<form" not in response.text and "<html" not in response.text
    assert "Dana Whitfield" in response.text


def test_empty_list_says_what_to_do(client, rep):
    client.force_login(rep)
    assert "No prospects yet" in client.get(LIST).text
    assert "No one matches these filters" in client.get(LIST, {"q": "zzz"}).text


@pytest.mark.parametrize("who", ["rep", "manager", "admin_user"])
def test_list_query_count_is_constant(client, request, who, rep, django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    client.force_login(user)
    params = {"owner": "all", "q": "a", "stale": "on"}
    ProspectFactory.create_batch(3, owner=rep, first_name="Ana")
    with django_assert_max_num_queries(10) as small:
        client.get(LIST, params)
    ProspectFactory.create_batch(40, owner=rep, first_name="Ana")
    with django_assert_max_num_queries(10) as large:
        response = client.get(LIST, params)
    assert len(names(response)) == 25
    # session, user, groups, (manager's team), team member ids, owners for the filter,
    # accounts matching the search term, count, the page's ids, its rows, follow-ups due
    assert len(large.captured_queries) == len(small.captured_queries)


def test_export_is_the_filtered_list_the_user_may_see(
    client, rep, own_prospect, teammates_prospect, outside_prospect
):
    client.force_login(rep)
    response = client.get(reverse("prospects:prospect_export"), {"owner": "all"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert {r["email"] for r in rows} == {own_prospect.email, teammates_prospect.email}
    only_mine = client.get(reverse("prospects:prospect_export"))
    body = b"".join(only_mine.streaming_content).decode("utf-8-sig")
    assert own_prospect.email in body and teammates_prospect.email not in body


def test_export_neutralises_spreadsheet_formulas(client, rep):
    ProspectFactory(owner=rep, first_name='=HYPERLINK("http://evil")', title="@SUM(A1)")
    client.force_login(rep)
    response = client.get(reverse("prospects:prospect_export"))
    row = next(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert row["first_name"] == '\'=HYPERLINK("http://evil")'
    assert row["title"] == "'@SUM(A1)"


def test_the_filters_summary_counts_only_filters_that_narrow_the_list(client, rep, manager):
    url = reverse("prospects:prospect_list")
    client.force_login(rep)
    assert "data-active" not in client.get(url, {"owner": "me", "q": "dana"}).text  # defaults
    page = client.get(url, {"owner": "all", "stage": "exploring", "stale": "on"}).text
    assert 'data-active="3"' in page and '<span class="count-badge">3</span>' in page
    client.force_login(manager)  # a manager's default owner is the whole team
    assert "data-active" not in client.get(url, {"owner": "all"}).text
    assert 'data-active="1"' in client.get(url, {"owner": "me"}).text


@pytest.mark.parametrize(
    ("who", "shown"), [("rep", "me"), ("manager", "all"), ("admin_user", "all")]
)
def test_the_owner_box_shows_the_owner_the_list_is_filtered_by(client, request, who, shown):
    client.force_login(request.getfixturevalue(who))
    for params in ({}, {"stage": "exploring"}):  # first visit, and a filter that left owner out
        page = client.get(LIST, params).text
        assert f'<option value="{shown}" selected>' in page, params


def test_a_broad_search_counts_up_to_a_limit_and_shows_the_newest_first(client, rep, monkeypatch):
    from prospects import views

    monkeypatch.setattr(views, "COUNT_UP_TO", 5)
    for n in range(8):
        ProspectFactory(
            owner=rep, first_name="Ana", last_name=f"Zed{n}", email=f"ana{n}@ex.example"
        )
    ProspectFactory(owner=rep, first_name="Bea", last_name="Able")
    client.force_login(rep)
    broad = client.get(LIST, {"q": "ana"})
    # Counted up to 5 and no further: the list says "more than", the newest come first
    # (sorting every match by name would read them all), and the pages stop at 5 rows.
    assert "More than 5 prospects, newest first" in broad.text
    assert names(broad)[:3] == ["Ana Zed7", "Ana Zed6", "Ana Zed5"]
    assert len(names(broad)) == 5
    # A search within the limit is counted exactly and sorted by name, as before.
    narrow = client.get(LIST, {"q": "zed1"})
    assert names(narrow) == ["Ana Zed1"]
    assert "1 prospect ·" in " ".join(narrow.text.split())
    # The plain list (no search) keeps its name order past the limit.
    plain = client.get(LIST)
    assert "More than 5 prospects" in plain.text and "newest first" not in plain.text
    assert names(plain)[0] == "Bea Able"


def test_a_big_teams_list_by_name_is_merged_from_each_owner_in_the_same_order(
    client, manager, rep, teammate, outside_prospect, monkeypatch, django_assert_max_num_queries
):
    from prospects import views

    monkeypatch.setattr(views, "COUNT_UP_TO", 4)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    people = [("ana", "Zed", rep), ("Bea", "able", teammate), ("Cy", "Able", rep),
              ("Dee", "Moss", teammate), ("Eve", "moss", rep), ("Flo", "Kent", teammate)]  # fmt: skip
    for first, last, owner in people:
        ProspectFactory(owner=owner, first_name=first, last_name=last)
    client.force_login(manager)
    # Past the count limit each owner's first names come from their own index and merge:
    # the order is the list's usual one (case-insensitive by last, then first name), the
    # other team's person is not in it, and the query count stays the list's.
    with django_assert_max_num_queries(10):
        first_page = client.get(LIST)
    second_page = client.get(LIST, {"page": 2})
    assert "More than 4 prospects" in first_page.text
    assert names(first_page) + names(second_page) == ["Bea able", "Cy Able", "Flo Kent", "Dee Moss"]
