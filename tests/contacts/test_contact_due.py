"""Contact falls due a cadence after the day of the last contact on the reader's own calendar."""

import datetime as dt

import pytest
from django.urls import reverse

from contacts.models import Stakeholder

from ..conftest import login
from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

# 08:30 on 10 June in Tokyo, still the 9th in UTC and in London.
LAST_CONTACT = dt.datetime(2026, 6, 9, 23, 30, tzinfo=dt.UTC)


@pytest.fixture
def in_tokyo(officer):
    officer.time_zone = "Asia/Tokyo"
    officer.save()
    return officer


@pytest.fixture
def stakeholder(in_tokyo):
    stakeholder = StakeholderFactory(owner=in_tokyo, contact_cadence_days=30)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(
        created_at=LAST_CONTACT - dt.timedelta(days=100), last_contacted_at=LAST_CONTACT
    )
    return stakeholder


def overdue_list(client):
    return list(client.get(reverse("contacts:stakeholder_list"), {"overdue": "true"}).context["page"])


def test_contact_falls_due_a_cadence_after_the_readers_day_of_the_last_contact(
    client, in_tokyo, stakeholder, time_machine
):
    time_machine.move_to(dt.datetime(2026, 7, 10, 1, 0, tzinfo=dt.UTC), tick=False)  # 10:00, 10 July, Tokyo
    login(client, in_tokyo)

    page = client.get(stakeholder.get_absolute_url()).content.decode()
    assert "Due today" in page
    assert overdue_list(client) == []
    # The API reads and writes every date in UTC, whoever calls it.
    api = client.get(f"/api/v1/stakeholders/{stakeholder.pk}/").json()
    assert api["contact_due_on"] == "2026-07-09"


def test_the_day_after_it_is_overdue_on_the_list_and_the_page(client, in_tokyo, stakeholder, time_machine):
    time_machine.move_to(dt.datetime(2026, 7, 11, 1, 0, tzinfo=dt.UTC), tick=False)
    login(client, in_tokyo)

    assert overdue_list(client) == [stakeholder]
    assert "Overdue by" in client.get(stakeholder.get_absolute_url()).content.decode()


def test_my_day_counts_going_stale_on_the_readers_calendar(client, in_tokyo, stakeholder, time_machine):
    """Due 10 July in Tokyo: due within the week from 3 July there, not yet on 2 July."""
    login(client, in_tokyo)
    time_machine.move_to(dt.datetime(2026, 7, 2, 1, 0, tzinfo=dt.UTC), tick=False)
    assert list(client.get(reverse("dashboards:my_day")).context["stale"]) == []

    time_machine.move_to(dt.datetime(2026, 7, 3, 1, 0, tzinfo=dt.UTC), tick=False)
    assert list(client.get(reverse("dashboards:my_day")).context["stale"]) == [stakeholder]


def test_how_long_overdue_or_until_due_counts_days_on_the_readers_calendar(
    client, in_tokyo, stakeholder, officer, time_machine
):
    """Due 10 July in Tokyo. At 07:30 on 11 July there it is a day overdue, though London is still on the
    10th; at 22:30 on 9 July in London (7 July's contact there), it is due the next day, not in an hour."""
    time_machine.move_to(dt.datetime(2026, 7, 10, 22, 30, tzinfo=dt.UTC), tick=False)
    login(client, in_tokyo)
    assert "Overdue by 1\xa0day<" in client.get(stakeholder.get_absolute_url()).content.decode()

    in_tokyo.time_zone = "Europe/London"
    in_tokyo.save()
    Stakeholder.objects.filter(pk=stakeholder.pk).update(
        last_contacted_at=dt.datetime(2026, 6, 9, 12, 0, tzinfo=dt.UTC), contact_cadence_days=31
    )
    time_machine.move_to(dt.datetime(2026, 7, 9, 21, 30, tzinfo=dt.UTC), tick=False)
    assert "Due in 1\xa0day<" in client.get(stakeholder.get_absolute_url()).content.decode()
