"""Form-source secrets are kept encrypted (Fernet, FIELD_ENCRYPTION_KEY), with their last
four characters as a hint and when they were made; the plain column goes."""

import django.utils.timezone
from django.db import migrations, models

from empathy_crm.crypto import decrypt, encrypt


def encrypt_secrets(apps, schema_editor):
    FormSource = apps.get_model("prospects", "FormSource")
    for source in FormSource.objects.all():
        source.secret_encrypted = encrypt(source.secret)
        source.secret_hint = source.secret[-4:]
        source.secret_made_at = source.created_at
        source.save(update_fields=["secret_encrypted", "secret_hint", "secret_made_at"])


def decrypt_secrets(apps, schema_editor):
    FormSource = apps.get_model("prospects", "FormSource")
    for source in FormSource.objects.all():
        source.secret = decrypt(source.secret_encrypted)
        source.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("prospects", "0009_inbound_request_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="formsource",
            name="secret_encrypted",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="formsource",
            name="secret_hint",
            field=models.CharField(
                default="", editable=False, help_text="Its last characters.", max_length=4
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="formsource",
            name="secret_made_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="formsource",
            name="previous_secret_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="formsource",
            name="previous_secret_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RemoveField(model_name="formsource", name="secret"),
    ]
