"""A save PostgreSQL aborts because of another one at the same moment — a deadlock, a serialization failure, a
lock not granted in time — is answered "nothing was changed, try again": a 503 with a short Retry-After, as a
page of the site, a few words for htmx or JSON under /api/. Nothing of it is saved, sending it again works,
and any other database error is answered as before (tests/test_outages.py)."""

import logging
import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from psycopg import errors as postgres_errors

from api.idempotency import hold
from api.models import IdempotencyRecord
from contacts.models import Objective, Stakeholder
from liaison_crm.outages import server_error
from liaison_crm.save_collisions import retried_on_save_collision
from meetings import services as meeting_services
from meetings.models import Meeting
from outbox.models import OutboundMessage

from .concurrency import wait_until_waiting_for_a_lock
from .factories import StakeholderFactory
from .meetings.test_views import form_data, in_days
from .postgres_aborts import postgres_aborting, postgres_aborts, postgres_stops_aborting

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Someone else was saving related records at the same moment, so nothing was changed. Please try again."
)
OBJECTIVES_API = "/api/v1/objectives/"


@pytest.fixture
def person(officer):
    return StakeholderFactory(owner=officer)


def test_a_form_aborted_by_a_deadlock_is_a_page_of_the_site_saying_to_try_again(officer_client, person):
    postgres_aborts(Stakeholder, on="UPDATE")

    response = officer_client.post(
        reverse("contacts:objective_add", args=[person.pk]), {"description": "Win their endorsement"}
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.templates[0].name == "save_collision.html"
    page = response.content.decode()
    assert MESSAGE in page
    assert 'aria-label="Main"' in page
    assert not Objective.objects.exists()


def test_a_form_aborted_by_a_deadlock_is_saved_once_when_sent_again(officer_client, person):
    url = reverse("contacts:objective_add", args=[person.pk])
    form = {"description": "Win their endorsement", "submission_key": "5b0e7c1d-key"}
    postgres_aborts(Stakeholder, on="UPDATE")
    assert officer_client.post(url, form).status_code == 503
    postgres_stops_aborting(Stakeholder)

    again = officer_client.post(url, form)
    twice = officer_client.post(url, form)

    assert again.status_code == twice.status_code == 302
    assert person.objectives.get().description == "Win their endorsement"


def test_an_htmx_action_aborted_by_a_deadlock_is_a_503_the_page_reports(officer_client, person):
    postgres_aborts(Stakeholder, on="UPDATE")

    response = officer_client.post(
        reverse("contacts:objective_add", args=[person.pk]),
        {"description": "Win their endorsement"},
        HTTP_HX_REQUEST="true",
    )

    # static/js/app.js says a 503 answer to htmx changed nothing and is to be tried again (base.html's
    # data-request-not-kept); the part of the page it was to replace stays as it was.
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.content.decode() == MESSAGE
    assert not Objective.objects.exists()


@pytest.mark.parametrize("condition", ["deadlock_detected", "serialization_failure", "lock_not_available"])
def test_an_api_write_aborted_by_another_save_is_a_json_503_with_a_stable_code(
    officer_client, person, condition
):
    postgres_aborts(Stakeholder, on="UPDATE", condition=condition)

    response = officer_client.post(
        OBJECTIVES_API,
        {"stakeholder": person.pk, "description": "Win their endorsement"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="0d6a1f3e-key",
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"detail": MESSAGE, "code": "save_collision"}
    assert not Objective.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_an_api_write_aborted_by_a_deadlock_goes_through_when_sent_again(officer_client, person):
    sent = {
        "path": OBJECTIVES_API,
        "data": {"stakeholder": person.pk, "description": "Win their endorsement"},
        "content_type": "application/json",
        "HTTP_IDEMPOTENCY_KEY": "0d6a1f3e-key",
    }
    postgres_aborts(Stakeholder, on="UPDATE")
    assert officer_client.post(**sent).status_code == 503
    postgres_stops_aborting(Stakeholder)

    again = officer_client.post(**sent)

    assert again.status_code == 201
    assert person.objectives.get().pk == again.json()["id"]


def test_a_save_collision_is_logged_as_a_warning_without_a_traceback(officer_client, person, caplog):
    postgres_aborts(Stakeholder, on="UPDATE")

    with caplog.at_level(logging.INFO):
        officer_client.post(
            reverse("contacts:objective_add", args=[person.pk]), {"description": "Win their endorsement"}
        )

    [record] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert record.name == "liaison_crm.save_collisions"
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "SQLSTATE 40P01" in record.getMessage()


def test_any_other_database_error_is_answered_as_before(officer_client, person):
    # A statement cancelled by statement_timeout: an OperationalError too, but the database being slow.
    postgres_aborts(Stakeholder, on="UPDATE", condition="query_canceled")
    officer_client.raise_request_exception = False

    page = officer_client.post(
        reverse("contacts:objective_add", args=[person.pk]), {"description": "Win their endorsement"}
    )
    api = officer_client.post(
        OBJECTIVES_API,
        {"stakeholder": person.pk, "description": "Win their endorsement"},
        content_type="application/json",
    )

    assert page.status_code == api.status_code == 503
    assert page["Retry-After"] == api["Retry-After"] == "30"
    assert b"briefly unavailable" in page.content
    assert api.json()["code"] == "service_unavailable"
    assert not Objective.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_between_a_form_and_another_save_is_answered_and_the_other_save_goes_through(
    client, officer
):
    """The form's request holds its submission's lock (liaison_crm.submissions) and waits for the
    stakeholder's row, which another transaction holds while it waits for the submission's lock."""
    person = StakeholderFactory(owner=officer)
    key = "9c4d2b7a-key"
    stakeholder_locked = threading.Event()
    other_save_done = threading.Event()

    def other_save():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # PostgreSQL looks for a deadlock once a session has waited deadlock_timeout (1 s), and
                    # aborts the session that looked: the request, which waits first, rather than this one.
                    cursor.execute("SET LOCAL deadlock_timeout = '20s'")
                Stakeholder.objects.select_for_update().get(pk=person.pk)
                stakeholder_locked.set()
                wait_until_waiting_for_a_lock(1)
                hold(officer, f"form:{key}")
            other_save_done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_save)
    thread.start()
    try:
        assert stakeholder_locked.wait(30)
        client.force_login(officer)
        response = client.post(
            reverse("contacts:objective_add", args=[person.pk]),
            {"description": "Win their endorsement", "submission_key": key},
        )
    finally:
        thread.join(30)

    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert other_save_done.is_set()
    assert not Objective.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_collision_at_commit_is_answered_nothing_was_changed_without_the_success_message(client, officer):
    """The view has queued "Objective added" when PostgreSQL aborts the transaction as it commits."""
    person = StakeholderFactory(owner=officer)
    client.force_login(officer)

    with postgres_aborting(Objective, at_commit=True):
        response = client.post(
            reverse("contacts:objective_add", args=[person.pk]),
            {"description": "Win their endorsement", "submission_key": "3e8f5a20-key"},
        )

    assert response.status_code == 503
    page = response.content.decode()
    assert MESSAGE in page
    assert "Objective added" not in page
    assert not Objective.objects.exists()


def test_the_success_message_of_a_form_aborted_by_a_deadlock_is_shown_on_no_page(officer_client, person):
    # The form's key is remembered last, after the view queued its success message.
    form = {"description": "Win their endorsement", "submission_key": "7a1c9e44-key"}
    with postgres_aborting(IdempotencyRecord):
        response = officer_client.post(reverse("contacts:objective_add", args=[person.pk]), form)

    assert response.status_code == 503
    assert "Objective added" not in response.content.decode()
    assert "Objective added" not in officer_client.get(person.get_absolute_url()).content.decode()
    assert not Objective.objects.exists()


def schedule_meeting(organiser, guest) -> Meeting:
    return meeting_services.meeting_schedule(
        organiser=organiser,
        title="Harbour consultation",
        starts_at=in_days(3, 10),
        ends_at=in_days(3, 11),
        stakeholders=[guest],
        time_zone="Europe/London",
    )


@pytest.mark.django_db(transaction=True)
def test_a_collision_raised_after_a_meeting_edit_was_saved_is_an_error_not_nothing_was_changed(
    client, officer, caplog
):
    """The guests' updated invitations are written once the edit commits; another save aborting them
    every time leaves the edit saved."""
    guest = StakeholderFactory(owner=officer, emails=["ama@example.org"])
    meeting = schedule_meeting(officer, guest)
    client.force_login(officer)
    client.raise_request_exception = False

    with postgres_aborting(OutboundMessage):
        response = client.post(
            reverse("meetings:edit", args=[meeting.pk]), form_data([guest], title="Harbour talks, moved")
        )

    assert response.status_code == 500
    assert MESSAGE not in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.title == "Harbour talks, moved"
    [error] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert error.name == "django.request"
    assert error.exc_info is not None


@pytest.mark.django_db(transaction=True)
def test_an_htmx_reply_saved_before_its_reminders_collided_is_a_500_not_nothing_was_changed(client, officer):
    """static/js/app.js tells the officer to reload and see what was saved for a 500, and that nothing was
    changed only for a 503."""
    guest = StakeholderFactory(owner=officer, emails=["ama@example.org"])
    attendee = schedule_meeting(officer, guest).attendees.get()
    # Reminders already there would be changed, not added: with none, the reply adds them.
    OutboundMessage.objects.filter(kind="meeting_reminder").delete()
    client.force_login(officer)
    client.raise_request_exception = False

    with postgres_aborting(OutboundMessage):
        response = client.post(
            reverse("meetings:rsvp", args=[attendee.meeting_id, attendee.pk]),
            {"rsvp": "accepted"},
            HTTP_HX_REQUEST="true",
        )

    assert response.status_code == 500
    assert MESSAGE not in response.content.decode()
    attendee.refresh_from_db()
    assert attendee.rsvp == "accepted"


@pytest.mark.django_db(transaction=True)
def test_an_api_client_is_not_told_to_send_again_a_meeting_saved_before_a_collision(client, officer):
    guest = StakeholderFactory(owner=officer, emails=["ama@example.org"])
    client.force_login(officer)
    client.raise_request_exception = False

    with postgres_aborting(OutboundMessage):
        response = client.post(
            "/api/v1/meetings/",
            {
                "title": "Site visit planning",
                "starts_at": in_days(5, 14).isoformat(),
                "ends_at": in_days(5, 15).isoformat(),
                "stakeholders": [guest.pk],
            },
            content_type="application/json",
        )

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert b"save_collision" not in response.content
    assert Meeting.objects.count() == 1


def raised_as_django_raises_it(sqlstate_error: type[Exception]) -> OperationalError:
    try:
        try:
            raise sqlstate_error("aborted for the test")
        except sqlstate_error as cause:
            raise OperationalError("aborted for the test") from cause
    except OperationalError as error:
        return error


@pytest.mark.parametrize("path", ["/api/v1/objectives/", "/stakeholders/"])
def test_a_collision_raised_outside_the_views_is_answered_nothing_was_changed(path):
    request = RequestFactory().post(path)
    try:
        raise raised_as_django_raises_it(postgres_errors.DeadlockDetected)
    except OperationalError:
        response = server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert MESSAGE in response.content.decode()


def test_work_aborted_by_another_save_is_tried_again():
    tries = []

    def work():
        tries.append(len(tries) + 1)
        if len(tries) < 3:
            raise raised_as_django_raises_it(postgres_errors.SerializationFailure)

    retried_on_save_collision(work)

    assert tries == [1, 2, 3]


def test_work_still_aborted_on_its_last_try_raises_the_collision():
    tries = []

    def work():
        tries.append(len(tries) + 1)
        raise raised_as_django_raises_it(postgres_errors.LockNotAvailable)

    with pytest.raises(OperationalError):
        retried_on_save_collision(work)
    assert tries == [1, 2, 3]


def test_work_that_fails_otherwise_is_not_tried_again():
    tries = []

    def work():
        tries.append(len(tries) + 1)
        raise raised_as_django_raises_it(postgres_errors.QueryCanceled)

    with pytest.raises(OperationalError):
        retried_on_save_collision(work)
    assert tries == [1]


@pytest.mark.django_db(transaction=True)
def test_work_whose_own_commit_hook_collided_is_not_done_again(officer):
    """The collision came from a callback `work` left to run once its transaction committed: `work` was
    saved, and a second try would save it twice."""
    hook_tries = []

    def reminders_written():
        hook_tries.append(len(hook_tries) + 1)
        raise raised_as_django_raises_it(postgres_errors.DeadlockDetected)

    def work():
        StakeholderFactory(owner=officer)
        transaction.on_commit(reminders_written)

    with pytest.raises(OperationalError):
        retried_on_save_collision(work)

    assert hook_tries == [1]
    assert Stakeholder.objects.count() == 1
