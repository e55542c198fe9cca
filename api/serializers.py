"""What the API shows of each record (reads only: writes go through the app's forms)."""

from __future__ import annotations

from rest_framework import serializers

from concierge.models import FollowUp
from empathy_maps.models import EmpathyMap, Entry
from prospects.models import Account, Conversation, Engagement, Opportunity, Prospect


class ProspectSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", default=None, read_only=True)

    class Meta:
        model = Prospect
        fields = [
            "id", "first_name", "last_name", "email", "phone", "title", "account",
            "account_name", "owner", "team", "buying_role", "willingness", "stage", "timezone",
            "do_not_contact", "source", "open_question", "last_helpful_touch_at",
            "last_feeling", "feeling_trend", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = [
            "id", "name", "domain", "industry", "size", "owner", "team", "climb_goal",
            "climb_position", "climb_blockers", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = [
            "id", "prospect", "rep", "occurred_at", "channel", "questions", "frustrations",
            "roadblocks", "help_given", "wins", "quotes", "feeling_before", "feeling_after",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class EngagementSerializer(serializers.ModelSerializer):
    asset_title = serializers.CharField(source="asset.title", default=None, read_only=True)

    class Meta:
        model = Engagement
        fields = ["id", "prospect", "asset", "asset_title", "occurred_at", "why", "source",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Opportunity
        fields = [
            "id", "account", "prospect", "owner", "name", "amount", "status", "opened_on",
            "closed_on", "source_conversation", "source_engagement", "status_changed_at",
        ]  # fmt: skip
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id", "prospect", "assignee", "kind", "due_at", "status", "help_offered",
            "receivers_eye", "outcome", "skip_reason", "created_at", "completed_at",
        ]  # fmt: skip
        read_only_fields = fields


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Entry
        fields = ["id", "quadrant", "text", "position", "evidence_conversation",
                  "evidence_engagement", "evidence_quote", "created_at"]  # fmt: skip
        read_only_fields = fields


class EmpathyMapSerializer(serializers.ModelSerializer):
    entries = EntrySerializer(many=True, read_only=True)

    class Meta:
        model = EmpathyMap
        fields = ["id", "prospect", "persona", "owner", "goal", "success", "status", "version",
                  "created_at", "updated_at", "entries"]  # fmt: skip
        read_only_fields = fields
