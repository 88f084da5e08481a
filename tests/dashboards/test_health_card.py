"""The stakeholder page's health card: the score, why, since when, and the map."""

import datetime as dt

import pytest
from django.urls import reverse

from contacts.models import Stakeholder
from dashboards import services
from dashboards.models import HealthSnapshot

from ..factories import StakeholderFactory
from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed(officer):
    stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=30)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(
        created_at=days_ago(400), last_contacted_at=days_ago(45)
    )
    return stakeholder


def test_the_card_shows_the_score_and_what_took_points_off(officer_client, lapsed):
    services.health_snapshot_take()

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert "Relationship health" in page
    assert ">80<" in page  # 15 days overdue on 30: 40 * 15 // 30 = 20 off
    assert "Overdue by 15 days on a 30-day cadence." in page
    assert "\u221220" in page  # minus sign
    assert reverse("dashboards:stakeholder_map", args=[lapsed.pk]) in page


def test_the_card_says_when_the_relationship_turned(officer_client, officer, lapsed):
    for days_back, score, band in ((3, 75, "green"), (2, 65, "amber"), (1, 65, "amber")):
        HealthSnapshot.objects.create(
            stakeholder=lapsed, day=TODAY - dt.timedelta(days=days_back), owner=officer,
            influence=3, interest=3, score=score, band=band,
        )  # fmt: skip

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    assert f"Turned amber on {(TODAY - dt.timedelta(days=2)):%-d %b %Y}; it was green." in page


def test_a_stakeholder_not_yet_scored_says_so(officer_client, lapsed):
    assert "Not scored yet" in officer_client.get(lapsed.get_absolute_url()).content.decode()


def test_the_health_line_says_in_words_where_it_started_and_ended(officer_client, officer, lapsed):
    for days_back, score, band in ((3, 75, "green"), (1, 65, "amber")):
        HealthSnapshot.objects.create(
            stakeholder=lapsed, day=TODAY - dt.timedelta(days=days_back), owner=officer,
            influence=3, interest=3, score=score, band=band,
        )  # fmt: skip

    page = officer_client.get(lapsed.get_absolute_url()).content.decode()

    first, last = TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=1)
    assert f'role="img" aria-label="Health 75 on {first:%-d %b}, 65 on {last:%-d %b}"' in page
