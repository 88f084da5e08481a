import pytest

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/affiliations/"


def test_owner_adds_a_primary_position_and_the_mark_moves(officer_api, officer):
    person = StakeholderFactory(owner=officer)
    first = AffiliationFactory(stakeholder=person, is_primary=True)
    response = officer_api.post(
        LIST,
        {
            "stakeholder": person.pk,
            "organisation": OrganisationFactory().pk,
            "role": "Chair",
            "is_primary": True,
        },
    )
    assert response.status_code == 201, response.content
    first.refresh_from_db()
    assert first.is_primary is False


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("manager", 201), ("other_manager", 403)])
def test_positions_follow_the_stakeholder_edit_rule(api_as, officer, who, status):
    person = StakeholderFactory(owner=officer)
    response = api_as(who).post(LIST, {"stakeholder": person.pk, "organisation": OrganisationFactory().pk})
    assert response.status_code == status


def test_a_position_cannot_move_to_another_person(officer_api, officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    other = StakeholderFactory(owner=officer)
    response = officer_api.patch(f"{LIST}{position.pk}/", {"stakeholder": other.pk})
    assert response.status_code == 400
    assert "stakeholder" in response.json()


def test_end_date_before_start_is_a_field_error(officer_api, officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer), start_date="2024-05-01")
    response = officer_api.post(f"{LIST}{position.pk}/end/", {"end_date": "2024-01-01"})
    assert response.status_code == 400
    assert "end_date" in response.json()


def test_positions_are_not_deleted(officer_api, officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    assert officer_api.delete(f"{LIST}{position.pk}/").status_code == 405
