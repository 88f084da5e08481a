"""Services called with any values: they save, or raise ValidationError and leave the database as it was.

Text here is what a JSON body or a file can carry, lone surrogates included, and numbers are any integers.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from contacts import services as contacts
from contacts.models import Stakeholder
from interactions.services import interaction_log
from meetings.services import meeting_schedule

from ..factories import StakeholderFactory
from .strategies import any_text, examples, rolled_back
from .test_forms import row_counts

pytestmark = pytest.mark.django_db

small_numbers = st.one_of(st.integers(min_value=-(2**40), max_value=2**40), st.none())


def saves_or_refuses(call):
    """Runs a service in a savepoint: it returns, or it refuses with ValidationError and writes nothing."""
    with rolled_back():
        before = row_counts()
        try:
            result = call()
        except ValidationError:
            assert row_counts() == before, "a refused write leaves nothing behind"
            return None
        assert result.pk is not None
        return result


def test_stakeholder_create_saves_or_refuses(officer):
    @given(
        name=any_text,
        notes=any_text,
        emails=st.lists(any_text, max_size=3),
        phones=st.lists(any_text, max_size=3),
        tags=st.lists(any_text, max_size=3),
        influence=small_numbers,
        contact_cadence_days=small_numbers,
        time_zone=st.one_of(st.just("Europe/London"), any_text),
    )
    # One that saves, so reading it back is checked on every run and not only when chance finds one.
    @example(
        name="0", notes="", emails=[], phones=[], tags=[], influence=None, contact_cadence_days=None,
        time_zone="Europe/London",
    )  # fmt: skip
    @examples
    def check(name, notes, emails, phones, tags, influence, contact_cadence_days, time_zone):
        fields = {"influence": influence} if influence is not None else {}

        def create_and_read_back():
            stakeholder = contacts.stakeholder_create(
                actor=officer, name=name, notes=notes, emails=emails, phones=phones, tags=tags,
                contact_cadence_days=contact_cadence_days, time_zone=time_zone, **fields,
            )  # fmt: skip
            # Read inside the example's savepoint: it is rolled back when the example ends.
            assert Stakeholder.objects.filter(pk=stakeholder.pk, name=name).exists()
            return stakeholder

        saves_or_refuses(create_and_read_back)

    check()


def test_organisation_create_saves_or_refuses(officer):
    @given(name=any_text, kind=st.one_of(st.just("partner"), any_text), website=any_text, country=any_text)
    @examples
    def check(name, kind, website, country):
        saves_or_refuses(
            lambda: contacts.organisation_create(
                actor=officer, name=name, kind=kind, website=website, country=country
            )
        )

    check()


def test_interaction_log_saves_or_refuses(officer):
    stakeholder = StakeholderFactory(owner=officer)

    @given(
        summary=any_text,
        kind=st.one_of(st.just("call"), any_text),
        sentiment=small_numbers,
        topics=st.lists(any_text, max_size=3),
        days_ago=st.integers(min_value=-3650, max_value=3650),
    )
    @examples
    def check(summary, kind, sentiment, topics, days_ago):
        fields = {"sentiment": sentiment} if sentiment is not None else {}
        saves_or_refuses(
            lambda: interaction_log(
                author=officer, stakeholders=[stakeholder], summary=summary, kind=kind, topics=topics,
                occurred_at=timezone.now() - dt.timedelta(days=days_ago), **fields,
            )
        )  # fmt: skip

    check()


def test_meeting_schedule_saves_or_refuses(officer):
    guest = StakeholderFactory(owner=officer, emails=["guest@example.org"])

    @given(
        title=any_text,
        location=any_text,
        time_zone=st.one_of(st.just("Europe/London"), any_text),
        hours=st.integers(min_value=-48, max_value=48),
        length=st.integers(min_value=-120, max_value=600),
    )
    @examples
    def check(title, location, time_zone, hours, length):
        starts_at = timezone.now() + dt.timedelta(hours=hours)
        saves_or_refuses(
            lambda: meeting_schedule(
                organiser=officer, title=title, location=location, time_zone=time_zone, stakeholders=[guest],
                starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=length),
            )
        )  # fmt: skip

    check()


@pytest.mark.parametrize("text", ["Ama\x00Owusu", "Ama\ud800Owusu"])
def test_text_postgresql_cannot_store_is_refused_by_the_service_not_the_database(officer, text):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        contacts.stakeholder_create(actor=officer, name=text)
    assert "name" in refused.value.message_dict
    with pytest.raises(ValidationError):
        contacts.stakeholder_create(actor=officer, name="Ama Owusu", phones=[text])
    with pytest.raises(ValidationError):
        contacts.stakeholder_create(actor=officer, name="Ama Owusu", tags=[text])
    assert row_counts() == before
