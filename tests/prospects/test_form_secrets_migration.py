"""Migration 0010 encrypts the form sources' plain secrets, and gives them back when
reversed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from empathy_crm.crypto import decrypt

PLAIN = [("prospects", "0009_inbound_request_hash")]
ENCRYPTED = [("prospects", "0010_form_secrets_encrypted")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_plain_secrets_are_encrypted_and_still_sign():
    old = migrate(PLAIN)
    team = old.get_model("people", "Team").objects.create(name="North")
    source = old.get_model("prospects", "FormSource").objects.create(
        name="Website", team=team, secret="s3cret-the-marketing-tool-already-has"
    )

    new = migrate(ENCRYPTED)
    encrypted = new.get_model("prospects", "FormSource").objects.get(pk=source.pk)
    assert "s3cret" not in encrypted.secret_encrypted
    assert decrypt(encrypted.secret_encrypted) == "s3cret-the-marketing-tool-already-has"
    assert encrypted.secret_hint == "-has" and encrypted.secret_made_at == source.created_at

    back = migrate(PLAIN)
    plain = back.get_model("prospects", "FormSource").objects.get(pk=source.pk)
    assert plain.secret == "s3cret-the-marketing-tool-already-has"
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to today
