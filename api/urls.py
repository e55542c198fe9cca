from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from api import pages, views
from api.errors import not_found

router = SimpleRouter()
router.register("prospects", views.ProspectViewSet, basename="prospect")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("conversations", views.ConversationViewSet, basename="conversation")
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("followups", views.FollowUpViewSet, basename="followup")
router.register("empathy-maps", views.EmpathyMapViewSet, basename="empathy-map")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", pages.docs, name="docs"),
    *router.urls,
    re_path(r"^.*$", not_found),
]
