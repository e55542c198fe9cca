"""Migrations 0004-0005: the follow-up keeps its rows under its new name, and the outbox and
the inbox move down to the prospects and empathy_crm apps with every row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("concierge", "0003_notification_email_lease"), ("empathy_crm", "0001_initial"),
          ("prospects", "0010_form_secrets_encrypted")]  # fmt: skip
AFTER = [("concierge", "0005_outbox_and_inbox_move_down")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_follow_ups_events_and_notices_keep_every_row():
    old = migrate(BEFORE)
    User = old.get_model("people", "User")
    Prospect = old.get_model("prospects", "Prospect")
    Task = old.get_model("concierge", "ConciergeTask")
    rep = User.objects.create(username="rep", email="rep@example.com")
    dana = Prospect.objects.create(email="dana@example.org", first_name="Dana", owner=rep)
    task = Task.objects.create(prospect=dana, assignee=rep, kind="check_in",
                               due_at="2026-11-18T10:00:00Z", status="due")  # fmt: skip
    old.get_model("concierge", "TaskEvent").objects.create(task=task, to_status="due")
    old.get_model("concierge", "TriggerEvent").objects.create(
        trigger="new_engagement", prospect=dana, source_key="engagement:1"
    )
    mail = old.get_model("concierge", "NoticeEmail").objects.create(
        user=rep, message_id="<notices.1.x@localhost>", notice_count=1,
        lease_until="2026-11-18T10:06:00Z", sent_at="2026-11-18T10:01:00Z",
    )  # fmt: skip
    Notice = old.get_model("concierge", "Notification")
    Notice.objects.create(user=rep, task=task, message="Check in for Dana", email=mail,
                          emailed_at="2026-11-18T10:01:00Z")  # fmt: skip
    Notice.objects.create(user=rep, message="Someone submitted a map")

    new = migrate(AFTER)
    followup = new.get_model("concierge", "FollowUp").objects.get()
    assert followup.pk == task.pk and followup.events.get().to_status == "due"
    event = new.get_model("prospects", "ProspectEvent").objects.get()
    assert (event.kind, event.key, event.prospect_id) == ("new_engagement", "engagement:1", dana.pk)
    notices = new.get_model("empathy_crm", "Notification").objects.order_by("created_at", "pk")
    due, other = list(notices)
    assert (due.kind, due.key, due.url) == (
        "followup_due",
        f"followup:{task.pk}",
        f"/concierge/follow-ups/{task.pk}/",
    )
    assert due.email.message_id == "<notices.1.x@localhost>" and due.emailed_at is not None
    assert (other.kind, other.key, other.message) == ("other", "", "Someone submitted a map")
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to today
