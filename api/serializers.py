from rest_framework import serializers

from .models import DeletedRecordType, Deletion, DeletionReason


class DeletionSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(source="record_type", choices=DeletedRecordType.choices, read_only=True)
    id = serializers.IntegerField(source="record_id", read_only=True)
    merged_into = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="For a stakeholder merged into another: the id of the stakeholder kept.",
    )
    reason = serializers.ChoiceField(
        choices=DeletionReason.choices,
        read_only=True,
        help_text=(
            "`deleted`: the record is gone. `hidden`: an interaction edited to be confidential (or given "
            "other readers) that you can no longer read; drop your copy. Made readable to you again by an "
            "edit, it is listed by `updated_since` with an `updated_at` after this `deleted_at`."
        ),
    )

    class Meta:
        model = Deletion
        fields = ["type", "id", "deleted_at", "merged_into", "reason"]
        read_only_fields = fields
