"""The rep's side of climb rooms (``/rooms/``)."""

from django.urls import path

from rooms import views

app_name = "rooms"
urlpatterns = [
    path("accounts/<int:pk>/open/", views.room_open, name="room_open"),
    path("<int:pk>/", views.room_detail, name="room_detail"),
    path("<int:pk>/climb/", views.room_climb, name="room_climb"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_pk>/", views.question_edit, name="question_edit"),
    path("<int:pk>/stories/", views.story_add, name="story_add"),
    path("<int:pk>/stories/<int:story_pk>/remove/", views.story_remove, name="story_remove"),
    path("<int:pk>/steps/", views.step_add, name="step_add"),
    path("<int:pk>/steps/<int:step_pk>/", views.step_edit, name="step_edit"),
    path("<int:pk>/people/", views.member_invite, name="member_invite"),
    path("<int:pk>/people/<int:member_pk>/revoke/", views.member_revoke, name="member_revoke"),
    path("<int:pk>/people/<int:member_pk>/approve/", views.member_approve, name="member_approve"),
]
