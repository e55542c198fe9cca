"""``/api/v1/``: the app's records for integrations, as the token's user sees them.

Reads fetch through the same scoped querysets as the pages (``visible_to``/``editable_by``,
``empathy_crm.access.get_for``): out of scope is a 404. Writes are checked by the pages' own
forms and saved by the same services and model methods (``api/forms.py``).
"""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers as out
from api.errors import invalid
from api.forms import checked, current_values, defaults, form_data, form_serializer
from api.idempotency import idempotent
from concierge import services as concierge_services
from concierge.forms import DoneForm, SkipForm, SnoozeForm
from concierge.models import FollowUp
from empathy_crm.access import get_for
from empathy_crm.ids import ID, parse_id
from empathy_maps.models import EmpathyMap
from prospects import services as prospect_services
from prospects.forms import (
    AccountClimbForm,
    ConversationForm,
    EngagementForm,
    OpportunityForm,
    ProspectForm,
    ProspectQuickEditForm,
)
from prospects.models import Account, Conversation, Engagement, Opportunity, Prospect

PROSPECT_ID = {"prospect": serializers.IntegerField(help_text="The prospect's id.")}
UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME, description="Only records changed at or after "
    "this moment (ISO 8601). What counts as a change, per resource, is in the README.",
)  # fmt: skip
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Makes a retry of this write safe: the same key and body get the first "
    "answer again; another body with the key is a 409.",
)  # fmt: skip


def moment(text: str):
    try:
        value = forms.DateTimeField().clean(text)
        # In UTC: PostgreSQL refuses offsets past ±15:59, Python takes up to ±23:59.
        return (value if timezone.is_aware(value) else value.replace(tzinfo=UTC)).astimezone(UTC)
    except ValidationError as exc:
        raise invalid({"updated_since": exc.messages}) from None
    except OverflowError:
        raise invalid({"updated_since": ["This moment is out of range."]}) from None


class Resource(viewsets.GenericViewSet):
    """A list (cursor pages, ``updated_since``) and single records, in the user's scope."""

    lookup_value_regex = ID.pattern
    #: The fields that say a record changed at or after a moment (any of them).
    changed_fields: tuple[str, ...] = ("created_at",)

    def scoped(self):
        raise NotImplementedError

    def get_queryset(self):
        queryset = self.scoped().visible_to(self.request.user)
        since = self.request.query_params.get("updated_since")
        if since is not None:
            when = moment(since)
            changed = Q()
            for name in self.changed_fields:
                changed |= Q(**{f"{name}__gte": when.date() if name == "opened_on" else when})
            queryset = queryset.filter(changed)
        return queryset

    def record(self, *, edit: bool = False):
        return get_for(self.request.user, self.scoped(), edit=edit, pk=self.kwargs["pk"])

    def shown(self, instance, status: int = 200) -> Response:
        return Response(self.get_serializer(instance).data, status=status)

    @extend_schema(parameters=[UPDATED_SINCE])
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self.shown(self.record())


WRITE = {"parameters": [IDEMPOTENCY_KEY]}


@extend_schema_view(
    create=extend_schema(request=form_serializer("ProspectCreate", ProspectForm), **WRITE),
    partial_update=extend_schema(
        request=form_serializer("ProspectUpdate", ProspectQuickEditForm, partial=True), **WRITE
    ),
)
class ProspectViewSet(Resource):
    """People the user may see. Created as on “Add a prospect” (owned by the token's user,
    in their team); changed as in the prospect page's quick edit."""

    serializer_class = out.ProspectSerializer
    changed_fields = ("updated_at",)

    def scoped(self):
        return Prospect.objects.select_related("account")

    @idempotent
    def create(self, request):
        data = form_data(request.data, ProspectForm, base=defaults(Prospect, ProspectForm))
        form = checked(ProspectForm(data, team_id=request.user.scope_team_id))
        prospect = form.save(commit=False)
        prospect.owner = request.user
        prospect_services.prospect_add(prospect=prospect, company=form.cleaned_data["company"])
        return self.shown(prospect, 201)

    @idempotent
    def partial_update(self, request, pk=None):
        prospect = self.record(edit=True)
        base = current_values(prospect, ProspectQuickEditForm)
        data = form_data(request.data, ProspectQuickEditForm, base=base)
        checked(ProspectQuickEditForm(data, instance=prospect)).save()
        return self.shown(prospect)


@extend_schema_view(
    partial_update=extend_schema(
        request=form_serializer("AccountUpdate", AccountClimbForm, partial=True), **WRITE
    )
)
class AccountViewSet(Resource):
    """Accounts (buying groups) the user may see; new ones come with a prospect's company,
    as in the app. A PATCH changes the climb, industry and size."""

    serializer_class = out.AccountSerializer

    def scoped(self):
        return Account.objects.all()

    @idempotent
    def partial_update(self, request, pk=None):
        account = self.record(edit=True)
        data = form_data(request.data, AccountClimbForm,
                         base=current_values(account, AccountClimbForm))  # fmt: skip
        checked(AccountClimbForm(data, instance=account)).save()
        return self.shown(account)


def prospect_to_edit(request) -> Prospect:
    """The body's ``prospect``: one the user may edit (else a field error, never a hint
    whether someone else's exists)."""
    value = request.data.get("prospect") if isinstance(request.data, dict) else None
    pk = None if isinstance(value, bool) or not isinstance(value, int | str) else parse_id(value)
    if pk is None:
        raise invalid({"prospect": ["Give the id of a prospect you may edit."]})
    found = Prospect.objects.editable_by(request.user).filter(pk=pk).first()
    if found is None:
        raise invalid({"prospect": ["No prospect with this id that you may edit."]})
    return found


CONVERSATION_IN = form_serializer("ConversationCreate", ConversationForm, extra=PROSPECT_ID)


@extend_schema_view(create=extend_schema(request=CONVERSATION_IN, **WRITE))
class ConversationViewSet(Resource):
    """Helpful conversations; logged as on the prospect page, with the next helpful step
    (``next_step_kind``, ``next_step_help``, ``next_step_on``). Logged conversations are
    evidence and are not changed."""

    serializer_class = out.ConversationSerializer

    def scoped(self):
        return Conversation.objects.all()

    @idempotent
    def create(self, request):
        prospect = prospect_to_edit(request)
        payload = {k: v for k, v in request.data.items() if k != "prospect"}
        data = form_data(payload, ConversationForm, base=defaults(Conversation, ConversationForm))
        form = checked(ConversationForm(data))
        conversation = concierge_services.conversation_record(
            prospect=prospect, rep=request.user, next_step=form.next_step(), **form.conversation()
        )
        return self.shown(conversation, 201)


@extend_schema_view(
    create=extend_schema(
        request=form_serializer("EngagementCreate", EngagementForm, extra=PROSPECT_ID), **WRITE
    )
)
class EngagementViewSet(Resource):
    """What people engaged with and why; recorded as on the prospect page."""

    serializer_class = out.EngagementSerializer

    def scoped(self):
        return Engagement.objects.select_related("asset")

    @idempotent
    def create(self, request):
        prospect = prospect_to_edit(request)
        payload = {k: v for k, v in request.data.items() if k != "prospect"}
        data = form_data(payload, EngagementForm, base=defaults(Engagement, EngagementForm))
        form = checked(EngagementForm(data))
        engagement = prospect_services.engagement_record(prospect=prospect, **form.cleaned_data)
        return self.shown(engagement, 201)


@extend_schema_view(
    create=extend_schema(
        request=form_serializer("OpportunityCreate", OpportunityForm, extra=PROSPECT_ID), **WRITE
    ),
    partial_update=extend_schema(
        request=form_serializer("OpportunityUpdate", OpportunityForm, partial=True), **WRITE
    ),
)
class OpportunityViewSet(Resource):
    """Opportunities that came out of helping; opened with a prospect of an account, won,
    lost or reopened with a PATCH, as on the prospect page."""

    serializer_class = out.OpportunitySerializer
    changed_fields = ("opened_on", "status_changed_at")

    def scoped(self):
        return Opportunity.objects.exclude(prospect__deleted_at__isnull=False)

    @idempotent
    def create(self, request):
        prospect = prospect_to_edit(request)
        if not prospect.account_id:
            raise invalid({"prospect": ["Add the prospect to an account first: opportunities "
                                        "belong to an account."]})  # fmt: skip
        payload = {k: v for k, v in request.data.items() if k != "prospect"}
        data = form_data(payload, OpportunityForm, base=defaults(Opportunity, OpportunityForm))
        form = checked(OpportunityForm(data, prospect=prospect))
        opportunity = form.save(commit=False)
        opportunity.account_id = prospect.account_id
        opportunity.prospect = prospect
        opportunity.owner = prospect.owner or request.user
        prospect_services.opportunity_save(opportunity=opportunity, status_before=None)
        return self.shown(opportunity, 201)

    @idempotent
    def partial_update(self, request, pk=None):
        opportunity = get_for(request.user, Opportunity.objects.select_related("prospect"),
                              edit=True, pk=pk)  # fmt: skip
        status_before = opportunity.status
        # An opportunity of no prospect (made in Django admin) offers no sources to pick.
        prospect = opportunity.prospect or Prospect(pk=0)
        data = form_data(request.data, OpportunityForm,
                         base=current_values(opportunity, OpportunityForm))  # fmt: skip
        form = checked(OpportunityForm(data, instance=opportunity, prospect=prospect))
        prospect_services.opportunity_save(opportunity=form.save(commit=False),
                                           status_before=status_before)  # fmt: skip
        return self.shown(opportunity)


def followup_change(form: forms.Form, change) -> None:
    """Run a follow-up's own method for a valid form; its ValidationError is a field error."""
    checked(form)
    try:
        change(form.cleaned_data)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        form_errors_ = {k if k in form.fields else "__all__": v for k, v in errors.items()}
        raise invalid(form_errors_) from None


@extend_schema_view(
    done=extend_schema(request=form_serializer("FollowUpDone", DoneForm), **WRITE),
    snooze=extend_schema(request=form_serializer("FollowUpSnooze", SnoozeForm), **WRITE),
    skip=extend_schema(request=form_serializer("FollowUpSkip", SkipForm), **WRITE),
)
class FollowUpViewSet(Resource):
    """Follow-ups assigned in the user's scope; done, snoozed or skipped as in the queue
    (made by playbooks and conversations' next steps, not by hand)."""

    serializer_class = out.FollowUpSerializer
    changed_fields = ("created_at", "completed_at", "due_at")

    def scoped(self):
        return FollowUp.objects.select_related("prospect").filter(prospect__deleted_at__isnull=True)

    def _act(self, request, form_class, change):
        followup = self.record(edit=True)
        form = form_class(form_data(request.data, form_class))
        followup_change(form, lambda data: change(followup, data))
        return self.shown(followup)

    @action(detail=True, methods=["post"])
    @idempotent
    def done(self, request, pk=None):
        return self._act(request, DoneForm,
                         lambda f, data: f.complete(by=request.user, **data))  # fmt: skip

    @action(detail=True, methods=["post"])
    @idempotent
    def snooze(self, request, pk=None):
        return self._act(request, SnoozeForm, lambda f, data: concierge_services.followup_snooze(
            followup=f, until=data["until"], on=data.get("date"), by=request.user))  # fmt: skip

    @action(detail=True, methods=["post"])
    @idempotent
    def skip(self, request, pk=None):
        return self._act(
            request, SkipForm, lambda f, data: f.skip(reason=data["reason"], by=request.user)
        )


class EmpathyMapViewSet(Resource):
    """Empathy maps the user may see, with their entries (read only)."""

    serializer_class = out.EmpathyMapSerializer
    changed_fields = ("updated_at",)

    def scoped(self):
        return EmpathyMap.objects.prefetch_related("entries")
