"""The summary tables the dashboards read: computed by the database from the registers, refreshed by Celery.

Nothing here is entered by a person. Each table is rebuilt (or brought up to date) by one set-based
INSERT … SELECT in `dashboards/services.py`; `SummaryRefresh` records when, so every page can say how fresh
its figures are. Owner, team and organisation kind are copied in at refresh time so that a dashboard's
filters are plain indexed comparisons; the nightly full refresh brings them back in line after a change.
docs/dashboards.md describes each table and the confidentiality rule.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contacts.models import Organisation, Stakeholder, Tag


class HealthBand(models.TextChoices):
    GREEN = "green", _("Good")
    AMBER = "amber", _("Needs attention")
    RED = "red", _("At risk")
    # Nothing wrong, but never contacted: there is no relationship yet to call good (dashboards/health.py).
    NO_CONTACT = "no_contact", _("No contact yet")


def _copied(model, **kwargs):
    """A reference copied into a summary row: no constraint, so the registers never wait on the summaries."""
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", **kwargs
    )


class HealthSnapshot(models.Model):
    """A stakeholder's relationship health on one day, with the parts that made it.

    Kept daily for HEALTH_DAILY_HISTORY_DAYS, then one a week (Mondays), so an officer can see when a
    relationship turned and a manager the trend of a portfolio.
    """

    day = models.DateField(_("day"))
    # Indexed by the unique constraint (stakeholder, day).
    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("stakeholder"),
        on_delete=models.CASCADE,
        db_index=False,
        related_name="health_snapshots",
    )
    owner = _copied(settings.AUTH_USER_MODEL, verbose_name=_("owner"))
    team = _copied("accounts.Team", verbose_name=_("team"), null=True)
    organisation_kind = models.CharField(_("kind of organisation"), max_length=32, blank=True)
    influence = models.PositiveSmallIntegerField(_("influence"))
    interest = models.PositiveSmallIntegerField(_("interest"))
    score = models.PositiveSmallIntegerField(_("health"))
    band = models.CharField(_("band"), max_length=16, choices=HealthBand.choices)
    # The inputs of the formula (dashboards/health.py) …
    cadence_days = models.PositiveSmallIntegerField(null=True)
    days_overdue = models.PositiveIntegerField(default=0)
    sentiment_count = models.PositiveIntegerField(default=0)
    sentiment_weighted_sum = models.IntegerField(default=0)
    sentiment_weight = models.PositiveIntegerField(default=0)
    overdue_follow_ups = models.PositiveIntegerField(default=0)
    overdue_actions = models.PositiveIntegerField(default=0)
    overdue_commitments = models.PositiveIntegerField(default=0)
    open_concerns = models.PositiveIntegerField(default=0)
    escalated_concerns = models.PositiveIntegerField(default=0)
    concern_points = models.PositiveIntegerField(default=0)
    # … and the points each part took off.
    contact_penalty = models.PositiveSmallIntegerField(default=0)
    sentiment_penalty = models.PositiveSmallIntegerField(default=0)
    overdue_penalty = models.PositiveSmallIntegerField(default=0)
    concern_penalty = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        constraints = [
            models.UniqueConstraint(fields=["stakeholder", "day"], name="health_snapshot_one_a_day"),
        ]
        indexes = [
            models.Index(fields=["day", "team"], name="health_snapshot_day_team"),
        ]

    def __str__(self):
        return f"{self.stakeholder_id} on {self.day}: {self.score}"


class HealthSummary(models.Model):
    """How many of one officer's stakeholders (of one kind of organisation) were in a band on a day."""

    day = models.DateField(_("day"))
    owner = _copied(settings.AUTH_USER_MODEL, verbose_name=_("owner"))
    team = _copied("accounts.Team", verbose_name=_("team"), null=True)
    organisation_kind = models.CharField(_("kind of organisation"), max_length=32, blank=True)
    band = models.CharField(_("band"), max_length=16, choices=HealthBand.choices)
    stakeholders = models.PositiveIntegerField(_("stakeholders"))
    score_sum = models.PositiveIntegerField()
    # Of them, overdue for contact that day.
    stale = models.PositiveIntegerField()

    class Meta:
        verbose_name_plural = _("health summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "owner", "organisation_kind", "band"], name="health_summary_unique"
            ),
        ]
        indexes = [models.Index(fields=["team", "day"], name="health_summary_team_day")]

    def __str__(self):
        return f"{self.owner_id} on {self.day}: {self.stakeholders} {self.band}"


class ActivityWeek(models.Model):
    """How many interactions an officer logged in a week, by channel and kind of organisation.

    Split by confidentiality, so that a view can leave out what its reader may not see.
    """

    week = models.DateField(_("week starting"))
    officer = _copied(settings.AUTH_USER_MODEL, verbose_name=_("logged by"))
    team = _copied("accounts.Team", verbose_name=_("team"), null=True)
    kind = models.CharField(_("kind"), max_length=16)
    organisation_kind = models.CharField(_("kind of organisation"), max_length=32, blank=True)
    is_confidential = models.BooleanField(_("confidential"))
    interactions = models.PositiveIntegerField(_("interactions"))
    sentiment_sum = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "officer", "kind", "organisation_kind", "is_confidential"],
                name="activity_week_unique",
            ),
        ]
        indexes = [models.Index(fields=["team", "week"], name="activity_week_team")]

    def __str__(self):
        return f"{self.officer_id}, week of {self.week}: {self.interactions} {self.kind}"


class OrganisationWeek(models.Model):
    """How many interactions an officer logged with an organisation in a week, and their summed sentiment."""

    week = models.DateField(_("week starting"))
    organisation = _copied(Organisation, verbose_name=_("organisation"))
    organisation_kind = models.CharField(_("kind of organisation"), max_length=32)
    officer = _copied(settings.AUTH_USER_MODEL, verbose_name=_("logged by"))
    team = _copied("accounts.Team", verbose_name=_("team"), null=True)
    is_confidential = models.BooleanField(_("confidential"))
    interactions = models.PositiveIntegerField(_("interactions"))
    sentiment_sum = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "organisation", "officer", "is_confidential"], name="organisation_week_unique"
            ),
        ]
        indexes = [models.Index(fields=["team", "week"], name="organisation_week_team")]

    def __str__(self):
        return f"{self.organisation_id}, week of {self.week}: {self.interactions}"


class TopicWeek(models.Model):
    """How many interactions an officer logged on a topic in a week, and their summed sentiment.

    An interaction on three topics counts once for each of them.
    """

    week = models.DateField(_("week starting"))
    topic = _copied(Tag, verbose_name=_("topic"))
    organisation_kind = models.CharField(_("kind of organisation"), max_length=32, blank=True)
    officer = _copied(settings.AUTH_USER_MODEL, verbose_name=_("logged by"))
    team = _copied("accounts.Team", verbose_name=_("team"), null=True)
    is_confidential = models.BooleanField(_("confidential"))
    interactions = models.PositiveIntegerField(_("interactions"))
    sentiment_sum = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "topic", "officer", "organisation_kind", "is_confidential"],
                name="topic_week_unique",
            ),
        ]
        indexes = [models.Index(fields=["team", "week"], name="topic_week_team")]

    def __str__(self):
        return f"{self.topic_id}, week of {self.week}: {self.interactions}"


class SummaryName(models.TextChoices):
    HEALTH = "health", _("Relationship health")
    ACTIVITY = "activity", _("Interactions per week")


class SummaryRefresh(models.Model):
    """When a summary table was last brought up to date: what a page means by “figures as of”."""

    name = models.CharField(max_length=16, choices=SummaryName.choices, unique=True)
    # The start of the last completed refresh: the next incremental one looks at changes since then.
    started_at = models.DateTimeField()
    refreshed_at = models.DateTimeField()
    # For health: the day of the newest snapshot.
    day = models.DateField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # Set by the "Refresh" button, cleared when a refresh completes after it.
    requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} as of {self.refreshed_at:%Y-%m-%d %H:%M}"
