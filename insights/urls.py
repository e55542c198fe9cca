from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("", views.page, name="page"),
    path("switch/", views.switch, name="switch"),
    path("rows/<str:which>/", views.rows, name="rows"),
    path("export/<str:table>.csv", views.export, name="export"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("coaching/", views.coaching, name="coaching"),
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
    path("conversations/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("comments/<int:pk>/reply/", views.reply_add, name="reply_add"),
]
