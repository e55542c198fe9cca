"""Commissions in Django admin: the raw data, to look at. Every change to plans, rules,
statements and disputes goes through the app's screens (commissions.services), which keep
the audit trail; so here nothing is added, changed or deleted, and the audit trail least of
all (it is append-only)."""

from __future__ import annotations

from django.contrib import admin

from commissions.models import (
    AuditEntry,
    CommissionPlan,
    CommissionRule,
    Dispute,
    PayrollBatch,
    PlanVersion,
    Statement,
    StatementLine,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, don't touch: the app's services keep these consistent and audited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommissionPlan)
class CommissionPlanAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "period", "currency", "effective_from", "effective_to")
    list_filter = ("status", "period")
    search_fields = ("name",)


class RuleInline(admin.TabularInline):
    model = CommissionRule
    fields = ("order", "kind", "name", "params")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ("plan", "number", "effective_from", "note", "created_by", "created_at")
    list_select_related = ("plan", "created_by")
    inlines = [RuleInline]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("rep", "plan", "period_start", "status", "total", "currency", "revision")
    list_filter = ("status", "plan")
    list_select_related = ("rep", "plan")
    search_fields = ("rep__username", "rep__last_name")
    raw_id_fields = ("rep", "approved_by", "locked_by")
    show_full_result_count = False


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = ("statement", "kind", "description", "amount", "excluded", "corrects_period")
    list_filter = ("kind", "excluded")
    list_select_related = ("statement__rep",)
    raw_id_fields = ("statement", "rule")
    show_full_result_count = False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("line_description", "status", "raised_by", "raised_at", "adjustment")
    list_filter = ("status",)
    list_select_related = ("raised_by",)
    raw_id_fields = ("statement", "raised_by", "answered_by")


@admin.register(PayrollBatch)
class PayrollBatchAdmin(ReadOnlyAdmin):
    list_display = ("batch_id", "period_start", "total", "created_by", "created_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only: no one edits or deletes the trail, not even a superuser here."""

    list_display = ("at", "actor", "action", "subject_type", "subject_id", "note")
    list_filter = ("subject_type",)
    list_select_related = ("actor",)
    search_fields = ("action", "note")
    show_full_result_count = False

    def get_actions(self, request):
        return {}  # no "delete selected"
