"""The interaction log through the API, and the confidentiality rule through every door the API has."""

import datetime as dt

import pytest
from django.utils import timezone

from interactions.models import Interaction

from ..factories import InteractionFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/interactions/"


def detail(interaction):
    return f"{LIST}{interaction.pk}/"


@pytest.fixture
def confidential(colleague):
    """Logged by `colleague` about a stakeholder `colleague` owns, in the officer's own team."""
    return InteractionFactory(
        logged_by=colleague,
        stakeholders=[StakeholderFactory(owner=colleague, name="Board member")],
        is_confidential=True,
        summary="Board tension over the merger",
    )


SEES_CONFIDENTIAL = [
    ("colleague", True),  # the author and owner
    ("officer", False),  # same team, not involved
    ("other_officer", False),
    ("manager", True),  # the team's manager
    ("other_manager", False),
    ("admin_user", True),
]


@pytest.mark.parametrize(("who", "sees"), SEES_CONFIDENTIAL)
def test_confidential_interaction_is_seen_only_by_those_allowed(api_as, confidential, who, sees):
    client = api_as(who)
    listed = {row["id"] for row in client.get(LIST).json()["results"]}
    assert (confidential.pk in listed) is sees
    assert client.get(detail(confidential)).status_code == (200 if sees else 404)


@pytest.mark.parametrize(("who", "sees"), SEES_CONFIDENTIAL)
def test_confidential_interaction_never_leaks_through_search_or_filters(api_as, confidential, who, sees):
    client = api_as(who)
    stakeholder = confidential.stakeholders.get()
    for query in [{"search": "merger"}, {"stakeholder": stakeholder.pk}, {"confidential": "true"}]:
        rows = client.get(LIST, query).json()["results"]
        assert (confidential.pk in {row["id"] for row in rows}) is sees, query


@pytest.mark.parametrize("who", ["officer", "other_officer", "other_manager"])
def test_those_who_cannot_see_it_cannot_change_it_either(api_as, confidential, who):
    client = api_as(who)
    assert client.patch(detail(confidential), {"summary": "x"}).status_code == 404
    assert client.delete(detail(confidential)).status_code == 404
    assert client.post(f"{detail(confidential)}complete-follow-up/").status_code == 404
    assert Interaction.objects.get(pk=confidential.pk).summary == "Board tension over the merger"


def test_anonymous_gets_401(api_as, confidential):
    assert api_as(None).get(detail(confidential)).status_code == 401


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),  # logged it
        ("colleague", 403),  # sees it, did not log it
        ("other_officer", 403),
        ("manager", 200),
        ("other_manager", 403),
        ("admin_user", 200),
    ],
)
def test_only_the_author_their_manager_and_admins_edit(api_as, officer, who, status):
    interaction = InteractionFactory(logged_by=officer)
    assert api_as(who).patch(detail(interaction), {"outcome": "Agreed"}).status_code == status


def test_logging_through_the_api_uses_the_service(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    when = timezone.now() - dt.timedelta(hours=2)
    response = officer_api.post(
        LIST,
        {
            "kind": "call",
            "summary": "Talked about the harbour plan",
            "stakeholders": [stakeholder.pk],
            "occurred_at": when.isoformat(),
            "topics": ["Harbour"],
            "sentiment": 1,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["logged_by"] == officer.pk
    assert body["stakeholders"] == [{"id": stakeholder.pk, "name": stakeholder.name}]
    assert body["topics"] == ["Harbour"]
    assert body["occurred_at"].endswith("Z") or body["occurred_at"].endswith("+00:00")
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at == when.replace(microsecond=when.microsecond)


def test_a_service_account_is_never_present_at_an_interaction(
    officer_api, officer, colleague, service_account
):
    stakeholder = StakeholderFactory(owner=officer)
    call = {"kind": "call", "summary": "Harbour plan", "stakeholders": [stakeholder.pk]}
    call["occurred_at"] = timezone.now().isoformat()

    refused = officer_api.post(LIST, {**call, "staff_present": [colleague.pk, service_account.pk]})
    logged = officer_api.post(LIST, {**call, "staff_present": [colleague.pk]})

    assert refused.status_code == 400
    assert "a service account is a tool, not a person" in refused.json()["staff_present"][0]
    assert logged.status_code == 201 and Interaction.objects.get().staff_present.get() == colleague


def test_a_service_account_already_present_stays_when_the_interaction_is_sent_back(
    officer_api, officer, service_account
):
    interaction = InteractionFactory(logged_by=officer, stakeholders=[StakeholderFactory(owner=officer)])
    interaction.staff_present.add(service_account)
    response = officer_api.patch(detail(interaction), {"staff_present": [service_account.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert interaction.staff_present.get() == service_account


def test_a_service_validation_error_is_a_400_with_field_messages(officer_api, officer):
    archived = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    response = officer_api.post(
        LIST,
        {
            "kind": "call",
            "summary": "x",
            "stakeholders": [archived.pk],
            "occurred_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert set(response.json()) == {"stakeholders", "occurred_at"}


def test_delete_goes_through_the_service_and_moves_last_contact_back(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    for days in (3, 1):
        officer_api.post(
            LIST,
            {
                "kind": "email",
                "summary": f"{days} days ago",
                "stakeholders": [stakeholder.pk],
                "occurred_at": (timezone.now() - dt.timedelta(days=days)).isoformat(),
            },
        )
    newest = Interaction.objects.get(summary="1 days ago")
    assert officer_api.delete(detail(newest)).status_code == 204
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at == Interaction.objects.get(summary="3 days ago").occurred_at


def test_follow_up_complete_and_reopen(officer_api, officer):
    interaction = InteractionFactory(logged_by=officer, follow_up_on=timezone.localdate())
    done = officer_api.post(f"{detail(interaction)}complete-follow-up/")
    assert done.status_code == 200
    assert done.json()["follow_up_done_at"]
    assert officer_api.post(f"{detail(interaction)}reopen-follow-up/").json()["follow_up_done_at"] is None


def test_completing_a_follow_up_that_does_not_exist_is_a_400(officer_api, officer):
    interaction = InteractionFactory(logged_by=officer)
    response = officer_api.post(f"{detail(interaction)}complete-follow-up/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_filters(officer_api, officer):
    call = InteractionFactory(logged_by=officer, kind="call", sentiment=-1)
    InteractionFactory(logged_by=officer, kind="email")
    rows = officer_api.get(LIST, {"kind": "call", "sentiment": "-1"}).json()["results"]
    assert [row["id"] for row in rows] == [call.pk]


def test_clearing_the_date_of_a_done_follow_up_is_a_400_with_the_reason_and_changes_nothing(
    officer, officer_api
):
    done_on = timezone.localdate()
    interaction = InteractionFactory(
        logged_by=officer, follow_up_on=done_on, follow_up_done_at=timezone.now(), summary="Original"
    )
    response = officer_api.patch(detail(interaction), {"follow_up_on": None, "summary": "Changed"})
    assert response.status_code == 400
    assert response.json() == {
        "follow_up_on": ["This follow-up is done: keep its due date, or reopen it before clearing the date."]
    }
    interaction.refresh_from_db()
    assert (interaction.summary, interaction.follow_up_on) == ("Original", done_on)


def test_a_sync_sees_the_records_that_pointed_at_a_deleted_interaction(officer_api, officer):
    """Deleting an interaction clears a commitment's source, a concern's link and a held meeting's timeline
    entry: a tool syncing by `updated_since` must be told, or it keeps pointing at a record that is gone."""
    from commitments.models import Commitment
    from concerns.models import Concern
    from meetings.models import Meeting

    from ..factories import CommitmentFactory, ConcernFactory, MeetingFactory

    stakeholder = StakeholderFactory(owner=officer)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    commitment = CommitmentFactory(stakeholder=stakeholder, source_interaction=interaction)
    concern = ConcernFactory(stakeholder=stakeholder, interactions=[interaction])
    meeting = MeetingFactory(organiser=officer, interaction=interaction)
    for model in (Commitment, Concern, Meeting):
        model.objects.update(updated_at="2020-01-01T00:00Z")

    assert officer_api.delete(detail(interaction)).status_code == 204

    since = {"updated_since": "2025-01-01T00:00Z"}
    commitments = officer_api.get("/api/v1/commitments/", since).json()["results"]
    assert [(row["id"], row["source_interaction"]) for row in commitments] == [(commitment.pk, None)]
    concerns = officer_api.get("/api/v1/concerns/", since).json()["results"]
    assert [(row["id"], row["interactions"]) for row in concerns] == [(concern.pk, [])]
    meetings = officer_api.get("/api/v1/meetings/", since).json()["results"]
    assert [row["id"] for row in meetings] == [meeting.pk]


# --- the follow-up's owner --------------------------------------------------------------------------------


def _log_body(stakeholder, **fields):
    return {
        "kind": "call",
        "summary": "Agreed the draft",
        "stakeholders": [stakeholder.pk],
        "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        **fields,
    }


def test_the_api_logs_a_follow_up_for_a_colleague_and_shows_its_owner(officer_api, officer, colleague):
    stakeholder = StakeholderFactory(owner=officer)
    mine = officer_api.post(LIST, _log_body(stakeholder), format="json").json()
    theirs = officer_api.post(
        LIST, _log_body(stakeholder, follow_up_owner=colleague.pk), format="json"
    ).json()
    assert (mine["follow_up_owner"], mine["logged_by"]) == (officer.pk, officer.pk)
    assert (theirs["follow_up_owner"], theirs["logged_by"]) == (colleague.pk, officer.pk)


def test_the_api_hands_a_follow_up_to_a_colleague_and_filters_by_owner(officer_api, officer, colleague):
    interaction = InteractionFactory(logged_by=officer, follow_up_on=timezone.localdate())
    InteractionFactory(logged_by=officer, follow_up_on=timezone.localdate())
    response = officer_api.patch(detail(interaction), {"follow_up_owner": colleague.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["follow_up_owner"] == colleague.pk
    rows = officer_api.get(LIST, {"follow_up_owner": colleague.pk}).json()["results"]
    assert [row["id"] for row in rows] == [interaction.pk]


def test_the_api_lists_a_leavers_follow_ups_and_what_they_logged(officer_api, officer, colleague):
    chased = InteractionFactory(logged_by=officer, follow_up_on="2030-01-01", follow_up_owner=colleague)
    logged = InteractionFactory(logged_by=colleague)
    colleague.is_active = False
    colleague.save()
    for params, expected in [
        ({"follow_up_owner": colleague.pk}, chased),
        ({"logged_by": colleague.pk}, logged),
    ]:
        response = officer_api.get(LIST, params)
        assert response.status_code == 200, response.content
        assert [row["id"] for row in response.json()["results"]] == [expected.pk]


def test_the_owner_closes_their_follow_up_through_the_api_but_cannot_edit_it(api_as, officer, colleague):
    interaction = InteractionFactory(
        logged_by=officer, follow_up_on=timezone.localdate(), follow_up_owner=colleague
    )
    client = api_as("colleague")
    assert client.post(f"{detail(interaction)}complete-follow-up/").status_code == 200
    assert client.patch(detail(interaction), {"summary": "Mine now"}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"follow_up_owner": "gone"}, "cannot follow this up"),
        ({"follow_up_owner": "service"}, "cannot follow this up"),
        ({"follow_up_owner": "colleague", "follow_up_on": None}, "date"),
    ],
)
def test_a_bad_follow_up_owner_is_a_400_on_the_field_and_nothing_is_logged(
    officer_api, officer, colleague, team, fields, message
):
    people = {
        "gone": UserFactory(team=team, is_active=False),
        "service": UserFactory(team=team, is_service_account=True),
        "colleague": colleague,
    }
    body = _log_body(StakeholderFactory(owner=officer))
    body.update(
        {name: people[value].pk if name == "follow_up_owner" else value for name, value in fields.items()}
    )
    response = officer_api.post(LIST, body, format="json")
    assert response.status_code == 400
    assert message in response.json()["follow_up_owner"][0]
    assert not Interaction.objects.exists()
