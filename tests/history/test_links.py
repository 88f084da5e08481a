"""Many-to-many links in the history: tags, an interaction's people, topics and staff, a concern's links."""

import pytest
from django.urls import reverse

from concerns import services as concerns
from contacts import services as contacts
from history.queries import LinkChange
from interactions import services as interactions

from ..conftest import login
from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def history(client, kind, record, **params):
    response = client.get(
        reverse(f"history:{kind}", args=[record.pk]), params, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return response


def link_lines(response):
    """Each link change: (who, field, what): "added …" for a change, the names alone for a creation."""
    return [
        (entry.actor, change.label, change.new)
        for entry in response.context["history"].entries
        for change in entry.changes
        if isinstance(change, LinkChange)
    ]


def test_tags_added_and_removed_on_a_stakeholder_show_in_its_history_with_who_did_it(
    client, officer, manager
):
    stakeholder = contacts.stakeholder_create(actor=officer, name="Margaret Okafor", tags=["Health"])
    contacts.stakeholder_update(stakeholder=stakeholder, actor=manager, tags=["Research"])
    response = history(login(client, officer), "stakeholder", stakeholder)
    assert link_lines(response) == [
        (manager, "tags", "added Research, removed Health"),
        (officer, "tags", "Health"),
    ]
    html = response.content.decode()
    assert "added Research, removed Health" in html


def test_saving_the_same_tags_again_records_no_change(client, officer):
    stakeholder = contacts.stakeholder_create(actor=officer, name="Margaret Okafor", tags=["Health"])
    contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, tags=["Health"])
    assert link_lines(history(login(client, officer), "stakeholder", stakeholder)) == [
        (officer, "tags", "Health")
    ]


def test_an_organisations_tags_show_in_its_history(client, officer):
    organisation = contacts.organisation_create(
        actor=officer, name="Northfield Trust", kind="partner", tags=["Schools"]
    )
    contacts.organisation_update(organisation=organisation, actor=officer, tags=[])
    assert link_lines(history(login(client, officer), "organisation", organisation)) == [
        (officer, "tags", "removed Schools"),
        (officer, "tags", "Schools"),
    ]


def test_an_interactions_topics_and_staff_present_show_in_its_history(client, officer, colleague):
    colleague.first_name, colleague.last_name = "Ada", "Byrne"
    colleague.save()
    interaction = interactions.interaction_log(
        author=officer,
        stakeholders=[StakeholderFactory(owner=officer, name="Ana Costa")],
        summary="Call",
        kind="call",
    )
    interactions.interaction_update(
        interaction=interaction, actor=officer, topics=["Housing"], staff_present=[colleague]
    )
    lines = link_lines(history(login(client, officer), "interaction", interaction))
    assert sorted(lines) == sorted(
        [
            (officer, "topics", "added Housing"),
            (officer, "staff present", f"added {colleague}"),
            (officer, "stakeholders", "Ana Costa"),
        ]
    )


def test_a_concern_linking_and_unlinking_an_interaction_shows_in_its_history(client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[stakeholder], summary="Complaint about noise", kind="call"
    )
    concern = concerns.concern_raise(actor=officer, stakeholder=stakeholder, title="Noise", severity=2)
    concerns.concern_link_interaction(concern=concern, actor=officer, interaction=interaction)
    concerns.concern_unlink_interaction(concern=concern, actor=officer, interaction=interaction)
    assert link_lines(history(login(client, officer), "concern", concern)) == [
        (officer, "linked interactions", f"removed {interaction}"),
        (officer, "linked interactions", f"added {interaction}"),
    ]


def test_a_concerns_history_does_not_name_a_confidential_interaction_to_those_who_cannot_see_it(
    client, officer, colleague
):
    stakeholder = StakeholderFactory(owner=officer)
    confidential = interactions.interaction_log(
        author=officer,
        stakeholders=[stakeholder],
        summary="Off the record",
        kind="call",
        is_confidential=True,
    )
    concern = concerns.concern_raise(
        actor=officer, stakeholder=stakeholder, title="Noise", severity=2, interactions=[confidential]
    )
    for user, named in ((officer, True), (colleague, False)):
        response = history(login(client, user), "concern", concern)
        assert ("Off the record" in response.content.decode()) is named
        assert link_lines(response)  # the link itself is there, unnamed
    response = history(login(client, colleague), "concern", concern)
    assert f"#{confidential.pk} (not shown)" in response.content.decode()


def test_recent_changes_show_link_changes_with_their_record(client, officer, manager):
    stakeholder = contacts.stakeholder_create(actor=officer, name="Margaret Okafor")
    contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, tags=["Health"])
    response = login(client, manager).get(reverse("history:recent"), {"model": "stakeholder"})
    entries = [entry for entry in response.context["history"].entries if entry.label == "links"]
    assert [(entry.actor, entry.title, entry.changes[0].new) for entry in entries] == [
        (officer, "Margaret Okafor", "added Health")
    ]
    assert entries[0].parent_url == stakeholder.get_absolute_url()


def test_links_made_with_a_record_are_shown_in_its_creation_not_as_a_change_of_their_own(
    client, officer, manager
):
    stakeholder = StakeholderFactory(owner=officer, name="Bilal Sheikh")
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[stakeholder], summary="Call", kind="call", topics=["Housing"]
    )
    for response in (
        history(login(client, officer), "interaction", interaction),
        login(client, manager).get(reverse("history:recent"), {"model": "interaction"}),
    ):
        entries = response.context["history"].entries
        assert [entry.label for entry in entries] == ["insert"]
        shown = {change.label: change.new for change in entries[0].changes}
        assert shown["stakeholders"] == "Bilal Sheikh" and shown["topics"] == "Housing"
        assert "Bilal Sheikh" in response.content.decode()


def test_link_changes_page_with_the_records_own_changes(client, officer, settings):
    settings.HISTORY_PAGE_SIZE = 2
    stakeholder = contacts.stakeholder_create(actor=officer, name="Margaret Okafor")
    for n in range(3):
        contacts.stakeholder_update(
            stakeholder=stakeholder, actor=officer, preferred_hours=f"{n}", tags=[f"T{n}"]
        )
    login(client, officer)
    seen, params = [], {}
    while True:
        page = history(client, "stakeholder", stakeholder, **params).context["history"]
        seen.extend((entry.label, entry.pgh_id) for entry in page.entries)
        if not page.next_cursor:
            break
        params = {"before": page.next_cursor}
    assert len(seen) == len(set(seen)) == 7  # created, three changes, three tag changes


def test_a_records_history_with_links_costs_the_same_however_many_changes(
    client, officer, manager, django_assert_max_num_queries
):
    """Expect at most 10 queries: the session, the user, the stakeholder (its visibility), a page of events
    with each one's previous snapshot, a page of tag changes, the user's roles (asked by `visible_to`), then
    once each the users, the stakeholders (the tags' owner) and the tags named."""
    stakeholder = contacts.stakeholder_create(actor=officer, name="Margaret Okafor")
    url = reverse("history:stakeholder", args=[stakeholder.pk])
    login(client, officer)
    client.get(url)  # warm: the first request of a session loads its permissions
    counts = []
    for rounds in (1, 6):
        for n in range(rounds):
            contacts.stakeholder_update(
                stakeholder=stakeholder, actor=manager if n % 2 else officer, tags=[f"Tag {rounds}-{n}"]
            )
        with django_assert_max_num_queries(10) as captured:
            client.get(url, headers={"HX-Request": "true"})
        counts.append(len(captured))
    assert counts[0] == counts[1]
