"""Computing what a plan pays: for a period and a set of reps at once, with SQL doing the
counting and one query per rule (never one per record or per rep).

``compute`` gives each rep's lines: one per record a rule pays for (with a snapshot of what
it paid on), then the statement-wide rules in order: the cap, the guaranteed floor, and the
hold-harmless comparison with the previous plan. ``corrections`` gives the lines that set
earlier, settled periods right (a later change, a clawback, an accepted dispute). With
``detail=False`` it gives totals only (the what-if): the records are counted, not listed.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import CharField, Count, F, Min, Q, Value
from django.db.models.functions import Cast, Concat, TruncDate

from commissions import periods
from commissions.models import (
    CommissionPlan,
    CommissionRule,
    Dispute,
    DisputeStatus,
    LineKind,
    PlanVersion,
    RuleKind,
    Statement,
    StatementStatus,
    line_key,
)
from commissions.money import ZERO, cents, display
from concierge.models import FollowUp, FollowUpStatus
from prospects.models import Conversation, HelpKind, Opportunity

HUNDRED = Decimal("100")
ON_TIME = timedelta(days=1)  # done no later than a day after it fell due (the team week's rule)
SETTLED = (StatementStatus.APPROVED, StatementStatus.LOCKED)
NO_HELP = r"^\s*$"  # help given left blank, or only spaces and new lines: no help recorded


@dataclass
class Line:
    rule_id: int | None
    kind: str
    description: str
    amount: Decimal
    source_type: str = ""
    source_id: int | None = None
    snapshot: dict = field(default_factory=dict)
    corrects_period: date | None = None
    excluded: bool = False
    exclusion_reason: str = ""

    @property
    def key(self) -> str:
        if self.corrects_period:
            return f"{self.snapshot['corrects']}@{self.corrects_period:%Y-%m-%d}"
        return line_key(self.rule_id, self.kind, self.source_type, self.source_id)


@dataclass
class Result:
    rep_id: int
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines if not line.excluded), ZERO)

    @property
    def rules_total(self) -> Decimal:
        """What the record rules paid, before the cap, floor and hold-harmless."""
        return sum(
            (ln.amount for ln in self.lines if not ln.excluded and ln.kind in RECORD_KINDS), ZERO
        )


RECORD_KINDS = {
    RuleKind.PER_CONVERSATION,
    RuleKind.PER_FOLLOWUP,
    RuleKind.PER_SOURCED_OPPORTUNITY,
    RuleKind.WON_PERCENT,
    RuleKind.SPIF,
}


@dataclass
class Window:
    """What a computation covers: a plan's dates, in its time zone."""

    plan: CommissionPlan
    start: date
    end: date  # the first day after

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.plan.timezone)

    def at(self, day: date):
        return periods.moment(day, self.plan.timezone)


def segments(
    window: Window, versions: list[PlanVersion], *, whole: bool = False, as_of: date | None = None
):
    """(version, first day, first day after) for each version in force during the window,
    clipped to the plan's own dates; ``whole``: one version over all of it, whatever the
    plan's dates: the one in force on ``as_of`` (what the previous plan paid then, in a
    hold-harmless comparison), else the latest (a draft's rules, in a what-if)."""
    if whole:
        if not versions:
            return []
        if as_of is None:
            return [(versions[-1], window.start, window.end)]
        then = [v for v in versions if v.effective_from <= as_of] or versions[:1]
        return [(then[-1], window.start, window.end)]
    start = max(window.start, window.plan.effective_from)
    end = window.end
    if window.plan.effective_to:
        end = min(end, window.plan.effective_to + timedelta(days=1))
    found = []
    for n, version in enumerate(versions):
        upto = versions[n + 1].effective_from if n + 1 < len(versions) else end
        first, after = max(start, version.effective_from), min(end, upto)
        if first < after:
            found.append((version, first, after))
    return found


def plan_versions(plan: CommissionPlan) -> list[PlanVersion]:
    return list(plan.versions.prefetch_related("rules").order_by("effective_from", "number"))


def compute(
    plan: CommissionPlan,
    start: date,
    reps: list[int],
    *,
    end: date | None = None,
    versions: list[PlanVersion] | None = None,
    detail: bool = True,
    whole: bool = False,
    as_of: date | None = None,
    excluded: dict[tuple[int, str], str] | None = None,
    left_out: dict[int, set[tuple[str, int]]] | None = None,
    keep_won: dict[int, dict] | None = None,
    hold_harmless: bool = True,
) -> dict[int, Result]:
    """What ``plan`` pays each of ``reps`` for the period starting on ``start``.

    ``excluded``: (rep id, line key) -> reason, lines a manager took out. ``left_out``: rep
    id -> the records (source type, id) they were taken out for on the statement this one is
    compared with (needs ``detail``). ``keep_won``: reversed opportunities to count as the
    won ones they were paid as (no clawback). ``whole`` and ``as_of``: see ``segments``.
    """
    window = Window(plan, start, end or periods.end_of(plan.period, start))
    versions = plan_versions(plan) if versions is None else versions
    results = {rep: Result(rep) for rep in reps}
    parts = segments(window, versions, whole=whole, as_of=as_of)
    if not parts or not reps:
        return results
    for version, first, after in parts:
        for rule in version.rules.all():
            pay = RECORD_RULES.get(rule.kind)
            if pay and rule.kind != RuleKind.WON_PERCENT:
                for rep, line in pay(rule, window, first, after, reps, detail):
                    results[rep].lines.append(line)
    _won_percent(window, parts, reps, results, detail, keep_won or {})
    _leave_out(results, excluded)
    for rep, sources in (left_out or {}).items():
        for line in results[rep].lines if rep in results else []:
            if line.source_type and (line.source_type, line.source_id) in sources:
                line.excluded, line.exclusion_reason = True, "Left out of the statement"
    last = parts[-1][0]
    statement_rules = {r.kind: r for r in last.rules.all() if r.kind not in RECORD_KINDS}
    # In this order, each seeing the lines before it (and a line a manager took out of the
    # statement staying out, a cap or a top-up too): the cap on what the rules paid, the
    # floor under what is left, and the higher of this plan and the previous one.
    if RuleKind.CAP in statement_rules:
        _cap(statement_rules[RuleKind.CAP], window, results)
        _leave_out(results, excluded)
    if RuleKind.FLOOR in statement_rules:
        _floor(statement_rules[RuleKind.FLOOR], window, results)
        _leave_out(results, excluded)
    if hold_harmless and RuleKind.HOLD_HARMLESS in statement_rules:
        _hold_harmless(statement_rules[RuleKind.HOLD_HARMLESS], window, results, keep_won or {})
        _leave_out(results, excluded)
    return results


def _leave_out(results: dict[int, Result], excluded: dict[tuple[int, str], str] | None) -> None:
    """Mark the lines a manager took out of the statement (by their key), with the reason."""
    for rep, result in results.items() if excluded else ():
        for line in result.lines:
            reason = excluded.get((rep, line.key))
            if reason is not None:
                line.excluded, line.exclusion_reason = True, reason


# --- Rules that pay for records ------------------------------------------------------------


def _conversations(rule: CommissionRule, window: Window, first, after, reps, detail: bool):
    """One line per prospect a day the rep helped (help given recorded), on the day's first
    conversation."""
    amount = cents(Decimal(rule.params["amount"]))
    talks = (
        Conversation.objects.filter(
            rep_id__in=reps, occurred_at__gte=window.at(first), occurred_at__lt=window.at(after)
        )
        .exclude(help_given__regex=NO_HELP)
        .annotate(day=TruncDate("occurred_at", tzinfo=window.tz))
    )
    if not detail:
        counted = talks.values("rep_id").annotate(
            n=Count(
                Concat(Cast("prospect_id", CharField()), Value("@"), Cast("day", CharField())),
                distinct=True,
            )
        )
        for row in counted.order_by():
            yield row["rep_id"], _sum_line(rule, amount, row["n"])
        return
    rows = (
        talks.values("rep_id", "prospect_id", "day", "prospect__first_name", "prospect__last_name")
        .annotate(first=Min("pk"), n=Count("pk"))
        .order_by("rep_id", "day", "first")
    )
    for row in rows:
        name = f"{row['prospect__first_name']} {row['prospect__last_name']}".strip()
        yield row["rep_id"], Line(
            rule.pk, rule.kind, f"Helped {name} on {row['day']:%b %-d}", amount,
            "conversation", row["first"],
            {"prospect": name, "day": row["day"].isoformat(), "conversations": row["n"],
             "rate": str(amount), "version": rule.version.number},
        )  # fmt: skip


def _followups(rule: CommissionRule, window: Window, first, after, reps, detail: bool):
    """One line per follow-up done on time with the receiver's-eye answer."""
    done = (
        FollowUp.objects.filter(
            assignee_id__in=reps,
            status=FollowUpStatus.DONE,
            completed_at__gte=window.at(first),
            completed_at__lt=window.at(after),
        )
        .filter(completed_at__lt=F("due_at") + ON_TIME)
        .exclude(receivers_eye="")
    )
    yield from _per_followup(rule, done, detail, "On time: {kind} for {name}")


def _spif(rule: CommissionRule, window: Window, first, after, reps, detail: bool):
    """A bonus per follow-up of the named kind done within the bonus's dates."""
    p = rule.params
    first = max(first, date.fromisoformat(p["starts"]))
    after = min(after, date.fromisoformat(p["ends"]) + timedelta(days=1))
    if first >= after:
        return
    done = FollowUp.objects.filter(
        assignee_id__in=reps,
        status=FollowUpStatus.DONE,
        kind=p["help_kind"],
        completed_at__gte=window.at(first),
        completed_at__lt=window.at(after),
    )
    yield from _per_followup(rule, done, detail, "Bonus: {kind} for {name}")


def _per_followup(rule: CommissionRule, done, detail: bool, wording: str):
    amount = cents(Decimal(rule.params["amount"]))
    if not detail:
        for row in done.values("assignee_id").annotate(n=Count("pk")).order_by():
            yield row["assignee_id"], _sum_line(rule, amount, row["n"])
        return
    labels = dict(HelpKind.choices)
    rows = done.values(
        "pk", "assignee_id", "kind", "due_at", "completed_at", "prospect__first_name",
        "prospect__last_name",
    ).order_by("assignee_id", "completed_at", "pk")  # fmt: skip
    for row in rows:
        name = f"{row['prospect__first_name']} {row['prospect__last_name']}".strip()
        kind = labels.get(row["kind"], row["kind"]).lower()
        yield row["assignee_id"], Line(
            rule.pk, rule.kind, wording.format(kind=kind, name=name), amount, "followup",
            row["pk"],
            {"prospect": name, "kind": row["kind"], "due_at": row["due_at"].isoformat(),
             "completed_at": row["completed_at"].isoformat(), "rate": str(amount),
             "version": rule.version.number},
        )  # fmt: skip


def _sourced(rule: CommissionRule, window: Window, first, after, reps, detail: bool):
    """One line per opportunity opened from a conversation or an engagement."""
    amount = cents(Decimal(rule.params["amount"]))
    opened = Opportunity.objects.filter(
        Q(source_conversation__isnull=False) | Q(source_engagement__isnull=False),
        owner_id__in=reps,
        opened_on__gte=first,
        opened_on__lt=after,
    )
    if not detail:
        for row in opened.values("owner_id").annotate(n=Count("pk")).order_by():
            yield row["owner_id"], _sum_line(rule, amount, row["n"])
        return
    rows = opened.values(
        "pk", "owner_id", "name", "opened_on", "source_conversation_id", "source_engagement_id"
    ).order_by("owner_id", "opened_on", "pk")
    for row in rows:
        source = "a conversation" if row["source_conversation_id"] else "an engagement"
        yield row["owner_id"], Line(
            rule.pk, rule.kind, f"Opportunity from {source}: {row['name']}", amount,
            "opportunity", row["pk"],
            {"name": row["name"], "opened_on": row["opened_on"].isoformat(),
             "conversation": row["source_conversation_id"],
             "engagement": row["source_engagement_id"], "rate": str(amount),
             "version": rule.version.number},
        )  # fmt: skip


def _sum_line(rule: CommissionRule, amount: Decimal, count: int) -> Line:
    return Line(rule.pk, rule.kind, f"{rule.name}: {count} × {amount}", cents(amount * count),
                snapshot={"count": count})  # fmt: skip


RECORD_RULES = {
    RuleKind.PER_CONVERSATION: _conversations,
    RuleKind.PER_FOLLOWUP: _followups,
    RuleKind.PER_SOURCED_OPPORTUNITY: _sourced,
    RuleKind.SPIF: _spif,
}


def _won_percent(window: Window, parts, reps, results, detail: bool, keep_won: dict) -> None:
    """A percentage of each won amount, flat or in marginal tiers of attainment: the
    period's won amounts are added up in the order they closed, and each amount is paid at
    the rate of the band(s) it falls into, split where it crosses one. Only wins closed on
    days the plan pays for count, towards attainment too."""
    rules_in = [(v, f, a, [r for r in v.rules.all() if r.kind == RuleKind.WON_PERCENT])
                for v, f, a in parts]  # fmt: skip
    if not any(rules for *_, rules in rules_in):
        return
    won = list(
        Opportunity.objects.filter(
            owner_id__in=reps, status=Opportunity.Status.WON,
            closed_on__gte=parts[0][1], closed_on__lt=parts[-1][2],
        ).values_list("pk", "owner_id", "name", "amount", "closed_on")
    )  # fmt: skip
    won += [(pk, o["owner"], o["name"], Decimal(o["amount"]), date.fromisoformat(o["closed_on"]))
            for pk, o in keep_won.items() if o["owner"] in results]  # fmt: skip
    won.sort(key=lambda o: (o[1], o[4], o[0]))
    before: dict[int, Decimal] = defaultdict(Decimal)
    totals: dict[tuple[int, int], tuple[Decimal, int]] = {}
    for pk, rep, name, amount, closed_on in won:
        rules = next((rules for _, f, a, rules in rules_in if f <= closed_on < a), [])
        for rule in rules:
            pays, pieces = _won_pays(rule.params, before[rep], amount)
            if detail:
                results[rep].lines.append(Line(
                    rule.pk, rule.kind, f"Won: {name}", cents(pays), "opportunity", pk,
                    {"name": name, "amount": str(amount), "closed_on": closed_on.isoformat(),
                     "won_before": str(before[rep]), "pieces": pieces,
                     "version": rule.version.number},
                ))  # fmt: skip
            else:
                got, n = totals.get((rep, rule.pk), (ZERO, 0))
                totals[(rep, rule.pk)] = (got + cents(pays), n + 1)
        before[rep] += amount
    for (rep, _), (got, n) in totals.items():
        results[rep].lines.append(Line(None, RuleKind.WON_PERCENT, f"Won: {n}", got))


def _won_pays(params: dict, before: Decimal, amount: Decimal) -> tuple[Decimal, list[dict]]:
    """What ``amount`` pays when ``before`` was won earlier in the period; and how."""
    if not params.get("tiers"):
        rate = Decimal(params["rate"])
        return amount * rate / HUNDRED, [{"amount": str(amount), "rate": str(rate)}]
    quota = Decimal(params["quota"])
    pays, pieces, low = Decimal("0"), [], Decimal("0")
    start, end = before, before + amount
    for tier in params["tiers"]:
        high = quota * Decimal(tier["up_to"]) / HUNDRED if tier["up_to"] else None
        part_from = max(start, low)
        part_to = end if high is None else min(end, high)
        if part_to > part_from:
            rate = Decimal(tier["rate"])
            piece = part_to - part_from
            pays += piece * rate / HUNDRED
            pieces.append({"amount": str(piece), "rate": str(rate),
                           "band": f"{tier['up_to'] or '∞'}% of quota"})  # fmt: skip
        if high is not None:
            low = high
    return pays, pieces


# --- Rules on a statement's total --------------------------------------------------------


def _cap(rule: CommissionRule, window: Window, results: dict[int, Result]) -> None:
    cap = Decimal(rule.params["amount"])
    for result in results.values():
        paid = result.rules_total
        if paid > cap:
            result.lines.append(Line(
                rule.pk, rule.kind, f"Capped at {display(cap, window.plan.currency)}",
                cents(cap - paid),
                snapshot={"rules_paid": str(paid), "cap": str(cap), "version": rule.version.number},
            ))  # fmt: skip


def _floor(rule: CommissionRule, window: Window, results: dict[int, Result]) -> None:
    p = rule.params
    if p.get("amount"):
        floors = {rep: Decimal(p["amount"]) for rep in results}
        basis = "the guaranteed floor"
    else:
        floors = baseline_averages(
            list(results), date.fromisoformat(p["baseline_from"]),
            date.fromisoformat(p["baseline_to"]),
        )  # fmt: skip
        basis = f"your average from {p['baseline_from']} to {p['baseline_to']}"
    for rep, result in results.items():
        floor = floors.get(rep)
        paid = result.total
        if floor is not None and paid < floor:
            result.lines.append(Line(
                rule.pk, rule.kind,
                f"Topped up to {display(floor, window.plan.currency)}, {basis}",
                cents(floor - paid),
                snapshot={"paid": str(paid), "floor": str(floor), "version": rule.version.number},
            ))  # fmt: skip


def baseline_averages(reps: list[int], first: date, last: date) -> dict[int, Decimal]:
    """Each rep's average settled statement over the periods starting in [first, last]."""
    rows = (
        Statement.objects.filter(
            rep_id__in=reps, status__in=SETTLED, period_start__gte=first, period_start__lte=last
        )
        .values("rep_id")
        .annotate(n=Count("pk"))
        .values_list("rep_id", "n")
    )
    counts = dict(rows)
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for rep, total in Statement.objects.filter(
        rep_id__in=reps, status__in=SETTLED, period_start__gte=first, period_start__lte=last
    ).values_list("rep_id", "total"):
        sums[rep] += total
    return {rep: cents(sums[rep] / n) for rep, n in counts.items() if n}


def _hold_harmless(rule: CommissionRule, window: Window, results: dict[int, Result],
                   keep_won: dict) -> None:  # fmt: skip
    """Within its window, the higher of this plan and the previous one on the same results,
    said in words on the statement.

    The same results: the records of the days this plan pays for (not those of a gap
    between the two plans), less those a manager left out of this statement, and with the
    reversed wins this statement keeps paying kept by both. The previous plan: its rules as
    they stood at the start of the period (or on its last day, if it ended before), so rules
    it gets later for others never reach back."""
    if window.start > date.fromisoformat(rule.params["until"]):
        return
    previous = CommissionPlan.objects.filter(pk=rule.params["previous_plan"]).first()
    if previous is None:
        return
    left_out = {
        rep: {(ln.source_type, ln.source_id) for ln in result.lines
              if ln.excluded and ln.source_type and ln.kind in RECORD_KINDS}
        for rep, result in results.items()
    }  # fmt: skip
    as_of = min(window.start, previous.effective_to or window.start)
    plan, first, after = window.plan, window.start, window.end  # the days this plan pays for
    first = max(first, plan.effective_from)
    after = min(after, plan.effective_to + timedelta(days=1)) if plan.effective_to else after
    versions = plan_versions(previous)
    then = segments(Window(previous, first, after), versions, whole=True, as_of=as_of)
    if not then:
        return
    before = compute(
        previous, first, list(results), end=after, versions=versions, whole=True, as_of=as_of,
        detail=any(left_out.values()), left_out=left_out, keep_won=keep_won, hold_harmless=False,
    )  # fmt: skip
    currency, new_name = window.plan.currency, window.plan.name
    for rep, result in results.items():
        old, new = before[rep].total, result.total
        if old > new:
            text = (
                f"Paid under your previous plan: {display(old, currency)} > "
                f"{display(new, currency)} under {new_name}"
            )
        else:
            text = (
                f"You earn more under {new_name}: {display(new, currency)} ≥ "
                f"{display(old, currency)} under {previous.name}"
            )
        result.lines.append(Line(
            rule.pk, rule.kind, text, cents(max(old - new, ZERO)),
            snapshot={"previous_plan": previous.name, "previous": str(old), "new": str(new),
                      "previous_version": then[0][0].number, "version": rule.version.number},
        ))  # fmt: skip


# --- Setting earlier periods right -------------------------------------------------------


def corrections(
    plan: CommissionPlan, start: date, reps: list[int], *,
    excluded: dict[tuple[int, str], str] | None = None,
) -> dict[int, list[Line]]:  # fmt: skip
    """Lines for the open period starting ``start`` that set settled periods right.

    For each settled (approved or locked) statement of these reps in the year before: what
    its lines would pay now, on today's records, minus what was paid for them (its own lines
    and the corrections settled since, in any other statement; one a manager left out counts
    as settled: the decision is not asked again each period). A won opportunity reversed
    within the clawback days of the plan version that paid it is taken back; reversed later,
    or paid by a version with no clawback, it stays paid. Accepted disputes paid in this
    period come with ``disputes_paid``, for every open period (not only a rep's earliest).

    A period computed again after an unlock takes back what later statements have paid
    for it since, so its new figure and those corrections never pay the same thing twice.
    ``excluded``: (rep id, line key) -> reason, lines a manager took out.
    """
    found: dict[int, list[Line]] = defaultdict(list)
    settled = list(
        Statement.objects.filter(
            rep_id__in=reps, status__in=SETTLED, period_start__lt=start,
            period_start__gte=start - timedelta(days=366),
        ).select_related("plan").prefetch_related("lines__rule", "exclusions")
    )  # fmt: skip
    paid_later = _settled_corrections(reps, since=start - timedelta(days=366))
    groups: dict[tuple[int, date], list[Statement]] = defaultdict(list)
    for statement in settled:
        groups[(statement.plan_id, statement.period_start)].append(statement)
    for (_, period_start), statements in sorted(groups.items(), key=lambda g: g[0][1]):
        keep_won = _kept_wins(statements)
        now = compute(
            statements[0].plan, period_start, [s.rep_id for s in statements],
            end=statements[0].period_end,
            excluded={(s.rep_id, e.key): e.reason for s in statements for e in s.exclusions.all()},
            keep_won=keep_won,
        )  # fmt: skip
        for statement in statements:
            was = {
                line.key: line for line in statement.lines.all()
                if line.corrects_period is None and line.kind != LineKind.DISPUTE
            }  # fmt: skip
            paid = {key: (ZERO if ln.excluded else ln.amount) for key, ln in was.items()}
            for key, later in paid_later.get((statement.rep_id, period_start), {}).items():
                paid[key] = paid.get(key, ZERO) + later.amount
            expected = {ln.key: ln for ln in now[statement.rep_id].lines}
            for key in sorted(set(paid) | set(expected)):
                now_line = expected.get(key)
                should = ZERO if now_line is None or now_line.excluded else now_line.amount
                diff = should - paid.get(key, ZERO)
                if diff:
                    found[statement.rep_id].append(
                        _correction(key, diff, statement, now_line or was.get(key), keep_won)
                    )
    for rep in reps:
        for key, later in sorted(paid_later.get((rep, start), {}).items()):
            if later.amount:
                found[rep].append(later.taken_back(key, start))
    for rep, lines in found.items():
        for line in lines:
            reason = (excluded or {}).get((rep, line.key))
            if reason is not None:
                line.excluded, line.exclusion_reason = True, reason
    return found


def disputes_paid(reps: list[int], start: date) -> dict[int, list[Line]]:
    """The accepted disputes paid in the period starting ``start``: each is paid in the
    period its answer named, whether or not the rep has an earlier period still open."""
    found: dict[int, list[Line]] = defaultdict(list)
    disputes = Dispute.objects.filter(
        statement__rep_id__in=reps, status=DisputeStatus.ACCEPTED, paid_in_period=start
    ).select_related("statement")
    for dispute in disputes:
        found[dispute.statement.rep_id].append(Line(
            None, LineKind.DISPUTE, f"Dispute accepted: {dispute.line_description}",
            dispute.adjustment, "dispute", dispute.pk,
            {"answer": dispute.answer, "period": dispute.statement.period_start.isoformat()},
        ))  # fmt: skip
    return found


@dataclass
class Settled:
    """What settled statements have decided, as corrections, for one line of one period:
    ``amount`` paid, or left out by a manager (``left_out`` of it)."""

    amount: Decimal = ZERO
    left_out: Decimal = ZERO
    about: str = ""
    rule_id: int | None = None
    source_type: str = ""
    source_id: int | None = None
    settled_in: set = field(default_factory=set)

    def taken_back(self, key: str, period: date) -> Line:
        """The line that takes it back from ``period``'s own statement, computed again."""
        where = (
            periods.label(*next(iter(self.settled_in))) if len(self.settled_in) == 1
            else "later statements"
        )  # fmt: skip
        how = (
            "Left out" if self.left_out == self.amount else
            "Paid already" if not self.left_out else "Settled already"
        )  # fmt: skip
        return Line(
            self.rule_id, LineKind.LATE_CHANGE, f"{how} in {where}: {self.about}",
            -self.amount, self.source_type, self.source_id,
            {"corrects": key, "about": self.about, "taken_back": True}, corrects_period=period,
        )  # fmt: skip


def _settled_corrections(reps: list[int], *, since: date) -> dict:
    """Corrections in settled statements of periods from ``since``, by (rep, corrected
    period) and the key they correct: ``Settled`` each. A left-out one counts as settled at
    what it would have paid: a manager decided not to pay it."""
    from commissions.models import StatementLine

    paid: dict = defaultdict(lambda: defaultdict(Settled))
    rows = StatementLine.objects.filter(
        statement__rep_id__in=reps, statement__status__in=SETTLED, corrects_period__gte=since,
    ).values_list(
        "statement__rep_id", "corrects_period", "snapshot", "amount", "excluded", "description",
        "rule_id", "source_type", "source_id", "statement__plan__period",
        "statement__period_start",
    ).order_by("statement__period_start", "position")  # fmt: skip
    for rep, period, snapshot, amount, excluded, description, rule, kind, source, *where in rows:
        settled = paid[(rep, period)][snapshot["corrects"]]
        settled.amount += amount
        settled.left_out += amount if excluded else ZERO
        settled.about = snapshot.get("about") or description
        settled.rule_id, settled.source_type, settled.source_id = rule, kind, source
        settled.settled_in.add(tuple(where))
    return paid


def _kept_wins(statements: list[Statement]) -> dict:
    """Wins paid on these statements that are won no more, but stay paid: reversed after the
    clawback days of the version that paid them, or paid by a version with no clawback."""
    paid = {
        line.source_id: (statement.rep_id, line)
        for statement in statements
        for line in statement.lines.all()
        if line.kind == RuleKind.WON_PERCENT and line.source_type == "opportunity"
    }
    if not paid:
        return {}
    versions = {line.rule.version_id for _, line in paid.values() if line.rule is not None}
    clawback = dict(
        CommissionRule.objects.filter(version_id__in=versions, kind=RuleKind.CLAWBACK)
        .values_list("version_id", "params__days")
    )  # fmt: skip
    tz = zoneinfo.ZoneInfo(statements[0].plan.timezone)
    kept = {}
    reversed_ = Opportunity.objects.filter(pk__in=paid).exclude(status=Opportunity.Status.WON)
    for pk, changed in reversed_.values_list("pk", "status_changed_at"):
        rep, line = paid[pk]
        days = clawback.get(line.rule.version_id) if line.rule is not None else None
        snap = line.snapshot
        closed = date.fromisoformat(snap["closed_on"])
        when = changed.astimezone(tz).date() if changed else None
        clawed = days is not None and when and (when - closed).days <= days
        if not clawed:
            kept[pk] = {"owner": rep, "name": snap["name"], "amount": snap["amount"],
                        "closed_on": snap["closed_on"]}  # fmt: skip
    return kept


def _correction(key: str, diff: Decimal, statement: Statement, line, keep_won) -> Line:
    period = periods.label(statement.plan.period, statement.period_start)
    about = line.description if line is not None else "a line"
    source_type = line.source_type if line is not None else ""
    source_id = line.source_id if line is not None else None
    reversed_ = (
        line is not None and line.kind == RuleKind.WON_PERCENT and line.source_id not in keep_won
        and diff < 0 and not Opportunity.objects.filter(pk=line.source_id, status="won").exists()
    )  # fmt: skip
    text = f"Clawback ({period}): {about}, reversed" if reversed_ else f"{period}: {about}"
    return Line(
        line.rule_id if line is not None else None, LineKind.LATE_CHANGE, text, diff,
        source_type, source_id, {"corrects": key, "statement": statement.pk, "about": about},
        corrects_period=statement.period_start,
    )  # fmt: skip
