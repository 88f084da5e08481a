import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import StaffField, TypedDatesMixin, VisibleRecordField
from api.representation import day, moment
from contacts.api.serializers import TagNamesField
from contacts.models import Organisation, Stakeholder

from ..models import Interaction


class StakeholderBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stakeholder
        fields = ["id", "name"]


class InteractionBriefSerializer(serializers.ModelSerializer):
    """An interaction another record points to (where a commitment was made, what a concern is about).

    Only given for interactions the reader may see: the querysets that feed it start from
    `Interaction.objects.visible_to(user)`, so a confidential one the reader may not read is left out.
    """

    class Meta:
        model = Interaction
        fields = ["id", "kind", "occurred_at", "summary", "is_confidential"]
        read_only_fields = fields


class InteractionSerializer(serializers.ModelSerializer):
    """An interaction as the API and webhooks show it."""

    stakeholders = StakeholderBriefSerializer(many=True, read_only=True)
    topics = TagNamesField(read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "kind",
            "direction",
            "occurred_at",
            "summary",
            "notes",
            "outcome",
            "sentiment",
            "is_confidential",
            "organisation",
            "stakeholders",
            "staff_present",
            "topics",
            "follow_up_on",
            "follow_up_note",
            "follow_up_done_at",
            "follow_up_owner",
            "logged_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        return interaction_representation(instance)


def interaction_representation(interaction: Interaction) -> dict:
    """InteractionSerializer's output written out (api/representation.py says why), from a row of
    `Interaction.objects.for_api()`. A field added to the serializer's Meta.fields must be added here too
    (tests/api/test_representation.py notices when it is not).

    It reads the row's annotations and never queries, so a list costs no query per row however it is
    nested. A record from elsewhere (a service's return value) is read through `for_api()` first, as the
    view sets' `object_response` and `interaction_payload` do.
    """
    return {
        "id": interaction.pk,
        "kind": interaction.kind,
        "direction": interaction.direction,
        "occurred_at": moment(interaction.occurred_at),
        "summary": interaction.summary,
        "notes": interaction.notes,
        "outcome": interaction.outcome,
        "sentiment": interaction.sentiment,
        "is_confidential": interaction.is_confidential,
        "organisation": interaction.organisation_id,
        "stakeholders": interaction.api_stakeholders,
        "staff_present": interaction.api_staff_present,
        "topics": interaction.api_topic_names,
        "follow_up_on": day(interaction.follow_up_on),
        "follow_up_note": interaction.follow_up_note,
        "follow_up_done_at": moment(interaction.follow_up_done_at),
        "follow_up_owner": interaction.follow_up_owner_id,
        "logged_by": interaction.logged_by_id,
        "created_at": moment(interaction.created_at),
        "updated_at": moment(interaction.updated_at),
    }


class InteractionInputSerializer(TypedDatesMixin, serializers.ModelSerializer):
    """What logging or editing an interaction takes; interactions.services does the rest."""

    stakeholders = VisibleRecordField(Stakeholder, many=True)
    staff_present = StaffField(
        many=True,
        named=lambda interaction: interaction.staff_present.values("pk"),
        required=False,
        help_text=_("Colleagues present: members of staff, not service accounts."),
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), allow_null=True, required=False
    )
    topics = TagNamesField(required=False)
    # Any member of staff: who may be given a follow-up is the service's to say, in a message of its own.
    follow_up_owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        allow_null=True,
        required=False,
        help_text=_(
            "Who chases the follow-up: an active colleague who may see the stakeholders. Defaults to whoever "
            "logs the interaction; on a change, null gives it to whoever makes it. Needs `follow_up_on`."
        ),
    )

    class Meta:
        model = Interaction
        fields = [
            "kind",
            "direction",
            "occurred_at",
            "stakeholders",
            "organisation",
            "staff_present",
            "summary",
            "outcome",
            "sentiment",
            "notes",
            "topics",
            "follow_up_on",
            "follow_up_note",
            "follow_up_owner",
            "is_confidential",
        ]


def interaction_payload(interaction: Interaction) -> dict:
    """The webhook payload: the interaction exactly as GET /api/v1/interactions/{id}/ shows it."""
    fresh = Interaction.objects.for_api().get(pk=interaction.pk)
    # The API speaks UTC; a payload built during a page request must not take the officer's time zone.
    with timezone.override(datetime.UTC):
        return dict(InteractionSerializer(fresh).data)
