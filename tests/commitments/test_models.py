"""The commitments register's invariants hold in the database, whoever writes the row."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments.models import Commitment, CommitmentStatus

from ..factories import CommitmentFactory, InteractionFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_a_commitment_made_both_in_an_interaction_and_at_a_meeting(officer):
    interaction = InteractionFactory(logged_by=officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentFactory(source_interaction=interaction, source_meeting=MeetingFactory(organiser=officer))


def test_database_refuses_a_fulfilled_commitment_without_the_date_it_was_fulfilled():
    commitment = CommitmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status=CommitmentStatus.FULFILLED)


def test_database_refuses_a_fulfilment_date_on_a_commitment_that_is_not_fulfilled():
    commitment = CommitmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(fulfilled_at=timezone.now())


def test_an_open_commitment_past_its_due_date_is_overdue():
    late = CommitmentFactory(due_on=timezone.localdate() - dt.timedelta(days=1))
    due_today = CommitmentFactory(due_on=timezone.localdate())
    undated = CommitmentFactory(due_on=None)
    kept = CommitmentFactory(
        due_on=timezone.localdate() - dt.timedelta(days=5),
        status=CommitmentStatus.FULFILLED,
        fulfilled_at=timezone.now(),
    )

    assert list(Commitment.objects.overdue()) == [late]
    assert late.is_overdue
    assert not due_today.is_overdue and not undated.is_overdue and not kept.is_overdue


def test_the_register_lists_the_soonest_due_first_and_undated_ones_last():
    undated = CommitmentFactory(due_on=None)
    later = CommitmentFactory(due_on=timezone.localdate() + dt.timedelta(days=30))
    sooner = CommitmentFactory(due_on=timezone.localdate() + dt.timedelta(days=2))
    assert list(Commitment.objects.by_urgency()) == [sooner, later, undated]


def test_an_agreement_is_listed_by_its_renewal_date_and_flagged_a_month_before():
    renewal = CommitmentFactory(due_on=None, renews_on=timezone.localdate() + dt.timedelta(days=20))
    later = CommitmentFactory(due_on=timezone.localdate() + dt.timedelta(days=40))
    far_renewal = CommitmentFactory(due_on=None, renews_on=timezone.localdate() + dt.timedelta(days=200))

    assert list(Commitment.objects.by_urgency()) == [renewal, later, far_renewal]
    assert renewal.renewal_due and not far_renewal.renewal_due
    assert not renewal.is_overdue
