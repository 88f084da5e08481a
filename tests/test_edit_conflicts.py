"""Every edit form refuses a save that would silently undo someone else's change (liaison_crm.edit_conflicts).

The stakeholder and meeting forms have their own tests beside their views; these are the others, and the
saves sent at the same moment for every form but the meeting's (tests/meetings/test_views.py).
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from commitments.forms import CommitmentForm
from concerns.forms import ConcernForm
from contacts.forms import ObjectiveForm, OrganisationForm, StakeholderForm
from contacts.models import Stakeholder
from interactions.forms import InteractionForm

from .concurrency import queued_behind_a_lock
from .conftest import login
from .edit_forms import as_the_page_shows_it
from .factories import (
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    ObjectiveFactory,
    OrganisationFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


def _organisation(officer):
    organisation = OrganisationFactory(sector="Transport", notes="")
    return (
        organisation,
        reverse("contacts:organisation_edit", args=[organisation.pk]),
        lambda user: OrganisationForm(instance=organisation),
    )


def _stakeholder(officer):
    stakeholder = StakeholderFactory(owner=officer, notes="", cultural_notes="")
    return (
        stakeholder,
        reverse("contacts:stakeholder_edit", args=[stakeholder.pk]),
        lambda user: StakeholderForm(instance=stakeholder),
    )


def _objective(officer):
    objective = ObjectiveFactory(stakeholder=StakeholderFactory(owner=officer), target_on=None)
    return (
        objective,
        reverse("contacts:objective_edit", args=[objective.pk]),
        lambda user: ObjectiveForm(instance=objective),
    )


def _commitment(officer):
    commitment = CommitmentFactory(stakeholder=StakeholderFactory(owner=officer), notes="")
    return (
        commitment,
        reverse("commitments:edit", args=[commitment.pk]),
        lambda user: CommitmentForm(instance=commitment, user=user),
    )


def _concern(officer):
    concern = ConcernFactory(stakeholder=StakeholderFactory(owner=officer), description="")
    return (
        concern,
        reverse("concerns:edit", args=[concern.pk]),
        lambda user: ConcernForm(instance=concern, user=user),
    )


def _interaction(officer):
    interaction = InteractionFactory(logged_by=officer, outcome="", notes="")
    return (
        interaction,
        reverse("interactions:edit", args=[interaction.pk]),
        lambda user: InteractionForm(instance=interaction, user=user),
    )


@pytest.mark.parametrize(
    ("record", "first_change", "second_change"),
    [
        (_organisation, {"sector": "Rail"}, {"notes": "Merged with the port authority"}),
        (_commitment, {"description": "Send the final timetable"}, {"notes": "Chased by phone"}),
        (_concern, {"title": "Depot noise after midnight"}, {"description": "Residents of Mill Lane"}),
        (_interaction, {"outcome": "They will write to us"}, {"notes": "Met at the depot gate"}),
    ],
    ids=["organisation", "commitment", "concern", "interaction"],
)
def test_a_second_editor_is_told_instead_of_silently_undoing_the_first(
    client, officer, manager, record, first_change, second_change
):
    """Officer and manager open the same edit form; the officer saves, then the manager. Before, the
    manager's save put the officer's field back to what it was, without a word."""
    instance, url, form_for = record(officer)
    opened_by_manager = as_the_page_shows_it(form_for(manager), **second_change)

    first = login(client, officer).post(url, as_the_page_shows_it(form_for(officer), **first_change))
    assert first.status_code == 302

    response = login(client, manager).post(url, opened_by_manager)

    assert response.status_code == 200
    assert "Someone else saved a change to this record" in response.content.decode()
    ((field, typed),) = second_change.items()
    assert response.context["form"][field].value() == typed, "typed input is kept"
    instance.refresh_from_db()
    ((changed, value),) = first_change.items()
    assert getattr(instance, changed) == value
    assert getattr(instance, field) == ""

    # Sent again from the page that told them, the manager's version is saved, knowingly.
    again = {**opened_by_manager, "edit_fingerprint": response.context["form"]["edit_fingerprint"].value()}
    assert client.post(url, again).status_code == 302
    instance.refresh_from_db()
    assert getattr(instance, field) == typed


@pytest.mark.parametrize(
    "record",
    [_organisation, _commitment, _concern, _interaction],
    ids=["organisation", "commitment", "concern", "interaction"],
)
def test_an_edit_form_saved_unchanged_is_not_a_conflict(officer_client, officer, record):
    _instance, url, form_for = record(officer)
    page = officer_client.get(url).content.decode()
    assert 'name="edit_fingerprint"' in page

    assert officer_client.post(url, as_the_page_shows_it(form_for(officer))).status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("record", "first_change", "second_change"),
    [
        (_stakeholder, {"notes": "Prefers a call"}, {"cultural_notes": "Avoid Fridays"}),
        (_organisation, {"sector": "Rail"}, {"notes": "Merged with the port authority"}),
        (
            _objective,
            {"description": "Win their support for the depot"},
            {"target_on": dt.date.today() + dt.timedelta(days=30)},
        ),
        (_commitment, {"description": "Send the final timetable"}, {"notes": "Chased by phone"}),
        (_concern, {"title": "Depot noise after midnight"}, {"description": "Residents of Mill Lane"}),
        (_interaction, {"outcome": "They will write to us"}, {"notes": "Met at the depot gate"}),
    ],
    ids=["stakeholder", "organisation", "objective", "commitment", "concern", "interaction"],
)
def test_two_saves_sent_at_the_same_moment_the_second_is_told_instead_of_undoing_the_first(
    officer, manager, record, first_change, second_change
):
    """Both forms passed the check that the record was as they showed it before either was saved; the
    second then saved its stale copy of every field, putting the first's change back."""
    instance, url, form_for = record(officer)
    edits = [
        (login(Client(), user), as_the_page_shows_it(form_for(user), **change))
        for user, change in [(officer, first_change), (manager, second_change)]
    ]
    answers = []

    queued_behind_a_lock(
        instance,
        *(lambda tab=tab, data=data: answers.append(tab.post(url, data)) for tab, data in edits),
    )

    assert sorted(answer.status_code for answer in answers) == [200, 302]
    (refused,) = (answer for answer in answers if answer.status_code == 200)
    assert "Someone else saved a change to this record" in refused.content.decode()
    instance.refresh_from_db()
    saved = [
        getattr(instance, field) == value
        for change in (first_change, second_change)
        for field, value in change.items()
    ]
    assert saved in ([True, False], [False, True]), "one change is saved, the other is not put over it"


def test_a_record_deleted_while_it_was_edited_is_refused_with_a_reason_not_a_server_error(officer):
    from django.core.exceptions import ValidationError

    from liaison_crm.row_locks import lock_for_update

    stakeholder = StakeholderFactory(owner=officer)
    Stakeholder.objects.filter(pk=stakeholder.pk).delete()

    with pytest.raises(ValidationError, match="deleted"):
        lock_for_update(stakeholder)
