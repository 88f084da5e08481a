"""Who an interaction was with, in its history: however the people were added, moved or removed.

The rows are the participation rows (interactions.Participation), which also carry a copy of the interaction's
time written by triggers of their own (interactions migration 0002); the history keeps only the link.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from contacts import services as contacts
from imports import services as imports
from interactions import services as interactions
from interactions.models import Interaction, ParticipationLinkEvent

from ..conftest import login
from ..factories import StakeholderFactory
from .test_links import history, link_lines

pytestmark = pytest.mark.django_db


def people_lines(client, interaction):
    return [
        line for line in link_lines(history(client, "interaction", interaction)) if line[1] == "stakeholders"
    ]


@pytest.fixture
def ana(officer):
    return StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)


@pytest.fixture
def li(officer):
    return StakeholderFactory(name="Li Wei", owner=officer)


def test_the_people_an_interaction_was_logged_with_show_in_its_history(client, officer, ana, li):
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[ana, li], summary="Call", kind="call"
    )
    assert people_lines(login(client, officer), interaction) == [
        (officer, "stakeholders", "Ana Costa, Li Wei")
    ]


def test_people_added_and_removed_later_show_with_who_changed_them(client, officer, manager, ana, li):
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[ana], summary="Call", kind="call"
    )
    interactions.interaction_update(interaction=interaction, actor=manager, stakeholders=[li])
    response = history(login(client, officer), "interaction", interaction)
    assert [line for line in link_lines(response) if line[1] == "stakeholders"] == [
        (manager, "stakeholders", "added Li Wei, removed Ana Costa"),
        (officer, "stakeholders", "Ana Costa"),
    ]
    assert "added Li Wei, removed Ana Costa" in response.content.decode()


def test_moving_an_interaction_in_time_is_not_a_change_of_its_people(client, officer, ana):
    """The participation rows' copy of the time changes with the interaction (migration 0002's triggers)."""
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[ana], summary="Call", kind="call"
    )
    interactions.interaction_update(
        interaction=interaction, actor=officer, occurred_at=interaction.occurred_at - dt.timedelta(days=1)
    )
    assert people_lines(login(client, officer), interaction) == [(officer, "stakeholders", "Ana Costa")]


def test_a_merge_moves_each_interaction_to_the_record_kept_in_its_history(client, officer, ana):
    duplicate = StakeholderFactory(name="Ana Costa (home)", owner=officer)
    own = interactions.interaction_log(author=officer, stakeholders=[duplicate], summary="Call", kind="call")
    shared = interactions.interaction_log(
        author=officer, stakeholders=[ana, duplicate], summary="Visit", kind="visit"
    )

    contacts.stakeholder_merge(keep=ana, duplicate=duplicate, actor=officer)

    login(client, officer)
    # The duplicate is gone from the register; its merge record names it.
    assert people_lines(client, own)[0] == (
        officer,
        "stakeholders",
        "added Ana Costa, removed Ana Costa (home) (merged into Ana Costa)",
    )
    assert people_lines(client, shared)[0] == (
        officer,
        "stakeholders",
        "removed Ana Costa (home) (merged into Ana Costa)",
    )
    assert list(own.stakeholders.all()) == [ana]


def test_imported_interactions_record_their_people_as_the_import(client, officer, ana, li):
    content = (
        "Date,Kind,Subject,With\n"
        "2024-03-05 14:30,call,Agreed the timetable,ana@example.org\n"
        f"05/04/2024,email,Sent the minutes,#{li.pk}; Ana Costa\n"
    ).encode()
    job = imports.import_job_create(
        actor=officer, kind="interactions", upload=ContentFile(content, name="calls.csv")
    )
    job = imports.import_job_map(job=job, actor=officer, mapping=job.mapping)
    imports.import_commit_start(job=imports.import_check(job_id=job.pk), actor=officer, skip_duplicates=False)

    minutes = Interaction.objects.get(summary="Sent the minutes")
    entries = history(login(client, officer), "interaction", minutes).context["history"].entries
    # Made by the import with their people: one entry, the people among its fields.
    assert [(entry.label, entry.actor, entry.via) for entry in entries] == [("insert", officer, "import")]
    people = [change.new for change in entries[0].changes if change.label == "stakeholders"]
    assert people == ["Ana Costa, Li Wei"]


def test_deleting_an_interaction_records_its_people_leaving(officer, ana):
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[ana], summary="Call", kind="call"
    )
    interaction_id = interaction.pk
    interactions.interaction_delete(interaction=interaction, actor=officer)
    removed = ParticipationLinkEvent.objects.filter(interaction_id=interaction_id, pgh_label="remove")
    assert [(event.stakeholder_id, event.pgh_context.metadata["user"]) for event in removed] == [
        (ana.pk, officer.pk)
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("officer", 200), ("colleague", 404), ("manager", 200), ("other_manager", 404), ("admin_user", 200)],
)
def test_the_people_of_a_confidential_interaction_are_seen_only_by_those_who_see_it(
    client, request, officer, ana, who, status
):
    confidential = interactions.interaction_log(
        author=officer, stakeholders=[ana], summary="Off the record", kind="call", is_confidential=True
    )
    login(client, request.getfixturevalue(who))
    response = client.get(
        reverse("history:interaction", args=[confidential.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == status
    assert ("Ana Costa" in response.content.decode()) is (status == 200)


def test_recent_changes_show_the_people_of_a_teams_interactions_only(
    client, officer, manager, other_manager, ana
):
    interactions.interaction_log(author=officer, stakeholders=[ana], summary="Call", kind="call")

    def people(user):
        entries = login(client, user).get(reverse("history:recent")).context["history"].entries
        return [change.new for entry in entries for change in entry.changes if change.label == "stakeholders"]

    assert people(manager) == ["Ana Costa"]
    assert people(other_manager) == []


def test_an_interactions_history_with_its_people_costs_the_same_however_many_changes(
    client, officer, manager, django_assert_max_num_queries
):
    """Expect at most 12 queries: the session, the user, the interaction (its visibility), a page of events
    with each one's previous snapshot, a page each of changes to its people, staff present and topics, the
    user's roles (asked by `visible_to`), then once each the users, organisations and stakeholders named."""
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[StakeholderFactory(owner=officer)], summary="Call", kind="call"
    )
    url = reverse("history:interaction", args=[interaction.pk])
    login(client, officer)
    client.get(url)  # warm: the first request of a session loads its permissions
    counts = []
    for rounds in (1, 6):
        for n in range(rounds):
            interactions.interaction_update(
                interaction=interaction,
                actor=manager if n % 2 else officer,
                stakeholders=[StakeholderFactory(owner=officer)],
                outcome=f"{rounds}-{n}",
            )
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
