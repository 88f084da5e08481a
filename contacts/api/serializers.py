from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import AssigneeField, TypedDateField, TypedDatesMixin, VisibleRecordField
from api.representation import day, moment

from ..models import (
    LANGUAGE_CHOICES,
    Affiliation,
    Objective,
    Organisation,
    PortfolioHandover,
    Stakeholder,
    Tag,
    validate_email_address,
    validate_phone_number,
    validate_tag_name,
)


class TagNamesField(serializers.ListField):
    """Tags as a list of names; a name not yet used becomes a new tag."""

    child = serializers.CharField(max_length=60, validators=[validate_tag_name])

    def to_representation(self, value):
        return [tag.name for tag in value.all()]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]
        # Uniqueness (ignoring case) is the service's to check.
        validators = []


class OrganisationSerializer(serializers.ModelSerializer):
    tags = TagNamesField(required=False)
    people_count = serializers.IntegerField(
        read_only=True,
        help_text=_("People currently working there or in one of its departments, at any depth."),
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "sector",
            "website",
            "address",
            "country",
            "notes",
            "tags",
            "people_count",
            "created_at",
            "updated_at",
        ]


class AffiliationSerializer(TypedDatesMixin, serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Affiliation
        fields = [
            "id",
            "stakeholder",
            "organisation",
            "organisation_name",
            "role",
            "department",
            "start_date",
            "end_date",
            "is_primary",
            "is_current",
        ]
        # "One current primary position" is kept by the service, which moves the mark.
        validators = []

    def to_representation(self, instance):
        return affiliation_representation(instance)

    def validate_stakeholder(self, stakeholder):
        if self.instance is not None and stakeholder.pk != self.instance.stakeholder_id:
            raise serializers.ValidationError(_("A position cannot move to another person; add a new one."))
        return stakeholder


class ObjectiveSerializer(serializers.ModelSerializer):
    """An objective of a stakeholder's engagement plan."""

    is_overdue = serializers.BooleanField(read_only=True, help_text=_("Open and past its target date."))

    class Meta:
        model = Objective
        fields = [
            "id",
            "stakeholder",
            "description",
            "target_on",
            "status",
            "is_overdue",
            "closed_on",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ObjectiveInputSerializer(TypedDatesMixin, serializers.ModelSerializer):
    """What setting or changing an objective takes; its status moves by actions (achieve, drop, reopen)."""

    stakeholder = VisibleRecordField(Stakeholder)

    class Meta:
        model = Objective
        fields = ["stakeholder", "description", "target_on"]

    def validate_stakeholder(self, stakeholder):
        if self.instance is not None and stakeholder.pk != self.instance.stakeholder_id:
            raise serializers.ValidationError(_("An objective cannot move to another person; add a new one."))
        return stakeholder


class AffiliationEndSerializer(serializers.Serializer):
    end_date = TypedDateField(
        required=False,
        help_text=_(
            "The last day the position is held, today unless given: it stays current (is_current) through "
            "that day."
        ),
    )


class PortfolioHandoverInputSerializer(serializers.Serializer):
    """Whose stakeholders and open work move to whom. Which officers a manager may hand over is the
    service's to say."""

    from_officer = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        help_text=_(
            "The officer whose stakeholders move, archived ones included, with everything they are chasing; "
            "they may have left."
        ),
    )
    to_officer = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        help_text=_("An active member of staff who looks after them from now on."),
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        help_text=_(
            "Only the people with a current position there or in one of its departments, and the open work "
            "the officer holds on them."
        ),
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Sent to the new owner by email.")
    )


class HandoverCountsSerializer(serializers.Serializer):
    stakeholders = serializers.IntegerField()
    commitments = serializers.IntegerField(help_text=_("Open commitments the leaving officer chased."))
    concerns = serializers.IntegerField(help_text=_("Unresolved concerns the leaving officer handled."))
    actions = serializers.IntegerField(help_text=_("Open action items the leaving officer owned."))
    # Handovers before stakeholders' actions had a chaser of their own moved none of them.
    chased_actions = serializers.IntegerField(
        default=0, help_text=_("Open actions stakeholders owe that the leaving officer chased.")
    )
    follow_ups = serializers.IntegerField(help_text=_("Open follow-ups the leaving officer owned."))


class PortfolioHandoverSerializer(serializers.ModelSerializer):
    """A handover done: who to whom, arranged by whom, and how many of each kind moved."""

    counts = HandoverCountsSerializer(read_only=True)

    class Meta:
        model = PortfolioHandover
        fields = [
            "id",
            "from_officer",
            "to_officer",
            "handed_over_by",
            "organisation",
            "note",
            "counts",
            "created_at",
        ]
        read_only_fields = fields


class StakeholderSerializer(serializers.ModelSerializer):
    emails = serializers.ListField(
        child=serializers.CharField(max_length=254, validators=[validate_email_address]), required=False
    )
    phones = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), required=False)
    owner = AssigneeField(
        required=False,
        help_text=_("The primary liaison officer: a colleague, not a service account. Defaults to you."),
    )
    tags = TagNamesField(required=False)
    affiliations = AffiliationSerializer(many=True, read_only=True)
    contact_due_on = serializers.DateField(source="contact_due", read_only=True, allow_null=True)

    def validate_phones(self, phones):
        # As the form: a number already stored (an import keeps a phone cell's text as it is) is not refused
        # when the record is saved again with it; each new entry refused is named at its place in the list.
        stored = set(self.instance.phones) if self.instance is not None else set()
        errors = {}
        for position, phone in enumerate(phones):
            if phone in stored:
                continue
            try:
                validate_phone_number(phone)
            except DjangoValidationError as error:
                errors[position] = error.messages
        if errors:
            raise serializers.ValidationError(errors)
        return phones

    class Meta:
        model = Stakeholder
        fields = [
            "id",
            "name",
            "form_of_address",
            "emails",
            "phones",
            "languages",
            "time_zone",
            "preferred_channel",
            "preferred_hours",
            "cultural_notes",
            "communication_notes",
            "notes",
            "influence",
            "interest",
            "engagement_level",
            "contact_cadence_days",
            "owner",
            "tags",
            "affiliations",
            "is_archived",
            "archived_at",
            "last_contacted_at",
            "contact_due_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_archived", "archived_at", "last_contacted_at"]

    def to_representation(self, instance):
        return stakeholder_representation(instance)


# The output of the serializers above, written out (api/representation.py says why). A field added to a
# serializer's Meta.fields must be added here too; tests/api/test_representation.py notices when it is not.


def affiliation_representation(affiliation: Affiliation) -> dict:
    return {
        "id": affiliation.pk,
        "stakeholder": affiliation.stakeholder_id,
        "organisation": affiliation.organisation_id,
        "organisation_name": affiliation.organisation.name,
        "role": affiliation.role,
        "department": affiliation.department,
        "start_date": day(affiliation.start_date),
        "end_date": day(affiliation.end_date),
        "is_primary": affiliation.is_primary,
        "is_current": affiliation.is_current,
    }


def _position(stakeholder_id: int, position: dict) -> dict:
    """affiliation_representation() of a position as `Stakeholder.objects.for_api()` gives it."""
    return {
        "id": position["id"],
        "stakeholder": stakeholder_id,
        "organisation": position["organisation"],
        "organisation_name": position["organisation_name"],
        "role": position["role"],
        "department": position["department"],
        # Dates come from PostgreSQL's JSON as ISO 8601 already.
        "start_date": position["start_date"],
        "end_date": position["end_date"],
        "is_primary": position["is_primary"],
        "is_current": position["is_current"],
    }


def stakeholder_representation(stakeholder: Stakeholder) -> dict:
    """A stakeholder as the API shows it, from a row of `Stakeholder.objects.for_api()`.

    It reads the row's annotations and never queries, so a list costs no query per row however it is
    nested. A record from elsewhere (a service's return value) is read through `for_api()` first, as the
    view sets' `object_response` does.
    """
    return {
        "id": stakeholder.pk,
        "name": stakeholder.name,
        "form_of_address": stakeholder.form_of_address,
        "emails": list(stakeholder.emails),
        "phones": list(stakeholder.phones),
        "languages": list(stakeholder.languages),
        "time_zone": stakeholder.time_zone,
        "preferred_channel": stakeholder.preferred_channel,
        "preferred_hours": stakeholder.preferred_hours,
        "cultural_notes": stakeholder.cultural_notes,
        "communication_notes": stakeholder.communication_notes,
        "notes": stakeholder.notes,
        "influence": stakeholder.influence,
        "interest": stakeholder.interest,
        "engagement_level": stakeholder.engagement_level,
        "contact_cadence_days": stakeholder.contact_cadence_days,
        "owner": stakeholder.owner_id,
        "tags": stakeholder.api_tag_names,
        "affiliations": [_position(stakeholder.pk, position) for position in stakeholder.api_positions],
        "is_archived": stakeholder.is_archived,
        "archived_at": moment(stakeholder.archived_at),
        "last_contacted_at": moment(stakeholder.last_contacted_at),
        "contact_due_on": day(stakeholder.contact_due),
        "created_at": moment(stakeholder.created_at),
        "updated_at": moment(stakeholder.updated_at),
    }
