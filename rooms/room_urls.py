"""The room itself, at ``/room/<token>/``: no session, the personal link is the key."""

from django.urls import path

from rooms import views

app_name = "room"
urlpatterns = [
    path("<str:token>/", views.room_view, name="view"),
    path("<str:token>/questions/<int:pk>/", views.room_question, name="question"),
    path("<str:token>/questions/<int:pk>/helped/", views.room_helped, name="helped"),
    path("<str:token>/steps/<int:pk>/", views.room_step, name="step"),
    path("<str:token>/steps/<int:pk>/done/", views.room_step_done, name="step_done"),
    path("<str:token>/ask/", views.room_ask, name="ask"),
    path("<str:token>/invite/", views.room_invite, name="invite"),
]
