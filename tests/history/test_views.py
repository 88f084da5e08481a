"""The history on each record's page, and managers' recent changes: who sees what, and what it costs."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import services as contacts
from interactions import services as interactions
from meetings import services as meetings

from ..conftest import login
from ..factories import InteractionFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def history_url(kind, record):
    return reverse(f"history:{kind}", args=[record.pk])


def htmx_get(client, url, **params):
    return client.get(url, params, headers={"HX-Request": "true"})


@pytest.fixture
def stakeholder(officer):
    return contacts.stakeholder_create(actor=officer, name="Margaret Okafor", preferred_channel="email")


def test_a_stakeholders_history_shows_who_changed_what_newest_first(client, officer, manager, stakeholder):
    contacts.stakeholder_update(stakeholder=stakeholder, actor=manager, preferred_channel="phone")
    response = htmx_get(login(client, officer), history_url("stakeholder", stakeholder))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a partial, for htmx to swap in
    entries = response.context["history"].entries
    assert [(entry.label, entry.actor) for entry in entries] == [("update", manager), ("insert", officer)]
    assert "Preferred channel" in html and "Email" in html and "Phone" in html


def test_the_record_page_loads_its_history_lazily(client, officer, stakeholder):
    page = login(client, officer).get(stakeholder.get_absolute_url()).content.decode()
    assert f'hx-get="{history_url("stakeholder", stakeholder)}"' in page
    assert f'hx-get="{history_url("position", stakeholder)}"' in page


def test_older_changes_come_a_page_at_a_time(client, officer, stakeholder, settings):
    settings.HISTORY_PAGE_SIZE = 2
    for hours in ("mornings", "afternoons", "evenings", "weekends"):
        contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, preferred_hours=hours)
    login(client, officer)
    seen, url = [], history_url("stakeholder", stakeholder)
    params = {}
    while True:
        history = htmx_get(client, url, **params).context["history"]
        seen.extend(entry.pgh_id for entry in history.entries)
        if not history.next_cursor:
            break
        params = {"before": history.next_cursor}
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)


@pytest.fixture
def confidential(officer):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = interactions.interaction_log(
        author=officer,
        stakeholders=[stakeholder],
        summary="Off the record",
        kind="call",
        is_confidential=True,
    )
    interactions.interaction_update(interaction=interaction, actor=officer, outcome="Agreed quietly")
    return interaction


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("colleague", 404),
        ("other_officer", 404),
        ("manager", 200),
        ("other_manager", 404),
        ("admin_user", 200),
    ],
)
def test_a_confidential_interactions_history_is_seen_only_by_those_who_see_it(
    client, request, confidential, who, status
):
    login(client, request.getfixturevalue(who))
    assert client.get(confidential.get_absolute_url()).status_code == status
    assert htmx_get(client, history_url("interaction", confidential)).status_code == status


def test_officer_cannot_see_colleagues_confidential_interaction_history(client, colleague, confidential):
    response = htmx_get(login(client, colleague), history_url("interaction", confidential))
    assert response.status_code == 404
    assert b"Agreed quietly" not in response.content


@pytest.mark.parametrize(
    ("who", "reads"),
    [
        ("officer", True),
        ("colleague", False),
        ("other_officer", False),
        ("manager", True),
        ("other_manager", False),
        ("admin_user", True),
    ],
)
def test_what_an_interaction_said_while_confidential_stays_hidden_once_it_is_made_public(
    client, request, officer, confidential, who, reads
):
    interactions.interaction_update(
        interaction=confidential,
        actor=officer,
        summary="Call about the timetable",
        outcome="",
        is_confidential=False,
    )
    response = htmx_get(login(client, request.getfixturevalue(who)), history_url("interaction", confidential))
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Off the record" in html, "Agreed quietly" in html) == (reads, reads)
    # That it was made public, and by whom, is no secret: the change is listed, its content is not.
    labels = sorted(entry.label for entry in response.context["history"].entries)
    assert labels == ["insert", "update", "update"]  # its people were made with it: in its creation
    assert ("Not shown: the interaction was confidential then." in html) is not reads


def test_a_commitment_does_not_name_a_confidential_interaction_to_those_who_cannot_see_it(
    client, officer, colleague, confidential
):
    from commitments.services import commitment_record

    commitment = commitment_record(
        actor=officer,
        stakeholder=confidential.stakeholders.get(),
        description="Send the figures",
        direction="we_promised",
        source_interaction=confidential,
    )
    for user, named in ((officer, True), (colleague, False)):
        html = htmx_get(login(client, user), history_url("commitment", commitment)).content.decode()
        assert ("Off the record" in html) is named


def test_the_history_partial_costs_the_same_however_many_changes(
    client, officer, manager, stakeholder, django_assert_max_num_queries
):
    """Expect at most 8 queries: the session, the user, the stakeholder (its visibility), a page of events
    with each one's previous snapshot, the user's roles (asked by `visible_to`), then once each the users
    named (actors, owners), and for positions the stakeholders and organisations named."""
    organisation = OrganisationFactory()
    url = history_url("stakeholder", stakeholder)
    login(client, officer)
    client.get(url)  # warm: the first request of a session loads its permissions
    counts = []
    for rounds in (1, 6):
        for n in range(rounds):
            contacts.stakeholder_update(
                stakeholder=stakeholder, actor=manager if n % 2 else officer, preferred_hours=f"{rounds}-{n}"
            )
            contacts.affiliation_save(
                affiliation=contacts.Affiliation(stakeholder=stakeholder),
                actor=officer,
                organisation=organisation,
                role=f"Role {rounds}-{n}",
            )
        with django_assert_max_num_queries(8) as captured:
            assert htmx_get(client, url).status_code == 200
        with django_assert_max_num_queries(8) as positions:
            assert htmx_get(client, history_url("position", stakeholder)).status_code == 200
        counts.append((len(captured), len(positions)))
    assert counts[0] == counts[1]


# Recent changes: managers and administrators only, managers to their team's records.


@pytest.mark.parametrize(
    ("who", "status"),
    [("officer", 403), ("colleague", 403), ("manager", 200), ("other_manager", 200), ("admin_user", 200)],
)
def test_recent_changes_are_for_managers_and_administrators(client, request, who, status):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("history:recent")).status_code == status


def test_a_manager_sees_their_teams_changes_deletions_included(
    client, officer, manager, other_officer, other_manager, admin_user
):
    ours = StakeholderFactory(owner=officer)
    theirs = StakeholderFactory(owner=other_officer)
    gone = interactions.interaction_log(
        author=officer, stakeholders=[ours], summary="Logged twice", kind="call"
    )
    interactions.interaction_delete(interaction=gone, actor=officer)
    interactions.interaction_log(
        author=other_officer, stakeholders=[theirs], summary="Their team's call", kind="call"
    )

    def titles(user, **params):
        history = login(client, user).get(reverse("history:recent"), params).context["history"]
        return {(entry.stream.key, entry.label, entry.title) for entry in history.entries}

    # The organisation register is shared: a team's part in it is the changes its members made.
    contacts.organisation_create(actor=officer, name="Harbour Authority", kind="government_agency")

    mine = titles(manager)
    assert ("organisation", "insert", "Harbour Authority") in mine
    assert ("organisation", "insert", "Harbour Authority") not in titles(other_manager)
    assert ("interaction", "delete", "Logged twice") in mine
    assert ("stakeholder", "insert", ours.name) in mine
    assert not {title for _, _, title in mine} & {theirs.name, "Their team's call"}
    assert ("interaction", "insert", "Their team's call") in titles(other_manager)
    assert ("interaction", "delete", "Logged twice") not in titles(other_manager)
    everything = titles(admin_user)
    assert {
        ("interaction", "delete", "Logged twice"),
        ("interaction", "insert", "Their team's call"),
    } <= everything


def test_recent_changes_filter_by_record_and_by_who_made_them(client, officer, colleague, manager):
    stakeholder = contacts.stakeholder_create(actor=officer, name="Ines Duarte")
    contacts.stakeholder_update(stakeholder=stakeholder, actor=manager, notes="Met at the port")
    interactions.interaction_log(author=colleague, stakeholders=[stakeholder], summary="Call", kind="call")
    login(client, manager)
    url = reverse("history:recent")
    by_model = client.get(url, {"model": "interaction"}).context["history"].entries
    assert {entry.stream.key for entry in by_model} == {"interaction"}
    by_user = client.get(url, {"user": manager.pk}).context["history"].entries
    assert [(entry.stream.key, entry.label) for entry in by_user] == [("stakeholder", "update")]


def test_recent_changes_offer_the_kinds_of_record_capitalised_as_every_other_list(client, manager):
    form = login(client, manager).get(reverse("history:recent")).context["form"]
    choices = dict(form.fields["model"].choices)
    assert (choices["stakeholder"], choices["action"]) == ("Stakeholder", "Action item")


def test_recent_changes_link_to_records_that_still_exist(client, officer, manager):
    kept = StakeholderFactory(owner=officer)
    gone = interactions.interaction_log(
        author=officer, stakeholders=[kept], summary="Deleted call", kind="call"
    )
    gone_url = gone.get_absolute_url()
    interactions.interaction_delete(interaction=gone, actor=officer)
    html = login(client, manager).get(reverse("history:recent")).content.decode()
    assert f'href="{kept.get_absolute_url()}"' in html
    assert f'href="{gone_url}"' not in html
    assert "Deleted call" in html


def test_recent_changes_page_through_every_event_once(client, officer, manager, settings):
    settings.HISTORY_PAGE_SIZE = 3
    people = [contacts.stakeholder_create(actor=officer, name=f"Person {n}") for n in range(4)]
    for person in people:
        interactions.interaction_log(author=officer, stakeholders=[person], summary="Call", kind="call")
    login(client, manager)
    seen, params = [], {}
    while True:
        response = htmx_get(client, reverse("history:recent"), **params)
        history = response.context["history"]
        seen.extend((entry.rank_key or entry.stream.key, entry.pgh_id) for entry in history.entries)
        if not history.next_cursor:
            break
        params = {"before": history.next_cursor}
        # "Show older changes" asks for exactly that page.
        assert f'hx-get="?{urlencode(params)}"' in response.content.decode()
    assert len(seen) == len(set(seen)) == 12  # four people created, four calls logged, and who each was with


def test_recent_changes_cost_the_same_however_many_changes(
    client, officer, manager, django_assert_max_num_queries
):
    """Expect at most 27 here: the session, the user and their roles, the team's members, one query per kind
    of record (12) and per many-to-many link (6: tags twice, an interaction's people, topics and staff
    present, a concern's interactions), and the names behind foreign keys and links (users, stakeholders,
    interactions, tags, …) once each for the whole page."""
    login(client, manager)
    counts = []
    for rounds in (1, 5):
        for n in range(rounds):
            person = contacts.stakeholder_create(actor=officer, name=f"Person {rounds}-{n}")
            call = interactions.interaction_log(
                author=officer, stakeholders=[person], summary="Call", kind="call"
            )
            # A change of its links after it was made: a line of its own, naming the interaction.
            interactions.interaction_update(interaction=call, actor=officer, topics=[f"Topic {n}"])
            InteractionFactory(logged_by=officer, stakeholders=[person])
        with django_assert_max_num_queries(27) as captured:
            assert client.get(reverse("history:recent")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_meetings_decisions_show_in_its_history_with_who_recorded_them(client, officer, manager):
    stakeholder = StakeholderFactory(owner=officer)
    start = timezone.now() - dt.timedelta(days=1)
    meeting = meetings.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        stakeholders=[stakeholder],
    )
    meetings.meeting_mark_held(meeting=meeting, actor=officer, decisions=["Go ahead"])
    meetings.decision_add(meeting=meeting, actor=manager, text="Meet again in May")

    meeting_page = login(client, officer).get(meeting.get_absolute_url()).content.decode()
    response = htmx_get(client, history_url("decision", meeting))

    assert history_url("decision", meeting) in meeting_page
    entries = response.context["history"].entries
    assert [(entry.label, entry.actor, entry.title) for entry in entries] == [
        ("insert", manager, "Meet again in May"),
        ("insert", officer, "Go ahead"),
    ]
    recent = login(client, manager).get(reverse("history:recent"), {"model": "decision"}).context["history"]
    assert [entry.title for entry in recent.entries] == ["Meet again in May", "Go ahead"]


def test_a_meetings_reminders_show_in_its_history_as_the_form_offers_them(client, officer):
    """Not as the minutes stored ("1440, 60"); a time the API set and the form does not offer reads alike."""
    start = timezone.now() + dt.timedelta(days=3)
    meeting = meetings.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        stakeholders=[StakeholderFactory(owner=officer)],
        reminder_minutes=[24 * 60, 60],
    )
    meetings.meeting_update(meeting=meeting, actor=officer, reminder_minutes=[2 * 24 * 60, 90])

    html = htmx_get(login(client, officer), history_url("meeting", meeting)).content.decode()

    assert "1 day before, 1 hour before" in html
    assert "2 days before, 90 minutes before" in html
    assert "1440" not in html


def test_recent_changes_name_an_officer_who_has_left(client, officer, colleague, manager):
    """A leaver's portfolio handed over reads "Owner: <the leaver> → <the colleague>", and what the leaver
    did is credited to them by name: staff are named on every record, whether they are still here or not."""
    stakeholder = contacts.stakeholder_create(actor=officer, name="Ines Duarte")
    officer.is_active = False
    officer.save()
    contacts.portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague)
    entries = login(client, manager).get(reverse("history:recent")).context["history"].entries
    moved, created = entries[0], entries[-1]
    assert (moved.title, moved.changes[0].old, moved.changes[0].new) == (
        stakeholder.name,
        str(officer),
        str(colleague),
    )
    assert (created.label, created.actor) == ("insert", officer)


def test_recent_changes_can_be_narrowed_to_what_a_leaver_did(client, officer, manager, other_officer):
    contacts.stakeholder_create(actor=officer, name="Ines Duarte")
    officer.is_active = False
    officer.save()
    response = login(client, manager).get(reverse("history:recent"), {"user": officer.pk})
    choices = dict(response.context["form"].fields["user"].choices)
    assert choices[officer.pk] == f"{officer} (left)" and other_officer.pk not in choices
    assert [entry.title for entry in response.context["history"].entries] == ["Ines Duarte"]
