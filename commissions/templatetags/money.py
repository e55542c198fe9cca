"""``{{ amount|money:currency }}``: €1,240.00, by the one rule in ``commissions.money``."""

from __future__ import annotations

from django import template

from commissions.money import display

register = template.Library()


@register.filter
def money(amount, currency: str = "EUR") -> str:
    if amount is None or amount == "":
        return ""
    return display(amount, currency)
