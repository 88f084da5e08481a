from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Organisation, Stakeholder, Tag
from contacts.search import SEARCH_CONFIG
from history.tracking import history_tracked, links_tracked
from liaison_crm.choices import choice_display
from liaison_crm.constraints import FormCheckedConstraints
from liaison_crm.record_urls import record_url
from liaison_crm.text import StorableTextModel

from .querysets import InteractionQuerySet

# Officers' clocks drift and forms are slow to submit; anything further ahead is a planned contact, not a log.
FUTURE_TOLERANCE = timedelta(minutes=10)


def occurred_at_problem(moment) -> str | None:
    """What is wrong with logging an interaction as having happened at `moment`, if anything."""
    if moment > timezone.now() + FUTURE_TOLERANCE:
        return _("An interaction is logged after it happens: this time is in the future.")
    return None


def follow_up_problem(follow_up_on, occurred_at, zone) -> str | None:
    """What is wrong with a follow-up due `follow_up_on`, agreed at an interaction at `occurred_at`, if
    anything: it falls due on the interaction's day (in `zone`, the officer's) or later. One dated before was
    overdue the moment it was logged, almost always a slip of the month or year."""
    if follow_up_on is None or occurred_at is None:
        return None
    day = timezone.localdate(occurred_at, zone)
    if follow_up_on >= day:
        return None
    return _("A follow-up comes after the interaction it was agreed at: choose %(date)s or later.") % {
        "date": formats.date_format(day)
    }


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    EVENT = "event", _("Event")
    LETTER = "letter", _("Letter")
    MESSAGE = "message", _("Message")


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("Outbound (we reached out)")
    INBOUND = "inbound", _("Inbound (they reached us)")


class Sentiment(models.IntegerChoices):
    VERY_NEGATIVE = -2, _("Very negative")
    NEGATIVE = -1, _("Negative")
    NEUTRAL = 0, _("Neutral")
    POSITIVE = 1, _("Positive")
    VERY_POSITIVE = 2, _("Very positive")


@history_tracked(exclude=["search_vector", "created_at", "updated_at"])
class Interaction(FormCheckedConstraints, StorableTextModel):
    """One recorded touch with stakeholders — a call, email, meeting, visit, event, letter or message."""

    kind = models.CharField(_("kind"), max_length=16, choices=InteractionKind.choices)
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    stakeholders = models.ManyToManyField(
        Stakeholder, verbose_name=_("stakeholders"), related_name="interactions"
    )
    staff_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff present"), blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
        db_index=False,  # the organisation's timeline index serves it
    )
    summary = models.CharField(_("summary"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    sentiment = models.SmallIntegerField(_("sentiment"), choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    topics = models.ManyToManyField(Tag, verbose_name=_("topics"), blank=True, related_name="interactions")
    follow_up_on = models.DateField(_("follow up by"), null=True, blank=True)
    follow_up_note = models.CharField(_("agreed follow-up"), max_length=300, blank=True)
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    # Who chases the follow-up: whoever logged the interaction unless they asked a colleague, and whoever
    # takes over the stakeholders when a portfolio is handed over. `logged_by` stays: it is a fact.
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("follow-up owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_follow_ups",
        # interaction_follow_up_owner serves the foreign key: most interactions have no follow-up.
        db_index=False,
    )
    is_confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Visible only to you, the follow-up's owner, the stakeholders' owners and managers."),
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="logged_interactions",
        # interaction_logged_by_time serves the foreign key too.
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("summary", "notes", "outcome", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = InteractionQuerySet.as_manager()

    # The log form is on every stakeholder's page: its sentiment's choices all lie in the constraint's range.
    constraints_kept_by_choices = ("sentiment",)
    # Where a constraint's message is shown when it names more than one field (liaison_crm/constraints.py).
    constraint_error_fields = {
        "interaction_follow_up_done_needs_due_date": "follow_up_on",
        "interaction_follow_up_has_owner": "follow_up_owner",
    }

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            GinIndex(fields=["search_vector"], name="interaction_search_gin"),
            models.Index(fields=["-occurred_at", "-id"], name="interaction_occurred"),
            models.Index(fields=["organisation", "-occurred_at"], name="interaction_org_timeline"),
            # An officer's or a team's interactions over a period (reports): a range of each one's entries
            # rather than every interaction of the period, tested for who logged it.
            models.Index(fields=["logged_by", "-occurred_at"], name="interaction_logged_by_time"),
            # Each person's open follow-ups by due date: My day, My follow-ups, the daily digest.
            models.Index(
                fields=["follow_up_owner", "follow_up_on"],
                condition=Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
                name="interaction_open_follow_ups",
            ),
            models.Index(
                fields=["follow_up_owner"],
                condition=Q(follow_up_owner__isnull=False),
                name="interaction_follow_up_owner",
            ),
            # Which of a stakeholder's interactions have an open follow-up: probed once per interaction of
            # their timeline, a small index instead of the table (5 times faster for 5,000 interactions).
            models.Index(
                fields=["id"],
                condition=Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
                name="interaction_open_follow_up_ids",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sentiment__range=(-2, 2)), name="interaction_sentiment_range"),
            models.CheckConstraint(
                condition=Q(follow_up_done_at__isnull=True) | Q(follow_up_on__isnull=False),
                name="interaction_follow_up_done_needs_due_date",
                violation_error_message=_(
                    "This follow-up is done: keep its due date, or reopen it before clearing the date."
                ),
            ),
            # Done follow-ups keep the owner who did them; an interaction without a follow-up has none.
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True, follow_up_owner__isnull=True)
                | Q(follow_up_on__isnull=False, follow_up_owner__isnull=False),
                name="interaction_follow_up_has_owner",
                violation_error_message=_(
                    "A follow-up needs someone to chase it, and only a follow-up has one: "
                    "choose who follows it up, or clear its date."
                ),
            ),
        ]

    # Two labels on every timeline entry (see liaison_crm.choices).
    get_kind_display = choice_display("kind", InteractionKind)
    get_sentiment_display = choice_display("sentiment", Sentiment)

    def __str__(self):
        return self.summary

    def get_absolute_url(self):
        return record_url("interactions:detail", self.pk)

    @property
    def has_open_follow_up(self) -> bool:
        return self.follow_up_on is not None and self.follow_up_done_at is None

    @property
    def follow_up_overdue(self) -> bool:
        return self.has_open_follow_up and self.follow_up_on < timezone.localdate()


class Participation(models.Model):
    """A stakeholder's part in an interaction: one row of `Interaction.stakeholders`, read as a model.

    Django writes these rows through the many-to-many field; this model only reads them. The table also
    carries the interaction's time, copied by database triggers (migration 0002), so that a stakeholder's
    timeline — even one with thousands of interactions — is a single index range scan that stops after a
    page. The relation to the interaction joins on the id *and* the time, which tells PostgreSQL that
    ordering by the interaction's `occurred_at` is ordering by this index.
    """

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.DO_NOTHING, related_name="+")
    interaction_key = models.BigIntegerField(db_column="interaction_id")
    occurred_at = models.DateTimeField()
    interaction = models.ForeignObject(
        Interaction,
        on_delete=models.DO_NOTHING,
        from_fields=["interaction_key", "occurred_at"],
        to_fields=["id", "occurred_at"],
        related_name="participations",
    )

    class Meta:
        managed = False
        db_table = "interactions_interaction_stakeholders"

    def __str__(self):
        return f"{self.stakeholder_id} in {self.interaction_key}"


@links_tracked
class ParticipationLink(Interaction.stakeholders.through):
    """A stakeholder an interaction was with, as kept in the interaction's history.

    The same rows as `Participation`; named for them, as InteractionStakeholderLink would make index names
    longer than Django's 30 characters. Only the link is kept, not the copy of the interaction's time that
    migration 0002's triggers keep in each row: it changes whenever the interaction's time does, which the
    interaction's own history shows.
    """

    class Meta:
        proxy = True


@links_tracked
class InteractionStaffLink(Interaction.staff_present.through):
    """A member of staff who was present at an interaction, as kept in the interaction's history."""

    class Meta:
        proxy = True


@links_tracked
class InteractionTopicLink(Interaction.topics.through):
    """A topic an interaction was about, as kept in the interaction's history."""

    class Meta:
        proxy = True
