"""Reports on communications, decisions and action plans: for an organisation, a stakeholder, an officer or a
team, over a period.

A report is a set of reads, each starting from its register's `visible_to(reader)`: a confidential
interaction appears, and counts, only for a reader who may open it. Figures are aggregates computed by the
database; the lists are bounded (the CSV exports hold everything).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Count, F, Q, Sum, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.permissions import manages
from commitments.models import Commitment, renewal_notice_until
from concerns.models import Concern
from contacts.models import Affiliation, Objective, ObjectiveStatus, Organisation, Stakeholder
from interactions.models import Interaction
from meetings.models import ActionItem, Decision, Meeting, MeetingStatus

INTERACTIONS_SHOWN = 300
ROWS_SHOWN = 200


class FirstRows(list):
    """The first `shown` rows of one of a report's lists, and whether the list held more: one row past
    the cap is fetched so that a list of exactly `shown` rows is not said to be cut short."""

    def __init__(self, rows, shown):
        fetched = list(rows[: shown + 1])
        super().__init__(fetched[:shown])
        self.shown = shown
        self.cut_short = len(fetched) > shown


@dataclass
class Report:
    """What a report covers. Exactly one of organisation, stakeholder, officer and team, or none (all)."""

    reader: object
    since: dt.date
    until: dt.date
    organisation: object = None
    stakeholder: object = None
    officer: object = None
    team: object = None

    @property
    def title(self) -> str:
        subject = self.organisation or self.stakeholder or self.officer or self.team
        return str(subject) if subject else _("All teams")

    @property
    def kind(self) -> str:
        for kind in ("organisation", "stakeholder", "officer", "team"):
            if getattr(self, kind) is not None:
                return kind
        return "all"

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.since, dt.time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> dt.datetime:
        zone = timezone.get_current_timezone()
        return dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)

    def readable_by(self, user) -> bool:
        """Officers' and teams' reports are for the officer and their managers; the rest for all staff."""
        if self.officer is not None:
            return self.officer.pk == user.pk or manages(user, self.officer)
        if self.team is not None:
            return user.is_crm_admin or (user.is_manager and user.team_id == self.team.pk)
        if self.kind == "all":
            return user.is_crm_admin
        return user.is_active

    # The reads -------------------------------------------------------------------------------------------

    def interactions(self):
        interactions = Interaction.objects.visible_to(self.reader).filter(
            occurred_at__gte=self.start, occurred_at__lt=self.end
        )
        if self.organisation is not None:
            # Found from both ends, each read for the period only: a report reaches back months, where the
            # organisation's page reads only a page.
            return interactions.for_organisation(self.organisation, start=self.start, end=self.end)
        if self.stakeholder is not None:
            return interactions.with_stakeholder(self.stakeholder)
        if self.officer is not None:
            return interactions.filter(logged_by=self.officer)
        if self.team is not None:
            # 20 ms rather than the 200 a join to the members took (InteractionQuerySet.logged_by_team).
            return interactions.logged_by_team(self.team)
        return interactions

    def _organisation_family(self):
        """The organisation and its departments at any depth, as a subquery of ids."""
        return Organisation.objects.family_of(self.organisation).values("pk")

    def _organisation_people(self):
        """Who works in the organisation or its departments now, as a subquery of stakeholder ids."""
        return (
            Affiliation.objects.held_now()
            .filter(organisation__in=self._organisation_family())
            .values("stakeholder")
        )

    def _meetings_as_they_went(self):
        """An officer's, a team's or all teams' meetings, each listed as it went. An organisation's and a
        stakeholder's are told apart from those they missed (`_meetings_marked_missed`)."""
        meetings = Meeting.objects.visible_to(self.reader)
        if self.officer is not None:
            return meetings.involving(self.officer)
        if self.team is not None:
            return meetings.filter(organiser__team=self.team)
        return meetings

    def _meetings_agreed_for_subject(self):
        """The meetings whose decisions and actions are the subject's. An organisation's are all those on its
        record, missed or not: one with the organisation or a department as its organisation was held on its
        business, and what was decided or agreed there (the staff's follow-ups among it) is what a manager
        reading its report needs to see, all the more for its people having been absent. A stakeholder has
        no meetings of their own but those they took part in, so one they missed is not theirs."""
        meetings = Meeting.objects.visible_to(self.reader)
        if self.organisation is not None:
            return meetings.for_organisation(self.organisation)
        if self.stakeholder is not None:
            return meetings.had_with(self.stakeholder)
        return self._meetings_as_they_went()

    def _organisation_meetings(self):
        """The meetings with the organisation or its departments, each marked `missed` when those invited who
        worked there on the day were all recorded absent (`MeetingQuerySet.with_missed_by_people_at`)."""
        return (
            Meeting.objects.visible_to(self.reader)
            .for_organisation(self.organisation)
            .with_missed_by_people_at(self._organisation_family())
        )

    def _meetings_marked_missed(self):
        """An organisation's or a stakeholder's meetings of the period, each marked `missed`: for a
        stakeholder, invited and recorded absent; for an organisation, all those its people invited (who
        worked there on the day) recorded absent. None for other subjects, whose reports list every meeting
        of theirs as it went."""
        if self.organisation is not None:
            return self._in_period(self._organisation_meetings())
        if self.stakeholder is not None:
            invited = Meeting.objects.visible_to(self.reader).with_stakeholder(self.stakeholder)
            return self._in_period(invited).with_missed(self.stakeholder)
        return None

    def meeting_lists(self, shown: int) -> tuple[FirstRows, FirstRows]:
        """The meetings the subject had and those they missed, each list its first `shown`, in the order
        they started. Both from one read of the meetings marked `missed`: that mark is the costly part, and
        reading each list apart computed it for every meeting of the period twice."""
        marked = self._meetings_marked_missed()
        if marked is None:
            had = self._in_period(self._meetings_as_they_went())
            had = had.select_related("organisation").order_by("starts_at", "pk")
            return FirstRows(had, shown), FirstRows([], shown)
        place = Window(RowNumber(), partition_by=F("missed"), order_by=(F("starts_at"), F("pk")))
        rows = list(
            marked.select_related("organisation")
            .annotate(place=place)
            # One past the cap in each list, for FirstRows to tell whether it was cut short.
            .filter(place__lte=shown + 1)
            .order_by("starts_at", "pk")
        )
        return (
            FirstRows([meeting for meeting in rows if not meeting.missed], shown),
            FirstRows([meeting for meeting in rows if meeting.missed], shown),
        )

    def _in_period(self, meetings):
        return meetings.filter(starts_at__gte=self.start, starts_at__lt=self.end)

    def decisions(self):
        meetings = self._in_period(self._meetings_agreed_for_subject())
        return Decision.objects.filter(meeting__in=meetings.values("pk")).select_related("meeting")

    # What was open at the end of the period: one definition for the lists and the figures. Each register
    # annotates its rows with `open_at_end`; a row closed after the period ended was open then. While a
    # period lasts, its end has not come and this is what is open now. `overdue_at_end` likewise marks
    # the rows the figures count as overdue.

    @property
    def overdue_before(self) -> dt.date:
        """Open work due before this day was overdue at the end of the period (or is now, while it lasts)."""
        return min(self.until + dt.timedelta(days=1), timezone.localdate())

    def actions(self):
        """The action plan: actions from the period's meetings, those done or cancelled in it, and those open
        at its end (as commitments fulfilled and concerns resolved in it count). A later meeting's are not: a
        report on a past period lists what was on the table then. An officer's or a team's are those they
        answer for (`ActionItemQuerySet.chased_by`), wherever the meeting was organised."""
        actions = (
            ActionItem.objects.visible_to(self.reader)
            .annotate(
                open_at_end=_flag(
                    # Agreed at the meeting, whenever the minutes were written up.
                    Q(meeting__starts_at__lt=self.end)
                    & (open_q() | Q(completed_at__gte=self.end) | Q(cancelled_at__gte=self.end))
                )
            )
            # One of a cancelled meeting is not overdue, whatever the period (ActionItemQuerySet.overdue): a
            # meeting keeps no date of its cancellation to tell a past period's figures by.
            .annotate(
                overdue_at_end=self._overdue_at_end("due_on", ~Q(meeting__status=MeetingStatus.CANCELLED))
            )
        )
        in_period = (
            Q(meeting__starts_at__gte=self.start, meeting__starts_at__lt=self.end)
            | Q(completed_at__gte=self.start, completed_at__lt=self.end)
            | Q(cancelled_at__gte=self.start, cancelled_at__lt=self.end)
            | Q(open_at_end=True)
        )
        # An officer's and a team's actions are those they answer for, as the dashboard counts them.
        if self.officer is not None:
            officers = get_user_model().objects.filter(pk=self.officer.pk)
            return actions.chased_by(officers).filter(in_period)
        if self.team is not None:
            return actions.chased_by(get_user_model().objects.of_team(self.team)).filter(in_period)
        subject = Q(meeting__in=self._meetings_agreed_for_subject().values("pk"))
        if self.stakeholder is not None:
            subject |= Q(owner_stakeholder=self.stakeholder)
        return actions.filter(subject).filter(in_period)

    def commitments(self):
        """Commitments made, fulfilled, broken or cancelled in the period, and those open at its end."""
        commitments = Commitment.objects.visible_to(self.reader)
        if self.organisation is not None:
            commitments = commitments.for_organisation(self.organisation)
        elif self.stakeholder is not None:
            commitments = commitments.for_stakeholder(self.stakeholder)
        elif self.officer is not None:
            commitments = commitments.filter(owner=self.officer)
        elif self.team is not None:
            commitments = commitments.filter(owner__team=self.team)
        renewal_notice_ends = renewal_notice_until(min(self.until, timezone.localdate()))
        closed_after_end = (
            Q(fulfilled_at__gte=self.end) | Q(broken_at__gte=self.end) | Q(cancelled_at__gte=self.end)
        )
        return (
            commitments.annotate(
                open_at_end=_flag(Q(created_at__lt=self.end) & (Q(status="open") | closed_after_end))
            )
            .annotate(
                overdue_at_end=self._overdue_at_end("due_on"),
                # Up for renewal as the period ended (or today, while it lasts), as the register marks it.
                renewal_due_at_end=_flag(Q(open_at_end=True, renews_on__lte=renewal_notice_ends)),
            )
            .filter(
                Q(created_at__gte=self.start, created_at__lt=self.end)
                | Q(fulfilled_at__gte=self.start, fulfilled_at__lt=self.end)
                | Q(broken_at__gte=self.start, broken_at__lt=self.end)
                | Q(cancelled_at__gte=self.start, cancelled_at__lt=self.end)
                | Q(open_at_end=True)
            )
        )

    def concerns(self):
        """Concerns raised or resolved in the period, and those unresolved at its end."""
        concerns = Concern.objects.visible_to(self.reader)
        if self.organisation is not None:
            concerns = concerns.for_organisation(self.organisation)
        elif self.stakeholder is not None:
            concerns = concerns.for_stakeholder(self.stakeholder)
        elif self.officer is not None:
            concerns = concerns.filter(owner=self.officer)
        elif self.team is not None:
            concerns = concerns.filter(owner__team=self.team)
        return concerns.annotate(
            open_at_end=_flag(Q(raised_on__lte=self.until) & (open_q() | Q(resolved_at__gte=self.end)))
        ).filter(
            Q(raised_on__gte=self.since, raised_on__lte=self.until)
            | Q(resolved_at__gte=self.start, resolved_at__lt=self.end)
            | Q(open_at_end=True)
        )

    def objectives(self):
        """The engagement plans of the subject's people: objectives set or closed in the period, and those
        open at its end."""
        people = Stakeholder.objects.visible_to(self.reader)
        if self.organisation is not None:
            people = people.filter(pk__in=self._organisation_people())
        elif self.stakeholder is not None:
            people = people.filter(pk=self.stakeholder.pk)
        elif self.officer is not None:
            people = people.filter(owner=self.officer)
        elif self.team is not None:
            people = people.filter(owner__team=self.team)
        open_then = Q(status=ObjectiveStatus.OPEN) | Q(closed_on__gt=self.until)
        return (
            Objective.objects.filter(stakeholder__in=people.values("pk"))
            .annotate(open_at_end=_flag(Q(created_at__lt=self.end) & open_then))
            .annotate(overdue_at_end=self._overdue_at_end("target_on"))
            .filter(
                Q(open_at_end=True)
                | Q(created_at__gte=self.start, created_at__lt=self.end)
                | Q(closed_on__gte=self.since, closed_on__lte=self.until)
            )
        )

    def _overdue_at_end(self, due_field: str, still_expected: Q | None = None) -> Case:
        """Open at the end of the period, `still_expected` and due before it was over: what the report
        marks, and counts, as overdue. Read after `open_at_end` is annotated."""
        overdue = Q(open_at_end=True, **{f"{due_field}__lt": self.overdue_before})
        return _flag(overdue & still_expected if still_expected is not None else overdue)

    # The figures -------------------------------------------------------------------------------------------

    def communications(self) -> dict:
        """Interactions per channel with their average sentiment, and the same for all channels: one query."""
        rows = list(
            self.interactions()
            .values("kind")
            .annotate(
                n=Count("pk"), sentiment_sum=Sum("sentiment"), negative=Count("pk", filter=Q(sentiment__lt=0))
            )
            .order_by("-n", "kind")
        )
        total = sum(row["n"] for row in rows)
        return {
            "by_kind": [
                {"kind": row["kind"], "n": row["n"], "average_sentiment": row["sentiment_sum"] / row["n"]}
                for row in rows
            ],
            "interactions": total,
            "average_sentiment": sum(row["sentiment_sum"] for row in rows) / total if total else None,
            "negative": sum(row["negative"] for row in rows),
        }

    def totals(self, communications: dict) -> dict:
        """The report's figures: `communications`' totals, and the meetings', actions', commitments',
        objectives' and concerns' counts."""
        open_at_end = Q(open_at_end=True)
        overdue_at_end = Q(overdue_at_end=True)
        figures = {key: communications[key] for key in ("interactions", "average_sentiment", "negative")}
        figures.update(self._meeting_figures())
        figures.update(
            self.actions().aggregate(
                actions=Count("pk"),
                actions_done=Count("pk", filter=Q(completed_at__gte=self.start, completed_at__lt=self.end)),
                actions_overdue=Count("pk", filter=overdue_at_end),
            )
        )
        figures.update(
            self.commitments().aggregate(
                commitments_open=Count("pk", filter=open_at_end),
                commitments_overdue=Count("pk", filter=overdue_at_end),
                commitments_fulfilled=Count(
                    "pk", filter=Q(fulfilled_at__gte=self.start, fulfilled_at__lt=self.end)
                ),
                commitments_broken=Count("pk", filter=Q(broken_at__gte=self.start, broken_at__lt=self.end)),
                commitments_cancelled=Count(
                    "pk", filter=Q(cancelled_at__gte=self.start, cancelled_at__lt=self.end)
                ),
            )
        )
        figures.update(
            self.objectives().aggregate(
                objectives_open=Count("pk", filter=open_at_end),
                objectives_overdue=Count("pk", filter=overdue_at_end),
                objectives_achieved=Count(
                    "pk",
                    filter=Q(
                        status=ObjectiveStatus.ACHIEVED, closed_on__gte=self.since, closed_on__lte=self.until
                    ),
                ),
            )
        )
        figures.update(
            self.concerns().aggregate(
                concerns_raised=Count("pk", filter=Q(raised_on__gte=self.since, raised_on__lte=self.until)),
                concerns_resolved=Count(
                    "pk", filter=Q(resolved_at__gte=self.start, resolved_at__lt=self.end)
                ),
                concerns_open=Count("pk", filter=open_at_end),
            )
        )
        return figures

    def _meeting_figures(self) -> dict:
        """The meetings and those held, in one query; for a stakeholder or an organisation, of those not
        missed, and how many were (`meeting_lists`)."""
        held = Q(status="held")
        marked = self._meetings_marked_missed()
        if marked is None:
            meetings = self._in_period(self._meetings_as_they_went())
            return meetings.aggregate(meetings=Count("pk"), meetings_held=Count("pk", filter=held))
        had = Q(missed=False)
        return marked.aggregate(
            meetings=Count("pk", filter=had),
            meetings_held=Count("pk", filter=had & held),
            meetings_missed=Count("pk", filter=Q(missed=True)),
        )

    def interactions_csv_url(self) -> str:
        """The interactions export with this report's filters: the same rows as its communications."""
        params = {"occurred_after": self.since.isoformat(), "occurred_before": self.until.isoformat()}
        if self.organisation is not None:
            params["organisation"] = self.organisation.pk
        elif self.stakeholder is not None:
            params["stakeholder"] = self.stakeholder.pk
        elif self.officer is not None:
            params["logged_by"] = self.officer.pk
        elif self.team is not None:
            params["team"] = self.team.pk
        return f"{reverse('dashboards:export', args=['interactions'])}?{urlencode(params)}"


def open_q() -> Q:
    return Q(status__in=["open", "in_progress"])


def _flag(condition: Q) -> Case:
    """True or false, never null: a closing date that is not there (as on a row closed another way) makes
    SQL's comparison null, and a null flag sorts first in `-open_at_end`."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
