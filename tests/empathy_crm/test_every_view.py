"""Every URL of the app, tried by people who must not get in.

Each named URL must appear in ``ACCESS`` below, so a new view cannot land without saying who
may use it. For each one: anonymous visitors are sent to sign in; a rep and a manager of
another team get a 404 for this team's records, a 403 for screens their role does not have,
and lists without a trace of this team's records. Afterwards nothing of the team has changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import ApiToken, WebhookEndpoint
from commissions import services as pay
from commissions.models import (
    AuditEntry,
    CommissionPlan,
    CommissionRule,
    Dispute,
    PayrollBatch,
    Statement,
    StatementLine,
    StatementRun,
)
from concierge.models import CalendarFeed, FollowUp, Playbook, PlaybookStep
from empathy_crm.models import Notification
from empathy_maps import services as maps
from empathy_maps.models import EmpathyMap, Entry, Persona
from insights import services as insights_services
from insights.models import CoachingComment, TeamInsights, Topic
from prospects import services as prospect_services
from prospects.models import (
    Account,
    Conversation,
    FormSource,
    Opportunity,
    Prospect,
    ProspectImport,
)
from rooms import services as rooms
from rooms.models import PlanStep, Room, RoomMember, RoomQuestion, RoomStory
from tests.factories import (
    AccountFactory,
    ContentAssetFactory,
    ConversationFactory,
    FollowUpFactory,
    FormSourceFactory,
    PlaybookStepFactory,
    ProspectFactory,
    make_rep,
)

MARK = "Zebedee"  # the team's prospect: must never show up for outsiders
CLIMB = "Quietly replacing the dispatch system"  # the team's account's climb, in their words
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
    # Valid form data (from the world and the caller): a view that forgot its check would
    # act on it, where an empty body would only fail validation.
    data: Callable[[dict, object], dict] | None = None

    def expected(self, who: str) -> int:
        """The status ``who`` (a rep or a manager of another team) must get."""
        if self.scope == "admin" or (self.scope == "manager" and who == "outsider"):
            return 403
        return 404 if self.scope == "record" or (self.args and self.scope != "list") else 200


def record(args, method="GET", data=None):
    return Access("record", method, args, data=data)


def conversation(w, user):
    return {"channel": "call", "occurred_at": "2026-11-18T09:00", "help_given": f"{user} was here",
            "feeling_before": 2, "feeling_after": 4}  # fmt: skip


def prospect_form(w, user):
    """Adding the team's person, by their email and company: another team's own record."""
    return {"first_name": "Outsider's", "email": w["prospect"].email, "company": w["account"].name,
            "buying_role": "unknown", "willingness": "curious", "stage": "exploring",
            "timezone": "UTC"}  # fmt: skip


def csv_file(w, user):
    row = f"{w['prospect'].email},Outsider's,{w['account'].name},{w['account'].domain}\n"
    return {"file": SimpleUploadedFile("people.csv", b"email,first_name,company,company_domain\n"
                                       + row.encode(), content_type="text/csv")}  # fmt: skip


ACCESS: dict[str, Access] = {
    "home": Access("list"),
    "inbox": Access("list"),
    "notices_read": Access("list", "POST", data=lambda w, u: {"id": w["notice"].pk}),
    "notice_open": record(lambda w: [w["notice"].pk], "POST"),
    "people:team_list": Access("admin"),
    "people:my_team": Access("list"),
    "people:team_detail": record(lambda w: [w["team"].pk]),
    "people:timezone_from_browser": Access(
        "list", "POST", data=lambda w, u: {"timezone": "Europe/Berlin"}
    ),
    "prospects:prospect_list": Access("list", query={"q": SEARCH, "owner": "all"}),
    "prospects:quick_find": Access("list", query={"q": SEARCH}),
    "prospects:prospect_create": Access("list", data=prospect_form),
    "prospects:prospect_export": Access("list", query={"q": SEARCH, "owner": "all"}),
    "prospects:prospect_detail": record(lambda w: [w["prospect"].pk]),
    "prospects:prospect_update": record(
        lambda w: [w["prospect"].pk],
        data=lambda w, u: {
            "title": "Hijacked",
            "buying_role": "skeptic",
            "willingness": "not_now",
            "stage": "resting",
            "timezone": "UTC",
        },
    ),
    "prospects:prospect_merge": record(
        lambda w: [w["prospect"].pk], data=lambda w, u: {"other": w["submitted_map"].prospect_id}
    ),
    "prospects:prospect_delete": record(lambda w: [w["prospect"].pk], data=lambda w, u: {}),
    "prospects:prospect_restore": record(lambda w: [w["deleted"].pk], "POST"),
    "concierge:conversation_create": record(lambda w: [w["prospect"].pk], "POST", conversation),
    "prospects:engagement_create": record(
        lambda w: [w["prospect"].pk],
        data=lambda w, u: {"occurred_at": "2026-11-18T09:00", "why": "Hijacked", "source": "event"},
    ),
    "prospects:opportunity_create": record(
        lambda w: [w["prospect"].pk],
        data=lambda w, u: {
            "name": "Hijacked",
            "amount": "100",
            "status": "open",
            "opened_on": "2026-11-18",
        },
    ),
    "prospects:opportunity_update": record(
        lambda w: [w["opportunity"].pk],
        data=lambda w, u: {
            "name": "Hijacked",
            "amount": "1",
            "status": "lost",
            "opened_on": "2026-11-01",
            "closed_on": "2026-11-02",
        },
    ),
    "prospects:account_list": Access("list", query={"q": SEARCH}),
    "prospects:account_options": Access("list", query={"company": SEARCH}),
    "prospects:account_detail": record(lambda w: [w["account"].pk]),
    "prospects:account_update": record(
        lambda w: [w["account"].pk], "POST", lambda w, u: {"climb_goal": "Hijacked"}
    ),
    "prospects:import_upload": Access("list", data=csv_file),
    "prospects:import_detail": record(lambda w: [w["import"].pk]),
    "prospects:import_confirm": record(lambda w: [w["import"].pk], "POST"),
    "prospects:import_mapping": record(
        lambda w: [w["import"].pk], "POST", lambda w, u: {"column_0": "email"}
    ),
    "prospects:import_bad_rows": record(lambda w: [w["import"].pk]),
    "prospects:form_source_list": Access(
        "admin", data=lambda w, u: {"name": "Hijacked", "team": w["team"].pk, "is_active": "on"}
    ),
    "prospects:form_source_rotate": Access("admin", "POST", lambda w: [w["source"].pk]),
    "concierge:queue": Access("list"),
    "concierge:playbook_list": Access("admin"),
    "concierge:playbook_create": Access(
        "admin",
        data=lambda w, u: {
            "name": "Hijacked",
            "trigger": "new_engagement",
            "no_touch_days": 14,
            "steps-TOTAL_FORMS": 0,
            "steps-INITIAL_FORMS": 0,
        },
    ),
    "concierge:playbook_edit": Access("admin", args=lambda w: [w["step"].playbook_id]),
    "concierge:playbook_toggle": Access("admin", "POST", lambda w: [w["step"].playbook_id]),
    "concierge:playbook_step_move": Access(
        "admin", "POST", lambda w: [w["step"].playbook_id, w["step"].pk, "up"]
    ),
    "concierge:calendar_settings": Access("list"),
    "concierge:followup_detail": record(lambda w: [w["followup"].pk]),
    "concierge:followup_done": record(
        lambda w: [w["followup"].pk],
        "POST",
        lambda w, u: {"outcome": "help_welcomed", "receivers_eye": "Hijacked"},
    ),
    "concierge:followup_snooze": record(
        lambda w: [w["followup"].pk], "POST", lambda w, u: {"until": "tomorrow"}
    ),
    "concierge:followup_skip": record(
        lambda w: [w["followup"].pk], "POST", lambda w, u: {"reason": "Hijacked"}
    ),
    "concierge:followup_reassign": record(
        lambda w: [w["followup"].pk], "POST", lambda w, u: {"to": getattr(u, "pk", "")}
    ),
    "empathy_maps:map_list": Access("list"),
    "empathy_maps:review_queue": Access("manager"),
    "empathy_maps:persona_list": Access("list"),
    "empathy_maps:persona_detail": record(lambda w: [w["persona"].pk]),
    "empathy_maps:persona_members": record(
        lambda w: [w["persona"].pk], "POST", lambda w, u: {"emails": w["prospect"].email}
    ),
    "empathy_maps:prospect_map": record(lambda w: [w["prospect"].pk], data=lambda w, u: {}),
    "empathy_maps:board": record(lambda w: [w["map"].pk]),
    "empathy_maps:entry_create": record(
        lambda w: [w["map"].pk], "POST", lambda w, u: {"quadrant": "says", "text": "Hijacked"}
    ),
    "empathy_maps:entry_update": record(
        lambda w: [w["map"].pk, w["entry"].pk],
        "POST",
        lambda w, u: {"quadrant": "feels", "text": "Hijacked"},
    ),
    "empathy_maps:entry_delete": record(lambda w: [w["map"].pk, w["entry"].pk], "POST"),
    "empathy_maps:entry_move": record(lambda w: [w["map"].pk, w["entry"].pk, "down"], "POST"),
    "empathy_maps:goal_update": record(
        lambda w: [w["map"].pk], "POST", lambda w, u: {"goal": "Hijacked", "success": "Hijacked"}
    ),
    "empathy_maps:submit": record(lambda w: [w["map"].pk], "POST"),
    "empathy_maps:review": Access(
        "manager",
        args=lambda w: [w["submitted_map"].pk],
        data=lambda w, u: {"decision": "approve", "comment": "Hijacked"},
    ),
    "empathy_maps:history": record(lambda w: [w["map"].pk]),
    "empathy_maps:export_markdown": record(lambda w: [w["map"].pk]),
    "commissions:my_earnings": Access("list", query={"period": "2026-10-01"}),
    "commissions:statement_list": Access("manager", query={"period": "2026-10-01"}),
    "commissions:statements_approve": Access(
        "manager", "POST", data=lambda w, u: {"period": "2026-10-01"}
    ),
    "commissions:statement_detail": record(lambda w: [w["statement"].pk]),
    "commissions:statement_approve": record(lambda w: [w["statement"].pk], "POST"),
    "commissions:statement_lock": Access("admin", "POST", lambda w: [w["statement"].pk]),
    "commissions:statement_unlock": Access(
        "admin", "POST", lambda w: [w["statement"].pk], data=lambda w, u: {"reason": "Hijacked"}
    ),
    "commissions:line_exclude": record(
        lambda w: [w["statement"].pk],
        "POST",
        lambda w, u: {"line": w["line"].pk, "reason": "Hijacked"},
    ),
    "commissions:line_source": record(lambda w: [w["statement"].pk, w["line"].pk]),
    "commissions:dispute_raise": record(
        lambda w: [w["statement"].pk],
        "POST",
        lambda w, u: {"line": w["line"].pk, "text": "Hijacked"},
    ),
    "commissions:dispute_answer": record(
        lambda w: [w["statement"].pk, w["dispute"].pk],
        "POST",
        lambda w, u: {"decision": "accept", "answer": "Hijacked", "adjustment": "999"},
    ),
    "commissions:plan_list": Access("admin"),
    "commissions:plan_create": Access(
        "admin",
        data=lambda w, u: {
            "name": "Hijacked",
            "period": "month",
            "currency": "EUR",
            "timezone": "UTC",
            "effective_from": "2026-01-01",
            "teams": [w["team"].pk],
        },
    ),
    "commissions:plan_detail": Access("admin", args=lambda w: [w["plan"].pk]),
    "commissions:plan_edit": Access(
        "admin",
        args=lambda w: [w["plan"].pk],
        data=lambda w, u: {
            "name": "Hijacked",
            "currency": "EUR",
            "timezone": "UTC",
            "teams": [w["team"].pk],
        },
    ),
    "commissions:plan_preview": Access("admin", args=lambda w: [w["plan"].pk]),
    "commissions:plan_what_if": Access(
        "admin", args=lambda w: [w["plan"].pk], query={"first": "2026-10", "last": "2026-10"}
    ),
    "commissions:plan_go_live": Access("admin", "POST", lambda w: [w["draft"].pk]),
    "commissions:plan_end": Access(
        "admin", "POST", lambda w: [w["plan"].pk], data=lambda w, u: {"last_day": "2026-10-31"}
    ),
    "commissions:version_start": Access(
        "admin",
        "POST",
        lambda w: [w["plan"].pk],
        data=lambda w, u: {"effective_from": "2026-12-01", "note": "Hijacked"},
    ),
    "commissions:plan_runs": Access("admin", args=lambda w: [w["plan"].pk]),
    "commissions:plan_run": Access(
        "admin", "POST", lambda w: [w["plan"].pk], data=lambda w, u: {"period": "2026-10-01"}
    ),
    "commissions:rule_add": Access(
        "admin",
        args=lambda w: [w["draft"].pk, w["draft_version"].pk],
        query={"kind": "cap"},
        data=lambda w, u: {"kind": "cap", "amount": "1"},
    ),
    "commissions:rule_edit": Access(
        "admin",
        args=lambda w: [w["draft"].pk, w["draft_version"].pk, 0],
        data=lambda w, u: {"kind": "per_conversation", "amount": "999"},
    ),
    "commissions:rule_remove": Access(
        "admin", "POST", lambda w: [w["draft"].pk, w["draft_version"].pk, 0]
    ),
    "commissions:rule_move": Access(
        "admin", "POST", lambda w: [w["draft"].pk, w["draft_version"].pk, 0, "down"]
    ),
    "commissions:audit_trail": Access("admin"),
    "commissions:payroll": Access("admin", query={"period": "2026-10-01"}),
    "commissions:payroll_lock": Access("admin", "POST", data=lambda w, u: {"period": "2026-10-01"}),
    "commissions:payroll_export": Access(
        "admin", "POST", data=lambda w, u: {"period": "2026-10-01"}
    ),
    "commissions:payroll_download": Access("admin", args=lambda w: [w["batch"].batch_id]),
    "api_tokens": Access("list", data=lambda w, u: {"name": "Hijacked"}),
    "api_token_revoke": record(lambda w: [w["api_token"].pk], "POST"),
    "webhooks": Access(
        "admin", data=lambda w, u: {"url": "https://hijack.example", "topics": ["prospect.created"]}
    ),
    "webhook_detail": Access("admin", args=lambda w: [w["webhook"].pk]),
    "insights:page": Access("list"),
    "insights:switch": Access(
        "manager",
        "POST",
        data=lambda w, u: {
            "switched_on": "2026-01-05",
            "timezone": "UTC",
            "team": w["team"].pk,
        },
    ),
    "insights:rows": Access("list", args=lambda w: ["people"]),
    "insights:export": Access("list", args=lambda w: ["figures"]),
    "insights:topic_list": Access("list"),
    "insights:topic_detail": record(lambda w: [w["topic"].pk]),
    "insights:coaching": Access("list"),
    "insights:conversation": record(lambda w: [w["conversation"].pk]),
    "insights:comment_add": record(
        lambda w: [w["conversation"].pk], "POST", lambda w, u: {"text": "Hijacked"}
    ),
    "insights:reply_add": record(
        lambda w: [w["coaching"].pk], "POST", lambda w, u: {"text": "Hijacked"}
    ),
    "rooms:room_open": record(lambda w: [w["account"].pk], "POST"),
    "rooms:room_detail": record(lambda w: [w["room"].pk]),
    "rooms:room_climb": record(
        lambda w: [w["room"].pk], "POST", lambda w, u: {"goal": "Hijacked", "climb": "Hijacked"}
    ),
    "rooms:question_add": record(
        lambda w: [w["room"].pk], "POST", lambda w, u: {"source": f"c{w['conversation'].pk}"}
    ),
    "rooms:question_edit": record(
        lambda w: [w["room"].pk, w["room_question"].pk],
        "POST",
        lambda w, u: {
            f"q{w['room_question'].pk}-text": "Hijacked",
            f"q{w['room_question'].pk}-remove": "on",
        },
    ),
    "rooms:story_add": record(
        lambda w: [w["room"].pk], "POST", lambda w, u: {"asset": w["room_story"].asset_id}
    ),
    "rooms:story_remove": record(lambda w: [w["room"].pk, w["room_story"].pk], "POST"),
    "rooms:step_add": record(
        lambda w: [w["room"].pk], "POST", lambda w, u: {"title": "Hijacked", "status": "done"}
    ),
    "rooms:step_edit": record(
        lambda w: [w["room"].pk, w["room_step"].pk],
        "POST",
        lambda w, u: {
            f"s{w['room_step'].pk}-title": "Hijacked",
            f"s{w['room_step'].pk}-status": "done",
        },
    ),
    "rooms:member_invite": record(
        lambda w: [w["room"].pk], "POST", lambda w, u: {"prospect": w["prospect"].pk, "days": 7}
    ),
    "rooms:member_revoke": record(lambda w: [w["room"].pk, w["room_member"].pk], "POST"),
    "rooms:member_approve": record(
        lambda w: [w["room"].pk, w["room_colleague"].pk], "POST", lambda w, u: {"days": 7}
    ),
}

# Reached without signing in, each with its own credential or none; tested where they live.
PUBLIC = {
    "healthz",  # the floor endpoint: says "ok", nothing else
    "login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete", "password_change", "password_change_done",  # Django's auth
    "concierge:calendar_feed",  # the secret token in the URL (tests/concierge)
    "inbound_engagements",  # HMAC-signed by a form source (tests/prospects/test_inbound_api.py)
    # A climb room's personal link: one person, one room (tests/rooms/test_room_access.py)
    "room:view", "room:question", "room:helped", "room:step", "room:step_done", "room:ask",
    "room:invite",
}  # fmt: skip

# The REST API: a personal access token, not a session, is its credential; every endpoint ×
# role × another team's record is tried in tests/api/test_access.py.
API = {
    "api:schema", "api:docs",  # the OpenAPI schema and its docs: no records in them
    *(f"api:{name}-{view}" for name in ("prospect", "account", "conversation", "engagement",
                                        "opportunity", "followup", "empathy-map")
      for view in ("list", "detail")),
    "api:followup-done", "api:followup-snooze", "api:followup-skip",
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
    assert names - set(ACCESS) - PUBLIC - API == set(), "add the new view to ACCESS"
    assert set(ACCESS) - names == set(), "ACCESS names a view that is gone"


@pytest.fixture
def world(team, rep, manager, admin_user):
    account = AccountFactory(name=f"{MARK} Holdings", domain="zebedee.example", owner=rep,
                             climb_goal=CLIMB)  # fmt: skip
    prospect = ProspectFactory(owner=rep, first_name=MARK, last_name="Hidden", account=account)
    emap = maps.map_for_prospect(prospect=prospect, author=rep)
    waiting = maps.map_for_prospect(
        prospect=ProspectFactory(owner=rep, account=account), author=rep
    )
    maps.entry_add(empathy_map=waiting, quadrant="says", text=f"{MARK} asked", by=rep)
    maps.map_submit(empathy_map=waiting, by=rep)
    persona = Persona.objects.create(name=f"{MARK} persona", owner=manager)
    EmpathyMap.objects.create(persona=persona, owner=manager)
    pay_world = commissions_world(team, rep, manager, admin_user, prospect)
    return {
        **pay_world,
        "team": team,
        "prospect": prospect,
        "account": account,
        "map": emap,
        "submitted_map": waiting,
        "entry": Entry.objects.create(map=emap, quadrant="says", text=f"{MARK} said this"),
        "persona": persona,
        "followup": FollowUpFactory(prospect=prospect, status="due"),
        "deleted": prospect_services.prospect_delete(
            prospect=ProspectFactory(owner=rep, account=account), by=rep
        ),
        "import": ProspectImport.objects.create(
            uploaded_by=rep,
            filename="people.csv",
            content="email\n",
            header=["email"],
            mapping=["email"],
        ),
        "source": FormSourceFactory(team=team),
        "step": PlaybookStepFactory(),
        "feed": CalendarFeed.objects.create(user=rep),
        "api_token": ApiToken.issue(user=rep, name=f"{MARK} sync")[0],
        "webhook": WebhookEndpoint.objects.create(url="https://hooks.example/crm", topics=[]),
        "opportunity": Opportunity.objects.create(
            account=account,
            prospect=prospect,
            owner=rep,
            name=f"{MARK} rollout",
            amount="1000",
            status="won",
            opened_on="2026-11-01",
            closed_on="2026-11-10",
        ),
        "notice": Notification.objects.create(
            user=rep, kind=Notification.Kind.OTHER, message=f"{MARK} needs you"
        ),
        **insights_world(team, rep, manager, prospect),
        **rooms_world(rep, account, prospect),
    }


def commissions_world(team, rep, manager, admin_user, prospect) -> dict:
    """The team's pay: a live plan, the rep's October statement (a line about MARK), an open
    dispute, another rep's locked statement already exported; and a draft plan."""
    plan = pay.plan_create(
        by=admin_user, name=f"{MARK} pays", period="month", currency="EUR", timezone_name="UTC",
        effective_from=date(2026, 1, 1), teams=[team],
        rules_in=[("per_conversation", "", {"amount": "10.00"})],
    )  # fmt: skip
    pay.plan_go_live(plan=plan, by=admin_user)
    ConversationFactory(prospect=prospect, rep=rep, help_given="Helped", questions="",
                        occurred_at=datetime(2026, 10, 5, 10, tzinfo=UTC))  # fmt: skip
    locked_rep = make_rep(team, username="paidrep")
    ConversationFactory(prospect=prospect, rep=locked_rep, help_given="Helped", questions="",
                        occurred_at=datetime(2026, 10, 6, 10, tzinfo=UTC))  # fmt: skip
    pay.statements_run(plan=plan, start=date(2026, 10, 1))
    statement = Statement.objects.get(rep=rep)
    line = statement.lines.get()
    dispute = pay.dispute_raise(statement=statement, key=line.key, text="Why?", by=rep)
    theirs = Statement.objects.get(rep=locked_rep)
    pay.statement_approve(statement=theirs, by=manager)
    pay.statement_lock(statement=theirs, by=admin_user)
    batch = pay.payroll_export(start=date(2026, 10, 1), by=admin_user)
    draft = pay.plan_create(
        by=admin_user, name=f"{MARK} draft", period="month", currency="EUR",
        timezone_name="UTC", effective_from=date(2027, 1, 1), teams=[team],
        rules_in=[("per_conversation", "", {"amount": "1.00"}), ("cap", "", {"amount": "5"})],
    )  # fmt: skip
    return {"plan": plan, "statement": statement, "line": line, "dispute": dispute,
            "batch": batch, "draft": draft, "draft_version": draft.versions.get()}  # fmt: skip


def commissions_state() -> dict:
    return {
        "plans": list(CommissionPlan.objects.order_by("pk").values_list("name", "status",
                                                                         "effective_to")),
        "rules": list(CommissionRule.objects.order_by("pk").values_list("kind", "params")),
        "statements": list(Statement.objects.order_by("pk").values_list("status", "total")),
        "lines": list(StatementLine.objects.order_by("pk").values_list("excluded", "amount")),
        "disputes": list(Dispute.objects.values_list("status", "text")),
        "runs": StatementRun.objects.count(),
        "batches": PayrollBatch.objects.count(),
        "audit": AuditEntry.objects.count(),
    }  # fmt: skip


def insights_world(team, rep, manager, prospect) -> dict:
    """A conversation of the team's with coaching on it, a switch date and the team's topics
    (the prospect's question, heard in the conversation), all worked out."""
    talk = Conversation.objects.create(
        prospect=prospect, rep=rep, occurred_at="2026-11-10T10:00:00Z", help_given="Helped",
        questions=f"How does {MARK} onboard so fast?", feeling_before=2, feeling_after=4,
    )  # fmt: skip
    TeamInsights.objects.create(team=team, switched_on="2026-10-01", timezone="UTC")
    coaching = CoachingComment.objects.create(conversation=talk, author=manager,
                                              text=f"{MARK}: ask why first")  # fmt: skip
    insights_services.refresh_all()
    return {"conversation": talk, "coaching": coaching,
            "topic": Topic.objects.get(team=team, need="question")}  # fmt: skip


def rooms_world(rep, account, prospect) -> dict:
    """The account's climb room: a question, a story, a step, a person's link and a
    colleague waiting to be let in."""
    room = rooms.room_open(account=account, by=rep)
    link = rooms.member_invite(room=room, prospect=prospect, by=rep, email=False)
    member = link.member
    story = ContentAssetFactory(title=f"{MARK} story", kind="case_study")
    return {
        "room": room,
        "room_question": rooms.question_choose(room=room, text=f"{MARK} asks", answer="This"),
        "room_story": rooms.story_choose(room=room, asset=story),
        "room_step": PlanStep.objects.create(room=room, title=f"{MARK} step"),
        "room_member": member,
        "room_token": link.token,
        "room_colleague": rooms.colleague_invite(
            member=member, first_name="Col", last_name="League", email="col@zebedee.example"
        ),
    }


def rooms_state() -> dict:
    return {
        "rooms": list(Room.objects.values_list("account_id", "goal", "climb")),
        "questions": list(RoomQuestion.objects.values_list("pk", "text", "answer")),
        "stories": list(RoomStory.objects.values_list("pk", "asset_id")),
        "steps": list(PlanStep.objects.values_list("pk", "title", "status")),
        "members": list(RoomMember.objects.order_by("pk").values_list(
            "pk", "token_hash", "revoked_at", "approved", "prospect_id")),
    }  # fmt: skip


def team_state(w: dict) -> dict:
    """Everything of the team an outsider's request could change."""
    team = w["team"]
    prospect = Prospect.objects.get(pk=w["prospect"].pk)
    account = Account.objects.get(pk=w["account"].pk)
    emap = EmpathyMap.objects.get(pk=w["map"].pk)
    followup = FollowUp.objects.get(pk=w["followup"].pk)
    return {
        "prospect": (prospect.first_name, prospect.title, prospect.stage, prospect.willingness,
                     prospect.account_id, prospect.owner_id, prospect.team_id),
        "account": (account.name, account.climb_goal, account.team_id, account.owner_id),
        "records": (Prospect.objects.filter(team=team).count(),
                    Account.objects.filter(team=team).count(),
                    Prospect.all_objects.get(pk=w["deleted"].pk).deleted_at),
        "history": (prospect.conversations.count(), prospect.engagements.count(),
                    list(Opportunity.objects.filter(account=account)
                         .values_list("name", "status", "amount"))),
        "maps": (EmpathyMap.objects.filter(prospect__team=team).count(), emap.goal, emap.status,
                 sorted(Entry.objects.filter(map__owner__team=team).values_list("text", flat=True)),
                 EmpathyMap.objects.get(pk=w["submitted_map"].pk).status),
        "persona": list(w["persona"].members.values_list("pk", flat=True)),
        "followup": (followup.status, followup.assignee_id, followup.due_at),
        "admin": (FormSource.objects.count(), FormSource.objects.get(pk=w["source"].pk).secret,
                  Playbook.objects.count(), Playbook.objects.get(pk=w["step"].playbook_id).enabled,
                  [s.pk for s in PlaybookStep.objects.order_by("order", "pk")]),
        "import": ProspectImport.objects.get(pk=w["import"].pk).status,
        "feed": CalendarFeed.objects.get(pk=w["feed"].pk).token,
        "webhooks": list(WebhookEndpoint.objects.values_list("url", "is_active")),
        "api_tokens": list(ApiToken.objects.filter(user__team=team).values_list("pk", "revoked_at")),
        "inbox": list(Notification.objects.values_list("pk", "read_at")),
        "commissions": commissions_state(),
        "rooms": rooms_state(),
        "insights": (list(TeamInsights.objects.filter(team=team)
                          .values_list("switched_on", "timezone")),
                     sorted(CoachingComment.objects.values_list("text", flat=True))),
    }  # fmt: skip


def call(client, name: str, access: Access, world: dict, user=None, *, follow: bool = False,
         post: bool = False):  # fmt: skip
    """Request ``name`` as its ACCESS entry says; ``post`` sends its form data instead, for a
    view that takes both."""
    url = reverse(name, args=access.args(world) if access.args else [])
    if access.method == "POST" or post:
        return client.post(url, access.data(world, user) if access.data else {}, follow=follow)
    return client.get(url, access.query or {}, follow=follow)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name):
    response = call(client, name, ACCESS[name], world)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    if ACCESS[name].data and ACCESS[name].method == "GET":
        response = call(client, name, ACCESS[name], world, post=True)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["outsider", "other_manager"])
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_another_team_gets_nothing_of_this_team(client, request, world, who, name):
    client.force_login(request.getfixturevalue(who))
    access = ACCESS[name]
    user = request.getfixturevalue(who)
    response = call(client, name, access, world, user, follow=True)  # "My team": their own
    assert response.status_code == access.expected(who)
    if response.status_code == 200:
        body = b"".join(response) if response.streaming else response.content
        assert MARK.encode() not in body


def test_nothing_changes_when_outsiders_try_every_view(client, world, outsider, other_manager):
    before = team_state(world)
    for user in (outsider, other_manager):
        client.force_login(user)
        for name, access in ACCESS.items():
            call(client, name, access, world, user)
            if access.data and access.method == "GET":
                call(client, name, access, world, user, post=True)
    assert team_state(world) == before


def test_a_person_the_team_knows_is_a_separate_record_for_another_team(
    client, world, outsider, other_manager
):
    """Another team adds the same person at the same company, by hand and by import: each
    gets a record and an account of its own, and never a glimpse of this team's."""
    client.force_login(outsider)
    for name in ("prospects:prospect_create", "prospects:import_upload"):
        response = call(client, name, ACCESS[name], world, outsider, post=True, follow=True)
        assert response.status_code == 200
        assert CLIMB.encode() not in response.content
    job = ProspectImport.objects.get(uploaded_by=outsider)
    counts = (job.created_count, job.updated_count, job.unchanged_count, job.errors)
    assert counts == (0, 0, 1, []), "their own, added by hand just as the file says"
    theirs = Prospect.objects.get(team=outsider.team)
    assert theirs.email == world["prospect"].email and theirs.owner == outsider
    assert theirs.account != world["account"] and theirs.account.team == outsider.team
    for user in (outsider, other_manager):
        client.force_login(user)
        page = client.get(reverse("prospects:account_detail", args=[theirs.account_id])).text
        assert CLIMB not in page and "Hidden" not in page
        assert client.get(world["account"].get_absolute_url()).status_code == 404
