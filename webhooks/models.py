import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import WebhookDeliveryQuerySet, WebhookEndpointQuerySet


class WebhookEvent(models.TextChoices):
    """What another tool can be told about."""

    INTERACTION_CREATED = "interaction.created", _("Interaction logged")
    MEETING_HELD = "meeting.held", _("Meeting held")
    COMMITMENT_OVERDUE = "commitment.overdue", _("Commitment overdue")
    CONCERN_ESCALATED = "concern.escalated", _("Concern escalated")


class WebhookEndpoint(models.Model):
    """Another tool's address, told by a signed POST whenever one of the chosen events happens."""

    url = models.URLField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(
        models.CharField(max_length=64, choices=WebhookEvent.choices), verbose_name=_("events"), default=list
    )
    secret = models.CharField(
        _("secret"),
        max_length=128,
        # At least 16 characters when one is given (the API's and the admin's forms): a short secret is
        # guessed, and a receiver then trusts a forged delivery. Not a model rule, so an endpoint saved with a
        # shorter one before can still be switched off or changed until its secret is replaced.
        help_text=_("Signs each delivery (X-Liaison-Signature)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text=_("Deliveries carry only what this account may see."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [models.CheckConstraint(condition=~Q(events=[]), name="webhook_endpoint_has_events")]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row written with the event, and then its delivery log.

    Its id goes out as X-Liaison-Delivery, so a receiver can ignore a delivery it has already handled.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # the delivery log's (endpoint, created_at) index serves it
    )
    event = models.CharField(_("event"), max_length=64, choices=WebhookEvent.choices)
    event_id = models.UUIDField(_("event id"), help_text=_("The same for every endpoint told of one event."))
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_pending"
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"
