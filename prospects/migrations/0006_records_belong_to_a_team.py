"""Accounts and prospects get a team (filled in by 0007, keyed by 0008)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_roles"),
        ("prospects", "0005_owner_name_order"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="account", name="account_domain_unique_ci"),
        migrations.RemoveConstraint(model_name="prospect", name="prospect_email_unique_ci"),
        migrations.AddField(
            model_name="account",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="The team whose buying group this is.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="people.team",
            ),
        ),
        migrations.AddField(
            model_name="prospect",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="The team whose record this is; each team keeps its own record of a person.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="prospects",
                to="people.team",
            ),
        ),
    ]
