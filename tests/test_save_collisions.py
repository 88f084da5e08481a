"""A save PostgreSQL aborts because of another one at the same moment — a deadlock, a serialization failure, a
lock not granted in time — is answered "nothing was changed, try again": a 503 with a short Retry-After, as a
page of the site, a few words for htmx or JSON under /api/. Nothing of it is saved, sending it again works,
and any other database error is answered as before (tests/test_outages.py)."""

import logging
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from api.idempotency import hold
from api.models import IdempotencyRecord
from contacts.models import Objective, Stakeholder

from .concurrency import wait_until_waiting_for_a_lock
from .factories import StakeholderFactory

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Someone else was saving related records at the same moment, so nothing was changed. Please try again."
)
OBJECTIVES_API = "/api/v1/objectives/"


def postgres_aborts_stakeholder_changes(condition: str) -> None:
    """From now on, in this test's transaction, PostgreSQL aborts any change to a stakeholder's row with the
    error `condition` (a PL/pgSQL condition name), as it aborts the victim of a deadlock. Adding an objective
    changes the stakeholder's row last (contacts.services.stakeholders_touch), after adding the objective:
    what is aborted then is a transaction that has already written."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION pg_temp.abort_the_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'aborted for the test' USING ERRCODE = '{condition}';
            END $$;
            CREATE TRIGGER abort_the_change AFTER UPDATE ON {Stakeholder._meta.db_table}
                FOR EACH ROW EXECUTE FUNCTION pg_temp.abort_the_change();
            """
        )


def postgres_lets_stakeholder_changes_through() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER abort_the_change ON {Stakeholder._meta.db_table}")


@pytest.fixture
def person(officer):
    return StakeholderFactory(owner=officer)


def test_a_form_aborted_by_a_deadlock_is_a_page_of_the_site_saying_to_try_again(officer_client, person):
    postgres_aborts_stakeholder_changes("deadlock_detected")

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
    postgres_aborts_stakeholder_changes("deadlock_detected")
    assert officer_client.post(url, form).status_code == 503
    postgres_lets_stakeholder_changes_through()

    again = officer_client.post(url, form)
    twice = officer_client.post(url, form)

    assert again.status_code == twice.status_code == 302
    assert person.objectives.get().description == "Win their endorsement"


def test_an_htmx_action_aborted_by_a_deadlock_is_a_503_the_page_reports(officer_client, person):
    postgres_aborts_stakeholder_changes("deadlock_detected")

    response = officer_client.post(
        reverse("contacts:objective_add", args=[person.pk]),
        {"description": "Win their endorsement"},
        HTTP_HX_REQUEST="true",
    )

    # static/js/app.js says any 5xx answer to htmx changed nothing and is to be tried again (base.html's
    # data-request-failed); the part of the page it was to replace stays as it was.
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.content.decode() == MESSAGE
    assert not Objective.objects.exists()


@pytest.mark.parametrize("condition", ["deadlock_detected", "serialization_failure", "lock_not_available"])
def test_an_api_write_aborted_by_another_save_is_a_json_503_with_a_stable_code(
    officer_client, person, condition
):
    postgres_aborts_stakeholder_changes(condition)

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
    postgres_aborts_stakeholder_changes("deadlock_detected")
    assert officer_client.post(**sent).status_code == 503
    postgres_lets_stakeholder_changes_through()

    again = officer_client.post(**sent)

    assert again.status_code == 201
    assert person.objectives.get().pk == again.json()["id"]


def test_a_save_collision_is_logged_as_a_warning_without_a_traceback(officer_client, person, caplog):
    postgres_aborts_stakeholder_changes("deadlock_detected")

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
    postgres_aborts_stakeholder_changes("query_canceled")
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
