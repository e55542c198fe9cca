from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("mine/", views.my_team, name="my_team"),
    path("me/timezone/", views.timezone_from_browser, name="timezone_from_browser"),
    path("<int:pk>/", views.team_detail, name="team_detail"),
]
