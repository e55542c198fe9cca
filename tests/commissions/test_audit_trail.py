"""The audit trail of plans, rules, statements and disputes is append-only: no edit, no
delete, in code or in Django admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commissions.models import AuditEntry


def test_creating_a_plan_is_audited_and_the_entry_cannot_change(admin_user, rep, plan_for):
    plan = plan_for(("per_conversation", {"amount": "10.00"}), reps=[rep])
    created, live = AuditEntry.objects.filter(subject_type="commissionplan", subject_id=plan.pk)\
        .order_by("at", "pk")  # fmt: skip
    assert (created.action, created.actor, live.action) == ("created", admin_user, "went live")
    assert created.after["rules"][0]["params"] == {"amount": "10.00"}
    assert (live.before, live.after) == ({"status": "draft"}, {"status": "live"})
    created.note = "rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        created.save()
    with pytest.raises(ValidationError, match="append-only"):
        created.delete()
    with pytest.raises(ValidationError, match="append-only"):
        AuditEntry.objects.filter(pk=created.pk).update(note="rewritten")
    with pytest.raises(ValidationError, match="append-only"):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=created.pk).note == ""


def test_not_even_a_superuser_edits_the_trail_in_django_admin(client, admin_user, rep, plan_for):
    plan_for(("per_conversation", {"amount": "10.00"}), reps=[rep])
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client.force_login(admin_user)
    entry = AuditEntry.objects.first()
    changelist = client.get(reverse("admin:commissions_auditentry_changelist"))
    assert changelist.status_code == 200 and "went live" in changelist.text
    assert 'name="action"' not in changelist.text, "no bulk delete"
    change = client.get(reverse("admin:commissions_auditentry_change", args=[entry.pk]))
    assert change.status_code == 200 and 'value="Save"' not in change.text, "read-only"
    delete = client.post(reverse("admin:commissions_auditentry_delete", args=[entry.pk]),
                         {"post": "yes"})  # fmt: skip
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
