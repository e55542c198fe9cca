"""Demo commissions: the old plan the team was paid under, and "Helping pays", live since
last month, with last month's statements in each state and a dispute waiting for Maria.

Every date is relative to the day ``seed_demo`` runs (M0 is this month, M-1 last month,
M-2 the month before), so the story reads the same on any day:

- M-2, under the old plan (8% of won amounts, now retired): Sam and Priya each won a deal,
  Lucas won nothing; Maria approved and locked all three statements.
- M-1, the first month of Helping pays: Sam closed the Harbor Logistics rollout, which the
  old plan would have paid better, so the hold-harmless window pays him that and says so
  (draft: Maria is still checking it). Priya helped the most and is paid the most for it
  (approved; she disputes a day on which two conversations with Grace Liu were paid once).
  Lucas is early in a long climb at Kessler and the guaranteed floor tops him up (locked).
- M0: drafts of the month so far, as the nightly refresh keeps them.

Records are written directly, as the other demo modules do; every commission step goes
through ``commissions.services``, so the audit trail, the notices and the statements are
the real ones. Each service runs its own transaction: call this outside ``atomic``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from commissions import periods, services
from commissions.models import (
    CommissionPlan,
    Dispute,
    PeriodKind,
    PlanStatus,
    RuleKind,
    Statement,
    StatementStatus,
)
from concierge import scheduling
from concierge.models import FollowUp, FollowUpStatus, Outcome
from people.models import Team, User
from prospects.models import ContentAsset, Conversation, Engagement, Opportunity, Prospect
from prospects.services import prospect_touch_refresh

OLD_PLAN = "Old plan: percentage of won deals"
HELPING_PAYS = "Helping pays"
PLAN_TZ = "America/Chicago"
CURRENCY = "USD"
#: The first of the demo's own opportunities: if it is there, the records are.
MARKER = "Harbor Logistics: Dallas depot dispatch board"
#: The working day of last month when Priya helped Grace Liu twice (her dispute).
GRACE_TWICE = 10

# (prospect email prefix, working day of the month (0: the first), hour where they are, channel,
#  what they asked, the help given, feeling before, after). Last month's helping.
CONVERSATIONS = {
    "sam": [
        ("dana.whitfield", 0, 10, "call", "Which depot should go first?",
         "Walked through the depot-by-depot plan with her; agreed Dallas goes first.", 3, 4),
        ("marcus.oyelaran", 1, 11, "meeting", "Will we see late shipments during the switch?",
         "Showed him late shipments at the pilot depot, before and after.", 2, 4),
        ("tom.becker", 2, 9, "meeting", "Do I have to type everything twice?",
         "Sat with Tom for a dispatch shift and noted the three clicks he wants gone.", 3, 4),
        ("priya.shah", 4, 14, "email", "Can we see late shipments by depot?",
         "Built the late-shipments-by-depot view from her own export and sent it.", 3, 5),
        ("ines.carvalho", 6, 10, "call", "What will this cost my team in maintenance?",
         "Answered her maintenance questions with our IT runbook; no pitch.", 2, 3),
        ("dana.whitfield", 7, 15, "call", "How do I put the rollout order to the COO?",
         "Helped her draft the note to the COO on the rollout order.", 3, 4),
        ("marcus.oyelaran", 10, 11, "meeting", "What if the first depot stalls?",
         "Went through the contract's exit terms with him and his CFO, line by line.", 3, 4),
        ("tom.becker", 11, 9, "meeting", "Who shows the night shift?",
         "Trained the first four Dallas dispatchers, night shift included.", 3, 5),
        ("priya.shah", 13, 13, "video", "Can I build the weekly report myself?",
         "Showed her how to build the weekly depot report on her own.", 4, 5),
        ("dana.whitfield", 15, 10, "call", "What does the second depot need?",
         "Planned the second depot with her once the COO had signed.", 4, 5),
    ],
    "priya": [
        ("grace.liu", 0, 10, "call", "What will the auditor ask about access logs?",
         "Walked her through the access-log questions an auditor asks, one by one.", 3, 4),
        ("rosa.martinez", 0, 14, "meeting", "Who trains new staff when people leave?",
         "Drafted a one-page training plan for new front-desk staff with her.", 2, 4),
        ("samuel.adeyemi", 1, 9, "video", "Will this add clicks for clinicians?",
         "Counted the clicks of a referral with him: four today, two with us.", 3, 4),
        ("omar.haddad", 2, 11, "call", "How do we onboard freelancers faster?",
         "Shared the freelancer checklist another studio uses.", 3, 4),
        ("maya.fernandez", 4, 12, "video", "Can we open a second studio without chaos?",
         "Listened through her plan for a second studio; sent two questions to settle first.",
         3, 4),
        ("grace.liu", 5, 10, "call", "When can compliance sign off?",
         "Put her compliance officer in touch with our security lead.", 3, 5),
        ("rosa.martinez", 6, 13, "meeting", "How do we cover the front desk at lunch?",
         "Helped her lay out lunch cover so no referral waits.", 3, 4),
        ("samuel.adeyemi", 7, 15, "video", "What do the specialists see?",
         "Showed him the specialist's view of a referral, start to finish.", 3, 4),
        ("omar.haddad", 7, 11, "email", "Can freelancers log their own hours?",
         "Answered how freelancers log hours, with screenshots from another studio.", 3, 4),
        ("grace.liu", GRACE_TWICE, 9, "call", "What does the audit need from us in writing?",
         "Went through her audit checklist and filled the gaps with her.", 3, 4),
        ("grace.liu", GRACE_TWICE, 15, "email", "Can you send the access-log answers in writing?",
         "Sent the access-log answers she asked for after her audit meeting.", 4, 5),
        ("maya.fernandez", 11, 12, "video", "What would the second studio cost to run?",
         "Worked out the running cost of a second studio with her numbers.", 3, 4),
        ("rosa.martinez", 11, 10, "meeting", "Can the new hires practise first?",
         "Set up a practice space for the new front-desk hires.", 3, 5),
        ("samuel.adeyemi", 12, 14, "call", "How do we know referrals are faster?",
         "Helped him pick two numbers to watch: callbacks within a day, lost referrals.", 3, 4),
        ("omar.haddad", 13, 11, "chat", "Can we reuse last year's contracts?",
         "Found the contract template another studio adapted for freelancers.", 3, 4),
        ("grace.liu", 15, 10, "call", "How did the first week go for the front desk?",
         "Checked how the first week went and fixed the callback list with her.", 4, 5),
        ("maya.fernandez", 16, 12, "video", "Who should run the second studio?",
         "Introduced her to a founder who opened a second studio last year.", 4, 5),
        ("rosa.martinez", 17, 13, "meeting", "Can the training plan work for temps too?",
         "Shortened the training plan into a half-day version for temps.", 3, 4),
        ("samuel.adeyemi", 18, 9, "video", "Can the board see the referral numbers?",
         "Built the one-page referral summary he takes to the board.", 4, 5),
        ("omar.haddad", 19, 11, "email", "What do we send freelancers on day one?",
         "Sent the day-one pack other studios give their freelancers.", 3, 4),
    ],
    "lucas": [
        ("jonas.kessler", 1, 10, "video", "How do others forecast with small, messy data?",
         "Walked through how a machine builder forecasts spare parts from partial data.", 3, 4),
        ("annika.vogel", 5, 14, "call", "How long until it pays for itself?",
         "Worked out payback with her own figures; it takes longer than she hoped.", 2, 3),
        ("lena.brandt", 9, 11, "video", "Which parts should we forecast first?",
         "Helped her pick the twenty parts that cause most of the late repairs.", 3, 4),
        ("jonas.kessler", 15, 10, "meeting", "Could we try it in one region?",
         "Sketched a one-region pilot with him and what it would need from IT.", 3, 4),
    ],
}  # fmt: skip

# (prospect email prefix, working day of the month, kind, help offered, their reason, on time)
FOLLOWUPS = {
    "sam": [
        ("dana.whitfield", 2, "send_resource", "Send the depot pilot checklist.",
         "She has to show the COO a plan by Friday; this is half of it.", True),
        ("ines.carvalho", 7, "answer_question", "Answer what patching looks like for her team.",
         "Her team carries the maintenance; she needs to know the hours.", True),
        ("marcus.oyelaran", 11, "share_story", "Share how another COO measured the switch.",
         "The board will ask him the same question next month.", True),
        ("tom.becker", 12, "check_in", "Check the night shift has what it needs.",
         "Nights are when dispatch breaks; he wants someone to ask.", True),
    ],
    "priya": [
        ("grace.liu", 1, "send_resource", "Send the auditor's access-log questions.",
         "Her audit is next month and nobody on her side knows the answers.", True),
        ("rosa.martinez", 1, "send_resource", "Send the training plan as a printable page.",
         "She trains a new hire on Monday.", True),
        ("samuel.adeyemi", 2, "answer_question", "Answer how referrals reach specialists.",
         "He won't add a click for his clinicians without knowing.", True),
        ("omar.haddad", 4, "make_introduction", "Introduce him to the studio with 40 freelancers.",
         "He'd rather hear it from someone who did it.", True),
        ("maya.fernandez", 6, "check_in", "Check the second-studio questions are settled.",
         "She asked us to come back once she'd talked to her partner.", True),
        ("grace.liu", 7, "make_introduction", "Introduce her to our security lead.",
         "Her compliance officer wants to hear it from security, not sales.", True),
        ("rosa.martinez", 12, "check_in", "See how the practice space is working.",
         "Her new hires start on the desk next week.", True),
        ("samuel.adeyemi", 13, "send_resource", "Send the two-number referral dashboard.",
         "He reports to the board at the end of the month.", True),
        ("omar.haddad", 15, "send_resource", "Send the freelancer contract template.",
         "He is redoing contracts before the busy season.", False),
    ],
    "lucas": [
        ("jonas.kessler", 3, "share_story", "Share the spare-parts forecasting story.",
         "He has to convince his regions it works with messy data.", True),
        ("lena.brandt", 11, "send_resource", "Send the parts-shortlist worksheet.",
         "She plans next quarter's stock with it.", True),
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Months:
    """The demo's months, from the plan's today."""

    this: date  # M0
    last: date  # M-1: the first month of Helping pays
    before: date  # M-2: the last month of the old plan

    @classmethod
    def of(cls, today: date) -> Months:
        this = periods.start_of(PeriodKind.MONTH, today)
        last = periods.start_of(PeriodKind.MONTH, this - timedelta(days=1))
        return cls(this, last, periods.start_of(PeriodKind.MONTH, last - timedelta(days=1)))


def seed_commissions(users: dict[str, User]) -> None:
    """Create the demo's plans, records and statements once; a later run changes nothing.

    Each step also checks its own work, so a run stopped halfway is finished by the next."""
    if Dispute.objects.filter(raised_by=users["priya"]).exists():
        return
    today = timezone.now().astimezone(scheduling.zone(PLAN_TZ)).date()
    months = Months.of(today)
    admin, maria = users["admin"], users["maria"]
    with transaction.atomic():
        records_create(users, months)
    team = Team.objects.get(pk=users["sam"].team_id)

    old = CommissionPlan.objects.filter(name=OLD_PLAN).first() or services.plan_create(
        by=admin, name=OLD_PLAN, period=PeriodKind.MONTH, currency=CURRENCY,
        timezone_name=PLAN_TZ, effective_from=date(months.before.year - 1, months.before.month, 1),
        teams=[team], rules_in=[(RuleKind.WON_PERCENT, "Won deals", {"rate": "8"})],
    )  # fmt: skip
    if old.status == PlanStatus.DRAFT:
        services.plan_go_live(plan=old, by=admin)
    services.statements_run(plan=old, start=months.before, by=admin)
    for statement in Statement.objects.filter(plan=old, period_start=months.before):
        settle(statement, maria, lock=True)
    old.refresh_from_db()
    if old.effective_to is None:
        services.plan_retire(plan=old, last_day=months.last - timedelta(days=1), by=admin)

    helping = CommissionPlan.objects.filter(name=HELPING_PAYS).first() or services.plan_create(
        by=admin, name=HELPING_PAYS, period=PeriodKind.MONTH, currency=CURRENCY,
        timezone_name=PLAN_TZ, effective_from=months.last, teams=[team],
        rules_in=helping_pays_rules(old, months),
    )  # fmt: skip
    if helping.status == PlanStatus.DRAFT:
        services.plan_go_live(plan=helping, by=admin)
    services.statements_run(plan=helping, start=months.last, by=admin)
    last = {s.rep.username: s for s in Statement.objects.filter(
        plan=helping, period_start=months.last).select_related("rep")}  # fmt: skip
    settle(last["priya"], maria, lock=False)  # approved; she disputes a line on it
    settle(last["lucas"], maria, lock=True)  # approved and locked: the floor topped him up
    # Sam's stays a draft: Maria is still checking the Harbor Logistics win.
    services.statements_run(plan=helping, start=months.this, by=admin)
    dispute_raise(last["priya"], users["priya"], working_day(months.last, GRACE_TWICE))


def helping_pays_rules(old: CommissionPlan, months: Months) -> list[tuple[str, str, dict]]:
    """Pay for helping, a smaller share of wins, a floor, and three months no worse off."""
    next_month = periods.end_of(PeriodKind.MONTH, months.this)
    hold_until = periods.end_of(PeriodKind.MONTH, next_month) - timedelta(days=1)
    return [
        (RuleKind.PER_CONVERSATION, "Helpful conversations", {"amount": "40.00"}),
        (RuleKind.PER_FOLLOWUP, "Follow-ups done on time", {"amount": "15.00"}),
        (RuleKind.PER_SOURCED_OPPORTUNITY, "Opportunities that came from helping",
         {"amount": "250.00"}),
        (RuleKind.WON_PERCENT, "Won deals",
         {"quota": "40000.00", "tiers": [{"up_to": "100", "rate": "3"},
                                         {"up_to": None, "rate": "5"}]}),
        (RuleKind.FLOOR, "Guaranteed floor", {"amount": "1000.00"}),
        (RuleKind.HOLD_HARMLESS, "No worse off than the old plan",
         {"previous_plan": old.pk, "until": hold_until.isoformat()}),
    ]  # fmt: skip


def settle(statement: Statement, manager: User, *, lock: bool) -> None:
    if statement.status == StatementStatus.DRAFT:
        services.statement_approve(statement=statement, by=manager)
        statement.refresh_from_db()
    if lock and statement.status == StatementStatus.APPROVED:
        services.statement_lock(statement=statement, by=manager)


def dispute_raise(statement: Statement, priya: User, day: date) -> None:
    """Priya helped Grace Liu twice on ``day``; the plan pays one helpful conversation per
    person a day, so she asks for the second."""
    line = statement.lines.filter(
        kind=RuleKind.PER_CONVERSATION, snapshot__prospect="Grace Liu",
        snapshot__day=day.isoformat(),
    ).first()  # fmt: skip
    services.dispute_raise(
        statement=statement, key=line.key, by=priya,
        text=f"I helped Grace twice on {day:%B} {day.day}: we went through her audit checklist "
        "in the morning, and that afternoon I sent the access-log answers she asked for after "
        "her audit meeting. Only one of the two is paid.",
    )  # fmt: skip


# --- The records the plans pay for ---------------------------------------------------------


def records_create(users: dict[str, User], months: Months) -> None:
    """Last month's helping, and the opportunities of the last two months."""
    if Opportunity.objects.filter(name=MARKER).exists():
        return
    team_id = users["sam"].team_id
    people = {
        p.email.split("@")[0]: p
        for p in Prospect.objects.filter(team_id=team_id).select_related("account")
    }
    talks_by_day: dict[tuple[str, int], Conversation] = {}
    for rep, talks in CONVERSATIONS.items():
        for prefix, day, hour, channel, question, help_given, before, after in talks:
            prospect = people[prefix]
            talks_by_day[(prefix, day)] = Conversation.objects.create(
                prospect=prospect, rep=users[rep], channel=channel,
                occurred_at=local(prospect, working_day(months.last, day), hour), questions=question,
                help_given=help_given, feeling_before=before, feeling_after=after,
            )  # fmt: skip
    hours = scheduling.WorkingHours.from_settings()
    for rep, followups in FOLLOWUPS.items():
        for prefix, day, kind, help_offered, receivers_eye, on_time in followups:
            prospect = people[prefix]
            due = working_moment(prospect, working_day(months.last, day, hours.days), hours)
            FollowUp.objects.create(
                prospect=prospect, assignee=users[rep], kind=kind, help_offered=help_offered,
                receivers_eye=receivers_eye, outcome=Outcome.HELP_WELCOMED, due_at=due,
                status=FollowUpStatus.DONE, source_key="demo",
                completed_at=due + (timedelta(hours=3) if on_time else timedelta(days=3)),
            )  # fmt: skip
    opportunities_create(users, months, people, talks_by_day)
    for prospect in {talk.prospect for talk in talks_by_day.values()}:
        prospect_touch_refresh(prospect)
        prospect.save(update_fields=["last_helpful_touch_at", "last_feeling", "feeling_trend"])


def opportunities_create(users, months: Months, people: dict[str, Prospect], talks) -> None:
    """Won, lost and open deals; some opened from a conversation or an engagement."""
    before, last = months.before, months.last
    dana = people["dana.whitfield"]
    pilot_talk = Conversation.objects.create(
        prospect=dana, rep=users["sam"], channel="meeting",
        occurred_at=local(dana, working_day(before, 2), 10),
        questions="Could we pilot the whole rollout at one depot first?",
        help_given="Worked out with her what a one-depot rollout would prove to the COO.",
        feeling_before=3, feeling_after=4,
    )  # fmt: skip
    omar = people["omar.haddad"]
    asset = ContentAsset.objects.order_by("pk").first()
    download = Engagement.objects.create(
        prospect=omar, asset=asset, occurred_at=local(omar, working_day(last, 3), 16),
        why="We're opening a second studio and need freelancers onboarded in days.",
        source="Website",
    )  # fmt: skip
    # (name, prospect, owner, amount, status, opened and closed (month, working day), source)
    deals = [
        (MARKER, "dana.whitfield", "sam", "9500", "won", (before, -14), (before, 9), None),
        ("Fernwood Studio: freelancer portal", "maya.fernandez", "priya", "12000", "won",
         (before, -25), (before, 14), None),
        ("Kessler Maschinenbau: service portal", "annika.vogel", "lucas", "30000", "lost",
         (before, -36), (before, 12), None),
        ("Harbor Logistics: depot rollout", "dana.whitfield", "sam", "64000", "won",
         (before, 3), (last, 15), pilot_talk),
        ("Harbor Logistics: depot analytics", "priya.shah", "sam", "8000", "open",
         (last, 5), None, talks[("priya.shah", 4)]),
        ("Harbor Logistics: second depot before the peak", "marcus.oyelaran", "sam", "22000",
         "lost", (before, 7), (last, 12), None),
        ("Brightpath Clinics: front-desk training", "rosa.martinez", "priya", "6500", "won",
         (last, 1), (last, 17), talks[("rosa.martinez", 0)]),
        ("Fernwood Studio: second studio", "omar.haddad", "priya", "15000", "open",
         (last, 8), None, download),
        ("Brightpath Clinics: patient reminders", "samuel.adeyemi", "priya", "9000", "lost",
         (before, 11), (last, 7), None),
        ("Kessler Maschinenbau: one-region forecasting pilot", "jonas.kessler", "lucas",
         "28000", "open", (last, 15), None, talks[("jonas.kessler", 15)]),
    ]  # fmt: skip
    for name, prefix, owner, amount, status, opened, closed, source in deals:
        prospect = people[prefix]
        closed_on = working_day(*closed) if closed else None
        Opportunity.objects.create(
            account=prospect.account, prospect=prospect, owner=users[owner], name=name,
            amount=Decimal(amount), status=status, opened_on=working_day(*opened),
            closed_on=closed_on,
            status_changed_at=local(prospect, closed_on, 16) if closed_on else None,
            source_conversation=source if isinstance(source, Conversation) else None,
            source_engagement=source if isinstance(source, Engagement) else None,
        )  # fmt: skip


MON_TO_FRI = frozenset(range(5))


def working_day(month: date, n: int, days: frozenset[int] = MON_TO_FRI) -> date:
    """The ``n``-th working day of ``month`` (0: the first; negative: counted back from
    the day before it). Every month has 20 weekdays, so the demo's days stay in their month."""
    if n < 0:
        found = month
        while n:
            found -= timedelta(days=1)
            n += found.weekday() in days
        return found
    ends = periods.end_of(PeriodKind.MONTH, month)
    working = [
        month + timedelta(days=d)
        for d in range((ends - month).days)
        if (month + timedelta(days=d)).weekday() in days
    ]
    return working[min(n, len(working) - 1)]


def local(prospect: Prospect, day: date, hour: int) -> datetime:
    """``hour`` o'clock on ``day`` where the prospect is."""
    return datetime.combine(day, time(hour), tzinfo=scheduling.zone(prospect.timezone))


def working_moment(prospect: Prospect, day: date, hours: scheduling.WorkingHours) -> datetime:
    """Mid-morning of ``day`` in the prospect's working hours, as a playbook would set it."""
    tz = scheduling.zone(prospect.timezone)
    start, end = (datetime.combine(day, moment, tzinfo=tz) for moment in (hours.start, hours.end))
    return start + min(timedelta(hours=1, minutes=30), (end - start) / 2)
