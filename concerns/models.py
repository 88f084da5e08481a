from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Organisation, Stakeholder
from history.tracking import history_tracked, links_tracked
from liaison_crm.choices import choice_display
from liaison_crm.record_urls import record_url
from liaison_crm.text import StorableTextModel

from .querysets import UNRESOLVED, ConcernQuerySet


class Severity(models.IntegerChoices):
    # Stored as numbers so that "most severe first" is a plain, indexable sort.
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class ConcernStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")


@history_tracked(exclude=["resolved_at", "created_at", "updated_at"])
class Concern(StorableTextModel):
    """An issue or dispute a stakeholder has raised with us, owned by an officer until it is resolved.

    A concern left open or in progress for longer than CONCERN_ESCALATION_DAYS is escalated to the
    owner's manager.
    """

    title = models.CharField(
        _("concern"), max_length=200, help_text=_("In a line: what they are unhappy about.")
    )
    description = models.TextField(_("details"), blank=True)
    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns",
        help_text=_("Defaults to where the stakeholder works now."),
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="concerns",
        help_text=_("The officer who sees it through to a resolution."),
    )
    resolution = models.TextField(_("resolution"), blank=True, help_text=_("What was done or agreed."))
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Set by the daily escalation when the concern has been open too long; cleared when it is reopened.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    interactions = models.ManyToManyField(
        "interactions.Interaction", verbose_name=_("linked interactions"), blank=True, related_name="concerns"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-severity", "raised_on", "pk"]
        indexes = [
            # The register's default view and the daily escalation: unresolved concerns, oldest first.
            models.Index(
                fields=["raised_on", "id"], condition=Q(status__in=UNRESOLVED), name="concern_unresolved"
            ),
            models.Index(
                fields=["owner", "raised_on"],
                condition=Q(status__in=UNRESOLVED),
                name="concern_unresolved_by_owner",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(severity__range=(1, 4)), name="concern_severity_1_4"),
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(resolution=""),
                name="concern_resolved_has_resolution",
                violation_error_message=_("Say how the concern was resolved."),
            ),
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_at__isnull=False)
                | (~Q(status="resolved") & Q(resolved_at__isnull=True)),
                name="concern_resolved_has_date",
            ),
        ]

    # One label per concern on the concerns card of every stakeholder's page (see liaison_crm.choices).
    get_severity_display = choice_display("severity", Severity)
    get_status_display = choice_display("status", ConcernStatus)

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("concerns:detail", self.pk)

    def clean(self):
        self.resolution = self.resolution.strip()
        if self.status == ConcernStatus.RESOLVED and not self.resolution:
            raise ValidationError({"resolution": _("Say how the concern was resolved.")})

    @property
    def is_resolved(self) -> bool:
        return self.status == ConcernStatus.RESOLVED

    @property
    def days_open(self) -> int:
        return (timezone.localdate() - self.raised_on).days

    @property
    def is_overdue_for_escalation(self) -> bool:
        """Unresolved for longer than CONCERN_ESCALATION_DAYS, whether or not the daily run has seen it."""
        return not self.is_resolved and self.days_open > settings.CONCERN_ESCALATION_DAYS

    @property
    def is_escalated(self) -> bool:
        """Unresolved, and the daily run has escalated it (told its handler and their managers)."""
        return not self.is_resolved and self.escalated_at is not None

    @property
    def is_due_for_escalation(self) -> bool:
        """Open too long, but not escalated yet: the next daily run will."""
        return self.is_overdue_for_escalation and self.escalated_at is None


@links_tracked
class ConcernInteractionLink(Concern.interactions.through):
    """An interaction linked to a concern, as kept in the concern's history."""

    class Meta:
        proxy = True
