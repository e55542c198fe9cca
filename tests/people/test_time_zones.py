"""Time zones: picked from a list as you type, checked on the server, suggested for a new
person, and a rep's own taken from their browser while it is still the default."""

from __future__ import annotations

import pytest
from django.urls import reverse

from empathy_crm import zones
from prospects.models import Prospect
from tests.factories import AccountFactory, ProspectFactory

URL = reverse("people:timezone_from_browser")


def test_the_browsers_zone_becomes_the_reps_while_theirs_is_the_default(client, rep):
    client.force_login(rep)
    page = client.get(reverse("home")).text
    assert "js/browser-timezone.js" in page and URL in page
    response = client.post(URL, {"timezone": "Europe/Berlin"})
    assert response.json() == {"timezone": "Europe/Berlin", "saved": True}
    rep.refresh_from_db()
    assert rep.timezone == "Europe/Berlin"
    assert "js/browser-timezone.js" not in client.get(reverse("home")).text
    # A zone they have is never overwritten by another browser's (a trip, a shared laptop).
    assert client.post(URL, {"timezone": "Asia/Tokyo"}).json()["saved"] is False
    rep.refresh_from_db()
    assert rep.timezone == "Europe/Berlin"


@pytest.mark.parametrize("value", ["", "Mars/Olympus", "x" * 500, "Europe/../etc"])
def test_what_is_not_a_zone_is_refused(client, rep, value):
    client.force_login(rep)
    response = client.post(URL, {"timezone": value})
    assert response.status_code == 400 and "error" in response.json()
    rep.refresh_from_db()
    assert rep.timezone == "UTC"


def test_the_endpoint_takes_a_post_with_the_csrf_token_only(client, rep):
    client.force_login(rep)
    assert client.get(URL).status_code == 405
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(rep)
    assert strict.post(URL, {"timezone": "Europe/Paris"}).status_code == 403


def prospect_data(**extra):
    return {"first_name": "Lena", "email": "lena@kanzlei.de", "buying_role": "unknown",
            "willingness": "curious", "stage": "exploring", "timezone": "", **extra}  # fmt: skip


def test_a_new_persons_zone_comes_from_their_email_country_when_left_empty(client, rep):
    client.force_login(rep)
    form = client.get(reverse("prospects:prospect_create")).text
    assert 'list="time-zones"' in form and '<option value="Europe/Berlin">' in form
    client.post(reverse("prospects:prospect_create"), prospect_data(timezone=""))
    assert Prospect.objects.get(email="lena@kanzlei.de").timezone == "Europe/Berlin"
    client.post(reverse("prospects:prospect_create"),
                prospect_data(email="tom@firm.co.uk", timezone=""))  # fmt: skip
    assert Prospect.objects.get(email="tom@firm.co.uk").timezone == "Europe/London"
    client.post(reverse("prospects:prospect_create"),
                prospect_data(email="ann@firm.com", timezone=""))  # fmt: skip
    assert Prospect.objects.get(email="ann@firm.com").timezone == "UTC"


def test_their_colleagues_zone_wins_over_the_email_country(client, rep):
    account = AccountFactory(name="Kanzlei Weber", owner=rep)
    ProspectFactory(owner=rep, account=account, timezone="America/New_York")
    client.force_login(rep)
    client.post(reverse("prospects:prospect_create"), prospect_data(company="Kanzlei Weber"))
    assert Prospect.objects.get(email="lena@kanzlei.de").timezone == "America/New_York"


def test_a_typed_zone_is_checked_and_spelt_as_the_database_spells_it(client, rep):
    client.force_login(rep)
    page = client.post(reverse("prospects:prospect_create"),
                       prospect_data(timezone="Berlin time")).text  # fmt: skip
    assert "is not a time zone we know" in page
    assert not Prospect.objects.exists()
    client.post(reverse("prospects:prospect_create"), prospect_data(timezone="europe/paris"))
    assert Prospect.objects.get().timezone == "Europe/Paris"


def test_quick_edit_suggests_a_zone_for_someone_still_on_utc(client, rep):
    account = AccountFactory(owner=rep)
    ProspectFactory(owner=rep, account=account, timezone="Europe/Madrid")
    person = ProspectFactory(owner=rep, account=account, timezone="UTC")
    client.force_login(rep)
    page = client.get(reverse("prospects:prospect_update", args=[person.pk])).text
    assert "Suggested: <strong>Europe/Madrid</strong> (where their colleagues are)" in page
    assert page.count('<datalist id="time-zones">') == 1


def test_country_domains_spread_over_several_zones_suggest_none():
    assert zones.zone_for_email("a@b.de") == "Europe/Berlin"
    assert zones.zone_for_email("a@b.co.uk") == "Europe/London"
    assert zones.zone_for_email("a@b.com") is None
    assert zones.zone_for_email("a@b.us") is None
