"""Panels that apps above this one add to the account page, without this app importing
them: the climb room (``rooms``) adds its own when it starts (``RoomsConfig.ready``).

Each panel is a function of the request, the account and whether the user may edit it,
returning the panel's HTML (or "" for none). The account view renders them in order.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from prospects.models import Account

AccountPanel = Callable[[HttpRequest, Account, bool], SafeString]

ACCOUNT_PANELS: list[AccountPanel] = []


def account_panel(panel: AccountPanel) -> AccountPanel:
    """Add ``panel`` to every account page (once, however often the app starts)."""
    if panel not in ACCOUNT_PANELS:
        ACCOUNT_PANELS.append(panel)
    return panel


def account_panels(request: HttpRequest, account: Account, can_edit: bool) -> list[SafeString]:
    return [html for panel in ACCOUNT_PANELS if (html := panel(request, account, can_edit))]
