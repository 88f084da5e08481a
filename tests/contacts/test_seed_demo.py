"""The demo data (`manage.py seed_demo`, run by `make run` on first start): what a newcomer finds in it."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from commitments.models import Commitment
from concerns.models import Concern
from contacts.management.commands.seed_demo import (
    ORGANISATIONS,
    STAFF,
    SUMMARIES,
    DemoData,
    seed_meetings,
    seed_registers,
)
from contacts.models import Affiliation, Objective, Organisation, Stakeholder
from dashboards import queries
from interactions.models import Interaction
from meetings.models import ActionItem, Attendee, Meeting, MeetingSeries, MeetingStatus, Rsvp
from outbox.models import OutboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    # Whatever the seed leaves to run after its transaction commits runs here too, as it would on `make run`.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_has_meetings_held_cancelled_and_to_come_and_mails_nobody_about_them(seeded):
    """The demo had no meetings: empty meeting pages, no action items on My day or My actions, nothing
    decided."""
    now, today = timezone.now(), timezone.localdate()
    meetings = Meeting.objects.all()

    held = list(meetings.filter(status=MeetingStatus.HELD).prefetch_related("attendees", "decisions"))
    assert len(held) >= 5
    for meeting in held:
        assert meeting.minutes and meeting.decisions.all() and meeting.held_at
        attended = {a.stakeholder_id for a in meeting.attendees.all() if a.stakeholder_id and a.attended}
        assert set(meeting.interaction.stakeholders.values_list("pk", flat=True)) == attended
    assert meetings.filter(status=MeetingStatus.CANCELLED).count() == 2
    upcoming = meetings.filter(status=MeetingStatus.PLANNED, starts_at__gt=now)
    assert upcoming.count() >= 5
    one_offs = upcoming.filter(series__isnull=True)
    assert not one_offs.filter(
        starts_at__date__gt=today + dt.timedelta(days=14)
    ).exists()  # this week and next
    assert all(meeting.agenda_items.exists() for meeting in upcoming)
    assert meetings.exclude(location="").exists() and meetings.exclude(video_url="").exists()
    assert meetings.values("time_zone").distinct().count() >= 4
    (series,) = MeetingSeries.objects.all()
    assert series.occurrences.count() == series.count
    assert meetings.filter(status=MeetingStatus.PLANNED, ends_at__lt=now).exists()  # still to be recorded

    replies = set(meetings.values_list("attendees__rsvp", flat=True))
    assert replies == set(Rsvp.values)
    assert meetings.filter(attendees__user__isnull=False).exists()

    actions = ActionItem.objects.all()
    assert {"open", "in_progress", "done", "cancelled"} <= set(actions.values_list("status", flat=True))
    assert (
        actions.filter(owner_user__isnull=False).exists() and actions.filter(owner_user__isnull=True).exists()
    )
    assert actions.overdue(today).filter(owner_stakeholder__isnull=False).exists()

    officer = User.objects.get(username="officer")
    assert queries.todays_meetings(officer, today).exists()
    mine = list(queries.actions_due(officer, today))
    assert any(a.due_on < today for a in mine) and any(a.due_on >= today for a in mine)

    assert not OutboundMessage.objects.exists()


def test_a_second_run_leaves_the_demo_data_as_it_is(seeded):
    counts = (User.objects.count(), Meeting.objects.count(), Interaction.objects.count())

    call_command("seed_demo", stdout=io.StringIO())

    assert (User.objects.count(), Meeting.objects.count(), Interaction.objects.count()) == counts


def test_commitments_and_meetings_find_people_where_they_hold_a_position_that_ends_later(
    django_capture_on_commit_callbacks,
):
    """A position is held through its end date (contacts.querysets.held_on): the demo took only those with
    no end date as current, so people whose position ends later had no workplace and met no one."""
    now = timezone.now()
    today = timezone.localdate(now)
    with django_capture_on_commit_callbacks(execute=True):
        DemoData(now).load()
        Affiliation.objects.filter(end_date=None).update(end_date=today + dt.timedelta(days=90))
        seed_registers(now)
        seed_meetings(now)

    workplaces = dict(
        Affiliation.objects.held_now().filter(is_primary=True).values_list("stakeholder", "organisation")
    )
    commitments = Commitment.objects.all()
    assert commitments.exists()
    assert all(c.organisation_id == workplaces[c.stakeholder_id] for c in commitments)
    guests = Attendee.objects.filter(stakeholder__isnull=False).select_related("meeting")
    assert guests.exists()
    assert all(
        Affiliation.objects.held_now()
        .filter(stakeholder=guest.stakeholder_id, is_primary=True)
        .filter(organisation__in=Organisation.objects.family_of(guest.meeting.organisation))
        .exists()
        for guest in guests
    )


def test_the_demo_has_a_ministry_with_a_directorate_and_its_units_where_people_work(seeded):
    """Its departments were one level deep: nothing in the demo showed officers how nesting looks."""
    units = Organisation.objects.filter(parent__parent__isnull=False, parent__parent__parent__isnull=True)
    ministries = Organisation.objects.filter(departments__departments__in=units).distinct()

    assert Affiliation.objects.current().filter(organisation__in=units).exists()
    assert ministries.exists()
    for ministry in ministries.with_people_count():
        assert ministry.people_count == Stakeholder.objects.active().at_organisation(ministry).count()
        assert ministry.people_count > Affiliation.objects.current().filter(organisation=ministry).count()


def test_demo_registers_are_recorded_when_their_entries_were_made_not_when_the_demo_was_built(seeded):
    """Every commitment, concern and objective was stamped with the moment the seed ran: a commitment broken
    in February read "recorded" today, and a report on a past period found none of them open at its end."""
    today = timezone.localdate()
    commitments = list(Commitment.objects.all())
    concerns = list(Concern.objects.all())

    assert any(timezone.localdate(commitment.created_at) < today for commitment in commitments)
    for commitment in commitments:
        closed_at = commitment.fulfilled_at or commitment.broken_at or commitment.cancelled_at
        assert closed_at is None or commitment.created_at <= closed_at
    assert all(timezone.localdate(concern.created_at) == concern.raised_on for concern in concerns)
    for objective in Objective.objects.all():
        assert timezone.localdate(objective.created_at) < (objective.closed_on or today)


@pytest.mark.parametrize("organisation", [seed.name for seed in ORGANISATIONS])
def test_demo_summaries_read_right_whatever_the_organisation_is_called(organisation):
    """Put as "with the {organisation} team", one summary read "with the The Northbridge Courier team"."""
    words = {"person": "Ama Owusu", "organisation": organisation, "topic": "the bus lanes", "event": "launch"}
    summaries = [
        template.format(**words)
        for by_direction in SUMMARIES.values()
        for templates in by_direction.values()
        for template in templates
    ]

    assert not [summary for summary in summaries if re.search(r"\bthe the\b", summary, re.IGNORECASE)]


def test_make_run_and_the_readme_name_an_officer_and_a_manager_of_each_team_and_the_admin():
    """seed_demo lists every login on the first run only; `make run` names the main ones at every start, and
    left out the second team's manager (manager2)."""
    main_logins = {}
    for seed in STAFF:
        main_logins.setdefault((seed.role, seed.team), seed.username)
    root = Path(__file__).resolve().parents[2]
    makefile = (root / "Makefile").read_text()
    readme = " ".join((root / "README.md").read_text().split())

    banner = re.search(r"Demo logins \(password liaison-demo\): ([\w., ]+)", makefile).group(1)
    readme_logins = re.search(r"demo logins: (.*?), all with the password", readme).group(1)

    assert set(banner.split(", ")) == set(main_logins.values())
    assert set(re.findall(r"`([\w.]+)`", readme_logins)) == set(main_logins.values())
