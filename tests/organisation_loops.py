"""Organisations whose parents loop, written past the checks (only being one's own parent is refused by the
database), and a guard that fails a test going round such a loop instead of hanging the run."""

import contextlib
import signal

import pytest
from django.db import connection

from contacts.models import Organisation

from .factories import OrganisationFactory

# What the forms, the API and the services say of a parent whose own parents loop (Organisation.clean).
LOOP_ABOVE = "The parent's own parents loop back on themselves"


def loop_of_two() -> Organisation:
    """A and B, each the other's parent; A is returned."""
    first, second = OrganisationFactory(name="A"), OrganisationFactory(name="B")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_organisation SET parent_id = CASE id WHEN %s THEN %s ELSE %s END"
            " WHERE id IN (%s, %s)",
            [first.pk, second.pk, first.pk, first.pk, second.pk],
        )
    return Organisation.objects.get(pk=first.pk)


@contextlib.contextmanager
def fails_instead_of_hanging(seconds: int = 5):
    """Inside the test's transaction: a walk going round a loop for ever fails the test after `seconds`, in
    SQL by the statement timeout, in Python (a query per parent, say) by an alarm."""

    def still_walking(signum, frame):
        pytest.fail(f"Still going round after {seconds} s")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = %s", [f"{seconds}s"])
    previous = signal.signal(signal.SIGALRM, still_walking)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
