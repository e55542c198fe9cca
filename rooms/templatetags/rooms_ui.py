"""``{% account_room account %}``: the climb room's panel on the account page (the account
page belongs to the prospects app, below this one; its template names this tag)."""

from __future__ import annotations

from django import template

from prospects.models import Account
from rooms import selectors

register = template.Library()


@register.inclusion_tag("rooms/account_panel.html", takes_context=True)
def account_room(context, account: Account) -> dict:
    return {**selectors.account_room(account.pk), "account": account,
            "can_edit": context.get("can_edit", False)}  # fmt: skip
