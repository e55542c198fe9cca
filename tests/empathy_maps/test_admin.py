"""Empathy maps in Django admin: to look at; a persona's name and description to edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from empathy_maps import services
from empathy_maps.models import Persona
from prospects.models import Prospect
from tests.admin_checks import (
    assert_every_page_loads,
    assert_not_deleted_here,
    assert_read_only,
    selects_of_every_row,
    url,
)
from tests.factories import ConversationFactory, ProspectFactory


@pytest.fixture
def rows(rep, manager, own_prospect):
    talk = ConversationFactory(prospect=own_prospect, quotes="I can't survive another rollout.")
    emap = services.map_for_prospect(prospect=own_prospect, author=rep)
    entry = services.entry_add(empathy_map=emap, quadrant="says", by=rep, conversation=talk,
                               text="Can't survive another failed rollout")  # fmt: skip
    version = services.map_submit(empathy_map=emap, by=rep)
    services.map_review(empathy_map=emap, reviewer=manager, approve=False,
                        comment="What do they do when it fails?")  # fmt: skip
    persona = services.persona_create(name="Ops leads", description="", owner=rep)
    services.persona_members_add(persona=persona, prospects=Prospect.objects.all())
    return [persona, emap, entry, version, emap.comments.get()]


def test_every_list_search_filter_and_record_page_loads(client, superuser, rows):
    client.force_login(superuser)
    assert_every_page_loads(client, "empathy_maps", rows)


def test_no_form_lists_every_row_of_a_table(superuser, rows):
    assert selects_of_every_row("empathy_maps", superuser, rows) == []


@pytest.mark.parametrize("model", ["empathymap", "entry", "mapversion", "reviewcomment"])
def test_maps_entries_versions_and_reviews_are_read_only(client, superuser, rows, model):
    client.force_login(superuser)
    assert_read_only(client, next(row for row in rows if row._meta.model_name == model))


def test_a_personas_words_are_edited_here_its_members_and_owner_are_not(
    client, superuser, rows, rep, teammate
):
    persona = rows[0]
    client.force_login(superuser)
    page = client.get(url(Persona, "change", persona.pk)).text
    assert "Members" in page and 'name="members"' not in page  # a count, not a list
    response = client.post(url(Persona, "change", persona.pk), {
        "name": "Operations leads", "description": "They run the rollout.",
        "owner": teammate.pk, "members": [],
    })  # fmt: skip
    assert response.status_code == 302
    persona.refresh_from_db()
    assert (persona.name, persona.description) == ("Operations leads", "They run the rollout.")
    assert persona.owner == rep
    assert persona.members.count() == 1
    assert client.get(url(Persona, "add")).status_code == 403
    assert_not_deleted_here(client, persona)


@pytest.mark.parametrize(
    "model, queries",
    [
        # Each: the user (with role), the count (count_queries), the page's rows with what
        # they show of related rows: whom the map is about (a person or a persona), its
        # author or the entry's
        ("empathymap", 2),
        ("entry", 2),
    ],
)
def test_a_big_list_costs_the_same_queries_however_many_rows(
    client, superuser, rep, django_assert_num_queries, session_queries, count_queries, model,
    queries,
):  # fmt: skip
    def more():
        emap = services.map_for_prospect(prospect=ProspectFactory(owner=rep), author=rep)
        services.entry_add(empathy_map=emap, quadrant="feels", text="Tired", by=rep)

    client.force_login(superuser)
    changelist = reverse(f"admin:empathy_maps_{model}_changelist")
    more()
    with django_assert_num_queries(queries + count_queries + session_queries):
        assert client.get(changelist).status_code == 200
    for _ in range(12):
        more()
    with django_assert_num_queries(queries + count_queries + session_queries):
        assert client.get(changelist).status_code == 200
