"""Placing an organisation under a parent: never under itself, never under parents that loop, and never into
a loop made by two changes saved at the same moment."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts import services
from contacts.models import Organisation

from .. import organisation_loops
from ..concurrency import all_at_once, until_all_arrive_or_one_waits_for_a_lock
from ..factories import OrganisationFactory
from ..organisation_loops import LOOP_ABOVE


@pytest.fixture
def loop_of_two():
    return organisation_loops.loop_of_two()


@pytest.fixture
def fails_instead_of_hanging():
    with organisation_loops.fails_instead_of_hanging():
        yield


def parent_errors(error: ValidationError) -> str:
    return " ".join(error.message_dict["parent"])


@pytest.mark.django_db
def test_an_organisation_under_parents_that_loop_without_it_is_refused_at_once(
    loop_of_two, fails_instead_of_hanging, django_assert_max_num_queries
):
    outsider = OrganisationFactory(name="C")
    outsider.parent = loop_of_two

    # Django's check that the parent exists; the line of parents above it.
    with django_assert_max_num_queries(2), pytest.raises(ValidationError) as refused:
        outsider.full_clean(validate_constraints=False)

    assert LOOP_ABOVE in parent_errors(refused.value)


@pytest.mark.django_db
def test_a_new_organisation_under_parents_that_loop_is_refused_on_the_add_form(
    officer_client, loop_of_two, fails_instead_of_hanging
):
    response = officer_client.post(
        reverse("contacts:organisation_create"),
        {"name": "Unit C", "kind": loop_of_two.kind, "parent": loop_of_two.pk, "not_a_duplicate": "1"},
    )

    assert response.status_code == 200
    assert LOOP_ABOVE in " ".join(response.context["form"].errors["parent"])
    assert not Organisation.objects.filter(name="Unit C").exists()


@pytest.mark.django_db
def test_an_organisation_on_a_loop_is_refused_any_parent_on_it_but_may_leave_it(
    officer, loop_of_two, fails_instead_of_hanging
):
    second = loop_of_two.parent

    with pytest.raises(ValidationError) as refused:
        services.organisation_update(organisation=loop_of_two, actor=officer, name="A renamed")
    assert "cannot be part of itself" in parent_errors(refused.value)

    services.organisation_update(organisation=loop_of_two, actor=officer, parent=None)
    second.refresh_from_db()
    assert (loop_of_two.parent_id, second.parent_id) == (None, loop_of_two.pk)


@pytest.mark.django_db
def test_an_organisation_under_a_long_line_of_parents_is_checked_in_one_query_up_it(
    django_assert_max_num_queries,
):
    parent = None
    for level in range(30):
        parent = OrganisationFactory(name=f"Level {level}", parent=parent)
    top = Organisation.objects.get(name="Level 0")
    # Read afresh, as a form or the API reads it: none of the parents above it is at hand in memory.
    top.parent = Organisation.objects.get(name="Level 29")

    # Django's check that the parent exists; the line of parents above it.
    with django_assert_max_num_queries(2), pytest.raises(ValidationError) as refused:
        top.full_clean(validate_constraints=False)
    assert "cannot be part of itself" in parent_errors(refused.value)


@pytest.mark.django_db(transaction=True)
def test_two_staff_moving_two_organisations_under_each_other_at_once_do_not_make_a_loop(
    officer, colleague, monkeypatch
):
    first, second = OrganisationFactory(name="A"), OrganisationFactory(name="B")
    checked = until_all_arrive_or_one_waits_for_a_lock(2)
    check = Organisation.clean

    def check_then_wait_for_the_other(organisation):
        check(organisation)
        # Unless the checks take turns, the other passes its check too before either change is saved.
        checked()

    monkeypatch.setattr(Organisation, "clean", check_then_wait_for_the_other)
    refusals = []

    def move(actor, organisation, parent):
        try:
            services.organisation_update(
                organisation=Organisation.objects.get(pk=organisation.pk),
                actor=actor,
                parent=Organisation.objects.get(pk=parent.pk),
            )
        except ValidationError as error:
            refusals.append(parent_errors(error))

    all_at_once(lambda: move(officer, first, second), lambda: move(colleague, second, first))

    assert len(refusals) == 1 and "cannot be part of itself" in refusals[0]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.parent_id, second.parent_id) in [(second.pk, None), (None, first.pk)]
