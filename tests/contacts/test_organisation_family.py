"""An organisation's family: itself and its departments at any depth, as every page and report reads it."""

import pytest
from django.db import connection
from django.urls import reverse

from contacts.models import Organisation

from ..factories import AffiliationFactory, InteractionFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministry():
    """Ministry of Transport → Roads Directorate → Bridges Unit, under a government, beside a ministry."""
    government = OrganisationFactory(name="Government")
    ministry = OrganisationFactory(name="Ministry of Transport", parent=government)
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    OrganisationFactory(name="Bridges Unit", parent=roads)
    OrganisationFactory(name="Ministry of Health", parent=government)
    return ministry


def names(organisations):
    return sorted(organisation.name for organisation in organisations)


def test_an_organisations_family_is_itself_and_its_departments_at_any_depth(ministry):
    roads = Organisation.objects.get(name="Roads Directorate")

    assert names(Organisation.objects.family_of(ministry)) == [
        "Bridges Unit",
        "Ministry of Transport",
        "Roads Directorate",
    ]
    assert names(Organisation.objects.family_of(roads)) == ["Bridges Unit", "Roads Directorate"]


@pytest.fixture
def looped():
    """Three organisations whose parents go round in a loop, written past the forms' and imports' checks:
    only an organisation being its own parent is refused by the database."""
    first, second, third = (OrganisationFactory(name=name) for name in ("First", "Second", "Third"))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_organisation SET parent_id = CASE id WHEN %s THEN %s WHEN %s THEN %s ELSE %s END"
            " WHERE id IN (%s, %s, %s)",
            [first.pk, third.pk, second.pk, first.pk, second.pk, first.pk, second.pk, third.pk],
        )
        # Were the walk to go round for ever, the test fails here instead of hanging the run.
        cursor.execute("SET LOCAL statement_timeout = '5s'")
    return first


def test_parents_in_a_loop_end_the_family_instead_of_hanging(looped):
    assert names(Organisation.objects.family_of(looped)) == ["First", "Second", "Third"]


def test_an_organisations_page_opens_when_its_departments_loop_back_to_it(officer_client, officer, looped):
    third = Organisation.objects.get(name="Third")
    AffiliationFactory(organisation=third, stakeholder=StakeholderFactory(name="Ama Owusu"))
    InteractionFactory(logged_by=officer, organisation=third, summary="Call about the loop")

    page = officer_client.get(looped.get_absolute_url()).content.decode()

    assert "Ama Owusu" in page and "Call about the loop" in page


def test_the_stakeholder_list_of_an_organisation_includes_people_in_its_departments_at_any_depth(
    officer_client, ministry
):
    """As the organisation page's "All people here and in its departments" link promises."""
    for organisation, name in [
        (ministry, "Ama Owusu"),
        (Organisation.objects.get(name="Bridges Unit"), "Kofi Mensah"),
        (Organisation.objects.get(name="Ministry of Health"), "Efua Asante"),
    ]:
        AffiliationFactory(organisation=organisation, stakeholder=StakeholderFactory(name=name))

    response = officer_client.get(reverse("contacts:stakeholder_list"), {"organisation": ministry.pk})

    assert names(response.context["page"]) == ["Ama Owusu", "Kofi Mensah"]
