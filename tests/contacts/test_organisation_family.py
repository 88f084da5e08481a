"""An organisation's family: itself and its departments at any depth, as every page and report reads it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Affiliation, Organisation, Stakeholder
from contacts.querysets import people_counts as people_counted

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


def people_counts(response) -> dict[str, int]:
    return {organisation.name: organisation.people_count for organisation in response.context["page"]}


def test_the_organisation_list_counts_the_people_of_each_family_at_any_depth(officer_client, ministry):
    """A ministry counted only its own people, though its page lists those of its units two levels down; a
    person working in two of a family's organisations is one of its people."""
    bridges = Organisation.objects.get(name="Bridges Unit")
    inspector = StakeholderFactory(name="Kofi Mensah")
    for organisation, person in [
        (bridges, StakeholderFactory(name="Ama Owusu")),
        (ministry, inspector),
        (bridges, inspector),
        (Organisation.objects.get(name="Ministry of Health"), StakeholderFactory(name="Efua Asante")),
    ]:
        AffiliationFactory(organisation=organisation, stakeholder=person, is_primary=False)

    listed = officer_client.get(reverse("contacts:organisation_list"))
    page = officer_client.get(ministry.get_absolute_url()).content.decode()

    assert people_counts(listed) == {
        "Government": 3,
        "Ministry of Transport": 2,
        "Roads Directorate": 2,
        "Bridges Unit": 2,
        "Ministry of Health": 1,
    }
    assert 'Roads Directorate</a> <small class="muted">2 people' in page


def test_people_counts_end_when_parents_loop(officer_client, looped):
    AffiliationFactory(organisation=Organisation.objects.get(name="Third"), stakeholder=StakeholderFactory())

    listed = officer_client.get(reverse("contacts:organisation_list"))

    assert people_counts(listed) == {"First": 1, "Second": 1, "Third": 1}


def test_people_counts_find_each_familys_people_by_the_indexes_however_many_heads(officer):
    """PostgreSQL guesses each level of the families ten times the one above: for a page of 50
    organisations it read every current position and every person (550 ms against 40 ms at 100,000
    people), and joined each level of departments by reading the whole register. Here a register of a
    few thousand rows, analysed as PostgreSQL would know it: 200 ministries, each with two directorates of
    two units, and three people working in each organisation."""
    ministries = Organisation.objects.bulk_create(Organisation(name=f"Ministry {n}") for n in range(200))
    directorates = Organisation.objects.bulk_create(
        Organisation(name=f"{ministry.name} directorate {n}", parent=ministry)
        for ministry in ministries
        for n in range(2)
    )
    units = Organisation.objects.bulk_create(
        Organisation(name=f"{directorate.name} unit {n}", parent=directorate)
        for directorate in directorates
        for n in range(2)
    )
    organisations = ministries + directorates + units
    people = Stakeholder.objects.bulk_create(
        Stakeholder(name=f"Officer {n}", owner=officer, contact_cadence_days=30)
        for n in range(3 * len(organisations))
    )
    Affiliation.objects.bulk_create(
        Affiliation(stakeholder=person, organisation=organisations[n // 3], role="Officer")
        for n, person in enumerate(people)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_organisation, contacts_stakeholder, contacts_affiliation")

    # One organisation's page, a few, a page of the list, a chunk of the export.
    for heads in (ministries[:1], ministries[:3], ministries[:50], ministries):
        with CaptureQueriesContext(connection) as queries:
            counts = people_counted([ministry.pk for ministry in heads])
        assert counts == {ministry.pk: 21 for ministry in heads}

        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {queries[-1]['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan" not in plan, (len(heads), plan)
        assert "Index Cond: (parent_id = " in plan, (len(heads), plan)
        assert "affiliation_org_current" in plan, (len(heads), plan)
