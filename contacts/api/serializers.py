from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import LANGUAGE_CHOICES, Affiliation, Organisation, Stakeholder, Tag


class TagNamesField(serializers.ListField):
    """Tags as a list of names; a name not yet used becomes a new tag."""

    child = serializers.CharField(max_length=60)

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
    people_count = serializers.IntegerField(read_only=True, help_text=_("People currently working there."))

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


class AffiliationSerializer(serializers.ModelSerializer):
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

    def validate_stakeholder(self, stakeholder):
        if self.instance is not None and stakeholder.pk != self.instance.stakeholder_id:
            raise serializers.ValidationError(_("A position cannot move to another person; add a new one."))
        return stakeholder


class AffiliationEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False, help_text=_("Defaults to today."))


class StakeholderSerializer(serializers.ModelSerializer):
    emails = serializers.ListField(child=serializers.EmailField(max_length=254), required=False)
    phones = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), required=False)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text=_("The primary liaison officer; defaults to you."),
    )
    tags = TagNamesField(required=False)
    affiliations = AffiliationSerializer(many=True, read_only=True)
    contact_due_on = serializers.DateField(read_only=True, allow_null=True)

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
