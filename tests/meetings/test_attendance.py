"""Correcting who attended a held meeting: on its page and through the service, and what follows from it."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from contacts.models import Stakeholder
from interactions.models import Interaction
from interactions.services import interaction_delete
from meetings import services
from meetings.models import Meeting

from ..conftest import login
from ..factories import InteractionFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def hours_ago(hours):
    return timezone.now() - dt.timedelta(hours=hours)


@pytest.fixture
def came(officer):
    return StakeholderFactory(owner=officer, name="Ama Owusu", emails=["ama@example.org"])


@pytest.fixture
def stayed_away(officer):
    return StakeholderFactory(owner=officer, name="Kofi Boateng")


@pytest.fixture
def held(officer, colleague, came, stayed_away):
    """Held yesterday; recorded with `came` present, and `stayed_away` and `colleague` absent."""
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=hours_ago(26),
        ends_at=hours_ago(25),
        stakeholders=[came, stayed_away],
        staff=[colleague],
    )
    return services.meeting_mark_held(
        meeting=meeting, actor=officer, attended=[meeting.attendees.get(stakeholder=came)]
    )


def attendance(meeting):
    return {a.person: a.attended for a in meeting.attendees.all()}


def test_marking_an_absent_stakeholder_present_puts_the_meeting_on_their_timeline_and_restarts_their_clock(
    officer, colleague, held, came, stayed_away
):
    before = Stakeholder.objects.get(pk=stayed_away.pk).updated_at

    services.meeting_attendance_correct(
        meeting=held,
        actor=officer,
        attended=[held.attendees.get(stakeholder=came), held.attendees.get(stakeholder=stayed_away)],
    )

    assert attendance(held) == {came: True, stayed_away: True, colleague: False}
    interaction = Interaction.objects.get()
    assert set(interaction.stakeholders.all()) == {came, stayed_away}
    stayed_away.refresh_from_db()
    assert stayed_away.last_contacted_at == held.starts_at
    assert stayed_away.updated_at > before


def test_marking_a_present_stakeholder_absent_takes_the_meeting_off_their_timeline_and_their_last_contact(
    officer, colleague, held, came, stayed_away
):
    earlier = InteractionFactory(logged_by=officer, occurred_at=hours_ago(24 * 10))
    earlier.stakeholders.add(came)
    services.meeting_attendance_correct(
        meeting=held,
        actor=officer,
        attended=[held.attendees.get(stakeholder=stayed_away), held.attendees.get(user=colleague)],
    )

    assert attendance(held) == {came: False, stayed_away: True, colleague: True}
    interaction = Interaction.objects.get(meeting=held)
    assert list(interaction.stakeholders.all()) == [stayed_away]
    assert set(interaction.staff_present.all()) == {officer, colleague}
    came.refresh_from_db()
    assert came.last_contacted_at == earlier.occurred_at


def test_a_correction_keeps_what_was_changed_on_the_timeline_since(officer, held, came, stayed_away):
    """The interaction is its author's too: a stakeholder added to it there stays, whoever is corrected."""
    added_there = StakeholderFactory(owner=officer)
    held.interaction.stakeholders.add(added_there)

    services.meeting_attendance_correct(
        meeting=held, actor=officer, attended=[held.attendees.get(stakeholder=stayed_away)]
    )

    assert set(Interaction.objects.get().stakeholders.all()) == {stayed_away, added_there}


def test_a_correction_that_would_leave_the_timeline_entry_with_nobody_is_refused(
    officer, held, came, stayed_away
):
    """Both present, and the one to be marked absent the only person left on the interaction since."""
    services.meeting_attendance_correct(meeting=held, actor=officer, attended=held.attendees.all())
    held.interaction.stakeholders.remove(came)

    with pytest.raises(ValidationError):
        services.meeting_attendance_correct(
            meeting=held, actor=officer, attended=[held.attendees.get(stakeholder=came)]
        )

    assert list(Interaction.objects.get().stakeholders.all()) == [stayed_away]
    assert held.attendees.get(stakeholder=stayed_away).attended is True


def test_a_correction_marks_the_meeting_changed_for_syncs(officer, held, stayed_away):
    before = Meeting.objects.get(pk=held.pk).updated_at

    services.meeting_attendance_correct(
        meeting=held, actor=officer, attended=list(held.attendees.filter(stakeholder__isnull=False))
    )

    assert Meeting.objects.get(pk=held.pk).updated_at > before


def test_a_correction_that_changes_nothing_writes_nothing(officer, held, came):
    before = Meeting.objects.get(pk=held.pk).updated_at

    services.meeting_attendance_correct(
        meeting=held, actor=officer, attended=[held.attendees.get(stakeholder=came)]
    )

    assert Meeting.objects.get(pk=held.pk).updated_at == before


def test_nobody_attending_is_refused_and_the_record_stays(officer, colleague, held, came, stayed_away):
    for attended in ([], [held.attendees.get(user=colleague)]):
        with pytest.raises(ValidationError) as refused:
            services.meeting_attendance_correct(meeting=held, actor=officer, attended=attended)

        assert refused.value.message_dict == {"attended": [str(services.NOBODY_ATTENDED_MESSAGE)]}
    assert attendance(held) == {came: True, stayed_away: False, colleague: False}
    assert list(Interaction.objects.get().stakeholders.all()) == [came]


def test_attendance_is_corrected_only_once_the_meeting_is_held(officer, came):
    planned = services.meeting_schedule(
        organiser=officer, title="Later", starts_at=hours_ago(2), ends_at=hours_ago(1), stakeholders=[came]
    )

    with pytest.raises(ValidationError) as refused:
        services.meeting_attendance_correct(meeting=planned, actor=officer, attended=planned.attendees.all())

    assert refused.value.messages == [str(services.NOT_HELD_MESSAGE)]


def test_only_those_who_may_record_it_held_correct_its_attendance(
    officer, colleague, manager, held, stayed_away
):
    everyone = list(held.attendees.all())
    with pytest.raises(PermissionDenied):
        services.meeting_attendance_correct(meeting=held, actor=colleague, attended=everyone)

    services.meeting_attendance_correct(meeting=held, actor=manager, attended=everyone)

    assert stayed_away in Interaction.objects.get().stakeholders.all()


def test_a_correction_is_kept_in_the_meetings_history(officer_client, officer, held, stayed_away):
    services.meeting_attendance_correct(
        meeting=held, actor=officer, attended=list(held.attendees.filter(stakeholder__isnull=False))
    )

    body = officer_client.get(reverse("history:attendance", args=[held.pk])).content.decode()

    newest = re.sub(r"\s+", " ", body.split('<li class="history-entry')[1])
    assert f"<strong>{officer}</strong> changed attendee “Kofi Boateng”" in newest
    assert '<th scope="row">Attended</th> <td><del>no</del> → <ins>yes</ins></td>' in newest


# The page


def test_the_held_meetings_page_offers_the_correction_to_its_organiser_only(client, officer, colleague, held):
    url = reverse("meetings:attendance_edit", args=[held.pk])

    login(client, officer)
    assert url in client.get(held.get_absolute_url()).content.decode()
    login(client, colleague)
    assert url not in client.get(held.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 403


def test_the_attendance_page_ticks_who_was_recorded_present(
    officer_client, colleague, held, came, stayed_away, django_assert_max_num_queries
):
    ticked = re.compile(r'<input type="checkbox" name="attended" value="(\d+)"[^>]*?( checked)?>')

    # Session and user, the meeting with its organiser, organisation, series and interaction, its agenda,
    # attendees, their stakeholders and users.
    with django_assert_max_num_queries(8):
        body = officer_client.get(reverse("meetings:attendance_edit", args=[held.pk])).content.decode()

    assert {int(pk): bool(checked) for pk, checked in ticked.findall(body)} == {
        held.attendees.get(stakeholder=came).pk: True,
        held.attendees.get(stakeholder=stayed_away).pk: False,
        held.attendees.get(user=colleague).pk: False,
    }


def test_attendance_corrected_on_the_page_reaches_the_timelines_and_shows_who_was_absent(
    officer_client, colleague, held, came, stayed_away
):
    response = officer_client.post(
        reverse("meetings:attendance_edit", args=[held.pk]),
        {"attended": [held.attendees.get(stakeholder=stayed_away).pk]},
        follow=True,
    )

    assert response.redirect_chain == [(held.get_absolute_url(), 302)]
    body = response.content.decode()
    assert "Attendance saved" in body
    assert body.count("Did not attend") == 2  # Ama Owusu and the colleague
    assert list(Interaction.objects.get().stakeholders.all()) == [stayed_away]


def test_unticking_every_stakeholder_on_the_page_says_why_and_keeps_the_record(officer_client, held, came):
    response = officer_client.post(reverse("meetings:attendance_edit", args=[held.pk]), {})

    assert response.status_code == 200
    assert "Tick at least one stakeholder who attended" in response.content.decode()
    assert list(Interaction.objects.get().stakeholders.all()) == [came]


def test_a_planned_meetings_attendance_page_leads_back_to_it(officer_client, officer, came):
    planned = services.meeting_schedule(
        organiser=officer, title="Later", starts_at=hours_ago(2), ends_at=hours_ago(1), stakeholders=[came]
    )

    response = officer_client.get(reverse("meetings:attendance_edit", args=[planned.pk]), follow=True)

    assert response.redirect_chain == [(planned.get_absolute_url(), 302)]


def test_the_meeting_list_marks_who_was_absent_without_hiding_them(
    officer_client, officer, held, came, stayed_away, django_assert_max_num_queries
):
    # Session, user, the user's groups; past meetings with organiser, organisation and series; their guests.
    with django_assert_max_num_queries(5):
        body = officer_client.get(reverse("meetings:list"), {"when": "past"}).content.decode()

    row = re.sub(r"\s+", " ", body[body.find("Harbour consultation") :])
    assert ">Ama Owusu</a>, <a" in row
    assert '>Kofi Boateng</a> <span class="badge subtle">absent</span>' in row


def test_a_correction_is_refused_when_the_timeline_entry_is_not_the_correctors_to_edit(
    officer, manager, other_officer, came, stayed_away
):
    """The manager recorded it held and made its entry confidential: the organiser may not open it to the
    owner of someone marked present by changing who is on it."""
    theirs = StakeholderFactory(owner=other_officer, name="Lindiwe Dube")
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=hours_ago(26),
        ends_at=hours_ago(25),
        stakeholders=[theirs, stayed_away],
    )
    held = services.meeting_mark_held(
        meeting=meeting, actor=manager, attended=[meeting.attendees.get(stakeholder=theirs)]
    )
    Interaction.objects.filter(pk=held.interaction_id).update(is_confidential=True)

    with pytest.raises(ValidationError, match="ask them or their manager"):
        services.meeting_attendance_correct(meeting=held, actor=officer, attended=held.attendees.all())

    assert list(Interaction.objects.get().stakeholders.all()) == [theirs]
    assert not Interaction.objects.visible_to(officer).exists()
    assert held.attendees.get(stakeholder=stayed_away).attended is False


def test_attendance_is_corrected_without_promising_a_timeline_when_its_entry_was_deleted(
    officer_client, officer, held, came, stayed_away
):
    interaction_delete(interaction=Interaction.objects.get(), actor=officer)
    page = officer_client.get(reverse("meetings:attendance_edit", args=[held.pk])).content.decode()
    assert "timeline entry was deleted" in page

    response = officer_client.post(
        reverse("meetings:attendance_edit", args=[held.pk]),
        {
            "attended": [
                held.attendees.get(stakeholder=came).pk,
                held.attendees.get(stakeholder=stayed_away).pk,
            ]
        },
        follow=True,
    )

    assert "Attendance saved." in response.content.decode()
    assert "timelines follow" not in response.content.decode()
    assert held.attendees.get(stakeholder=stayed_away).attended is True
