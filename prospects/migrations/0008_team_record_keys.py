"""Each team's records are unique by its own key: an email names one prospect per team, a
domain one account per team (and one among the records of no team). Indexes for reading an
account list by team, and a prospect by email across teams (an admin's import)."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("prospects", "0007_records_to_teams")]

    operations = [
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                models.F("team"),
                django.db.models.functions.text.Lower("name"),
                name="account_team_name_lower",
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(fields=["team", "name", "id"], name="account_team_name_order"),
        ),
        migrations.AddIndex(
            model_name="prospect",
            index=models.Index(
                django.db.models.functions.text.Lower("email"), name="prospect_email_lower"
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(
                models.F("team"),
                django.db.models.functions.text.Lower("domain"),
                condition=models.Q(("domain", ""), _negated=True),
                name="account_domain_per_team",
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("domain"),
                condition=models.Q(models.Q(("domain", ""), _negated=True), ("team__isnull", True)),
                name="account_domain_without_team",
            ),
        ),
        migrations.AddConstraint(
            model_name="prospect",
            constraint=models.UniqueConstraint(
                models.F("team"),
                django.db.models.functions.text.Lower("email"),
                name="prospect_email_per_team",
            ),
        ),
        migrations.AddConstraint(
            model_name="prospect",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("team__isnull", True)),
                name="prospect_email_without_team",
            ),
        ),
    ]
