import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import TIME_ZONE_CHOICES
from history.tracking import history_tracked, links_tracked
from liaison_crm.choices import choice_display
from liaison_crm.record_urls import record_url
from liaison_crm.text import StorableTextModel

from .querysets import AffiliationQuerySet, OrganisationQuerySet, StakeholderQuerySet, TagQuerySet
from .search import SEARCH_CONFIG, PhoneKeys, Unaccented

# Django's own list covers the languages its interface is translated into; stakeholders speak more.
OTHER_LANGUAGES = {
    "am": "Amharic", "ay": "Aymara", "fj": "Fijian", "ff": "Fula", "gn": "Guarani", "gu": "Gujarati",
    "ha": "Hausa", "haw": "Hawaiian", "ht": "Haitian Creole", "iu": "Inuktitut", "ln": "Lingala",
    "lo": "Lao", "mg": "Malagasy", "mi": "Māori", "mt": "Maltese", "ny": "Chichewa", "om": "Oromo",
    "ps": "Pashto", "qu": "Quechua", "rw": "Kinyarwanda", "sd": "Sindhi", "si": "Sinhala", "sm": "Samoan",
    "sn": "Shona", "so": "Somali", "ti": "Tigrinya", "tl": "Tagalog", "tn": "Tswana", "to": "Tongan",
    "wo": "Wolof", "xh": "Xhosa", "yo": "Yoruba", "zh": "Chinese", "zu": "Zulu",
}  # fmt: skip
LANGUAGE_CHOICES = sorted(
    [(code, info["name"]) for code, info in LANG_INFO.items() if "name" in info and "-" not in code]
    + list(OTHER_LANGUAGES.items()),
    key=lambda choice: choice[1],
)
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


# Zero-width characters and text-direction controls show as nothing: a name with one in it looks exactly like
# a tag that already exists, yet is another tag.
INVISIBLE_IN_TAG_NAMES = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


# Forms and imports split a list of tags at these, and exports join one with "; ": a name holding one would
# come back from the next form save, or export and import, as two tags.
TAG_SEPARATORS = re.compile("[,;]")


# A stakeholder's emails and phones are typed as one list: each refusal quotes the entry it refuses, so the
# officer sees which of several to correct (forms, the API).
def validate_email_address(value: str) -> None:
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not an email address."), code="invalid", params={"value": value}
        ) from None


def validate_phone_number(value: str) -> None:
    if not any(character.isdigit() for character in value):
        raise ValidationError(
            _("“%(value)s” has no digits: it is not a phone number."),
            code="no_digits",
            params={"value": value},
        )


def validate_tag_name(value: str) -> None:
    if TAG_SEPARATORS.search(value):
        raise ValidationError(
            _("Tag names cannot contain commas or semicolons: they separate one tag from the next."),
            code="separator",
        )
    if INVISIBLE_IN_TAG_NAMES.search(value):
        raise ValidationError(
            _(
                "Tag names cannot contain invisible characters (zero-width spaces or text-direction marks, "
                "often brought in by copying and pasting): they would make two tags look the same."
            ),
            code="invisible",
        )


def tag_name_normalised(name: str) -> str:
    """A tag's name as it is kept: accents composed (NFC), runs of spaces made one, ends trimmed.

    Two names that look the same are then the same text, so the case-insensitive uniqueness sees them.
    """
    validate_tag_name(name)
    return " ".join(unicodedata.normalize("NFC", name).split())


class Tag(StorableTextModel):
    """A label officers put on organisations, stakeholders and interactions: a topic, programme or region."""

    name = models.CharField(_("name"), max_length=60)

    objects = TagQuerySet.as_manager()

    # Where a violation's message goes (liaison_crm/constraints.py): the constraint names an expression.
    constraint_error_fields = {"tag_name_unique_ci": "name"}

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_ci",
                violation_error_message=_("A tag with this name already exists."),
            )
        ]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    GOVERNMENT_AGENCY = "government_agency", _("Government agency")
    COMMUNITY_GROUP = "community_group", _("Community group")
    PARTNER = "partner", _("Partner")
    CLIENT = "client", _("Client")
    SUPPLIER = "supplier", _("Supplier")
    MEDIA = "media", _("Media")
    INTERNAL_DEPARTMENT = "internal_department", _("Internal department")
    OTHER = "other", _("Other")


# Why an organisation cannot be placed under a parent (Organisation.parent_problems).
PART_OF_ITSELF = _("An organisation cannot be part of itself.")
PARENTS_LOOP = _(
    "The parent's own parents loop back on themselves (each is part of the next): give one of them another "
    "parent, or none, first."
)


@history_tracked(exclude=["search_vector", "created_at", "updated_at"])
class Organisation(StorableTextModel):
    """An outside body or internal department the organisation deals with; departments sit under a parent."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    country = models.CharField(_("country"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        help_text=_("For a department or unit: the organisation it belongs to."),
    )
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="organisations")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("name", "sector", "notes", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = OrganisationQuerySet.as_manager()

    # Labels read from a dictionary made once (liaison_crm.choices): lists and exports show one per row.
    get_kind_display = choice_display("kind", OrganisationKind)

    class Meta:
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="organisation_search_gin"),
            GinIndex(OpClass(Unaccented("name"), name="gin_trgm_ops"), name="organisation_unaccent_trgm"),
            models.Index(Lower("name"), name="organisation_name_lower"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="organisation_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("contacts:organisation_detail", self.pk)

    def clean(self):
        if self.parent_id is None:
            return
        if problem := self.parent_problems([self.parent_id], organisation_id=self.pk).get(self.parent_id):
            raise ValidationError({"parent": problem})

    @classmethod
    def parent_problems(
        cls, parent_ids: Iterable[int], *, organisation_id: int | None = None
    ) -> dict[int, str]:
        """{parent id: why an organisation cannot be placed under it} for those of `parent_ids` it cannot be:
        the organisation (`organisation_id`, one already saved) is among the parent's ancestors, the parent
        itself included, or those ancestors loop and never reach a top organisation. The forms, the API and
        the imports all ask here, in one query up the parent index however many parents they ask about.

        Parents looped by a write that skipped these checks (A in B, B in A) must end the walk, not hang
        it, even when this organisation is not on the loop: UNION follows each organisation once from each
        parent, and a line of parents with no top organisation in it is a loop. Services changing a parent
        hold contacts.services.PARENT_CHANGES_LOCK first, so this reads the parents other changes committed.
        """
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH RECURSIVE ancestry(start, id, parent_id) AS (
                    SELECT id, id, parent_id FROM {table} WHERE id = ANY(%(parents)s)
                    UNION
                    SELECT ancestry.start, above.id, above.parent_id FROM {table} above
                    JOIN ancestry ON above.id = ancestry.parent_id
                )
                SELECT start, COALESCE(bool_or(id = %(self)s), false), bool_and(parent_id IS NOT NULL)
                FROM ancestry
                GROUP BY start
                """,
                {"parents": list(parent_ids), "self": organisation_id},
            )
            problems = {}
            for parent_id, self_above, parents_loop in cursor.fetchall():
                if self_above:
                    problems[parent_id] = PART_OF_ITSELF
                elif parents_loop:
                    problems[parent_id] = PARENTS_LOOP
            return problems


class PreferredChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    MESSAGE = "message", _("Messaging")
    LETTER = "letter", _("Letter")


class EngagementLevel(models.TextChoices):
    INFORM = "inform", _("Inform")
    CONSULT = "consult", _("Consult")
    INVOLVE = "involve", _("Involve")
    COLLABORATE = "collaborate", _("Collaborate")
    PARTNER = "partner", _("Partner")


RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


# last_contacted_at is kept current by the interaction services, archived_at follows is_archived and
# contact_due_on is computed: none is a change a person made to this record.
@history_tracked(
    exclude=[
        *("search_vector", "contact_due_on", "last_contacted_at", "archived_at", "created_at", "updated_at"),
    ]
)
class Stakeholder(StorableTextModel):
    """A person the organisation keeps a relationship with, looked after by one officer (the owner)."""

    name = models.CharField(_("name"), max_length=200)
    form_of_address = models.CharField(
        _("form of address"),
        max_length=120,
        blank=True,
        help_text=_("How to address them, e.g. “Dr Okafor”."),
    )
    emails = ArrayField(models.EmailField(max_length=254), verbose_name=_("emails"), default=list, blank=True)
    phones = ArrayField(models.CharField(max_length=40), verbose_name=_("phones"), default=list, blank=True)
    languages = ArrayField(
        models.CharField(max_length=12, choices=LANGUAGE_CHOICES),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default=settings.TIME_ZONE
    )
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=16,
        choices=PreferredChannel.choices,
        default=PreferredChannel.EMAIL,
    )
    preferred_hours = models.CharField(
        _("preferred hours"), max_length=120, blank=True, help_text=_("e.g. “weekday mornings, not Fridays”.")
    )
    cultural_notes = models.TextField(_("cultural notes"), blank=True)
    communication_notes = models.TextField(_("communication notes"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    influence = models.PositiveSmallIntegerField(_("influence"), default=3, validators=RATING_VALIDATORS)
    interest = models.PositiveSmallIntegerField(_("interest"), default=3, validators=RATING_VALIDATORS)
    engagement_level = models.CharField(
        _("engagement level"), max_length=16, choices=EngagementLevel.choices, default=EngagementLevel.CONSULT
    )
    contact_cadence_days = models.PositiveSmallIntegerField(
        _("contact every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("Target contact cadence; leave empty for no target."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_stakeholders",
        help_text=_("The primary liaison officer for this person."),
        db_index=False,  # the (owner, is_archived) index serves it
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="stakeholders")
    is_archived = models.BooleanField(_("archived"), default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Kept current by the interaction services: the newest logged touch, whoever logged it.
    last_contacted_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The day contact falls due: cadence days after the last contact (or after the stakeholder was added).
    contact_due_on = models.GeneratedField(
        expression=models.ExpressionWrapper(
            models.Func(
                Coalesce("last_contacted_at", "created_at"),
                template="(timezone('UTC', %(expressions)s))::date",
                output_field=models.DateField(),
            )
            + models.F("contact_cadence_days"),
            output_field=models.DateField(),
        ),
        output_field=models.DateField(),
        db_persist=True,
    )
    search_vector = models.GeneratedField(
        expression=SearchVector("name", "form_of_address", "notes", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = StakeholderQuerySet.as_manager()

    # Labels read from a dictionary made once (liaison_crm.choices): lists and exports show one per row.
    get_engagement_level_display = choice_display("engagement_level", EngagementLevel)
    get_preferred_channel_display = choice_display("preferred_channel", PreferredChannel)

    class Meta:
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="stakeholder_search_gin"),
            GinIndex(OpClass(Unaccented("name"), name="gin_trgm_ops"), name="stakeholder_unaccent_trgm"),
            GinIndex(fields=["emails"], name="stakeholder_emails_gin"),
            # Who has a number, however either side typed it: computed by PostgreSQL, so rows an import writes
            # by SQL are found too (contacts.search.has_phone_number).
            GinIndex(PhoneKeys("phones"), name="stakeholder_phone_keys_gin"),
            # The register's order (name, then id), which the list pages and the API's cursor pages walk.
            models.Index(fields=["name", "id"], name="stakeholder_name_order"),
            # Who has the name a forward gives its sender without an address, as `name__iexact` matches it
            # (UPPER(name) = UPPER(…)): asked when each email is captured and for each on the review list
            # (mailin.querysets.stakeholders_named). Capture asks for the first two by id: with the id they
            # are the index's first entries; without it PostgreSQL may walk the whole register in id order.
            models.Index(Upper("name"), "id", name="stakeholder_name_upper"),
            models.Index(fields=["owner", "is_archived"], name="stakeholder_owner"),
            models.Index(fields=["contact_due_on"], name="stakeholder_contact_due"),
            models.Index(fields=["-last_contacted_at"], name="stakeholder_last_contact"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(influence__range=(1, 5)), name="stakeholder_influence_1_5"),
            models.CheckConstraint(condition=Q(interest__range=(1, 5)), name="stakeholder_interest_1_5"),
            models.CheckConstraint(
                condition=Q(contact_cadence_days__isnull=True) | Q(contact_cadence_days__range=(1, 730)),
                name="stakeholder_cadence_1_730",
            ),
            models.CheckConstraint(
                condition=Q(is_archived=False) | Q(archived_at__isnull=False),
                name="stakeholder_archived_has_date",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("contacts:stakeholder_detail", self.pk)

    def clean_fields(self, exclude=None):
        # Addresses are matched by equality (duplicates, inbound mail): store them trimmed and lower-case.
        self.emails = [email.strip().lower() for email in self.emails if email.strip()]
        self.phones = [phone.strip() for phone in self.phones if phone.strip()]
        super().clean_fields(exclude=exclude)

    @property
    def contact_due(self) -> dt.date | None:
        """The day contact falls due on the reader's calendar: a cadence after the day, in their time zone,
        of the last contact (or of the day the stakeholder was added). `contact_due_on`, stored to be
        indexed, counts from the UTC day, which is at most a day away; `local_contact_due()` is this in SQL.
        """
        if self.contact_cadence_days is None:
            return None
        since = timezone.localdate(self.last_contacted_at or self.created_at)
        return since + dt.timedelta(days=self.contact_cadence_days)

    @property
    def days_until_contact_due(self) -> int | None:
        """Negative when contact is overdue; None without a cadence."""
        due = self.contact_due
        return None if due is None else (due - timezone.localdate()).days

    @property
    def is_overdue_for_contact(self) -> bool:
        days = self.days_until_contact_due
        return days is not None and days < 0

    def current_primary_organisation(self) -> "Organisation | None":
        """Where they work now: the organisation of their current primary position, if any."""
        position = (
            self.affiliations.primary_first().filter(is_primary=True).select_related("organisation").first()
        )
        return position.organisation if position else None

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.languages]

    @property
    def local_time_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


@history_tracked()
class Affiliation(StorableTextModel):
    """A position a stakeholder holds, or held, at an organisation: role, department and period."""

    stakeholder = models.ForeignKey(
        Stakeholder, verbose_name=_("stakeholder"), on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="affiliations",
        db_index=False,  # the (organisation, end_date) index serves it
    )
    role = models.CharField(_("role or title"), max_length=160, blank=True)
    department = models.CharField(_("department"), max_length=160, blank=True)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty while current."))
    is_primary = models.BooleanField(_("primary position"), default=False)

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        # The page's list: open-ended positions first (the primary one leading), then by end date, latest
        # first. Which position is someone's current one is `AffiliationQuerySet.primary_first`'s to say.
        ordering = [models.F("end_date").desc(nulls_first=True), "-is_primary", "-start_date"]
        indexes = [models.Index(fields=["organisation", "end_date"], name="affiliation_org_current")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="affiliation_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["stakeholder"],
                condition=Q(is_primary=True, end_date__isnull=True),
                name="affiliation_one_current_primary",
                violation_error_message=_("This person already has a current primary position."),
            ),
        ]

    def __str__(self):
        return f"{self.role or _('Member')}, {self.organisation}"

    @property
    def is_current(self) -> bool:
        """Held today, on the reader's calendar: `querysets.held_on` for this row."""
        today = timezone.localdate()
        return (self.start_date is None or self.start_date <= today) and (
            self.end_date is None or self.end_date >= today
        )

    @property
    def has_ended(self) -> bool:
        return self.end_date is not None and self.end_date < timezone.localdate()

    @property
    def is_ahead(self) -> bool:
        """Recorded before it begins: someone taking up a post next month."""
        return self.start_date is not None and self.start_date > timezone.localdate()

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


class ObjectiveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


@history_tracked(exclude=["created_at", "updated_at"])
class Objective(StorableTextModel):
    """What the organisation wants a relationship to achieve, and by when: the stakeholder's engagement plan.

    An objective is closed as achieved or dropped, never deleted: the plan's history is part of the
    relationship's record.
    """

    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("stakeholder"),
        on_delete=models.CASCADE,
        related_name="objectives",
        db_index=False,  # the (stakeholder, status) index serves it
    )
    description = models.CharField(
        _("objective"),
        max_length=300,
        help_text=_("What this relationship should achieve, e.g. “Their agency co-funds the flood study”."),
    )
    target_on = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectiveStatus.choices, default=ObjectiveStatus.OPEN
    )
    # The day it was achieved or dropped.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("engagement objective")
        # Soonest target first; those without one after them, in the order they were set.
        ordering = [models.F("target_on").asc(nulls_last=True), "id"]
        indexes = [models.Index(fields=["stakeholder", "status"], name="objective_stakeholder_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ObjectiveStatus.OPEN, closed_on__isnull=True)
                | (~Q(status=ObjectiveStatus.OPEN) & Q(closed_on__isnull=False)),
                name="objective_closed_has_day",
            ),
        ]

    def __str__(self):
        return self.description

    @property
    def is_open(self) -> bool:
        return self.status == ObjectiveStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.target_on is not None and self.target_on < timezone.localdate()


class DuplicateDismissal(models.Model):
    """Two records an officer looked at and says are different people: the review stops pairing them."""

    first = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicatedismissal_once_per_pair"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="duplicatedismissal_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.first_id} ≠ {self.second_id}"


class DuplicateCandidate(models.Model):
    """Two records the last duplicate check found alike: one email, or similar names at one organisation.

    The check compares the whole register (hundreds of thousands of name pairs: seconds at 100,000 people),
    so it runs in the background (`contacts.services.duplicates_check`) and the review page reads its
    findings. A merge removes the merged record's pairs with it; a dismissal hides a pair at once.
    """

    class Reason(models.TextChoices):
        EMAIL = "email", _("Same email")
        NAME = "name", _("Similar names at one organisation")

    # The pair's unique constraint serves lookups by the first.
    first = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="+", db_index=False)
    second = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    reason = models.CharField(max_length=8, choices=Reason.choices)
    # The shared address, or the organisation's name.
    detail = models.CharField(max_length=254)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicatecandidate_once_per_pair"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="duplicatecandidate_ordered"
            ),
        ]
        # The review's order: most alike first.
        indexes = [models.Index(fields=["-similarity", "first", "second"], name="duplicatecandidate_review")]

    def __str__(self):
        return f"{self.first_id} ~ {self.second_id} ({self.similarity:.2f})"


class DuplicateCheck(models.Model):
    """When the register was last checked for duplicates, and whether someone has asked for a check since.

    One row (pk 1), written by each check.
    """

    checked_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # Set by "Check again now", cleared by the check that answers it.
    requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"duplicates checked {self.checked_at}"


class MergeRecord(models.Model):
    """Two records of one person made into one: who merged them, when, and what moved to the record kept.

    The duplicate's own fields are kept here as they were, since its row is gone.
    """

    kept = models.ForeignKey(
        Stakeholder, verbose_name=_("kept"), on_delete=models.SET_NULL, null=True, related_name="merges"
    )
    kept_name = models.CharField(max_length=200)
    duplicate_id = models.BigIntegerField(_("merged record's id"))
    duplicate_name = models.CharField(_("merged record"), max_length=200)
    duplicate_snapshot = models.JSONField(default=dict)
    # {"interactions": 3, "meeting attendances": 1, …}: how many of each moved to the record kept.
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        indexes = [models.Index(fields=["duplicate_id"], name="mergerecord_duplicate")]

    def __str__(self):
        return f"{self.duplicate_name} → {self.kept_name}"

    @classmethod
    def survivor_of(cls, stakeholder_id: int) -> "Stakeholder | None":
        """The record a stakeholder merged away now lives on in: a later merge of the record kept re-points
        this one's `kept` (services.stakeholder_merge), so it is always the one still in the register."""
        merge = (
            cls.objects.filter(duplicate_id=stakeholder_id, kept__isnull=False).select_related("kept").first()
        )
        return merge.kept if merge else None


@links_tracked
class StakeholderTagLink(Stakeholder.tags.through):
    """A tag put on a stakeholder: its additions and removals are kept in the stakeholder's history."""

    class Meta:
        proxy = True


@links_tracked
class OrganisationTagLink(Organisation.tags.through):
    """A tag put on an organisation: its additions and removals are kept in the organisation's history."""

    class Meta:
        proxy = True


class PortfolioHandover(StorableTextModel):
    """A portfolio passed from one officer to another — when someone leaves or a portfolio is split.

    Records who handed over whose stakeholders to whom (all of them, or those at one organisation), the note
    left for the new owner and how much moved. Each record's own history shows the owner change itself.
    """

    from_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="handovers_given",
    )
    to_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+"
    )
    # Only the people working there moved; the record of the handover outlives the organisation's row.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note for the new owner"), blank=True)
    # {"stakeholders": 12, "commitments": 3, "concerns": 1, "actions": 2, "chased_actions": 1,
    # "follow_ups": 4}: how many of each moved. Handovers before follow-ups moved with a portfolio have no
    # "follow_ups"; those before stakeholders' actions had a chaser of their own, no "chased_actions".
    counts = models.JSONField(_("moved"), default=dict)
    created_at = models.DateTimeField(_("handed over"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("portfolio handover")
        verbose_name_plural = _("portfolio handovers")

    def __str__(self):
        return f"{self.from_officer} → {self.to_officer} ({self.created_at:%Y-%m-%d})"
