"""Each API list page runs the same small number of queries however many rows it returns; so does a log."""

import pytest

from ..factories import (
    AffiliationFactory,
    InteractionFactory,
    OrganisationFactory,
    StakeholderFactory,
    UserFactory,
)
from .conftest import client_with_token, token_for

pytestmark = pytest.mark.django_db

# Every token request starts with: the token with its user; recording its first use.
REQUEST_OVERHEAD = 2


def populate(officer, rows):
    for _ in range(rows):
        organisation = OrganisationFactory()
        stakeholder = StakeholderFactory(owner=officer)
        AffiliationFactory(stakeholder=stakeholder, organisation=organisation)
        stakeholder.tags.create(name=f"tag-{stakeholder.pk}")
        organisation.tags.add(*stakeholder.tags.all())
        interaction = InteractionFactory(
            logged_by=officer, stakeholders=[stakeholder], organisation=organisation
        )
        interaction.staff_present.add(officer)
        interaction.topics.add(*stakeholder.tags.all())


@pytest.fixture
def fresh_api(officer):
    return lambda: client_with_token(token_for(officer))


@pytest.mark.parametrize("rows", [3, 12])
def test_stakeholder_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the page of stakeholders, their tags and positions (with organisation names) in it.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 1):
        response = api.get("/api/v1/stakeholders/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_stakeholder_search(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the page of matches (ranked), their tags and positions in it.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 1):
        api.get("/api/v1/stakeholders/", {"search": "a"})


@pytest.mark.parametrize("rows", [3, 12])
def test_interaction_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the user's groups (confidentiality); the page of interactions, their stakeholders, staff present and
    # topics in it.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 2):
        response = api.get("/api/v1/interactions/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_organisation_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # organisations; the people of their families (contacts.querysets.people_counts); their tags.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        response = api.get("/api/v1/organisations/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_user_list(officer, fresh_api, django_assert_max_num_queries, rows):
    for _ in range(rows):
        StakeholderFactory()  # each brings an owner
    api = fresh_api()
    # the user's groups (admins also see inactive users); the page of users; their roles.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        api.get("/api/v1/users/")


@pytest.mark.parametrize("rows", [3, 12])
def test_tag_list(officer, fresh_api, django_assert_max_num_queries, rows):
    populate(officer, rows)
    api = fresh_api()
    # the reader's roles (which tags they may see); the page of tags.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 2):
        api.get("/api/v1/tags/")


def populate_registers(officer, rows):
    """Meetings held with attendees, agenda, papers, decisions and actions; commitments and concerns made
    during interactions (some confidential) — everything the new lists nest."""
    from commitments.models import Commitment
    from concerns.models import Concern
    from meetings.models import ActionItem, AgendaItem, Attendee, Decision, MeetingDocument

    from ..factories import MeetingFactory

    for index in range(rows):
        stakeholder = StakeholderFactory(owner=officer)
        interaction = InteractionFactory(
            logged_by=officer, stakeholders=[stakeholder], is_confidential=index % 2 == 0
        )
        meeting = MeetingFactory(organiser=officer, interaction=interaction)
        Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)
        Attendee.objects.create(meeting=meeting, user=officer)
        AgendaItem.objects.create(meeting=meeting, title="Timetable", owner=officer)
        Decision.objects.create(meeting=meeting, text="Consult in May")
        MeetingDocument.objects.create(
            meeting=meeting, file="x.pdf", name="x.pdf", content_type="application/pdf", size=1,
            uploaded_by=officer,
        )  # fmt: skip
        ActionItem.objects.create(
            meeting=meeting, description="Send it", owner_user=officer, created_by=officer
        )
        ActionItem.objects.create(
            meeting=meeting,
            description="Reply",
            owner_stakeholder=stakeholder,
            chaser=officer,
            created_by=officer,
        )
        Commitment.objects.create(
            description="Send the timetable", direction="we_promised", stakeholder=stakeholder, owner=officer,
            created_by=officer, source_interaction=interaction,
        )  # fmt: skip
        concern = Concern.objects.create(
            title="Noise", stakeholder=stakeholder, owner=officer, created_by=officer
        )
        concern.interactions.add(
            interaction, InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
        )


@pytest.fixture
def colleague_api(colleague):
    """Someone who may not read the confidential interactions: what they see is filtered, not skipped."""
    return lambda: client_with_token(token_for(colleague))


@pytest.mark.parametrize("rows", [3, 12])
def test_meeting_list(officer, colleague_api, django_assert_max_num_queries, rows):
    populate_registers(officer, rows)
    api = colleague_api()
    # the page of meetings with organisers and series; their attendees with stakeholders; agenda items;
    # decisions; documents; action item ids; the user's groups (confidentiality); held interactions the
    # user may read.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 8):
        response = api.get("/api/v1/meetings/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_action_item_list(officer, colleague_api, django_assert_max_num_queries, rows):
    populate_registers(officer, rows)
    api = colleague_api()
    # the page of actions with their meetings (and organisers) and staff owners.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 1):
        response = api.get("/api/v1/action-items/")
    assert len(response.json()["results"]) == 2 * rows


@pytest.mark.parametrize("rows", [3, 12])
def test_commitment_list(officer, colleague_api, django_assert_max_num_queries, rows):
    populate_registers(officer, rows)
    api = colleague_api()
    # the page of commitments with stakeholders and chasers; the user's groups (confidentiality); source
    # interactions the user may read.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        response = api.get("/api/v1/commitments/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_concern_list(officer, colleague_api, django_assert_max_num_queries, rows):
    populate_registers(officer, rows)
    api = colleague_api()
    # the page of concerns with stakeholders and handlers; the user's groups (confidentiality); linked
    # interactions the user may read.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        response = api.get("/api/v1/concerns/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("people", [1, 6])
def test_logging_an_interaction(officer, fresh_api, django_assert_max_num_queries, people):
    stakeholders = [StakeholderFactory(owner=officer).pk for _ in range(people)]
    colleagues = [UserFactory(team=officer.team).pk for _ in range(people)]
    api = fresh_api()
    body = {
        "kind": "call",
        "summary": "Call",
        "stakeholders": stakeholders,
        "staff_present": colleagues,
        "topics": ["Funding"],
    }
    api.post("/api/v1/interactions/", body, format="json")  # the tag exists from now on
    # The serializer: the chosen stakeholders, the colleagues present (each list in one query, however
    # long). The service, in a savepoint (2) because the test runs in a transaction: the stakeholders'
    # primary organisation; the INSERT (PostgreSQL checks the constraints, nothing asks first); its
    # stakeholder, staff and topic links; the topic by name; the stakeholders' last contact (no endpoint
    # listens for the event: the cache says so, PostgreSQL is not asked). The answer: the user's groups; the
    # interaction as the list shows it.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 12):
        response = api.post("/api/v1/interactions/", body, format="json")
    assert response.status_code == 201
