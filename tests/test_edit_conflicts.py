"""Every edit form refuses a save that would silently undo someone else's change (liaison_crm.edit_conflicts).

The stakeholder and meeting forms have their own tests beside their views; these are the others.
"""

import pytest
from django.urls import reverse

from commitments.forms import CommitmentForm
from concerns.forms import ConcernForm
from contacts.forms import OrganisationForm

from .conftest import login
from .factories import CommitmentFactory, ConcernFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def _as_the_page_shows_it(form, **changes):
    """The edit form as its page draws it (fingerprint included), submitted with `changes` typed in."""
    data = {}
    for name, bound in form.fields.items():
        value = bound.prepare_value(form[name].value())
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def _organisation(officer):
    organisation = OrganisationFactory(sector="Transport", notes="")
    return (
        organisation,
        reverse("contacts:organisation_edit", args=[organisation.pk]),
        lambda user: OrganisationForm(instance=organisation),
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


@pytest.mark.parametrize(
    ("record", "first_change", "second_change"),
    [
        (_organisation, {"sector": "Rail"}, {"notes": "Merged with the port authority"}),
        (_commitment, {"description": "Send the final timetable"}, {"notes": "Chased by phone"}),
        (_concern, {"title": "Depot noise after midnight"}, {"description": "Residents of Mill Lane"}),
    ],
    ids=["organisation", "commitment", "concern"],
)
def test_a_second_editor_is_told_instead_of_silently_undoing_the_first(
    client, officer, manager, record, first_change, second_change
):
    """Officer and manager open the same edit form; the officer saves, then the manager. Before, the
    manager's save put the officer's field back to what it was, without a word."""
    instance, url, form_for = record(officer)
    opened_by_manager = _as_the_page_shows_it(form_for(manager), **second_change)

    first = login(client, officer).post(url, _as_the_page_shows_it(form_for(officer), **first_change))
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
    "record", [_organisation, _commitment, _concern], ids=["organisation", "commitment", "concern"]
)
def test_an_edit_form_saved_unchanged_is_not_a_conflict(officer_client, officer, record):
    _instance, url, form_for = record(officer)
    page = officer_client.get(url).content.decode()
    assert 'name="edit_fingerprint"' in page

    assert officer_client.post(url, _as_the_page_shows_it(form_for(officer))).status_code == 302
