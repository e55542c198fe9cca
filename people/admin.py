from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from people.models import Team, User


class UserChangeForm(DjangoUserAdmin.form):
    def clean_team(self):
        """People stay with the team that helps them: a rep who still owns prospects of
        their team cannot move until those are handed to someone who stays."""
        team = self.cleaned_data.get("team")
        user = self.instance
        if user.pk and team != user.team:
            kept = user.prospects.exclude(team=team).count()  # the owned prospects
            if kept:
                raise forms.ValidationError(
                    f"{user} still owns {kept} prospect{'s' if kept != 1 else ''} of "
                    f"{user.team or 'no team'}: hand them to a teammate first."
                )
        return team


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
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
