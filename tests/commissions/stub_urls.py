"""The app's URLs plus the two commission pages the services link to in notifications
(``statement_detail``, ``plan_detail``), for as long as the commission screens are not on
this branch. ``tests/commissions/conftest.py`` uses it only when those names don't resolve."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import include, path

from empathy_crm.urls import urlpatterns as app_urlpatterns


def _page(request, pk):
    return HttpResponse(status=204)


pages = [
    path("statements/<int:pk>/", _page, name="statement_detail"),
    path("plans/<int:pk>/", _page, name="plan_detail"),
]

urlpatterns = [*app_urlpatterns, path("commissions/", include((pages, "commissions")))]
