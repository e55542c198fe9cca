from django.urls import path

from prospects import views

app_name = "prospects"
urlpatterns = [
    path("", views.prospect_list, name="prospect_list"),
    path("find/", views.quick_find, name="quick_find"),
    path("new/", views.prospect_create, name="prospect_create"),
    path("export.csv", views.prospect_export, name="prospect_export"),
    path("<int:pk>/", views.prospect_detail, name="prospect_detail"),
    path("<int:pk>/edit/", views.prospect_update, name="prospect_update"),
    path("<int:pk>/merge/", views.prospect_merge, name="prospect_merge"),
    path("<int:pk>/delete/", views.prospect_delete, name="prospect_delete"),
    path("<int:pk>/restore/", views.prospect_restore, name="prospect_restore"),
    path("<int:pk>/engagements/new/", views.engagement_create, name="engagement_create"),
    path("<int:pk>/opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_update, name="opportunity_update"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/options/", views.account_options, name="account_options"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_update, name="account_update"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/rows-to-fix.csv", views.import_bad_rows, name="import_bad_rows"),
    path("form-sources/", views.form_source_list, name="form_source_list"),
    path("form-sources/<int:pk>/rotate/", views.form_source_rotate, name="form_source_rotate"),
]
