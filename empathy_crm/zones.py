"""Time zones people pick from: every IANA zone, found by typing (an ``<input list>`` with
one ``<datalist>`` of them, rendered once per process), checked on the server, and a guess
from an email address's country where the domain says it."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

DATALIST_ID = "time-zones"

#: Country domains whose country has one time zone people mostly mean (or one that most of
#: its business lives in). Countries spread over several zones (.us, .ca, .au, .br, .ru…)
#: are left out: a wrong guess is worse than none.
TLD_ZONES = {
    "uk": "Europe/London", "ie": "Europe/Dublin", "de": "Europe/Berlin", "fr": "Europe/Paris",
    "es": "Europe/Madrid", "it": "Europe/Rome", "nl": "Europe/Amsterdam",
    "be": "Europe/Brussels", "ch": "Europe/Zurich", "at": "Europe/Vienna",
    "se": "Europe/Stockholm", "no": "Europe/Oslo", "dk": "Europe/Copenhagen",
    "fi": "Europe/Helsinki", "pl": "Europe/Warsaw", "cz": "Europe/Prague",
    "pt": "Europe/Lisbon", "gr": "Europe/Athens", "hu": "Europe/Budapest",
    "ro": "Europe/Bucharest", "jp": "Asia/Tokyo", "kr": "Asia/Seoul", "in": "Asia/Kolkata",
    "sg": "Asia/Singapore", "hk": "Asia/Hong_Kong", "il": "Asia/Jerusalem",
    "nz": "Pacific/Auckland", "za": "Africa/Johannesburg", "ng": "Africa/Lagos",
    "ke": "Africa/Nairobi", "ae": "Asia/Dubai", "ar": "America/Argentina/Buenos_Aires",
    "co": "America/Bogota", "cl": "America/Santiago", "pe": "America/Lima",
}  # fmt: skip


@cache
def all_zones() -> tuple[str, ...]:
    """Every zone this machine's tz database knows, sorted; "localtime" and the like out."""
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


@cache
def _by_lower() -> dict[str, str]:
    return {z.lower(): z for z in zoneinfo.available_timezones()}


def canonical(text: str) -> str | None:
    """The zone ``text`` names, spelt as the tz database spells it (any case, spaces for
    underscores), or None."""
    return _by_lower().get(text.strip().replace(" ", "_").lower())


def zone_for_email(email: str) -> str | None:
    """The zone of the email domain's country, where its domain says one (``.de``,
    ``.co.uk``); None for ``.com`` and the like."""
    domain = email.rsplit("@", 1)[-1].lower().rstrip(".")
    return TLD_ZONES.get(domain.rsplit(".", 1)[-1]) if "." in domain else None


@cache
def datalist() -> SafeString:
    """The ``<datalist>`` of every zone, rendered once per process (about 600 options)."""
    options = format_html_join("", '<option value="{}">', ((z,) for z in all_zones()))
    return SafeString(f'<datalist id="{DATALIST_ID}">{options}</datalist>')


class TimeZoneInput(forms.TextInput):
    """A text box that suggests zones as you type; the page gets the list once."""

    template_name = "widgets/time_zone.html"

    def __init__(self, attrs=None):
        base = {"list": DATALIST_ID, "autocomplete": "off", "spellcheck": "false",
                "placeholder": "Type a city, e.g. Berlin"}  # fmt: skip
        super().__init__({**base, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["datalist"] = datalist()
        return context


class TimeZoneField(forms.CharField):
    """A time zone, typed or picked; cleaned to the tz database's spelling."""

    widget = TimeZoneInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        zone = canonical(value)
        if zone is None:
            raise forms.ValidationError(
                "“%(value)s” is not a time zone we know: pick one from the list, like "
                "Europe/Berlin or America/New_York.",
                params={"value": value[:64]},
            )
        return zone
