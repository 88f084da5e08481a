"""Relationship health: the formula on constructed cases, and the SQL computing exactly what Python does."""

import datetime as dt

import pytest

from commitments.models import Commitment, CommitmentStatus
from concerns.models import ConcernStatus, Severity
from contacts.models import Stakeholder
from dashboards.health import band_for, concern_points, health_now, health_parts
from dashboards.models import HealthBand
from interactions.services import stakeholders_refresh_last_contact
from meetings import services
from meetings.models import ActionItem, ActionStatus

from ..factories import (
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)
from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db


# The formula -----------------------------------------------------------------------------------------------


def test_a_relationship_with_nothing_wrong_scores_100_and_is_green():
    parts = health_parts(cadence_days=30)
    assert (parts.score, parts.band) == (100, HealthBand.GREEN)


def test_contact_costs_up_to_40_points_in_proportion_to_the_lapse():
    assert health_parts(cadence_days=30, days_overdue=15).contact_penalty == 20
    assert health_parts(cadence_days=30, days_overdue=30).contact_penalty == 40
    assert health_parts(cadence_days=30, days_overdue=300).contact_penalty == 40
    # Rounded down: 40 * 1 / 7 = 5.7.
    assert health_parts(cadence_days=7, days_overdue=1).contact_penalty == 5


def test_without_a_cadence_a_lapse_costs_nothing():
    assert health_parts(cadence_days=None, days_overdue=500).contact_penalty == 0


def test_only_a_negative_average_sentiment_costs_points_and_at_most_30():
    assert health_parts(sentiment_weighted_sum=4, sentiment_weight=2).sentiment_penalty == 0
    assert health_parts(sentiment_weighted_sum=-1, sentiment_weight=2).sentiment_penalty == 7
    assert health_parts(sentiment_weighted_sum=-4, sentiment_weight=2).sentiment_penalty == 30
    assert health_parts(sentiment_weighted_sum=0, sentiment_weight=0).sentiment_penalty == 0


def test_each_overdue_item_costs_8_points_up_to_32():
    assert health_parts(overdue_follow_ups=1, overdue_actions=1).overdue_penalty == 16
    assert health_parts(overdue_follow_ups=3, overdue_actions=2, overdue_commitments=2).overdue_penalty == 32


@pytest.mark.parametrize(
    ("follow_ups", "actions", "commitments", "said"),
    [
        (0, 1, 0, "1 action past its date."),
        (2, 0, 1, "2 follow-ups and 1 commitment past their date."),
        (1, 3, 2, "1 follow-up, 3 actions and 2 commitments past their date."),
    ],
)
def test_the_card_names_only_the_kinds_of_overdue_item_there_are(follow_ups, actions, commitments, said):
    """It read "0 follow-ups, 1 actions, 0 commitments past their date."."""
    parts = health_parts(
        overdue_follow_ups=follow_ups, overdue_actions=actions, overdue_commitments=commitments
    )
    assert parts.overdue_summary == said


def test_concerns_cost_4_per_severity_step_and_8_more_once_escalated_up_to_40():
    assert concern_points(Severity.LOW, escalated=False) == 4
    assert concern_points(Severity.CRITICAL, escalated=True) == 24
    assert health_parts(concern_points=24 + 24).concern_penalty == 40


def test_the_score_never_goes_below_zero():
    parts = health_parts(
        cadence_days=1, days_overdue=10, sentiment_weighted_sum=-2, sentiment_weight=1, overdue_actions=9,
        concern_points=60,
    )  # fmt: skip
    assert parts.score == 0


def test_bands_are_green_from_70_amber_from_40_red_below():
    assert [band_for(score) for score in (100, 70, 69, 40, 39, 0)] == [
        HealthBand.GREEN,
        HealthBand.GREEN,
        HealthBand.AMBER,
        HealthBand.AMBER,
        HealthBand.RED,
        HealthBand.RED,
    ]


def test_a_score_that_would_be_green_is_no_contact_yet_for_someone_never_contacted():
    assert [band_for(score, contacted=False) for score in (100, 70, 69, 39)] == [
        HealthBand.NO_CONTACT,
        HealthBand.NO_CONTACT,
        HealthBand.AMBER,
        HealthBand.RED,
    ]
    assert health_parts(contacted=False).band_label() == "No contact yet"


# The SQL, for one constructed stakeholder ------------------------------------------------------------------


@pytest.fixture
def troubled(officer, other_officer):
    """A stakeholder with something wrong in every part of the formula, and decoys that must not count.

    Contact every 7 days, last contact 10 days ago: 3 days overdue, 40 * 3 // 7 = 17.
    Sentiment in 90 days: -2 ten days ago and 0 twelve days ago (both count twice), 0 thirty days ago and
        +1 sixty days ago: (-4 + 0 + 0 + 1) / 6 = -0.5, so 15 * 3 // 6 = 7; a confidential -2 forty days
        ago is left out, and one from 100 days ago is too old.
    Overdue: a follow-up, an action they own, a commitment: 24.
    Concerns: a high one open 20 days (escalated: 12 + 8) and a low one raised 2 days ago (4): 24.
    Score 100 - 17 - 7 - 24 - 24 = 28: red.
    """
    stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=7)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(created_at=days_ago(365))
    InteractionFactory(
        logged_by=officer,
        stakeholders=[stakeholder],
        occurred_at=days_ago(10),
        sentiment=-2,
        follow_up_on=TODAY - dt.timedelta(days=3),
    )
    InteractionFactory(logged_by=officer, stakeholders=[stakeholder], occurred_at=days_ago(60), sentiment=1)
    InteractionFactory(
        logged_by=other_officer,
        stakeholders=[stakeholder],
        occurred_at=days_ago(40),
        sentiment=-2,
        is_confidential=True,
    )
    InteractionFactory(logged_by=officer, stakeholders=[stakeholder], occurred_at=days_ago(100), sentiment=-2)
    # A follow-up done, and one not yet due: no penalty.
    InteractionFactory(
        logged_by=officer,
        stakeholders=[stakeholder],
        occurred_at=days_ago(30),
        follow_up_on=TODAY - dt.timedelta(days=20),
        follow_up_done_at=days_ago(21),
    )
    InteractionFactory(
        logged_by=officer, stakeholders=[stakeholder], occurred_at=days_ago(12), follow_up_on=TODAY
    )
    stakeholders_refresh_last_contact(stakeholder_ids=[stakeholder.pk])
    stakeholder.refresh_from_db()
    meeting = MeetingFactory(
        organiser=officer, starts_at=days_ago(20), ends_at=days_ago(20) + dt.timedelta(hours=1)
    )
    ActionItem.objects.create(
        meeting=meeting,
        description="Send the revised map",
        owner_stakeholder=stakeholder,
        chaser=officer,
        due_on=TODAY - dt.timedelta(days=2),
        created_by=officer,
    )
    ActionItem.objects.create(
        meeting=meeting,
        description="Done already",
        owner_stakeholder=stakeholder,
        chaser=officer,
        due_on=TODAY - dt.timedelta(days=5),
        status=ActionStatus.DONE,
        completed_at=days_ago(6),
        created_by=officer,
    )
    CommitmentFactory(stakeholder=stakeholder, due_on=TODAY - dt.timedelta(days=1))
    kept = CommitmentFactory(
        stakeholder=stakeholder,
        due_on=TODAY - dt.timedelta(days=12),
        status=CommitmentStatus.FULFILLED,
        fulfilled_at=days_ago(8),
    )
    # Recorded a month ago: a past day's health only counts what had been recorded by then.
    Commitment.objects.filter(pk=kept.pk).update(created_at=days_ago(30))
    ConcernFactory(stakeholder=stakeholder, severity=Severity.HIGH, raised_on=TODAY - dt.timedelta(days=20))
    ConcernFactory(stakeholder=stakeholder, severity=Severity.LOW, raised_on=TODAY - dt.timedelta(days=2))
    ConcernFactory(
        stakeholder=stakeholder,
        severity=Severity.CRITICAL,
        raised_on=TODAY - dt.timedelta(days=40),
        status=ConcernStatus.RESOLVED,
        resolution="Apologised",
        resolved_at=days_ago(30),
    )
    return stakeholder


def test_the_database_computes_each_part_as_hand_counted(troubled):
    parts = health_now(troubled)

    assert (parts.cadence_days, parts.days_overdue, parts.contact_penalty) == (7, 3, 17)
    assert (parts.sentiment_count, parts.sentiment_weighted_sum, parts.sentiment_weight) == (4, -3, 6)
    assert parts.sentiment_penalty == 7
    assert (parts.overdue_follow_ups, parts.overdue_actions, parts.overdue_commitments) == (1, 1, 1)
    assert parts.overdue_penalty == 24
    assert (parts.open_concerns, parts.escalated_concerns, parts.concern_points) == (2, 1, 24)
    assert parts.concern_penalty == 24
    assert (parts.score, parts.band) == (28, HealthBand.RED)


def test_the_database_and_python_agree_on_the_same_inputs(troubled):
    computed = health_now(troubled)
    inputs = {
        name: getattr(computed, name)
        for name in (
            "cadence_days", "days_overdue", "sentiment_count", "sentiment_weighted_sum", "sentiment_weight",
            "overdue_follow_ups", "overdue_actions", "overdue_commitments", "open_concerns",
            "escalated_concerns", "concern_points",
        )
    }  # fmt: skip
    assert health_parts(**inputs, day=computed.day) == computed


def test_an_action_from_a_meeting_they_attended_counts_once(officer, troubled):
    meeting = MeetingFactory(
        organiser=officer, starts_at=days_ago(9), ends_at=days_ago(9) + dt.timedelta(hours=1)
    )
    meeting.attendees.create(stakeholder=troubled)
    ActionItem.objects.create(
        meeting=meeting,
        description="Our side: send the figures",
        owner_user=officer,
        due_on=TODAY - dt.timedelta(days=1),
        created_by=officer,
    )
    ActionItem.objects.create(
        meeting=meeting,
        description="Theirs, at a meeting they attended",
        owner_stakeholder=troubled,
        chaser=officer,
        due_on=TODAY - dt.timedelta(days=1),
        created_by=officer,
    )
    assert health_now(troubled).overdue_actions == 3


def test_a_stakeholder_never_contacted_is_overdue_from_the_day_they_were_added(officer, frozen, time_machine):
    time_machine.move_to(frozen - dt.timedelta(days=40), tick=False)
    stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=30)
    time_machine.move_to(frozen, tick=False)

    parts = health_now(stakeholder)

    assert parts.days_overdue == 10
    assert parts.contact_penalty == 13


def test_a_stakeholder_added_days_ago_and_never_contacted_is_no_contact_yet_not_good(
    officer, frozen, time_machine
):
    time_machine.move_to(frozen - dt.timedelta(days=3), tick=False)
    on_a_cadence = StakeholderFactory(owner=officer, contact_cadence_days=30)
    without_one = StakeholderFactory(owner=officer, contact_cadence_days=None)
    time_machine.move_to(frozen, tick=False)

    for stakeholder in (on_a_cadence, without_one):
        parts = health_now(stakeholder)
        assert (parts.score, parts.days_overdue, parts.band) == (100, 0, HealthBand.NO_CONTACT)


def test_a_stakeholder_never_contacted_since_added_200_days_ago_is_overdue_and_needs_attention(
    officer, frozen, time_machine
):
    time_machine.move_to(frozen - dt.timedelta(days=200), tick=False)
    stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=30)
    time_machine.move_to(frozen, tick=False)

    parts = health_now(stakeholder)

    assert (parts.days_overdue, parts.contact_penalty, parts.score) == (170, 40, 60)
    assert parts.band == HealthBand.AMBER


def test_the_first_contact_turns_no_contact_yet_green(officer):
    stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=30)
    assert health_now(stakeholder).band == HealthBand.NO_CONTACT

    InteractionFactory(logged_by=officer, stakeholders=[stakeholder], occurred_at=days_ago(1))
    stakeholders_refresh_last_contact(stakeholder_ids=[stakeholder.pk])

    assert health_now(stakeholder).band == HealthBand.GREEN


def test_a_past_day_before_the_first_contact_was_no_contact_yet(officer):
    stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=30)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(created_at=days_ago(10))
    InteractionFactory(logged_by=officer, stakeholders=[stakeholder], occurred_at=days_ago(2))
    stakeholders_refresh_last_contact(stakeholder_ids=[stakeholder.pk])

    assert health_now(stakeholder, day=TODAY - dt.timedelta(days=5)).band == HealthBand.NO_CONTACT
    assert health_now(stakeholder, day=TODAY).band == HealthBand.GREEN


def test_a_past_day_counts_what_was_open_then(troubled):
    """Nine days ago the concern raised two days ago was not there, and the follow-up due three days ago
    was not yet due; the commitment fulfilled eight days ago was overdue (due twelve days ago)."""
    parts = health_now(troubled, day=TODAY - dt.timedelta(days=9))

    assert parts.open_concerns == 1
    assert parts.overdue_follow_ups == 0
    assert parts.overdue_commitments == 1
    # The done action (due 5 days before today) was not yet due nine days ago; the open one neither.
    assert parts.overdue_actions == 0
    # Last contact then: the interaction 10 days ago (one day before): not overdue on a 7-day cadence.
    assert parts.days_overdue == 0


def test_a_past_day_counts_what_was_broken_or_cancelled_later_as_still_open(officer):
    """Each item was due twelve days ago; five days ago the ones closed four days ago were still overdue,
    the ones closed six days ago no longer were."""
    stakeholder = StakeholderFactory(owner=officer)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(created_at=days_ago(30))
    due = TODAY - dt.timedelta(days=12)
    meeting = MeetingFactory(
        organiser=officer, starts_at=days_ago(20), ends_at=days_ago(20) + dt.timedelta(hours=1)
    )
    for closed in (days_ago(4), days_ago(6)):
        CommitmentFactory(
            stakeholder=stakeholder, due_on=due, status=CommitmentStatus.BROKEN, broken_at=closed
        )
        CommitmentFactory(
            stakeholder=stakeholder, due_on=due, status=CommitmentStatus.CANCELLED, cancelled_at=closed
        )
        ActionItem.objects.create(
            meeting=meeting,
            description="Send the minutes",
            owner_stakeholder=stakeholder,
            chaser=officer,
            due_on=due,
            status=ActionStatus.CANCELLED,
            cancelled_at=closed,
            created_by=officer,
        )
    Commitment.objects.filter(stakeholder=stakeholder).update(created_at=days_ago(30))
    ActionItem.objects.filter(meeting=meeting).update(created_at=days_ago(30))

    five_days_ago = health_now(stakeholder, day=TODAY - dt.timedelta(days=5))
    today = health_now(stakeholder)

    assert (five_days_ago.overdue_commitments, five_days_ago.overdue_actions) == (2, 1)
    assert (today.overdue_commitments, today.overdue_actions) == (0, 0)


def test_archived_stakeholders_have_no_health(troubled):
    troubled.is_archived = True
    troubled.archived_at = days_ago(1)
    troubled.save()
    assert health_now(troubled) is None


def test_an_action_from_a_meeting_they_were_recorded_absent_from_does_not_count(officer, troubled):
    """Invited but recorded absent: the meeting's actions were agreed without them."""
    meeting = MeetingFactory(
        organiser=officer, starts_at=days_ago(9), ends_at=days_ago(9) + dt.timedelta(hours=1)
    )
    meeting.attendees.create(stakeholder=troubled, attended=False)
    ActionItem.objects.create(
        meeting=meeting,
        description="Our side: send the figures",
        owner_user=officer,
        due_on=TODAY - dt.timedelta(days=1),
        created_by=officer,
    )
    before = health_now(troubled).overdue_actions

    meeting.attendees.filter(stakeholder=troubled).update(attended=True)

    assert health_now(troubled).overdue_actions == before + 1


def test_an_open_action_of_a_meeting_cancelled_since_it_was_taken_on_does_not_count(officer, troubled):
    """Taken on before a meeting that was then called off: nobody expects it any more."""
    starts = days_ago(-3)
    meeting = MeetingFactory(organiser=officer, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    meeting.attendees.create(stakeholder=troubled)
    for owner in ({"owner_user": officer}, {"owner_stakeholder": troubled, "chaser": officer}):
        ActionItem.objects.create(
            meeting=meeting,
            description="Circulate the briefing",
            due_on=TODAY - dt.timedelta(days=1),
            created_by=officer,
            **owner,
        )
    before = health_now(troubled).overdue_actions

    services.meeting_cancel(meeting=meeting, actor=officer)

    assert health_now(troubled).overdue_actions == before - 2
