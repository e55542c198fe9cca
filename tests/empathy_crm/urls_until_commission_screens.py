"""The project's URLs plus the two commission URL names the commission services link to
(a statement approved, a dispute raised), for tests that run those services while the
commission screens are not in ``empathy_crm.urls`` yet. Once they are, nothing uses this
file (``test_seed_demo`` only switches to it when the names are missing): delete it."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import include, path

from empathy_crm.urls import urlpatterns as project_urlpatterns


def _not_yet(request, pk: int) -> HttpResponse:
    return HttpResponse(status=404)


screens = [
    path("plans/<int:pk>/", _not_yet, name="plan_detail"),
    path("statements/<int:pk>/", _not_yet, name="statement_detail"),
]
urlpatterns = [*project_urlpatterns, path("commissions/", include((screens, "commissions")))]
