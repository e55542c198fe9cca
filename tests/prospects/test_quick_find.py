"""The header's "Find a person" suggests people and accounts as one types, in scope."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import AccountFactory, ProspectFactory

FIND = reverse("prospects:quick_find")


def test_suggestions_name_people_and_accounts_the_user_may_see(client, rep, outsider):
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield",
                           email="dana@harbor.example")  # fmt: skip
    AccountFactory(owner=rep, name="Whitfield Freight")
    ProspectFactory(owner=outsider, first_name="Walt", last_name="Whitfield")
    client.force_login(rep)
    fragment = client.get(FIND, {"q": "whitf"}, HTTP_HX_REQUEST="true").text
    assert "<html" not in fragment
    assert dana.get_absolute_url() in fragment and "Whitfield Freight" in fragment
    assert "Walt" not in fragment, "another team's person is never suggested"
    assert "Every person matching “whitf”" in fragment


def test_a_term_that_matches_nobody_says_so_and_one_letter_waits(client, rep):
    client.force_login(rep)
    assert "Nobody you can see matches “zq”" in client.get(FIND, {"q": "zq"}).text
    assert client.get(FIND, {"q": "z"}).text.strip() == ""


def test_suggestions_cost_the_same_queries_however_many_match(
    client, rep, django_assert_num_queries, session_queries
):
    client.force_login(rep)
    client.get(FIND, {"q": "an"})
    # user and role; the team (scope); people (with their accounts); accounts
    with django_assert_num_queries(session_queries + 4):
        client.get(FIND, {"q": "an"})
    for n in range(30):
        ProspectFactory(owner=rep, first_name=f"Anna{n}")
    with django_assert_num_queries(session_queries + 4):
        assert client.get(FIND, {"q": "an"}).text.count("<li") == 7  # six people, "every…"
