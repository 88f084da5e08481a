"""The weekly digest: each team's manager gets Monday morning's summary of their team, once."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import Stakeholder
from dashboards import services as dashboard_services
from digests.services import weekly_digests_send
from meetings.models import ActionItem, MeetingStatus
from meetings.services import meeting_cancel
from outbox.models import OutboundMessage

from ..factories import (
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

MONDAY_SEVEN_LONDON = dt.datetime(2026, 6, 8, 6, 0, tzinfo=dt.UTC)  # 07:00 BST


@pytest.fixture
def teams(time_machine, officer, other_officer, manager, other_manager):
    time_machine.move_to(MONDAY_SEVEN_LONDON, tick=False)
    for owner, name in ((officer, "Ngozi Lapsed"), (other_officer, "Otto Elsewhere")):
        stakeholder = StakeholderFactory(owner=owner, name=name, contact_cadence_days=7, influence=5)
        Stakeholder.objects.filter(pk=stakeholder.pk).update(
            last_contacted_at=timezone.now() - dt.timedelta(days=30)
        )
    dashboard_services.figures_refresh()


def test_each_manager_gets_their_teams_week_on_monday_morning(teams, manager, other_manager):
    assert weekly_digests_send() == 2

    digest = OutboundMessage.objects.get(to=manager.email)
    assert digest.kind == "weekly_digest"
    assert "Ngozi Lapsed" in digest.body
    assert "Otto Elsewhere" not in digest.body
    assert "Otto Elsewhere" in OutboundMessage.objects.get(to=other_manager.email).body
    assert not OutboundMessage.objects.exclude(to__in=[manager.email, other_manager.email]).exists()


def test_the_digest_goes_once_a_week(teams, time_machine):
    weekly_digests_send()
    time_machine.move_to(MONDAY_SEVEN_LONDON + dt.timedelta(hours=3), tick=False)
    weekly_digests_send()
    assert OutboundMessage.objects.filter(kind="weekly_digest").count() == 2


def test_nothing_before_the_digest_hour_or_on_other_days(teams, time_machine):
    time_machine.move_to(MONDAY_SEVEN_LONDON - dt.timedelta(hours=1), tick=False)
    assert weekly_digests_send() == 0
    time_machine.move_to(MONDAY_SEVEN_LONDON + dt.timedelta(days=1), tick=False)
    assert weekly_digests_send() == 0


def test_the_digest_counts_the_interactions_of_last_week_and_the_week_before(time_machine, officer, manager):
    """Monday 8 June: last week is 1 to 7 June, the week before 25 to 31 May; not this morning's call."""
    time_machine.move_to(MONDAY_SEVEN_LONDON, tick=False)
    person = StakeholderFactory(owner=officer)
    for days_ago, count in ((0, 1), (3, 2), (10, 3)):
        for _n in range(count):
            InteractionFactory(
                logged_by=officer,
                stakeholders=[person],
                occurred_at=timezone.now() - dt.timedelta(days=days_ago, minutes=30),
            )
    dashboard_services.figures_refresh()

    weekly_digests_send()

    body = OutboundMessage.objects.get(to=manager.email).body
    assert "2 logged last week, 3 the week before." in body


def test_the_digest_marks_an_officer_who_has_left_as_the_rest_of_the_site_does(teams, officer, manager):
    """The leaver's relationship newly at risk and stale, overdue commitment and long-open concern still
    count for their team until handed over; each line names them "(left)"."""
    stakeholder = Stakeholder.objects.get(name="Ngozi Lapsed")
    CommitmentFactory(stakeholder=stakeholder, due_on=timezone.localdate() - dt.timedelta(days=3))
    ConcernFactory(
        stakeholder=stakeholder,
        title="Flooded footpath",
        raised_on=timezone.localdate() - dt.timedelta(days=30),
    )
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    dashboard_services.figures_refresh()

    weekly_digests_send()

    lines = OutboundMessage.objects.get(to=manager.email).body.splitlines()
    naming = [line for line in lines if str(officer) in line]
    # Newly at risk, stale, overdue work and the concern: each names the leaver, each marked.
    assert len(naming) == 4, naming
    assert all(line.count(f"{officer} (left)") == line.count(str(officer)) for line in naming), naming


def _lapsed_relationships(officer, count):
    """`count` stakeholders of the officer's, a month since contact on a weekly cadence, in the summaries."""
    for number in range(count):
        stakeholder = StakeholderFactory(owner=officer, name=f"Lapsed {number:02d}", contact_cadence_days=7)
        Stakeholder.objects.filter(pk=stakeholder.pk).update(
            last_contacted_at=timezone.now() - dt.timedelta(days=30)
        )
    dashboard_services.figures_refresh()


def test_the_digest_says_how_many_stale_relationships_it_leaves_out_and_links_to_them_all(
    time_machine, settings, officer, manager, team
):
    """It lists the ten most influential: the eleventh and twelfth were mentioned nowhere but in the count of
    the health section."""
    settings.SITE_URL = "https://crm.example.org"
    time_machine.move_to(MONDAY_SEVEN_LONDON, tick=False)
    _lapsed_relationships(officer, 12)

    weekly_digests_send()

    body = OutboundMessage.objects.get(to=manager.email).body
    assert body.count("- Lapsed") == 10
    link = f"https://crm.example.org/stakeholders/?team={team.pk}&overdue=true&sort=-influence"
    assert f"and 2 more, all of them at {link}" in body


def test_past_the_bounded_count_the_digest_says_how_many_more_at_least(
    time_machine, settings, officer, manager, team, monkeypatch
):
    """The count stops past a bound (1,000) as the dashboard's does, which says "1,000+": the digest said
    "and 991 more" of however many there were."""
    from dashboards import queries

    monkeypatch.setattr(queries, "STALE_COUNTED", 11)
    time_machine.move_to(MONDAY_SEVEN_LONDON, tick=False)
    _lapsed_relationships(officer, 13)

    weekly_digests_send()

    assert "and 1+ more, all of them at" in OutboundMessage.objects.get(to=manager.email).body


def test_the_digest_says_how_many_long_open_concerns_it_leaves_out_and_links_to_them_all(
    time_machine, settings, officer, manager, team
):
    """It lists the ten open longest and stopped there, saying nothing of the others."""
    settings.SITE_URL = "https://crm.example.org"
    time_machine.move_to(MONDAY_SEVEN_LONDON, tick=False)
    stakeholder = StakeholderFactory(owner=officer)
    for number in range(12):
        ConcernFactory(
            stakeholder=stakeholder, owner=officer, title=f"Complaint {number:02d}",
            raised_on=timezone.localdate() - dt.timedelta(days=30 + number),
        )  # fmt: skip

    weekly_digests_send()

    body = OutboundMessage.objects.get(to=manager.email).body
    assert body.count("- Complaint") == 10
    link = f"https://crm.example.org/concerns/?team={team.pk}&status=unresolved&overdue=true"
    assert f"and 2 more, all of them at {link}" in body


def test_the_digest_counts_an_overdue_action_of_a_held_meeting_and_not_one_of_a_cancelled_meeting(
    teams, officer, manager
):
    """As the dashboard counts them (ActionItemQuerySet.overdue): nobody expects a called-off meeting's."""
    overdue = timezone.localdate() - dt.timedelta(days=3)
    held = MeetingFactory(organiser=officer, status=MeetingStatus.HELD, held_at=timezone.now())
    called_off = MeetingFactory(organiser=officer)
    for meeting in (held, called_off, called_off):
        ActionItem.objects.create(
            meeting=meeting, description="Overdue", owner_user=officer, due_on=overdue, created_by=officer
        )
    meeting_cancel(meeting=called_off, actor=officer)

    weekly_digests_send()

    body = OutboundMessage.objects.get(to=manager.email).body
    assert ": 0 follow-ups, 1 action, 0 commitments\n" in body
