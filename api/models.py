from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import DeletionQuerySet


class IdempotencyRecord(models.Model):
    """A POST sent with an Idempotency-Key: who sent it, where, what, and the answer given.

    A retry with the same key gets the same answer instead of creating the record twice.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(
        max_length=300, help_text=_("Method and path, e.g. POST /api/v1/interactions/")
    )
    request_hash = models.CharField(
        max_length=64, help_text=_("SHA-256 of the endpoint and the parsed body.")
    )
    response_status = models.PositiveSmallIntegerField()
    # The answer's JSON as text, not jsonb: jsonb keeps an object's keys in an order of its own, and a replay
    # is to be the first answer byte for byte.
    response_body = models.TextField()
    response_headers = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self):
        return f"{self.endpoint} [{self.key}]"


class DeletedRecordType(models.TextChoices):
    INTERACTION = "interaction", _("Interaction")
    STAKEHOLDER = "stakeholder", _("Stakeholder")
    AFFILIATION = "affiliation", _("Affiliation")
    TAG = "tag", _("Tag")
    MEETING_DOCUMENT = "meeting_document", _("Meeting document")


class DeletionReason(models.TextChoices):
    DELETED = "deleted", _("Deleted")
    # Still there, but no longer readable by those the entry is listed to: for a sync, as good as gone.
    HIDDEN = "hidden", _("Hidden")


class Deletion(models.Model):
    """A record that is gone, so that a tool syncing by `updated_since` hears of it: its type and id, when,
    and for a stakeholder merged into another, the record kept. Or an interaction that some who could read
    it no longer can (made confidential, given other readers, or its readers moved to other teams or roles:
    interactions/readers.py): gone for them, `hidden`.

    Written by the service that deletes or hides, in the same transaction; kept for API_DELETIONS_KEEP_DAYS.
    `reader_ids` and `reader_team_ids` hold who could read a confidential interaction before (as
    `Interaction.objects.visible_to` decided then); empty for what all staff could see. For a hidden one,
    `kept_reader_ids` and `kept_reader_team_ids` hold who still can: the entry is not for them.
    """

    record_type = models.CharField(max_length=32, choices=DeletedRecordType.choices)
    record_id = models.BigIntegerField()
    deleted_at = models.DateTimeField(default=timezone.now)
    merged_into = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=DeletionReason.choices, default=DeletionReason.DELETED)
    reader_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    reader_team_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    kept_reader_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    kept_reader_team_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    objects = DeletionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["deleted_at", "id"], name="deletion_feed_order"),
        ]

    def __str__(self):
        return f"{self.record_type} {self.record_id}"
