"""The climb room's panel on the account page (a page of the prospects app, below this one:
it shows what apps above it add through ``prospects.panels``)."""

from __future__ import annotations

from django.template.loader import render_to_string

from prospects.panels import account_panel
from rooms import selectors


@account_panel
def climb_room(request, account, can_edit: bool):
    context = {**selectors.account_room(account.pk), "account": account, "can_edit": can_edit}
    return render_to_string("rooms/account_panel.html", context, request=request)
