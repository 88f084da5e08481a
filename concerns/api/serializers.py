import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import AssigneeField, TypedDateField, VisibleRecordField
from contacts.models import Stakeholder
from interactions.api.serializers import InteractionBriefSerializer, StakeholderBriefSerializer
from interactions.models import Interaction

from ..models import Concern


class ConcernSerializer(serializers.ModelSerializer):
    """A concern as the API and webhooks show it."""

    stakeholder = StakeholderBriefSerializer(read_only=True)
    is_overdue_for_escalation = serializers.BooleanField(
        read_only=True, help_text=_("Unresolved for longer than the escalation threshold.")
    )
    interactions = InteractionBriefSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "Linked interactions you may read, newest first; confidential ones others logged are left out."
        ),
    )

    class Meta:
        model = Concern
        fields = [
            "id",
            "title",
            "description",
            "stakeholder",
            "organisation",
            "severity",
            "status",
            "owner",
            "resolution",
            "raised_on",
            "resolved_at",
            "escalated_at",
            "is_overdue_for_escalation",
            "interactions",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConcernInputSerializer(serializers.ModelSerializer):
    """What changing a concern takes; concerns.services does the rest. Status moves by actions."""

    stakeholder = VisibleRecordField(Stakeholder)
    owner = AssigneeField(
        required=False,
        help_text=_("The officer who handles it: a colleague, not a service account. Defaults to you."),
    )
    raised_on = TypedDateField(required=False, help_text=_("Defaults to today."))

    class Meta:
        model = Concern
        fields = ["title", "description", "stakeholder", "organisation", "severity", "owner", "raised_on"]


class ConcernRaiseSerializer(ConcernInputSerializer):
    """Raising a concern may link the interactions it came up in; later, link and unlink by actions."""

    interactions = VisibleRecordField(Interaction, many=True, required=False)

    class Meta(ConcernInputSerializer.Meta):
        fields = [*ConcernInputSerializer.Meta.fields, "interactions"]


class ConcernResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        help_text=_("What was done or agreed."),
        error_messages={
            "required": _("Say how the concern was resolved."),
            "blank": _("Say how the concern was resolved."),
        },
    )


class ConcernInteractionSerializer(serializers.Serializer):
    interaction = VisibleRecordField(Interaction)


def concern_payload(concern: Concern, *, viewer) -> dict:
    """The webhook payload: the concern exactly as GET /api/v1/concerns/{id}/ shows it to `viewer`."""
    fresh = Concern.objects.for_api(viewer).get(pk=concern.pk)
    with timezone.override(datetime.UTC):
        return dict(ConcernSerializer(fresh).data)
