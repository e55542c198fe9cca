from django.contrib import admin
from django.urls import include, path

from api import pages as api_pages
from empathy_crm import views
from home import views as home_views
from people.views import password_reset
from prospects.api import inbound_engagements

admin.site.site_header = "Empathy CRM administration"
admin.site.site_title = "Empathy CRM admin"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.notices_read, name="notices_read"),
    path("inbox/<int:pk>/open/", views.notice_open, name="notice_open"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path("accounts/api-tokens/", api_pages.token_list, name="api_tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", api_pages.token_revoke, name="api_token_revoke"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("teams/", include("people.urls")),
    path("prospects/", include("prospects.urls")),
    path("concierge/", include("concierge.urls")),
    path("empathy-maps/", include("empathy_maps.urls")),
    path("commissions/", include("commissions.urls")),
    path("insights/", include("insights.urls")),
    path("rooms/", include("rooms.urls")),
    path("room/", include("rooms.room_urls")),
    path("api/inbound/engagements/", inbound_engagements, name="inbound_engagements"),
    path("api/v1/", include("api.urls")),
    path("webhooks/", api_pages.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", api_pages.webhook_detail, name="webhook_detail"),
    path("admin/", admin.site.urls),
]

handler500 = "empathy_crm.views.server_error"
