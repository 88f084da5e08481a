"""A background rebuild runs one at a time, and a request for one is taken at most once a minute."""

import datetime as dt

import pytest
from django.db import connection
from django.db.transaction import TransactionManagementError

from contacts.models import DuplicateCheck
from contacts.tasks import check_duplicates
from liaison_crm.refreshes import (
    LOCK_SPACE,
    REQUEST_PATIENCE,
    RefreshLock,
    refresh_answered,
    refresh_lock,
    refresh_request,
)

pytestmark = pytest.mark.django_db


def advisory_locks_held() -> set[tuple[int, int]]:
    """The two-number advisory locks this connection holds (objsubid 2 in pg_locks)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT classid::bigint, objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND objsubid = 2 AND pid = pg_backend_pid()"
        )
        return set(cursor.fetchall())


def test_a_rebuild_holds_its_own_lock_until_its_transaction_ends():
    refresh_lock(RefreshLock.DUPLICATES_CHECK)

    assert advisory_locks_held() == {(LOCK_SPACE, 740_101)}


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_since_it_would_hold_nothing():
    with pytest.raises(TransactionManagementError):
        refresh_lock(RefreshLock.HEALTH_SUMMARY)


def test_a_request_queues_the_rebuild_once_a_minute(time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC), tick=False)
    DuplicateCheck.objects.create(pk=1)
    rows = DuplicateCheck.objects.filter(pk=1)

    with django_capture_on_commit_callbacks() as queued:
        assert refresh_request(rows, task=check_duplicates) is True
        time_machine.shift(REQUEST_PATIENCE - dt.timedelta(seconds=1))
        assert refresh_request(rows, task=check_duplicates) is False
        time_machine.shift(dt.timedelta(seconds=1))
        assert refresh_request(rows, task=check_duplicates) is True

    assert queued == [check_duplicates.delay, check_duplicates.delay]
    assert rows.get().requested_at == dt.datetime(2026, 5, 4, 9, 1, tzinfo=dt.UTC)


def test_a_rebuild_answers_only_the_requests_made_before_it_began(time_machine):
    began = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
    DuplicateCheck.objects.create(pk=1, requested_at=began)
    DuplicateCheck.objects.create(pk=2, requested_at=began + dt.timedelta(seconds=1))

    refresh_answered(DuplicateCheck.objects.all(), started_at=began)

    assert dict(DuplicateCheck.objects.values_list("pk", "requested_at")) == {
        1: None,
        2: began + dt.timedelta(seconds=1),
    }
