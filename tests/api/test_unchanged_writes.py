"""A PATCH or PUT that changes nothing — an empty body, or values the record already has — is no change: the
record's updated_at and ETag stay, so a sync by `updated_since` does not fetch it again for nothing."""

import pytest

from ..factories import CommitmentFactory, InteractionFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(officer):
    stakeholder = StakeholderFactory(owner=officer, notes="first")
    return {
        "stakeholders": stakeholder,
        "interactions": InteractionFactory(logged_by=officer, stakeholders=[stakeholder]),
        "commitments": CommitmentFactory(stakeholder=stakeholder),
    }


def address(kind, record):
    return f"/api/v1/{kind}/{record.pk}/"


@pytest.mark.parametrize("kind", ["stakeholders", "interactions", "commitments"])
def test_an_empty_patch_changes_neither_updated_at_nor_etag(officer_api, records, kind):
    record = records[kind]
    read = officer_api.get(address(kind, record))

    response = officer_api.patch(address(kind, record), {}, HTTP_IF_MATCH=read["ETag"])

    assert response.status_code == 200
    assert response["ETag"] == read["ETag"]
    assert response.json()["updated_at"] == read.json()["updated_at"]


def test_a_patch_giving_the_values_the_record_has_changes_nothing(officer_api, records):
    record = records["stakeholders"]
    read = officer_api.get(address("stakeholders", record))
    same = {name: read.json()[name] for name in ("name", "notes", "tags")}

    response = officer_api.patch(address("stakeholders", record), same)

    assert response["ETag"] == read["ETag"]
    assert officer_api.get(address("stakeholders", record))["ETag"] == read["ETag"]


def test_a_patch_that_changes_something_still_changes_updated_at_and_etag(officer_api, records):
    record = records["stakeholders"]
    read = officer_api.get(address("stakeholders", record))

    response = officer_api.patch(address("stakeholders", record), {"notes": "second"})

    assert response["ETag"] != read["ETag"]
    assert response.json()["updated_at"] > read.json()["updated_at"]
