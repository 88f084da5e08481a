"""My day: an officer's meetings, follow-ups, actions and commitments due, and relationships going stale."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from concerns import services as concern_services
from contacts.models import Stakeholder
from dashboards import services
from meetings.models import ActionItem, Attendee, MeetingStatus, Rsvp

from ..factories import CommitmentFactory, InteractionFactory, MeetingFactory, StakeholderFactory
from .conftest import NOW, TODAY, days_ago

pytestmark = pytest.mark.django_db


def test_the_home_page_is_my_day(officer_client):
    response = officer_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:my_day")


def test_my_day_lists_what_is_due_today_and_nothing_of_a_colleagues(officer_client, officer, colleague):
    today_at = NOW + dt.timedelta(hours=2)
    mine = MeetingFactory(organiser=officer, title="Harbour steering group", starts_at=today_at)
    MeetingFactory(
        organiser=officer, title="Cancelled briefing", starts_at=today_at, status=MeetingStatus.CANCELLED
    )
    MeetingFactory(organiser=officer, title="Next week's visit", starts_at=NOW + dt.timedelta(days=7))
    MeetingFactory(organiser=colleague, title="Colleague's meeting", starts_at=today_at)
    InteractionFactory(
        logged_by=officer, follow_up_on=TODAY - dt.timedelta(days=1), follow_up_note="Send the map"
    )
    InteractionFactory(logged_by=officer, follow_up_on=TODAY + dt.timedelta(days=8), follow_up_note="Not yet")
    InteractionFactory(logged_by=colleague, follow_up_on=TODAY, follow_up_note="Colleague's follow-up")
    ActionItem.objects.create(
        meeting=mine,
        description="Circulate the minutes",
        owner_user=officer,
        due_on=TODAY,
        created_by=officer,
    )
    CommitmentFactory(
        description="Confirm the grant in writing",
        stakeholder=StakeholderFactory(owner=officer),
        owner=officer,
        due_on=TODAY + dt.timedelta(days=2),
    )

    response = officer_client.get(reverse("dashboards:my_day"))

    page = response.content.decode()
    assert [meeting.title for meeting in response.context["meetings"]] == ["Harbour steering group"]
    assert "Send the map" in page
    assert "Not yet" not in page
    assert "Colleague" not in page
    assert "Circulate the minutes" in page
    assert "Confirm the grant in writing" in page


def test_my_day_lists_follow_ups_due_within_a_week_as_it_lists_actions_and_commitments_overdue_first(
    officer_client, officer
):
    for days, note in [
        (7, "In a week"),
        (8, "Beyond the week"),
        (0, "Today"),
        (2, "In two days"),
        (-3, "Late"),
    ]:
        InteractionFactory(
            logged_by=officer, follow_up_on=TODAY + dt.timedelta(days=days), follow_up_note=note
        )

    response = officer_client.get(reverse("dashboards:my_day"))

    shown = [item.follow_up_note for item in response.context["follow_ups"]]
    assert shown == ["Late", "Today", "In two days", "In a week"]
    assert response.context["soon"] == TODAY + dt.timedelta(days=7)


def test_my_day_lists_my_agreements_up_for_renewal_with_the_commitments_due_soonest_first(
    officer_client, officer, colleague
):
    """An agreement's renewal date is what its officer watches (the register marks it amber within
    RENEWAL_NOTICE_DAYS), and an agreement often has no due date: My day left every one of them out."""

    def commitment(description, *, owner=officer, due_in=None, renews_in=None):
        return CommitmentFactory(
            description=description,
            stakeholder=StakeholderFactory(owner=owner),
            owner=owner,
            due_on=TODAY + dt.timedelta(days=due_in) if due_in is not None else None,
            renews_on=TODAY + dt.timedelta(days=renews_in) if renews_in is not None else None,
        )

    lapsed = commitment("Data-sharing agreement: renew it", renews_in=-3)
    due = commitment("Send the site plan", due_in=2)
    renewing = commitment("Memorandum of understanding: prepare the renewal", due_in=90, renews_in=20)
    commitment("Venue hire agreement: prepare the renewal", renews_in=60)
    commitment("Colleague's agreement: prepare the renewal", owner=colleague, renews_in=5)

    response = officer_client.get(reverse("dashboards:my_day"))

    assert response.context["commitments"] == [lapsed, due, renewing]


def test_a_concern_handed_to_me_is_on_my_day_at_once_most_severe_first(officer_client, officer, colleague):
    """A colleague who records a concern and names me to handle it tells me nothing: My day showed no
    concerns, so I learnt of it when it was escalated a fortnight later."""
    raised_by = StakeholderFactory(owner=colleague, name="Cllr Ada Mensah")
    medium = concern_services.concern_raise(
        actor=colleague, stakeholder=raised_by, title="Bins left out on Mill Lane", owner=officer
    )
    critical = concern_services.concern_raise(
        actor=colleague, stakeholder=raised_by, title="Flooding at the depot", owner=officer, severity=4
    )
    resolved = concern_services.concern_raise(
        actor=officer, stakeholder=raised_by, title="Parking on the green"
    )
    concern_services.concern_resolve(concern=resolved, actor=officer, resolution="Signs put up.")
    concern_services.concern_raise(actor=colleague, stakeholder=raised_by, title="Colleague's own concern")

    response = officer_client.get(reverse("dashboards:my_day"))

    assert response.context["concerns"] == [critical, medium]
    page = response.content.decode()
    assert f'<a href="{critical.get_absolute_url()}">Flooding at the depot</a>' in page
    assert "Cllr Ada Mensah" in page


def test_a_meeting_i_declined_is_not_on_my_day_as_i_am_not_reminded_of_it(officer_client, officer, colleague):
    today_at = NOW + dt.timedelta(hours=2)
    declined = MeetingFactory(organiser=colleague, title="Declined board", starts_at=today_at)
    Attendee.objects.create(meeting=declined, user=officer, rsvp=Rsvp.DECLINED)
    tentative = MeetingFactory(organiser=colleague, title="Depot site visit", starts_at=today_at)
    Attendee.objects.create(meeting=tentative, user=officer, rsvp=Rsvp.TENTATIVE)

    response = officer_client.get(reverse("dashboards:my_day"))

    assert [meeting.title for meeting in response.context["meetings"]] == ["Depot site visit"]


def test_an_archived_stakeholders_concern_i_handle_stays_on_my_day_to_be_closed(officer_client, officer):
    """The daily digest leaves it out (tests/digests/test_daily.py): My day is where it is seen to."""
    raised_by = StakeholderFactory(owner=officer, name="Cllr Ada Mensah")
    concern = concern_services.concern_raise(
        actor=officer, stakeholder=raised_by, title="Flooding at the depot", severity=4
    )
    Stakeholder.objects.filter(pk=raised_by.pk).update(is_archived=True, archived_at=NOW)

    response = officer_client.get(reverse("dashboards:my_day"))

    assert response.context["concerns"] == [concern]


def test_going_stale_lists_my_stakeholders_overdue_or_due_within_a_week_most_overdue_first(
    officer_client, officer, colleague
):
    def stakeholder(owner, last_contact_days, cadence=30):
        person = StakeholderFactory(owner=owner, contact_cadence_days=cadence)
        Stakeholder.objects.filter(pk=person.pk).update(last_contacted_at=days_ago(last_contact_days))
        return person

    long_overdue = stakeholder(officer, 90)
    overdue = stakeholder(officer, 40)
    due_soon = stakeholder(officer, 25)
    stakeholder(officer, 5)  # on track
    stakeholder(colleague, 90)  # a colleague's
    services.health_snapshot_take()

    stale = officer_client.get(reverse("dashboards:my_day")).context["stale"]

    assert stale == [long_overdue, overdue, due_soon]
    assert [person.score for person in stale] == [60, 87, 100]


def test_a_health_badge_says_its_band_in_words_not_only_in_colour(officer_client, officer):
    person = StakeholderFactory(owner=officer, contact_cadence_days=30)
    Stakeholder.objects.filter(pk=person.pk).update(last_contacted_at=days_ago(90))
    services.health_snapshot_take()

    page = officer_client.get(reverse("dashboards:my_day")).content.decode()

    assert '<span class="visually-hidden">Needs attention: </span>60</span>' in page


def test_going_stale_links_to_a_list_holding_everyone_it_shows(officer_client, officer):
    due_soon = StakeholderFactory(owner=officer, contact_cadence_days=30)
    Stakeholder.objects.filter(pk=due_soon.pk).update(last_contacted_at=days_ago(25))
    response = officer_client.get(reverse("dashboards:my_day"))
    link = html.unescape(re.search(r'<a href="([^"]*)">My portfolio', response.content.decode()).group(1))

    listed = officer_client.get(link).context["page"]

    assert response.context["stale"] == [due_soon]
    assert list(listed) == [due_soon]


def test_an_overdue_action_says_so_in_words_and_a_full_list_links_to_the_rest(
    officer_client, officer, monkeypatch
):
    from dashboards import queries

    monkeypatch.setattr(queries, "MY_DAY_LIMIT", 2)
    meeting = MeetingFactory(organiser=officer)
    for days in (-3, 0, 1):
        ActionItem.objects.create(
            meeting=meeting,
            description=f"Action due in {days} days",
            owner_user=officer,
            due_on=TODAY + dt.timedelta(days=days),
            created_by=officer,
        )

    page = officer_client.get(reverse("dashboards:my_day")).content.decode()

    overdue = (TODAY - dt.timedelta(days=3)).strftime("%-d %b %Y")
    assert f'<span class="status red">overdue · {overdue}</span>' in page
    assert "Action due in 1 days" not in page
    assert "More actions due →" in page
    assert "No commitments overdue or due by" in page


def test_a_stakeholders_action_from_my_meeting_is_on_my_day_and_my_actions_as_the_dashboard_counts_it(
    officer_client, officer, colleague, manager
):
    """The dashboard counts a stakeholder's action as the organiser's to chase (ActionItemQuerySet.chased_by):
    a manager saw it among the officer's overdue actions, and the officer found it on none of their lists."""
    from dashboards import queries

    mine, theirs = MeetingFactory(organiser=officer), MeetingFactory(organiser=colleague)
    for meeting, description in ((mine, "Send us the site plan"), (theirs, "Colleague's guest's action")):
        ActionItem.objects.create(
            meeting=meeting,
            description=description,
            owner_stakeholder=StakeholderFactory(owner=meeting.organiser),
            chaser=meeting.organiser,
            due_on=TODAY - dt.timedelta(days=1),
            created_by=meeting.organiser,
        )

    my_day = officer_client.get(reverse("dashboards:my_day")).content.decode()
    my_actions = officer_client.get(reverse("meetings:my_actions")).context["page"]

    assert "Send us the site plan" in my_day and "Colleague's guest's action" not in my_day
    assert [action.description for action in my_actions] == ["Send us the site plan"]
    counted = queries.overdue_by_officer(queries.scope_for(manager), manager)
    assert [row["actions"] for row in counted if row["key"] == officer.pk] == [len(my_actions)]


def test_an_action_of_a_cancelled_meeting_is_not_on_my_day_and_a_held_meetings_is(officer_client, officer):
    """Nobody expects the action of a meeting called off: My day chases what the dashboard counts."""
    from meetings.services import meeting_cancel

    held = MeetingFactory(organiser=officer, status=MeetingStatus.HELD, held_at=days_ago(1))
    called_off = MeetingFactory(organiser=officer)
    for meeting, description in ((held, "Send the site plan"), (called_off, "Book the minibus")):
        ActionItem.objects.create(
            meeting=meeting,
            description=description,
            owner_user=officer,
            due_on=TODAY - dt.timedelta(days=1),
            created_by=officer,
        )
    meeting_cancel(meeting=called_off, actor=officer)

    actions = officer_client.get(reverse("dashboards:my_day")).context["actions"]

    assert [action.description for action in actions] == ["Send the site plan"]
