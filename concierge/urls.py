from django.urls import path

from concierge import views

app_name = "concierge"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("playbooks/", views.playbook_list, name="playbook_list"),
    path("playbooks/new/", views.playbook_edit, name="playbook_create"),
    path("playbooks/<int:pk>/", views.playbook_edit, name="playbook_edit"),
    path("playbooks/<int:pk>/toggle/", views.playbook_toggle, name="playbook_toggle"),
    path(
        "playbooks/<int:pk>/steps/<int:step_pk>/<str:direction>/",
        views.playbook_step_move,
        name="playbook_step_move",
    ),
    path(
        "prospects/<int:pk>/conversations/", views.conversation_create, name="conversation_create"
    ),
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("follow-ups/<int:pk>/", views.followup_detail, name="followup_detail"),
    path("follow-ups/<int:pk>/done/", views.followup_done, name="followup_done"),
    path("follow-ups/<int:pk>/snooze/", views.followup_snooze, name="followup_snooze"),
    path("follow-ups/<int:pk>/skip/", views.followup_skip, name="followup_skip"),
    path("follow-ups/<int:pk>/reassign/", views.followup_reassign, name="followup_reassign"),
]
