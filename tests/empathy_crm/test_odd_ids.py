"""Ids people (or scripts) type: "²" and "１" pass ``str.isdigit()`` but are no number that
``int()`` or the database takes. Each is a 404 or ignored, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from empathy_crm.ids import is_number, parse_id

ODD = ["²", "１", "٣", "9" * 30, "-1", "1.0", " 1", ""]


@pytest.mark.parametrize("value", ODD)
def test_only_ascii_digits_that_fit_a_bigint_are_an_id(value):
    assert parse_id(value) is None
    assert not is_number(value)


def test_an_id_is_read_as_its_number():
    assert (parse_id("42"), parse_id(7), is_number("730", 3), is_number("7300", 3)) == (
        42, 7, True, False,
    )  # fmt: skip


@pytest.mark.parametrize("value", ODD[:4])
def test_odd_ids_in_query_strings_and_forms_are_never_a_500(client, rep, manager, admin_user,
                                                            own_prospect, value):  # fmt: skip
    client.force_login(rep)
    merge = reverse("prospects:prospect_merge", args=[own_prospect.pk])
    assert client.get(merge, {"other": value}).status_code == 404
    assert client.post(merge, {"other": value}).status_code == 404
    assert client.post(reverse("notices_read"), {"id": value}).status_code == 302
    client.force_login(manager)
    assert client.get(reverse("empathy_maps:review_queue"), {"owner": value}).status_code == 200
    client.force_login(admin_user)
    assert client.get(reverse("prospects:prospect_list"), {"owner": value}).status_code == 200
    audit = reverse("commissions:audit_trail")
    assert client.get(audit, {"type": "plan", "id": value}).status_code == 200
