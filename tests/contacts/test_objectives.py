"""A stakeholder's engagement plan: objectives set, changed, achieved or dropped, from their page."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import Objective, ObjectiveStatus
from contacts.queries import CLOSED_OBJECTIVES_SHOWN, engagement_plan

from ..conftest import login
from ..factories import InteractionFactory, ObjectiveFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_an_objective_is_added_changed_achieved_and_reopened(officer):
    person = StakeholderFactory(owner=officer)
    target = TODAY() + dt.timedelta(days=30)
    objective = services.objective_add(
        stakeholder=person, actor=officer, description="  Co-host the spring forum ", target_on=target
    )
    assert (objective.description, objective.target_on, objective.status) == (
        "Co-host the spring forum",
        target,
        ObjectiveStatus.OPEN,
    )
    assert objective.created_by == officer

    services.objective_update(
        objective=objective, actor=officer, description="Co-host the forum", target_on=None
    )
    services.objective_set_status(objective=objective, actor=officer, status=ObjectiveStatus.ACHIEVED)
    objective.refresh_from_db()
    assert (objective.description, objective.target_on) == ("Co-host the forum", None)
    assert (objective.status, objective.closed_on) == (ObjectiveStatus.ACHIEVED, TODAY())

    services.objective_set_status(objective=objective, actor=officer, status=ObjectiveStatus.OPEN)
    objective.refresh_from_db()
    assert (objective.status, objective.closed_on) == (ObjectiveStatus.OPEN, None)


def test_changing_the_plan_is_a_change_to_the_stakeholder_for_syncs(officer):
    person = StakeholderFactory(owner=officer)
    before = person.updated_at
    services.objective_add(stakeholder=person, actor=officer, description="Get a named planning contact")
    person.refresh_from_db()
    assert person.updated_at > before


def test_a_target_already_past_is_refused_when_set_but_kept_when_left_alone(officer):
    person = StakeholderFactory(owner=officer)
    yesterday = TODAY() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.objective_add(stakeholder=person, actor=officer, description="Late", target_on=yesterday)
    assert "target_on" in refused.value.message_dict
    assert not Objective.objects.exists()

    lapsed = ObjectiveFactory(stakeholder=person, target_on=yesterday)
    services.objective_update(objective=lapsed, actor=officer, description="Reworded", target_on=yesterday)
    lapsed.refresh_from_db()
    assert lapsed.description == "Reworded"
    assert lapsed.is_overdue


def test_an_empty_objective_is_a_field_error(officer):
    person = StakeholderFactory(owner=officer)
    with pytest.raises(ValidationError) as refused:
        services.objective_add(stakeholder=person, actor=officer, description="   ")
    assert "description" in refused.value.message_dict


def test_an_archived_stakeholder_gets_no_new_objectives(officer):
    person = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    with pytest.raises(ValidationError):
        services.objective_add(stakeholder=person, actor=officer, description="Win them back")


@pytest.mark.parametrize(("who", "allowed"), [("officer", True), ("manager", True), ("colleague", False)])
def test_the_plan_follows_the_stakeholder_edit_rule(request, officer, who, allowed):
    person = StakeholderFactory(owner=officer)
    actor = request.getfixturevalue(who)
    if allowed:
        services.objective_add(stakeholder=person, actor=actor, description="Quarterly liaison meeting")
    else:
        with pytest.raises(PermissionDenied):
            services.objective_add(stakeholder=person, actor=actor, description="Quarterly liaison meeting")


def test_a_closed_objective_has_its_day_and_an_open_one_has_none(officer):
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer))
    with pytest.raises(IntegrityError), transaction.atomic():
        Objective.objects.filter(pk=objective.pk).update(status=ObjectiveStatus.DROPPED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Objective.objects.filter(pk=objective.pk).update(closed_on=TODAY())


def test_the_plan_shows_open_objectives_by_target_and_the_latest_closed(officer):
    person = StakeholderFactory(owner=officer)
    later = ObjectiveFactory(stakeholder=person, target_on=TODAY() + dt.timedelta(days=90))
    sooner = ObjectiveFactory(stakeholder=person, target_on=TODAY() + dt.timedelta(days=10))
    undated = ObjectiveFactory(stakeholder=person, target_on=None)
    closed = [
        ObjectiveFactory(stakeholder=person, closed=True, closed_on=TODAY() - dt.timedelta(days=days))
        for days in range(CLOSED_OBJECTIVES_SHOWN + 3)
    ]
    ObjectiveFactory()  # someone else's

    plan = engagement_plan(person)
    assert plan.open == [sooner, later, undated]
    assert plan.closed == closed[:CLOSED_OBJECTIVES_SHOWN]


def test_a_merge_keeps_both_records_objectives(officer):
    keep, duplicate = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    ObjectiveFactory(stakeholder=keep)
    theirs = ObjectiveFactory(stakeholder=duplicate, closed=True)
    services.stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
    theirs.refresh_from_db()
    assert theirs.stakeholder == keep
    assert keep.objectives.count() == 2


# --- the stakeholder's page --------------------------------------------------------------------------------


def test_the_page_shows_the_plan_and_adds_to_it_in_place(officer_client, officer):
    person = StakeholderFactory(owner=officer)
    ObjectiveFactory(stakeholder=person, description="Renew the data-sharing agreement", closed=True)
    page = officer_client.get(person.get_absolute_url())
    assert b"Engagement objectives" in page.content
    assert b"Renew the data-sharing agreement" in page.content

    target = (TODAY() + dt.timedelta(days=45)).isoformat()
    response = officer_client.post(
        reverse("contacts:objective_add", args=[person.pk]),
        {"description": "Bring them onto the steering group", "target_on": target},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.templates[0].name == "contacts/_objectives.html"
    assert b"Bring them onto the steering group" in response.content
    assert person.objectives.filter(status=ObjectiveStatus.OPEN).count() == 1


def test_a_bad_objective_comes_back_with_its_error_and_writes_nothing(officer_client, officer):
    person = StakeholderFactory(owner=officer)
    url = reverse("contacts:objective_add", args=[person.pk])
    past = (TODAY() - dt.timedelta(days=3)).isoformat()
    inline = officer_client.post(url, {"description": "Too late", "target_on": past}, HTTP_HX_REQUEST="true")
    assert inline.status_code == 200
    assert b"This day has passed" in inline.content
    assert b'value="Too late"' in inline.content

    without_script = officer_client.post(url, {"description": ""})
    assert without_script.status_code == 200
    assert without_script.templates[0].name == "contacts/objective_form.html"
    assert without_script.context["form"].errors["description"]
    assert not Objective.objects.exists()


def test_the_add_form_sent_twice_adds_once(officer_client, officer):
    person = StakeholderFactory(owner=officer)
    url = reverse("contacts:objective_add", args=[person.pk])
    data = {"description": "Set up a quarterly meeting", "submission_key": "3f1c2a9e-key"}
    officer_client.post(url, data)
    again = officer_client.post(url, data)
    assert again.status_code == 302
    assert person.objectives.count() == 1


def test_achieving_dropping_and_reopening_from_the_card(officer_client, officer):
    objective = ObjectiveFactory(
        stakeholder=StakeholderFactory(owner=officer), description="Win their endorsement"
    )
    url = reverse("contacts:objective_status", args=[objective.pk])
    response = officer_client.post(url, {"status": "achieved"}, HTTP_HX_REQUEST="true")
    assert b"Achieved or dropped" in response.content
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.ACHIEVED

    officer_client.post(url, {"status": "open"})
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.OPEN

    officer_client.post(url, {"status": "finished"})
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.OPEN


def test_editing_an_objective_on_its_own_page(officer_client, officer):
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer))
    url = reverse("contacts:objective_edit", args=[objective.pk])
    form = officer_client.get(url)
    fingerprint = form.context["form"]["edit_fingerprint"].value()
    response = officer_client.post(
        url, {"description": "Agree translation support", "target_on": "", "edit_fingerprint": fingerprint}
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.description, objective.target_on) == ("Agree translation support", None)


def test_a_stale_edit_is_refused_with_the_typed_text_kept(officer_client, officer):
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer), description="First wording")
    url = reverse("contacts:objective_edit", args=[objective.pk])
    fingerprint = officer_client.get(url).context["form"]["edit_fingerprint"].value()
    Objective.objects.filter(pk=objective.pk).update(description="A colleague's wording")
    response = officer_client.post(url, {"description": "My wording", "edit_fingerprint": fingerprint})
    assert response.status_code == 200
    assert b"Someone else saved a change" in response.content
    objective.refresh_from_db()
    assert objective.description == "A colleague's wording"


def test_a_colleague_sees_the_plan_but_cannot_change_it(client, officer, colleague):
    person = StakeholderFactory(owner=officer)
    objective = ObjectiveFactory(stakeholder=person, description="Introduce our new director")
    login(client, colleague)
    page = client.get(person.get_absolute_url())
    assert b"Introduce our new director" in page.content
    assert reverse("contacts:objective_status", args=[objective.pk]).encode() not in page.content
    assert (
        client.post(reverse("contacts:objective_add", args=[person.pk]), {"description": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("contacts:objective_status", args=[objective.pk]), {"status": "dropped"}
        ).status_code
        == 403
    )
    assert client.get(reverse("contacts:objective_edit", args=[objective.pk])).status_code == 403
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.OPEN


def test_the_plan_of_someone_the_user_may_not_see_is_not_found(client, officer, other_officer):
    # A stakeholder everyone may read; the objective's own address is what must not leak another team's.
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer))
    login(client, other_officer)
    assert client.get(reverse("contacts:objective_edit", args=[objective.pk])).status_code in (403, 404)


def test_the_plans_history_names_who_changed_what(officer_client, officer):
    person = StakeholderFactory(owner=officer)
    objective = services.objective_add(stakeholder=person, actor=officer, description="Agree a protocol")
    services.objective_set_status(objective=objective, actor=officer, status=ObjectiveStatus.DROPPED)
    InteractionFactory(logged_by=officer, stakeholders=[person])
    response = officer_client.get(reverse("history:objective", args=[person.pk]))
    assert response.status_code == 200
    assert b"Agree a protocol" in response.content
    assert b"Dropped" in response.content


def test_a_target_already_passed_is_refused_on_the_edit_page_too(officer_client, officer):
    """The form had put the date on the objective before the service compared it with the one it had, so
    the page saved any date at all."""
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer), target_on=None)
    url = reverse("contacts:objective_edit", args=[objective.pk])
    fingerprint = officer_client.get(url).context["form"]["edit_fingerprint"].value()

    response = officer_client.post(
        url,
        {
            "description": objective.description,
            "target_on": timezone.localdate() - dt.timedelta(days=1),
            "edit_fingerprint": fingerprint,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["target_on"] == [
        "This day has passed: choose today or a later day."
    ]
    objective.refresh_from_db()
    assert objective.target_on is None
