"""One word for the central noun: a ConciergeTask is a FollowUp, its history FollowUpEvent.

The rows stay (tables are renamed); so do the indexes, whose names never said "task". The
one-follow-up-per-step-and-event key gets the new word too.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [
        ("concierge", "0003_notification_email_lease"),
        ("prospects", "0011_prospect_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("ConciergeTask", "FollowUp"),
        migrations.RenameModel("TaskEvent", "FollowUpEvent"),
        migrations.RenameField("followupevent", "task", "followup"),
        migrations.RemoveConstraint("followup", "concierge_task_once_per_step_and_event"),
        migrations.AddConstraint(
            "followup",
            models.UniqueConstraint(
                fields=["step", "prospect", "source_key"],
                condition=Q(step__isnull=False),
                name="followup_once_per_step_and_event",
            ),
        ),
        migrations.AlterField(
            model_name="followup",
            name="prospect",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="followups",
                to="prospects.prospect",
            ),
        ),
        migrations.AlterField(
            model_name="followup",
            name="assignee",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="followups",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="followup",
            name="step",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="followups",
                to="concierge.playbookstep",
            ),
        ),
    ]
