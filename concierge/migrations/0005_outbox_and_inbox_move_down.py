"""The outbox and the inbox move to the layers below, so imports only go down.

What happened to people (``TriggerEvent`` here) is the prospects app's ``ProspectEvent``
now, written by the services that make it happen; each person's notices (``Notification``
and the ``NoticeEmail`` that carries them) are the shared ``empathy_crm`` inbox, which every
app writes to. Rows are copied over (a follow-up's notice keeps saying which follow-up it is
about, as its key), then the old tables go.
"""

from django.db import migrations

BATCH = 5000


def copy_down(apps, schema_editor):
    TriggerEvent = apps.get_model("concierge", "TriggerEvent")
    ProspectEvent = apps.get_model("prospects", "ProspectEvent")
    for start in range(0, TriggerEvent.objects.count(), BATCH):
        rows = TriggerEvent.objects.order_by("pk")[start : start + BATCH]
        ProspectEvent.objects.bulk_create(
            ProspectEvent(kind=e.trigger, prospect_id=e.prospect_id, key=e.source_key,
                          context=e.context, created_at=e.created_at,
                          processed_at=e.processed_at)
            for e in rows
        )  # fmt: skip

    OldEmail = apps.get_model("concierge", "NoticeEmail")
    OldNotice = apps.get_model("concierge", "Notification")
    NoticeEmail = apps.get_model("empathy_crm", "NoticeEmail")
    Notification = apps.get_model("empathy_crm", "Notification")
    emails = {}
    for old in OldEmail.objects.order_by("pk").iterator():
        emails[old.pk] = NoticeEmail.objects.create(
            user_id=old.user_id, message_id=old.message_id, notice_count=old.notice_count,
            created_at=old.created_at, lease_until=old.lease_until, attempts=old.attempts,
            sent_at=old.sent_at,
        ).pk  # fmt: skip
    for start in range(0, OldNotice.objects.count(), BATCH):
        rows = OldNotice.objects.order_by("pk")[start : start + BATCH]
        Notification.objects.bulk_create(
            Notification(
                user_id=n.user_id,
                kind="followup_due" if n.task_id else "other",
                key=f"followup:{n.task_id}" if n.task_id else "",
                url=f"/concierge/follow-ups/{n.task_id}/" if n.task_id else "",
                message=n.message, created_at=n.created_at, read_at=n.read_at,
                email_id=emails.get(n.email_id), emailed_at=n.emailed_at,
            )
            for n in rows
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("concierge", "0004_followup_one_word"),
        ("empathy_crm", "0002_inbox"),
        ("prospects", "0011_prospect_events"),
    ]

    operations = [
        migrations.RunPython(copy_down, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel("Notification"),
        migrations.DeleteModel("NoticeEmail"),
        migrations.DeleteModel("TriggerEvent"),
    ]
