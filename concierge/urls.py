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
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("tasks/<int:pk>/snooze/", views.task_snooze, name="task_snooze"),
    path("tasks/<int:pk>/skip/", views.task_skip, name="task_skip"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
]
