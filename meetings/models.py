import uuid
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import TIME_ZONE_CHOICES
from contacts.models import Organisation, Stakeholder
from contacts.search import SEARCH_CONFIG, Unaccented
from history.tracking import history_tracked
from liaison_crm.choices import choice_display
from liaison_crm.record_urls import record_url
from liaison_crm.text import StorableTextModel

from .querysets import ActionItemQuerySet, AttendeeQuerySet, MeetingQuerySet

DEFAULT_REMINDER_MINUTES = [24 * 60, 60]

# A reminder's minutes in the largest unit that counts them whole: 1440 is "1 day before".
REMINDER_UNITS = (
    (7 * 24 * 60, ngettext_lazy("%(count)d week before", "%(count)d weeks before", "count")),
    (24 * 60, ngettext_lazy("%(count)d day before", "%(count)d days before", "count")),
    (60, ngettext_lazy("%(count)d hour before", "%(count)d hours before", "count")),
    (1, ngettext_lazy("%(count)d minute before", "%(count)d minutes before", "count")),
)


def reminder_label(minutes: int) -> str:
    """A reminder as the meeting form offers it and the meeting's history shows it: "1 day before"."""
    unit, phrase = next((unit, phrase) for unit, phrase in REMINDER_UNITS if minutes % unit == 0)
    return phrase % {"count": minutes // unit}


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")


class MeetingSeries(StorableTextModel):
    """A meeting that repeats on a rule; each occurrence is its own Meeting that can be moved or cancelled."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    frequency = models.CharField(_("repeats"), max_length=16, choices=Frequency.choices)
    count = models.PositiveSmallIntegerField(
        _("occurrences"), validators=[MinValueValidator(2), MaxValueValidator(52)]
    )
    # Bumped whenever the series as a whole changes, so calendars replace what they hold.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(condition=Q(count__range=(2, 52)), name="meeting_series_count_2_52"),
        ]

    def __str__(self):
        return f"{self.get_frequency_display()}, {self.count} times"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


# uid and sequence are the calendar's bookkeeping (bumped on every change), held_at follows status.
@history_tracked(exclude=["search_vector", "uid", "sequence", "held_at", "created_at", "updated_at"])
class Meeting(StorableTextModel):
    """A meeting the liaison team organises or attends: purpose, agenda, time, place, people and outcome."""

    # How the history names each item of a field, where the stored value would mean nothing to a reader.
    history_item_labels = {"reminder_minutes": reminder_label}

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default=settings.TIME_ZONE,
        help_text=_("The time zone the meeting is arranged in; repeats keep its local time."),
    )
    location = models.CharField(_("place"), max_length=255, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        db_index=False,  # the (organiser, starts_at) index serves it
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.CASCADE, null=True, blank=True, related_name="occurrences"
    )
    # For an occurrence of a series: the start the rule gave it, which names it in calendars (RECURRENCE-ID).
    original_start = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    reminder_minutes = ArrayField(
        models.PositiveIntegerField(validators=[MinValueValidator(5), MaxValueValidator(14 * 24 * 60)]),
        verbose_name=_("reminders (minutes before)"),
        default=list,
        blank=True,
        size=5,
    )
    minutes = models.TextField(_("minutes"), blank=True)
    interaction = models.OneToOneField(
        "interactions.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting",
        help_text=_("The timeline entry logged when the meeting was marked held."),
    )
    held_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", "purpose", "minutes", "location", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = MeetingQuerySet.as_manager()

    # Labels read from a dictionary made once (liaison_crm.choices): lists and exports show one per row.
    get_status_display = choice_display("status", MeetingStatus)

    # Where a constraint's message is shown when it names more than one field (liaison_crm/constraints.py).
    constraint_error_fields = {"meeting_ends_after_start": "ends_at"}

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            GinIndex(fields=["search_vector"], name="meeting_search_gin"),
            models.Index(fields=["starts_at"], name="meeting_starts"),
            models.Index(fields=["organiser", "starts_at"], name="meeting_organiser_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["series", "original_start"],
                condition=Q(series__isnull=False),
                name="meeting_one_occurrence_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True) | Q(original_start__isnull=False),
                name="meeting_occurrence_has_original_start",
            ),
            models.CheckConstraint(
                condition=~Q(status=MeetingStatus.HELD) | Q(held_at__isnull=False),
                name="meeting_held_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("meetings:detail", self.pk)

    @property
    def local_time_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def ical_uid(self) -> str:
        """Calendars know a series as one event: its occurrences share the series' UID."""
        return f"{self.series.uid if self.series_id else self.uid}@liaison-crm"

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AgendaItem(StorableTextModel):
    """One point on a meeting's agenda, in order, with who leads it and the minutes allotted."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("item"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("led by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    minutes_allotted = models.PositiveSmallIntegerField(
        _("minutes"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


class Rsvp(models.TextChoices):
    NEEDS_ACTION = "needs_action", _("Awaiting reply")
    ACCEPTED = "accepted", _("Accepted")
    TENTATIVE = "tentative", _("Tentative")
    DECLINED = "declined", _("Declined")


# Who came is part of the meeting's record, corrected after it was held; replies are not.
@history_tracked(exclude=["rsvp", "responded_at"])
class Attendee(models.Model):
    """Someone invited to a meeting — a stakeholder or a member of staff — and their reply."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, null=True, blank=True, related_name="meeting_attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendances",
        db_index=False,  # the (user, meeting) index serves it
    )
    rsvp = models.CharField(_("reply"), max_length=16, choices=Rsvp.choices, default=Rsvp.NEEDS_ACTION)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Said by the officer when the meeting is recorded as held: a reply is only what they meant to do.
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    objects = AttendeeQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stakeholder__isnull=True, user__isnull=False)
                | Q(stakeholder__isnull=False, user__isnull=True),
                name="attendee_is_stakeholder_or_staff",
            ),
            models.UniqueConstraint(
                fields=["meeting", "stakeholder"],
                condition=Q(stakeholder__isnull=False),
                name="attendee_stakeholder_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="attendee_user_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "meeting"], name="attendee_user_meeting")]

    def __str__(self):
        return str(self.person)

    @property
    def person(self):
        return self.stakeholder if self.stakeholder_id else self.user

    @property
    def email(self) -> str:
        """Where the meeting's invitations, updates and reminders go: none for a colleague who has left, who
        stays named on it but no longer reads the CRM's mail."""
        if self.stakeholder_id:
            return self.stakeholder.emails[0] if self.stakeholder.emails else ""
        return self.user.email if self.user.is_active else ""

    @property
    def is_staff_member(self) -> bool:
        return self.user_id is not None


def document_upload_to(document, filename):
    # Stored under a name of our own; the uploader's is `name` (imports.models.import_upload_to says why).
    return f"meetings/{document.meeting_id}/{uuid.uuid4().hex}"


class MeetingPeople(models.Model):
    """The names of a meeting's organiser and of everyone invited, in one row the search box's indexes find
    meetings by (`meetings.querysets.search_matches`): read from the invitations at each keystroke, the
    names of a common family name's thousand namesakes and their meetings cost tens of milliseconds.

    PostgreSQL writes it (meetings migration 0017): triggers on meetings, invitations, stakeholders' and
    staff's names keep it right whatever changes them (services, merges, imports, the admin), and it goes
    with its meeting (ON DELETE CASCADE). The app only reads it."""

    meeting = models.OneToOneField(
        Meeting, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    names = models.TextField()
    names_vector = models.GeneratedField(
        expression=SearchVector("names", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        indexes = [
            GinIndex(fields=["names_vector"], name="meeting_people_search_gin"),
            GinIndex(OpClass(Unaccented("names"), name="gin_trgm_ops"), name="meeting_people_unaccent_trgm"),
        ]

    def __str__(self):
        return self.names


class MeetingDocument(models.Model):
    """A paper attached to a meeting: agenda pack, slides, minutes, briefing note."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_upload_to)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


# The position is only the order they were recorded in, given once: nothing a reader of the history needs.
@history_tracked(exclude=["position"])
class Decision(StorableTextModel):
    """Something a meeting decided, recorded with its minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("decision"), max_length=500)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


@history_tracked(exclude=["completed_at", "cancelled_at", "created_at", "updated_at"])
class ActionItem(StorableTextModel):
    """A task agreed at a meeting, owned by a member of staff or a stakeholder, chased until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    description = models.CharField(_("action"), max_length=500)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (staff)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    owner_stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("owner (stakeholder)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    # Who follows up a stakeholder's action: the meeting's organiser when it is agreed, whoever takes it on
    # later (a handover, the organiser's choice). A member of staff's action is chased by its owner.
    chaser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chased by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chased_action_items",
        db_index=False,  # the (chaser, due_on) index serves it
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # When it was cancelled: a report on a period before then lists it as still open at the period's end.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ActionItemQuerySet.as_manager()

    # Labels read from a dictionary made once (liaison_crm.choices): lists and exports show one per row.
    get_status_display = choice_display("status", ActionStatus)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner_user", "due_on"],
                condition=Q(status__in=["open", "in_progress"]),
                name="action_open_by_owner",
            ),
            models.Index(
                fields=["chaser", "due_on"], condition=Q(chaser__isnull=False), name="action_by_chaser"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=True, owner_stakeholder__isnull=False)
                | Q(owner_user__isnull=False, owner_stakeholder__isnull=True),
                name="action_owner_is_staff_or_stakeholder",
            ),
            models.CheckConstraint(
                condition=Q(owner_stakeholder__isnull=True, chaser__isnull=True)
                | Q(owner_stakeholder__isnull=False, chaser__isnull=False),
                name="action_stakeholder_owned_has_chaser",
                violation_error_message=_(
                    "A stakeholder's action needs a colleague to chase it; a colleague's own action is "
                    "chased by its owner."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False),
                name="action_done_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="action_cancelled_has_date",
            ),
        ]

    def __str__(self):
        return self.description

    @property
    def owner(self):
        return self.owner_user if self.owner_user_id else self.owner_stakeholder

    @property
    def chased_by(self):
        """The member of staff who answers for it (ActionItemQuerySet.chased_by): its owner, or its chaser."""
        return self.owner_user if self.owner_user_id else self.chaser

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

    @property
    def of_cancelled_meeting(self) -> bool:
        return self.meeting.status == MeetingStatus.CANCELLED

    @property
    def is_outstanding(self) -> bool:
        """Open and still expected of someone (ActionItemQuerySet.outstanding)."""
        return self.is_open and not self.of_cancelled_meeting

    @property
    def is_overdue(self) -> bool:
        return self.is_outstanding and self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def status_choices(self):
        return ActionStatus.choices


class CalendarFeed(models.Model):
    """A person's secret calendar address: Outlook or Google subscribe to it to show their meetings."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    # Only a hash is stored: the address is shown once, when it is made.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"
