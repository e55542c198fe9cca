"""Ids typed into URLs, query strings and bodies. ``str.isdigit()`` is not the check: it
accepts "²" and "١", which ``int()`` or the database then refuse (a 500, not a 404)."""

from __future__ import annotations

import re

ID = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit a bigint


def parse_id(value) -> int | None:
    """The id ``value`` spells, or None."""
    value = str(value)
    return int(value) if ID.fullmatch(value) else None


def is_number(value, digits: int = 18) -> bool:
    """``value`` is a whole number of at most ``digits`` ASCII digits."""
    return re.fullmatch(rf"[0-9]{{1,{digits}}}", str(value)) is not None
