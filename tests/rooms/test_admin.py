"""Climb rooms in Django admin: an admin sets a team's room colour; rooms and what the team
saw are read-only there, and no personal link is ever shown (only its hash is kept)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rooms.models import RoomEvent, TeamBrand
from rooms.services import opened
from tests.admin_checks import assert_every_page_loads, assert_read_only, selects_of_every_row


@pytest.fixture
def rows(team, room, furnished, graces_link):
    opened(member=graces_link.member, step=furnished["step"])
    return [TeamBrand.objects.create(team=team, colour="plum"), room, RoomEvent.objects.get()]


def test_every_list_and_record_page_loads(client, superuser, rows):
    client.force_login(superuser)
    assert_every_page_loads(client, "rooms", rows)


def test_no_form_lists_every_row_of_a_table(superuser, rows):
    assert selects_of_every_row("rooms", superuser, rows) == []


@pytest.mark.parametrize("model", ["room", "roomevent"])
def test_rooms_and_their_events_are_read_only(client, superuser, rows, model):
    client.force_login(superuser)
    assert_read_only(client, next(row for row in rows if row._meta.model_name == model))


def test_an_admin_sets_a_teams_colour_and_the_room_wears_it(client, superuser, team, rows,
                                                           graces_link):  # fmt: skip
    client.force_login(superuser)
    brand = rows[0]
    url = reverse("admin:rooms_teambrand_change", args=[brand.pk])
    client.post(url, {"team": team.pk, "colour": "forest"})
    assert TeamBrand.objects.get().colour == "forest"
    page = client.get(reverse("room:view", args=[graces_link.token])).text
    assert '<body class="brand-forest">' in page and graces_link.token not in page.replace(
        f"/room/{graces_link.token}/", ""
    )
