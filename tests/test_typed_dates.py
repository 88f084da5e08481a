"""Dates a person types on a record fall between 1950 and fifty years ahead; the records' own forms, API
and imports say so (their tests show it); here, the bounds themselves."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from concerns.services import concern_raise
from interactions.services import interaction_log
from liaison_crm.typed_dates import validate_typed_date

from .factories import StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 10, 11, 0, tzinfo=dt.UTC), tick=False)


@pytest.mark.parametrize("value", [dt.date(1950, 1, 1), dt.date(2076, 6, 10), dt.date(1988, 4, 1), None])
def test_dates_from_1950_to_fifty_years_ahead_are_accepted(value):
    validate_typed_date(value)


@pytest.mark.parametrize("value", [dt.date(1949, 12, 31), dt.date(2076, 6, 11), dt.date(1, 1, 1)])
def test_dates_outside_them_are_refused_naming_the_range(value):
    with pytest.raises(ValidationError, match=r"^\['Enter a date from 1 Jan 1950 to 10 Jun 2076.'\]$"):
        validate_typed_date(value)


def test_a_time_is_judged_by_its_day():
    with pytest.raises(ValidationError):
        validate_typed_date(dt.datetime(1900, 1, 1, 10, tzinfo=dt.UTC))


def test_the_services_refuse_them_on_the_field(officer):
    stakeholder = StakeholderFactory(owner=officer)

    with pytest.raises(ValidationError) as refused:
        concern_raise(actor=officer, stakeholder=stakeholder, title="Noise", raised_on=dt.date(1900, 1, 1))
    assert set(refused.value.message_dict) == {"raised_on"}

    with pytest.raises(ValidationError) as refused:
        interaction_log(
            author=officer, stakeholders=[stakeholder], summary="Call", kind="call",
            occurred_at=dt.datetime(1900, 1, 1, 10, tzinfo=dt.UTC),
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"occurred_at"}
