"""Prospects in Django admin: every page loads; people and accounts stay in one team's
records; what the app derives, records as evidence or promises to repeat is read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prospects.models import (
    Account,
    FormSource,
    Opportunity,
    Prospect,
    ProspectAlias,
    ProspectEvent,
    ProspectHistory,
)
from tests.admin_checks import (
    assert_every_page_loads,
    assert_not_deleted_here,
    assert_read_only,
    selects_of_every_row,
    url,
)
from tests.factories import (
    AccountFactory,
    ContentAssetFactory,
    ConversationFactory,
    EngagementFactory,
    FormSourceFactory,
    InboundDeliveryFactory,
    OpportunityFactory,
    ProspectEventFactory,
    ProspectFactory,
    ProspectImportFactory,
)


@pytest.fixture
def rows(rep, team, own_prospect):
    source = FormSourceFactory(team=team)
    FormSourceFactory(team=team)  # a filter of one choice hides itself
    return [
        own_prospect.account,
        own_prospect,
        ContentAssetFactory(),
        EngagementFactory(prospect=own_prospect, form_source=source),
        ConversationFactory(prospect=own_prospect),
        OpportunityFactory(prospect=own_prospect),
        source,
        InboundDeliveryFactory(form_source=source),
        ProspectEventFactory(prospect=own_prospect),
        ProspectImportFactory(uploaded_by=rep),
        ProspectAlias.objects.create(prospect=own_prospect, team=team, email="dana@old.example"),
        ProspectHistory.objects.create(
            prospect=own_prospect, team=team, actor=rep, action="merged", subject=str(own_prospect)
        ),
    ]


def test_every_list_search_filter_and_record_page_loads(client, superuser, rows):
    client.force_login(superuser)
    assert_every_page_loads(client, "prospects", rows)


def test_no_form_lists_every_row_of_a_table(superuser, rows):
    assert selects_of_every_row("prospects", superuser, rows) == []


@pytest.mark.parametrize("model", ["engagement", "conversation", "inbounddelivery",
                                   "prospectevent", "prospectimport", "prospectalias",
                                   "prospecthistory"])  # fmt: skip
def test_records_of_what_happened_are_read_only(client, superuser, rows, model):
    client.force_login(superuser)
    assert_read_only(client, next(row for row in rows if row._meta.model_name == model))


@pytest.mark.parametrize("model", ["account", "prospect", "contentasset", "opportunity",
                                   "formsource"])  # fmt: skip
def test_editable_records_are_not_deleted_here(client, superuser, rows, model):
    client.force_login(superuser)
    assert_not_deleted_here(client, next(row for row in rows if row._meta.model_name == model))


def test_someone_without_staff_status_is_sent_to_the_admin_sign_in(client, rep):
    client.force_login(rep)
    response = client.get(reverse("admin:prospects_prospect_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Lists stay cheap as the tables grow -----------------------------------------------------


@pytest.mark.parametrize(
    "model, make, queries",
    [
        # Each: the user (with role), the count (count_queries), the page's rows with what
        # they show of related rows (one join each), and any filter's choices:
        # + teams for the team filter
        ("prospect", lambda rep: ProspectFactory(owner=rep), 3),
        # + teams for the team filter
        ("account", lambda rep: AccountFactory(owner=rep), 3),
        # + form sources for the source filter
        ("engagement", lambda rep: EngagementFactory(prospect=ProspectFactory(owner=rep)), 3),
        ("conversation", lambda rep: ConversationFactory(prospect=ProspectFactory(owner=rep)), 2),
        ("opportunity", lambda rep: OpportunityFactory(prospect=ProspectFactory(owner=rep)), 2),
        ("prospectevent", lambda rep: ProspectEventFactory(prospect=ProspectFactory(owner=rep)), 2),
        # + form sources for the source filter
        ("inbounddelivery", lambda rep: InboundDeliveryFactory(), 3),
    ],
)
def test_a_big_list_costs_the_same_queries_however_many_rows(
    client,
    superuser,
    rep,
    django_assert_num_queries,
    session_queries,
    count_queries,
    model,
    make,
    queries,
):
    client.force_login(superuser)
    changelist = reverse(f"admin:prospects_{model}_changelist")
    make(rep)
    with django_assert_num_queries(queries + count_queries + session_queries):
        assert client.get(changelist).status_code == 200
    for _ in range(12):
        make(rep)
    with django_assert_num_queries(queries + count_queries + session_queries):
        assert client.get(changelist).status_code == 200


# --- People and accounts stay in one team's records ------------------------------------------


def prospect_data(prospect: Prospect, **changes) -> dict:
    data = {
        "first_name": prospect.first_name, "last_name": prospect.last_name,
        "email": prospect.email, "title": prospect.title, "phone": prospect.phone,
        "timezone": prospect.timezone, "owner": prospect.owner_id or "",
        "account": prospect.account_id or "", "buying_role": prospect.buying_role,
        "willingness": prospect.willingness, "stage": prospect.stage, "source": "",
        "open_question": prospect.open_question,
    }  # fmt: skip
    return {**data, **changes}


def test_a_person_is_handed_to_a_teammate_and_stays_the_teams_record(
    client, superuser, own_prospect, teammate, team
):
    client.force_login(superuser)
    response = client.post(
        url(Prospect, "change", own_prospect.pk),
        prospect_data(own_prospect, owner=teammate.pk, stage="deciding"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    own_prospect.refresh_from_db()
    assert (own_prospect.owner, own_prospect.stage, own_prospect.team) == (
        teammate,
        "deciding",
        team,
    )


def test_a_person_is_not_handed_to_someone_of_another_team(client, superuser, own_prospect,
                                                           outsider):  # fmt: skip
    client.force_login(superuser)
    response = client.post(
        url(Prospect, "change", own_prospect.pk), prospect_data(own_prospect, owner=outsider.pk)
    )
    assert response.status_code == 200
    assert "does not work in Helpers, whose record this is" in response.text
    own_prospect.refresh_from_db()
    assert own_prospect.owner.username == "rep"


def test_a_person_joins_no_account_of_another_team(client, superuser, own_prospect, outsider):
    elsewhere = AccountFactory(owner=outsider)
    client.force_login(superuser)
    response = client.post(
        url(Prospect, "change", own_prospect.pk),
        prospect_data(own_prospect, account=elsewhere.pk),
    )
    assert "is another team&#x27;s account" in response.text
    own_prospect.refresh_from_db()
    assert own_prospect.account != elsewhere


def test_an_email_is_kept_once_per_team_in_any_case(client, superuser, own_prospect, rep,
                                                    outsider):  # fmt: skip
    other = ProspectFactory(owner=rep, email="grace@brightpath.example")
    ProspectFactory(owner=outsider, email="dana@elsewhere.example")
    client.force_login(superuser)
    taken = client.post(
        url(Prospect, "change", own_prospect.pk),
        prospect_data(own_prospect, email="Grace@Brightpath.example"),
    )
    assert "Helpers has a prospect with this email." in taken.text
    another_teams = client.post(
        url(Prospect, "change", own_prospect.pk),
        prospect_data(own_prospect, email="Dana@Elsewhere.example"),
    )
    assert another_teams.status_code == 302
    own_prospect.refresh_from_db()
    assert own_prospect.email == "dana@elsewhere.example"
    assert other.email == "grace@brightpath.example"


def test_an_added_person_is_their_owners_teams_and_may_join_a_buying_group(
    client, superuser, own_prospect, teammate, team
):
    client.force_login(superuser)
    new = Prospect(first_name="Grace", email="grace@brightpath.example", timezone="UTC",
                   buying_role="unknown", willingness="curious", stage="exploring")  # fmt: skip
    response = client.post(
        url(Prospect, "add"), prospect_data(new, owner=teammate.pk, account=own_prospect.account_id)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    grace = Prospect.objects.get(email="grace@brightpath.example")
    assert (grace.team, grace.account) == (team, own_prospect.account)
    event = ProspectEvent.objects.get(prospect=grace)  # the playbooks hear of it
    assert event.kind == ProspectEvent.Kind.NEW_GROUP_MEMBER


def test_what_the_conversations_keep_on_a_person_is_not_edited_here(
    client, superuser, own_prospect
):
    ConversationFactory(prospect=own_prospect, feeling_before=2, feeling_after=4)
    client.force_login(superuser)
    client.post(
        url(Prospect, "change", own_prospect.pk),
        prospect_data(own_prospect, last_feeling=1, feeling_trend="falling", team=""),
    )
    own_prospect.refresh_from_db()
    assert (own_prospect.last_feeling, own_prospect.feeling_trend) == (None, "")
    assert own_prospect.team.name == "Helpers"


def account_data(account: Account, **changes) -> dict:
    data = {"name": account.name, "domain": account.domain, "owner": account.owner_id or "",
            "industry": "", "size": "", "climb_goal": "", "climb_position": "",
            "climb_blockers": ""}  # fmt: skip
    return {**data, **changes}


def test_an_accounts_owner_is_one_of_its_team_and_its_team_stays(
    client, superuser, rep, outsider, other_team
):
    account = AccountFactory(owner=rep, domain="brightpath.example")
    client.force_login(superuser)
    refused = client.post(url(Account, "change", account.pk),
                          account_data(account, owner=outsider.pk, team=other_team.pk))  # fmt: skip
    assert "does not work in Helpers, whose account this is" in refused.text
    moved = client.post(url(Account, "change", account.pk),
                        account_data(account, name="Brightpath", team=other_team.pk))  # fmt: skip
    assert moved.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.owner, account.team.name) == ("Brightpath", rep, "Helpers")


def test_a_domain_names_one_account_per_team(client, superuser, rep, team, outsider):
    AccountFactory(owner=rep, domain="brightpath.example")
    AccountFactory(owner=outsider, domain="acme.example")
    client.force_login(superuser)
    data = account_data(Account(), name="Brightpath again", team=team.pk)
    taken = client.post(url(Account, "add"), {**data, "domain": "BrightPath.example"})
    assert "Helpers has an account with this domain." in taken.text
    added = client.post(url(Account, "add"), {**data, "domain": "Acme.example"})
    assert added.status_code == 302, added.context["adminform"].form.errors
    assert Account.objects.get(name="Brightpath again").domain == "acme.example"


# --- Opportunities and form sources ----------------------------------------------------------


def test_an_opportunity_won_here_says_when_and_notes_the_change(client, superuser, rows):
    opportunity = next(row for row in rows if isinstance(row, Opportunity))
    client.force_login(superuser)
    data = {"name": opportunity.name, "amount": "1500.00", "status": "won",
            "opened_on": opportunity.opened_on.isoformat()}  # fmt: skip
    undated = client.post(url(Opportunity, "change", opportunity.pk), data)
    assert "Say when it was won or lost." in undated.text
    won = client.post(url(Opportunity, "change", opportunity.pk),
                      {**data, "closed_on": opportunity.opened_on.isoformat()})  # fmt: skip
    assert won.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == "won" and opportunity.status_changed_at is not None
    assert client.get(url(Opportunity, "add")).status_code == 403


def test_a_form_sources_secret_is_never_shown_nor_edited_here(client, superuser, team):
    source = FormSourceFactory(team=team, name="Website")
    secret, token = source.secret, source.secret_encrypted
    client.force_login(superuser)
    page = client.get(url(FormSource, "change", source.pk)).text
    assert f"…{secret[-4:]}" in page
    assert secret not in page and token not in page
    assert secret not in client.get(url(FormSource, "changelist")).text
    saved = client.post(url(FormSource, "change", source.pk),
                        {"name": "Website form", "team": team.pk, "is_active": "",
                         "secret_encrypted": "forged", "secret_hint": "abcd"})  # fmt: skip
    assert saved.status_code == 302
    source.refresh_from_db()
    assert (source.name, source.is_active, source.secret) == ("Website form", False, secret)
    assert client.get(url(FormSource, "add")).status_code == 403
