from django.urls import path

from empathy_maps import views

app_name = "empathy_maps"
urlpatterns = [
    path("", views.map_list, name="map_list"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("personas/", views.persona_list, name="persona_list"),
    path("personas/<int:pk>/", views.persona_detail, name="persona_detail"),
    path("personas/<int:pk>/members/", views.persona_members, name="persona_members"),
    path("for-prospect/<int:prospect_pk>/", views.prospect_map, name="prospect_map"),
    path("<int:pk>/", views.board, name="board"),
    path("<int:pk>/entries/", views.entry_create, name="entry_create"),
    path("<int:pk>/entries/<int:entry_pk>/", views.entry_update, name="entry_update"),
    path("<int:pk>/entries/<int:entry_pk>/delete/", views.entry_delete, name="entry_delete"),
    path("<int:pk>/entries/<int:entry_pk>/<str:direction>/", views.entry_move, name="entry_move"),
    path("<int:pk>/goal/", views.goal_update, name="goal_update"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/export.md", views.export_markdown, name="export_markdown"),
]
