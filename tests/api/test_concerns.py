"""The concerns register through the API: the same services and rules as its pages."""

import datetime as dt

import pytest
from django.utils import timezone

from concerns.models import Concern, ConcernStatus, Severity

from ..factories import AffiliationFactory, ConcernFactory, InteractionFactory, StakeholderFactory
from .conftest import CAST

pytestmark = pytest.mark.django_db

LIST = "/api/v1/concerns/"


def detail(concern, action=""):
    return f"{LIST}{concern.pk}/{action + '/' if action else ''}"


@pytest.fixture
def concern(officer, other_officer):
    """Handled by `officer`, raised by a stakeholder `other_officer` owns."""
    return ConcernFactory(owner=officer, stakeholder=StakeholderFactory(owner=other_officer))


@pytest.fixture
def confidential_call(colleague):
    return InteractionFactory(
        logged_by=colleague,
        stakeholders=[StakeholderFactory(owner=colleague)],
        is_confidential=True,
        summary="Board tension over the merger",
    )


def body(stakeholder, **fields):
    return {"title": "Lorries on the school road", "severity": 3, "stakeholder": stakeholder.pk, **fields}


@pytest.mark.parametrize("who", [None, *CAST])
def test_everyone_on_the_staff_reads_the_register(api_as, concern, who):
    expected = 401 if who is None else 200
    assert api_as(who).get(LIST).status_code == expected
    assert api_as(who).get(detail(concern)).status_code == expected


@pytest.mark.parametrize("who", CAST)
def test_anyone_on_the_staff_records_a_concern_and_handles_it(api_as, request, officer, who):
    stakeholder = StakeholderFactory(owner=officer)
    position = AffiliationFactory(stakeholder=stakeholder)
    response = api_as(who).post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["owner"] == data["created_by"] == request.getfixturevalue(who).pk
    assert data["organisation"] == position.organisation_id
    assert (data["status"], data["severity"], data["raised_on"]) == (
        "open",
        3,
        timezone.localdate().isoformat(),
    )


def test_a_concern_recorded_without_a_severity_is_of_medium_severity(officer_api, officer):
    # The schema documents severity as optional, as the model's default makes it.
    stakeholder = StakeholderFactory(owner=officer)
    response = officer_api.post(LIST, {"title": "Dust from the quarry", "stakeholder": stakeholder.pk})
    assert response.status_code == 201, response.content
    assert response.json()["severity"] == Severity.MEDIUM


def test_anonymous_cannot_record(api_as, officer):
    assert api_as(None).post(LIST, body(StakeholderFactory(owner=officer))).status_code == 401
    assert not Concern.objects.exists()


def test_a_service_account_records_as_itself(service_api, service_account, officer):
    response = service_api.post(LIST, body(StakeholderFactory(owner=officer)))
    assert response.status_code == 201
    assert response.json()["owner"] == service_account.pk


def test_a_service_account_is_never_given_a_concern_to_handle(officer_api, officer, service_account):
    response = officer_api.post(LIST, body(StakeholderFactory(owner=officer), owner=service_account.pk))
    assert response.status_code == 400
    assert "never to a service account" in response.json()["owner"][0]


def test_retrying_with_the_same_key_records_once(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    first = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="same")
    again = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="same")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Concern.objects.count() == 1


def test_raising_a_concern_with_the_interactions_it_came_up_in(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    call = InteractionFactory(logged_by=officer, stakeholders=[stakeholder], summary="Angry call")
    response = officer_api.post(LIST, body(stakeholder, interactions=[call.pk]))
    assert response.status_code == 201, response.content
    assert [i["summary"] for i in response.json()["interactions"]] == ["Angry call"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"severity": 9}, {"severity"}),
        ({"title": ""}, {"title"}),
        ({"stakeholder": 999999}, {"stakeholder"}),
        ({"raised_on": "tomorrow"}, {"raised_on"}),
        ({"raised_on": "future"}, {"raised_on"}),  # the service's rule
        ({"owner": 999999}, {"owner"}),
        ({"interactions": "confidential"}, {"interactions"}),  # one the officer may not read
    ],
)
def test_bad_input_is_a_400_with_field_messages_and_records_nothing(
    officer_api, officer, confidential_call, change, fields
):
    stand_ins = {
        "future": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
        "confidential": [confidential_call.pk],
    }
    change = {name: stand_ins.get(value, value) for name, value in change.items()}
    response = officer_api.post(LIST, {**body(StakeholderFactory(owner=officer)), **change})
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("officer", 200),  # handles it
        ("other_officer", 200),  # owns the stakeholder
        ("colleague", 403),
        ("manager", 200),  # the handler's manager
        ("other_manager", 403),
        ("admin_user", 200),
    ],
)
def test_the_handler_the_stakeholders_owner_their_manager_and_admins_edit(api_as, concern, who, status):
    response = api_as(who).patch(detail(concern), {"severity": 4})
    assert response.status_code == status, response.content
    concern.refresh_from_db()
    assert (concern.severity == 4) is (status == 200)


def test_a_service_account_cannot_edit_someone_elses_concern(service_api, concern):
    assert service_api.patch(detail(concern), {"severity": 4}).status_code == 403
    assert service_api.post(detail(concern, "resolve"), {"resolution": "x"}).status_code == 403


def test_in_progress_resolve_and_reopen(officer_api, concern):
    assert officer_api.post(detail(concern, "in-progress")).json()["status"] == "in_progress"
    resolved = officer_api.post(detail(concern, "resolve"), {"resolution": "Lorries rerouted"})
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]
    reopened = officer_api.post(detail(concern, "reopen")).json()
    assert (reopened["status"], reopened["resolved_at"], reopened["resolution"]) == (
        "open",
        None,
        "Lorries rerouted",
    )


def test_reopening_a_concern_that_is_not_resolved_changes_nothing(officer_api, concern):
    """As the page says: nothing to reopen. A retried request is not an error."""
    officer_api.post(detail(concern, "in-progress"))

    response = officer_api.post(detail(concern, "reopen"))

    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"


def test_a_resolved_concern_is_reopened_before_it_is_edited(officer_api, concern):
    officer_api.post(detail(concern, "resolve"), {"resolution": "Lorries rerouted"})
    response = officer_api.patch(detail(concern), {"severity": 4})
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["This concern is resolved: reopen it to change it."]
    assert Concern.objects.get(pk=concern.pk).severity == Severity.MEDIUM


@pytest.mark.parametrize("payload", [{}, {"resolution": ""}, {"resolution": "   "}])
def test_resolving_without_saying_how_is_a_400(officer_api, concern, payload):
    response = officer_api.post(detail(concern, "resolve"), payload)
    assert response.status_code == 400
    assert response.json() == {"resolution": ["Say how the concern was resolved."]}
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("other_manager", 403), ("manager", 200)])
def test_actions_follow_the_edit_rule(api_as, concern, who, status):
    assert api_as(who).post(detail(concern, "resolve"), {"resolution": "Sorted"}).status_code == status


def test_no_permission_is_reported_before_a_bad_body(api_as, concern):
    assert api_as("colleague").post(detail(concern, "resolve"), {}).status_code == 403


def test_linking_and_unlinking_interactions(officer_api, concern, officer):
    call = InteractionFactory(logged_by=officer, stakeholders=[concern.stakeholder])
    Concern.objects.filter(pk=concern.pk).update(updated_at="2020-01-01T00:00Z")
    linked = officer_api.post(detail(concern, "link-interaction"), {"interaction": call.pk})
    assert linked.status_code == 200, linked.content
    assert [i["id"] for i in linked.json()["interactions"]] == [call.pk]
    rows = officer_api.get(LIST, {"updated_since": "2025-01-01T00:00Z"}).json()["results"]
    assert [row["id"] for row in rows] == [concern.pk]
    unlinked = officer_api.post(detail(concern, "unlink-interaction"), {"interaction": call.pk})
    assert unlinked.json()["interactions"] == []


def test_linking_an_interaction_the_caller_may_not_read_is_a_400(officer_api, concern, confidential_call):
    response = officer_api.post(detail(concern, "link-interaction"), {"interaction": confidential_call.pk})
    assert response.status_code == 400
    assert set(response.json()) == {"interaction"}
    assert not concern.interactions.exists()


SEES_CONFIDENTIAL = [
    ("colleague", True),
    ("officer", False),
    ("other_officer", False),
    ("manager", True),
    ("other_manager", False),
    ("admin_user", True),
]


@pytest.mark.parametrize(("who", "sees"), SEES_CONFIDENTIAL)
def test_confidential_linked_interactions_show_only_to_those_who_may_read_them(
    api_as, confidential_call, officer, who, sees
):
    stakeholder = confidential_call.stakeholders.get()
    public = InteractionFactory(logged_by=officer, stakeholders=[stakeholder], summary="Site visit")
    concern = ConcernFactory(stakeholder=stakeholder, interactions=[confidential_call, public])
    client = api_as(who)
    shown = {i["summary"] for i in client.get(detail(concern)).json()["interactions"]}
    assert shown == ({"Site visit", "Board tension over the merger"} if sees else {"Site visit"})
    assert ("merger" in client.get(LIST).content.decode()) is sees


def test_concerns_are_never_deleted(api_as, concern):
    assert api_as("admin_user").delete(detail(concern)).status_code == 405


def test_filters_are_the_registers_filters(officer_api, officer, colleague, other_officer, settings):
    settings.CONCERN_ESCALATION_DAYS = 14
    old = ConcernFactory(owner=officer, raised_on=timezone.localdate() - dt.timedelta(days=20))
    theirs = ConcernFactory(owner=colleague, severity=4, title="Dust from the quarry")
    resolved = ConcernFactory(
        owner=officer, status=ConcernStatus.RESOLVED, resolution="Fixed", resolved_at=timezone.now()
    )

    def ids(**query):
        return [row["id"] for row in officer_api.get(LIST, query).json()["results"]]

    assert ids(overdue="true") == [old.pk]
    assert ids(status="unresolved") == [theirs.pk, old.pk]
    assert ids(status="resolved") == [resolved.pk]
    assert ids(severity=4) == [theirs.pk]
    assert ids(owner=colleague.pk) == [theirs.pk]
    assert ids(search="quarry") == [theirs.pk]
    assert ids(ordering="raised_on") == [old.pk, theirs.pk, resolved.pk]
    other_teams = ConcernFactory(owner=other_officer)
    assert other_teams.pk not in ids(team=officer.team_id)
    assert ids(team=other_officer.team_id) == [other_teams.pk]


@pytest.mark.parametrize("had_one", [False, True])
def test_a_null_organisation_is_where_the_stakeholder_works_now_only_when_it_clears_one(
    officer_api, concern, had_one
):
    """As on the edit page: a concern that never had an organisation is not given one by an edit."""
    position = AffiliationFactory(stakeholder=concern.stakeholder)
    if had_one:
        Concern.objects.filter(pk=concern.pk).update(organisation=AffiliationFactory().organisation)

    response = officer_api.patch(detail(concern), {"organisation": None, "severity": 4}, format="json")

    assert response.status_code == 200
    concern.refresh_from_db()
    assert concern.organisation == (position.organisation if had_one else None)
