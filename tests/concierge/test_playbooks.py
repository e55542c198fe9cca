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
            **step_data(rows=[{"delay_days": 1, "delay_hours": 0, "kind": "answer_question",
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


def test_the_editor_shows_what_an_admin_chooses_not_raw_widgets(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("concierge:playbook_create")).text
    assert "---------" not in page
    assert "Choose what starts it" in page and "Every team" in page and "Choose the help" in page
    assert 'data-shown-when="trigger=no_touch"' in page  # days only for "no helpful touch"
    assert 'name="steps-0-order"' not in page, "the order is the list's, with ↑/↓"


def test_a_saved_playbook_has_no_blank_step_until_the_admin_adds_one(client, admin_user):
    step = PlaybookStepFactory(order=1)
    client.force_login(admin_user)
    url = reverse("concierge:playbook_edit", args=[step.playbook_id])
    assert 'name="steps-1-kind"' not in client.get(url).text
    data = {"name": "Renamed", "trigger": step.playbook.trigger, "enabled": "on",
            **step_data(rows=[{"id": step.pk, "delay_days": 2, "delay_hours": 0, "kind": step.kind,
                               "wording": step.wording, "on_conversation": "keep"}]),
            "steps-INITIAL_FORMS": "1", "add_step": "1"}  # fmt: skip
    page = client.post(url, data).text
    assert 'name="steps-1-kind"' in page, "one blank step to fill in"
    assert 'value="Renamed"' in page, "what was typed stays"
    assert Playbook.objects.get().name != "Renamed", "nothing saved yet"
    data.pop("add_step")
    data.update({"steps-TOTAL_FORMS": "2", "steps-1-delay_days": "5", "steps-1-delay_hours": "0",
                 "steps-1-kind": "check_in", "steps-1-wording": "How is it going?",
                 "steps-1-on_conversation": "keep"})  # fmt: skip
    client.post(url, data)
    steps = list(Playbook.objects.get().steps.values_list("kind", "order"))
    assert steps == [(step.kind, 1), ("check_in", 2)], "a new step goes last"


def test_the_no_touch_trigger_needs_its_days(client, admin_user):
    client.force_login(admin_user)
    data = {"name": "Quiet", "trigger": "no_touch", "no_touch_days": "", **step_data()}
    page = client.post(reverse("concierge:playbook_create"), data).text
    assert "Say after how many days without help." in page
    assert not Playbook.objects.exists()
