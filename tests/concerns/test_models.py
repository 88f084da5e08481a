"""The concerns register's invariants hold in the database, whoever writes the row."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from concerns.models import Concern, ConcernStatus

from ..factories import ConcernFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_a_resolved_concern_without_a_resolution():
    concern = ConcernFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.filter(pk=concern.pk).update(
            status=ConcernStatus.RESOLVED, resolved_at=timezone.now()
        )


def test_database_refuses_a_resolved_concern_without_the_date_it_was_resolved():
    concern = ConcernFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.filter(pk=concern.pk).update(status=ConcernStatus.RESOLVED, resolution="Apologised")


def test_database_refuses_a_resolution_date_on_an_unresolved_concern():
    concern = ConcernFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.filter(pk=concern.pk).update(resolved_at=timezone.now())


@pytest.mark.parametrize("severity", [0, 5])
def test_database_refuses_a_severity_off_the_scale(severity):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConcernFactory(severity=severity)


def test_an_earlier_resolution_may_stay_on_a_reopened_concern():
    concern = ConcernFactory(resolution="Agreed quieter delivery hours", status=ConcernStatus.OPEN)
    assert Concern.objects.filter(pk=concern.pk).exists()


def test_the_register_lists_the_most_severe_first_then_the_longest_waiting():
    today = timezone.localdate()
    low = ConcernFactory(severity=1, raised_on=today.replace(day=1))
    critical_newer = ConcernFactory(severity=4, raised_on=today)
    critical_older = ConcernFactory(severity=4, raised_on=today.replace(day=1))
    assert list(Concern.objects.by_urgency()) == [critical_older, critical_newer, low]
