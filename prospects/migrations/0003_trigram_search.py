"""Trigram indexes so the prospect search (icontains on names, email, account name) stays
an index lookup at 100k+ rows. PostgreSQL only; SQLite scans, which is fine at its scale."""

from django.db import migrations

# The expressions match what Django emits for __icontains: UPPER("col"::text) LIKE UPPER(%s).
INDEXES = [
    ("prospect_first_name_trgm", "prospects_prospect", "first_name"),
    ("prospect_last_name_trgm", "prospects_prospect", "last_name"),
    ("prospect_email_trgm", "prospects_prospect", "email"),
    ("account_name_trgm", "prospects_account", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("prospects", "0002_list_indexes")]
    operations = [migrations.RunPython(create, drop)]
