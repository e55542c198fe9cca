"""Money is ``Decimal``, and there is one rounding rule: every line is rounded to the cent,
half away from zero (``ROUND_HALF_UP``: 0.005 -> 0.01, -0.005 -> -0.01), and a total is the
sum of its rounded lines, so every figure a rep sees adds up from the lines below it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def cents(value: Decimal) -> Decimal:
    """The one rounding rule: to the cent, half away from zero."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def decimal(value, *, field: str = "amount") -> Decimal:
    """A Decimal from a form or JSON value (never from a float)."""
    if isinstance(value, float):
        raise ValueError(f"{field}: send money as a string, not a float")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{field}: “{value}” is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{field}: “{value}” is not a number")
    return number


def display(amount: Decimal, currency: str) -> str:
    """€1,240.00; -€12.50."""
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{abs(cents(amount)):,.2f}"
