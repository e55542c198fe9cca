from django.urls import path

from commissions import views

app_name = "commissions"

urlpatterns = [
    path("earnings/", views.my_earnings, name="my_earnings"),
    path("statements/", views.statement_list, name="statement_list"),
    path("statements/approve/", views.statements_approve, name="statements_approve"),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/approve/", views.statement_approve, name="statement_approve"),
    path("statements/<int:pk>/lock/", views.statement_lock, name="statement_lock"),
    path("statements/<int:pk>/unlock/", views.statement_unlock, name="statement_unlock"),
    path("statements/<int:pk>/exclude/", views.line_exclude, name="line_exclude"),
    path("statements/<int:pk>/lines/<int:line_pk>/", views.line_source, name="line_source"),
    path("statements/<int:pk>/disputes/", views.dispute_raise, name="dispute_raise"),
    path(
        "statements/<int:pk>/disputes/<int:dispute_pk>/answer/",
        views.dispute_answer,
        name="dispute_answer",
    ),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/preview/", views.plan_preview, name="plan_preview"),
    path("plans/<int:pk>/what-if/", views.plan_what_if, name="plan_what_if"),
    path("plans/<int:pk>/live/", views.plan_go_live, name="plan_go_live"),
    path("plans/<int:pk>/end/", views.plan_end, name="plan_end"),
    path("plans/<int:pk>/versions/", views.version_start, name="version_start"),
    path("plans/<int:pk>/runs/", views.plan_runs, name="plan_runs"),
    path("plans/<int:pk>/run/", views.plan_run, name="plan_run"),
    path("plans/<int:pk>/v/<int:version_pk>/rules/", views.rule_add, name="rule_add"),
    path(
        "plans/<int:pk>/v/<int:version_pk>/rules/<int:index>/",
        views.rule_edit,
        name="rule_edit",
    ),
    path(
        "plans/<int:pk>/v/<int:version_pk>/rules/<int:index>/remove/",
        views.rule_remove,
        name="rule_remove",
    ),
    path(
        "plans/<int:pk>/v/<int:version_pk>/rules/<int:index>/<str:direction>/",
        views.rule_move,
        name="rule_move",
    ),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("payroll/", views.payroll, name="payroll"),
    path("payroll/lock/", views.payroll_lock, name="payroll_lock"),
    path("payroll/export/", views.payroll_export, name="payroll_export"),
    path("payroll/<str:batch_id>.csv", views.payroll_download, name="payroll_download"),
]
