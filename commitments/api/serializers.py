import datetime

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import AssigneeField, TypedDatesMixin, VisibleRecordField
from contacts.models import Stakeholder
from interactions.api.serializers import InteractionBriefSerializer, StakeholderBriefSerializer
from interactions.models import Interaction
from meetings.models import Meeting

from ..models import RENEWAL_NOTICE_DAYS, Commitment


class CommitmentSerializer(serializers.ModelSerializer):
    """A commitment as the API and webhooks show it."""

    stakeholder = StakeholderBriefSerializer(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("Open and past its due date."))
    renewal_due = serializers.BooleanField(
        read_only=True,
        help_text=format_lazy(
            _("Open and up for renewal within {days} days, or past its renewal date."),
            days=RENEWAL_NOTICE_DAYS,
        ),
    )
    source_interaction = InteractionBriefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("Where it was promised; null if none, or if you may not read that interaction."),
    )

    class Meta:
        model = Commitment
        fields = [
            "id",
            "description",
            "direction",
            "stakeholder",
            "organisation",
            "owner",
            "due_on",
            "renews_on",
            "status",
            "is_overdue",
            "renewal_due",
            "fulfilled_at",
            "broken_at",
            "cancelled_at",
            "overdue_notified_at",
            "notes",
            "source_interaction",
            "source_meeting",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CommitmentInputSerializer(TypedDatesMixin, serializers.ModelSerializer):
    """What changing a commitment takes; commitments.services does the rest. Status moves by actions."""

    stakeholder = VisibleRecordField(Stakeholder)
    owner = AssigneeField(
        required=False,
        help_text=_("The officer who chases it: a colleague, not a service account. Defaults to you."),
    )

    class Meta:
        model = Commitment
        fields = [
            "description",
            "direction",
            "stakeholder",
            "organisation",
            "owner",
            "due_on",
            "renews_on",
            "notes",
        ]


class CommitmentRecordSerializer(CommitmentInputSerializer):
    """Recording a commitment also says where it was promised, if anywhere; that is fixed afterwards."""

    source_interaction = VisibleRecordField(Interaction, required=False, allow_null=True)
    source_meeting = VisibleRecordField(Meeting, required=False, allow_null=True)

    class Meta(CommitmentInputSerializer.Meta):
        fields = [*CommitmentInputSerializer.Meta.fields, "source_interaction", "source_meeting"]


def commitment_payload(commitment: Commitment, *, viewer) -> dict:
    """The webhook payload: the commitment exactly as GET /api/v1/commitments/{id}/ shows it to `viewer`."""
    fresh = Commitment.objects.for_api(viewer).get(pk=commitment.pk)
    with timezone.override(datetime.UTC):
        return dict(CommitmentSerializer(fresh).data)
