from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from empathy_crm.access import Role
from people.models import Team, User, role_group

PASSWORD = "a-long-test-password"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        """``UserFactory(role=Role.REP)`` puts the user in that role's group."""
        if create and extracted:
            obj.groups.add(role_group(Role(extracted)))


def make_rep(team: Team | None = None, **kwargs) -> User:
    return UserFactory(role=Role.REP, team=team, **kwargs)


def make_manager(team: Team, **kwargs) -> User:
    manager = UserFactory(role=Role.MANAGER, team=team, **kwargs)
    team.manager = manager
    team.save(update_fields=["manager"])
    return manager


def make_admin(**kwargs) -> User:
    return UserFactory(role=Role.ADMIN, **kwargs)


# --- Prospects ----------------------------------------------------------------------------


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prospects.Account"

    name = factory.Sequence(lambda n: f"Account {n}")
    domain = factory.Sequence(lambda n: f"account{n}.example")
    owner = None
    team_id = factory.LazyAttribute(lambda a: a.owner.scope_team_id if a.owner else None)


class ProspectFactory(factory.django.DjangoModelFactory):
    """A person in their owner's team's records, in an account of that team."""

    class Meta:
        model = "prospects.Prospect"

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    owner = None
    team_id = factory.LazyAttribute(lambda p: p.owner.scope_team_id if p.owner else None)
    account = factory.SubFactory(AccountFactory, team_id=factory.SelfAttribute("..team_id"))


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prospects.Conversation"

    prospect = factory.SubFactory(ProspectFactory)
    rep = factory.LazyAttribute(lambda c: c.prospect.owner)
    questions = "How do others handle this?"
    help_given = "Shared what worked elsewhere."
    feeling_before = 2
    feeling_after = 4


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prospects.Engagement"

    prospect = factory.SubFactory(ProspectFactory)
    why = "How long does onboarding take?"


class FormSourceFactory(factory.django.DjangoModelFactory):
    """Its secret, in full, is ``source.secret`` (decrypted)."""

    class Meta:
        model = "prospects.FormSource"

    name = factory.Sequence(lambda n: f"Form {n}")
    team = factory.SubFactory(TeamFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        source = model_class(*args, **kwargs)
        source.secret_issue()
        source.save()
        return source


class ContentAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prospects.ContentAsset"

    title = factory.Sequence(lambda n: f"Rollout checklist {n}")
    kind = "checklist"
    url = factory.Sequence(lambda n: f"https://example.com/checklist-{n}")


class OpportunityFactory(factory.django.DjangoModelFactory):
    """An open opportunity of the person's account, owned by their owner."""

    class Meta:
        model = "prospects.Opportunity"

    prospect = factory.SubFactory(ProspectFactory)
    account = factory.SelfAttribute("prospect.account")
    owner = factory.SelfAttribute("prospect.owner")
    name = factory.Sequence(lambda n: f"Rollout {n}")
    amount = "1200.00"


class ProspectEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prospects.ProspectEvent"

    prospect = factory.SubFactory(ProspectFactory)
    kind = "new_engagement"
    key = factory.Sequence(lambda n: f"engagement:{n}")


class InboundDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prospects.InboundDelivery"

    form_source = factory.SubFactory(FormSourceFactory)
    idempotency_key = factory.Sequence(lambda n: f"form-submission-{n}")
    response_body = factory.LazyFunction(lambda: {"prospect_created": True})


class ProspectImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prospects.ProspectImport"

    filename = factory.Sequence(lambda n: f"people-{n}.csv")
    content = "email,first_name\ngrace@brightpath.example,Grace\n"
    total_rows = 1
    status = "done"


# --- Concierge ----------------------------------------------------------------------------


class PlaybookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "concierge.Playbook"

    name = factory.Sequence(lambda n: f"Playbook {n}")
    trigger = "new_engagement"


class PlaybookStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "concierge.PlaybookStep"

    playbook = factory.SubFactory(PlaybookFactory)
    kind = "answer_question"
    wording = "Hi {first_name}, about “{question}”: here is what helped others."


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "concierge.FollowUp"

    prospect = factory.SubFactory(ProspectFactory)
    assignee = factory.LazyAttribute(lambda t: t.prospect.owner)
    kind = "send_resource"
    help_offered = "Send the onboarding checklist."
    due_at = factory.LazyFunction(timezone.now)


class DigestSentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "concierge.DigestSent"

    local_date = factory.Sequence(lambda n: timezone.localdate() - timedelta(days=n))


# --- The shared bottom: inbox, mails, heartbeat ---------------------------------------------


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "empathy_crm.Notification"

    kind = "followup_due"
    message = "Check in for Dana Whitfield"
    key = factory.Sequence(lambda n: f"followup:{n}")


class NoticeEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "empathy_crm.NoticeEmail"

    message_id = factory.Sequence(lambda n: f"<notices.{n}.feedface@crm.example.com>")
    notice_count = 1
    lease_until = factory.LazyFunction(timezone.now)
