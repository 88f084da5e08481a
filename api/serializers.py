from rest_framework import serializers

from .models import DeletedRecordType, Deletion


class DeletionSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(source="record_type", choices=DeletedRecordType.choices, read_only=True)
    id = serializers.IntegerField(source="record_id", read_only=True)
    merged_into = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="For a stakeholder merged into another: the id of the stakeholder kept.",
    )

    class Meta:
        model = Deletion
        fields = ["type", "id", "deleted_at", "merged_into"]
        read_only_fields = fields
