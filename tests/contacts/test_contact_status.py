"""The contact status a stakeholder's row and page show: overdue, due today or due in a while."""

import datetime as dt
from unittest import mock

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import formats, translation

from contacts.models import Stakeholder

from ..conftest import login
from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

# A day no other test is on: the statuses worked out for it are this module's alone.
TODAY = dt.datetime(2031, 3, 14, 12, 0, tzinfo=dt.UTC)


def status(stakeholder) -> str:
    template = engines["django"].from_string("{% load crm_display %}{% contact_status s %}")
    return template.render({"s": stakeholder})


def due_in(days: int, **fields):
    """A stakeholder whose contact falls due `days` after TODAY (on a 30-day cadence)."""
    stakeholder = StakeholderFactory(contact_cadence_days=30, **fields)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(
        last_contacted_at=TODAY + dt.timedelta(days=days - 30), created_at=TODAY - dt.timedelta(days=400)
    )
    return Stakeholder.objects.get(pk=stakeholder.pk)


def test_the_list_formats_a_due_day_its_rows_share_once(client, officer, time_machine):
    time_machine.move_to(TODAY, tick=False)
    for _ in range(6):
        due_in(9, owner=officer)
    login(client, officer)

    with mock.patch.object(formats, "localize", wraps=formats.localize) as localize:
        page = client.get(reverse("contacts:stakeholder_list")).content.decode()
        client.get(reverse("contacts:stakeholder_list"))

    assert page.count("Due in 1\xa0week") == 6
    days_formatted = [call for call in localize.call_args_list if type(call.args[0]) is dt.date]
    assert len(days_formatted) == 1


def test_the_status_is_the_readers_today_and_language(time_machine):
    time_machine.move_to(TODAY, tick=False)
    stakeholder = due_in(-15)

    assert ">Overdue by 2\xa0weeks</span>" in status(stakeholder)
    with translation.override("fr"):
        assert "2\xa0semaines" in status(stakeholder)
    time_machine.move_to(TODAY - dt.timedelta(days=15), tick=False)
    assert ">Due today</span>" in status(stakeholder)
    time_machine.move_to(TODAY - dt.timedelta(days=16), tick=False)
    assert ">Due in 1\xa0day</span>" in status(stakeholder)


def test_a_stakeholder_without_a_cadence_has_no_status(time_machine):
    time_machine.move_to(TODAY, tick=False)
    stakeholder = StakeholderFactory(contact_cadence_days=None)

    assert status(stakeholder) == '<span class="muted">No cadence</span>'
