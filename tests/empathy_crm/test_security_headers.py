"""Every response says what the browser may run and use, and nothing a signed-in person sees
is kept by a shared cache or stored on disk. (The browser test
``tests/browser/test_content_security_policy.py`` proves the pages run under the policy.)"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from concierge.models import CalendarFeed
from tests.empathy_crm import test_every_view
from tests.empathy_crm.test_every_view import ACCESS

world = test_every_view.world  # the same records, as a fixture here too

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# What a policy without 'unsafe-inline' would refuse: a script without src, an event handler
# attribute, a style attribute or element, a javascript: link.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style\b|javascript:", re.I
)


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def get_pages(world):
    for name, access in sorted(ACCESS.items()):
        if access.method == "GET":
            yield reverse(name, args=access.args(world) if access.args else []), access.query


@pytest.mark.parametrize("who", ["rep", "manager", "admin_user"])
def test_every_signed_in_answer_is_private_no_store_and_runs_no_inline_code(
    client, request, world, who
):
    client.force_login(request.getfixturevalue(who))
    answers = {}
    for url, query in get_pages(world):
        response = client.get(url, query or {})
        body = b"".join(response) if response.streaming else response.content
        answers[url] = (
            {"private", "no-store"} <= cache_control(response),
            response.get("Content-Security-Policy") == CSP,
            "camera=()" in response.get("Permissions-Policy", ""),
            INLINE.findall(body.decode(errors="replace")),
        )
    assert {url: a for url, a in answers.items() if a != (True, True, True, [])} == {}


def test_exports_are_private_and_not_stored(client, rep, world):
    client.force_login(rep)
    csv_export = client.get(reverse("prospects:prospect_export"))
    markdown = client.get(reverse("empathy_maps:export_markdown", args=[world["map"].pk]))
    for response in (csv_export, markdown):
        assert response.status_code == 200
        assert {"private", "no-store"} <= cache_control(response)


def test_pages_without_signing_in_carry_the_policy_and_no_inline_code(client, db):
    for url in (reverse("login"), reverse("password_reset"), "/no/such/page/", "/?q=%00"):
        response = client.get(url)
        assert response["Content-Security-Policy"] == CSP
        assert "microphone=()" in response["Permissions-Policy"]
        assert INLINE.findall(response.text) == []


def test_the_calendar_feed_may_be_kept_by_the_calendar_app_but_no_shared_cache(client, rep):
    """Calendar apps poll the feed; a private copy for five minutes saves them nothing
    worth protecting against, but a shared cache must never keep it: it lists people."""
    feed = CalendarFeed.objects.create(user=rep)
    response = client.get(reverse("concierge:calendar_feed", args=[feed.token]))
    assert response.status_code == 200
    assert cache_control(response) == {"private", "max-age=300"}


def test_the_board_prints_from_a_static_script_not_an_inline_handler(client, rep, world):
    client.force_login(rep)
    board = client.get(reverse("empathy_maps:board", args=[world["map"].pk])).text
    assert "data-print" in board and "js/print.js" in board and "onclick" not in board


def test_htmx_is_told_not_to_inject_styles_or_eval(client, rep):
    client.force_login(rep)
    page = client.get(reverse("home")).text
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page
