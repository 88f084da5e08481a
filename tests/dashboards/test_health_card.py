"""The stakeholder page's health card: the score, why, since when, and the map."""

import datetime as dt

import pytest
from django.urls import reverse

from commitments.services import commitment_fulfil, commitment_update
from concerns.services import concern_raise, concern_update
from contacts.models import Stakeholder
from contacts.services import stakeholder_archive
from dashboards import services
from dashboards.models import HealthSnapshot
from interactions.models import InteractionKind
from interactions.services import follow_up_complete, interaction_log
from meetings.models import ActionItem, ActionStatus, Attendee
from meetings.services import action_item_reassign, action_item_set_status, meeting_update

from ..factories import CommitmentFactory, InteractionFactory, MeetingFactory, StakeholderFactory
from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed(officer):
    stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=30)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(
        created_at=days_ago(400), last_contacted_at=days_ago(45)
    )
    return stakeholder


def test_the_card_shows_the_score_and_what_took_points_off(officer_client, lapsed):
    services.health_snapshot_take()

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Relationship health" in page
    assert ">80<" in page  # 15 days overdue on 30: 40 * 15 // 30 = 20 off
    assert "Overdue by 15 days on a 30-day cadence." in page
    assert "\u221220" in page  # minus sign
    assert reverse("dashboards:stakeholder_map", args=[lapsed.pk]) in page


def test_the_card_says_when_the_relationship_turned(officer_client, officer, lapsed):
    for days_back, score, band in ((3, 65, "amber"), (2, 85, "green"), (1, 85, "green")):
        HealthSnapshot.objects.create(
            stakeholder=lapsed, day=TODAY - dt.timedelta(days=days_back), owner=officer,
            influence=3, interest=3, score=score, band=band,
        )  # fmt: skip

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert f"Turned green on {(TODAY - dt.timedelta(days=2)):%-d %b %Y}; it was amber." in page


def test_the_card_reads_todays_snapshot_while_nothing_was_logged_with_them_since(
    officer_client, officer, lapsed, monkeypatch
):
    """Worked out live on every view, the card read everything the person took part in: a quarter of a
    second for someone with 5,000 interactions."""
    services.health_snapshot_take()  # 15 days overdue: 80
    monkeypatch.setattr("dashboards.panels.health_now", lambda *args, **kwargs: pytest.fail("computed live"))

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert ">80<" in page and "Overdue by 15 days on a 30-day cadence." in page


def test_a_call_just_logged_counts_on_the_card_at_once(officer_client, officer, lapsed, time_machine):
    services.health_snapshot_take()  # 15 days overdue: 80

    time_machine.shift(dt.timedelta(minutes=1))
    interaction_log(author=officer, stakeholders=[lapsed], summary="Caught up", kind=InteractionKind.CALL)
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "On time." in page
    assert ">100<" in page
    assert "Overdue by" not in page


def test_a_concern_just_raised_counts_on_the_card_at_once(officer_client, officer, lapsed, time_machine):
    """The card used to say "None open." beside the concerns card listing it, until the next snapshot."""
    services.health_snapshot_take()

    time_machine.shift(dt.timedelta(minutes=1))
    concern_raise(actor=officer, stakeholder=lapsed, title="Lorries at night")
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "1 open (0 open too long)." in page
    assert ">72<" in page  # 80, less 4 * medium severity (2)


def test_a_commitment_just_kept_stops_counting_as_overdue_at_once(
    officer_client, officer, lapsed, time_machine
):
    commitment = CommitmentFactory(stakeholder=lapsed, owner=officer, due_on=TODAY - dt.timedelta(days=1))
    services.health_snapshot_take()  # 80, less 8 for the overdue commitment: 72

    time_machine.shift(dt.timedelta(minutes=1))
    commitment_fulfil(commitment=commitment, actor=officer)
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Nothing overdue." in page
    assert ">80<" in page


def test_an_action_from_their_meeting_just_done_stops_counting_as_overdue_at_once(
    officer_client, officer, lapsed, time_machine
):
    meeting = MeetingFactory(
        organiser=officer, starts_at=days_ago(20), ends_at=days_ago(20) + dt.timedelta(hours=1)
    )
    Attendee.objects.create(meeting=meeting, stakeholder=lapsed)
    action = ActionItem.objects.create(
        meeting=meeting, description="Send the map", owner_user=officer, due_on=TODAY - dt.timedelta(days=2),
        created_by=officer,
    )  # fmt: skip
    services.health_snapshot_take()

    time_machine.shift(dt.timedelta(minutes=1))
    action_item_set_status(action_item=action, actor=officer, status=ActionStatus.DONE)
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Nothing overdue." in page


def test_a_follow_up_just_done_stops_counting_as_overdue_at_once(
    officer_client, officer, lapsed, time_machine
):
    interaction = InteractionFactory(
        logged_by=officer,
        stakeholders=[lapsed],
        occurred_at=days_ago(45),
        follow_up_on=TODAY - dt.timedelta(days=3),
    )
    services.health_snapshot_take()

    time_machine.shift(dt.timedelta(minutes=1))
    follow_up_complete(interaction=interaction, actor=officer)
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Nothing overdue." in page


def test_a_stakeholder_not_in_any_snapshot_yet_is_scored(officer_client, lapsed):
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert ">80<" in page
    assert "Overdue by 15 days on a 30-day cadence." in page


def test_the_health_line_ends_on_todays_score_and_a_turn_today_is_named(officer_client, officer, lapsed):
    yesterday = TODAY - dt.timedelta(days=1)
    HealthSnapshot.objects.create(
        stakeholder=lapsed, day=yesterday, owner=officer, influence=3, interest=3, score=40, band="amber"
    )

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert f'aria-label="Health 40 on {yesterday:%-d %b}, 80 on {TODAY:%-d %b}"' in page
    assert f"Turned green on {TODAY:%-d %b %Y}; it was amber." in page


def test_an_archived_stakeholder_has_no_score(officer_client, officer, lapsed):
    stakeholder_archive(stakeholder=lapsed, actor=officer)

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Archived stakeholders have no health score." in page
    assert "30-day cadence" not in page


def test_the_health_line_says_in_words_where_it_started_and_ended(officer_client, officer, lapsed):
    for days_back, score, band in ((3, 75, "green"), (1, 80, "green")):
        HealthSnapshot.objects.create(
            stakeholder=lapsed, day=TODAY - dt.timedelta(days=days_back), owner=officer,
            influence=3, interest=3, score=score, band=band,
        )  # fmt: skip

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    first = TODAY - dt.timedelta(days=3)
    assert f'role="img" aria-label="Health 75 on {first:%-d %b}, 80 on {TODAY:%-d %b}"' in page


@pytest.fixture
def elsewhere(officer):
    return StakeholderFactory(owner=officer, name="Someone else")


def test_a_concern_moved_to_someone_else_stops_counting_on_the_card_at_once(
    officer_client, officer, lapsed, elsewhere, time_machine
):
    concern = concern_raise(actor=officer, stakeholder=lapsed, title="Lorries at night")
    services.health_snapshot_take()  # 80, less 4 * medium severity (2): 72

    time_machine.shift(dt.timedelta(minutes=1))
    concern_update(concern=concern, actor=officer, stakeholder=elsewhere)
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "None open." in page
    assert ">80<" in page


def test_a_concern_moved_on_its_edit_page_stops_counting_on_the_card_at_once(
    officer_client, officer, lapsed, elsewhere, time_machine
):
    concern = concern_raise(actor=officer, stakeholder=lapsed, title="Lorries at night")
    services.health_snapshot_take()

    time_machine.shift(dt.timedelta(minutes=1))
    url = reverse("concerns:edit", args=[concern.pk])
    form = officer_client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = officer_client.post(url, {**data, "stakeholder": elsewhere.pk})
    assert response.status_code == 302
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert ">80<" in page


def test_a_commitment_moved_to_someone_else_stops_counting_as_overdue_at_once(
    officer_client, officer, lapsed, elsewhere, time_machine
):
    commitment = CommitmentFactory(stakeholder=lapsed, owner=officer, due_on=TODAY - dt.timedelta(days=1))
    services.health_snapshot_take()  # 80, less 8 for the overdue commitment: 72

    time_machine.shift(dt.timedelta(minutes=1))
    commitment_update(commitment=commitment, actor=officer, stakeholder=elsewhere)
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Nothing overdue." in page
    assert ">80<" in page


def overdue_action_at_a_planned_meeting(officer, *, invited, owner_stakeholder=None):
    meeting = MeetingFactory(organiser=officer)
    for stakeholder in invited:
        Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)
    ActionItem.objects.create(
        meeting=meeting, description="Send the map", owner_user=None if owner_stakeholder else officer,
        owner_stakeholder=owner_stakeholder, chaser=officer if owner_stakeholder else None,
        due_on=TODAY - dt.timedelta(days=2), created_by=officer,
    )  # fmt: skip
    return meeting


def test_being_taken_off_a_meeting_with_an_overdue_action_stops_it_counting_at_once(
    officer_client, officer, lapsed, elsewhere, time_machine
):
    meeting = overdue_action_at_a_planned_meeting(officer, invited=[lapsed, elsewhere])
    services.health_snapshot_take()  # 80, less 8 for the overdue action: 72

    time_machine.shift(dt.timedelta(minutes=1))
    meeting_update(meeting=meeting, actor=officer, stakeholders=[elsewhere])
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Nothing overdue." in page
    assert ">80<" in page


def test_an_overdue_action_handed_to_someone_else_stops_counting_at_once(
    officer_client, officer, lapsed, elsewhere, time_machine
):
    """Its owner no longer invited (taken off since), the action counted for them as theirs alone."""
    meeting = overdue_action_at_a_planned_meeting(officer, invited=[elsewhere], owner_stakeholder=lapsed)
    services.health_snapshot_take()

    time_machine.shift(dt.timedelta(minutes=1))
    action_item_reassign(action_item=meeting.action_items.get(), actor=officer, owner_stakeholder=elsewhere)
    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Nothing overdue." in page
