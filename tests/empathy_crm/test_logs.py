from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse

from tests.factories import ProspectFactory


@pytest.fixture
def console():
    """What our console handler writes (the one production's logs come from)."""
    handler = next(h for h in logging.getLogger("django").handlers if h.name == "console")
    stream = io.StringIO()
    before = handler.setStream(stream)
    yield stream
    handler.setStream(before)


def test_a_refused_request_is_one_warning_line_without_a_traceback(client, rep, outsider, console):
    hidden = ProspectFactory(owner=outsider)
    client.force_login(rep)
    assert client.get(reverse("prospects:prospect_detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("people:team_list")).status_code == 403
    lines = [line for line in console.getvalue().splitlines() if "django.request" in line]
    assert len(lines) == 2, console.getvalue()
    assert "WARNING django.request Not Found: /prospects/" in lines[0]
    assert "WARNING django.request Forbidden (Permission denied): /teams/" in lines[1]
    assert "Traceback" not in console.getvalue()
