"""Every prospects view, tried by every role: in scope works, out of scope is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prospects.models import Conversation
from tests.factories import FormSourceFactory, make_rep

PAGES = [
    "prospects:prospect_detail",
    "prospects:prospect_update",
    "prospects:engagement_create",
    "prospects:opportunity_create",
]


def status(client, user, name, prospect):
    client.force_login(user)
    return client.get(reverse(name, args=[prospect.pk])).status_code


@pytest.mark.parametrize("name", PAGES)
def test_rep_works_on_own_prospects(client, rep, own_prospect, name):
    assert status(client, rep, name, own_prospect) == 200


def test_rep_views_but_cannot_edit_a_teammates_prospect(client, rep, teammates_prospect):
    assert status(client, rep, "prospects:prospect_detail", teammates_prospect) == 200
    for name in PAGES[1:]:
        assert status(client, rep, name, teammates_prospect) == 404, name
    page = client.get(reverse("prospects:prospect_detail", args=[teammates_prospect.pk])).text
    assert "Log a helpful conversation" not in page


@pytest.mark.parametrize("who", ["rep", "manager"])
@pytest.mark.parametrize("name", PAGES)
def test_other_teams_prospects_are_404(client, request, who, name, outside_prospect):
    assert status(client, request.getfixturevalue(who), name, outside_prospect) == 404


@pytest.mark.parametrize("name", PAGES)
def test_manager_edits_the_teams_prospects(client, manager, teammates_prospect, name):
    assert status(client, manager, name, teammates_prospect) == 200


@pytest.mark.parametrize("name", PAGES)
def test_admin_reaches_everyone(client, admin_user, outside_prospect, name):
    assert status(client, admin_user, name, outside_prospect) == 200


def test_rep_cannot_log_a_conversation_on_a_teammates_prospect(client, rep, teammates_prospect):
    client.force_login(rep)
    response = client.post(
        reverse("concierge:conversation_create", args=[teammates_prospect.pk]),
        {"channel": "call", "occurred_at": "2026-01-05T10:00", "questions": "x",
         "feeling_before": 2, "feeling_after": 3},
    )  # fmt: skip
    assert response.status_code == 404
    assert not Conversation.objects.exists()


def test_rep_cannot_quick_edit_a_teammates_prospect(client, rep, teammates_prospect):
    client.force_login(rep)
    response = client.post(
        reverse("prospects:prospect_update", args=[teammates_prospect.pk]),
        {"stage": "deciding", "willingness": "eager", "buying_role": "champion", "timezone": "UTC"},
    )
    assert response.status_code == 404
    teammates_prospect.refresh_from_db()
    assert teammates_prospect.stage == "exploring"


@pytest.mark.parametrize(
    ("who", "visible"), [("rep", True), ("manager", True), ("outsider", False)]
)
def test_account_page_follows_its_prospects(client, request, who, visible, own_prospect):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("prospects:account_detail", args=[own_prospect.account_id]))
    assert response.status_code == (200 if visible else 404)


def test_only_editors_change_an_accounts_climb(client, rep, teammate, own_prospect):
    url = reverse("prospects:account_update", args=[own_prospect.account_id])
    client.force_login(teammate)
    assert client.post(url, {"climb_goal": "Hijacked"}).status_code == 404
    client.force_login(rep)
    response = client.post(url, {"climb_goal": "One view of every shipment"})
    assert response.status_code == 302
    own_prospect.account.refresh_from_db()
    assert own_prospect.account.climb_goal == "One view of every shipment"


def test_account_list_shows_the_teams_accounts_and_no_other(
    client, rep, teammate, outsider, own_prospect, outside_prospect
):
    from tests.factories import AccountFactory

    owned_empty = AccountFactory(owner=teammate, name="Owned by the team, nobody in it yet")
    # Another team's account of a company this team works with too: theirs, not ours.
    AccountFactory(owner=outsider, name="Theirs alone", domain="theirs.example")
    client.force_login(rep)
    page = client.get(reverse("prospects:account_list")).text
    for account in (own_prospect.account, owned_empty):
        assert account.name in page
    assert outside_prospect.account.name not in page and "Theirs alone" not in page


@pytest.mark.parametrize(("who", "code"), [("rep", 403), ("manager", 403), ("admin_user", 200)])
def test_only_admins_manage_form_sources(client, request, who, code, team):
    source = FormSourceFactory(team=team)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("prospects:form_source_list")).status_code == code
    old = source.secret
    response = client.post(reverse("prospects:form_source_rotate", args=[source.pk]))
    assert response.status_code == (302 if code == 200 else 403)
    source.refresh_from_db()
    assert (source.secret != old) is (code == 200)


def test_a_new_sources_secret_is_shown_once(client, admin_user, team):
    client.force_login(admin_user)
    response = client.post(
        reverse("prospects:form_source_list"),
        {"name": "Webinar tool", "team": team.pk, "is_active": "on"},
    )
    source = team.form_sources.get()
    secret = source.secret
    assert secret not in str(dict(client.session)), "the session holds it encrypted"
    page = client.get(response["Location"]).text
    assert secret in page and "shown only this once" in page
    assert f"X-Empathy-Source: {source.pk}" in page
    again = client.get(reverse("prospects:form_source_list"))
    assert secret not in again.text and f"ends in <code>{secret[-4:]}</code>" in again.text
    assert "no-store" in again["Cache-Control"]


def test_a_new_secret_is_shown_once_and_the_old_one_works_for_a_day(client, admin_user, team):
    source = FormSourceFactory(team=team, name="Website")
    old = source.secret
    client.force_login(admin_user)
    page = client.post(reverse("prospects:form_source_rotate", args=[source.pk]), {"old": "grace"},
                       follow=True).text  # fmt: skip
    source.refresh_from_db()
    assert source.secret != old and source.secret in page and old not in page
    assert "keeps working for 24 hours" in page
    assert "The old secret works until 19 Nov 2026, 10:30 UTC" in page
    again = client.get(reverse("prospects:form_source_list")).text
    assert source.secret not in again and "The old secret works until" in again


def test_a_leaked_secret_stops_at_once(client, admin_user, team):
    source = FormSourceFactory(team=team)
    client.force_login(admin_user)
    page = client.post(reverse("prospects:form_source_rotate", args=[source.pk]), {"old": "stop"},
                       follow=True).text  # fmt: skip
    source.refresh_from_db()
    assert source.secret in page and "the old one stopped working" in page
    assert not source.previous_secret_works and "The old secret works until" not in page


def test_imports_belong_to_the_person_who_uploaded(client, rep, teammate):
    from prospects.models import ProspectImport

    job = ProspectImport.objects.create(uploaded_by=teammate, filename="x.csv", content="")
    client.force_login(rep)
    assert client.get(reverse("prospects:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("prospects:import_confirm", args=[job.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, own_prospect):
    urls = [reverse(name, args=[own_prospect.pk]) for name in PAGES] + [
        reverse("prospects:prospect_list"),
        reverse("prospects:prospect_export"),
        reverse("prospects:account_list"),
        reverse("prospects:import_upload"),
        reverse("prospects:account_detail", args=[own_prospect.account_id]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_user_without_a_role_sees_no_prospects(client, own_prospect):
    nobody = make_rep(None)
    nobody.groups.clear()
    client.force_login(nobody)
    assert (
        client.get(reverse("prospects:prospect_detail", args=[own_prospect.pk])).status_code == 404
    )
