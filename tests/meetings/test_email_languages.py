"""Stakeholders receive a meeting's emails in the first of their languages the emails are translated into;
staff, and stakeholders who speak none of those, in English."""

import datetime as dt
import zoneinfo

import icalendar
import pytest

from contacts import services as contacts_services
from meetings import services
from meetings.models import Meeting
from outbox.models import OutboundMessage

from ..factories import StakeholderFactory
from ..mail import deliver_due

pytestmark = pytest.mark.django_db

# A Monday in March, winter time in Paris and Berlin, far enough ahead for its reminders.
STARTS = dt.datetime(2030, 3, 4, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))


def _guest(officer, *, email, languages, time_zone, **fields):
    return StakeholderFactory(
        owner=officer, emails=[email], languages=languages, time_zone=time_zone, **fields
    )


@pytest.fixture
def french(officer):
    return _guest(
        officer,
        email="claire@example.fr",
        languages=["fr", "en"],
        time_zone="Europe/Paris",
        form_of_address="Madame Lefèvre",
    )


def schedule(organiser, stakeholders, **fields):
    fields.setdefault("title", "Revue du partenariat")
    fields.setdefault("starts_at", STARTS)
    fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(hours=1))
    fields.setdefault("time_zone", "Europe/Paris")
    return services.meeting_schedule(organiser=organiser, stakeholders=stakeholders, **fields)


def _message(kind, to):
    return OutboundMessage.objects.get(kind=kind, to=to)


def _description(message) -> str:
    (event,) = icalendar.Calendar.from_ical(message.attachment_list[0].content).walk("VEVENT")
    return str(event["DESCRIPTION"])


def test_a_french_speaking_stakeholder_is_invited_in_french(
    officer, colleague, french, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(
            officer,
            [french],
            staff=[colleague],
            location="Salle 4",
            purpose="Préparer la signature",
            agenda=[services.AgendaEntry(title="Budget", minutes_allotted=20)],
        )

    invitation = _message("meeting_invitation", "claire@example.fr")
    assert invitation.subject == "Invitation : Revue du partenariat — lun. 4 mars 2030, 10:00 CET"
    assert invitation.body.startswith("Bonjour Madame Lefèvre,\n\n")
    assert f"{officer} vous invite à une réunion." in invitation.body
    assert "Date :  lundi 4 mars 2030, 10:00\N{EN DASH}11:00 (Europe/Paris)" in invitation.body
    # "Objet :" alone read as the email's subject line.
    purpose = "Lieu :  Salle 4\n\nObjet de la réunion :\nPréparer la signature\n\nOrdre du jour :"
    assert purpose in invitation.body
    assert "Ordre du jour :\n1. Budget (20 min)" in invitation.body
    assert "Ouvrez le fichier invite.ics ci-joint" in invitation.body
    assert "Ordre du jour :" in _description(invitation)
    assert "Monday" not in invitation.body and "March" not in invitation.body


def test_staff_and_english_speakers_invited_with_a_french_speaking_stakeholder_are_invited_in_english(
    officer, colleague, french, django_capture_on_commit_callbacks
):
    in_london = _guest(officer, email="ruth@example.org", languages=["en", "fr"], time_zone="Europe/London")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(
            officer, [french, in_london], staff=[colleague], agenda=[services.AgendaEntry(title="Budget")]
        )

    for to in (colleague.email, "ruth@example.org"):
        invitation = _message("meeting_invitation", to)
        assert invitation.subject.startswith("Invitation: Revue du partenariat — Mon 04 Mar 2030 ")
        assert f"{officer} invites you to a meeting." in invitation.body
        assert "When:   Monday 4 March 2030, " in invitation.body
        assert "Agenda:" in _description(invitation)
    assert "Ordre du jour :" in _description(_message("meeting_invitation", "claire@example.fr"))


def test_a_stakeholder_is_written_to_in_the_first_of_their_languages_the_emails_are_translated_into(
    officer, django_capture_on_commit_callbacks
):
    in_berlin = _guest(officer, email="jonas@example.de", languages=["ja", "de"], time_zone="Europe/Berlin")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, [in_berlin], location="Raum 4")

    invitation = _message("meeting_invitation", "jonas@example.de")
    assert invitation.subject == "Einladung: Revue du partenariat — Mo., 4. März 2030, 10:00 CET"
    assert invitation.body.startswith(f"Guten Tag {in_berlin.name},\n\n")
    assert "Termin: Montag, 4. März 2030, 10:00\N{EN DASH}11:00 (Europe/Berlin)" in invitation.body
    assert "Ort:    Raum 4" in invitation.body


def test_a_stakeholder_speaking_none_of_the_translated_languages_is_written_to_in_english(
    officer, django_capture_on_commit_callbacks
):
    in_tokyo = _guest(officer, email="kenji@example.jp", languages=["ja"], time_zone="Asia/Tokyo")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, [in_tokyo])

    invitation = _message("meeting_invitation", "kenji@example.jp")
    assert invitation.subject == "Invitation: Revue du partenariat — Mon 04 Mar 2030 18:00 JST"
    assert invitation.body.startswith(f"Hello {in_tokyo.name},\n\n")
    assert "When:   Monday 4 March 2030, 18:00\N{EN DASH}19:00 (Asia/Tokyo)" in invitation.body


def test_a_series_invitation_counts_its_meetings_in_the_readers_language(
    officer, django_capture_on_commit_callbacks
):
    in_madrid = _guest(officer, email="lucia@example.es", languages=["es"], time_zone="Europe/Madrid")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, [in_madrid], frequency="weekly", count=4)

    invitation = _message("meeting_invitation", "lucia@example.es")
    assert invitation.subject == "Invitación: Revue du partenariat — lun. 4 de marzo de 2030, 10:00 CET"
    assert "Fecha:  lunes, 4 de marzo de 2030, 10:00\N{EN DASH}11:00 (Europe/Madrid)" in invitation.body
    assert "Se repite: cada semana, 4 veces" in invitation.body


def test_a_spanish_speaking_stakeholder_is_greeted_without_a_gendered_word(
    officer, django_capture_on_commit_callbacks
):
    """ "Estimado/a" guessed at a gender, as the French "Bonjour" and German "Guten Tag" do not."""
    titled = _guest(
        officer,
        email="lucia@example.es",
        languages=["es"],
        time_zone="Europe/Madrid",
        form_of_address="Dra. Ruiz",
    )
    untitled = _guest(officer, email="mateo@example.es", languages=["es"], time_zone="Europe/Madrid")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, [titled, untitled])

    assert _message("meeting_invitation", "lucia@example.es").body.startswith("Buenos días, Dra. Ruiz:\n\n")
    assert _message("meeting_invitation", "mateo@example.es").body.startswith(
        f"Buenos días, {untitled.name}:\n\n"
    )


@pytest.mark.parametrize("language", ["en", "fr", "es", "de"])
@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"purpose": "Budget 2031"},
        {"agenda": [services.AgendaEntry(title="Budget")]},
        {"purpose": "Budget 2031", "frequency": "weekly", "count": 4},
    ],
    ids=["bare", "purpose", "agenda", "series"],
)
def test_an_invitation_leaves_one_blank_line_after_when_and_where(
    officer, django_capture_on_commit_callbacks, language, fields
):
    """The When/Where block ends its last line itself: the invitation added a line break of its own after
    it, and the next paragraph came two blank lines down."""
    guest = _guest(officer, email="guest@example.org", languages=[language], time_zone="Europe/Paris")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, [guest], location="Salle 4", **fields)

    body = _message("meeting_invitation", "guest@example.org").body
    assert "\n\n\n" not in body
    assert "Salle 4\n\n" in body


def test_a_french_speaking_stakeholder_is_told_in_french_what_changed(
    officer, french, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, [french], location="Salle 4")
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting,
            actor=officer,
            starts_at=STARTS + dt.timedelta(days=1),
            ends_at=STARTS + dt.timedelta(days=1, hours=1),
            location="Maison du port",
        )

    update = OutboundMessage.objects.get(
        kind="meeting_invitation", to="claire@example.fr", subject__startswith="Invitation mise à jour : "
    )
    assert "Les informations de cette réunion ont changé." in update.body
    assert (
        "Date :  auparavant lun. 4 mars 2030, 10:00\N{EN DASH}11:00,"
        " désormais mar. 5 mars 2030, 10:00\N{EN DASH}11:00 (Europe/Paris)"
    ) in update.body
    assert "Lieu :  auparavant Salle 4, désormais Maison du port" in update.body


def test_a_french_speaking_stakeholder_is_reminded_in_french(
    officer, french, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, [french], reminder_minutes=[60])

    reminder = _message("meeting_reminder", "claire@example.fr")
    assert reminder.subject == "Rappel : Revue du partenariat — lun. 4 mars 2030, 10:00 CET"
    assert "Nous vous rappelons la réunion suivante :" in reminder.body
    assert "Date :  lundi 4 mars 2030, 10:00" in reminder.body


def test_a_standing_reminder_is_written_again_in_a_stakeholders_new_language_when_reminders_are_requeued(
    officer, french, django_capture_on_commit_callbacks
):
    """The reminder's key left out its language: requeued after her languages changed, the French reminder
    was kept as still wanted."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, [french], reminder_minutes=[60])
    contacts_services.stakeholder_update(stakeholder=french, actor=officer, languages=["de", "fr"])
    with django_capture_on_commit_callbacks(execute=True):
        services.attendee_respond(
            attendee=meeting.attendees.get(stakeholder=french), actor=officer, rsvp="accepted"
        )

    pending = OutboundMessage.objects.filter(kind="meeting_reminder", status="pending")
    assert [reminder.subject for reminder in pending] == [
        "Erinnerung: Revue du partenariat — Mo., 4. März 2030, 10:00 CET"
    ]


def test_a_french_speaking_stakeholder_is_told_in_french_of_a_cancellation(
    officer, french, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, [french])
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, actor=officer)

    cancellation = _message("meeting_cancellation", "claire@example.fr")
    assert cancellation.subject == "Réunion annulée : Revue du partenariat — lun. 4 mars 2030, 10:00 CET"
    assert "Cette réunion est annulée :" in cancellation.body
    assert "Le fichier cancel.ics ci-joint la retire de votre agenda." in cancellation.body


def test_a_french_speaking_stakeholder_is_sent_the_follow_up_in_french(
    officer, colleague, french, django_capture_on_commit_callbacks
):
    meeting = schedule(officer, [french], staff=[colleague])
    held_on = dt.datetime(2025, 3, 3, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=held_on, ends_at=held_on + dt.timedelta(hours=1))
    meeting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_mark_held(
            meeting=meeting,
            actor=officer,
            decisions=["Signer le protocole"],
            actions=[
                services.ActionEntry(
                    description="Diffuser le texte", owner_user=colleague, due_on=dt.date(2031, 1, 15)
                )
            ],
        )

    follow_up = _message("meeting_follow_up", "claire@example.fr")
    assert follow_up.subject == "Suivi de réunion : Revue du partenariat"
    assert (
        "Nous vous remercions de votre participation à « Revue du partenariat » le lundi 3 mars 2025."
        in follow_up.body
    )
    assert "Décisions :\n- Signer le protocole" in follow_up.body
    by_then = "d\N{RIGHT SINGLE QUOTATION MARK}ici le 15 janvier 2031"
    assert f"- Diffuser le texte — {colleague}, {by_then}" in follow_up.body
    to_colleague = _message("meeting_follow_up", colleague.email)
    assert to_colleague.subject == "Follow-up: Revue du partenariat"
    assert f"- Diffuser le texte — {colleague}, by 15 January 2031" in to_colleague.body


@pytest.mark.parametrize(
    ("change", "to", "subject"),
    [
        (
            {"languages": ["de", "fr"]},
            "claire@example.fr",
            "Erinnerung: Revue du partenariat — Mo., 4. März 2030, 10:00 CET",
        ),
        (
            {"emails": ["claire.lefevre@example.fr"]},
            "claire.lefevre@example.fr",
            "Rappel : Revue du partenariat — lun. 4 mars 2030, 10:00 CET",
        ),
        (
            {"time_zone": "America/Montreal"},
            "claire@example.fr",
            "Rappel : Revue du partenariat — lun. 4 mars 2030, 04:00 EST",
        ),
    ],
    ids=["languages", "address", "time_zone"],
)
def test_a_stakeholders_standing_reminders_follow_a_change_of_address_language_or_time_zone(
    officer, french, django_capture_on_commit_callbacks, change, to, subject
):
    """Written when queued: before, they went out as queued, to an address she no longer reads or at a time
    of day in a zone she had left."""
    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, [french], reminder_minutes=[60])
    with django_capture_on_commit_callbacks(execute=True):
        contacts_services.stakeholder_update(stakeholder=french, actor=officer, **change)

    pending = OutboundMessage.objects.filter(kind="meeting_reminder", status="pending")
    assert [(reminder.to, reminder.subject) for reminder in pending] == [(to, subject)]
