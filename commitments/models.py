import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Organisation, Stakeholder
from history.tracking import history_tracked
from liaison_crm.choices import choice_display
from liaison_crm.record_urls import record_url
from liaison_crm.text import StorableTextModel

from .querysets import KEY_DATE, CommitmentQuerySet

# An agreement up for renewal within this many days is flagged for attention.
RENEWAL_NOTICE_DAYS = 30


def renewal_notice_until(day: dt.date) -> dt.date:
    """The latest renewal date up for renewal on `day`: every earlier one is too, past ones included."""
    return day + dt.timedelta(days=RENEWAL_NOTICE_DAYS)


class CommitmentDirection(models.TextChoices):
    WE_PROMISED = "we_promised", _("We promised them")
    THEY_PROMISED = "they_promised", _("They promised us")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FULFILLED = "fulfilled", _("Fulfilled")
    # Withdrawn by agreement, or no longer needed: nobody let anybody down.
    CANCELLED = "cancelled", _("Cancelled")
    # Not honoured: worth keeping apart from cancelled, it is part of the relationship's record.
    BROKEN = "broken", _("Broken")


# overdue_notified_at is the overdue announcement's bookkeeping; fulfilled_at, broken_at and cancelled_at
# follow status.
@history_tracked(
    exclude=["overdue_notified_at", "fulfilled_at", "broken_at", "cancelled_at", "created_at", "updated_at"]
)
class Commitment(StorableTextModel):
    """A promise made between us and a stakeholder — what, by whom, by when — chased until it is kept.

    Agreements with a renewal date (a memorandum of understanding, a data-sharing agreement) are
    commitments too: their renewal date is what the officer watches.
    """

    description = models.CharField(_("what was promised"), max_length=500)
    direction = models.CharField(_("who promised"), max_length=16, choices=CommitmentDirection.choices)
    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("stakeholder"),
        on_delete=models.PROTECT,
        related_name="commitments",
        help_text=_("The person on the other side of the promise."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        help_text=_("Defaults to where the stakeholder works now."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chased by"),
        on_delete=models.PROTECT,
        related_name="commitments",
        help_text=_("The officer who makes sure it happens."),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    renews_on = models.DateField(
        _("renews"), null=True, blank=True, help_text=_("For an agreement: the date it is up for renewal.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    # When it was marked broken: a report counts the promises broken in its period, not every one made then.
    broken_at = models.DateTimeField(_("broken"), null=True, blank=True)
    # When it was withdrawn: a report counts the cancellations of its period, as it counts broken promises.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Set once, by the daily run, when it is still open after its due date; a new due date clears it.
    overdue_notified_at = models.DateTimeField(
        _("reported overdue"),
        null=True,
        blank=True,
        help_text=_("When other tools were told it is overdue (the commitment.overdue webhook)."),
    )
    source_interaction = models.ForeignKey(
        "interactions.Interaction",
        verbose_name=_("made during interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
    )
    source_meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("made at meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = CommitmentQuerySet.as_manager()

    # Labels read from a dictionary made once (liaison_crm.choices): lists and exports show one per row.
    get_direction_display = choice_display("direction", CommitmentDirection)
    get_status_display = choice_display("status", CommitmentStatus)

    class Meta:
        ordering = [KEY_DATE.asc(nulls_last=True), "pk"]
        indexes = [
            # The register's default view: open commitments by due (or renewal) date.
            models.Index(KEY_DATE, "id", condition=Q(status="open"), name="commitment_open_key_date"),
            models.Index(
                fields=["owner", "due_on"], condition=Q(status="open"), name="commitment_open_by_owner"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source_interaction__isnull=True) | Q(source_meeting__isnull=True),
                name="commitment_at_most_one_source",
                violation_error_message=_(
                    "A commitment comes from one interaction or one meeting, not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="fulfilled", fulfilled_at__isnull=False)
                | (~Q(status="fulfilled") & Q(fulfilled_at__isnull=True)),
                name="commitment_fulfilled_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status="broken", broken_at__isnull=False)
                | (~Q(status="broken") & Q(broken_at__isnull=True)),
                name="commitment_broken_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="commitment_cancelled_has_date",
            ),
        ]

    def __str__(self):
        return self.description

    def get_absolute_url(self):
        return record_url("commitments:detail", self.pk)

    def clean(self):
        if self.source_interaction_id and self.source_meeting_id:
            raise ValidationError(_("A commitment comes from one interaction or one meeting, not both."))

    @property
    def is_open(self) -> bool:
        return self.status == CommitmentStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def renewal_due(self) -> bool:
        """Open, and up for renewal within RENEWAL_NOTICE_DAYS (or already past its renewal date)."""
        return (
            self.is_open
            and self.renews_on is not None
            and self.renews_on <= renewal_notice_until(timezone.localdate())
        )

    @property
    def is_ours(self) -> bool:
        return self.direction == CommitmentDirection.WE_PROMISED
