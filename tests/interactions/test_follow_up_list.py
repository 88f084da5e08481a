"""The follow-ups list: the reader's own by default, a colleague's or a team's on request, what each reader
may read of them, and who may mark them done from it."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import OrganisationKind

from ..conftest import login
from ..factories import InteractionFactory, OrganisationFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def follow_up(chaser, due_in: int, note: str, **fields):
    return InteractionFactory(
        logged_by=chaser,
        follow_up_on=days(due_in),
        follow_up_note=note,
        stakeholders=[StakeholderFactory(owner=chaser)],
        **fields,
    )


@pytest.fixture
def work(officer, colleague, other_officer):
    """Open follow-ups of two teams: officer's, colleague's (one confidential), other_officer's; and one of
    colleague's already done, which no list shows."""
    follow_up(officer, -3, "Officer late")
    follow_up(officer, 2, "Officer soon")
    follow_up(colleague, -1, "Colleague late")
    follow_up(colleague, 20, "Colleague later")
    follow_up(colleague, -5, "Colleague secret", is_confidential=True)
    follow_up(other_officer, -2, "Other team late")
    follow_up(colleague, -9, "Colleague done", follow_up_done_at=timezone.now())


def listed(client, **params) -> list[str]:
    response = client.get(reverse("interactions:follow_ups"), params)
    assert response.status_code == 200
    return [item.follow_up_note for item in response.context["page"]]


def test_the_list_opens_on_the_readers_own_soonest_due_first(client, officer, work):
    response = login(client, officer).get(reverse("interactions:follow_ups"))

    assert [item.follow_up_note for item in response.context["page"]] == ["Officer late", "Officer soon"]
    assert response.context["heading"] == "My follow-ups"


def test_an_officer_may_look_at_a_colleagues_but_not_at_what_they_may_not_read(
    client, officer, colleague, work
):
    login(client, officer)

    assert listed(client, owner=colleague.pk) == ["Colleague late", "Colleague later"]
    assert listed(client, owner=colleague.pk, due="overdue") == ["Colleague late"]


def test_an_officer_is_not_offered_to_mark_a_colleagues_done_and_cannot(client, officer, colleague, work):
    response = login(client, officer).get(reverse("interactions:follow_ups"), {"owner": colleague.pk})
    page = response.content.decode()

    assert response.context["heading"] == f"Follow-ups chased by {colleague}"
    assert "Mark done" not in page
    late = next(item for item in response.context["page"] if item.follow_up_note == "Colleague late")
    refused = client.post(reverse("interactions:follow_up_toggle", args=[late.pk]), {"done": "1"})
    assert refused.status_code == 403


def test_a_manager_sees_their_teams_including_the_confidential_and_may_mark_them_done(
    client, manager, colleague, team, work
):
    login(client, manager)

    assert listed(client, team=team.pk, due="overdue") == [
        "Colleague secret",
        "Officer late",
        "Colleague late",
    ]
    response = client.get(reverse("interactions:follow_ups"), {"team": team.pk})
    assert response.context["heading"] == "Follow-ups of the Government relations team"
    assert response.content.decode().count("Mark done") == 5

    secret = next(item for item in response.context["page"] if item.follow_up_note == "Colleague secret")
    done = client.post(
        reverse("interactions:follow_up_toggle", args=[secret.pk]),
        {"done": "1"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200 and "Undo" in done.content.decode()
    assert listed(client, owner=colleague.pk, due="overdue") == ["Colleague late"]


def test_another_teams_manager_sees_its_shared_follow_ups_only_and_marks_none(
    client, other_manager, team, work
):
    response = login(client, other_manager).get(reverse("interactions:follow_ups"), {"team": team.pk})

    assert [item.follow_up_note for item in response.context["page"]] == [
        "Officer late",
        "Colleague late",
        "Officer soon",
        "Colleague later",
    ]
    assert "Mark done" not in response.content.decode()


def test_an_administrator_sees_everyones_with_anyone(client, admin_user, work):
    login(client, admin_user)

    assert listed(client, owner="", due="overdue") == [
        "Colleague secret",
        "Officer late",
        "Other team late",
        "Colleague late",
    ]


def test_due_soon_is_today_and_the_six_days_after(client, officer):
    for due_in in (-1, 0, 6, 7):
        follow_up(officer, due_in, f"In {due_in}")

    assert listed(login(client, officer), due="soon") == ["In 0", "In 6"]
    assert listed(client, due="") == ["In -1", "In 0", "In 6", "In 7"]


def test_the_kind_of_organisation_is_that_of_the_interaction(client, officer):
    agency = OrganisationFactory(kind=OrganisationKind.GOVERNMENT_AGENCY)
    follow_up(officer, 1, "With the agency", organisation=agency)
    follow_up(officer, 1, "With nobody in particular")

    assert listed(login(client, officer), organisation_kind=OrganisationKind.GOVERNMENT_AGENCY) == [
        "With the agency"
    ]


def test_a_leaver_still_holding_follow_ups_can_be_chosen(client, manager, colleague, work):
    colleague.is_active = False
    colleague.save()

    assert listed(login(client, manager), owner=colleague.pk, due="overdue") == [
        "Colleague secret",
        "Colleague late",
    ]


def test_a_chaser_that_cannot_be_read_lists_nothing_and_says_why(client, officer, work):
    response = login(client, officer).get(reverse("interactions:follow_ups"), {"owner": "999999"})

    assert list(response.context["page"]) == []
    assert "Chased by: Select a valid choice" in response.content.decode()


def test_the_export_keeps_the_lists_filters(client, manager, team, work):
    response = login(client, manager).get(
        reverse("dashboards:export", args=["follow_ups"]), {"team": team.pk, "due": "overdue"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *lines = csv.reader(io.StringIO(text))

    notes = [line[header.index("Agreed follow-up")] for line in lines]
    assert notes == listed(client, team=team.pk, due="overdue")


def test_the_export_opens_on_the_readers_own_as_the_list_does(client, officer, work):
    response = login(client, officer).get(reverse("dashboards:export", args=["follow_ups"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *lines = csv.reader(io.StringIO(text))

    assert [line[header.index("Agreed follow-up")] for line in lines] == ["Officer late", "Officer soon"]


@pytest.mark.parametrize("chasers", [2, 8])
def test_a_teams_list_costs_the_same_however_many_chase_it(
    client, manager, team, chasers, django_assert_max_num_queries
):
    for _ in range(chasers):
        officer = UserFactory(team=team)
        follow_up(officer, -1, "Late")
        follow_up(officer, 1, "Soon", is_confidential=True)
    login(client, manager)
    # The session, the user; the reader's groups (visibility); the team asked for; follow-ups with who
    # logged and chases each; their stakeholders; the filter form's chaser and team choices.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("interactions:follow_ups"), {"team": team.pk})
    assert len(response.context["page"]) == 2 * chasers


def test_each_mark_done_button_says_which_follow_up_it_closes(client, officer):
    """'Mark done' alone, a screen reader's list of the page's buttons read the same for every row."""
    follow_up(officer, 0, "Send the signed agreement")
    login(client, officer)

    body = client.get(reverse("interactions:follow_ups")).content.decode()

    assert 'Mark done<span class="visually-hidden">: Send the signed agreement</span></button>' in body
