from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self):
        return f"{self.endpoint} [{self.key}]"
