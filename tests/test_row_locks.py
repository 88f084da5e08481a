"""Row locks (liaison_crm.row_locks): a write locks its record's row once, for as long as the lock lasts."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from contacts.models import Stakeholder
from liaison_crm.row_locks import lock_for_update, read_locked

from .api.conftest import client_with_token, token_for
from .concurrency import all_at_once
from .factories import MeetingFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def row_locks(queries, table):
    return [
        q["sql"]
        for q in queries
        if " FOR " in q["sql"] and "UPDATE" in q["sql"] and f'FROM "{table}"' in q["sql"]
    ]


def test_updating_a_stakeholder_through_the_api_locks_it_once(officer):
    """The view set locked the row, then the service locked it again: two round trips, two lock modes."""
    stakeholder = StakeholderFactory(owner=officer)
    api = client_with_token(token_for(officer))
    with CaptureQueriesContext(connection) as queries:
        response = api.patch(f"/api/v1/stakeholders/{stakeholder.pk}/", {"notes": "met at the port"})
    assert response.status_code == 200
    assert len(row_locks(queries, "contacts_stakeholder")) == 1


def test_cancelling_a_meeting_through_the_api_locks_it_once(officer):
    meeting = MeetingFactory(organiser=officer)
    api = client_with_token(token_for(officer))
    with CaptureQueriesContext(connection) as queries:
        response = api.post(f"/api/v1/meetings/{meeting.pk}/cancel/", {})
    assert response.status_code == 200, response.json()
    assert len(row_locks(queries, "meetings_meeting")) == 1


def test_a_lock_given_up_with_its_savepoint_is_taken_again():
    stakeholder = StakeholderFactory()
    with transaction.atomic():
        with transaction.atomic():
            record = read_locked(Stakeholder.objects.all(), pk=stakeholder.pk)
            transaction.set_rollback(True)
        with CaptureQueriesContext(connection) as queries:
            lock_for_update(record)
    assert len(row_locks(queries, "contacts_stakeholder")) == 1


def test_a_record_read_locked_is_not_locked_again_in_its_transaction():
    stakeholder = StakeholderFactory()
    with transaction.atomic():
        record = read_locked(Stakeholder.objects.all(), pk=stakeholder.pk)
        with CaptureQueriesContext(connection) as queries:
            lock_for_update(record)
    assert queries.captured_queries == []


@pytest.mark.django_db(transaction=True)
def test_two_api_writes_with_the_same_if_match_at_once_the_second_is_refused():
    """Locked once, by the view set, the ETag is still compared with what the first write saved."""
    officer = UserFactory()
    stakeholder = StakeholderFactory(owner=officer, notes="first")
    key = token_for(officer)
    url = f"/api/v1/stakeholders/{stakeholder.pk}/"
    etag = client_with_token(key).get(url)["ETag"]
    answers = []

    def write(notes):
        return lambda: answers.append(client_with_token(key).patch(url, {"notes": notes}, HTTP_IF_MATCH=etag))

    all_at_once(write("one"), write("two"))

    assert sorted(answer.status_code for answer in answers) == [200, 412]
    saved = next(answer for answer in answers if answer.status_code == 200).json()["notes"]
    stakeholder.refresh_from_db()
    assert stakeholder.notes == saved
