"""The HTML forms with anything typed into them: invalid input is a form with errors, valid input is saved,
and nothing — NUL bytes, huge or odd Unicode, impossible dates and numbers — is ever a server error.

Through the test client, so a form, its service and the page that shows its errors are all exercised.
"""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.models import Affiliation, Organisation, Stakeholder, Tag
from interactions.models import Interaction
from meetings.models import Meeting
from outbox.models import OutboundMessage

from ..factories import OrganisationFactory, StakeholderFactory
from ..interactions.test_views import log_data
from ..meetings.test_views import form_data as meeting_data
from .strategies import date_text, examples, form_text, number_text, rolled_back

pytestmark = pytest.mark.django_db

MODELS = (Stakeholder, Organisation, Tag, Affiliation, Interaction, Meeting, OutboundMessage)


def row_counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def mixed(valid: dict, wild: dict) -> st.SearchStrategy:
    """A valid form with one field changed (so that what one field lets through reaches the service), or with
    any of its fields changed."""
    one = st.sampled_from(sorted(wild)).flatmap(
        lambda name: wild[name].map(lambda value: {**valid, name: value})
    )
    many = st.fixed_dictionaries(
        {name: st.one_of(st.just(valid.get(name, "")), strategy) for name, strategy in wild.items()}
    ).map(lambda changed: {**valid, **changed})
    return st.one_of(one, many)


def post(client, url, data):
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    return response


def test_each_baseline_is_valid_so_that_the_properties_also_exercise_saving(officer_client, officer):
    guest = StakeholderFactory(owner=officer, emails=["guest@example.org"])
    organisation = OrganisationFactory()
    for url, data in [
        (reverse("contacts:stakeholder_create"), stakeholder_data(officer, organisation)),
        (reverse("contacts:organisation_create"), organisation_data()),
        (reverse("interactions:log"), log_data(guest)),
        (reverse("meetings:create"), {**meeting_data([guest]), "frequency": "", "count": ""}),
    ]:
        response = officer_client.post(url, data)
        assert response.status_code == 302, (url, response.context and response.context["form"].errors)


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Northern Water Authority")


def stakeholder_data(officer, organisation):
    return {
        "name": "Ama Owusu",
        "form_of_address": "Dr",
        "emails": "ama@example.org",
        "phones": "+44 20 7946 0000",
        "owner": officer.pk,
        "time_zone": "Europe/London",
        "preferred_channel": "email",
        "preferred_hours": "",
        "cultural_notes": "",
        "communication_notes": "",
        "influence": "3",
        "interest": "4",
        "engagement_level": "consult",
        "contact_cadence_days": "30",
        "notes": "",
        "tags": "Water, Harbour",
        "organisation": organisation.pk,
        "role": "Director",
        "not_a_duplicate": "1",
    }


STAKEHOLDER_WILD = {
    **dict.fromkeys(
        ["name", "form_of_address", "emails", "phones", "time_zone", "preferred_channel", "preferred_hours",
         "cultural_notes", "communication_notes", "engagement_level", "notes", "tags", "role", "owner",
         "organisation"],
        form_text,
    ),
    **dict.fromkeys(["influence", "interest", "contact_cadence_days"], number_text),
}  # fmt: skip


def test_the_stakeholder_form_saves_what_is_valid_and_explains_the_rest(
    officer_client, officer, organisation
):
    @given(data=mixed(stakeholder_data(officer, organisation), STAKEHOLDER_WILD))
    @settings(examples, max_examples=10)  # its page is the heaviest to render (hundreds of options)
    def check(data):
        with rolled_back():
            before = row_counts()
            response = post(officer_client, reverse("contacts:stakeholder_create"), data)
            after = row_counts()
            if response.status_code == 302:
                saved = Stakeholder.objects.latest("pk")
                assert saved.name == data["name"].strip()
                assert after["Stakeholder"] == before["Stakeholder"] + 1
            else:
                assert response.context["form"].errors or response.context.get("candidates")
                assert after == before, "a refused form writes nothing"

    check()


def organisation_data():
    return {
        "name": "Harbour Trust",
        "kind": "partner",
        "parent": "",
        "sector": "Maritime",
        "website": "https://harbour.example.org",
        "country": "GB",
        "address": "1 Quay Street",
        "notes": "",
        "tags": "Harbour",
    }


ORGANISATION_WILD = dict.fromkeys(
    ["name", "kind", "parent", "sector", "website", "country", "address", "notes", "tags"], form_text
)


def test_the_organisation_form_saves_what_is_valid_and_explains_the_rest(officer_client):
    @given(data=mixed(organisation_data(), ORGANISATION_WILD))
    @examples
    def check(data):
        with rolled_back():
            before = row_counts()
            response = post(officer_client, reverse("contacts:organisation_create"), data)
            after = row_counts()
            if response.status_code == 302:
                assert Organisation.objects.latest("pk").name == data["name"].strip()
            else:
                assert response.context["form"].errors
                assert after == before

    check()


INTERACTION_WILD = {
    **dict.fromkeys(
        [
            "kind",
            "direction",
            "summary",
            "outcome",
            "follow_up_note",
            "topics",
            "organisation",
            "stakeholders",
        ],
        form_text,
    ),
    "sentiment": number_text,
    "occurred_at": date_text,
    "follow_up_on": date_text,
}


def test_the_interaction_log_form_saves_what_is_valid_and_explains_the_rest(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)

    @given(data=mixed(log_data(stakeholder), INTERACTION_WILD))
    @examples
    def check(data):
        with rolled_back():
            before = row_counts()
            response = post(officer_client, reverse("interactions:log"), data)
            after = row_counts()
            if response.status_code == 302:
                assert Interaction.objects.latest("pk").summary == data["summary"].strip()
            else:
                assert after == before

    check()


MEETING_WILD = {
    **dict.fromkeys(
        ["title", "purpose", "time_zone", "location", "stakeholders", "reminders", "agenda-0-title",
         "agenda-TOTAL_FORMS", "frequency"],
        form_text,
    ),
    "starts_at": date_text,
    "ends_at": date_text,
    "agenda-0-minutes_allotted": number_text,
    "count": number_text,
}  # fmt: skip


def test_the_meeting_form_saves_what_is_valid_and_explains_the_rest(officer_client, officer):
    guest = StakeholderFactory(owner=officer, emails=["guest@example.org"])

    @given(data=mixed({**meeting_data([guest]), "frequency": "", "count": ""}, MEETING_WILD))
    @settings(examples, max_examples=15)  # a valid one builds invitations and calendar files
    def check(data):
        with rolled_back():
            before = row_counts()
            response = post(officer_client, reverse("meetings:create"), data)
            after = row_counts()
            if response.status_code == 302:
                assert Meeting.objects.latest("pk").title == data["title"].strip()
            else:
                assert after == before

    check()


NUL_CASES = [
    *(("stakeholder", name) for name in sorted(STAKEHOLDER_WILD)),
    *(("organisation", name) for name in sorted(ORGANISATION_WILD)),
    *(("interaction", name) for name in ["summary", "outcome", "notes", "follow_up_note", "topics"]),
    *(("meeting", name) for name in ["title", "purpose", "location", "agenda-0-title"]),
]


@pytest.mark.parametrize(("form", "field"), NUL_CASES)
def test_a_nul_character_in_any_field_is_a_form_error_not_a_server_error(
    officer_client, officer, form, field
):
    guest = StakeholderFactory(owner=officer, emails=["guest@example.org"])
    url, data = {
        "stakeholder": (
            reverse("contacts:stakeholder_create"),
            stakeholder_data(officer, OrganisationFactory()),
        ),
        "organisation": (reverse("contacts:organisation_create"), organisation_data()),
        "interaction": (reverse("interactions:log"), log_data(guest)),
        "meeting": (reverse("meetings:create"), {**meeting_data([guest]), "frequency": "", "count": ""}),
    }[form]
    before = row_counts()
    response = officer_client.post(url, {**data, field: "Ama\x00Owusu"})
    assert response.status_code == 200
    assert row_counts() == before
