from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False
    )
    secret = serializers.CharField(
        min_length=16,
        max_length=128,
        required=False,
        help_text=_("Signs each delivery; generated when not given. Verify X-Liaison-Signature with it."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "secret",
            "active",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["owner"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "payload",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields
