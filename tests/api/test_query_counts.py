"""Each API list page runs the same small number of queries however many rows it returns."""

import pytest

from ..factories import AffiliationFactory, InteractionFactory, OrganisationFactory, StakeholderFactory
from .conftest import client_with_token, token_for

pytestmark = pytest.mark.django_db

# Every token request starts with: the token with its user; recording its first use.
REQUEST_OVERHEAD = 2


def populate(officer, rows):
    for _ in range(rows):
        organisation = OrganisationFactory()
        stakeholder = StakeholderFactory(owner=officer)
        AffiliationFactory(stakeholder=stakeholder, organisation=organisation)
        stakeholder.tags.create(name=f"tag-{stakeholder.pk}")
        organisation.tags.add(*stakeholder.tags.all())
        interaction = InteractionFactory(
            logged_by=officer, stakeholders=[stakeholder], organisation=organisation
        )
        interaction.staff_present.add(officer)
        interaction.topics.add(*stakeholder.tags.all())


@pytest.fixture
def fresh_api(officer):
    return lambda: client_with_token(token_for(officer))


@pytest.mark.parametrize("rows", [3, 12])
def test_stakeholder_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the page of stakeholders; their tags; their positions with organisations.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        response = api.get("/api/v1/stakeholders/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_stakeholder_search(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the page of matches (ranked); their tags; their positions with organisations.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        api.get("/api/v1/stakeholders/", {"search": "a"})


@pytest.mark.parametrize("rows", [3, 12])
def test_interaction_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the user's groups (confidentiality); the page of interactions; their stakeholders; staff present;
    # topics.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 5):
        response = api.get("/api/v1/interactions/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_organisation_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # organisations with people counts; their tags.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 2):
        response = api.get("/api/v1/organisations/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_user_list(officer, fresh_api, django_assert_max_num_queries, rows):
    for _ in range(rows):
        StakeholderFactory()  # each brings an owner
    api = fresh_api()
    # the user's groups (admins also see inactive users); the page of users; their roles.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        api.get("/api/v1/users/")


@pytest.mark.parametrize("rows", [3, 12])
def test_tag_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the page of tags.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 1):
        api.get("/api/v1/tags/")
