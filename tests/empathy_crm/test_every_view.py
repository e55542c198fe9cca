"""Every URL of the app, tried by people who must not get in.

Each named URL must appear in ``ACCESS`` below, so a new view cannot land without saying who
may use it. For each one: anonymous visitors are sent to sign in; a rep and a manager of
another team get a 404 for this team's records, a 403 for screens their role does not have,
and lists without a trace of this team's records. Afterwards nothing of the team has changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from concierge.models import CalendarFeed, ConciergeTask
from empathy_maps import services as maps
from empathy_maps.models import EmpathyMap, Entry, Persona
from prospects.models import ProspectImport
from tests.factories import (
    AccountFactory,
    ConciergeTaskFactory,
    FormSourceFactory,
    PlaybookStepFactory,
    ProspectFactory,
)

MARK = "Zebedee"  # the team's prospect: must never show up for outsiders
SEARCH = MARK[1:-1]  # finds the team's records, without echoing MARK back in a search box


@dataclass(frozen=True)
class Access:
    """Who may use a view. ``scope``:

    - ``record``: one of the team's records: outsiders get 404;
    - ``list``: everyone signed in gets their own scope: outsiders see 200 without ``MARK``;
    - ``admin`` / ``manager``: a role's screen: a rep (and, for admin, a manager) gets 403;
      a manager of another team gets the screen without ``MARK``, or 404 for a record.
    """

    scope: str
    method: str = "GET"
    args: Callable[[dict], list] | None = None  # the URL's arguments, from the world below
    query: dict | None = None  # GET parameters: a search for the team's record, say

    def expected(self, who: str) -> int:
        """The status ``who`` (a rep or a manager of another team) must get."""
        if self.scope == "admin" or (self.scope == "manager" and who == "outsider"):
            return 403
        return 404 if self.scope == "record" or self.args else 200


def record(args, method="GET"):
    return Access("record", method, args)


ACCESS: dict[str, Access] = {
    "home": Access("list"),
    "people:team_list": Access("admin"),
    "people:my_team": Access("list"),
    "people:team_detail": record(lambda w: [w["team"].pk]),
    "prospects:prospect_list": Access("list", query={"q": SEARCH, "owner": "all"}),
    "prospects:prospect_create": Access("list"),
    "prospects:prospect_export": Access("list", query={"q": SEARCH, "owner": "all"}),
    "prospects:prospect_detail": record(lambda w: [w["prospect"].pk]),
    "prospects:prospect_update": record(lambda w: [w["prospect"].pk]),
    "prospects:conversation_create": record(lambda w: [w["prospect"].pk], "POST"),
    "prospects:engagement_create": record(lambda w: [w["prospect"].pk]),
    "prospects:opportunity_create": record(lambda w: [w["prospect"].pk]),
    "prospects:account_list": Access("list", query={"q": SEARCH}),
    "prospects:account_options": Access("list", query={"company": SEARCH}),
    "prospects:account_detail": record(lambda w: [w["account"].pk]),
    "prospects:account_update": record(lambda w: [w["account"].pk], "POST"),
    "prospects:import_upload": Access("list"),
    "prospects:import_detail": record(lambda w: [w["import"].pk]),
    "prospects:import_confirm": record(lambda w: [w["import"].pk], "POST"),
    "prospects:form_source_list": Access("admin"),
    "prospects:form_source_rotate": Access("admin", "POST", lambda w: [w["source"].pk]),
    "concierge:queue": Access("list"),
    "concierge:playbook_list": Access("admin"),
    "concierge:playbook_create": Access("admin"),
    "concierge:playbook_edit": Access("admin", args=lambda w: [w["step"].playbook_id]),
    "concierge:playbook_toggle": Access("admin", "POST", lambda w: [w["step"].playbook_id]),
    "concierge:playbook_step_move": Access(
        "admin", "POST", lambda w: [w["step"].playbook_id, w["step"].pk, "up"]
    ),
    "concierge:calendar_settings": Access("list"),
    "concierge:task_detail": record(lambda w: [w["task"].pk]),
    "concierge:task_done": record(lambda w: [w["task"].pk], "POST"),
    "concierge:task_snooze": record(lambda w: [w["task"].pk], "POST"),
    "concierge:task_skip": record(lambda w: [w["task"].pk], "POST"),
    "concierge:task_reassign": record(lambda w: [w["task"].pk], "POST"),
    "empathy_maps:map_list": Access("list"),
    "empathy_maps:review_queue": Access("manager"),
    "empathy_maps:persona_list": Access("list"),
    "empathy_maps:persona_detail": record(lambda w: [w["persona"].pk]),
    "empathy_maps:persona_members": record(lambda w: [w["persona"].pk], "POST"),
    "empathy_maps:prospect_map": record(lambda w: [w["prospect"].pk]),
    "empathy_maps:board": record(lambda w: [w["map"].pk]),
    "empathy_maps:entry_create": record(lambda w: [w["map"].pk], "POST"),
    "empathy_maps:entry_update": record(lambda w: [w["map"].pk, w["entry"].pk], "POST"),
    "empathy_maps:entry_delete": record(lambda w: [w["map"].pk, w["entry"].pk], "POST"),
    "empathy_maps:entry_move": record(lambda w: [w["map"].pk, w["entry"].pk, "down"], "POST"),
    "empathy_maps:goal_update": record(lambda w: [w["map"].pk], "POST"),
    "empathy_maps:submit": record(lambda w: [w["map"].pk], "POST"),
    "empathy_maps:review": Access("manager", args=lambda w: [w["map"].pk]),
    "empathy_maps:history": record(lambda w: [w["map"].pk]),
    "empathy_maps:export_markdown": record(lambda w: [w["map"].pk]),
}

# Reached without signing in, each with its own credential or none; tested where they live.
PUBLIC = {
    "healthz",  # the floor endpoint: says "ok", nothing else
    "login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete", "password_change", "password_change_done",  # Django's auth
    "concierge:calendar_feed",  # the secret token in the URL (tests/concierge)
    "inbound_engagements",  # HMAC-signed by a form source (tests/prospects/test_inbound_api.py)
}  # fmt: skip


def url_names(patterns=None, namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":  # Django admin checks is_staff itself
                yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_view_says_who_may_use_it():
    names = set(url_names())
    assert names - set(ACCESS) - PUBLIC == set(), "add the new view to ACCESS"
    assert set(ACCESS) - names == set(), "ACCESS names a view that is gone"


@pytest.fixture
def world(team, rep, manager, admin_user):
    prospect = ProspectFactory(owner=rep, first_name=MARK, last_name="Hidden",
                               account=AccountFactory(name=f"{MARK} Holdings"))  # fmt: skip
    emap = maps.map_for_prospect(prospect=prospect, author=rep)
    persona = Persona.objects.create(name=f"{MARK} persona", owner=manager)
    EmpathyMap.objects.create(persona=persona, owner=manager)
    return {
        "team": team,
        "prospect": prospect,
        "account": prospect.account,
        "map": emap,
        "entry": Entry.objects.create(map=emap, quadrant="says", text=f"{MARK} said this"),
        "persona": persona,
        "task": ConciergeTaskFactory(prospect=prospect),
        "import": ProspectImport.objects.create(
            uploaded_by=rep, filename="people.csv", content="email\n"
        ),
        "source": FormSourceFactory(team=team),
        "step": PlaybookStepFactory(),
        "feed": CalendarFeed.objects.create(user=rep),
    }


def call(client, name: str, access: Access, world: dict, *, follow: bool = False):
    url = reverse(name, args=access.args(world) if access.args else [])
    if access.method == "POST":
        return client.post(url, {})
    return client.get(url, access.query or {}, follow=follow)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name):
    response = call(client, name, ACCESS[name], world)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["outsider", "other_manager"])
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_another_team_gets_nothing_of_this_team(client, request, world, who, name):
    client.force_login(request.getfixturevalue(who))
    access = ACCESS[name]
    response = call(client, name, access, world, follow=True)  # "My team" leads to their own
    assert response.status_code == access.expected(who)
    if response.status_code == 200:
        body = b"".join(response) if response.streaming else response.content
        assert MARK.encode() not in body


def test_nothing_changes_when_outsiders_try_every_view(client, world, outsider, other_manager):
    prospect, task = world["prospect"], world["task"]
    before = (prospect.stage, task.status, task.assignee_id, world["source"].secret,
              world["step"].playbook.enabled, world["map"].status, world["map"].goal)  # fmt: skip
    for user in (outsider, other_manager):
        client.force_login(user)
        for name, access in ACCESS.items():
            call(client, name, access, world)
    prospect.refresh_from_db()
    task = ConciergeTask.objects.get(pk=task.pk)
    world["source"].refresh_from_db()
    world["step"].playbook.refresh_from_db()
    emap = EmpathyMap.objects.get(pk=world["map"].pk)
    after = (prospect.stage, task.status, task.assignee_id, world["source"].secret,
             world["step"].playbook.enabled, emap.status, emap.goal)  # fmt: skip
    assert after == before
    assert list(emap.entries.values_list("text", flat=True)) == [f"{MARK} said this"]
    assert ProspectImport.objects.get().status == ProspectImport.Status.PREVIEWED
    assert prospect.conversations.count() == 0
