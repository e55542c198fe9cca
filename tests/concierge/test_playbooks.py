from __future__ import annotations

import pytest
from django.urls import reverse

from concierge.models import Playbook
from tests.factories import PlaybookFactory, PlaybookStepFactory, ProspectFactory

LIST = reverse("concierge:playbook_list")


def step_data(prefix="steps", rows=()) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


@pytest.mark.parametrize(("who", "code"), [("rep", 403), ("manager", 403), ("admin_user", 200)])
def test_only_admins_manage_playbooks(client, request, who, code, db):
    playbook = PlaybookStepFactory().playbook
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == code
    assert client.get(reverse("concierge:playbook_edit", args=[playbook.pk])).status_code == code
    response = client.post(reverse("concierge:playbook_toggle", args=[playbook.pk]))
    assert response.status_code == (302 if code == 200 else 403)


def test_admin_creates_a_playbook_with_steps(client, admin_user):
    client.force_login(admin_user)
    data = {"name": "Webinar questions", "trigger": "new_engagement", "no_touch_days": 14, "enabled": "on",
            **step_data(rows=[{"order": 1, "delay_days": 1, "delay_hours": 0, "kind": "answer_question",
                               "wording": "Hi {first_name}, about {question}", "on_conversation": "keep"}])}  # fmt: skip
    response = client.post(reverse("concierge:playbook_create"), data, follow=True)
    playbook = Playbook.objects.get()
    assert playbook.enabled and playbook.steps.get().kind == "answer_question"
    assert "Saved “Webinar questions”." in response.text


def test_a_playbook_without_steps_cannot_be_enabled(client, admin_user):
    client.force_login(admin_user)
    data = {
        "name": "Empty",
        "trigger": "new_engagement",
        "no_touch_days": 14,
        "enabled": "on",
        **step_data(),
    }
    response = client.post(reverse("concierge:playbook_create"), data)
    assert "Add at least one step before you enable it." in response.text
    assert not Playbook.objects.exists()
    empty = PlaybookFactory(enabled=False)
    response = client.post(reverse("concierge:playbook_toggle", args=[empty.pk]), follow=True)
    assert "has no steps yet" in response.text
    empty.refresh_from_db()
    assert not empty.enabled


def test_steps_can_be_reordered(client, admin_user):
    first = PlaybookStepFactory(order=1, kind="answer_question")
    second = PlaybookStepFactory(playbook=first.playbook, order=2, kind="share_story")
    client.force_login(admin_user)
    client.post(reverse("concierge:playbook_step_move", args=[first.playbook.pk, second.pk, "up"]))
    assert list(first.playbook.steps.values_list("kind", flat=True)) == [
        "share_story",
        "answer_question",
    ]
    bad = reverse("concierge:playbook_step_move", args=[first.playbook.pk, second.pk, "sideways"])
    assert client.post(bad).status_code == 404


def test_preview_shows_dates_in_the_prospects_working_hours(client, admin_user, rep):
    step = PlaybookStepFactory(delay_days=3, wording="Share a story with {first_name}")
    ProspectFactory(owner=rep, first_name="Dana", email="dana@x.example", timezone="Europe/Berlin")
    client.force_login(admin_user)
    url = reverse("concierge:playbook_edit", args=[step.playbook.pk])
    response = client.get(url, {"email": "DANA@x.example"})
    rows = response.context["preview"]
    assert len(rows) == 1 and rows[0]["wording"] == "Share a story with Dana"
    assert rows[0]["local"].weekday() < 5 and 9 <= rows[0]["local"].hour < 17
    shown = rows[0]["due_at"].astimezone(rows[0]["local"].tzinfo).strftime("%a %b %-d, %H:%M")
    assert shown in response.text, "the preview shows the prospect's own time"
    assert "No prospect with that email." in client.get(url, {"email": "nobody@x.example"}).text
