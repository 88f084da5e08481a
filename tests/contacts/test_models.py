import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Affiliation, Organisation, Stakeholder

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field,value", [("influence", 0), ("influence", 6), ("interest", 9)])
def test_database_refuses_ratings_outside_one_to_five(field, value):
    stakeholder = StakeholderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.filter(pk=stakeholder.pk).update(**{field: value})


def test_database_refuses_a_cadence_of_zero_days():
    stakeholder = StakeholderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.filter(pk=stakeholder.pk).update(contact_cadence_days=0)


def test_database_refuses_an_archived_stakeholder_without_an_archive_date():
    stakeholder = StakeholderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.filter(pk=stakeholder.pk).update(is_archived=True)


def test_a_person_has_at_most_one_current_primary_position():
    first = AffiliationFactory(is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Affiliation.objects.create(
            stakeholder=first.stakeholder, organisation=OrganisationFactory(), is_primary=True
        )


def test_past_primary_positions_do_not_block_a_new_primary_one():
    past = AffiliationFactory(is_primary=True, start_date=dt.date(2020, 1, 1), end_date=dt.date(2022, 1, 1))
    Affiliation.objects.create(
        stakeholder=past.stakeholder, organisation=OrganisationFactory(), is_primary=True
    )
    assert past.stakeholder.affiliations.count() == 2


def test_a_position_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        AffiliationFactory(start_date=dt.date(2024, 5, 1), end_date=dt.date(2024, 4, 1))


def test_an_organisation_cannot_be_its_own_parent():
    organisation = OrganisationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(parent=organisation)


def test_contact_falls_due_cadence_days_after_the_last_contact():
    last = timezone.now() - dt.timedelta(days=40)
    stakeholder = StakeholderFactory(contact_cadence_days=30, last_contacted_at=last)
    stakeholder.refresh_from_db()
    assert stakeholder.contact_due_on == (last.astimezone(dt.UTC).date() + dt.timedelta(days=30))
    assert stakeholder.is_overdue_for_contact


def test_a_never_contacted_stakeholder_falls_due_cadence_days_after_being_added():
    stakeholder = StakeholderFactory(contact_cadence_days=14)
    stakeholder.refresh_from_db()
    assert stakeholder.contact_due_on == stakeholder.created_at.astimezone(dt.UTC).date() + dt.timedelta(
        days=14
    )
    assert not stakeholder.is_overdue_for_contact


def test_a_stakeholder_without_cadence_is_never_overdue():
    stakeholder = StakeholderFactory(
        contact_cadence_days=None, last_contacted_at=timezone.now() - dt.timedelta(days=900)
    )
    stakeholder.refresh_from_db()
    assert stakeholder.contact_due_on is None
    assert not stakeholder.is_overdue_for_contact
