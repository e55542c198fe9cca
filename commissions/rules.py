"""What each kind of rule takes, checked before it is saved.

Parameters are kept as JSON with money and rates as strings (``"12.50"``), never floats.

| kind | parameters |
| --- | --- |
| per_conversation | ``amount`` per helpful conversation (one a prospect a day, help recorded) |
| per_followup | ``amount`` per follow-up done on time with the receiver's-eye answer |
| per_sourced_opportunity | ``amount`` per opportunity opened from a conversation or engagement |
| won_percent | ``rate`` (% of the won amount), or ``quota`` and ``tiers``: ``[{"up_to": "100",
  "rate": "5"}, {"up_to": null, "rate": "8"}]``, marginal bands of attainment (% of quota) |
| spif | ``amount`` per follow-up of ``help_kind`` done from ``starts`` to ``ends`` |
| floor | ``amount``, or ``baseline_from`` and ``baseline_to``: the rep's average statement then |
| hold_harmless | ``previous_plan`` (its id) and ``until``: the last day paid the higher of both |
| cap | ``amount`` at most, for the rule-paid lines of a period |
| clawback | ``days``: a won opportunity reversed within that many days of closing is taken back |
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from commissions.models import CommissionPlan, RuleKind
from commissions.money import decimal, display
from empathy_crm.ids import is_number, parse_id
from prospects.models import HelpKind

#: Rules that pay for records, line by line; the others act on a statement's total.
RECORD_KINDS = (
    RuleKind.PER_CONVERSATION,
    RuleKind.PER_FOLLOWUP,
    RuleKind.PER_SOURCED_OPPORTUNITY,
    RuleKind.WON_PERCENT,
    RuleKind.SPIF,
)
#: At most one of each of these in a plan version.
SINGLE_KINDS = (RuleKind.FLOOR, RuleKind.CAP, RuleKind.HOLD_HARMLESS, RuleKind.CLAWBACK)


def _money(raw: dict, name: str, errors: dict, *, positive: bool = False) -> str | None:
    value = raw.get(name)
    if value in (None, ""):
        errors[name] = "Say how much."
        return None
    try:
        number = decimal(value, field=name)
    except ValueError as exc:
        errors[name] = str(exc).split(": ", 1)[-1].capitalize() + "."
        return None
    if number < 0 or (positive and number == 0):
        errors[name] = "It can't be negative." if number < 0 else "It must be more than zero."
        return None
    if number != number.quantize(Decimal("0.01")):
        errors[name] = "Give it to the cent at most."
        return None
    return f"{number:.2f}"


def _rate(value, name: str, errors: dict) -> str | None:
    try:
        number = decimal(value, field=name)
    except ValueError:
        errors[name] = f"“{value}” is not a percentage."
        return None
    if not Decimal("0") <= number <= Decimal("100"):
        errors[name] = "A rate is between 0 and 100 percent."
        return None
    return plain(number)


def plain(number: Decimal) -> str:
    """A rate or bound as people write it: "100", "2.5" (never "1E+2")."""
    return format(number.normalize(), "f") if number else "0"


def _date(raw: dict, name: str, errors: dict) -> str | None:
    value = raw.get(name)
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value or "")).isoformat()
    except ValueError:
        errors[name] = "Give a date (YYYY-MM-DD)."
        return None


def clean_params(kind: str, raw: dict, *, plan: CommissionPlan | None = None) -> dict:
    """The parameters of a ``kind`` rule, checked; ``ValidationError`` (by field) otherwise."""
    errors: dict[str, str] = {}
    params: dict = {}
    if not isinstance(raw, dict):
        raise ValidationError({"params": "Give the rule's parameters by name (amount, rate…)."})
    if kind in (RuleKind.PER_CONVERSATION, RuleKind.PER_FOLLOWUP, RuleKind.PER_SOURCED_OPPORTUNITY):
        params["amount"] = _money(raw, "amount", errors)
    elif kind == RuleKind.WON_PERCENT:
        params.update(_won_percent(raw, errors))
    elif kind == RuleKind.SPIF:
        params["amount"] = _money(raw, "amount", errors, positive=True)
        params["starts"], params["ends"] = _date(raw, "starts", errors), _date(raw, "ends", errors)
        if params["starts"] and params["ends"] and params["ends"] < params["starts"]:
            errors["ends"] = "The bonus can't end before it starts."
        if raw.get("help_kind") not in HelpKind.values:
            errors["help_kind"] = "Choose the kind of help it rewards."
        params["help_kind"] = raw.get("help_kind")
    elif kind == RuleKind.FLOOR:
        if raw.get("amount") not in (None, ""):
            params["amount"] = _money(raw, "amount", errors, positive=True)
        else:
            params["baseline_from"] = _date(raw, "baseline_from", errors)
            params["baseline_to"] = _date(raw, "baseline_to", errors)
            first, last = params["baseline_from"], params["baseline_to"]
            if first and last and last < first:
                errors["baseline_to"] = "The baseline can't end before it starts."
    elif kind == RuleKind.CAP:
        params["amount"] = _money(raw, "amount", errors, positive=True)
    elif kind == RuleKind.HOLD_HARMLESS:
        previous = str(raw.get("previous_plan") or "")
        found = (
            CommissionPlan.objects.filter(pk=parse_id(previous)).first()
            if parse_id(previous) is not None
            else None
        )
        if found is None:
            errors["previous_plan"] = "Choose the plan the reps were paid under before."
        elif plan is not None and found.pk == plan.pk:
            errors["previous_plan"] = "Choose another plan than this one."
        params["previous_plan"] = found.pk if found else None
        params["until"] = _date(raw, "until", errors)
    elif kind == RuleKind.CLAWBACK:
        days = str(raw.get("days") or "")
        if not is_number(days, 3) or not 1 <= int(days) <= 730:
            errors["days"] = "Give a number of days from 1 to 730."
        params["days"] = int(days) if is_number(days, 3) else None
    else:
        raise ValidationError({"kind": "Choose a kind of rule."})
    if errors:
        raise ValidationError(errors)
    return params


def _won_percent(raw: dict, errors: dict) -> dict:
    tiers = raw.get("tiers")
    if not tiers:
        rate = _rate(raw.get("rate", ""), "rate", errors)
        return {"rate": rate}
    if not isinstance(tiers, list) or not all(isinstance(tier, dict) for tier in tiers):
        errors["tiers"] = "Give the tiers as a list, each with its rate and where it ends (up_to)."
        return {}
    quota = _money(raw, "quota", errors, positive=True)
    clean, last = [], Decimal("0")
    for n, tier in enumerate(tiers, start=1):
        rate = _rate(tier.get("rate", ""), f"tier {n} rate", errors)
        up_to = tier.get("up_to")
        if up_to in (None, ""):
            if n != len(tiers):
                errors["tiers"] = "Only the last tier may have no upper end."
            clean.append({"up_to": None, "rate": rate})
            continue
        try:
            bound = decimal(up_to, field="up_to")
        except ValueError:
            errors["tiers"] = f"Tier {n}: “{up_to}” is not a percentage of quota."
            continue
        if bound <= last:
            errors["tiers"] = (
                f"Tier {n} overlaps the one before: each tier must end above the last "
                f"({last}% of quota)."
            )
        last = bound
        clean.append({"up_to": plain(bound), "rate": rate})
    if clean and clean[-1]["up_to"] is not None:
        errors["tiers"] = "The last tier must have no upper end, so every amount is paid."
    return {"quota": quota, "tiers": clean}


def check_version(rules: list[tuple[str, dict]]) -> None:
    """Rules that can't stand together in one version: two floors, a floor above the cap."""
    kinds = [kind for kind, _ in rules]
    for kind in SINGLE_KINDS:
        if kinds.count(kind) > 1:
            raise ValidationError(f"A plan has one {RuleKind(kind).label.lower()} at most.")
    floor = next((p for k, p in rules if k == RuleKind.FLOOR and p.get("amount")), None)
    cap = next((p for k, p in rules if k == RuleKind.CAP), None)
    if floor and cap and Decimal(floor["amount"]) > Decimal(cap["amount"]):
        raise ValidationError(
            f"The guaranteed floor ({floor['amount']}) is above the cap ({cap['amount']}): "
            "no statement could respect both."
        )


def describe(kind: str, params: dict, currency: str = "") -> str:
    """The rule in a sentence, for the plan page, statements and the audit trail."""

    def money(value) -> str:
        return display(Decimal(value), currency) if currency else str(value)

    if kind == RuleKind.PER_CONVERSATION:
        return f"{money(params['amount'])} per helpful conversation (one a prospect a day)"
    if kind == RuleKind.PER_FOLLOWUP:
        return (
            f"{money(params['amount'])} per follow-up done on time, with the receiver's-eye answer"
        )
    if kind == RuleKind.PER_SOURCED_OPPORTUNITY:
        return f"{money(params['amount'])} per opportunity that came out of helping"
    if kind == RuleKind.WON_PERCENT:
        if params.get("tiers"):
            bands = ", ".join(
                f"{t['rate']}% up to {t['up_to']}% of quota"
                if t["up_to"]
                else f"{t['rate']}% above"
                for t in params["tiers"]
            )
            return f"Of won amounts, quota {money(params['quota'])}: {bands}"
        return f"{params['rate']}% of won amounts"
    if kind == RuleKind.SPIF:
        return (
            f"{money(params['amount'])} per “{HelpKind(params['help_kind']).label}” done "
            f"from {params['starts']} to {params['ends']}"
        )
    if kind == RuleKind.FLOOR:
        if params.get("amount"):
            return f"Nobody is paid less than {money(params['amount'])} a period"
        return (
            f"Nobody is paid less than their average from {params['baseline_from']} "
            f"to {params['baseline_to']}"
        )
    if kind == RuleKind.CAP:
        return f"At most {money(params['amount'])} a period from the rules"
    if kind == RuleKind.HOLD_HARMLESS:
        return (
            f"Until {params['until']}, the higher of this plan and "
            f"“{CommissionPlan.objects.filter(pk=params['previous_plan']).first()}”"
        )
    if kind == RuleKind.CLAWBACK:
        return f"A win reversed within {params['days']} days of closing is taken back"
    return ""
