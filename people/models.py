"""Who works in the CRM: users (reps, managers, admins) and the teams they form.

A user's role is one of the groups made by migration ``0002_roles``; see
``empathy_crm.access`` for what each role may see and edit.
"""

from __future__ import annotations

import functools
import zoneinfo

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from empathy_crm.access import Role, edits_only_own, role_of, sees_everyone, works_in_a_team


@functools.cache
def known_timezones() -> frozenset[str]:
    """The zone names, read once: ``available_timezones()`` walks the zone files on every
    call, which was most of the time of checking a large import's rows."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know, e.g. Europe/Berlin.")


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user) -> TeamQuerySet:
        if sees_everyone(user):
            return self.all()
        if works_in_a_team(user) and user.scope_team_id:
            return self.filter(pk=user.scope_team_id)
        return self.none()

    def editable_by(self, user) -> TeamQuerySet:
        """Admins edit every team; a manager edits the team they manage; reps none."""
        if sees_everyone(user):
            return self.all()
        if works_in_a_team(user) and not edits_only_own(user):
            return self.filter(manager=user)
        return self.none()


class Team(models.Model):
    """One manager and the reps they coach."""

    name = models.CharField(max_length=120, unique=True)
    manager = models.OneToOneField(
        "people.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_team",
        help_text="The manager who reviews this team's work and approves its statements.",
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text="The team a rep works in (a manager is a member of the team they manage).",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    links_revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Secret links (the calendar feed) made before this moment no longer work.",
    )

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def deactivate(self) -> None:
        """Sign-in stops, and so do the secret links made so far: reactivating the user
        later does not bring an old link back."""
        self.is_active = False
        self.links_revoked_at = timezone.now()
        self.save(update_fields=["is_active", "links_revoked_at"])

    def link_works(self, made_at) -> bool:
        """Whether a secret link of this user's, made at ``made_at``, may still be used."""
        return self.is_active and (self.links_revoked_at is None or made_at > self.links_revoked_at)

    @cached_property
    def role(self) -> Role | None:
        return role_of(self)

    @cached_property
    def scope_team_id(self) -> int | None:
        """The team whose records this user works with: the one they manage, else their own."""
        if self.role is Role.MANAGER:
            if hasattr(self, "managed_team_id"):  # loaded with the user (people.backends)
                return self.managed_team_id or self.team_id
            managed = Team.objects.filter(manager=self).values_list("pk", flat=True).first()
            return managed or self.team_id
        return self.team_id

    @cached_property
    def scope_member_ids(self) -> list[int]:
        """Ids of the people whose records this rep or manager may see (their team)."""
        if not self.scope_team_id:
            return [self.pk]
        return list(User.objects.filter(team_id=self.scope_team_id).values_list("pk", flat=True))


def role_group(role: Role) -> Group:
    """The group that grants ``role`` (made by migration 0002; recreated if it was removed)."""
    return Group.objects.get_or_create(name=role.value)[0]
