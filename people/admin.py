from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from people.models import Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "team", "is_active")
    list_filter = ("groups", "team", "is_active", "is_staff")
    list_select_related = ("team",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Empathy CRM", {"fields": ("team", "timezone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Empathy CRM", {"fields": ("email", "first_name", "last_name", "team", "groups")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            obj.deactivate()  # their secret links stop working too


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager")
    list_select_related = ("manager",)
    search_fields = ("name",)
    autocomplete_fields = ("manager",)
