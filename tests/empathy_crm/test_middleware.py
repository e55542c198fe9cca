from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone


def test_times_show_in_the_users_zone_and_the_zone_is_reset_after_the_response(
    client, rep, own_prospect, clock
):
    clock.move_to("2026-11-18T10:30:00+00:00", tick=False)
    rep.timezone = "Asia/Tokyo"
    rep.save(update_fields=["timezone"])
    client.force_login(rep)
    response = client.get(reverse("prospects:prospect_detail", args=[own_prospect.pk]))
    assert b'value="2026-11-18T19:30"' in response.content, "the form starts at 19:30 in Tokyo"
    # The next request on this thread, or code after it, must not inherit the rep's zone.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
