import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import Objective, ObjectiveStatus

from ..factories import ObjectiveFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/objectives/"


def test_an_objective_is_set_changed_and_closed_through_the_api(officer_api, officer):
    person = StakeholderFactory(owner=officer)
    target = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    created = officer_api.post(
        LIST, {"stakeholder": person.pk, "description": "Co-host the spring forum", "target_on": target}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open"
    assert body["target_on"] == target
    assert body["is_overdue"] is False
    assert body["created_by"] == officer.pk
    url = f"{LIST}{body['id']}/"

    changed = officer_api.patch(url, {"description": "Co-host the summer forum"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["target_on"] == target

    achieved = officer_api.post(f"{url}achieve/")
    assert achieved.json()["status"] == "achieved"
    assert achieved.json()["closed_on"] == timezone.localdate().isoformat()
    assert officer_api.post(f"{url}reopen/").json()["status"] == "open"
    assert officer_api.post(f"{url}drop/").json()["status"] == "dropped"


def test_objectives_are_listed_by_stakeholder_and_status(officer_api, officer):
    person = StakeholderFactory(owner=officer)
    open_one = ObjectiveFactory(stakeholder=person)
    ObjectiveFactory(stakeholder=person, closed=True)
    ObjectiveFactory()
    response = officer_api.get(LIST, {"stakeholder": person.pk, "status": "open"})
    assert [row["id"] for row in response.json()["results"]] == [open_one.pk]


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("manager", 201), ("other_manager", 403)])
def test_the_plan_follows_the_stakeholder_edit_rule(api_as, officer, who, status):
    person = StakeholderFactory(owner=officer)
    response = api_as(who).post(LIST, {"stakeholder": person.pk, "description": "Win their endorsement"})
    assert response.status_code == status


def test_bad_input_is_a_field_error_and_writes_nothing(officer_api, officer):
    person = StakeholderFactory(owner=officer)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    late = officer_api.post(LIST, {"stakeholder": person.pk, "description": "Late", "target_on": past})
    assert late.status_code == 400
    assert "target_on" in late.json()
    empty = officer_api.post(LIST, {"stakeholder": person.pk, "description": ""})
    assert empty.status_code == 400
    assert "description" in empty.json()
    assert not Objective.objects.exists()


def test_an_objective_cannot_move_to_another_person(officer_api, officer):
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer))
    response = officer_api.patch(
        f"{LIST}{objective.pk}/", {"stakeholder": StakeholderFactory(owner=officer).pk}
    )
    assert response.status_code == 400
    assert "stakeholder" in response.json()


def test_objectives_are_not_deleted(officer_api, officer):
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer))
    assert officer_api.delete(f"{LIST}{objective.pk}/").status_code == 405
    assert Objective.objects.filter(pk=objective.pk, status=ObjectiveStatus.OPEN).exists()


def test_a_sync_sees_objectives_changed_since(officer_api, officer):
    old = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer))
    Objective.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    recent = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer))
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    response = officer_api.get(LIST, {"updated_since": since})
    assert [row["id"] for row in response.json()["results"]] == [recent.pk]
